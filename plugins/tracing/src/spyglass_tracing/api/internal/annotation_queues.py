"""The web UI's annotation-queue routes under ``/projects/{project_id}/annotation-queues``.

Reads need VIEWER, adding and completing items MEMBER, deleting a queue ADMIN. Completing
an item writes its scores through the same durable intake as ``POST /api/public/scores``
(``AnnotationCompletion``), as ANNOTATION scores of the signed-in user.
"""

from __future__ import annotations

from typing import Annotated

from dishka.integrations.litestar import FromDishka
from litestar import delete, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from spyglass_core.domain.access import requires
from spyglass_core.domain.accounts import Role
from spyglass_core.domain.api_keys import Principal
from spyglass_core.services.accounts import SessionContext
from spyglass_tracing.api.internal.annotation_schemas import (
    AddedItems,
    AddItemsBody,
    CompleteBody,
    CompletedItem,
    CreateQueueBody,
    InternalQueue,
    InternalQueueDetail,
    NextQueueItem,
    QueueItemList,
    internal_item,
    internal_queue,
    internal_queue_detail,
)
from spyglass_tracing.domain.annotation import QueueCounts
from spyglass_tracing.services.annotation_completion import AnnotationCompletion, AnnotationScore
from spyglass_tracing.services.annotation_queues import (
    AnnotationQueueService,
    NewQueue,
    QueueSummary,
)
from spyglass_tracing.services.queue_items import QueueItemService
from spyglass_tracing.views.wire import decode_cursor, encode_cursor

__all__ = ("ANNOTATION_QUEUE_INTERNAL_ROUTES",)

_QUEUES = "/projects/{project_id:str}/annotation-queues"
_QUEUE = _QUEUES + "/{queue_id:str}"


@get(_QUEUES, opt=requires(Role.VIEWER))
async def list_queues(
    principal: FromDishka[Principal], queues: FromDishka[AnnotationQueueService]
) -> list[InternalQueue]:
    """The project's queues, newest first, with their pending and completed counts."""
    return [internal_queue(s) for s in await queues.summaries(principal.project_id)]


@post(_QUEUES, opt=requires(Role.MEMBER), status_code=HTTP_201_CREATED)
async def create_queue(
    data: JSONBody[CreateQueueBody],
    principal: FromDishka[Principal],
    queues: FromDishka[AnnotationQueueService],
) -> InternalQueue:
    """Create a queue (409 when the name is taken, 400 for configs not of the project)."""
    new = NewQueue(
        name=data.name, description=data.description, score_config_ids=data.score_config_ids
    )
    queue = await queues.create(principal.project_id, new)
    return internal_queue(QueueSummary(queue=queue, counts=QueueCounts()))


@get(_QUEUE, opt=requires(Role.VIEWER))
async def get_queue(
    queue_id: FromPath[str],
    principal: FromDishka[Principal],
    queues: FromDishka[AnnotationQueueService],
) -> InternalQueueDetail:
    """A queue with its counts and the full score configs its items are scored with."""
    return internal_queue_detail(await queues.detail(principal.project_id, queue_id))


@delete(_QUEUE, opt=requires(Role.ADMIN), status_code=HTTP_204_NO_CONTENT)
async def delete_queue(
    queue_id: FromPath[str],
    principal: FromDishka[Principal],
    queues: FromDishka[AnnotationQueueService],
) -> None:
    """Delete a queue with its items (the scores written stay)."""
    await queues.delete(principal.project_id, queue_id)


@post(_QUEUE + "/items", opt=requires(Role.MEMBER), status_code=HTTP_200_OK)
async def add_items(
    queue_id: FromPath[str],
    data: JSONBody[AddItemsBody],
    principal: FromDishka[Principal],
    items: FromDishka[QueueItemService],
) -> AddedItems:
    """Add traces, observations or sessions as PENDING items; those already in are skipped."""
    added = await items.add_many(principal.project_id, queue_id, data.object_type, data.object_ids)
    return AddedItems(added=added)


@get(_QUEUE + "/items", opt=requires(Role.VIEWER))
async def list_items(
    queue_id: FromPath[str],
    principal: FromDishka[Principal],
    items: FromDishka[QueueItemService],
    status: FromQuery[str | None] = None,
    cursor: Annotated[str | None, QueryParameter(max_length=1000)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
) -> QueueItemList:
    """The queue's items in queue order (oldest first), one cursor page at a time."""
    after = decode_cursor(cursor) if cursor else None
    found, last = await items.page(
        principal.project_id, queue_id, status=status, after=after, limit=limit
    )
    traces = await items.trace_ids(principal.project_id, found)
    return QueueItemList(
        items=[internal_item(i, traces.get(i.id)) for i in found],
        next_cursor=encode_cursor(*last.key) if last else None,
    )


@get(_QUEUE + "/next", opt=requires(Role.VIEWER))
async def next_item(
    queue_id: FromPath[str],
    principal: FromDishka[Principal],
    items: FromDishka[QueueItemService],
    after: Annotated[str | None, QueryParameter(max_length=800)] = None,
) -> NextQueueItem:
    """The next PENDING item after ``after`` (the item just left), wrapping round."""
    found = await items.next(principal.project_id, queue_id, after)
    item = None
    if found.item is not None:
        traces = await items.trace_ids(principal.project_id, [found.item])
        item = internal_item(found.item, traces.get(found.item.id))
    return NextQueueItem(
        item=item,
        position=found.position,
        total=found.counts.total,
        pending_count=found.counts.pending,
    )


@post(_QUEUE + "/items/{item_id:str}/complete", opt=requires(Role.MEMBER), status_code=HTTP_200_OK)
async def complete_item(
    queue_id: FromPath[str],
    item_id: FromPath[str],
    data: JSONBody[CompleteBody],
    principal: FromDishka[Principal],
    session: FromDishka[SessionContext],
    completion: FromDishka[AnnotationCompletion],
    items: FromDishka[QueueItemService],
) -> CompletedItem:
    """Write the signed-in user's scores for the item, then mark it COMPLETED."""
    scores = [
        AnnotationScore(
            config_id=s.config_id, value=s.value, string_value=s.string_value, comment=s.comment
        )
        for s in data.scores
    ]
    done = await completion.complete(
        principal.project_id, queue_id, item_id, session.user.id, scores
    )
    traces = await items.trace_ids(principal.project_id, [done.item])
    return CompletedItem(
        score_ids=done.score_ids, item=internal_item(done.item, traces.get(done.item.id))
    )


ANNOTATION_QUEUE_INTERNAL_ROUTES = [
    list_queues,
    create_queue,
    get_queue,
    delete_queue,
    add_items,
    list_items,
    next_item,
    complete_item,
]
