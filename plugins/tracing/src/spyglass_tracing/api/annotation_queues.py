"""``/annotation-queues``: queues, their items and assignments (Langfuse's shapes)."""

from __future__ import annotations

from typing import Annotated

from dishka.integrations.litestar import FromDishka
from litestar import delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from spyglass_core.domain.api_keys import Principal
from spyglass_core.domain.input_limits import MAX_PAGE
from spyglass_tracing.api.annotation_schemas import (
    AnnotationQueuePage,
    AnnotationQueueResponse,
    AssignmentRequest,
    AssignmentResponse,
    CreateAnnotationQueueRequest,
    CreateQueueItemRequest,
    DeleteAssignmentResponse,
    DeleteQueueItemResponse,
    QueueItemPage,
    QueueItemResponse,
    UpdateQueueItemRequest,
    queue_item_response,
    queue_response,
)
from spyglass_tracing.api.reads import MAX_PAGE_LIMIT
from spyglass_tracing.services.annotation_queues import AnnotationQueueService, NewQueue
from spyglass_tracing.services.queue_items import QueueItemService
from spyglass_tracing.views.wire import page_meta

__all__ = ("ANNOTATION_QUEUE_ROUTES",)

_Page = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)]
_Limit = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_LIMIT)]


@get("/annotation-queues")
async def list_queues(
    principal: FromDishka[Principal],
    queues: FromDishka[AnnotationQueueService],
    page: _Page = 1,
    limit: _Limit = 50,
) -> AnnotationQueuePage:
    """The project's queues, newest first."""
    found, total = await queues.list(principal.project_id, page=page, limit=limit)
    return AnnotationQueuePage(
        data=[queue_response(q) for q in found], meta=page_meta(page, limit, total)
    )


@post("/annotation-queues", status_code=HTTP_200_OK)
async def create_queue(
    data: JSONBody[CreateAnnotationQueueRequest],
    principal: FromDishka[Principal],
    queues: FromDishka[AnnotationQueueService],
) -> AnnotationQueueResponse:
    """Create a queue: a unique name (409) and score configs of the project (400)."""
    new = NewQueue(
        name=data.name, description=data.description, score_config_ids=data.score_config_ids
    )
    return queue_response(await queues.create(principal.project_id, new))


@get("/annotation-queues/{queue_id:str}")
async def get_queue(
    queue_id: FromPath[str],
    principal: FromDishka[Principal],
    queues: FromDishka[AnnotationQueueService],
) -> AnnotationQueueResponse:
    """One queue of the project."""
    return queue_response(await queues.get(principal.project_id, queue_id))


@get("/annotation-queues/{queue_id:str}/items")
async def list_queue_items(
    queue_id: FromPath[str],
    principal: FromDishka[Principal],
    items: FromDishka[QueueItemService],
    status: FromQuery[str | None] = None,
    page: _Page = 1,
    limit: _Limit = 50,
) -> QueueItemPage:
    """The queue's items (PENDING or COMPLETED only, if asked), newest first."""
    found, total = await items.list(
        principal.project_id, queue_id, status=status, page=page, limit=limit
    )
    return QueueItemPage(
        data=[queue_item_response(i) for i in found], meta=page_meta(page, limit, total)
    )


@post("/annotation-queues/{queue_id:str}/items", status_code=HTTP_200_OK)
async def create_queue_item(
    queue_id: FromPath[str],
    data: JSONBody[CreateQueueItemRequest],
    principal: FromDishka[Principal],
    items: FromDishka[QueueItemService],
) -> QueueItemResponse:
    """Add an object to the queue; an object already in it comes back unchanged."""
    item = await items.add_one(
        principal.project_id, queue_id, data.object_type, data.object_id, data.status
    )
    return queue_item_response(item)


@get("/annotation-queues/{queue_id:str}/items/{item_id:str}")
async def get_queue_item(
    queue_id: FromPath[str],
    item_id: FromPath[str],
    principal: FromDishka[Principal],
    items: FromDishka[QueueItemService],
) -> QueueItemResponse:
    """One item of the queue."""
    return queue_item_response(await items.get(principal.project_id, queue_id, item_id))


@patch("/annotation-queues/{queue_id:str}/items/{item_id:str}")
async def update_queue_item(
    queue_id: FromPath[str],
    item_id: FromPath[str],
    data: JSONBody[UpdateQueueItemRequest],
    principal: FromDishka[Principal],
    items: FromDishka[QueueItemService],
) -> QueueItemResponse:
    """Set the item's status: COMPLETED records ``completedAt``, PENDING clears it."""
    item = await items.set_status(principal.project_id, queue_id, item_id, data.status)
    return queue_item_response(item)


@delete("/annotation-queues/{queue_id:str}/items/{item_id:str}", status_code=HTTP_200_OK)
async def delete_queue_item(
    queue_id: FromPath[str],
    item_id: FromPath[str],
    principal: FromDishka[Principal],
    items: FromDishka[QueueItemService],
) -> DeleteQueueItemResponse:
    """Remove the item from the queue (its scores stay)."""
    await items.delete(principal.project_id, queue_id, item_id)
    return DeleteQueueItemResponse(
        success=True, message="Annotation queue item deleted successfully"
    )


@post("/annotation-queues/{queue_id:str}/assignments", status_code=HTTP_200_OK)
async def create_assignment(
    queue_id: FromPath[str],
    data: JSONBody[AssignmentRequest],
    principal: FromDishka[Principal],
    queues: FromDishka[AnnotationQueueService],
) -> AssignmentResponse:
    """Assign a member of the project's organization to the queue (404 for anyone else)."""
    assignment = await queues.assign(
        principal.project_id, principal.organization_id, queue_id, data.user_id
    )
    return AssignmentResponse(
        user_id=assignment.user_id, project_id=assignment.project_id, queue_id=assignment.queue_id
    )


@delete("/annotation-queues/{queue_id:str}/assignments", status_code=HTTP_200_OK)
async def delete_assignment(
    queue_id: FromPath[str],
    data: JSONBody[AssignmentRequest],
    principal: FromDishka[Principal],
    queues: FromDishka[AnnotationQueueService],
) -> DeleteAssignmentResponse:
    """Remove an assignment; one that does not exist is no error."""
    await queues.unassign(principal.project_id, queue_id, data.user_id)
    return DeleteAssignmentResponse(success=True)


ANNOTATION_QUEUE_ROUTES = [
    list_queues,
    create_queue,
    get_queue,
    list_queue_items,
    create_queue_item,
    get_queue_item,
    update_queue_item,
    delete_queue_item,
    create_assignment,
    delete_assignment,
]
