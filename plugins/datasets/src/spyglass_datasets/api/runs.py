"""Routes of dataset runs, and the legacy ``/datasets/{name}[/runs[/{run}]]`` paths.

Dataset names may contain ``/`` and the ASGI path is decoded, so one catch-all route per
method serves ``/datasets/...`` and reads the raw path: ``<name>/runs`` lists runs,
``<name>/runs/<run>`` is one run, anything else is a dataset name. A name sent
URL-encoded (as the v5 SDK does) is never mistaken for a run path; an unencoded name
containing ``/runs`` is read as a run path.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import unquote

from dishka.integrations.litestar import FromDishka
from litestar import Request, delete, get, post
from litestar.params import JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from spyglass_core.domain.api_keys import Principal
from spyglass_core.domain.errors import NotFound
from spyglass_core.domain.input_limits import MAX_PAGE
from spyglass_datasets.api.compare import comparison_target, public_comparison
from spyglass_datasets.api.compare_schemas import ComparisonResponse
from spyglass_datasets.api.run_schemas import (
    CreateDatasetRunItemRequest,
    DatasetRunItemPage,
    DatasetRunItemResponse,
    DatasetRunPage,
    DatasetRunWithItems,
    DeleteDatasetRunResponse,
    run_item_response,
    run_response,
)
from spyglass_datasets.api.schemas import (
    DatasetResponse,
    DatasetWithItems,
    PageMeta,
    dataset_response,
    item_response,
)
from spyglass_datasets.services.datasets import DatasetService
from spyglass_datasets.services.runs import DatasetRunService, RunItemLink

__all__ = ("RUN_ROUTES",)

_LEGACY = "/api/public/datasets/"
_Page = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)]
_Limit = Annotated[int, QueryParameter(ge=1, le=100)]


def _legacy_path(request: Request[Any, Any, Any]) -> tuple[str, str | None, bool]:
    """(dataset name, run name or None, whether the path is about runs), decoded."""
    raw = request.scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0]
    while "//" in raw:
        raw = raw.replace("//", "/")
    rest = raw[len(_LEGACY) :] if raw.startswith(_LEGACY) else ""
    if rest.endswith("/runs") and len(rest) > len("/runs"):
        return unquote(rest[: -len("/runs")]), None, True
    head, separator, run = rest.partition("/runs/")
    if separator and head and run:
        return unquote(head), unquote(run), True
    if not rest:
        raise NotFound("Dataset not found")
    return unquote(rest), None, False


def _meta(page: int, limit: int, total: int) -> PageMeta:
    return PageMeta(page=page, limit=limit, total_items=total, total_pages=-(-total // limit))


@get("/datasets/{path:path}")
async def get_legacy_dataset_path(
    request: Request[Any, Any, Any],
    principal: FromDishka[Principal],
    datasets: FromDishka[DatasetService],
    runs: FromDishka[DatasetRunService],
    page: _Page = 1,
    limit: _Limit = 50,
) -> DatasetWithItems | DatasetRunPage | DatasetRunWithItems | ComparisonResponse:
    """``{name}``: the dataset with its active items and run names; ``{name}/runs``: a page
    of its runs, newest first; ``{name}/runs/{run}``: one run with all its run items;
    ``{name}/compare?runs=a,b``: runs side by side (``spyglass_datasets.api.compare``)."""
    project_id = principal.project_id
    dataset_name, run_name, about_runs = _legacy_path(request)
    compared = None if about_runs else comparison_target(request)
    if compared is not None:
        return await public_comparison(request, principal, compared)
    if about_runs and run_name is None:
        dataset, found, total = await runs.list_runs(
            project_id, dataset_name, page=page, limit=limit
        )
        return DatasetRunPage(
            data=[run_response(r, dataset.name) for r in found], meta=_meta(page, limit, total)
        )
    if run_name is not None:
        whole = await runs.get_run(project_id, dataset_name, run_name)
        return DatasetRunWithItems(
            **_fields_of(run_response(whole.run, whole.dataset.name)),
            dataset_run_items=[run_item_response(i, whole.run) for i in whole.items],
        )
    dataset = await datasets.get_dataset(project_id, dataset_name)
    items = await datasets.active_items(project_id, dataset.id)
    names = {dataset.id: dataset.name}
    return DatasetWithItems(
        **_fields_of(dataset_response(dataset)),
        items=[item_response(i, names) for i in items],
        runs=list(await runs.run_names(project_id, dataset.id)),
    )


@delete("/datasets/{path:path}", status_code=HTTP_200_OK)
async def delete_dataset_run(
    request: Request[Any, Any, Any],
    principal: FromDishka[Principal],
    runs: FromDishka[DatasetRunService],
) -> DeleteDatasetRunResponse:
    """``{name}/runs/{run}``: delete the run and its run items."""
    dataset_name, run_name, _ = _legacy_path(request)
    if run_name is None:
        raise NotFound("Expected /api/public/datasets/{name}/runs/{run}")
    await runs.delete_run(principal.project_id, dataset_name, run_name)
    return DeleteDatasetRunResponse(message="Dataset run successfully deleted")


@post("/dataset-run-items", status_code=HTTP_200_OK)
async def create_dataset_run_item(
    data: JSONBody[CreateDatasetRunItemRequest],
    principal: FromDishka[Principal],
    runs: FromDishka[DatasetRunService],
) -> DatasetRunItemResponse:
    """Link a trace or observation to an item inside a run, creating the run if needed."""
    run_item, run = await runs.link(
        principal.project_id,
        RunItemLink(
            run_name=data.run_name,
            dataset_item_id=data.dataset_item_id,
            trace_id=data.trace_id,
            observation_id=data.observation_id,
            run_description=data.run_description,
            metadata=data.metadata,
            created_at=data.created_at,
        ),
    )
    return run_item_response(run_item, run)


@get("/dataset-run-items")
async def list_dataset_run_items(
    principal: FromDishka[Principal],
    runs: FromDishka[DatasetRunService],
    dataset_id: Annotated[str, QueryParameter(name="datasetId")],
    run_name: Annotated[str, QueryParameter(name="runName")],
    page: _Page = 1,
    limit: _Limit = 50,
) -> DatasetRunItemPage:
    """A page of one run's items, oldest first."""
    run, items, total = await runs.list_run_items(
        principal.project_id, dataset_id, run_name, page=page, limit=limit
    )
    return DatasetRunItemPage(
        data=[run_item_response(i, run) for i in items], meta=_meta(page, limit, total)
    )


def _fields_of(response: DatasetResponse | Any) -> dict[str, Any]:
    """The fields of a response struct, to build an extended one from it."""
    return {f: getattr(response, f) for f in response.__struct_fields__}


RUN_ROUTES = [
    get_legacy_dataset_path,
    delete_dataset_run,
    create_dataset_run_item,
    list_dataset_run_items,
]
