"""Fixtures shared by every test folder (with the published ``spyglass_adapters.testing``)."""

from __future__ import annotations

import os

import pytest

# The published fixtures (units of work on every adapter, throwaway PostgreSQL databases).
pytest_plugins = ["spyglass_adapters.testing"]

POSTGRES_DSN = os.environ.get(
    "SPYGLASS_TEST_POSTGRES_DSN", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)

# Run with pytest-xdist's ``loadgroup``: each file stays on one worker (its module fixtures
# are built once), and what shares state outside the test process runs on one worker, one
# after the other: the servers and SDK virtualenvs of the e2e tests (also timing-sensitive)
# and everything that uses the one Redis.
SERIAL_GROUP = "serial"
SERIAL_FILES = frozenset(
    {
        "tests/contract/test_task_queue.py",
        "tests/contract/test_cache.py",
        "tests/integration/test_cli.py",
    }
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Give every test its xdist group: ``serial`` or its own file."""
    root = config.rootpath
    for item in items:
        path = item.path.relative_to(root).as_posix()
        serial = path.startswith("tests/e2e/") or path in SERIAL_FILES
        item.add_marker(pytest.mark.xdist_group(SERIAL_GROUP if serial else path))


@pytest.fixture(scope="session")
def chdb_dsn(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The one chDB directory of this test process.

    chDB hosts a single engine path per process while a client is open, so every
    in-process chDB test shares this path and isolates itself by database name.
    """
    return f"chdb://{tmp_path_factory.mktemp('chdb').resolve()}"
