"""HTTP routes of the tracing plugin, one module per resource."""

from spyglass_tracing.api.annotation_queues import ANNOTATION_QUEUE_ROUTES
from spyglass_tracing.api.comments import COMMENT_ROUTES
from spyglass_tracing.api.ingest import INGEST_ROUTES
from spyglass_tracing.api.media import MEDIA_ROUTES
from spyglass_tracing.api.metrics import METRICS_ROUTES
from spyglass_tracing.api.metrics_query import METRICS_QUERY_ROUTES
from spyglass_tracing.api.models import MODEL_ROUTES
from spyglass_tracing.api.observations import OBSERVATION_ROUTES
from spyglass_tracing.api.score_configs import SCORE_CONFIG_ROUTES
from spyglass_tracing.api.scores_read import SCORE_READ_ROUTES
from spyglass_tracing.api.sessions import SESSION_ROUTES
from spyglass_tracing.api.traces import TRACE_ROUTES

__all__ = ("ROUTES",)

ROUTES = [
    *INGEST_ROUTES,
    *TRACE_ROUTES,
    *OBSERVATION_ROUTES,
    *SESSION_ROUTES,
    *SCORE_READ_ROUTES,
    *METRICS_ROUTES,
    *MODEL_ROUTES,
    *SCORE_CONFIG_ROUTES,
    *MEDIA_ROUTES,
    # Comments and annotation queues.
    *COMMENT_ROUTES,
    *ANNOTATION_QUEUE_ROUTES,
    *METRICS_QUERY_ROUTES,
]
