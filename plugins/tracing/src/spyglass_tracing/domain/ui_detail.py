"""Read shapes of the web UI's detail pages: a trace's observation tree, paged without the
payloads, and sessions with their aggregates.

Both are keyset-paged: ``after`` is the (time, id) of the last row of the previous page and
a page continues strictly after it in the read's order.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import msgspec

from spyglass_core.domain.tracing import ObservationLevel, ObservationType

__all__ = (
    "MAX_SESSION_USER_IDS",
    "STATUS_MESSAGE_PREVIEW_CHARS",
    "LightObservation",
    "SessionSummary",
    "SessionSummaryQuery",
    "total_tokens",
)

STATUS_MESSAGE_PREVIEW_CHARS = 200
"""An observation node carries the first this-many characters of its status message."""

MAX_SESSION_USER_IDS = 20
"""A session summary names at most this many of its users (the smallest ids)."""


def total_tokens(usage_details: Mapping[str, int]) -> int:
    """The total of a usage map: its ``total`` entry, else input plus output."""
    if "total" in usage_details:
        return usage_details["total"]
    return usage_details.get("input", 0) + usage_details.get("output", 0)


class LightObservation(msgspec.Struct, kw_only=True):
    """An observation without input, output and metadata: one node of a trace's tree.

    ``model`` is the provided model name; ``status_message`` is cut to
    ``STATUS_MESSAGE_PREVIEW_CHARS`` characters.
    """

    id: str
    trace_id: str
    type: ObservationType
    start_time: datetime
    end_time: datetime | None = None
    completion_start_time: datetime | None = None
    name: str | None = None
    parent_observation_id: str | None = None
    level: ObservationLevel = ObservationLevel.DEFAULT
    model: str | None = None
    total_cost: float | None = None
    usage_details: dict[str, int] = {}
    status_message: str | None = None


class SessionSummary(msgspec.Struct, kw_only=True):
    """A session (the live traces sharing a ``session_id``) with its aggregates.

    ``created_at`` and ``last_trace_at`` are its first and last trace's timestamps;
    ``user_ids`` the distinct user ids of its traces, sorted, at most
    ``MAX_SESSION_USER_IDS``; ``total_cost`` and ``total_tokens`` sum its traces'
    observations (``total_tokens`` as ``total_tokens()`` counts each); ``duration_seconds``
    runs from the earliest trace timestamp or observation start to the latest trace
    timestamp or observation end; ``environment`` is its first trace's.
    """

    id: str
    created_at: datetime
    last_trace_at: datetime
    trace_count: int
    user_ids: list[str]
    total_cost: float
    total_tokens: int
    duration_seconds: float
    environment: str


class SessionSummaryQuery(msgspec.Struct, kw_only=True):
    """Sessions newest ``last_trace_at`` first (then id descending).

    ``from_timestamp`` (inclusive) and ``to_timestamp`` (exclusive) bound
    ``last_trace_at``; ``user_id`` keeps sessions with a trace of that user; ``search``
    keeps session ids containing it (case-insensitive); ``after`` is the
    (last_trace_at, id) of the last session seen.
    """

    from_timestamp: datetime | None = None
    to_timestamp: datetime | None = None
    user_id: str | None = None
    search: str | None = None
    after: tuple[datetime, str] | None = None
    limit: int = 50
