"""The web UI's lists: the traces table, its filter options and the users pages.

Queries, rows and the keyset cursors that page them. The rows are the internal API's
wire shapes (``rename="camel"``); the cursors are opaque to clients (base64url of a
small JSON array) and carry the order they were made for, so a cursor of one order is
refused (400) under another.

Sort values are exact in the cursor: timestamps and latencies in integer milliseconds
(the tables' precision), costs as decimal text (the stores sum ``Decimal64(12)`` costs
exactly), so "strictly after the cursor" never skips or repeats a row on a tie.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

import msgspec

from spyglass_core.domain.cursors import decode_cursor, encode_cursor
from spyglass_core.domain.errors import InvalidInput
from spyglass_core.domain.tracing import ObservationLevel, ScoreDataType
from spyglass_tracing.domain.time import utc

__all__ = (
    "LEVEL_SEVERITY",
    "MAX_FILTER_OPTIONS",
    "MAX_ROW_SCORES",
    "PREVIEW_CHARS",
    "TRACE_LIST_ORDERS",
    "ScoreCondition",
    "TraceFilterOptions",
    "TraceListCursor",
    "TraceListPage",
    "TraceListQuery",
    "TraceRow",
    "TraceRowScore",
    "UserCursor",
    "UserPage",
    "UserQuery",
    "UserRow",
    "cost_text",
    "decode_trace_cursor",
    "decode_user_cursor",
    "encode_cursor_struct",
    "from_millis",
    "millis",
    "score_value_shown",
    "worst_level",
)

TRACE_LIST_ORDERS = ("timestamp", "latency", "totalCost", "name")
"""What the traces table sorts on; ties are broken by trace id in the same direction."""

PREVIEW_CHARS = 200
"""``inputPreview``/``outputPreview``: this many characters of the stored text."""

MAX_ROW_SCORES = 20
"""A table row carries at most this many scores (the newest)."""

MAX_FILTER_OPTIONS = 100
"""Each filter dropdown offers at most this many values (the most frequent)."""

LEVEL_SEVERITY: dict[ObservationLevel, int] = {
    ObservationLevel.DEBUG: 0,
    ObservationLevel.DEFAULT: 1,
    ObservationLevel.WARNING: 2,
    ObservationLevel.ERROR: 3,
}
"""How bad each level is: a trace's level is its worst observation's."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_MILLIS = 2**62
_DECIMAL_TEXT = re.compile(r"-?\d{1,26}(\.\d{1,12})?")
"""A cost in a cursor: what ``Decimal(38, 12)`` holds, so the store can read it back."""


def millis(moment: datetime) -> int:
    """``moment`` as integer milliseconds since the epoch (naive means UTC)."""
    return (utc(moment) - _EPOCH) // timedelta(milliseconds=1)


def from_millis(value: int) -> datetime:
    """The UTC datetime of ``value`` milliseconds since the epoch.

    Raises: OverflowError when it is outside the datetime range.
    """
    return _EPOCH + timedelta(milliseconds=value)


def worst_level(levels: Sequence[ObservationLevel]) -> ObservationLevel:
    """The most severe of ``levels``; DEFAULT when there are none."""
    if not levels:
        return ObservationLevel.DEFAULT
    return max(levels, key=LEVEL_SEVERITY.__getitem__)


def score_value_shown(data_type: ScoreDataType, value: float) -> float | None:
    """A score's numeric value as the table shows it: only NUMERIC and BOOLEAN scores
    have a meaningful one (the others carry their value in ``stringValue``)."""
    if data_type in (ScoreDataType.NUMERIC, ScoreDataType.BOOLEAN):
        return value
    return None


# --- queries ------------------------------------------------------------------------------


def _check_limit(limit: int) -> None:
    if limit < 1:
        raise InvalidInput("Invalid page", details="limit must be at least 1")


class ScoreCondition(msgspec.Struct, kw_only=True, frozen=True):
    """Traces having a live score named ``name`` (trace- or observation-level) that is:

    - NUMERIC with ``minimum <= value <= maximum`` when either bound is given;
    - CATEGORICAL or BOOLEAN with ``string_value`` equal to ``string_value`` when given;
    - of any type otherwise.
    """

    name: str
    minimum: float | None = None
    maximum: float | None = None
    string_value: str | None = None


class TraceListCursor(msgspec.Struct, frozen=True, array_like=True):
    """Where a traces-table page ended: the last row's sort value and id, in one order.

    ``value`` by order: ``timestamp`` integer milliseconds; ``latency`` integer
    milliseconds or None (no observations); ``totalCost`` decimal text or None (no cost);
    ``name`` the name or None.
    """

    order_by: str
    desc: bool
    value: int | str | None
    id: str


class TraceListQuery(msgspec.Struct, kw_only=True, frozen=True):
    """The traces table: every given filter must hold.

    ``names``, ``user_ids``, ``environments``: any of. ``tags``: all of. ``levels`` /
    ``models``: the trace has a live observation at one of these levels / with one of
    these models. ``search``: a case-insensitive substring of the name, or exactly the
    trace id, session id or user id. ``from_timestamp`` inclusive, ``to_timestamp``
    exclusive. Rows sort on ``order_by`` (``TRACE_LIST_ORDERS``), then id, both in one
    direction, NULLs last; ``after`` continues strictly after a previous page.
    """

    limit: int = 50
    order_by: str = "timestamp"
    order_desc: bool = True
    after: TraceListCursor | None = None
    from_timestamp: datetime | None = None
    to_timestamp: datetime | None = None
    names: Sequence[str] = ()
    user_ids: Sequence[str] = ()
    session_id: str | None = None
    tags: Sequence[str] = ()
    environments: Sequence[str] = ()
    levels: Sequence[ObservationLevel] = ()
    models: Sequence[str] = ()
    search: str | None = None
    score: ScoreCondition | None = None

    def __post_init__(self) -> None:
        _check_limit(self.limit)


