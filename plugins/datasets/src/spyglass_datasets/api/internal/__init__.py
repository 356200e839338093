"""The datasets plugin's ``/api/internal`` routes: what the web UI reads and writes.

Project-scoped routes live under ``/projects/{project_id:str}/…``; the access guard checks
the caller's role in that project's organization (VIEWER reads, MEMBER writes), and
``FromDishka[Principal]`` then names the project.
"""

from spyglass_datasets.api.compare import COMPARE_ROUTES
from spyglass_datasets.api.internal.routes import DATASET_ROUTES

__all__ = ("INTERNAL_ROUTES",)

INTERNAL_ROUTES = [*DATASET_ROUTES, *COMPARE_ROUTES]
