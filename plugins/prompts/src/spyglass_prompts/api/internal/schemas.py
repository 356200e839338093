"""Wire schemas of the prompts plugin's ``/api/internal`` routes (camelCase JSON).

The web UI's view of prompts: a name-ordered list with a keyset cursor, one prompt with
all its versions as stored (placeholders and ``@@@langfusePrompt…@@@`` tags kept, the
tags also listed as ``dependencies``), and the label promotion request.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec

from spyglass_core.domain.cursors import decode_cursor, encode_cursor
from spyglass_core.domain.input_limits import MAX_INT32
from spyglass_prompts.domain.composition import references_in
from spyglass_prompts.domain.prompts import MAX_NAME_LENGTH, Prompt, PromptSummary, PromptType

__all__ = (
    "PromoteLabelsRequest",
    "PromptDependency",
    "PromptDetail",
    "PromptListItem",
    "PromptListPage",
    "PromptVersion",
    "decode_name_cursor",
    "encode_name_cursor",
    "list_item",
    "prompt_version",
)


class PromptListItem(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One prompt name in the list: ``labels`` is the union over its versions."""

    name: str
    type: PromptType
    version_count: int
    latest_version: int
    labels: list[str]
    tags: list[str]
    updated_at: datetime


class PromptListPage(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """A page of names; ``next_cursor`` is None on the last page."""

    items: list[PromptListItem]
    next_cursor: str | None


class PromptDependency(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """A prompt this version embeds, by exactly one of ``version`` or ``label``."""

    name: str
    version: int | None
    label: str | None


class PromptVersion(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One version as stored: ``prompt`` is the text, or the chat messages."""

    version: int
    labels: list[str]
    type: PromptType
    prompt: str | list[dict[str, Any]]
    config: Any
    commit_message: str | None
    created_at: datetime
    created_by: str
    dependencies: list[PromptDependency]


class PromptDetail(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """A prompt name with every version, newest first."""

    name: str
    type: PromptType
    tags: list[str]
    versions: list[PromptVersion]


class PromoteLabelsRequest(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Put ``labels`` on one version, taking them off whichever version had them."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_NAME_LENGTH)]
    version: Annotated[int, msgspec.Meta(ge=1, le=MAX_INT32)]
    labels: list[str]


def list_item(summary: PromptSummary) -> PromptListItem:
    """The list entry of one prompt name."""
    return PromptListItem(
        name=summary.name,
        type=summary.type,
        version_count=len(summary.versions),
        latest_version=max(summary.versions),
        labels=summary.labels,
        tags=summary.tags,
        updated_at=summary.last_updated_at,
    )


def prompt_version(prompt: Prompt) -> PromptVersion:
    """One stored version; its dependencies are the references composition follows."""
    return PromptVersion(
        version=prompt.version,
        labels=prompt.labels,
        type=prompt.type,
        prompt=prompt.prompt,
        config=prompt.config,
        commit_message=prompt.commit_message,
        created_at=prompt.created_at,
        created_by=prompt.created_by,
        dependencies=[
            PromptDependency(name=r.name, version=r.version, label=r.label)
            for r in references_in(prompt.type, prompt.prompt)
        ],
    )


class _NameCursor(msgspec.Struct, frozen=True):
    """Where the next page of names starts: after this name."""

    after: str


def encode_name_cursor(after: str) -> str:
    """An opaque, URL-safe cursor: base64url of the last name of the page."""
    return encode_cursor(_NameCursor(after=after))


def decode_name_cursor(cursor: str) -> str:
    """The name a cursor continues after. Raises: InvalidInput when it is malformed."""
    return decode_cursor(cursor, _NameCursor).after
