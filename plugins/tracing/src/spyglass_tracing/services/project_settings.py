"""The web UI's project settings: score configs and model prices, on the services behind
the public ``/score-configs`` and ``/models`` routes (same rules, same checks)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence

import msgspec

from spyglass_core.domain.errors import InvalidInput, PermissionDenied
from spyglass_tracing.admin_schemas import UpdateScoreConfigRequest
from spyglass_tracing.domain.models import Model
from spyglass_tracing.domain.scoring import ScoreConfig
from spyglass_tracing.services.models import ModelService
from spyglass_tracing.services.score_configs import ScoreConfigService

__all__ = ("MANAGED_MODEL_DELETE", "ProjectSettings", "decode_page_cursor", "encode_page_cursor")

MANAGED_MODEL_DELETE = (
    "Langfuse-managed models cannot be deleted; add a model of the project instead"
)
"""Why a managed model cannot be deleted (a project's own model with the same match
pattern takes precedence over it)."""


class _PageCursor(msgspec.Struct, frozen=True):
    page: int


def encode_page_cursor(page: int) -> str:
    """An opaque cursor naming an offset page (1-based)."""
    raw = msgspec.json.encode(_PageCursor(page))
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_page_cursor(cursor: str | None) -> int:
    """The page a cursor names (1 without one). Raises: InvalidInput when malformed."""
    if not cursor:
        return 1
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        page = msgspec.json.decode(raw, type=_PageCursor).page
    except (ValueError, binascii.Error, msgspec.DecodeError):
        page = 0
    if not 1 <= page <= 2**31 - 1:
        raise InvalidInput("Invalid cursor", details="cursor is malformed")
    return page


def _next(page: int, limit: int, total: int) -> str | None:
    return encode_page_cursor(page + 1) if page * limit < total else None


class ProjectSettings:
    """Score configs and models of one project, as the settings pages list and edit them."""

    def __init__(self, configs: ScoreConfigService, models: ModelService) -> None:
        self._configs = configs
        self._models = models

    async def score_configs(
        self, project_id: str, *, cursor: str | None, limit: int
    ) -> tuple[Sequence[ScoreConfig], str | None]:
        """One page of the project's configs, archived ones included, newest first, and
        the cursor of the next page. Raises: InvalidInput (a malformed cursor)."""
        page = decode_page_cursor(cursor)
        configs, total = await self._configs.list(project_id, page=page, limit=limit)
        return configs, _next(page, limit, total)

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

    async def models(
        self, project_id: str, *, cursor: str | None, limit: int
    ) -> tuple[Sequence[Model], str | None]:
        """One page of the project's models, then the managed ones, and the next cursor.

        Raises: InvalidInput (a malformed cursor).
        """
        page = decode_page_cursor(cursor)
        models, total = await self._models.list(project_id, page=page, limit=limit)
        return models, _next(page, limit, total)

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
