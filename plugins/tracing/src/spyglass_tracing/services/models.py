"""Model definitions of a project: create, read, list, delete; the platform's are read-only."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime

from spyglass_core.domain.errors import InvalidInput, NotFound
from spyglass_core.domain.ids import new_id
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_tracing.admin_schemas import CreateModelRequest, PricingTierInput
from spyglass_tracing.domain.cost import validate_match_pattern
from spyglass_tracing.domain.models import Model, PricingTier, PricingTierCondition
from spyglass_tracing.ports.repositories import ModelRepository
from spyglass_tracing.services.prices import PriceBook

__all__ = ("DEFAULT_TIER_NAME", "MODEL_UNITS", "ModelService", "build_model")

DEFAULT_TIER_NAME = "Standard"
"""The default tier that flat ``inputPrice``/``outputPrice``/``totalPrice`` create."""

MODEL_UNITS = frozenset({"TOKENS", "CHARACTERS", "MILLISECONDS", "SECONDS", "IMAGES", "REQUESTS"})
TOKENIZERS = frozenset({"openai", "claude"})
CONDITION_OPERATORS = frozenset({"gt", "gte", "lt", "lte", "eq", "neq"})


class ModelService:
    """A project's model prices; every write clears the project's cached price table."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, prices: PriceBook) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._prices = prices

    async def create(self, project_id: str, request: CreateModelRequest) -> Model:
        """Store a new model of the project.

        Raises:
            InvalidInput: a rule of ``build_model`` is broken.
            Conflict: the project has a model with this name, start date and unit.
        """
        model = build_model(project_id, request, self._clock.now())
        async with self._uow_factory() as uow:
            await uow.repository(ModelRepository).add(model)
            created = await uow.repository(ModelRepository).get(project_id, model.id)
            await uow.commit()
        self._prices.invalidate(project_id)
        assert created is not None
        return created

    async def get(self, project_id: str, model_id: str) -> Model:
        """One of the project's models or a managed one. Raises: NotFound."""
        async with self._uow_factory() as uow:
            model = await uow.repository(ModelRepository).get(project_id, model_id)
        if model is None:
            raise NotFound(f"Model '{model_id}' not found")
        return model

    async def list(self, project_id: str, *, page: int, limit: int) -> tuple[Sequence[Model], int]:
        """The project's models, then the managed ones; and how many there are in all."""
        async with self._uow_factory() as uow:
            return await uow.repository(ModelRepository).list(
                project_id, offset=(page - 1) * limit, limit=limit
            )

    async def delete(self, project_id: str, model_id: str) -> None:
        """Delete one of the project's own models. Raises: NotFound (also for managed ones)."""
        async with self._uow_factory() as uow:
            deleted = await uow.repository(ModelRepository).delete(project_id, model_id)
            await uow.commit()
        if not deleted:
            raise NotFound(f"Model '{model_id}' not found")
        self._prices.invalidate(project_id)


def build_model(project_id: str, request: CreateModelRequest, now: datetime) -> Model:
    """The model a create request describes, with new ids.

    Rules: a non-empty ``modelName``; a ``matchPattern`` and conditions'
    ``usageDetailPattern`` that pass ``validate_match_pattern`` (RE2 compiles them, so
    matching takes linear time); a known ``unit`` (``TOKENS`` when absent) and
    ``tokenizerId``; finite, non-negative prices; flat prices or tiers, not both; and
    for tiers, exactly one default tier (priority 0, no conditions), unique names and
    priorities, at least one price each, and at least one condition on every other tier.

    Raises:
        InvalidInput: a rule is broken; the message says which.
    """
    name = request.model_name.strip()
    if not name:
        raise InvalidInput("modelName must not be empty")
    if problem := validate_match_pattern(request.match_pattern):
        raise InvalidInput(problem)
    unit = request.unit or "TOKENS"
    if unit not in MODEL_UNITS:
        raise InvalidInput(f"unit must be one of {', '.join(sorted(MODEL_UNITS))}")
    if request.tokenizer_id is not None and request.tokenizer_id not in TOKENIZERS:
        raise InvalidInput(f"tokenizerId must be one of {', '.join(sorted(TOKENIZERS))}")
    start_date = request.start_date
    if start_date is not None and start_date.tzinfo is None:
        start_date = start_date.replace(tzinfo=UTC)
    return Model(
        id=new_id(),
        project_id=project_id,
        model_name=name,
        match_pattern=request.match_pattern,
        start_date=start_date,
        unit=unit,
        tokenizer_id=request.tokenizer_id,
        tokenizer_config=request.tokenizer_config,
        pricing_tiers=_tiers(request),
        created_at=now,
        updated_at=now,
    )


