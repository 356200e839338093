"""``GET /api/public/projects``: the caller's project, in the shape ``auth_check()`` needs."""

from __future__ import annotations

from typing import Any

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import get

from spyglass_core.domain.api_keys import Principal
from spyglass_core.services.projects import ProjectAdmin

__all__ = ("OrganizationRef", "ProjectPage", "ProjectResponse", "list_projects")


class OrganizationRef(msgspec.Struct, frozen=True):
    """The owning organization."""

    id: str
    name: str


class ProjectResponse(msgspec.Struct, frozen=True, omit_defaults=True, rename="camel"):
    """One project; ``retentionDays`` appears only when set."""

    id: str
    name: str
    organization: OrganizationRef
    metadata: dict[str, Any]
    retention_days: int | None = None


class ProjectPage(msgspec.Struct, frozen=True):
    """``{data: [...]}``: a project key sees exactly its own project."""

    data: list[ProjectResponse]


@get("/projects")
async def list_projects(
    principal: FromDishka[Principal], admin: FromDishka[ProjectAdmin]
) -> ProjectPage:
    """The project the API key belongs to."""
    project, org = await admin.get_project(principal.project_id)
    return ProjectPage(
        data=[
            ProjectResponse(
                id=project.id,
                name=project.name,
                organization=OrganizationRef(id=org.id, name=org.name),
                metadata=project.metadata,
                retention_days=project.retention_days,
            )
        ]
    )
