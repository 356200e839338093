"""``/api/internal/projects``: the user's projects and their API keys.

Creating a key shows its secret in that one response; revoking deletes the key and
drops it from this process's authentication cache, so it stops working at once here
(and in other processes at once with a shared Redis cache, else within the cache TTL).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Response, delete, get, post
from litestar.params import FromPath, JSONBody

from spyglass_core.domain.access import Access, requires
from spyglass_core.domain.accounts import Role
from spyglass_core.domain.api_keys import ApiKey
from spyglass_core.services.accounts import SessionContext
from spyglass_core.services.projects import ProjectAdmin

__all__ = (
    "PROJECT_ROUTES",
    "ApiKeyResponse",
    "CreateApiKeyRequest",
    "CreateProjectRequest",
    "CreatedApiKeyResponse",
    "InternalProject",
)


class InternalProject(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """A project the user can see, with their role in its organization."""

    id: str
    name: str
    organization_id: str
    organization_name: str
    role: Role


class ApiKeyResponse(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """A key as listed: the secret only as ``sk-lf-...abcd``."""

    id: str
    public_key: str
    display_secret_key: str
    note: str | None
    created_at: datetime
    last_used_at: datetime | None


class CreatedApiKeyResponse(ApiKeyResponse, frozen=True, kw_only=True, rename="camel"):
    """A new key: ``secretKey`` appears in this response only, never again."""

    secret_key: str


class CreateProjectRequest(msgspec.Struct, frozen=True, kw_only=True):
    """The new project's name (unique within its organization)."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class CreateApiKeyRequest(msgspec.Struct, frozen=True, kw_only=True):
    """An optional note saying what the key is for."""

    note: Annotated[str, msgspec.Meta(max_length=500)] | None = None


def _key_response(key: ApiKey) -> ApiKeyResponse:
    return ApiKeyResponse(
        id=key.id,
        public_key=key.public_key,
        display_secret_key=key.display_secret,
        note=key.note,
        created_at=key.created_at,
        last_used_at=key.last_used_at,
    )


@get("/projects", opt=requires(Access.SIGNED_IN))
async def list_my_projects(
    session: FromDishka[SessionContext], admin: FromDishka[ProjectAdmin]
) -> list[InternalProject]:
    """The projects of every organization the user belongs to, and nothing else."""
    return [
        InternalProject(
            id=project.id,
            name=project.name,
            organization_id=org.id,
            organization_name=org.name,
            role=role,
        )
        for project, org in await admin.list_projects()
        if (role := session.role_in(org.id)) is not None
    ]


@post("/organizations/{organization_id:str}/projects", opt=requires(Role.ADMIN), status_code=201)
async def create_project(
    organization_id: FromPath[str],
    data: JSONBody[CreateProjectRequest],
    session: FromDishka[SessionContext],
    admin: FromDishka[ProjectAdmin],
) -> InternalProject:
    """A new project in one of the caller's organizations (ADMIN or OWNER there)."""
    project = await admin.create_project(data.name, organization_id=organization_id)
    _, org = await admin.get_project(project.id)
    role = session.role_in(organization_id) or Role.ADMIN
    return InternalProject(
        id=project.id,
        name=project.name,
        organization_id=org.id,
        organization_name=org.name,
        role=role,
    )


@get("/projects/{project_id:str}/api-keys", opt=requires(Role.ADMIN))
async def list_api_keys(
    project_id: FromPath[str], admin: FromDishka[ProjectAdmin]
) -> list[ApiKeyResponse]:
    """The project's keys, secrets masked."""
    return [_key_response(key) for key in await admin.list_api_keys(project_id)]


@post("/projects/{project_id:str}/api-keys", opt=requires(Role.ADMIN), status_code=201)
async def create_api_key(
    project_id: FromPath[str], data: JSONBody[CreateApiKeyRequest], admin: FromDishka[ProjectAdmin]
) -> CreatedApiKeyResponse:
    """A new key pair; the secret is in this response and nowhere else."""
    key, pair = await admin.create_api_key(project_id, note=data.note)
    listed = _key_response(key)
    return CreatedApiKeyResponse(**msgspec.structs.asdict(listed), secret_key=pair.secret_key)


@delete("/projects/{project_id:str}/api-keys/{key_id:str}", opt=requires(Role.ADMIN))
async def revoke_api_key(
    project_id: FromPath[str], key_id: FromPath[str], admin: FromDishka[ProjectAdmin]
) -> Response[None]:
    """Revoke a key of this project; it stops authenticating at once."""
    await admin.revoke_api_key(key_id, project_id=project_id)
    return Response(None, status_code=204)


PROJECT_ROUTES = [list_my_projects, create_project, list_api_keys, create_api_key, revoke_api_key]
