"""Shared fixtures of the contract suites: the published ``spyglass_adapters.testing`` ones.

Units of work for every transactional adapter (memory, SQLite, PostgreSQL) come from the
fixtures third-party plugins use; here they carry every first-party plugin's storage.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import pytest

from spyglass_core.hookspecs import StorageSpec
from spyglass_prompts.storage.spec import storage_spec as prompts_storage
from spyglass_tracing.storage.spec import storage_spec as tracing_storage

REDIS_URL = os.environ.get("SPYGLASS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def storage_specs() -> Sequence[StorageSpec]:
    """The first-party plugins' storage, as the host collects it."""
    return [prompts_storage(), tracing_storage()]


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis the contract suites use (keys are namespaced per test)."""
    return REDIS_URL
