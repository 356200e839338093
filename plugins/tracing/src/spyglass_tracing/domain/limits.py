"""What the analytics store can hold: values beyond these are dropped at ingestion."""

from __future__ import annotations

__all__ = ("MAX_COST", "MAX_PROMPT_VERSION", "MAX_USAGE_COUNT")

# What the analytics store can hold (ClickHouse UInt64, Decimal64(12), UInt16): values
# beyond these are dropped at ingestion rather than left to fail a whole batch's insert.
MAX_USAGE_COUNT = 2**64 - 1
"""The largest usage count of one usage type."""
MAX_COST = 999_999.0
"""The largest cost in USD of one usage type of one observation."""
MAX_PROMPT_VERSION = 65_535
"""The largest prompt version an observation may link to."""
