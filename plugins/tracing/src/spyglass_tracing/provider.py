"""The plugin's dishka provider: ingestion, processing and read services on core ports."""

from __future__ import annotations

from collections.abc import AsyncIterator

from dishka import Provider, Scope, provide

from spyglass_core.hookspecs import PluginConfig
from spyglass_core.ports.blob_store import BlobStore
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.event_publisher import EventPublisher
from spyglass_core.ports.locks import Locks
from spyglass_core.ports.task_queue import TaskQueue
from spyglass_core.ports.traces import LLMCallTracer, ScoreWriter, TraceReader
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_tracing.options import TracingOptions, tracing_options
from spyglass_tracing.ports.analytics import AnalyticsStore
from spyglass_tracing.services.annotation_scores import AnnotationScores
from spyglass_tracing.services.backlog import IngestionBacklog
from spyglass_tracing.services.cross_feature import (
    AnalyticsTraceReader,
    IngestingLLMCallTracer,
    IngestingScoreWriter,
)
from spyglass_tracing.services.dashboard import ProjectDashboard
from spyglass_tracing.services.dead_letters import DeadLetters
from spyglass_tracing.services.deletion import DeletedTraces
from spyglass_tracing.services.erasure import RawEraser
from spyglass_tracing.services.intake import BatchIntake
from spyglass_tracing.services.media import MediaService
from spyglass_tracing.services.metrics_query import MetricsQueries
from spyglass_tracing.services.models import ModelService
from spyglass_tracing.services.otlp_decoding import OtlpDecoder
from spyglass_tracing.services.prices import PriceBook
from spyglass_tracing.services.processing import BatchProcessor, RetryPolicy
from spyglass_tracing.services.project_settings import ProjectSettings
from spyglass_tracing.services.reads import TracingReads
from spyglass_tracing.services.recovery import PendingSweep
from spyglass_tracing.services.score_configs import ScoreConfigService
from spyglass_tracing.services.score_rules import ScoreConfigChecker
from spyglass_tracing.services.ui_detail import UiDetailReads
from spyglass_tracing.services.ui_reads import UiReads

__all__ = ("TracingProvider",)


