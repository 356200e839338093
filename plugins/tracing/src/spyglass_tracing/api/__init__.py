"""HTTP routes of the tracing plugin, one module per resource."""

from spyglass_tracing.api.ingest import INGEST_ROUTES
from spyglass_tracing.api.media import MEDIA_ROUTES
from spyglass_tracing.api.models import MODEL_ROUTES
from spyglass_tracing.api.score_configs import SCORE_CONFIG_ROUTES

__all__ = ("ROUTES",)

ROUTES = [*INGEST_ROUTES, *MODEL_ROUTES, *SCORE_CONFIG_ROUTES, *MEDIA_ROUTES]
