"""The dishka provider of comments and annotation queues (services on the plugin's ports)."""

from __future__ import annotations

from dishka import Provider, Scope, provide

from spyglass_core.ports.clock import Clock
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_tracing.ports.analytics import AnalyticsStore
from spyglass_tracing.services.annotation_completion import AnnotationCompletion
from spyglass_tracing.services.annotation_queues import AnnotationQueueService
from spyglass_tracing.services.comments import CommentService
from spyglass_tracing.services.intake import BatchIntake
from spyglass_tracing.services.queue_items import QueueItemService
from spyglass_tracing.services.score_rules import ScoreConfigChecker

__all__ = ("AnnotationProvider",)


class AnnotationProvider(Provider):
    """APP-scoped: the services hold no request state."""

    scope = Scope.APP

    @provide
    def comments(
        self, uow: UnitOfWorkFactory, clock: Clock, analytics: AnalyticsStore
    ) -> CommentService:
        return CommentService(uow, clock, analytics)

    @provide
    def queues(self, uow: UnitOfWorkFactory, clock: Clock) -> AnnotationQueueService:
        return AnnotationQueueService(uow, clock)

    @provide
    def queue_items(
        self, uow: UnitOfWorkFactory, clock: Clock, analytics: AnalyticsStore
    ) -> QueueItemService:
        return QueueItemService(uow, clock, analytics)

    @provide
    def completion(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        analytics: AnalyticsStore,
        intake: BatchIntake,
        checker: ScoreConfigChecker,
    ) -> AnnotationCompletion:
        """Scores go through the same intake and checker as ``POST /scores``."""
        return AnnotationCompletion(uow, clock, analytics, intake, checker)
