"""Contract of the datasets plugin's repositories, for memory, SQLite and PostgreSQL.

This module adds the datasets plugin's storage to the first-party plugins' (and, on
PostgreSQL, migrates a database of its own), so the other contract suites keep seeing
exactly their tables.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import msgspec
import pytest
import sqlalchemy as sa

from spyglass_adapters.sql import SqlUnitOfWorkFactory
from spyglass_adapters.testing.schema import schema_differences
from spyglass_core.domain.errors import Conflict
from spyglass_core.domain.projects import Organization, Project
from spyglass_core.hookspecs import StorageSpec
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_datasets.domain.datasets import (
    Dataset,
    DatasetItem,
    DatasetRun,
    DatasetRunItem,
    ItemCursor,
    ItemFilter,
    ItemStatus,
)
from spyglass_datasets.domain.experiments import (
    ExperimentCursor,
    ExperimentItemQuery,
    ExperimentQuery,
)
from spyglass_datasets.ports import (
    DatasetItemRepository,
    DatasetRepository,
    DatasetRunRepository,
)
from spyglass_datasets.storage.spec import storage_spec as datasets_storage
from spyglass_datasets.storage.tables import metadata as dataset_tables
from spyglass_prompts.storage.spec import storage_spec as prompts_storage
from spyglass_prompts.storage.tables import metadata as prompt_tables
from spyglass_tracing.storage.spec import storage_spec as tracing_storage
from spyglass_tracing.storage.tables import metadata as tracing_tables

T0 = datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)
PLUS_0530 = timezone(timedelta(hours=5, minutes=30))


@pytest.fixture(scope="module")
def storage_specs() -> Sequence[StorageSpec]:
    return [prompts_storage(), tracing_storage(), datasets_storage()]


@pytest.fixture(scope="module")
async def postgres_url(postgres_database: Callable[[], Awaitable[str]]) -> str:
    """A database of this module's own: the shared one lacks the dataset tables."""
    return await postgres_database()


@pytest.fixture
async def factory(uow_factory: UnitOfWorkFactory) -> UnitOfWorkFactory:
    async with uow_factory() as uow:
        await uow.organizations.add(Organization(id="org-a", name="Org", created_at=T0))
        for project_id in ("prj-a", "prj-b"):
            await uow.projects.add(
                Project(id=project_id, organization_id="org-a", name=project_id, created_at=T0)
            )
        await uow.commit()
    return uow_factory


def make_dataset(
    name: str = "qa", project_id: str = "prj-a", *, at: datetime = T0, **fields: Any
) -> Dataset:
    return Dataset(
        id=fields.pop("id", f"ds-{name}"),
        project_id=project_id,
        name=name,
        created_at=at,
        updated_at=fields.pop("updated_at", at),
        **fields,
    )


def make_item(
    item_id: str = "it-1",
    dataset_id: str = "ds-qa",
    project_id: str = "prj-a",
    *,
    at: datetime = T0,
    **fields: Any,
) -> DatasetItem:
    return DatasetItem(
        id=item_id,
        project_id=project_id,
        dataset_id=dataset_id,
        created_at=fields.pop("created_at", at),
        updated_at=at,
        **fields,
    )


async def add_datasets(factory: UnitOfWorkFactory, *datasets: Dataset) -> None:
    async with factory() as uow:
        for dataset in datasets:
            await uow.repository(DatasetRepository).add(dataset)
        await uow.commit()


async def save(factory: UnitOfWorkFactory, *items: DatasetItem) -> None:
    async with factory() as uow:
        for item in items:
            await uow.repository(DatasetItemRepository).save(item)
        await uow.commit()


async def listed(
    factory: UnitOfWorkFactory, project_id: str = "prj-a", **kwargs: Any
) -> list[tuple[str, Any]]:
    after = kwargs.pop("after", None)
    limit = kwargs.pop("limit", 50)
    offset = kwargs.pop("offset", 0)
    async with factory() as uow:
        items = await uow.repository(DatasetItemRepository).find(
            project_id, ItemFilter(**kwargs), after=after, offset=offset, limit=limit
        )
    return [(i.id, i.input) for i in items]


# --- datasets ---------------------------------------------------------------------------


