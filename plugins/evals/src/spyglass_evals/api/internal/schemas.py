"""List pages of the internal routes: ``{items, nextCursor}``, as the UI's lists read."""

from __future__ import annotations

from typing import Generic, TypeVar

import msgspec

__all__ = ("ItemPage",)

T = TypeVar("T")


class ItemPage(msgspec.Struct, Generic[T], frozen=True, kw_only=True, rename="camel"):
    """A page of items and the next page's cursor (null on the last page)."""

    items: list[T]
    next_cursor: str | None
