"""The tracing plugin's ``/api/internal`` routes: what the web UI reads and writes.

Project-scoped routes live under ``/projects/{project_id:str}/…``; the access guard checks
the caller's role in that project's organization, and ``FromDishka[Principal]`` then names
the project, so these handlers reuse the services behind the public API.
"""

from spyglass_tracing.api.internal.traces_table import TRACES_TABLE_ROUTES
from spyglass_tracing.api.internal.users import USER_ROUTES
from spyglass_tracing.api.status import STATUS_ROUTES

__all__ = ("INTERNAL_ROUTES",)

INTERNAL_ROUTES = [
    *STATUS_ROUTES,
    # The traces table and the users pages.
    *TRACES_TABLE_ROUTES,
    *USER_ROUTES,
]
