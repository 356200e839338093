"""The ``Locks`` contract on every adapter: in-process, SQLite (a file lock), PostgreSQL.

Beyond one event loop, a holder in another process must exclude this one: that is what
keeps two workers from merging the same project's rows at once.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from spyglass_adapters.memory.locks import InProcessLocks
from spyglass_adapters.sql import SqlLocks, create_engine
from spyglass_core.ports.locks import Locks

HOLD_SECONDS = 1.5


@pytest.fixture
async def sqlite_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'spyglass.db'}")
    yield engine
    await engine.dispose()


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def locks(request: pytest.FixtureRequest) -> Locks:
    if request.param == "memory":
        return InProcessLocks()
    engine_fixture = "sqlite_engine" if request.param == "sqlite" else "postgres_engine"
    return SqlLocks(request.getfixturevalue(engine_fixture))


async def _record(locks: Locks, names: list[str], log: list[str], tag: str) -> None:
    async with locks.hold(names):
        log.append(f"{tag} in")
        await asyncio.sleep(0.05)
        log.append(f"{tag} out")


async def test_overlapping_holders_run_one_after_the_other(locks: Locks) -> None:
    log: list[str] = []
    await asyncio.gather(
        _record(locks, ["a", "b"], log, "first"), _record(locks, ["b", "c"], log, "second")
    )
    assert log in (
        ["first in", "first out", "second in", "second out"],
        ["second in", "second out", "first in", "first out"],
    )


async def test_opposite_orders_do_not_deadlock(locks: Locks) -> None:
    log: list[str] = []
    async with asyncio.timeout(10):
        await asyncio.gather(
            *(
                _record(locks, names, log, str(index))
                for index, names in enumerate([["x", "y"], ["y", "x"]] * 5)
            )
        )
    assert len(log) == 20


async def test_an_exception_releases_the_lock(locks: Locks) -> None:
    with pytest.raises(RuntimeError):
        async with locks.hold(["a"]):
            raise RuntimeError("boom")
    async with asyncio.timeout(5), locks.hold(["a"]):
        pass


async def test_a_cancelled_waiter_leaves_the_lock_usable(locks: Locks) -> None:
    async with locks.hold(["a"]):
        waiter = asyncio.create_task(_record(locks, ["a"], [], "waiter"))
        await asyncio.sleep(0.05)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
    async with asyncio.timeout(5), locks.hold(["a"]):
        pass


async def test_disjoint_names_on_postgres_do_not_wait(postgres_engine: AsyncEngine) -> None:
    pytest.importorskip("asyncpg")
    locks = SqlLocks(postgres_engine)
    entered = asyncio.Event()

    async def other() -> None:
        async with locks.hold(["other"]):
            entered.set()

    async with locks.hold(["mine"]):
        await asyncio.wait_for(other(), timeout=5)
    assert entered.is_set()


_HOLDER = textwrap.dedent(
    """
    import asyncio, sys, time
    from spyglass_adapters.sql import SqlLocks, create_engine

    async def main() -> None:
        engine = create_engine(sys.argv[1])
        async with SqlLocks(engine).hold(["project-1"]):
            print("held", flush=True)
            time.sleep(float(sys.argv[2]))
        await engine.dispose()

    asyncio.run(main())
    """
)


def _start_holder(url: str) -> subprocess.Popen[str]:
    """Another process that takes the lock, says ``held``, and keeps it a while."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, url, str(HOLD_SECONDS)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    return holder


async def _held_by_another_process(url: str) -> subprocess.Popen[str]:
    return await asyncio.to_thread(_start_holder, url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sql_engine(request: pytest.FixtureRequest) -> AsyncEngine:
    engine: AsyncEngine = request.getfixturevalue(f"{request.param}_engine")
    return engine


async def test_a_holder_in_another_process_excludes_this_one(sql_engine: AsyncEngine) -> None:
    engine = sql_engine
    url = engine.url.render_as_string(hide_password=False)
    holder = await _held_by_another_process(url)
    try:
        loop = asyncio.get_running_loop()
        started = loop.time()
        async with asyncio.timeout(HOLD_SECONDS * 5), SqlLocks(engine).hold(["project-1"]):
            waited = loop.time() - started
        assert holder.wait(timeout=10) == 0
        # The other process held the lock for HOLD_SECONDS after saying so.
        assert waited > HOLD_SECONDS * 0.5
    finally:
        holder.kill()
        holder.wait()


async def test_a_dead_holder_releases_its_lock(sqlite_engine: AsyncEngine) -> None:
    url = sqlite_engine.url.render_as_string(hide_password=False)
    holder = await _held_by_another_process(url)
    holder.kill()
    holder.wait()
    async with asyncio.timeout(5), SqlLocks(sqlite_engine).hold(["project-1"]):
        pass
