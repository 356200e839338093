"""Which objects a rule evaluates: deterministic sampling by id.

An object is in a rule's sample when a hash of (rule id, object id) falls below the
rule's sampling rate. The same object is always in or out of the same rule's sample, so a
re-run (a replayed event, a backfill) picks the same objects; different rules sample
independently.
"""

from __future__ import annotations

import hashlib

__all__ = ("in_sample",)

_SPAN = 2**64


def in_sample(rule_id: str, object_id: str, rate: float) -> bool:
    """Whether ``object_id`` is in the sample of ``rule_id`` at ``rate`` (0 to 1)."""
    if rate >= 1:
        return True
    if rate <= 0:
        return False
    digest = hashlib.sha256(f"{rule_id}\x00{object_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") < rate * _SPAN