async def test_a_dataset_round_trips_with_every_field(factory: UnitOfWorkFactory) -> None:
    full = make_dataset(
        "folder/qa ✓",
        description="Questions",
        metadata={"owner": "ü", "nested": {"n": None, "list": [1, 2.5]}},
        input_schema={"type": "object", "required": ["q"]},
        expected_output_schema={"type": "string"},
        at=datetime(2026, 1, 1, 10, 0, 0, 1, tzinfo=PLUS_0530),
    )
    bare = make_dataset("bare")
    await add_datasets(factory, full, bare)
    async with factory() as uow:
        repo = uow.repository(DatasetRepository)
        got = await repo.get_by_name("prj-a", full.name)
        assert got == full
        assert got is not None
        assert got.created_at == datetime(2026, 1, 1, 4, 30, 0, 1, tzinfo=UTC)
        assert await repo.get("prj-a", bare.id) == bare
        assert (await repo.get("prj-a", bare.id)).metadata is None  # type: ignore[union-attr]
        assert await repo.get("prj-b", bare.id) is None
        assert await repo.get_by_name("prj-b", "bare") is None
        assert await repo.names("prj-a", [bare.id, "missing"]) == {bare.id: "bare"}
        assert await repo.names("prj-b", [bare.id]) == {}


async def test_dataset_names_are_unique_per_project(factory: UnitOfWorkFactory) -> None:
    await add_datasets(factory, make_dataset("qa"), make_dataset("qa", "prj-b"))
    with pytest.raises(Conflict):
        await add_datasets(factory, make_dataset("qa", id="other-id"))


async def test_update_replaces_the_fields_but_not_the_name(factory: UnitOfWorkFactory) -> None:
    original = make_dataset("qa", description="old")
    await add_datasets(factory, original)
    later = T0 + timedelta(hours=1)
    changed = msgspec.structs.replace(
        original, description="new", input_schema={"type": "string"}, updated_at=later
    )
    async with factory() as uow:
        await uow.repository(DatasetRepository).update(
            msgspec.structs.replace(changed, name="renamed")
        )
        await uow.commit()
    async with factory() as uow:
        assert await uow.repository(DatasetRepository).get("prj-a", original.id) == changed


async def test_datasets_list_newest_first_with_a_total(factory: UnitOfWorkFactory) -> None:
    await add_datasets(
        factory,
        make_dataset("a", at=T0),
        make_dataset("b", at=T0 + timedelta(minutes=1)),
        make_dataset("c", at=T0 + timedelta(minutes=1)),
        make_dataset("other", "prj-b"),
    )
    async with factory() as uow:
        repo = uow.repository(DatasetRepository)
        page, total = await repo.page("prj-a", offset=0, limit=2)
        assert ([d.name for d in page], total) == (["b", "c"], 3)
        page, total = await repo.page("prj-a", offset=2, limit=2)
        assert ([d.name for d in page], total) == (["a"], 3)


# --- items and their versions -----------------------------------------------------------


async def test_an_item_round_trips_and_is_scoped_to_its_project(
    factory: UnitOfWorkFactory,
) -> None:
    await add_datasets(factory, make_dataset())
    item = make_item(
        input={"q": "What is 2+2? ✓", "n": None},
        expected_output="4",
        metadata={"tags": ["math"]},
        source_trace_id="tr-1",
        source_observation_id="ob-1",
        status=ItemStatus.ARCHIVED,
    )
    await save(factory, item)
    async with factory() as uow:
        repo = uow.repository(DatasetItemRepository)
        assert await repo.current("prj-a", "it-1") == item
        assert await repo.current("prj-b", "it-1") is None
        assert await repo.latest_version("prj-a", "it-1") == 1
        assert await repo.latest_version("prj-b", "it-1") is None


async def test_the_same_item_id_in_two_projects_is_independent(
    factory: UnitOfWorkFactory,
) -> None:
    await add_datasets(factory, make_dataset(), make_dataset(project_id="prj-b"))
    await save(factory, make_item(input="a"), make_item(project_id="prj-b", input="b"))
    assert await listed(factory) == [("it-1", "a")]
    assert await listed(factory, "prj-b") == [("it-1", "b")]


