"""``DatasetRunService.link`` over memory, SQLite and PostgreSQL: its ``DatasetRunItemsLinked``
goes into the event outbox in the run item's own transaction, so the two commit, or roll
back, together."""

from __future__ import annotations

from types import TracebackType
from typing import Any

import msgspec
import pytest

from spyglass.events import DELIVER_EVENT_TASK, EventHandlers, QueuedEventPublisher, event_type_name
from spyglass_adapters.memory.clock import FixedClock
from spyglass_adapters.memory.task_queue import MemoryTaskQueue
from spyglass_core.domain.errors import StorageUnavailable
from spyglass_core.domain.events import DatasetRunItemsLinked
from spyglass_core.ports.event_outbox import OutboxEntry
from spyglass_core.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from spyglass_datasets.domain.experiments import experiment_id
from spyglass_datasets.ports import DatasetRunRepository
from spyglass_datasets.services.runs import DatasetRunService, RunItemLink
from tests.contract import test_dataset_repositories as repositories
from tests.contract.test_dataset_repositories import T0, add_datasets, make_dataset, make_item, save

# The repository suite's backends and seeded projects, shared as its fixtures.
storage_specs = repositories.storage_specs
postgres_url = repositories.postgres_url
factory = repositories.factory

RUN_ID = experiment_id("prj-a", "ds-qa", "nightly")


async def _noop(event: Any, container: Any) -> None:
    """A listener, so the publisher stores the event at all."""


def service(
    uow: UnitOfWorkFactory, outbox_uow: UnitOfWorkFactory
) -> tuple[DatasetRunService, MemoryTaskQueue]:
    """The service, and the queue its publisher enqueues deliveries on."""
    clock = FixedClock(T0)
    queue = MemoryTaskQueue({DELIVER_EVENT_TASK: _noop})
    handlers = EventHandlers({DatasetRunItemsLinked: [_noop]})
    return DatasetRunService(
        uow, clock, QueuedEventPublisher(handlers, queue, outbox_uow, clock)
    ), queue


class _CommitFails:
    """A unit of work whose commit fails, as a database lost at that moment makes it."""

    def __init__(self, inner: UnitOfWork) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def __aenter__(self) -> _CommitFails:
        await self._inner.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._inner.__aexit__(exc_type, exc, tb)

    async def commit(self) -> None:
        raise StorageUnavailable("the database went away at commit")


class FailingCommits:
    """A factory of units of work that stage everything and commit nothing."""

    def __init__(self, inner: UnitOfWorkFactory) -> None:
        self._inner = inner

    def __call__(self) -> UnitOfWork:
        return _CommitFails(self._inner())  # type: ignore[return-value]

    async def ping(self) -> None:
        await self._inner.ping()


async def outbox(factory: UnitOfWorkFactory) -> list[OutboxEntry]:
    async with factory() as uow:
        return list(await uow.outbox.due(T0.replace(year=2999), 100))


@pytest.fixture
async def seeded(factory: UnitOfWorkFactory) -> UnitOfWorkFactory:
    await add_datasets(factory, make_dataset("qa"))
    await save(factory, make_item("it-1", expected_output="Paris", metadata={"lang": "fr"}))
    return factory


async def test_a_linked_run_item_commits_with_its_event(seeded: UnitOfWorkFactory) -> None:
    runs, queue = service(seeded, seeded)
    run_item, run = await runs.link(
        "prj-a",
        RunItemLink(run_name="nightly", dataset_item_id="it-1", trace_id="t-1", metadata={"v": 2}),
    )
    (entry,) = await outbox(seeded)
    assert entry.event_type == event_type_name(DatasetRunItemsLinked)
    event = msgspec.json.decode(entry.payload, type=DatasetRunItemsLinked)
    assert event.project_id == "prj-a"
    (item,) = event.items
    assert (item.experiment_id, item.experiment_name, item.dataset_id) == (
        RUN_ID,
        "nightly",
        "ds-qa",
    )
    assert (item.item_id, item.trace_id, item.observation_id) == ("it-1", "t-1", "")
    assert (item.item_expected_output, item.item_metadata) == ("Paris", {"lang": "fr"})
    assert item.experiment_metadata == {"v": 2} and item.start_time == run_item.created_at
    assert run.id == RUN_ID
    # Flushed after the commit: its delivery is queued.
    assert [(name, p["entry_id"]) for name, p in queue.pending] == [(DELIVER_EVENT_TASK, entry.id)]


async def test_a_rolled_back_link_leaves_neither_run_item_nor_event(
    seeded: UnitOfWorkFactory,
) -> None:
    runs, queue = service(FailingCommits(seeded), seeded)
    with pytest.raises(StorageUnavailable):
        await runs.link(
            "prj-a", RunItemLink(run_name="nightly", dataset_item_id="it-1", trace_id="t-1")
        )
    assert await outbox(seeded) == []
    assert queue.pending == []
    async with seeded() as uow:
        assert await uow.repository(DatasetRunRepository).get_by_id("prj-a", RUN_ID) is None


async def test_a_link_without_a_trace_raises_no_event(seeded: UnitOfWorkFactory) -> None:
    runs, queue = service(seeded, seeded)
    await runs.link(
        "prj-a", RunItemLink(run_name="nightly", dataset_item_id="it-1", observation_id="o-1")
    )
    async with seeded() as uow:
        items, total = await uow.repository(DatasetRunRepository).items("prj-a", RUN_ID, limit=10)
    assert total == 1 and items[0].observation_id == "o-1"
    assert await outbox(seeded) == [] and queue.pending == []
