"""Repositories over one SQLAlchemy ``AsyncConnection`` owned by the unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa

from spyglass_adapters.sql import mapping
from spyglass_adapters.sql.schema import api_keys, instance_secrets, organizations, projects, users
from spyglass_adapters.sql.spi import SqlRepository, translate_errors
from spyglass_core.domain.api_keys import ApiKey
from spyglass_core.domain.projects import Organization, Project, User
from spyglass_core.ports.repositories import (
    ApiKeyRepository,
    InstanceSecretRepository,
    OrganizationRepository,
    ProjectRepository,
    UserRepository,
)

__all__ = ("SqlApiKeys", "SqlInstanceSecrets", "SqlOrganizations", "SqlProjects", "SqlUsers")


class SqlOrganizations(SqlRepository, OrganizationRepository):
    """Organizations in SQL."""

    async def add(self, organization: Organization) -> None:
        await self._write(organizations.insert().values(mapping.organization_values(organization)))

    async def get(self, organization_id: str) -> Organization | None:
        row = await self._first(
            sa.select(organizations).where(organizations.c.id == organization_id)
        )
        return mapping.organization_from_row(row) if row else None

    async def list(self) -> Sequence[Organization]:
        order = (organizations.c.created_at, organizations.c.id)
        return [
            mapping.organization_from_row(r)
            for r in await self._all(sa.select(organizations).order_by(*order))
        ]


class SqlProjects(SqlRepository, ProjectRepository):
    """Projects in SQL."""

    async def add(self, project: Project) -> None:
        await self._write(projects.insert().values(mapping.project_values(project)))

    async def get(self, project_id: str) -> Project | None:
        row = await self._first(sa.select(projects).where(projects.c.id == project_id))
        return mapping.project_from_row(row) if row else None

    async def get_by_name(self, organization_id: str, name: str) -> Project | None:
        row = await self._first(
            sa.select(projects).where(
                projects.c.organization_id == organization_id, projects.c.name == name
            )
        )
        return mapping.project_from_row(row) if row else None

    async def list(self, organization_id: str | None = None) -> Sequence[Project]:
        statement = sa.select(projects).order_by(projects.c.created_at, projects.c.id)
        if organization_id is not None:
            statement = statement.where(projects.c.organization_id == organization_id)
        return [mapping.project_from_row(r) for r in await self._all(statement)]


class SqlApiKeys(SqlRepository, ApiKeyRepository):
    """API keys in SQL; the fast hash is unique and indexed for the per-request lookup."""

    async def add(self, key: ApiKey) -> None:
        await self._write(api_keys.insert().values(mapping.api_key_values(key)))

    async def get(self, key_id: str) -> ApiKey | None:
        row = await self._first(sa.select(api_keys).where(api_keys.c.id == key_id))
        return mapping.api_key_from_row(row) if row else None

    async def get_by_fast_hash(self, fast_hashed_secret: str) -> ApiKey | None:
        row = await self._first(
            sa.select(api_keys).where(api_keys.c.fast_hashed_secret == fast_hashed_secret)
        )
        return mapping.api_key_from_row(row) if row else None

    async def get_by_public_key(self, public_key: str) -> ApiKey | None:
        row = await self._first(sa.select(api_keys).where(api_keys.c.public_key == public_key))
        return mapping.api_key_from_row(row) if row else None

    async def list(self, project_id: str) -> Sequence[ApiKey]:
        statement = (
            sa.select(api_keys)
            .where(api_keys.c.project_id == project_id)
            .order_by(api_keys.c.created_at, api_keys.c.id)
        )
        return [mapping.api_key_from_row(r) for r in await self._all(statement)]

    async def delete(self, key_id: str) -> bool:
        return await self._write(api_keys.delete().where(api_keys.c.id == key_id)) > 0

    async def touch(self, key_id: str, used_at: datetime) -> None:
        await self._write(
            api_keys.update()
            .where(api_keys.c.id == key_id)
            .values(last_used_at=mapping.utc_value(used_at))
        )


class SqlUsers(SqlRepository, UserRepository):
    """Users in SQL."""

    async def add(self, user: User) -> None:
        await self._write(users.insert().values(mapping.user_values(user)))

    async def get(self, user_id: str) -> User | None:
        row = await self._first(sa.select(users).where(users.c.id == user_id))
        return mapping.user_from_row(row) if row else None

    async def get_by_email(self, email: str) -> User | None:
        row = await self._first(
            sa.select(users).where(users.c.email_normalized == email.casefold())
        )
        return mapping.user_from_row(row) if row else None

    async def count(self) -> int:
        async with translate_errors():
            return int(
                (
                    await self._conn.execute(sa.select(sa.func.count()).select_from(users))
                ).scalar_one()
            )

    async def set_password_hash(self, user_id: str, password_hash: str) -> None:
        await self._write(
            users.update().where(users.c.id == user_id).values(password_hash=password_hash)
        )


class SqlInstanceSecrets(SqlRepository, InstanceSecretRepository):
    """Instance secrets in SQL."""

    async def get(self, name: str) -> str | None:
        row = await self._first(
            sa.select(instance_secrets.c.value).where(instance_secrets.c.name == name)
        )
        return None if row is None else str(row[0])

    async def add(self, name: str, value: str) -> None:
        await self._write(
            instance_secrets.insert().values(name=name, value=value, created_at=datetime.now(UTC))
        )
