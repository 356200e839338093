"""Typed response envelopes of the tracing routes, so the OpenAPI document describes them.

Offset pages are ``{data, meta: {page, limit, totalItems, totalPages}}``; keyset pages
carry ``meta.cursor`` only while more rows follow. Field order and omissions match what
the routes returned as plain dicts before, byte for byte.
"""

from __future__ import annotations

from typing import Any

import msgspec

from spyglass_tracing.domain.envelopes import EventError
from spyglass_tracing.domain.queries import DailyMetric
from spyglass_tracing.views.observations import ObservationView
from spyglass_tracing.views.scores import ScoreV3View, ScoreView
from spyglass_tracing.views.sessions import SessionView
from spyglass_tracing.views.traces import TraceWithDetails
from spyglass_tracing.views.wire import PageMeta

__all__ = (
    "CursorMeta",
    "DailyMetricsPage",
    "IdResponse",
    "IngestionResponse",
    "IngestionSuccess",
    "MessageResponse",
    "ObservationPage",
    "ObservationV2Page",
    "OtlpExportResponse",
    "OtlpPartialSuccess",
    "ScoreBatchError",
    "ScoreBatchResponse",
    "ScorePage",
    "ScoreV3Meta",
    "ScoreV3Page",
    "SessionPage",
    "TracePage",
)


class TracePage(msgspec.Struct, kw_only=True):
    """``GET /traces``."""

    data: list[TraceWithDetails]
    meta: PageMeta


class ObservationPage(msgspec.Struct, kw_only=True):
    """``GET /observations``."""

    data: list[ObservationView]
    meta: PageMeta


class SessionPage(msgspec.Struct, kw_only=True):
    """``GET /sessions``."""

    data: list[SessionView]
    meta: PageMeta


class ScorePage(msgspec.Struct, kw_only=True):
    """``GET /scores`` and ``GET /v2/scores``."""

    data: list[ScoreView]
    meta: PageMeta


class DailyMetricsPage(msgspec.Struct, kw_only=True):
    """``GET /metrics/daily``."""

    data: list[DailyMetric]
    meta: PageMeta


class CursorMeta(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A keyset page's meta: ``cursor`` for the next page, absent on the last one."""

    cursor: str | None = None


class ObservationV2Page(msgspec.Struct, kw_only=True):
    """``GET /v2/observations``: each item holds the requested field groups only."""

    data: list[dict[str, Any]]
    meta: CursorMeta


class ScoreV3Meta(msgspec.Struct, kw_only=True, omit_defaults=True):
    """``/v3/scores`` meta: the page size and, while more rows follow, the cursor."""

    limit: int
    cursor: str | None = None


class ScoreV3Page(msgspec.Struct, kw_only=True):
    """``GET /v3/scores``."""

    data: list[ScoreV3View]
    meta: ScoreV3Meta


class MessageResponse(msgspec.Struct, kw_only=True):
    """An acknowledgement: ``{message}``."""

    message: str


class IdResponse(msgspec.Struct, kw_only=True):
    """The id of what a legacy create route stored: ``{id}``."""

    id: str


class IngestionSuccess(msgspec.Struct, kw_only=True):
    """An accepted event of a batch."""

    id: str
    status: int = 201


class IngestionResponse(msgspec.Struct, kw_only=True):
    """``POST /ingestion`` (207): per event, a success or an error."""

    successes: list[IngestionSuccess]
    errors: list[EventError]


class ScoreBatchError(msgspec.Struct, kw_only=True):
    """Why one score of an array was refused."""

    message: str


class ScoreBatchResponse(msgspec.Struct, kw_only=True):
    """``POST /scores`` with an array some of whose scores were refused (207)."""

    accepted: int
    rejected: int
    errors: list[ScoreBatchError]


class OtlpPartialSuccess(msgspec.Struct, kw_only=True, rename="camel"):
    """Spans of an export that were refused, and why (the first twenty reasons)."""

    rejected_spans: int
    error_message: str


class OtlpExportResponse(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """OTLP's ``ExportTraceServiceResponse`` (protobuf, or this JSON for JSON exports)."""

    partial_success: OtlpPartialSuccess | None = None
