"""Model prices: which model a generation used and what each unit of usage costs.

A ``Model`` matches provided model names with a regular expression (``match_pattern``,
case-insensitive with ``(?i)``, as Langfuse writes them), matched by RE2 in linear time
(``patterns``). Its prices live in pricing tiers: exactly one default tier (priority 0,
no conditions) plus optional conditional tiers, evaluated by ascending priority. Models
without a ``project_id`` are the platform's defaults ("Langfuse-managed"); a project's
own model wins over them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

__all__ = ("Model", "PricingTier", "PricingTierCondition")


class PricingTierCondition(msgspec.Struct, kw_only=True, rename="camel"):
    """A tier applies when the usage keys matching ``usage_detail_pattern`` sum to
    something that compares with ``value`` by ``operator`` (gt, gte, lt, lte, eq, neq)."""

    usage_detail_pattern: str
    operator: str
    value: float
    case_sensitive: bool = False


class PricingTier(msgspec.Struct, kw_only=True):
    """Prices per usage type (``input``, ``output``, ``input_cached_tokens`` …) in USD per unit."""

    id: str
    name: str
    is_default: bool
    priority: int
    conditions: list[PricingTierCondition] = []
    prices: dict[str, float] = {}


class Model(msgspec.Struct, kw_only=True):
    """A model definition with its pricing tiers; ``project_id`` None means platform default."""

    id: str
    model_name: str
    match_pattern: str
    project_id: str | None = None
    start_date: datetime | None = None
    unit: str | None = "TOKENS"
    tokenizer_id: str | None = None
    tokenizer_config: Any = None
    pricing_tiers: list[PricingTier] = []
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def is_managed(self) -> bool:
        """True for the platform's default models, which projects cannot delete."""
        return self.project_id is None

    @property
    def default_tier(self) -> PricingTier | None:
        """The tier used when no conditional tier matches."""
        return next((tier for tier in self.pricing_tiers if tier.is_default), None)
