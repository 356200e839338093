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
# are built once). Everything that uses the one Redis runs in one group, one test after
# the other. The other end-to-end tests (each starts its own servers on free ports, with
# its own data directory) are split into a few groups of similar length, so the two
# workers share them instead of one worker running all of them after each other.
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
BROWSER_FILES = frozenset(
    {"tests/e2e/test_web_ui.py", "tests/e2e/test_dataset_ui.py", "tests/e2e/test_evals_ui.py"}
)


def _group(path: str) -> str:
    if path in SERIAL_FILES:
        return SERIAL_GROUP
    if path in BROWSER_FILES:
        return "e2e-browser"
    if path.startswith("tests/e2e/test_sdk_"):
        return "e2e-sdk"
    if path.startswith("tests/e2e/"):
        return "e2e-operations"
    return path


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Give every test its xdist group (see ``_group``)."""
    root = config.rootpath
    for item in items:
        item.add_marker(pytest.mark.xdist_group(_group(item.path.relative_to(root).as_posix())))


@pytest.fixture(scope="session")
def chdb_dsn(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The one chDB directory of this test process.

    chDB hosts a single engine path per process while a client is open, so every
    in-process chDB test shares this path and isolates itself by database name.
    """
    return f"chdb://{tmp_path_factory.mktemp('chdb').resolve()}"
