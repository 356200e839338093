"""The plugin's tests use Spyglass's published contract fixtures."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from spyglass_notes.storage.spec import storage_spec

from spyglass_core.hookspecs import StorageSpec

pytest_plugins = ["spyglass_adapters.testing"]


@pytest.fixture(scope="session")
def storage_specs() -> Sequence[StorageSpec]:
    """This plugin's storage, migrated after core's as the host does."""
    return [storage_spec()]