class TracingProvider(Provider):
    """APP-scoped: one processor (and its lock) per process."""

    scope = Scope.APP

    @provide
    def options(self, config: PluginConfig) -> TracingOptions:
        return tracing_options(config)

    @provide
    def price_book(
        self, uow: UnitOfWorkFactory, clock: Clock, options: TracingOptions
    ) -> PriceBook:
        return PriceBook(uow, clock, options.model_cache_seconds)

    @provide
    def backlog(self) -> IngestionBacklog:
        """Shared by the intake (which refuses past its bound) and the processor."""
        return IngestionBacklog()

    @provide
    def intake(
        self,
        uow: UnitOfWorkFactory,
        blobs: BlobStore,
        queue: TaskQueue,
        clock: Clock,
        options: TracingOptions,
        backlog: IngestionBacklog,
    ) -> BatchIntake:
        return BatchIntake(uow, blobs, queue, clock, options, backlog=backlog)

    @provide
    async def otlp_decoder(self, options: TracingOptions) -> AsyncIterator[OtlpDecoder]:
        """The OTLP decoding processes; stopped when the container closes."""
        decoder = OtlpDecoder(
            workers=options.otlp_decode_workers,
            max_pending=options.otlp_decode_queue,
            retry_after_seconds=options.retry_after_seconds,
        )
        yield decoder
        await decoder.close()

    @provide
    def processor(
        self,
        uow: UnitOfWorkFactory,
        blobs: BlobStore,
        analytics: AnalyticsStore,
        prices: PriceBook,
        clock: Clock,
        events: EventPublisher,
        locks: Locks,
        options: TracingOptions,
        deleted: DeletedTraces,
        backlog: IngestionBacklog,
    ) -> BatchProcessor:
        retry = RetryPolicy(
            max_attempts=max(options.max_attempts, 1),
            backoff_seconds=options.retry_backoff_seconds,
        )
        return BatchProcessor(
            uow,
            blobs,
            analytics,
            prices,
            clock,
            events,
            locks,
            deleted=deleted,
            retry=retry,
            backlog=backlog,
        )

    @provide
    def deleted_traces(
        self, uow: UnitOfWorkFactory, analytics: AnalyticsStore, queue: TaskQueue, clock: Clock
    ) -> DeletedTraces:
        return DeletedTraces(uow, analytics, queue, clock)

    @provide
    def eraser(
        self,
        uow: UnitOfWorkFactory,
        blobs: BlobStore,
        analytics: AnalyticsStore,
        clock: Clock,
        options: TracingOptions,
    ) -> RawEraser:
        return RawEraser(uow, blobs, analytics, clock, options)

    @provide
    def sweep(
        self,
        uow: UnitOfWorkFactory,
        intake: BatchIntake,
        queue: TaskQueue,
        clock: Clock,
        options: TracingOptions,
        blobs: BlobStore,
        deleted: DeletedTraces,
        eraser: RawEraser,
    ) -> PendingSweep:
        return PendingSweep(
            uow, intake, queue, clock, options, blobs, deleted=deleted, eraser=eraser
        )

    @provide
    def score_checker(self, uow: UnitOfWorkFactory) -> ScoreConfigChecker:
        return ScoreConfigChecker(uow)

    @provide
    def model_service(
        self, uow: UnitOfWorkFactory, clock: Clock, prices: PriceBook
    ) -> ModelService:
        return ModelService(uow, clock, prices)

    @provide
    def score_config_service(self, uow: UnitOfWorkFactory, clock: Clock) -> ScoreConfigService:
        return ScoreConfigService(uow, clock)

    @provide
    def media_service(
        self,
        uow: UnitOfWorkFactory,
        blobs: BlobStore,
        clock: Clock,
        options: TracingOptions,
    ) -> MediaService:
        return MediaService(uow, blobs, clock, options)

    @provide
    def reads(self, analytics: AnalyticsStore) -> TracingReads:
        return TracingReads(analytics)

    @provide
    def trace_reader(self, analytics: AnalyticsStore) -> TraceReader:
        """Core's cross-feature port: other features read traces through it."""
        return AnalyticsTraceReader(analytics)

    @provide
    def score_writer(self, intake: BatchIntake, checker: ScoreConfigChecker) -> ScoreWriter:
        """Core's cross-feature port: other features (evaluations) write scores through it."""
        return IngestingScoreWriter(intake, checker)

    @provide
    def llm_call_tracer(self, intake: BatchIntake) -> LLMCallTracer:
        """Core's cross-feature port: features trace their own model calls through it."""
        return IngestingLLMCallTracer(intake)

    @provide
    def dead_letters(
        self, uow: UnitOfWorkFactory, blobs: BlobStore, intake: BatchIntake
    ) -> DeadLetters:
        return DeadLetters(uow, blobs, intake)

    # --- the web UI's detail pages, annotations and settings -----------------------------

    @provide
    def ui_detail_reads(self, analytics: AnalyticsStore) -> UiDetailReads:
        return UiDetailReads(analytics)

    @provide
    def annotation_scores(
        self,
        intake: BatchIntake,
        checker: ScoreConfigChecker,
        analytics: AnalyticsStore,
        clock: Clock,
    ) -> AnnotationScores:
        return AnnotationScores(intake, checker, analytics, clock)

    @provide
    def project_settings(
        self, configs: ScoreConfigService, models: ModelService
    ) -> ProjectSettings:
        return ProjectSettings(configs, models)

    @provide
    def metrics_queries(self, analytics: AnalyticsStore) -> MetricsQueries:
        return MetricsQueries(analytics)

    @provide
    def project_dashboard(self, queries: MetricsQueries) -> ProjectDashboard:
        return ProjectDashboard(queries)

    # --- the web UI's lists (traces table, users) -------------------------------------

    @provide
    def ui_reads(self, analytics: AnalyticsStore) -> UiReads:
        return UiReads(analytics)