async def test_every_change_keeps_the_previous_version(factory: UnitOfWorkFactory) -> None:
    await add_datasets(factory, make_dataset())
    t1, t2, t3 = (T0 + timedelta(minutes=m) for m in (1, 2, 3))
    await save(factory, make_item(input="v1"))
    await save(factory, make_item(input="v2", created_at=T0, at=t1, version=2))
    await save(
        factory,
        make_item(input="v3", created_at=T0, at=t2, version=3, status=ItemStatus.ARCHIVED),
    )
    async with factory() as uow:
        repo = uow.repository(DatasetItemRepository)
        assert await repo.delete("prj-a", "it-1", t3) is True
        assert await repo.delete("prj-a", "it-1", t3) is False
        await uow.commit()
    async with factory() as uow:
        repo = uow.repository(DatasetItemRepository)
        assert await repo.current("prj-a", "it-1") is None
        history = await repo.history("prj-a", "it-1")
        assert [(v.version, v.input, v.updated_at, v.valid_to) for v in history] == [
            (1, "v1", T0, t1),
            (2, "v2", t1, t2),
            (3, "v3", t2, t3),
        ]
        assert await repo.latest_version("prj-a", "it-1") == 3

    def at(moment: datetime, **kwargs: Any) -> Any:
        return listed(factory, as_of=moment, include_archived=True, **kwargs)

    assert await at(T0 - timedelta(seconds=1)) == []
    assert await at(T0) == [("it-1", "v1")]
    assert await at(t1 - timedelta(microseconds=1)) == [("it-1", "v1")]
    assert await at(t1) == [("it-1", "v2")]
    assert await at(t2 + timedelta(seconds=5)) == [("it-1", "v3")]
    assert await listed(factory, as_of=t2) == []  # archived then
    assert await at(t3) == []  # deleted
    assert await listed(factory, include_archived=True) == []


async def test_saving_an_existing_version_conflicts(factory: UnitOfWorkFactory) -> None:
    await add_datasets(factory, make_dataset())
    await save(factory, make_item(input="v1"))
    with pytest.raises(Conflict):
        await save(factory, make_item(input="again", at=T0 + timedelta(seconds=1)))
    assert await listed(factory) == [("it-1", "v1")]


async def test_lists_filter_and_exclude_archived_items(factory: UnitOfWorkFactory) -> None:
    await add_datasets(factory, make_dataset("qa"), make_dataset("other"))
    await save(
        factory,
        make_item("a", input=1, source_trace_id="tr-1"),
        make_item("b", input=2, source_trace_id="tr-1", source_observation_id="ob-1"),
        make_item("c", input=3, status=ItemStatus.ARCHIVED, source_trace_id="tr-1"),
        make_item("d", "ds-other", input=4, source_trace_id="tr-1"),
    )
    assert await listed(factory, dataset_id="ds-qa") == [("a", 1), ("b", 2)]
    assert await listed(factory, dataset_id="ds-qa", include_archived=True) == [
        ("a", 1),
        ("b", 2),
        ("c", 3),
    ]
    assert await listed(factory, source_trace_id="tr-1") == [("a", 1), ("b", 2), ("d", 4)]
    assert await listed(factory, source_observation_id="ob-1") == [("b", 2)]
    assert await listed(factory, "prj-b", source_trace_id="tr-1") == []
    async with factory() as uow:
        repo = uow.repository(DatasetItemRepository)
        assert await repo.count("prj-a", ItemFilter(dataset_id="ds-qa")) == 2
        assert await repo.count("prj-a", ItemFilter(include_archived=True)) == 4
        assert await repo.count("prj-b", ItemFilter()) == 0


async def test_items_page_by_keyset_in_created_at_then_id_order(
    factory: UnitOfWorkFactory,
) -> None:
    await add_datasets(factory, make_dataset())
    # Ties on created_at are broken by id, compared byte-wise ("B" < "a").
    stamps = {"b": T0, "a": T0, "B": T0, "z": T0 - timedelta(seconds=1), "c": T0 + timedelta(1)}
    await save(factory, *(make_item(i, input=i, at=at) for i, at in stamps.items()))
    expected = ["z", "B", "a", "b", "c"]
    assert [i for i, _ in await listed(factory)] == expected
    seen: list[str] = []
    cursor: ItemCursor | None = None
    while True:
        async with factory() as uow:
            page = await uow.repository(DatasetItemRepository).find(
                "prj-a", ItemFilter(dataset_id="ds-qa"), after=cursor, limit=2
            )
        if not page:
            break
        seen += [i.id for i in page]
        cursor = ItemCursor(created_at=page[-1].created_at, id=page[-1].id)
    assert seen == expected
    assert [i for i, _ in await listed(factory, offset=3, limit=5)] == ["b", "c"]