class UserCursor(msgspec.Struct, frozen=True, array_like=True):
    """Where a users page ended: the last row's ``lastSeen`` (ms) and user id."""

    last_seen: int
    user_id: str


class UserQuery(msgspec.Struct, kw_only=True, frozen=True):
    """Users (distinct ``user_id`` of live traces), last seen first, then user id
    descending; ``search`` is a case-insensitive substring of the user id."""

    limit: int = 50
    after: UserCursor | None = None
    search: str | None = None

    def __post_init__(self) -> None:
        _check_limit(self.limit)


# --- rows ---------------------------------------------------------------------------------


class TraceRowScore(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    """A score shown in a table row: ``value`` only for NUMERIC and BOOLEAN scores."""

    name: str
    value: float | None
    string_value: str | None
    data_type: ScoreDataType


class TraceRow(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    """One row of the traces table: the trace and aggregates of its live observations.

    ``level`` is the worst observation level (DEFAULT without observations);
    ``latency`` is seconds from the first observation start to the last end (None
    without observations); ``totalCost`` the sum of the observations' costs (None when
    none has one); tokens sum the observations' usage (``input``/``input_*`` keys,
    ``output``/``output_*`` keys, ``total``); ``scores`` the newest live scores of the
    trace and its observations (at most ``MAX_ROW_SCORES``); the previews the first
    ``PREVIEW_CHARS`` characters of the stored input/output text.
    """

    id: str
    timestamp: datetime
    name: str | None
    user_id: str | None
    session_id: str | None
    tags: list[str]
    environment: str
    release: str | None
    version: str | None
    level: ObservationLevel
    latency: float | None
    total_cost: float | None
    input_tokens: int
    output_tokens: int
    total_tokens: int
    observation_count: int
    scores: list[TraceRowScore]
    input_preview: str | None
    output_preview: str | None


class TraceListPage(msgspec.Struct, kw_only=True):
    """One page of table rows and, when more follow, the cursor to continue after."""

    items: list[TraceRow]
    next_after: TraceListCursor | None = None


class TraceFilterOptions(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    """Distinct values for the traces table's filters, most frequent first (then by
    value), at most ``MAX_FILTER_OPTIONS`` each."""

    names: list[str]
    user_ids: list[str]
    tags: list[str]
    environments: list[str]
    models: list[str]
    score_names: list[str]
    levels: list[ObservationLevel]


class UserRow(msgspec.Struct, kw_only=True, frozen=True, rename="camel"):
    """A user of the project: the live traces carrying its id, their sessions, and the
    cost and tokens of their observations; first and last seen are trace timestamps."""

    user_id: str
    trace_count: int
    session_count: int
    total_cost: float
    total_tokens: int
    first_seen: datetime
    last_seen: datetime


class UserPage(msgspec.Struct, kw_only=True):
    """One page of users and, when more follow, the cursor to continue after."""

    items: list[UserRow]
    next_after: UserCursor | None = None


# --- cursors ------------------------------------------------------------------------------


def encode_cursor_struct(cursor: TraceListCursor | UserCursor) -> str:
    """The opaque, URL-safe text of a cursor."""
    return encode_cursor(cursor)


def _bad_cursor(details: str = "cursor is malformed") -> InvalidInput:
    return InvalidInput("Invalid cursor", details=details)


def _decoded(text: str, kind: type[TraceListCursor] | type[UserCursor]) -> object:
    return decode_cursor(text, kind)


def _in_range(value: int) -> bool:
    if abs(value) >= _MAX_MILLIS:
        return False
    try:
        from_millis(value)
    except OverflowError:
        return False
    return True


def _value_fits(order_by: str, value: int | str | None) -> bool:
    if order_by == "timestamp":
        return isinstance(value, int) and _in_range(value)
    if order_by == "latency":
        return value is None or (isinstance(value, int) and abs(value) < _MAX_MILLIS)
    if order_by == "totalCost":
        return value is None or (isinstance(value, str) and _is_decimal(value))
    return value is None or isinstance(value, str)  # name


def _is_decimal(text: str) -> bool:
    if _DECIMAL_TEXT.fullmatch(text) is None:
        return False
    try:
        return math.isfinite(Decimal(text))
    except InvalidOperation:
        return False


def decode_trace_cursor(text: str, order_by: str, desc: bool) -> TraceListCursor:
    """The traces-table cursor ``text`` names, checked against the requested order.

    Raises: InvalidInput when it is malformed or was made for another order.
    """
    cursor = _decoded(text, TraceListCursor)
    assert isinstance(cursor, TraceListCursor)
    if cursor.order_by != order_by or cursor.desc != desc:
        raise _bad_cursor("cursor belongs to another orderBy/order")
    if not _value_fits(order_by, cursor.value):
        raise _bad_cursor()
    return cursor


def decode_user_cursor(text: str) -> UserCursor:
    """The users cursor ``text`` names. Raises: InvalidInput when it is malformed."""
    cursor = _decoded(text, UserCursor)
    assert isinstance(cursor, UserCursor)
    if not _in_range(cursor.last_seen):
        raise _bad_cursor()
    return cursor


def cost_text(value: Decimal) -> str:
    """A summed cost as cursor text: fixed-point, no exponent."""
    return format(value, "f")
