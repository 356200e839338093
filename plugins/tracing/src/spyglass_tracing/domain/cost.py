"""Usage and cost: what a generation consumed, which model priced it, and what it cost.

Pure rules, as Langfuse applies them in its worker:

- ``normalize_usage`` turns an ingestion body's ``usage`` (legacy) and ``usageDetails``
  (a flat map of counts or an OpenAI usage object) into one map of counts plus any
  costs the legacy shape carried; ``normalize_cost_details`` cleans ``costDetails``.
- ``match_model`` picks the model definition for a provided model name,
  ``select_tier`` picks the pricing tier for the usage, ``compute_cost`` prices it.
- ``default_models`` is the platform's price table (``project_id`` None).
- ``validate_match_pattern`` guards the regular expressions users send; patterns are
  compiled and matched by ``patterns`` (RE2, linear time, never backtracking).
"""

from __future__ import annotations

import functools
import importlib.resources
import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec

from spyglass_tracing.domain.limits import MAX_COST, MAX_USAGE_COUNT
from spyglass_tracing.domain.models import Model, PricingTier, PricingTierCondition
from spyglass_tracing.domain.patterns import PatternError, compile_pattern, stored_pattern

__all__ = (
    "MAX_MATCH_PATTERN_LENGTH",
    "CostResult",
    "ModelMatcher",
    "compute_cost",
    "default_models",
    "match_model",
    "normalize_cost_details",
    "normalize_usage",
    "select_tier",
    "validate_match_pattern",
)

MAX_MATCH_PATTERN_LENGTH = 200
"""Langfuse's limit on a model's ``matchPattern``."""

_INT_STRING = re.compile(r"\s*\d+\s*")

# OpenAI usage objects: (base input key, base output key, input details, output details).
_CHAT_COMPLETION = (
    "prompt_tokens",
    "completion_tokens",
    "prompt_tokens_details",
    "completion_tokens_details",
)
_RESPONSES = ("input_tokens", "output_tokens", "input_tokens_details", "output_tokens_details")

_LEGACY_COSTS = (("inputCost", "input"), ("outputCost", "output"), ("totalCost", "total"))

_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
    "eq": operator.eq,
    "neq": operator.ne,
}


class CostResult(msgspec.Struct, kw_only=True):
    """Costs per usage type in USD (``total`` included once anything is known), the total
    cost (None when nothing could be priced), and the tier whose prices were applied
    (None when the caller provided the costs or nothing was priced)."""

    cost_details: dict[str, float]
    total_cost: float | None
    tier: PricingTier | None


# --- usage -------------------------------------------------------------------------------


def _count(value: Any) -> int | None:
    """A usage count: a non-negative int, a whole float, or a string of digits."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        value = int(value) if value.is_integer() else None
    elif isinstance(value, str):
        value = int(value) if _INT_STRING.fullmatch(value) else None
    if isinstance(value, int) and 0 <= value <= MAX_USAGE_COUNT:
        return value
    return None


def _amount(value: Any) -> float | None:
    """A cost: a non-negative finite number or numeric string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) and 0 <= number <= MAX_COST else None


def _flat_counts(values: Mapping[Any, Any], skip: Sequence[str] = ()) -> dict[str, int]:
    return {
        str(key): count
        for key, value in values.items()
        if key not in skip and (count := _count(value)) is not None
    }


def _openai_usage(values: Mapping[Any, Any], shape: tuple[str, str, str, str]) -> dict[str, int]:
    """Map an OpenAI usage object to Langfuse's keys, detail tokens taken out of the base.

    Unknown top-level counts are kept under their own names; unknown nested objects dropped.
    """
    input_key, output_key, input_details, output_details = shape
    result = _flat_counts(values, skip=(*shape, "total_tokens"))
    for source, target in ((input_key, "input"), (output_key, "output"), ("total_tokens", "total")):
        count = _count(values.get(source))
        if count is not None:
            result[target] = count
    for details_key, base in ((input_details, "input"), (output_details, "output")):
        details = values.get(details_key)
        if not isinstance(details, Mapping):
            continue
        for key, value in details.items():
            count = _count(value)
            if count is None:
                continue
            result[f"{base}_{key}"] = count
            if base in result:
                result[base] = max(result[base] - count, 0)
    return result


def _usage_details(usage_details: Any) -> dict[str, int]:
    if not isinstance(usage_details, Mapping):
        return {}
    if "prompt_tokens" in usage_details or "completion_tokens" in usage_details:
        return _openai_usage(usage_details, _CHAT_COMPLETION)
    # Anthropic's raw usage also has input_tokens/output_tokens but neither a total nor
    # *_tokens_details; it stays a flat map (its keys are priced as they are).
    if ("input_tokens" in usage_details or "output_tokens" in usage_details) and any(
        key in usage_details for key in ("total_tokens", *_RESPONSES[2:])
    ):
        return _openai_usage(usage_details, _RESPONSES)
    return _flat_counts(usage_details)


