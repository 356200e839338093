"""HTTP routes of the datasets plugin: thin controllers over ``DatasetService``.

Dataset names may contain ``/``. The v5 SDK sends them URL-encoded inside one path
segment, the v2 SDK unencoded; the ASGI path is already decoded, so the name is read
from the raw path and decoded once, which serves both. The legacy
``/datasets/{name}[/runs[/{run}]]`` paths live in ``spyglass_datasets.api.runs``.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import unquote

from dishka.integrations.litestar import FromDishka
from litestar import Request, delete, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from spyglass_core.domain.api_keys import Principal
from spyglass_core.domain.errors import NotFound
from spyglass_core.domain.input_limits import MAX_PAGE
from spyglass_datasets.api.experiments import EXPERIMENT_ROUTES
from spyglass_datasets.api.runs import RUN_ROUTES
from spyglass_datasets.api.schemas import (
    CreateDatasetItemRequest,
    CreateDatasetRequest,
    DatasetItemPage,
    DatasetItemResponse,
    DatasetPage,
    DatasetResponse,
    DeleteDatasetItemResponse,
    PageMeta,
    dataset_response,
    item_response,
)
from spyglass_datasets.domain.datasets import ItemStatus
from spyglass_datasets.services.datasets import DatasetChanges, DatasetService, ItemChanges

__all__ = ("ROUTES",)

_MAX_LIMIT = 100
# get_dataset of the SDKs pages with limit=50; lists allow what Langfuse allows.
_Page = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)]
_Limit = Annotated[int, QueryParameter(ge=1, le=_MAX_LIMIT)]


def _name_from_raw_path(request: Request[Any, Any, Any], prefix: str) -> str:
    raw = request.scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0]
    # A client may send the base URL with a trailing slash: collapse repeated slashes first.
    while "//" in raw:
        raw = raw.replace("//", "/")
    if not raw.startswith(prefix) or len(raw) == len(prefix):
        raise NotFound("Dataset not found")
    return unquote(raw[len(prefix) :])


def _meta(page: int, limit: int, total: int) -> PageMeta:
    return PageMeta(page=page, limit=limit, total_items=total, total_pages=math.ceil(total / limit))


def _changes(data: CreateDatasetRequest) -> DatasetChanges:
    return DatasetChanges(
        name=data.name,
        description=data.description,
        metadata=data.metadata,
        input_schema=data.input_schema,
        expected_output_schema=data.expected_output_schema,
    )


# --- datasets ---------------------------------------------------------------------------


@post("/v2/datasets", status_code=HTTP_200_OK)
async def create_dataset(
    data: JSONBody[CreateDatasetRequest],
    principal: FromDishka[Principal],
    service: FromDishka[DatasetService],
) -> DatasetResponse:
    """Create a dataset, or update the one with this name (a schema is checked on its items)."""
    return dataset_response(await service.upsert_dataset(principal.project_id, _changes(data)))


@get("/v2/datasets")
async def list_datasets(
    principal: FromDishka[Principal],
    service: FromDishka[DatasetService],
    page: _Page = 1,
    limit: _Limit = 50,
) -> DatasetPage:
    """The project's datasets, newest first."""
    datasets, total = await service.list_datasets(principal.project_id, page=page, limit=limit)
    return DatasetPage(data=[dataset_response(d) for d in datasets], meta=_meta(page, limit, total))


@get("/v2/datasets/{name:path}")
async def get_dataset(
    request: Request[Any, Any, Any],
    principal: FromDishka[Principal],
    service: FromDishka[DatasetService],
) -> DatasetResponse:
    """One dataset by name (URL-encoded when it contains ``/``)."""
    name = _name_from_raw_path(request, "/api/public/v2/datasets/")
    return dataset_response(await service.get_dataset(principal.project_id, name))


@post("/datasets", status_code=HTTP_200_OK)
async def create_dataset_v1(
    data: JSONBody[CreateDatasetRequest],
    principal: FromDishka[Principal],
    service: FromDishka[DatasetService],
) -> DatasetResponse:
    """Legacy create-or-update by name."""
    return dataset_response(await service.upsert_dataset(principal.project_id, _changes(data)))


@get("/datasets")
async def list_datasets_v1(
    principal: FromDishka[Principal],
    service: FromDishka[DatasetService],
    page: _Page = 1,
    limit: _Limit = 50,
) -> DatasetPage:
    """Legacy list: the same page as ``/v2/datasets``."""
    datasets, total = await service.list_datasets(principal.project_id, page=page, limit=limit)
    return DatasetPage(data=[dataset_response(d) for d in datasets], meta=_meta(page, limit, total))


# --- items ------------------------------------------------------------------------------


@post("/dataset-items", status_code=HTTP_200_OK)
async def create_dataset_item(
    data: JSONBody[CreateDatasetItemRequest],
    principal: FromDishka[Principal],
    service: FromDishka[DatasetService],
) -> DatasetItemResponse:
    """Create an item, or a new version of the one with this ``id``."""
    item, dataset_name = await service.upsert_item(
        principal.project_id,
        ItemChanges(
            dataset_name=data.dataset_name,
            id=data.id,
            input=data.input,
            expected_output=data.expected_output,
            metadata=data.metadata,
            source_trace_id=data.source_trace_id,
            source_observation_id=data.source_observation_id,
            status=ItemStatus(data.status) if data.status is not None else None,
        ),
    )
    return item_response(item, {item.dataset_id: dataset_name})


@get("/dataset-items")
async def list_dataset_items(
    principal: FromDishka[Principal],
    service: FromDishka[DatasetService],
    dataset_name: Annotated[str | None, QueryParameter(name="datasetName")] = None,
    source_trace_id: Annotated[str | None, QueryParameter(name="sourceTraceId")] = None,
    source_observation_id: Annotated[str | None, QueryParameter(name="sourceObservationId")] = None,
    version: FromQuery[datetime | None] = None,
    page: _Page = 1,
    limit: _Limit = 50,
) -> DatasetItemPage:
    """Active items, filtered; ``version=<ISO time>`` reads them as they were then."""
    found = await service.list_items(
        principal.project_id,
        dataset_name=dataset_name,
        source_trace_id=source_trace_id,
        source_observation_id=source_observation_id,
        version=version,
        page=page,
        limit=limit,
    )
    return DatasetItemPage(
        data=[item_response(i, found.dataset_names) for i in found.items],
        meta=_meta(page, limit, found.total),
    )


@get("/dataset-items/{item_id:str}")
async def get_dataset_item(
    item_id: FromPath[str], principal: FromDishka[Principal], service: FromDishka[DatasetService]
) -> DatasetItemResponse:
    """One item by id, archived or not."""
    item, dataset_name = await service.get_item(principal.project_id, item_id)
    return item_response(item, {item.dataset_id: dataset_name})


@delete("/dataset-items/{item_id:str}", status_code=HTTP_200_OK)
async def delete_dataset_item(
    item_id: FromPath[str], principal: FromDishka[Principal], service: FromDishka[DatasetService]
) -> DeleteDatasetItemResponse:
    """Delete an item; its earlier versions stay readable through ``version=``."""
    await service.delete_item(principal.project_id, item_id)
    return DeleteDatasetItemResponse(message="Dataset item successfully deleted")


ROUTES = [
    *RUN_ROUTES,
    *EXPERIMENT_ROUTES,
    create_dataset,
    list_datasets,
    get_dataset,
    create_dataset_v1,
    list_datasets_v1,
    create_dataset_item,
    list_dataset_items,
    get_dataset_item,
    delete_dataset_item,
]
