"""Contract of the trace deletion repository, on the memory adapter, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_tracing.domain.erasure import TraceDeletion, TraceMember
from spyglass_tracing.domain.ingestion import EntityKind
from spyglass_tracing.ports.repositories import IngestionBatchRepository, TraceDeletionRepository
from tests.contract.test_tracing_repositories import make_batch

T0 = datetime(2026, 12, 1, 10, 0, 0, 123456, tzinfo=UTC)
OBS, SCORE = EntityKind.OBSERVATION, EntityKind.SCORE


def member(kind: EntityKind, entity_id: str, trace_id: str) -> TraceMember:
    return TraceMember(kind=kind, entity_id=entity_id, trace_id=trace_id)


async def record(
    factory: UnitOfWorkFactory,
    project_id: str,
    trace_ids: list[str],
    at: datetime,
    members: list[TraceMember] | None = None,
) -> None:
    async with factory() as uow:
        await uow.repository(TraceDeletionRepository).record(
            project_id, trace_ids, at, members or []
        )
        await uow.commit()


async def test_deletions_round_trip_per_project(uow_factory: UnitOfWorkFactory) -> None:
    await record(uow_factory, "p-a", ["t1", "t2", "t1"], T0, [member(OBS, "o1", "t1")])
    await record(uow_factory, "p-b", ["t1"], T0 + timedelta(seconds=1))
    async with uow_factory() as uow:
        deletions = uow.repository(TraceDeletionRepository)
        assert await deletions.deletions("p-a") == [
            TraceDeletion(project_id="p-a", trace_id="t1", deleted_at=T0),
            TraceDeletion(project_id="p-a", trace_id="t2", deleted_at=T0),
        ]
        assert [d.trace_id for d in await deletions.deletions("p-a", ["t2", "t9"])] == ["t2"]
        assert await deletions.deletions("p-c") == []
        assert await deletions.members("p-a") == [member(OBS, "o1", "t1")]
        assert await deletions.members("p-b") == []
        assert await deletions.members("p-a", [(OBS, "o1"), (SCORE, "o1"), (OBS, "o9")]) == [
            member(OBS, "o1", "t1")
        ]


async def test_deleting_again_owes_a_new_erasure(uow_factory: UnitOfWorkFactory) -> None:
    await record(uow_factory, "p-a", ["t1", "t2"], T0)
    async with uow_factory() as uow:
        deletions = uow.repository(TraceDeletionRepository)
        owed = await deletions.outstanding("p-a")
        assert [d.trace_id for d in owed] == ["t1", "t2"]
        assert await deletions.mark_erased(owed, T0 + timedelta(minutes=1)) == 2
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.repository(TraceDeletionRepository).outstanding("p-a") == []

    later = T0 + timedelta(hours=1)
    await record(uow_factory, "p-a", ["t1"], later)
    async with uow_factory() as uow:
        (again,) = await uow.repository(TraceDeletionRepository).outstanding("p-a")
    assert (again.trace_id, again.deleted_at, again.generation, again.erased_at) == (
        "t1",
        later,
        2,
        None,
    )


async def test_an_erasure_marks_only_the_generation_it_saw(uow_factory: UnitOfWorkFactory) -> None:
    await record(uow_factory, "p-a", ["t1", "t2"], T0)
    async with uow_factory() as uow:
        seen = await uow.repository(TraceDeletionRepository).outstanding("p-a")
    async with uow_factory() as uow:  # events turned up meanwhile: owed again
        await uow.repository(TraceDeletionRepository).reopen("p-a", ["t1", "unknown"])
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.repository(TraceDeletionRepository).mark_erased(seen, T0) == 1
        await uow.commit()
    async with uow_factory() as uow:
        owed = await uow.repository(TraceDeletionRepository).outstanding("p-a")
        assert await uow.repository(TraceDeletionRepository).deletions("p-a", ["unknown"]) == []
    assert [(d.trace_id, d.generation) for d in owed] == [("t1", 2)]


async def test_outstanding_is_oldest_first_and_bounded(uow_factory: UnitOfWorkFactory) -> None:
    await record(uow_factory, "p-a", ["t3"], T0 + timedelta(seconds=2))
    await record(uow_factory, "p-a", ["t2", "t1"], T0)
    async with uow_factory() as uow:
        deletions = uow.repository(TraceDeletionRepository)
        assert [d.trace_id for d in await deletions.outstanding("p-a")] == ["t1", "t2", "t3"]
        assert [d.trace_id for d in await deletions.outstanding("p-a", limit=2)] == ["t1", "t2"]


async def test_owing_projects_are_those_with_an_old_enough_owed_deletion(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await record(uow_factory, "p-late", ["t1"], T0 + timedelta(minutes=5))
    await record(uow_factory, "p-early", ["t1", "t2"], T0)
    await record(uow_factory, "p-done", ["t1"], T0)
    async with uow_factory() as uow:
        deletions = uow.repository(TraceDeletionRepository)
        await deletions.mark_erased(await deletions.outstanding("p-done"), T0)
        await uow.commit()
    async with uow_factory() as uow:
        deletions = uow.repository(TraceDeletionRepository)
        assert await deletions.owing_projects(T0 + timedelta(hours=1)) == ["p-early", "p-late"]
        assert await deletions.owing_projects(T0 + timedelta(minutes=1)) == ["p-early"]
        assert await deletions.owing_projects(T0) == []


async def test_members_are_updated_not_duplicated(uow_factory: UnitOfWorkFactory) -> None:
    await record(uow_factory, "p-a", ["t1", "t2"], T0)
    async with uow_factory() as uow:
        deletions = uow.repository(TraceDeletionRepository)
        await deletions.add_members("p-a", [member(OBS, "o1", "t1"), member(SCORE, "o1", "t1")])
        await deletions.add_members("p-a", [member(OBS, "o1", "t2"), member(OBS, "o1", "t2")])
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.repository(TraceDeletionRepository).members("p-a")
    assert sorted(found, key=lambda m: m.kind.value) == [
        member(OBS, "o1", "t2"),
        member(SCORE, "o1", "t1"),
    ]


async def test_many_ids_are_recorded_and_found(uow_factory: UnitOfWorkFactory) -> None:
    ids = [f"t{index:04d}" for index in range(1_234)]
    members = [member(OBS, f"o{index:04d}", ids[index]) for index in range(1_234)]
    await record(uow_factory, "p-a", ids, T0, members)
    async with uow_factory() as uow:
        deletions = uow.repository(TraceDeletionRepository)
        assert len(await deletions.deletions("p-a", ids)) == 1_234
        assert len(await deletions.members("p-a", [(OBS, m.entity_id) for m in members])) == 1_234


async def test_prune_forgets_old_erased_deletions_with_their_members(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await record(uow_factory, "p-a", ["old", "owed"], T0, [member(OBS, "o-old", "old")])
    await record(uow_factory, "p-a", ["new"], T0 + timedelta(days=3), [member(OBS, "o-new", "new")])
    async with uow_factory() as uow:
        deletions = uow.repository(TraceDeletionRepository)
        erased = [d for d in await deletions.outstanding("p-a") if d.trace_id != "owed"]
        await deletions.mark_erased(erased, T0 + timedelta(days=3))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.repository(TraceDeletionRepository).prune(T0 + timedelta(days=1)) == 1
        await uow.commit()
    async with uow_factory() as uow:
        deletions = uow.repository(TraceDeletionRepository)
        assert sorted(d.trace_id for d in await deletions.deletions("p-a")) == ["new", "owed"]
        assert await deletions.members("p-a") == [member(OBS, "o-new", "new")]


async def test_nothing_is_visible_before_commit(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.repository(TraceDeletionRepository).record("p-a", ["t1"], T0)
        # no commit: rolled back
    async with uow_factory() as uow:
        assert await uow.repository(TraceDeletionRepository).deletions("p-a") == []


async def test_pending_batches_are_counted_per_project_and_age(
    uow_factory: UnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        batches = uow.repository(IngestionBatchRepository)
        await batches.add(make_batch("b-1", "p-a", received_at=T0), [])
        await batches.add(make_batch("b-2", "p-a", received_at=T0 + timedelta(seconds=5)), [])
        await batches.add(make_batch("b-3", "p-b", received_at=T0), [])
        await uow.commit()
    async with uow_factory() as uow:
        batches = uow.repository(IngestionBatchRepository)
        assert await batches.count_pending() == 3
        assert await batches.count_pending(project_id="p-a") == 2
        assert await batches.count_pending(project_id="p-a", received_before=T0) == 0
        later = T0 + timedelta(seconds=1)
        assert await batches.count_pending(project_id="p-a", received_before=later) == 1
        assert await batches.count_pending(received_before=later) == 2
