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
def chdb_dsn(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The one chDB directory of this test process.

    chDB hosts a single engine path per process while a client is open, so every
    in-process chDB test shares this path and isolates itself by database name.
    """
    return f"chdb://{tmp_path_factory.mktemp('chdb').resolve()}"