async def test_an_update_keeps_the_items_place_in_the_order(
    factory: UnitOfWorkFactory,
) -> None:
    await add_datasets(factory, make_dataset())
    await save(factory, make_item("a", input=1), make_item("b", input=2, at=T0 + timedelta(1)))
    await save(factory, make_item("a", input=10, at=T0 + timedelta(2), created_at=T0, version=2))
    assert await listed(factory) == [("a", 10), ("b", 2)]


async def test_save_many_stores_new_items_and_new_versions_in_one_call(
    factory: UnitOfWorkFactory,
) -> None:
    await add_datasets(factory, make_dataset())
    await save(factory, make_item("a", input=1, metadata={"k": 1}))
    t1 = T0 + timedelta(seconds=1)
    # More than one INSERT's worth of rows, a new version of "a", and nulls kept as such.
    fresh = [make_item(f"n{index:04d}", input={"i": index}, at=t1) for index in range(1200)]
    update = make_item("a", input=2, created_at=T0, at=t1, version=2)
    async with factory() as uow:
        await uow.repository(DatasetItemRepository).save_many([update, *fresh])
        await uow.commit()
    if isinstance(factory, SqlUnitOfWorkFactory):  # None is SQL NULL, not JSON null
        async with factory.engine.connect() as conn:
            nulls = await conn.execute(
                sa.text(
                    "SELECT count(*) FROM dataset_item_versions"
                    " WHERE metadata IS NULL AND expected_output IS NULL"
                )
            )
            assert nulls.scalar_one() == 1201
    async with factory() as uow:
        repo = uow.repository(DatasetItemRepository)
        assert await repo.count("prj-a", ItemFilter(dataset_id="ds-qa")) == 1201
        history = await repo.history("prj-a", "a")
        assert [(v.version, v.input, v.metadata, v.valid_to) for v in history] == [
            (1, 1, {"k": 1}, t1),
            (2, 2, None, None),
        ]
        stored = await repo.current("prj-a", "n0007")
        assert stored is not None
        assert (stored.input, stored.expected_output, stored.metadata) == ({"i": 7}, None, None)
        current = await repo.current_many("prj-a", ["a", "n0001", "missing", "a"])
        assert {k: (v.version, v.input) for k, v in current.items()} == {
            "a": (2, 2),
            "n0001": (1, {"i": 1}),
        }
        assert await repo.current_many("prj-b", ["a"]) == {}
        assert await repo.delete("prj-a", "n0001", t1 + timedelta(seconds=1))
        await uow.commit()
    async with factory() as uow:
        repo = uow.repository(DatasetItemRepository)
        assert await repo.latest_versions("prj-a", ["a", "n0001", "missing"]) == {
            "a": 2,
            "n0001": 1,
        }
        assert await repo.latest_versions("prj-b", ["a"]) == {}
        assert list(await repo.current_many("prj-a", ["n0001"])) == []


async def test_save_many_stores_nothing_when_one_version_conflicts(
    factory: UnitOfWorkFactory,
) -> None:
    await add_datasets(factory, make_dataset())
    await save(factory, make_item("a", input=1))
    with pytest.raises(Conflict):
        async with factory() as uow:
            await uow.repository(DatasetItemRepository).save_many(
                [make_item("b", input=2), make_item("a", input="again")]
            )
            await uow.commit()
    assert await listed(factory) == [("a", 1)]


async def test_sql_migrations_create_the_declared_tables(
    sql_uow_factory: SqlUnitOfWorkFactory,
) -> None:
    def diff(connection: Any) -> list[Any]:
        return schema_differences(connection, prompt_tables, tracing_tables, dataset_tables)

    async with sql_uow_factory.engine.connect() as conn:
        assert await conn.run_sync(diff) == []


# --- runs -------------------------------------------------------------------------------


def make_run(name: str = "run-1", dataset_id: str = "ds-qa", **fields: Any) -> DatasetRun:
    at = fields.pop("at", T0)
    return DatasetRun(
        id=fields.pop("id", f"run-{dataset_id}-{name}"),
        project_id=fields.pop("project_id", "prj-a"),
        dataset_id=dataset_id,
        name=name,
        created_at=at,
        updated_at=at,
        **fields,
    )


