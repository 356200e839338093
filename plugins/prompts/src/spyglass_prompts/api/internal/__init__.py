"""The prompts plugin's ``/api/internal`` routes: what the web UI reads and writes.

Project-scoped routes live under ``/projects/{project_id:str}/…``; the access guard checks
the caller's role in that project's organization, and ``FromDishka[Principal]`` then names
the project, so these handlers reuse the services behind the public API.
"""

from spyglass_prompts.api.internal.routes import PROMPT_ROUTES

__all__ = ("INTERNAL_ROUTES",)

INTERNAL_ROUTES = [
    *PROMPT_ROUTES,
]
