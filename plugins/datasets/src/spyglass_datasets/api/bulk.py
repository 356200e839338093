"""Bulk routes of the datasets plugin on ``/api/internal`` (the web UI's).

Import a CSV/JSONL upload, export JSONL, make items from traces.

The access guard has checked the caller's role in the project before a handler runs (a
member to write, a viewer to export) and ``FromDishka[Principal]`` names that project;
a dataset of another project reads as absent (404). See docs/datasets.md, "Bulk".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST

from spyglass_core.domain.access import requires
from spyglass_core.domain.accounts import Role
from spyglass_core.domain.api_keys import Principal
from spyglass_core.domain.errors import InvalidInput
from spyglass_core.domain.trace_selection import TraceSelection
from spyglass_datasets.api.trace_access import trace_reading
from spyglass_datasets.domain.bulk import ExportRow, ImportFormat, RowError
from spyglass_datasets.services.bulk import (
    IMPORT_MAX_BYTES,
    BulkItemService,
    FromTraces,
    SourceError,
)

__all__ = ("BULK_ROUTES",)

_ITEMS = "/projects/{project_id:str}/datasets/{dataset_id:str}/items"
_JSONL_TYPES = frozenset(
    {
        "application/x-ndjson",
        "application/jsonl",
        "application/x-jsonlines",
        "application/json-lines",
    }
)


class ImportResponse(msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True):
    """``{"imported": n}``, or on 400 ``imported: 0`` with row errors and how many more."""

    imported: int
    errors: Sequence[RowError] | None = None
    more_errors: int | None = None


class TraceFilter(
    msgspec.Struct, frozen=True, kw_only=True, rename="camel", forbid_unknown_fields=True
):
    """The filters of ``GET /api/public/traces`` that pick traces to turn into items."""

    name: str | None = None
    user_id: str | None = None
    session_id: str | None = None
    tags: list[str] | None = None
    environment: str | list[str] | None = None
    from_timestamp: datetime | None = None
    to_timestamp: datetime | None = None


class FromTracesRequest(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Exactly one of ``traceIds``, ``observationIds`` and ``filter``."""

    trace_ids: list[str] | None = None
    observation_ids: list[str] | None = None
    filter: TraceFilter | None = None


class FromTracesResponse(
    msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True
):
    """``{"imported": n, "itemIds": [...]}``, or on 400 ``imported: 0`` with errors per id."""

    imported: int
    item_ids: Sequence[str] | None = None
    errors: Sequence[SourceError] | None = None


@post(
    f"{_ITEMS}/import",
    opt=requires(Role.MEMBER),
    status_code=HTTP_200_OK,
    request_max_body_size=IMPORT_MAX_BYTES,
)
async def import_items(
    request: Request[Any, Any, Any],
    dataset_id: FromPath[str],
    principal: FromDishka[Principal],
    service: FromDishka[BulkItemService],
    format: FromQuery[str | None] = None,
) -> Response[ImportResponse]:
    """Import a CSV or JSONL upload (the raw body): every row, or none and why (400)."""
    chosen = _format(format, request.headers.get("content-type", ""))
    report = await service.import_items(principal.project_id, dataset_id, request.stream(), chosen)
    if report.errors:
        refused = ImportResponse(imported=0, errors=report.errors, more_errors=report.more_errors)
        return Response(refused, status_code=HTTP_400_BAD_REQUEST)
    return Response(ImportResponse(imported=report.imported))


@get(
    f"{_ITEMS}/export",
    opt=requires(Role.VIEWER),
    responses={
        HTTP_200_OK: ResponseSpec(
            ExportRow,
            description="JSONL: one such object per line, one line per current item",
            media_type="application/x-ndjson",
            generate_examples=False,
        )
    },
)
async def export_items(
    dataset_id: FromPath[str],
    principal: FromDishka[Principal],
    service: FromDishka[BulkItemService],
) -> Stream:
    """The dataset's current items as JSONL, streamed, as a file to save."""
    dataset, lines = await service.export(principal.project_id, dataset_id)
    return Stream(
        lines,
        media_type="application/x-ndjson",
        headers={"content-disposition": _attachment(f"{dataset.name}.jsonl")},
    )


@post(f"{_ITEMS}/from-traces", opt=requires(Role.MEMBER), status_code=HTTP_200_OK)
async def items_from_traces(
    request: Request[Any, Any, Any],
    data: JSONBody[FromTracesRequest],
    dataset_id: FromPath[str],
    principal: FromDishka[Principal],
    service: FromDishka[BulkItemService],
) -> Response[FromTracesResponse]:
    """One item per trace or observation (input, output as expected output, links)."""
    _, reader = await trace_reading(request)
    report = await service.from_traces(principal.project_id, dataset_id, reader, _request(data))
    if report.errors:
        refused = FromTracesResponse(imported=0, errors=report.errors)
        return Response(refused, status_code=HTTP_400_BAD_REQUEST)
    return Response(FromTracesResponse(imported=report.imported, item_ids=report.item_ids))


def _format(query: str | None, content_type: str) -> ImportFormat:
    if query is not None:
        try:
            return ImportFormat(query.lower())
        except ValueError:
            raise InvalidInput("format must be csv or jsonl") from None
    media_type = content_type.split(";")[0].strip().lower()
    if media_type == "text/csv":
        return ImportFormat.CSV
    if media_type in _JSONL_TYPES:
        return ImportFormat.JSONL
    raise InvalidInput(
        "Send the upload as text/csv or application/x-ndjson, or name it with ?format=csv|jsonl"
    )


def _request(data: FromTracesRequest) -> FromTraces:
    found = data.filter
    if found is None:
        return FromTraces(trace_ids=data.trace_ids, observation_ids=data.observation_ids)
    environment = found.environment
    selection = TraceSelection(
        name=found.name,
        user_id=found.user_id,
        session_id=found.session_id,
        tags=tuple(found.tags or ()),
        environments=(environment,) if isinstance(environment, str) else tuple(environment or ()),
        from_timestamp=found.from_timestamp,
        to_timestamp=found.to_timestamp,
    )
    return FromTraces(
        trace_ids=data.trace_ids, observation_ids=data.observation_ids, selection=selection
    )


def _attachment(filename: str) -> str:
    # An ASCII fallback for old clients, the exact (UTF-8) name for the others (RFC 6266).
    fallback = re.sub(r"[^A-Za-z0-9._-]+", "_", filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


BULK_ROUTES = [import_items, export_items, items_from_traces]
