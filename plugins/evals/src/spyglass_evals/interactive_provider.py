"""The dishka provider of the interactive features: the evaluator preview and the
prompt playground (kept apart from ``provider.py``, which holds the stored features)."""

from __future__ import annotations

from dishka import Provider, Scope, provide

from spyglass_core.ports.clock import Clock
from spyglass_core.ports.llm import LLMClientFactory
from spyglass_evals.services.evaluators import EvaluatorService
from spyglass_evals.services.llm_connections import LlmConnectionService
from spyglass_evals.services.model_access import ModelAccess
from spyglass_evals.services.playground import Playground
from spyglass_evals.services.preview import EvaluatorPreview

__all__ = ("InteractiveProvider",)


class InteractiveProvider(Provider):
    """APP-scoped: the services hold no per-request state. The trace reader and the
    call tracer are resolved per request by the routes, so evals starts without the
    plugin that provides them."""

    scope = Scope.APP

    @provide
    def model_access(
        self, connections: LlmConnectionService, factory: LLMClientFactory
    ) -> ModelAccess:
        return ModelAccess(connections, factory)

    @provide
    def preview(self, evaluators: EvaluatorService, models: ModelAccess) -> EvaluatorPreview:
        return EvaluatorPreview(evaluators, models)

    @provide
    def playground(self, models: ModelAccess, clock: Clock) -> Playground:
        return Playground(models, clock)
