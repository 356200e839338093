"""Key pairs in the Langfuse format; the secret is known only by its salted hash."""

from __future__ import annotations

import pytest

from spyglass_core.domain.api_keys import (
    display_secret,
    fast_hash,
    generate_key_pair,
    validate_key_pair,
)
from spyglass_core.domain.errors import InvalidInput


def test_generated_pairs_have_langfuse_prefixes_and_are_unique() -> None:
    pairs = [generate_key_pair() for _ in range(50)]
    assert all(
        p.public_key.startswith("pk-lf-") and p.secret_key.startswith("sk-lf-") for p in pairs
    )
    assert len({p.secret_key for p in pairs}) == 50


def test_fast_hash_depends_on_the_salt_and_is_stable() -> None:
    assert fast_hash("sk-lf-1", "a") == fast_hash("sk-lf-1", "a")
    assert fast_hash("sk-lf-1", "a") != fast_hash("sk-lf-1", "b")
    assert "sk-lf-1" not in fast_hash("sk-lf-1", "a")


def test_display_secret_shows_only_the_last_four() -> None:
    assert display_secret("sk-lf-abcdef123456") == "sk-lf-...3456"


@pytest.mark.parametrize(
    ("public", "secret"),
    [
        ("pk-x", "sk-lf-1"),
        ("pk-lf-1", "sk-x"),
        ("pk-lf-", "sk-lf-1"),
        ("pk-lf-" + "a" * 300, "sk-lf-1"),
    ],
)
def test_chosen_pairs_are_validated(public: str, secret: str) -> None:
    with pytest.raises(InvalidInput):
        validate_key_pair(public, secret)
