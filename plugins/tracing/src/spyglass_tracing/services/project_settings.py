"""The web UI's project settings: score configs and model prices, on the services behind
the public ``/score-configs`` and ``/models`` routes (same rules, same checks)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import msgspec

from spyglass_core.domain.errors import PermissionDenied
from spyglass_tracing.admin_schemas import UpdateScoreConfigRequest
from spyglass_tracing.domain.models import Model
from spyglass_tracing.domain.scoring import ScoreConfig
from spyglass_tracing.services.models import ModelService
from spyglass_tracing.services.score_configs import ScoreConfigService

__all__ = ("MANAGED_MODEL_DELETE", "ProjectSettings")

_T = TypeVar("_T")

MANAGED_MODEL_DELETE = (
    "Langfuse-managed models cannot be deleted; add a model of the project instead"
)
"""Why a managed model cannot be deleted (a project's own model with the same match
pattern takes precedence over it)."""


_PAGE = 500
"""Rows read per query while listing everything."""


class ProjectSettings:
    """Score configs and models of one project, as the settings pages list and edit them."""

    def __init__(self, configs: ScoreConfigService, models: ModelService) -> None:
        self._configs = configs
        self._models = models

    async def score_configs(self, project_id: str) -> list[ScoreConfig]:
        """Every config of the project, archived ones included, newest first."""
        return await _everything(
            lambda page: self._configs.list(project_id, page=page, limit=_PAGE)
        )

    async def update_score_config(
        self,
        project_id: str,
        config_id: str,
        *,
        is_archived: bool | msgspec.UnsetType = msgspec.UNSET,
        description: str | msgspec.UnsetType | None = msgspec.UNSET,
    ) -> ScoreConfig:
        """Archive or unarchive a config, or change its description (null clears it).

        Raises: NotFound; InvalidInput (as ``ScoreConfigService.update``).
        """
        request = UpdateScoreConfigRequest(is_archived=is_archived, description=description)
        return await self._configs.update(project_id, config_id, request)

    async def models(self, project_id: str) -> list[Model]:
        """Every model of the project (by name), then every managed one, with prices."""
        return await _everything(lambda page: self._models.list(project_id, page=page, limit=_PAGE))

    async def delete_model(self, project_id: str, model_id: str) -> None:
        """Delete one of the project's own models.

        Raises:
            NotFound: no such model in the project, nor a managed one.
            PermissionDenied: the model is a managed one (``MANAGED_MODEL_DELETE``).
        """
        model = await self._models.get(project_id, model_id)
        if model.is_managed:
            raise PermissionDenied(MANAGED_MODEL_DELETE)
        await self._models.delete(project_id, model_id)


async def _everything(
    read_page: Callable[[int], Awaitable[tuple[Sequence[_T], int]]],
) -> list[_T]:
    """Every row of an offset-paged listing (a project has tens of these, not millions)."""
    rows: list[_T] = []
    page = 1
    while True:
        found, total = await read_page(page)
        rows.extend(found)
        if not found or len(rows) >= total:
            return rows
        page += 1
