"""HTTP routes of the tracing plugin, one module per resource."""

from spyglass_tracing.api.ingest import INGEST_ROUTES

__all__ = ("ROUTES",)

ROUTES = [*INGEST_ROUTES]
