"""Contract of the comment, annotation queue and queue item repositories.

Every test runs against the memory adapter, SQLite and PostgreSQL (``conftest.py``); two
projects (``prj-a`` and ``prj-b``) exist before each one, so scoping is checked throughout.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from spyglass_core.domain.errors import Conflict, NotFound
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_tracing.domain.annotation import (
    AnnotationQueue,
    Comment,
    CommentObjectType,
    QueueAssignment,
    QueueCounts,
    QueueItem,
    QueueItemStatus,
    QueueObjectType,
)
from spyglass_tracing.ports.annotation import (
    AnnotationQueueRepository,
    CommentRepository,
    QueueItemRepository,
)
from tests.contract.test_tracing_repositories import seed_projects

T0 = datetime(2026, 12, 4, 9, 0, 0, 123456, tzinfo=UTC)
TRACE, OBSERVATION = QueueObjectType.TRACE, QueueObjectType.OBSERVATION
PENDING, COMPLETED = QueueItemStatus.PENDING, QueueItemStatus.COMPLETED


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def make_comment(comment_id: str, project_id: str = "prj-a", **fields: Any) -> Comment:
    return Comment(
        id=comment_id,
        project_id=project_id,
        object_type=fields.pop("object_type", CommentObjectType.TRACE),
        object_id=fields.pop("object_id", "t1"),
        content=fields.pop("content", f"comment {comment_id} ✓"),
        created_at=fields.get("created_at", T0),
        updated_at=fields.pop("updated_at", fields.pop("created_at", T0)),
        **fields,
    )


def make_queue(queue_id: str, project_id: str = "prj-a", **fields: Any) -> AnnotationQueue:
    return AnnotationQueue(
        id=queue_id,
        project_id=project_id,
        name=fields.pop("name", f"queue {queue_id}"),
        score_config_ids=fields.pop("score_config_ids", ("cfg-1", "cfg-2")),
        created_at=fields.get("created_at", T0),
        updated_at=fields.pop("updated_at", fields.pop("created_at", T0)),
        **fields,
    )


def make_item(
    item_id: str, queue_id: str = "q1", project_id: str = "prj-a", **fields: Any
) -> QueueItem:
    return QueueItem(
        id=item_id,
        project_id=project_id,
        queue_id=queue_id,
        object_id=fields.pop("object_id", f"obj-{item_id}"),
        object_type=fields.pop("object_type", TRACE),
        created_at=fields.get("created_at", T0),
        updated_at=fields.pop("updated_at", fields.pop("created_at", T0)),
        **fields,
    )


@pytest.fixture
async def factory(uow_factory: UnitOfWorkFactory) -> UnitOfWorkFactory:
    await seed_projects(uow_factory)
    return uow_factory


async def add_queues(factory: UnitOfWorkFactory, *queues: AnnotationQueue) -> None:
    async with factory() as uow:
        for queue in queues:
            await uow.repository(AnnotationQueueRepository).add(queue)
        await uow.commit()


async def add_items(factory: UnitOfWorkFactory, *items: QueueItem) -> list[str]:
    async with factory() as uow:
        added = await uow.repository(QueueItemRepository).add(items)
        await uow.commit()
    return [item.id for item in added]


# --- comments -----------------------------------------------------------------------------


async def test_comment_round_trips_and_is_scoped(factory: UnitOfWorkFactory) -> None:
    comment = make_comment("c1", author_user_id="u1", object_type=CommentObjectType.OBSERVATION)
    async with factory() as uow:
        await uow.repository(CommentRepository).add(comment)
        await uow.commit()
    async with factory() as uow:
        comments = uow.repository(CommentRepository)
        assert await comments.get("prj-a", "c1") == comment
        assert await comments.get("prj-b", "c1") is None
        assert await comments.list("prj-b") == ([], 0)


async def test_comment_ids_are_unique(factory: UnitOfWorkFactory) -> None:
    async with factory() as uow:
        await uow.repository(CommentRepository).add(make_comment("c1"))
        await uow.commit()
    with pytest.raises(Conflict):
        async with factory() as uow:
            await uow.repository(CommentRepository).add(make_comment("c1", "prj-b"))


async def test_comments_list_oldest_first_filtered_and_paged(factory: UnitOfWorkFactory) -> None:
    rows = [
        make_comment("c3", created_at=at(2), author_user_id="u1"),
        make_comment("c1", created_at=at(0)),
        make_comment("c2", created_at=at(0), author_user_id="u1"),
        make_comment("c4", created_at=at(1), object_id="t2"),
        make_comment("c5", created_at=at(1), object_type=CommentObjectType.SESSION),
        make_comment("c6", "prj-b", created_at=at(1)),
    ]
    async with factory() as uow:
        for row in rows:
            await uow.repository(CommentRepository).add(row)
        await uow.commit()
    async with factory() as uow:
        comments = uow.repository(CommentRepository)

        async def ids(**filters: Any) -> tuple[list[str], int]:
            page, total = await comments.list("prj-a", **filters)
            return [c.id for c in page], total

        assert await ids() == (["c1", "c2", "c4", "c5", "c3"], 5)
        assert await ids(object_type=CommentObjectType.TRACE, object_id="t1") == (
            ["c1", "c2", "c3"],
            3,
        )
        assert await ids(object_type=CommentObjectType.SESSION) == (["c5"], 1)
        assert await ids(author_user_id="u1") == (["c2", "c3"], 2)
        assert await ids(offset=1, limit=2) == (["c2", "c4"], 5)


async def test_comment_delete_is_scoped(factory: UnitOfWorkFactory) -> None:
    async with factory() as uow:
        await uow.repository(CommentRepository).add(make_comment("c1"))
        await uow.commit()
    async with factory() as uow:
        comments = uow.repository(CommentRepository)
        assert await comments.delete("prj-b", "c1") is False
        assert await comments.delete("prj-a", "c1") is True
        assert await comments.delete("prj-a", "c1") is False
        await uow.commit()
    async with factory() as uow:
        assert await uow.repository(CommentRepository).get("prj-a", "c1") is None


# --- queues ------------------------------------------------------------------------------


async def test_queue_round_trips_and_lists_newest_first(factory: UnitOfWorkFactory) -> None:
    queues = [
        make_queue("q1", created_at=at(0), description="first ✓"),
        make_queue("q2", created_at=at(5), score_config_ids=("cfg-9",)),
        make_queue("q3", created_at=at(5)),
        make_queue("q4", "prj-b", created_at=at(9)),
    ]
    await add_queues(factory, *queues)
    async with factory() as uow:
        repo = uow.repository(AnnotationQueueRepository)
        assert await repo.get("prj-a", "q1") == queues[0]
        assert await repo.get("prj-a", "q4") is None
        page, total = await repo.list("prj-a")
        assert ([q.id for q in page], total) == (["q3", "q2", "q1"], 3)
        assert page[1].score_config_ids == ("cfg-9",)
        page, total = await repo.list("prj-a", offset=2, limit=5)
        assert ([q.id for q in page], total) == (["q1"], 3)


async def test_queue_names_are_unique_per_project(factory: UnitOfWorkFactory) -> None:
    await add_queues(factory, make_queue("q1", name="Review"))
    with pytest.raises(Conflict):
        await add_queues(factory, make_queue("q2", name="Review"))
    with pytest.raises(Conflict):
        await add_queues(factory, make_queue("q1", "prj-b", name="Other"))
    await add_queues(factory, make_queue("q3", "prj-b", name="Review"))
    async with factory() as uow:
        assert (await uow.repository(AnnotationQueueRepository).list("prj-b"))[1] == 1


async def test_deleting_a_queue_deletes_its_items_and_assignments(
    factory: UnitOfWorkFactory,
) -> None:
    await add_queues(factory, make_queue("q1"), make_queue("q2"))
    await add_items(factory, make_item("i1"), make_item("i2", "q2"))
    assignment = QueueAssignment(project_id="prj-a", queue_id="q1", user_id="u1", created_at=T0)
    async with factory() as uow:
        await uow.repository(AnnotationQueueRepository).assign(assignment)
        await uow.commit()
    async with factory() as uow:
        queues = uow.repository(AnnotationQueueRepository)
        assert await queues.delete("prj-b", "q1") is False
        assert await queues.delete("prj-a", "q1") is True
        await uow.commit()
    async with factory() as uow:
        queues = uow.repository(AnnotationQueueRepository)
        items = uow.repository(QueueItemRepository)
        assert await queues.get("prj-a", "q1") is None
        assert await items.get("prj-a", "q1", "i1") is None
        assert await queues.assignments("prj-a", "q1") == []
        assert await items.get("prj-a", "q2", "i2") is not None
    # The object may go into a new queue with the deleted one's id.
    await add_queues(factory, make_queue("q1"))
    assert await add_items(factory, make_item("i3", object_id="obj-i1")) == ["i3"]


async def test_assignments_are_idempotent_and_scoped(factory: UnitOfWorkFactory) -> None:
    await add_queues(factory, make_queue("q1"))

    def assignment(user_id: str, seconds: float = 0) -> QueueAssignment:
        return QueueAssignment(
            project_id="prj-a", queue_id="q1", user_id=user_id, created_at=at(seconds)
        )

    async with factory() as uow:
        queues = uow.repository(AnnotationQueueRepository)
        await queues.assign(assignment("u2"))
        await queues.assign(assignment("u1"))
        await queues.assign(assignment("u1", 5))
        with pytest.raises(NotFound):
            await queues.assign(
                QueueAssignment(project_id="prj-b", queue_id="q1", user_id="u3", created_at=T0)
            )
        await uow.commit()
    async with factory() as uow:
        queues = uow.repository(AnnotationQueueRepository)
        assert await queues.assignments("prj-a", "q1") == [assignment("u1"), assignment("u2")]
        assert await queues.assignments("prj-b", "q1") == []
        assert await queues.unassign("prj-b", "q1", "u1") is False
        assert await queues.unassign("prj-a", "q1", "u1") is True
        assert await queues.unassign("prj-a", "q1", "u1") is False
        assert [a.user_id for a in await queues.assignments("prj-a", "q1")] == ["u2"]


# --- items -------------------------------------------------------------------------------


async def test_items_round_trip_and_an_object_is_in_a_queue_once(
    factory: UnitOfWorkFactory,
) -> None:
    await add_queues(factory, make_queue("q1"), make_queue("q2"))
    first = make_item("i1", object_id="t1")
    assert await add_items(
        factory, first, make_item("i2", object_id="o1", object_type=OBSERVATION)
    ) == [
        "i1",
        "i2",
    ]
    added = await add_items(
        factory,
        make_item("i3", object_id="t1"),  # already in q1
        make_item("i4", object_id="t1", object_type=OBSERVATION),  # another type
        make_item("i5", "q2", object_id="t1"),  # another queue
        make_item("i6", object_id="t9"),
        make_item("i7", object_id="t9"),  # repeated in the same call
    )
    assert added == ["i4", "i5", "i6"]
    async with factory() as uow:
        items = uow.repository(QueueItemRepository)
        assert await items.get("prj-a", "q1", "i1") == first
        assert await items.get("prj-a", "q2", "i1") is None
        assert await items.get("prj-b", "q1", "i1") is None
        assert await items.find("prj-a", "q1", TRACE, "t1") == first
        assert (await items.find("prj-a", "q1", OBSERVATION, "t1")) is not None
        assert await items.find("prj-a", "q1", TRACE, "nope") is None
        assert await items.find("prj-b", "q1", TRACE, "t1") is None


async def test_many_items_are_added_at_once(factory: UnitOfWorkFactory) -> None:
    await add_queues(factory, make_queue("q1"))
    many = [make_item(f"i{n:04}", created_at=at(n)) for n in range(1200)]
    assert len(await add_items(factory, *many[:700])) == 700
    assert len(await add_items(factory, *many)) == 500
    async with factory() as uow:
        counts = await uow.repository(QueueItemRepository).counts("prj-a", ["q1"])
    assert counts == {"q1": QueueCounts(pending=1200)}


async def test_items_list_newest_first_and_page_in_queue_order(factory: UnitOfWorkFactory) -> None:
    await add_queues(factory, make_queue("q1"))
    await add_items(
        factory,
        make_item("b", created_at=at(0)),
        make_item("a", created_at=at(0)),
        make_item("c", created_at=at(1), status=COMPLETED, completed_at=at(3)),
        make_item("d", created_at=at(2)),
    )
    async with factory() as uow:
        items = uow.repository(QueueItemRepository)

        async def listed(**filters: Any) -> tuple[list[str], int]:
            page, total = await items.list("prj-a", "q1", **filters)
            return [i.id for i in page], total

        assert await listed() == (["d", "c", "b", "a"], 4)
        assert await listed(status=PENDING) == (["d", "b", "a"], 3)
        assert await listed(status=COMPLETED) == (["c"], 1)
        assert await listed(offset=1, limit=2) == (["c", "b"], 4)
        assert await items.list("prj-b", "q1") == ([], 0)

        async def paged(**options: Any) -> list[str]:
            return [i.id for i in await items.page("prj-a", "q1", **options)]

        assert await paged() == ["a", "b", "c", "d"]
        assert await paged(limit=2) == ["a", "b"]
        assert await paged(after=(at(0), "b")) == ["c", "d"]
        assert await paged(after=(at(0), "a"), status=PENDING) == ["b", "d"]
        assert await paged(after=(at(2), "d")) == []
        assert await items.page("prj-b", "q1") == []

        assert await items.position("prj-a", "q1", (at(0), "a")) == 1
        assert await items.position("prj-a", "q1", (at(1), "c")) == 3
        assert await items.position("prj-a", "q1", (at(2), "d")) == 4
        assert await items.position("prj-b", "q1", (at(2), "d")) == 0


async def test_counts_per_queue(factory: UnitOfWorkFactory) -> None:
    await add_queues(factory, make_queue("q1"), make_queue("q2"))
    await add_items(
        factory,
        make_item("i1"),
        make_item("i2", status=COMPLETED),
        make_item("i3", status=COMPLETED),
        make_item("i4", "q2"),
    )
    async with factory() as uow:
        items = uow.repository(QueueItemRepository)
        assert await items.counts("prj-a", ["q1", "q2", "q3"]) == {
            "q1": QueueCounts(pending=1, completed=2),
            "q2": QueueCounts(pending=1),
            "q3": QueueCounts(),
        }
        assert await items.counts("prj-b", ["q1"]) == {"q1": QueueCounts()}


async def test_item_update_changes_only_status_and_completion(factory: UnitOfWorkFactory) -> None:
    await add_queues(factory, make_queue("q1"))
    await add_items(factory, make_item("i1", object_id="t1"))
    done = make_item(
        "i1",
        object_id="changed",
        status=COMPLETED,
        completed_at=at(10),
        annotator_user_id="u1",
        updated_at=at(10),
    )
    async with factory() as uow:
        items = uow.repository(QueueItemRepository)
        await items.update(done)
        with pytest.raises(NotFound):
            await items.update(make_item("i1", "q1", "prj-b", status=COMPLETED))
        with pytest.raises(NotFound):
            await items.update(make_item("i9", status=COMPLETED))
        await uow.commit()
    async with factory() as uow:
        stored = await uow.repository(QueueItemRepository).get("prj-a", "q1", "i1")
    assert stored is not None
    assert (stored.object_id, stored.status, stored.completed_at, stored.annotator_user_id) == (
        "t1",
        COMPLETED,
        at(10),
        "u1",
    )
    assert (stored.created_at, stored.updated_at) == (T0, at(10))


async def test_item_delete_is_scoped(factory: UnitOfWorkFactory) -> None:
    await add_queues(factory, make_queue("q1"), make_queue("q2"))
    await add_items(factory, make_item("i1"))
    async with factory() as uow:
        items = uow.repository(QueueItemRepository)
        assert await items.delete("prj-a", "q2", "i1") is False
        assert await items.delete("prj-b", "q1", "i1") is False
        assert await items.delete("prj-a", "q1", "i1") is True
        assert await items.delete("prj-a", "q1", "i1") is False
        await uow.commit()
    async with factory() as uow:
        assert await uow.repository(QueueItemRepository).get("prj-a", "q1", "i1") is None


async def test_items_added_without_commit_are_rolled_back(factory: UnitOfWorkFactory) -> None:
    await add_queues(factory, make_queue("q1"))
    async with factory() as uow:
        await uow.repository(QueueItemRepository).add([make_item("i1")])
    async with factory() as uow:
        assert await uow.repository(QueueItemRepository).get("prj-a", "q1", "i1") is None
