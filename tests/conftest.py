"""Fixtures shared by every test folder (with the published ``spyglass_adapters.testing``)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# The published fixtures (units of work on every adapter, throwaway PostgreSQL databases).
pytest_plugins = ["spyglass_adapters.testing"]

POSTGRES_DSN = os.environ.get(
    "SPYGLASS_TEST_POSTGRES_DSN", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)

# Run with pytest-xdist's ``loadgroup``: each file stays on one worker (its module fixtures
# are built once), and everything that uses the one Redis runs in one group, one test
# after the other (they share streams and databases).
SERIAL_GROUP = "serial"
SERIAL_FILES = frozenset(
    {
        "tests/contract/test_task_queue.py",
        "tests/contract/test_cache.py",
        "tests/integration/test_cli.py",
        "tests/e2e/test_scale_out_services.py",
        "tests/e2e/test_two_workers.py",
        "tests/e2e/test_worker_sigterm.py",
    }
)


# The browser files run one after the other too: each drives a Chromium beside its own
# server, and side by side on the two cores they only slow each other down.
BROWSER_GROUP = "browser"
BROWSER_FILES = frozenset(
    {"tests/e2e/test_web_ui.py", "tests/e2e/test_dataset_ui.py", "tests/e2e/test_evals_ui.py"}
)


def _group(path: str) -> str:
    if path in SERIAL_FILES:
        return SERIAL_GROUP
    return BROWSER_GROUP if path in BROWSER_FILES else path


# tryfirst: xdist's worker reads the groups in its own pytest_collection_modifyitems;
# a test without one when it looks is a group of its own (see the pytest pin too).
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Give every test its xdist group (see ``_group``)."""
    root = config.rootpath
    for item in items:
        item.add_marker(pytest.mark.xdist_group(_group(item.path.relative_to(root).as_posix())))


@pytest.fixture(scope="session")
def chdb_dsn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The one chDB directory of this test process.

    chDB hosts a single engine path per process while a client is open, so every
    in-process chDB test shares this path and isolates itself by database name.

    One client stays open for the whole session, as a server's does. Otherwise each test
    that closed the last client shut the engine down and the next one started it again,
    and every restart left the old engine's threads behind: after a few hundred tests a
    worker held thousands of them and migrating one database took 2-5 s instead of 0.3.
    The client starts the engine with the settings a server would give it.
    """
    import clickhouse_connect

    from spyglass_adapters.clickhouse.embedded import import_chdb, server_settings

    dsn = f"chdb://{tmp_path_factory.mktemp('chdb').resolve()}"
    import_chdb()
    keeper = clickhouse_connect.get_client(dsn=dsn, chdb_options=server_settings())
    try:
        yield dsn
    finally:
        keeper.close()