def _legacy_usage(usage: Any) -> tuple[dict[str, int], dict[str, float]]:
    if not isinstance(usage, Mapping):
        return {}, {}
    if any(key in usage for key in ("promptTokens", "completionTokens", "totalTokens")):
        sources = ("promptTokens", "completionTokens", "totalTokens")
    else:
        sources = ("input", "output", "total")
    counts = {
        target: count
        for source, target in zip(sources, ("input", "output", "total"), strict=True)
        if (count := _count(usage.get(source))) is not None
    }
    costs = {
        target: amount
        for source, target in _LEGACY_COSTS
        if (amount := _amount(usage.get(source))) is not None
    }
    return counts, costs


def normalize_usage(usage: Any, usage_details: Any) -> tuple[dict[str, int], dict[str, float]]:
    """From an ingestion body's legacy ``usage`` and ``usageDetails`` values (either may be
    ``msgspec.UNSET`` or None, meaning absent) return ``(usage_details, provided_cost_details)``.

    ``usageDetails`` is a flat ``{str: int}`` map (keys kept as given; digit strings and
    whole floats accepted; negative, fractional, non-numeric and nested values silently
    dropped, like Langfuse), an OpenAI chat-completion usage object (``prompt_tokens`` →
    ``input``, ``prompt_tokens_details.cached_tokens`` → ``input_cached_tokens`` …) or an
    OpenAI Responses usage object (``input_tokens`` → ``input`` …); detail tokens are
    subtracted from the base ``input``/``output``, never below 0.

    The legacy ``usage`` (``{input, output, total, inputCost, outputCost, totalCost}`` or
    ``{promptTokens, completionTokens, totalTokens}``) gives ``input``/``output``/``total``
    counts and ``input``/``output``/``total`` costs. Per key, ``usageDetails`` wins. When
    there are counts but no ``total``, ``total`` is the sum of the others.

    The caller merges ``normalize_cost_details(costDetails)`` over the returned costs.
    """
    legacy_counts, costs = _legacy_usage(usage)
    counts = {**legacy_counts, **_usage_details(usage_details)}
    if counts and "total" not in counts:
        counts["total"] = sum(counts.values())
    return counts, costs


def normalize_cost_details(cost_details: Any) -> dict[str, float]:
    """A provided ``costDetails`` map: numeric values (int, float, numeric strings) kept,
    anything else and negative values dropped."""
    if not isinstance(cost_details, Mapping):
        return {}
    return {
        str(key): amount
        for key, value in cost_details.items()
        if (amount := _amount(value)) is not None
    }


# --- model and tier ----------------------------------------------------------------------


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def match_model(
    models: Sequence[Model], model_name: str, project_id: str, at: datetime | None = None
) -> Model | None:
    """The model whose ``match_pattern`` matches ``model_name``, or None.

    Matching is a search (like ``re.search`` and Postgres ``~``, so patterns anchor
    themselves with ``^``/``$``) by RE2, in time linear in the name. Only the project's
    models and the managed ones (``project_id`` None) are considered; project-specific
    ones win over managed ones, then the newest ``start_date`` (None last). Models whose
    ``start_date`` is after ``at`` are ignored, and so are stored patterns RE2 cannot
    compile (logged once): this never raises.
    """
    return ModelMatcher(models, project_id).match(model_name, at)


def _precedence(model: Model) -> tuple[bool, bool, float]:
    # Project models first, then the newest start date, models without one last.
    return (
        model.project_id is None,
        model.start_date is None,
        -_aware(model.start_date).timestamp() if model.start_date is not None else 0.0,
    )


class ModelMatcher:
    """``match_model`` for many names against one price table.

    The worker prices every generation it merges: the candidates are ordered once, and
    the models whose pattern matches a name are searched for once per name (a batch
    names a handful of models), instead of sorting and searching the whole table per
    observation.
    """

    def __init__(self, models: Sequence[Model], project_id: str) -> None:
        # A stable sort, as in match_model: ties keep the table's order.
        self._ordered = sorted(
            (model for model in models if model.project_id in (project_id, None)),
            key=_precedence,
        )
        self._by_name: dict[str, list[Model]] = {}

    def match(self, model_name: str, at: datetime | None = None) -> Model | None:
        """The first model by precedence whose pattern matches and that started by ``at``."""
        matching = self._by_name.get(model_name)
        if matching is None:
            matching = [
                model
                for model in self._ordered
                if (pattern := stored_pattern(model.match_pattern)) is not None
                and pattern.search(model_name)
            ]
            if len(self._by_name) < _MATCHER_NAMES:
                self._by_name[model_name] = matching
        moment = None if at is None else _aware(at)
        for model in matching:
            if moment is None or model.start_date is None or _aware(model.start_date) <= moment:
                return model
        return None


_MATCHER_NAMES = 10_000
"""Names whose matches one matcher remembers (model names come from clients)."""


