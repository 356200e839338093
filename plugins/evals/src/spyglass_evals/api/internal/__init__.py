"""The evals plugin's project-scoped ``/api/internal`` routes, for the web UI.

Thin controllers over the services the public API uses (same checks, same wire shapes
for single objects); lists answer ``{items, nextCursor}`` as the UI's paged lists read.
"""

from spyglass_evals.api.internal.connections import CONNECTION_ROUTES
from spyglass_evals.api.internal.evaluators import EVALUATOR_ROUTES
from spyglass_evals.api.internal.rules import RULE_ROUTES
from spyglass_evals.api.internal.tools import TOOL_ROUTES

__all__ = ("INTERNAL_ROUTES",)

INTERNAL_ROUTES = [*CONNECTION_ROUTES, *EVALUATOR_ROUTES, *RULE_ROUTES, *TOOL_ROUTES]
