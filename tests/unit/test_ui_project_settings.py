"""The settings pages list every score config and model, however many pages that takes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from spyglass_core.domain.errors import PermissionDenied
from spyglass_tracing.domain.models import Model
from spyglass_tracing.services.project_settings import MANAGED_MODEL_DELETE, ProjectSettings


class PagedList:
    """A service whose ``list`` pages ``rows`` as the repositories do."""

    def __init__(self, rows: Sequence[Any]) -> None:
        self.rows = list(rows)
        self.calls: list[tuple[int, int]] = []
        self.deleted: list[str] = []

    async def list(self, project_id: str, *, page: int, limit: int) -> tuple[list[Any], int]:
        self.calls.append((page, limit))
        start = (page - 1) * limit
        return self.rows[start : start + limit], len(self.rows)

    async def get(self, project_id: str, model_id: str) -> Model:
        return next(row for row in self.rows if row.id == model_id)

    async def delete(self, project_id: str, model_id: str) -> None:
        self.deleted.append(model_id)


async def test_every_row_of_every_page_is_listed() -> None:
    configs = PagedList([f"config-{i}" for i in range(1234)])
    settings = ProjectSettings(configs, PagedList([]))  # type: ignore[arg-type]
    assert await settings.score_configs("p") == configs.rows
    assert [page for page, _ in configs.calls] == [1, 2, 3]
    assert await settings.models("p") == []


async def test_managed_models_are_not_deleted() -> None:
    own = Model(id="own", model_name="m", match_pattern="m", project_id="p")
    managed = Model(id="managed", model_name="g", match_pattern="g")
    models = PagedList([own, managed])
    settings = ProjectSettings(PagedList([]), models)  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied) as refused:
        await settings.delete_model("p", "managed")
    assert refused.value.message == MANAGED_MODEL_DELETE
    await settings.delete_model("p", "own")
    assert models.deleted == ["own"]
