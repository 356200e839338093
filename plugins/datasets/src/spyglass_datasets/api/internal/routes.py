"""The datasets plugin's project-scoped ``/api/internal`` routes, for the web UI.

Thin controllers over the services the public API uses (same validation, versioning and
schema checks), addressed by id instead of name. Item ids are free text from the SDKs
and may hold ``/``: they are the last path segment, read with ``:path``.
"""

from __future__ import annotations

from typing import Annotated

from dishka.integrations.litestar import FromDishka
from litestar import delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from spyglass_core.domain.access import requires
from spyglass_core.domain.accounts import Role
from spyglass_core.domain.api_keys import Principal
from spyglass_core.domain.errors import NotFound
from spyglass_datasets.api.compare_schemas import decode_item_cursor, encode_item_cursor
from spyglass_datasets.api.internal.schemas import (
    CreateItemRequest,
    DatasetDetail,
    DatasetListPage,
    DatasetView,
    ItemDetail,
    ItemListPage,
    ItemView,
    NewDatasetRequest,
    RunListPage,
    UpdateItemRequest,
    dataset_view,
    decode_offset_cursor,
    encode_offset_cursor,
    item_view,
    run_view,
    version_view,
)
from spyglass_datasets.domain.datasets import ItemStatus
from spyglass_datasets.services.browse import DatasetBrowser
from spyglass_datasets.services.datasets import DatasetChanges, DatasetService, ItemChanges

__all__ = ("DATASET_ROUTES",)

_DATASETS = "/projects/{project_id:str}/datasets"
_DATASET = _DATASETS + "/{dataset_id:str}"
# ``path``: an item id may hold "/"; it arrives with a leading "/".
_ITEM = "/projects/{project_id:str}/dataset-items/{item_id:path}"
_Limit = Annotated[int, QueryParameter(ge=1, le=100)]


@get(_DATASETS, opt=requires(Role.VIEWER))
async def list_datasets(
    principal: FromDishka[Principal],
    browser: FromDishka[DatasetBrowser],
    cursor: FromQuery[str | None] = None,
    limit: _Limit = 50,
) -> DatasetListPage:
    """The project's datasets, newest first."""
    offset = decode_offset_cursor(cursor)
    datasets, total = await browser.datasets(principal.project_id, offset=offset, limit=limit)
    after = offset + len(datasets)
    return DatasetListPage(
        items=[dataset_view(d) for d in datasets],
        next_cursor=encode_offset_cursor(after) if after < total and datasets else None,
    )


@post(_DATASETS, opt=requires(Role.MEMBER), status_code=HTTP_201_CREATED)
async def create_dataset(
    data: JSONBody[NewDatasetRequest],
    principal: FromDishka[Principal],
    service: FromDishka[DatasetService],
) -> DatasetView:
    """A new dataset; 409 when the name is taken."""
    created = await service.create_dataset(
        principal.project_id,
        DatasetChanges(
            name=data.name,
            description=data.description,
            metadata=data.metadata,
            input_schema=data.input_schema,
            expected_output_schema=data.expected_output_schema,
        ),
    )
    return dataset_view(created)


@get(_DATASET, opt=requires(Role.VIEWER))
async def get_dataset(
    dataset_id: FromPath[str],
    principal: FromDishka[Principal],
    browser: FromDishka[DatasetBrowser],
) -> DatasetDetail:
    """One dataset with its active item count and run count."""
    found = await browser.overview(principal.project_id, dataset_id)
    view = dataset_view(found.dataset)
    return DatasetDetail(
        **{f: getattr(view, f) for f in view.__struct_fields__},
        item_count=found.item_count,
        run_count=found.run_count,
    )


@get(_DATASET + "/items", opt=requires(Role.VIEWER))
async def list_items(
    dataset_id: FromPath[str],
    principal: FromDishka[Principal],
    browser: FromDishka[DatasetBrowser],
    cursor: FromQuery[str | None] = None,
    limit: _Limit = 50,
    include_archived: Annotated[bool, QueryParameter(name="includeArchived")] = False,
) -> ItemListPage:
    """A keyset page of the dataset's current items in item order (archived ones when
    ``includeArchived=true``)."""
    items, after = await browser.items(
        principal.project_id,
        dataset_id,
        after=decode_item_cursor(cursor),
        limit=limit,
        include_archived=include_archived,
    )
    return ItemListPage(
        items=[item_view(i) for i in items],
        next_cursor=encode_item_cursor(after) if after else None,
    )


