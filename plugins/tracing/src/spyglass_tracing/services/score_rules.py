"""Scores checked against their project's score configs before they are accepted.

Langfuse drops a score that breaks its config silently in the worker; Spyglass checks
while the caller is still there, so the caller gets a 400 that says why.
"""

from __future__ import annotations

from collections.abc import Sequence

from spyglass_core.domain.tracing import ScoreDataType
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_tracing.domain.ingestion import ScoreBody
from spyglass_tracing.domain.scoring import ScoreConfig
from spyglass_tracing.ports.repositories import ScoreConfigRepository

__all__ = ("ScoreConfigChecker", "check_against_config")


def check_against_config(body: ScoreBody, config: ScoreConfig | None) -> str | None:
    """Why ``body`` breaks ``config`` (None when it fits); fixes the name and category value.

    ``body.data_type`` must already be set (``envelopes.normalize_score``).
    """
    if config is None:
        return f"Score config '{body.config_id}' not found"
    if config.is_archived:
        return f"Score config '{config.name}' is archived"
    if body.data_type != config.data_type.value:
        return (
            f"Score dataType {body.data_type} does not match config dataType "
            f"{config.data_type.value}"
        )
    body.name = config.name
    if config.data_type is ScoreDataType.NUMERIC:
        value = float(body.value)
        if config.min_value is not None and value < config.min_value:
            return f"Score value {value} is below the config's minimum {config.min_value}"
        if config.max_value is not None and value > config.max_value:
            return f"Score value {value} is above the config's maximum {config.max_value}"
    if config.data_type is ScoreDataType.CATEGORICAL and config.categories:
        labels = {category.label for category in config.categories}
        if body.value not in labels:
            return f"Score value '{body.value}' is not a category of config '{config.name}'"
    return None


class ScoreConfigChecker:
    """Looks configs up once per request and checks scores against them."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def problems(self, project_id: str, bodies: Sequence[ScoreBody]) -> list[str | None]:
        """For each body, why it breaks its config, or None (also when it names none)."""
        wanted = {body.config_id for body in bodies if isinstance(body.config_id, str)}
        configs: dict[str, ScoreConfig | None] = {}
        if wanted:
            async with self._uow() as uow:
                for config_id in wanted:
                    configs[config_id] = await uow.repository(ScoreConfigRepository).get(
                        project_id, config_id
                    )
        return [
            check_against_config(body, configs[body.config_id])
            if isinstance(body.config_id, str)
            else None
            for body in bodies
        ]
