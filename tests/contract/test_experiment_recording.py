"""``ExperimentRecorder`` over memory, SQLite and PostgreSQL: idempotent, concurrent-safe."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from spyglass_core.domain.events import ExperimentItemRan
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_datasets.ports import DatasetRunRepository
from spyglass_datasets.services.experiments import ExperimentRecorder
from tests.contract import test_dataset_repositories as repositories
from tests.contract.test_dataset_repositories import T0, add_datasets, make_dataset

# The repository suite's backends and seeded projects, shared as its fixtures.
storage_specs = repositories.storage_specs
postgres_url = repositories.postgres_url
factory = repositories.factory


def ran(
    item_id: str, n: int, *, experiment: str = "exp0000000000001", **fields: object
) -> ExperimentItemRan:
    values: dict[str, object] = {
        "experiment_id": experiment,
        "experiment_name": "baseline",
        "dataset_id": "ds-qa",
        "item_id": item_id,
        "trace_id": f"{n:032x}",
        "observation_id": f"{n:016x}",
        "start_time": T0 + timedelta(seconds=n),
        "end_time": T0 + timedelta(seconds=n + 1),
    }
    return ExperimentItemRan(**(values | fields))  # type: ignore[arg-type]


async def run_items(factory: UnitOfWorkFactory, run_id: str) -> list[tuple[str, str | None]]:
    async with factory() as uow:
        items, _ = await uow.repository(DatasetRunRepository).items("prj-a", run_id, limit=100)
    return [(i.dataset_item_id, i.trace_id) for i in items]


async def test_recording_twice_records_each_item_once(factory: UnitOfWorkFactory) -> None:
    await add_datasets(factory, make_dataset("qa"))
    recorder = ExperimentRecorder(factory)
    items = [ran("it-1", 1), ran("it-2", 2)]
    assert await recorder.record("prj-a", items) == 2
    assert await recorder.record("prj-a", items) == 0
    assert await run_items(factory, "exp0000000000001") == [
        ("it-1", f"{1:032x}"),
        ("it-2", f"{2:032x}"),
    ]
    async with factory() as uow:
        run = await uow.repository(DatasetRunRepository).get_by_id("prj-a", "exp0000000000001")
    assert run is not None and run.name == "baseline" and run.dataset_id == "ds-qa"


async def test_concurrent_recordings_of_one_new_run_both_land(factory: UnitOfWorkFactory) -> None:
    await add_datasets(factory, make_dataset("qa"))
    first, second = ExperimentRecorder(factory), ExperimentRecorder(factory)
    await asyncio.gather(
        first.record("prj-a", [ran("it-1", 1)]), second.record("prj-a", [ran("it-2", 2)])
    )
    assert sorted(await run_items(factory, "exp0000000000001")) == [
        ("it-1", f"{1:032x}"),
        ("it-2", f"{2:032x}"),
    ]


async def test_items_without_a_dataset_of_the_project_are_skipped(
    factory: UnitOfWorkFactory,
) -> None:
    await add_datasets(factory, make_dataset("qa"))
    recorder = ExperimentRecorder(factory)
    assert await recorder.record("prj-a", [ran("x", 1, dataset_id=None)]) == 0
    assert await recorder.record("prj-a", [ran("x", 2, dataset_id="ds-nope")]) == 0
    assert await recorder.record("prj-b", [ran("x", 3)]) == 0  # ds-qa is prj-a's
    assert await run_items(factory, "exp0000000000001") == []


async def test_an_experiment_id_of_another_datasets_run_is_not_reused(
    factory: UnitOfWorkFactory,
) -> None:
    await add_datasets(factory, make_dataset("qa"), make_dataset("other"))
    recorder = ExperimentRecorder(factory)
    assert await recorder.record("prj-a", [ran("it-1", 1)]) == 1
    # The same experiment id claims the other dataset: its items must not join qa's run.
    assert await recorder.record("prj-a", [ran("it-9", 9, dataset_id="ds-other")]) == 0
    assert await run_items(factory, "exp0000000000001") == [("it-1", f"{1:032x}")]