def _tiers(request: CreateModelRequest) -> list[PricingTier]:
    flat = {
        "input": request.input_price,
        "output": request.output_price,
        "total": request.total_price,
    }
    given = {usage: price for usage, price in flat.items() if price is not None}
    if request.pricing_tiers is None:
        _check_prices(given, DEFAULT_TIER_NAME)
        return [
            PricingTier(
                id=new_id(), name=DEFAULT_TIER_NAME, is_default=True, priority=0, prices=given
            )
        ]
    if given:
        raise InvalidInput(
            "Provide either flat prices (inputPrice, outputPrice, totalPrice) "
            "or pricingTiers, not both"
        )
    tiers = request.pricing_tiers
    defaults = [tier for tier in tiers if tier.is_default]
    if len(defaults) != 1:
        raise InvalidInput(
            f"pricingTiers must include exactly one default tier (isDefault true), "
            f"got {len(defaults)}"
        )
    names = [tier.name.strip() for tier in tiers]
    if len(set(names)) != len(names):
        raise InvalidInput("Pricing tier names must be unique within the model")
    priorities = [tier.priority for tier in tiers]
    if len(set(priorities)) != len(priorities):
        raise InvalidInput("Pricing tier priorities must be unique within the model")
    return [_tier(tier) for tier in tiers]


def _tier(tier: PricingTierInput) -> PricingTier:
    name = tier.name.strip()
    if not name:
        raise InvalidInput("A pricing tier needs a name")
    if tier.is_default and (tier.priority != 0 or tier.conditions):
        raise InvalidInput(f"The default tier '{name}' must have priority 0 and no conditions")
    if not tier.is_default:
        if tier.priority < 1:
            raise InvalidInput(f"Pricing tier '{name}' needs a priority of 1 or more")
        if not tier.conditions:
            raise InvalidInput(f"Pricing tier '{name}' is not the default and needs a condition")
    if not tier.prices:
        raise InvalidInput(f"Pricing tier '{name}' must define at least one price")
    _check_prices(tier.prices, name)
    conditions = []
    for condition in tier.conditions:
        if condition.operator not in CONDITION_OPERATORS:
            raise InvalidInput(
                f"Pricing tier '{name}': operator must be one of "
                f"{', '.join(sorted(CONDITION_OPERATORS))}"
            )
        if problem := validate_match_pattern(condition.usage_detail_pattern, "usageDetailPattern"):
            raise InvalidInput(f"Pricing tier '{name}': {problem}")
        if not math.isfinite(condition.value):
            raise InvalidInput(f"Pricing tier '{name}': a condition's value must be finite")
        conditions.append(
            PricingTierCondition(
                usage_detail_pattern=condition.usage_detail_pattern,
                operator=condition.operator,
                value=condition.value,
                case_sensitive=condition.case_sensitive,
            )
        )
    return PricingTier(
        id=new_id(),
        name=name,
        is_default=tier.is_default,
        priority=tier.priority,
        conditions=conditions,
        prices=dict(tier.prices),
    )


def _check_prices(prices: dict[str, float], tier_name: str) -> None:
    for usage_type, price in prices.items():
        if not usage_type.strip():
            raise InvalidInput(f"Pricing tier '{tier_name}': a usage type must not be empty")
        if not math.isfinite(price) or price < 0:
            raise InvalidInput(
                f"Pricing tier '{tier_name}': the price of '{usage_type}' must be a "
                f"non-negative number"
            )
