"""Wire schemas of the prompts API (camelCase JSON), separate from the domain model."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import msgspec

__all__ = (
    "CreatePromptRequest",
    "CreatePromptV1Request",
    "PromptMeta",
    "PromptPage",
    "PromptResponse",
    "PromptVersionUpdate",
)


class CreatePromptRequest(msgspec.Struct, kw_only=True, rename="camel"):
    """``POST /v2/prompts``: a new version of ``name``."""

    name: str
    prompt: str | list[dict[str, Any]]
    type: Literal["text", "chat"] | None = None
    config: Any = None
    labels: list[str] | None = None
    tags: list[str] | None = None
    commit_message: str | None = None


class CreatePromptV1Request(CreatePromptRequest, kw_only=True, rename="camel"):
    """Legacy ``POST /prompts``: ``isActive`` means "also label it production"."""

    is_active: bool | None = None


class PromptVersionUpdate(msgspec.Struct, kw_only=True, rename="camel"):
    """``PATCH /v2/prompts/{name}/versions/{version}``."""

    new_labels: list[str]


class PromptResponse(msgspec.Struct, kw_only=True, rename="camel"):
    """A prompt version as the SDKs parse it (``type`` is the union's discriminator)."""

    id: str
    name: str
    version: int
    type: str
    prompt: Any
    config: Any
    labels: list[str]
    tags: list[str]
    commit_message: str | None
    is_active: bool
    created_at: datetime
    updated_at: datetime
    project_id: str
    created_by: str
    resolution_graph: dict[str, Any] | None = None


class PromptMeta(msgspec.Struct, kw_only=True, rename="camel"):
    """One name in the list endpoint."""

    name: str
    type: str
    versions: list[int]
    labels: list[str]
    tags: list[str]
    last_updated_at: datetime
    last_config: Any


class PageMeta(msgspec.Struct, kw_only=True, rename="camel"):
    """Offset pagination."""

    page: int
    limit: int
    total_items: int
    total_pages: int


class PromptPage(msgspec.Struct, kw_only=True):
    """``GET /v2/prompts``."""

    data: list[PromptMeta]
    meta: PageMeta
