"""Domain errors become Langfuse's ``{message, error}`` with the right status and headers."""

from __future__ import annotations

from typing import Any

from spyglass.api.errors import EXCEPTION_HANDLERS, STORAGE_RETRY_AFTER_SECONDS
from spyglass_core.domain.errors import (
    DomainError,
    InvalidInput,
    NotFound,
    RateLimited,
    StorageUnavailable,
)


def _answer(error: DomainError) -> Any:
    return EXCEPTION_HANDLERS[DomainError](None, error)


def test_back_pressure_and_outages_tell_the_client_when_to_retry() -> None:
    limited = _answer(RateLimited("queue full", retry_after=3))
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "3"
    down = _answer(StorageUnavailable("db down"))
    assert down.status_code == 503
    assert down.headers["Retry-After"] == str(STORAGE_RETRY_AFTER_SECONDS)
    assert down.content == {"message": "db down", "error": "ServiceUnavailableError"}


def test_client_errors_carry_no_retry_hint() -> None:
    invalid = _answer(InvalidInput("bad", details="field x"))
    assert invalid.status_code == 400 and "Retry-After" not in invalid.headers
    assert invalid.content == {"message": "bad", "error": "field x"}
    assert _answer(NotFound("gone")).status_code == 404
