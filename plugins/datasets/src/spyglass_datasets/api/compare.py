"""Run comparison over HTTP: the web UI's route (runs by id) and the public one (by name).

The public path is ``/api/public/datasets/{datasetName}/compare?runs=a,b``. Dataset
names may contain ``/``, so it is served by the legacy catch-all of
``spyglass_datasets.api.runs``, which calls ``public_comparison`` when the raw path ends
with an unencoded ``/compare`` (and is not a run path). A dataset whose name ends with
``/compare`` is still read with its ``/`` URL-encoded.

``DatasetComparison`` reads traces through core's ``TraceReader``, which the tracing
plugin provides; it is resolved per request, so the datasets plugin starts without it
and only comparisons answer 404 then.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import unquote

from dishka.integrations.litestar import FromDishka
from litestar import Request, get
from litestar.params import FromPath, FromQuery, QueryParameter

from spyglass_core.domain.access import requires
from spyglass_core.domain.accounts import Role
from spyglass_core.domain.api_keys import Principal
from spyglass_core.domain.errors import InvalidInput
from spyglass_datasets.api.compare_schemas import (
    ComparisonResponse,
    comparison_response,
    decode_item_cursor,
)
from spyglass_datasets.api.trace_access import trace_reading
from spyglass_datasets.services.comparison import DatasetComparison

__all__ = ("COMPARE_ROUTES", "comparison_target", "public_comparison")

_LEGACY = "/api/public/datasets/"
_SUFFIX = "/compare"
_MAX_ROWS = 100


async def _service(request: Request[Any, Any, Any]) -> DatasetComparison:
    return DatasetComparison(*await trace_reading(request))


def _names(values: list[str]) -> list[str]:
    """``a,b`` or repeated parameters, each split on commas, blanks dropped."""
    return [name for value in values for name in value.split(",") if name]


def _limit(request: Request[Any, Any, Any]) -> int:
    raw = request.query_params.get("limit", "50")
    if not raw.isdigit() or not 1 <= int(raw) <= _MAX_ROWS:
        raise InvalidInput(f"limit must be 1 to {_MAX_ROWS}")
    return int(raw)


def comparison_target(request: Request[Any, Any, Any]) -> str | None:
    """The dataset name when the raw path is ``/api/public/datasets/{name}/compare``."""
    raw = request.scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0]
    while "//" in raw:
        raw = raw.replace("//", "/")
    rest = raw[len(_LEGACY) :] if raw.startswith(_LEGACY) else ""
    if rest.endswith(_SUFFIX) and len(rest) > len(_SUFFIX):
        return unquote(rest[: -len(_SUFFIX)])
    return None


async def public_comparison(
    request: Request[Any, Any, Any], principal: Principal, dataset_name: str
) -> ComparisonResponse:
    """``GET /api/public/datasets/{name}/compare?runs=a,b[&cursor=…&limit=…]``."""
    service = await _service(request)
    found = await service.by_names(
        principal.project_id,
        dataset_name,
        _names(request.query_params.getall("runs", [])),
        after=decode_item_cursor(request.query_params.get("cursor")),
        limit=_limit(request),
        summaries=request.query_params.get("summary", "true").lower() != "false",
    )
    return comparison_response(found)


@get("/projects/{project_id:str}/datasets/{dataset_id:str}/compare", opt=requires(Role.VIEWER))
async def compare_runs(
    request: Request[Any, Any, Any],
    dataset_id: FromPath[str],
    principal: FromDishka[Principal],
    run_ids: Annotated[str, QueryParameter(name="runIds")],
    cursor: FromQuery[str | None] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=_MAX_ROWS)] = 50,
    summary: FromQuery[bool] = True,
) -> ComparisonResponse:
    """Up to 10 runs of the dataset (``runIds=a,b``) side by side: per-run aggregates and
    a keyset page of items in item order with each run's output, scores, latency, cost.
    ``summary=false`` skips the aggregates (``runs`` is empty), for the next pages."""
    service = await _service(request)
    found = await service.by_ids(
        principal.project_id,
        dataset_id,
        _names([run_ids]),
        after=decode_item_cursor(cursor),
        limit=limit,
        summaries=summary,
    )
    return comparison_response(found)


COMPARE_ROUTES = [compare_runs]
