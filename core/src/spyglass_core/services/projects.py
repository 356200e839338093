"""Organizations, projects and API keys: creating, listing, revoking, bootstrapping."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from spyglass_core.domain.api_keys import (
    ApiKey,
    KeyPair,
    display_secret,
    fast_hash,
    generate_key_pair,
    validate_key_pair,
)
from spyglass_core.domain.errors import Conflict, InvalidInput, NotFound
from spyglass_core.domain.events import ProjectCreated
from spyglass_core.domain.ids import new_id
from spyglass_core.domain.projects import Organization, Project, validate_name
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.event_publisher import EventPublisher
from spyglass_core.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from spyglass_core.services.authentication import ApiKeyAuthenticator

__all__ = ("BootstrapRequest", "BootstrapResult", "ProjectAdmin")

DEFAULT_ORGANIZATION_NAME = "Default Organization"
DEFAULT_PROJECT_NAME = "Default Project"


class BootstrapRequest(msgspec.Struct, frozen=True, kw_only=True):
    """What the ``SPYGLASS_INIT_*`` variables ask for; all empty means "first-run default"."""

    organization_id: str | None = None
    organization_name: str | None = None
    project_id: str | None = None
    project_name: str | None = None
    public_key: str | None = None
    secret_key: str | None = None

    @property
    def is_empty(self) -> bool:
        """True when no variable was set."""
        return not any(msgspec.structs.astuple(self))


class BootstrapResult(msgspec.Struct, frozen=True, kw_only=True):
    """What start-up made; ``new_keys`` is set only when a key pair was generated."""

    project: Project | None
    new_keys: KeyPair | None = None


class ProjectAdmin:
    """Use cases of the operator: the CLI, the bootstrap and (later) the admin API."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        authenticator: ApiKeyAuthenticator,
        events: EventPublisher,
        *,
        salt: str,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._authenticator = authenticator
        self._events = events
        self._salt = salt

    async def create_project(
        self,
        name: str,
        *,
        organization_name: str = DEFAULT_ORGANIZATION_NAME,
        project_id: str | None = None,
        organization_id: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Project:
        """Create a project, and its organization when none has that id or name.

        Raises:
            InvalidInput: a name is empty or too long.
            Conflict: the organization already has a project with this name, or the id is taken.
        """
        name = validate_name("Project", name)
        async with self._uow_factory() as uow:
            org = await self._ensure_organization(uow, organization_id, organization_name)
            if await uow.projects.get_by_name(org.id, name) is not None:
                raise Conflict(f"A project named '{name}' already exists in '{org.name}'")
            project = Project(
                id=project_id or new_id(),
                organization_id=org.id,
                name=name,
                created_at=self._clock.now(),
                metadata=metadata or {},
            )
            await uow.projects.add(project)
            await uow.commit()
        await self._project_created(project)
        return project

    async def list_projects(self) -> Sequence[tuple[Project, Organization]]:
        """Every project with its organization."""
        async with self._uow_factory() as uow:
            orgs = {org.id: org for org in await uow.organizations.list()}
            return [(p, orgs[p.organization_id]) for p in await uow.projects.list()]

    async def get_project(self, project_id: str) -> tuple[Project, Organization]:
        """A project and its organization. Raises: NotFound."""
        async with self._uow_factory() as uow:
            project = await uow.projects.get(project_id)
            org = await uow.organizations.get(project.organization_id) if project else None
        if project is None or org is None:
            raise NotFound(f"Project '{project_id}' not found")
        return project, org

    async def create_api_key(
        self, project_id: str, *, note: str | None = None, key_pair: KeyPair | None = None
    ) -> tuple[ApiKey, KeyPair]:
        """Issue a key pair for a project; the secret is returned here and never again.

        Raises:
            NotFound: no such project.
            InvalidInput: a given key pair is malformed.
            Conflict: a given public key or secret is already in use.
        """
        pair = (
            validate_key_pair(key_pair.public_key, key_pair.secret_key)
            if key_pair
            else generate_key_pair()
        )
        async with self._uow_factory() as uow:
            if await uow.projects.get(project_id) is None:
                raise NotFound(f"Project '{project_id}' not found")
            key = self._new_key(project_id, pair, note)
            await self._add_key(uow, key)
            await uow.commit()
        return key, pair

    async def list_api_keys(self, project_id: str) -> Sequence[ApiKey]:
        """The keys of a project (secrets shown only as ``sk-lf-...abcd``)."""
        async with self._uow_factory() as uow:
            return await uow.api_keys.list(project_id)

    async def revoke_api_key(
        self, key_id_or_public_key: str, *, project_id: str | None = None
    ) -> ApiKey:
        """Delete a key by id or public key; it stops authenticating.

        Args:
            key_id_or_public_key: which key.
            project_id: when given, a key of another project is treated as missing.

        Raises:
            NotFound: no key has this id or public key (in this project).
        """
        async with self._uow_factory() as uow:
            key = await uow.api_keys.get(key_id_or_public_key)
            if key is None:
                key = await uow.api_keys.get_by_public_key(key_id_or_public_key)
            if key is not None and project_id is not None and key.project_id != project_id:
                key = None
            if key is None:
                raise NotFound(f"API key '{key_id_or_public_key}' not found")
            await uow.api_keys.delete(key.id)
            await uow.commit()
        await self._authenticator.forget(key.fast_hashed_secret)
        return key

    async def bootstrap(self, request: BootstrapRequest) -> BootstrapResult:
        """Create what ``SPYGLASS_INIT_*`` describes, idempotently, at every start.

        With nothing requested and no project at all, create a default project and a
        key pair and return the pair so the caller can print it once.

        Raises:
            InvalidInput: only one of the two keys is given, or a key is malformed.
            Conflict: the public key exists with another secret or in another project.
        """
        if request.is_empty:
            return await self._bootstrap_default()
        if bool(request.public_key) != bool(request.secret_key):
            raise InvalidInput(
                "SPYGLASS_INIT_PROJECT_PUBLIC_KEY and SPYGLASS_INIT_PROJECT_SECRET_KEY "
                "must be set together"
            )
        project = await self._ensure_project(request)
        if request.public_key and request.secret_key:
            pair = validate_key_pair(request.public_key, request.secret_key)
            await self._ensure_key(project.id, pair)
        return BootstrapResult(project=project)

    async def _bootstrap_default(self) -> BootstrapResult:
        async with self._uow_factory() as uow:
            if await uow.projects.list():
                return BootstrapResult(project=None)
        project = await self.create_project(DEFAULT_PROJECT_NAME)
        _, pair = await self.create_api_key(project.id, note="created at first start")
        return BootstrapResult(project=project, new_keys=pair)

    async def _ensure_project(self, request: BootstrapRequest) -> Project:
        name = validate_name("Project", request.project_name or DEFAULT_PROJECT_NAME)
        created = False
        async with self._uow_factory() as uow:
            org = await self._ensure_organization(
                uow, request.organization_id, request.organization_name or DEFAULT_ORGANIZATION_NAME
            )
            project = (
                await uow.projects.get(request.project_id)
                if request.project_id
                else await uow.projects.get_by_name(org.id, name)
            )
            if project is None:
                project = Project(
                    id=request.project_id or new_id(),
                    organization_id=org.id,
                    name=name,
                    created_at=self._clock.now(),
                )
                await uow.projects.add(project)
                created = True
            elif project.organization_id != org.id:
                raise Conflict(f"Project '{project.id}' belongs to another organization")
            await uow.commit()
        if created:
            await self._project_created(project)
        return project

    async def _project_created(self, project: Project) -> None:
        await self._events.publish(
            ProjectCreated(
                occurred_at=self._clock.now(),
                project_id=project.id,
                organization_id=project.organization_id,
            )
        )

    async def _ensure_key(self, project_id: str, pair: KeyPair) -> None:
        async with self._uow_factory() as uow:
            existing = await uow.api_keys.get_by_public_key(pair.public_key)
            if existing is None:
                await self._add_key(uow, self._new_key(project_id, pair, "bootstrap"))
                await uow.commit()
                return
        if existing.project_id != project_id:
            raise Conflict(f"Public key '{pair.public_key}' belongs to another project")
        if existing.fast_hashed_secret != fast_hash(pair.secret_key, self._salt):
            raise Conflict(f"Public key '{pair.public_key}' exists with a different secret key")

    async def _ensure_organization(
        self, uow: UnitOfWork, organization_id: str | None, name: str
    ) -> Organization:
        name = validate_name("Organization", name)
        if organization_id:
            org = await uow.organizations.get(organization_id)
        else:
            org = next((o for o in await uow.organizations.list() if o.name == name), None)
        if org is None:
            org = Organization(
                id=organization_id or new_id(), name=name, created_at=self._clock.now()
            )
            await uow.organizations.add(org)
        return org

    async def _add_key(self, uow: UnitOfWork, key: ApiKey) -> None:
        if await uow.api_keys.get_by_public_key(key.public_key) is not None:
            raise Conflict(f"Public key '{key.public_key}' is already in use")
        await uow.api_keys.add(key)

    def _new_key(self, project_id: str, pair: KeyPair, note: str | None) -> ApiKey:
        return ApiKey(
            id=new_id(),
            project_id=project_id,
            public_key=pair.public_key,
            fast_hashed_secret=fast_hash(pair.secret_key, self._salt),
            display_secret=display_secret(pair.secret_key),
            created_at=self._clock.now(),
            note=note,
        )