def make_run_item(item_id: str, run_id: str, *, at: datetime = T0, **fields: Any) -> DatasetRunItem:
    return DatasetRunItem(
        id=item_id,
        project_id=fields.pop("project_id", "prj-a"),
        dataset_run_id=run_id,
        dataset_item_id=fields.pop("dataset_item_id", "it-1"),
        created_at=at,
        **fields,
    )


async def test_runs_round_trip_are_unique_by_name_and_page(factory: UnitOfWorkFactory) -> None:
    await add_datasets(factory, make_dataset("qa"), make_dataset("other"))
    full = make_run("r/1 ✓", description="first", metadata={"model": "x"})
    async with factory() as uow:
        runs = uow.repository(DatasetRunRepository)
        await runs.add(full)
        await runs.add(make_run("r2", at=T0 + timedelta(1)))
        await runs.add(make_run("r1-other", "ds-other"))
        await runs.add(make_run("r2", "ds-other"))  # same name, other dataset
        await uow.commit()
    with pytest.raises(Conflict):
        async with factory() as uow:
            await uow.repository(DatasetRunRepository).add(make_run("r2", id="new-id"))
    async with factory() as uow:
        runs = uow.repository(DatasetRunRepository)
        assert await runs.get("prj-a", "ds-qa", full.name) == full
        assert await runs.get("prj-b", "ds-qa", full.name) is None
        page, total = await runs.page("prj-a", "ds-qa", limit=1)
        assert ([r.name for r in page], total) == (["r2"], 2)
        assert await runs.names("prj-a", "ds-qa") == ["r2", full.name]
        changed = msgspec.structs.replace(
            full, name="ignored", description=None, metadata=[1], updated_at=T0 + timedelta(2)
        )
        await runs.update(changed)
        await uow.commit()
    async with factory() as uow:
        got = await uow.repository(DatasetRunRepository).get("prj-a", "ds-qa", full.name)
        assert got == msgspec.structs.replace(changed, name=full.name)


async def test_run_items_page_and_go_with_their_run(factory: UnitOfWorkFactory) -> None:
    await add_datasets(factory, make_dataset())
    run = make_run()
    async with factory() as uow:
        runs = uow.repository(DatasetRunRepository)
        await runs.add(run)
        await runs.add_item(make_run_item("b", run.id, trace_id="tr-b"))
        await runs.add_item(make_run_item("a", run.id, trace_id="tr-a", observation_id="ob-a"))
        await runs.add_item(make_run_item("c", run.id, at=T0 - timedelta(1)))
        await uow.commit()
    with pytest.raises(Conflict):
        async with factory() as uow:
            await uow.repository(DatasetRunRepository).add_item(make_run_item("a", run.id))
    async with factory() as uow:
        runs = uow.repository(DatasetRunRepository)
        page, total = await runs.items("prj-a", run.id, offset=1, limit=5)
        assert [(i.id, i.trace_id, i.observation_id) for i in page] == [
            ("a", "tr-a", "ob-a"),
            ("b", "tr-b", None),
        ]
        assert total == 3
        assert (await runs.items("prj-b", run.id))[1] == 0
        assert await runs.delete("prj-b", run.id) is False
        assert await runs.delete("prj-a", run.id) is True
        await uow.commit()
    async with factory() as uow:
        runs = uow.repository(DatasetRunRepository)
        assert await runs.get("prj-a", "ds-qa", run.name) is None
        assert (await runs.items("prj-a", run.id))[1] == 0


