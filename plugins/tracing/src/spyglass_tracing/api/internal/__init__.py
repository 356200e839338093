"""The tracing plugin's ``/api/internal`` routes: what the web UI reads and writes.

Project-scoped routes live under ``/projects/{project_id:str}/…``; the access guard checks
the caller's role in that project's organization, and ``FromDishka[Principal]`` then names
the project, so these handlers reuse the services behind the public API.
"""

from spyglass_tracing.api.internal.annotation_queues import ANNOTATION_QUEUE_INTERNAL_ROUTES
from spyglass_tracing.api.internal.comments import COMMENT_INTERNAL_ROUTES
from spyglass_tracing.api.internal.media import MEDIA_INTERNAL_ROUTES
from spyglass_tracing.api.internal.metrics import METRICS_INTERNAL_ROUTES
from spyglass_tracing.api.internal.scores import ANNOTATION_SCORE_ROUTES
from spyglass_tracing.api.internal.sessions import SESSION_DETAIL_ROUTES
from spyglass_tracing.api.internal.settings import SETTINGS_ROUTES
from spyglass_tracing.api.internal.trace_detail import TRACE_DETAIL_ROUTES
from spyglass_tracing.api.internal.traces_table import TRACES_TABLE_ROUTES
from spyglass_tracing.api.internal.users import USER_ROUTES
from spyglass_tracing.api.status import STATUS_ROUTES

__all__ = ("INTERNAL_ROUTES",)

INTERNAL_ROUTES = [
    *STATUS_ROUTES,
    # Comments and annotation queues.
    *ANNOTATION_QUEUE_INTERNAL_ROUTES,
    *COMMENT_INTERNAL_ROUTES,
    # Trace and session pages, annotation scores, project settings.
    *TRACE_DETAIL_ROUTES,
    *SESSION_DETAIL_ROUTES,
    *ANNOTATION_SCORE_ROUTES,
    *SETTINGS_ROUTES,
    *METRICS_INTERNAL_ROUTES,
    *MEDIA_INTERNAL_ROUTES,
    # The traces table and the users pages.
    *TRACES_TABLE_ROUTES,
    *USER_ROUTES,
]
