"""The plugin's dishka provider: the secret cipher, the services and the execution runner."""

from __future__ import annotations

from datetime import timedelta

from dishka import AsyncContainer, Provider, Scope, provide

from spyglass_core.hookspecs import PluginConfig
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.llm import LLMClientFactory
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_core.services.evaluator_registry import EvaluatorRegistry
from spyglass_core.services.instance_secrets import instance_secret
from spyglass_evals.crypto import SecretCipher, parse_key
from spyglass_evals.options import EvalsOptions, evals_options
from spyglass_evals.services.backfills import BackfillService
from spyglass_evals.services.cross_feature import CrossFeaturePorts
from spyglass_evals.services.evaluation_rules import EvaluationRuleService
from spyglass_evals.services.evaluators import EvaluatorService
from spyglass_evals.services.executions import ExecutionService
from spyglass_evals.services.executor import EvaluationExecutor
from spyglass_evals.services.llm_connections import LlmConnectionService
from spyglass_evals.services.planning import ExecutionPlanner
from spyglass_evals.services.runner import ExecutionRunner, RunnerOptions

__all__ = ("ENCRYPTION_KEY_SECRET", "EvalsProvider")

# The deployment's own key (64 hex characters) when none is configured.
ENCRYPTION_KEY_SECRET = "evals.encryption_key"


class EvalsProvider(Provider):
    """APP-scoped: the services hold no per-request state."""

    scope = Scope.APP

    @provide
    def options(self, config: PluginConfig) -> EvalsOptions:
        return evals_options(config)

    @provide
    async def cipher(self, uow: UnitOfWorkFactory, options: EvalsOptions) -> SecretCipher:
        """The configured key, else the deployment's: created once, kept in the database
        like the API-key salt so every replica and restart decrypts the same rows."""
        key = options.encryption_key
        if key is None:
            key = parse_key(await instance_secret(uow, ENCRYPTION_KEY_SECRET))
        return SecretCipher(key)

    @provide
    def llm_connections(
        self, uow: UnitOfWorkFactory, clock: Clock, cipher: SecretCipher
    ) -> LlmConnectionService:
        return LlmConnectionService(uow, clock, cipher)

    @provide
    def evaluators(self, uow: UnitOfWorkFactory, clock: Clock) -> EvaluatorService:
        return EvaluatorService(uow, clock)

    @provide
    def evaluation_rules(
        self, uow: UnitOfWorkFactory, clock: Clock, registry: EvaluatorRegistry
    ) -> EvaluationRuleService:
        return EvaluationRuleService(uow, clock, registry)

    @provide
    def ports(self, container: AsyncContainer) -> CrossFeaturePorts:
        return CrossFeaturePorts(container)

    @provide
    def planner(self, uow: UnitOfWorkFactory, clock: Clock) -> ExecutionPlanner:
        return ExecutionPlanner(uow, clock)

    @provide
    def executor(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        registry: EvaluatorRegistry,
        connections: LlmConnectionService,
        llm: LLMClientFactory,
        ports: CrossFeaturePorts,
    ) -> EvaluationExecutor:
        return EvaluationExecutor(uow, clock, registry, connections, llm, ports)

    @provide
    def runner(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        executor: EvaluationExecutor,
        options: EvalsOptions,
    ) -> ExecutionRunner:
        return ExecutionRunner(
            uow,
            clock,
            executor,
            RunnerOptions(
                concurrency=options.concurrency,
                poll_seconds=options.poll_seconds,
                lease=timedelta(seconds=options.lease_seconds),
            ),
        )

    @provide
    def executions(self, uow: UnitOfWorkFactory, ports: CrossFeaturePorts) -> ExecutionService:
        return ExecutionService(uow, ports)

    @provide
    def backfills(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        planner: ExecutionPlanner,
        ports: CrossFeaturePorts,
        runner: ExecutionRunner,
    ) -> BackfillService:
        return BackfillService(uow, clock, planner, ports, runner)
