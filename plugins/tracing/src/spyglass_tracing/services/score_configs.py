"""Score configs of a project: create, read, list, and update (including archiving).

Rules, checked on every create and on the result of every update:

- ``name``: 1 to 35 characters from ``A-Z a-z 0-9 _ space . ( ) -``, not only spaces.
- ``dataType``: NUMERIC, CATEGORICAL, BOOLEAN or TEXT.
- NUMERIC: optional ``minValue`` ≤ ``maxValue``; no categories.
- CATEGORICAL: at least one category, labels unique and non-empty, values unique; no range.
- BOOLEAN: the categories are always ``True`` = 1 and ``False`` = 0, generated here;
  sending categories (or a range) is a 400, as Langfuse documents "cannot be passed".
- TEXT: neither range nor categories.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import msgspec

from spyglass_core.domain.errors import InvalidInput, NotFound
from spyglass_core.domain.ids import new_id
from spyglass_core.domain.tracing import ScoreDataType
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_tracing.admin_schemas import (
    CategoryBody,
    CreateScoreConfigRequest,
    UpdateScoreConfigRequest,
)
from spyglass_tracing.domain.scoring import ScoreCategory, ScoreConfig
from spyglass_tracing.ports.repositories import ScoreConfigRepository

__all__ = ("BOOLEAN_CATEGORIES", "ScoreConfigService", "validate_score_config")

_NAME = re.compile(r"[A-Za-z0-9_ .()\-]{1,35}")
_CONFIG_TYPES = (
    ScoreDataType.NUMERIC,
    ScoreDataType.CATEGORICAL,
    ScoreDataType.BOOLEAN,
    ScoreDataType.TEXT,
)

BOOLEAN_CATEGORIES = (("True", 1.0), ("False", 0.0))
"""The categories of every BOOLEAN config: (label, value)."""

_BOOLEAN_CATEGORIES_GIVEN = "Categories are generated for BOOLEAN configs and cannot be passed"


class ScoreConfigService:
    """Score configs; names need not be unique (as in Langfuse), ids are."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def create(self, project_id: str, request: CreateScoreConfigRequest) -> ScoreConfig:
        """Store a new config. Raises: InvalidInput (see the module's rules)."""
        data_type = _data_type(request.data_type)
        if data_type is ScoreDataType.BOOLEAN and request.categories is not None:
            raise InvalidInput(_BOOLEAN_CATEGORIES_GIVEN)
        now = self._clock.now()
        config = validate_score_config(
            ScoreConfig(
                id=new_id(),
                project_id=project_id,
                name=request.name,
                data_type=data_type,
                min_value=request.min_value,
                max_value=request.max_value,
                categories=_categories(request.categories),
                description=request.description,
                created_at=now,
                updated_at=now,
            )
        )
        async with self._uow_factory() as uow:
            await uow.repository(ScoreConfigRepository).add(config)
            await uow.commit()
        return config

    async def get(self, project_id: str, config_id: str) -> ScoreConfig:
        """One config of the project. Raises: NotFound."""
        async with self._uow_factory() as uow:
            config = await uow.repository(ScoreConfigRepository).get(project_id, config_id)
        if config is None:
            raise NotFound(f"Score config '{config_id}' not found")
        return config

    async def list(
        self, project_id: str, *, page: int, limit: int
    ) -> tuple[Sequence[ScoreConfig], int]:
        """The project's configs, newest first, and how many there are."""
        async with self._uow_factory() as uow:
            return await uow.repository(ScoreConfigRepository).list(
                project_id, offset=(page - 1) * limit, limit=limit
            )

    async def update(
        self, project_id: str, config_id: str, request: UpdateScoreConfigRequest
    ) -> ScoreConfig:
        """Apply the given fields and check the result.

        Raises:
            NotFound: no such config in the project.
            InvalidInput: the result breaks a rule.
        """
        async with self._uow_factory() as uow:
            current = await uow.repository(ScoreConfigRepository).get(project_id, config_id)
            if current is None:
                raise NotFound(f"Score config '{config_id}' not found")
            changes: dict[str, Any] = {"updated_at": self._clock.now()}
            if isinstance(request.name, str):
                changes["name"] = request.name
            if isinstance(request.is_archived, bool):
                changes["is_archived"] = request.is_archived
            if isinstance(request.categories, list):
                if current.data_type is ScoreDataType.BOOLEAN:
                    raise InvalidInput(_BOOLEAN_CATEGORIES_GIVEN)
                changes["categories"] = _categories(request.categories)
            for field in ("description", "min_value", "max_value"):
                value = getattr(request, field)
                if value is not msgspec.UNSET:
                    changes[field] = value
            updated = validate_score_config(msgspec.structs.replace(current, **changes))
            await uow.repository(ScoreConfigRepository).update(updated)
            await uow.commit()
        return updated


def validate_score_config(config: ScoreConfig) -> ScoreConfig:
    """``config`` checked against the module's rules, BOOLEAN categories filled in.

    Raises:
        InvalidInput: a rule is broken; the message says which.
    """
    if not _NAME.fullmatch(config.name) or not config.name.strip():
        raise InvalidInput(
            "name must be 1 to 35 characters of letters, digits, spaces and _ . ( ) -"
        )
    for bound in (config.min_value, config.max_value):
        if bound is not None and not math.isfinite(bound):
            raise InvalidInput("minValue and maxValue must be finite numbers")
    has_range = config.min_value is not None or config.max_value is not None
    data_type = config.data_type
    if data_type is not ScoreDataType.NUMERIC and has_range:
        raise InvalidInput(f"minValue and maxValue apply to NUMERIC configs, not {data_type.value}")
    if data_type is ScoreDataType.NUMERIC:
        if config.categories:
            raise InvalidInput("Categories apply to CATEGORICAL configs, not NUMERIC")
        if (
            config.min_value is not None
            and config.max_value is not None
            and config.min_value > config.max_value
        ):
            raise InvalidInput("minValue must be less than or equal to maxValue")
        return msgspec.structs.replace(config, categories=None)
    if data_type is ScoreDataType.BOOLEAN:
        generated = [ScoreCategory(label=label, value=value) for label, value in BOOLEAN_CATEGORIES]
        return msgspec.structs.replace(config, categories=generated)
    if data_type is ScoreDataType.TEXT:
        if config.categories:
            raise InvalidInput("Categories apply to CATEGORICAL configs, not TEXT")
        return msgspec.structs.replace(config, categories=None)
    _check_categories(config.categories or [])
    return config


def _check_categories(categories: list[ScoreCategory]) -> None:
    if not categories:
        raise InvalidInput("A CATEGORICAL config needs at least one category")
    labels = [category.label for category in categories]
    values = [category.value for category in categories]
    if any(not label.strip() for label in labels):
        raise InvalidInput("Category labels must not be empty")
    if any(not math.isfinite(value) for value in values):
        raise InvalidInput("Category values must be finite numbers")
    if len(set(labels)) != len(labels):
        raise InvalidInput("Category labels must be unique")
    if len(set(values)) != len(values):
        raise InvalidInput("Category values must be unique")


def _data_type(value: str) -> ScoreDataType:
    for data_type in _CONFIG_TYPES:
        if value == data_type.value:
            return data_type
    raise InvalidInput(
        f"dataType must be one of {', '.join(t.value for t in _CONFIG_TYPES)}, got '{value}'"
    )


def _categories(bodies: list[CategoryBody] | None) -> list[ScoreCategory] | None:
    if bodies is None:
        return None
    return [ScoreCategory(label=body.label, value=body.value) for body in bodies]
