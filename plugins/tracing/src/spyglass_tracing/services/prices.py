"""Cost of observations: the project's price table, cached, applied to merged rows."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from spyglass_core.domain.tracing import Observation
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_tracing.domain.cost import ModelMatcher, compute_cost, select_tier
from spyglass_tracing.domain.models import Model
from spyglass_tracing.ports.repositories import ModelRepository

__all__ = ("PriceBook", "with_cost")


class PriceBook:
    """Each project's candidate models, reloaded after ``ttl_seconds``.

    The worker prices thousands of observations a second, so the table is read once per
    project and period rather than per observation; model writes through this process
    call ``invalidate`` so they apply at once here, and within the TTL elsewhere.
    """

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, ttl_seconds: float) -> None:
        self._uow = uow
        self._clock = clock
        self._ttl = ttl_seconds
        self._cached: dict[str, tuple[float, Sequence[Model]]] = {}
        self._matchers: dict[str, tuple[Sequence[Model], ModelMatcher]] = {}

    async def models(self, project_id: str) -> Sequence[Model]:
        """Every model usable for matching in the project."""
        hit = self._cached.get(project_id)
        if hit is not None and self._clock.monotonic() - hit[0] < self._ttl:
            return hit[1]
        async with self._uow() as uow:
            models = await uow.repository(ModelRepository).candidates(project_id)
        self._cached[project_id] = (self._clock.monotonic(), models)
        return models

    async def matcher(self, project_id: str) -> ModelMatcher:
        """A matcher over the project's current table, reused while the table is."""
        models = await self.models(project_id)
        hit = self._matchers.get(project_id)
        if hit is not None and hit[0] is models:
            return hit[1]
        matcher = ModelMatcher(models, project_id)
        self._matchers[project_id] = (models, matcher)
        return matcher

    def invalidate(self, project_id: str | None = None) -> None:
        """Forget one project's table (or all)."""
        if project_id is None:
            self._cached.clear()
        else:
            self._cached.pop(project_id, None)


def with_cost(observation: Observation, models: ModelMatcher) -> Observation:
    """The observation with its matched model (among its project's) and its cost.

    Costs the caller gave win; otherwise usage is priced with the matched model's tier.
    """
    model = None
    if observation.provided_model_name:
        model = models.match(observation.provided_model_name, at=observation.start_time)
    usage = observation.usage_details
    provided = observation.provided_cost_details
    if not provided and (model is None or not usage):
        return msgspec.structs.replace(observation, internal_model_id=model.id if model else None)
    tier = None
    if not provided and model is not None:
        tier = select_tier(model, usage, observation.model_parameters, observation.metadata)
    result = compute_cost(usage, provided, tier)
    return msgspec.structs.replace(
        observation,
        internal_model_id=model.id if model else None,
        cost_details=result.cost_details,
        total_cost=result.total_cost,
    )