@post(_DATASET + "/items", opt=requires(Role.MEMBER), status_code=HTTP_201_CREATED)
async def create_item(
    dataset_id: FromPath[str],
    data: JSONBody[CreateItemRequest],
    principal: FromDishka[Principal],
    browser: FromDishka[DatasetBrowser],
    service: FromDishka[DatasetService],
) -> ItemView:
    """A new item of the dataset (checked against its schemas); 409 when the id exists."""
    dataset = (await browser.overview(principal.project_id, dataset_id)).dataset
    item, _ = await service.create_item(
        principal.project_id,
        ItemChanges(
            dataset_name=dataset.name,
            id=data.id,
            input=data.input,
            expected_output=data.expected_output,
            metadata=data.metadata,
            source_trace_id=data.source_trace_id,
            source_observation_id=data.source_observation_id,
        ),
    )
    return item_view(item)


@get(_ITEM, opt=requires(Role.VIEWER))
async def get_item(
    item_id: FromPath[str],
    principal: FromDishka[Principal],
    browser: FromDishka[DatasetBrowser],
) -> ItemDetail:
    """An item's current version and every version it had, newest first."""
    found = await browser.history(principal.project_id, item_id.removeprefix("/"))
    return ItemDetail(
        id=found.versions[-1].id,
        dataset_id=found.dataset.id,
        dataset_name=found.dataset.name,
        current=item_view(found.current) if found.current else None,
        versions=[version_view(v) for v in reversed(found.versions)],
    )


@patch(_ITEM, opt=requires(Role.MEMBER), status_code=HTTP_200_OK)
async def update_item(
    item_id: FromPath[str],
    data: JSONBody[UpdateItemRequest],
    principal: FromDishka[Principal],
    browser: FromDishka[DatasetBrowser],
    service: FromDishka[DatasetService],
) -> ItemView:
    """A new version of the item: changed fields, or ``status`` to archive / restore it."""
    found = await browser.history(principal.project_id, item_id.removeprefix("/"))
    if found.current is None:
        raise NotFound("Dataset item not found")
    item, _ = await service.upsert_item(
        principal.project_id,
        ItemChanges(
            dataset_name=found.dataset.name,
            id=found.current.id,
            input=data.input,
            expected_output=data.expected_output,
            metadata=data.metadata,
            status=ItemStatus(data.status) if data.status is not None else None,
        ),
    )
    return item_view(item)


@get(_DATASET + "/runs", opt=requires(Role.VIEWER))
async def list_runs(
    dataset_id: FromPath[str],
    principal: FromDishka[Principal],
    browser: FromDishka[DatasetBrowser],
    cursor: FromQuery[str | None] = None,
    limit: _Limit = 50,
) -> RunListPage:
    """The dataset's runs, newest first, each with its number of run items."""
    offset = decode_offset_cursor(cursor)
    found = await browser.runs(principal.project_id, dataset_id, offset=offset, limit=limit)
    after = offset + len(found.runs)
    return RunListPage(
        items=[run_view(r, found.item_counts.get(r.id, 0)) for r in found.runs],
        next_cursor=encode_offset_cursor(after) if after < found.total and found.runs else None,
    )


@delete(_DATASET + "/runs/{run_id:str}", opt=requires(Role.MEMBER), status_code=HTTP_204_NO_CONTENT)
async def delete_run(
    dataset_id: FromPath[str],
    run_id: FromPath[str],
    principal: FromDishka[Principal],
    browser: FromDishka[DatasetBrowser],
) -> None:
    """Delete a run of the dataset and its run items (the traces stay)."""
    await browser.delete_run(principal.project_id, dataset_id, run_id)


DATASET_ROUTES = [
    list_datasets,
    create_dataset,
    get_dataset,
    list_items,
    create_item,
    get_item,
    update_item,
    list_runs,
    delete_run,
]
