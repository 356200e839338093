"""Domain errors cross a process boundary intact (OTLP decoding runs in another process)."""

from __future__ import annotations

import pickle

import pytest

from spyglass_core.domain import errors
from spyglass_core.domain.errors import DomainError, InvalidInput, RateLimited

ERROR_CLASSES = [getattr(errors, name) for name in errors.__all__]


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda cls: cls.__name__)
def test_every_domain_error_pickles_with_its_message_and_details(cls: type[DomainError]) -> None:
    error = cls("it broke") if cls is RateLimited else cls("it broke", details={"at": [1, 2]})
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is cls
    assert (copy.message, str(copy), copy.details) == (error.message, str(error), error.details)


def test_invalid_input_keeps_string_details_and_rate_limited_its_retry_after() -> None:
    invalid = pickle.loads(pickle.dumps(InvalidInput("Invalid content type", details="why")))
    assert (invalid.message, invalid.details) == ("Invalid content type", "why")
    limited = pickle.loads(pickle.dumps(RateLimited("slow down", retry_after=7)))
    assert (limited.message, limited.retry_after) == ("slow down", 7)