def _condition_holds(condition: PricingTierCondition, usage: Mapping[str, int]) -> bool:
    compare = _OPERATORS.get(condition.operator.lower())
    pattern = stored_pattern(
        condition.usage_detail_pattern, case_sensitive=condition.case_sensitive
    )
    if compare is None or pattern is None:
        return False
    units = sum(count for key, count in usage.items() if pattern.search(key))
    return compare(units, condition.value)


def select_tier(
    model: Model,
    usage: Mapping[str, int],
    model_parameters: Any = None,
    metadata: Any = None,
) -> PricingTier | None:
    """The pricing tier for this usage: the first conditional tier, by ascending priority,
    whose every condition holds; otherwise the default tier (None if the model has none).

    A condition sums the usage counts whose key matches ``usage_detail_pattern``
    (a search by RE2, case-insensitive unless ``case_sensitive``) and compares the sum with
    ``value`` by ``operator`` (gt, gte, lt, lte, eq, neq). Unknown operators, invalid
    patterns and conditional tiers without conditions never match. ``model_parameters``
    and ``metadata`` are accepted for Langfuse's source-based conditions, which
    ``PricingTierCondition`` does not model yet.
    """
    conditional = sorted(
        (tier for tier in model.pricing_tiers if not tier.is_default and tier.conditions),
        key=lambda tier: tier.priority,
    )
    for tier in conditional:
        if all(_condition_holds(condition, usage) for condition in tier.conditions):
            return tier
    return model.default_tier


def compute_cost(
    usage: Mapping[str, int], provided_cost: Mapping[str, float], tier: PricingTier | None
) -> CostResult:
    """Cost of a generation, by Langfuse's rules.

    Provided costs are authoritative: when any is given nothing is computed; the total is
    the provided ``total``, else the sum of the provided keys (Langfuse sums only when the
    keys are just ``input``/``output`` and leaves the total empty otherwise).

    Otherwise each usage key with a price in ``tier`` costs ``count * price``; the total is
    the cost of the ``total`` key when the tier prices it, else the sum of the costs. With
    no tier or no priced key, ``cost_details`` is empty and ``total_cost`` None. A cost
    above ``MAX_COST`` cannot be stored and is left out.
    """
    provided = {key: float(value) for key, value in provided_cost.items() if value is not None}
    if provided:
        if "total" not in provided:
            provided["total"] = math.fsum(provided.values())
        provided = _storable(provided)
        return CostResult(cost_details=provided, total_cost=provided.get("total"), tier=None)
    if tier is None:
        return CostResult(cost_details={}, total_cost=None, tier=None)
    costs = {key: count * tier.prices[key] for key, count in usage.items() if key in tier.prices}
    if not costs:
        return CostResult(cost_details={}, total_cost=None, tier=None)
    if "total" not in costs:
        costs["total"] = math.fsum(costs.values())
    costs = _storable(costs)
    return CostResult(cost_details=costs, total_cost=costs.get("total"), tier=tier)


def _storable(costs: dict[str, float]) -> dict[str, float]:
    return {key: value for key, value in costs.items() if value <= MAX_COST}


# --- match pattern validation ------------------------------------------------------------


def validate_match_pattern(pattern: str, field: str = "matchPattern") -> str | None:
    """Why ``pattern`` is not an acceptable ``field`` (``matchPattern`` or a condition's
    ``usageDetailPattern``), or None when it is.

    It must be non-empty, at most 200 characters, and compile with RE2 (see
    ``patterns``): matching then takes linear time whatever the pattern, so ``(a+)+``
    or ``^(a|a)*$`` are harmless, while lookarounds, backreferences and the like are
    refused with a message naming the pattern and the construct.
    """
    if not isinstance(pattern, str) or not pattern.strip():
        return f"{field} must not be empty"
    if len(pattern) > MAX_MATCH_PATTERN_LENGTH:
        return f"{field} must be at most {MAX_MATCH_PATTERN_LENGTH} characters"
    try:
        compile_pattern(pattern)
    except PatternError as exc:
        return f"{field} '{pattern}' is not a valid regular expression: {exc.problem}"
    return None


# --- default price table -----------------------------------------------------------------


@functools.cache
def _load_default_models() -> tuple[Model, ...]:
    resource = importlib.resources.files("spyglass_tracing.domain") / "default_models.json"
    return tuple(msgspec.json.decode(resource.read_bytes(), type=list[Model]))


def default_models() -> list[Model]:
    """The platform's managed model definitions (``project_id`` None), USD per token.

    Public list prices of OpenAI, Anthropic, Google (Gemini API, paid tier) and Mistral
    as of 2026, from the providers' pricing pages, for standard (non-batch, non-priority)
    processing. Anthropic cache writes are the 5-minute price (1.25x input) with the
    1-hour price under ``input_cache_creation_1h``; cache reads are 0.1x input. Models
    with long-context surcharges (Gemini 1.5 above 128k, Gemini 2.5 Pro and Claude Sonnet 4
    / 4.5 above 200k input tokens) carry a second tier conditioned on the summed
    ``input*`` counts. Decoded once; the list is fresh, the models are shared, so do not
    mutate them.
    """
    return list(_load_default_models())