async def test_experiments_summarize_runs_by_latest_activity_in_a_window(
    factory: UnitOfWorkFactory,
) -> None:
    await add_datasets(factory, make_dataset("qa"), make_dataset("other"))
    early, late = make_run("early"), make_run("late", "ds-other")
    async with factory() as uow:
        runs = uow.repository(DatasetRunRepository)
        for run in (early, late):
            await runs.add(run)
        await runs.add_item(make_run_item("e1", early.id, at=T0, ended_at=T0 + timedelta(hours=5)))
        await runs.add_item(make_run_item("e2", early.id, at=T0 + timedelta(hours=1)))
        await runs.add_item(make_run_item("l1", late.id, at=T0 + timedelta(hours=2)))
        await runs.add_item(make_run_item("old", late.id, at=T0 - timedelta(days=3)))
        await uow.commit()
    async with factory() as uow:
        runs = uow.repository(DatasetRunRepository)
        window = ExperimentQuery(start=T0 - timedelta(days=1))
        found = await runs.experiments("prj-a", window, after=None, limit=10)
        # "early" ended last (T0 + 5h), so it is the most recently active.
        assert [(s.run.id, s.item_count) for s in found] == [(early.id, 2), (late.id, 1)]
        assert found[0].first_at == T0 and found[0].last_at == T0 + timedelta(hours=5)
        after = ExperimentCursor(at=found[0].last_at, id=found[0].run.id)
        assert [
            s.run.id for s in await runs.experiments("prj-a", window, after=after, limit=10)
        ] == [late.id]
        only = ExperimentQuery(start=T0 - timedelta(days=1), dataset_ids=["ds-other"])
        assert [s.run.id for s in await runs.experiments("prj-a", only, after=None, limit=10)] == [
            late.id
        ]
        assert await runs.experiments("prj-b", window, after=None, limit=10) == []
        assert await runs.get_by_id("prj-a", early.id) == early
        assert await runs.get_by_id("prj-b", early.id) is None
        assert await runs.existing_item_ids("prj-a", ["e1", "nope", "l1"]) == {"e1", "l1"}
        assert await runs.existing_item_ids("prj-b", ["e1"]) == set()


async def test_experiment_items_list_newest_first_with_their_runs(
    factory: UnitOfWorkFactory,
) -> None:
    await add_datasets(factory, make_dataset("qa"))
    run = make_run("exp")
    async with factory() as uow:
        runs = uow.repository(DatasetRunRepository)
        await runs.add(run)
        for n in range(3):
            await runs.add_item(
                make_run_item(
                    f"ri-{n}", run.id, at=T0 + timedelta(minutes=n), dataset_item_id=f"it-{n}"
                )
            )
        await uow.commit()
    async with factory() as uow:
        runs = uow.repository(DatasetRunRepository)
        query = ExperimentItemQuery(start=T0)
        first = await runs.experiment_items("prj-a", query, after=None, limit=2)
        assert [e.item.id for e in first] == ["ri-2", "ri-1"]
        assert first[0].run == run
        after = ExperimentCursor(at=first[-1].item.created_at, id=first[-1].item.id)
        rest = await runs.experiment_items("prj-a", query, after=after, limit=2)
        assert [e.item.id for e in rest] == ["ri-0"]
        named = ExperimentItemQuery(start=T0, experiment_names=["exp"], item_ids=["it-1"])
        assert [
            e.item.id for e in await runs.experiment_items("prj-a", named, after=None, limit=9)
        ] == ["ri-1"]
        other = ExperimentItemQuery(start=T0, experiment_names=["nope"])
        assert await runs.experiment_items("prj-a", other, after=None, limit=9) == []
        windowed = ExperimentItemQuery(start=T0, end=T0 + timedelta(minutes=1))
        assert [
            e.item.id for e in await runs.experiment_items("prj-a", windowed, after=None, limit=9)
        ] == ["ri-0"]


async def test_runs_and_run_items_read_in_batches(factory: UnitOfWorkFactory) -> None:
    await add_datasets(factory, make_dataset())
    first, second = make_run("r1"), make_run("r2")
    async with factory() as uow:
        runs = uow.repository(DatasetRunRepository)
        await runs.add(first)
        await runs.add(second)
        await runs.add_item(make_run_item("x", first.id, dataset_item_id="i1"))
        await runs.add_item(
            make_run_item("w", first.id, dataset_item_id="i2", at=T0 - timedelta(1))
        )
        await runs.add_item(make_run_item("y", second.id, dataset_item_id="i1"))
        await runs.add_item(make_run_item("z", second.id, dataset_item_id="i3"))
        await uow.commit()
    async with factory() as uow:
        runs = uow.repository(DatasetRunRepository)
        got = await runs.get_many("prj-a", [second.id, "nope", first.id])
        assert sorted(r.name for r in got) == ["r1", "r2"]
        assert await runs.get_many("prj-b", [first.id]) == []
        assert await runs.item_counts("prj-a", [first.id, second.id, "nope"]) == {
            first.id: 2,
            second.id: 2,
            "nope": 0,
        }
        assert await runs.item_counts("prj-b", [first.id]) == {first.id: 0}
        found = await runs.items_of("prj-a", [first.id, second.id], ["i1", "i2"])
        assert [i.id for i in found] == ["w", "x", "y"]
        assert await runs.items_of("prj-b", [first.id], ["i1"]) == []
