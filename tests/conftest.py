"""Fixtures shared by every test folder."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def chdb_dsn(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The one chDB directory of this test process.

    chDB hosts a single engine path per process while a client is open, so every
    in-process chDB test shares this path and isolates itself by database name.
    """
    return f"chdb://{tmp_path_factory.mktemp('chdb').resolve()}"
