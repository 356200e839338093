"""ProjectAdmin and ApiKeyAuthenticator on the memory adapters."""

from __future__ import annotations

import pytest

from spyglass_adapters.cache import InProcessCache
from spyglass_adapters.memory.clock import FixedClock
from spyglass_adapters.memory.events import RecordingEventPublisher
from spyglass_adapters.memory.unit_of_work import MemoryUnitOfWork, MemoryUnitOfWorkFactory
from spyglass_core.domain.api_keys import AccessLevel, KeyPair
from spyglass_core.domain.errors import AuthenticationFailed, Conflict, InvalidInput, NotFound
from spyglass_core.domain.events import ProjectCreated
from spyglass_core.services.authentication import ApiKeyAuthenticator
from spyglass_core.services.projects import BootstrapRequest, ProjectAdmin

SALT = "unit-salt"


class World:
    def __init__(self) -> None:
        self.clock = FixedClock()
        self.uow = MemoryUnitOfWorkFactory()
        self.cache = InProcessCache(self.clock)
        self.events = RecordingEventPublisher()
        self.auth = ApiKeyAuthenticator(
            self.uow, self.cache, self.clock, salt=SALT, ttl_seconds=60, negative_ttl_seconds=5
        )
        self.admin = ProjectAdmin(self.uow, self.clock, self.auth, self.events, salt=SALT)


@pytest.fixture
def world() -> World:
    return World()


async def test_created_key_authenticates_to_its_project(world: World) -> None:
    project = await world.admin.create_project("P")
    key, pair = await world.admin.create_api_key(project.id)
    principal = await world.auth.authenticate_basic(pair.public_key, pair.secret_key)
    assert principal.project_id == project.id
    assert principal.api_key_id == key.id
    assert principal.access_level is AccessLevel.PROJECT
    stored = (await world.admin.list_api_keys(project.id))[0]
    assert pair.secret_key not in (stored.fast_hashed_secret, stored.display_secret)
    assert stored.last_used_at == world.clock.now()
    assert world.events.published == [
        ProjectCreated(
            occurred_at=world.clock.now(),
            project_id=project.id,
            organization_id=project.organization_id,
        )
    ]


async def test_wrong_secret_and_mismatched_public_key_fail(world: World) -> None:
    project = await world.admin.create_project("P")
    _, pair = await world.admin.create_api_key(project.id)
    with pytest.raises(AuthenticationFailed):
        await world.auth.authenticate_basic(pair.public_key, "sk-lf-nope")
    with pytest.raises(AuthenticationFailed):
        await world.auth.authenticate_basic("pk-lf-other", pair.secret_key)


async def test_keys_are_cached_and_revocation_is_immediate_here(world: World) -> None:
    project = await world.admin.create_project("P")
    key, pair = await world.admin.create_api_key(project.id)
    await world.auth.authenticate_basic(pair.public_key, pair.secret_key)
    # A cached key survives storage losing it (another process revoked it) until the TTL ends.
    async with world.uow() as uow:
        await uow.api_keys.delete(key.id)
        await uow.commit()
    await world.auth.authenticate_basic(pair.public_key, pair.secret_key)
    world.clock.advance(61)
    with pytest.raises(AuthenticationFailed):
        await world.auth.authenticate_basic(pair.public_key, pair.secret_key)


async def test_revoke_forgets_the_cached_key(world: World) -> None:
    project = await world.admin.create_project("P")
    key, pair = await world.admin.create_api_key(project.id)
    await world.auth.authenticate_basic(pair.public_key, pair.secret_key)
    await world.admin.revoke_api_key(pair.public_key)
    with pytest.raises(AuthenticationFailed):
        await world.auth.authenticate_basic(pair.public_key, pair.secret_key)
    with pytest.raises(NotFound):
        await world.admin.revoke_api_key(key.id)


async def test_unknown_secrets_are_negatively_cached_briefly(world: World) -> None:
    project = await world.admin.create_project("P")
    chosen = KeyPair("pk-lf-chosen", "sk-lf-chosen")
    with pytest.raises(AuthenticationFailed):
        await world.auth.authenticate_basic(chosen.public_key, chosen.secret_key)
    await world.admin.create_api_key(project.id, key_pair=chosen)
    with pytest.raises(AuthenticationFailed):  # still the cached miss
        await world.auth.authenticate_basic(chosen.public_key, chosen.secret_key)
    world.clock.advance(6)
    assert (
        await world.auth.authenticate_basic(chosen.public_key, chosen.secret_key)
    ).project_id == project.id


async def test_bearer_public_key_gives_scores_only_access(world: World) -> None:
    project = await world.admin.create_project("P")
    _, pair = await world.admin.create_api_key(project.id)
    principal = await world.auth.authenticate_bearer(pair.public_key)
    assert principal.access_level is AccessLevel.SCORES
    assert principal.project_id == project.id
    with pytest.raises(AuthenticationFailed):
        await world.auth.authenticate_bearer("pk-lf-unknown")


class CountingUnitOfWorkFactory(MemoryUnitOfWorkFactory):
    """Memory storage that counts the units of work opened on it."""

    opened = 0

    def __call__(self) -> MemoryUnitOfWork:
        self.opened += 1
        return super().__call__()


async def test_unknown_bearer_keys_are_negatively_cached_briefly() -> None:
    clock = FixedClock()
    storage = CountingUnitOfWorkFactory()
    auth = ApiKeyAuthenticator(
        storage, InProcessCache(clock), clock, salt=SALT, ttl_seconds=60, negative_ttl_seconds=5
    )
    admin = ProjectAdmin(storage, clock, auth, RecordingEventPublisher(), salt=SALT)
    project = await admin.create_project("P")
    with pytest.raises(AuthenticationFailed):
        await auth.authenticate_bearer("pk-lf-chosen")
    opened = storage.opened
    for _ in range(2):
        with pytest.raises(AuthenticationFailed):
            await auth.authenticate_bearer("pk-lf-chosen")
    assert storage.opened == opened  # the repeated misses never reached storage
    await admin.create_api_key(project.id, key_pair=KeyPair("pk-lf-chosen", "sk-lf-chosen"))
    with pytest.raises(AuthenticationFailed):  # still the cached miss, as for Basic
        await auth.authenticate_bearer("pk-lf-chosen")
    clock.advance(6)
    principal = await auth.authenticate_bearer("pk-lf-chosen")
    assert principal.project_id == project.id
    assert principal.access_level is AccessLevel.SCORES
    # An over-long header is cached under a hash, like any other unknown key.
    with pytest.raises(AuthenticationFailed):
        await auth.authenticate_bearer("pk-lf-" + "x" * 100_000)
    opened = storage.opened
    with pytest.raises(AuthenticationFailed):
        await auth.authenticate_bearer("pk-lf-" + "x" * 100_000)
    assert storage.opened == opened


async def test_project_names_are_unique_per_organization(world: World) -> None:
    await world.admin.create_project("Same")
    with pytest.raises(Conflict):
        await world.admin.create_project("Same")
    other = await world.admin.create_project("Same", organization_name="Elsewhere")
    assert other.name == "Same"
    with pytest.raises(InvalidInput):
        await world.admin.create_project("   ")


async def test_first_start_creates_a_default_project_once(world: World) -> None:
    first = await world.admin.bootstrap(BootstrapRequest())
    assert first.project is not None and first.new_keys is not None
    second = await world.admin.bootstrap(BootstrapRequest())
    assert second.project is None and second.new_keys is None
    assert len(await world.admin.list_projects()) == 1
    principal = await world.auth.authenticate_basic(
        first.new_keys.public_key, first.new_keys.secret_key
    )
    assert principal.project_id == first.project.id


async def test_init_variables_bootstrap_idempotently(world: World) -> None:
    request = BootstrapRequest(
        organization_id="org-1",
        organization_name="Acme",
        project_id="proj-1",
        project_name="Prod",
        public_key="pk-lf-init",
        secret_key="sk-lf-init",
    )
    first = await world.admin.bootstrap(request)
    again = await world.admin.bootstrap(request)
    assert first.project == again.project
    assert first.new_keys is None
    assert [(p.id, o.id, o.name) for p, o in await world.admin.list_projects()] == [
        ("proj-1", "org-1", "Acme")
    ]
    assert len(await world.admin.list_api_keys("proj-1")) == 1
    principal = await world.auth.authenticate_basic("pk-lf-init", "sk-lf-init")
    assert principal.project_id == "proj-1"
    assert len(world.events.published) == 1


async def test_init_with_a_changed_secret_is_a_conflict(world: World) -> None:
    base = {"project_id": "p", "public_key": "pk-lf-a"}
    await world.admin.bootstrap(BootstrapRequest(secret_key="sk-lf-a", **base))
    with pytest.raises(Conflict, match="different secret"):
        await world.admin.bootstrap(BootstrapRequest(secret_key="sk-lf-b", **base))


async def test_init_with_half_a_key_pair_is_invalid(world: World) -> None:
    with pytest.raises(InvalidInput, match="set together"):
        await world.admin.bootstrap(BootstrapRequest(project_id="p", public_key="pk-lf-a"))


async def test_keys_for_a_missing_project_are_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        await world.admin.create_api_key("nope")
    project = await world.admin.create_project("P")
    await world.admin.create_api_key(project.id, key_pair=KeyPair("pk-lf-x", "sk-lf-x"))
    with pytest.raises(Conflict):
        await world.admin.create_api_key(project.id, key_pair=KeyPair("pk-lf-x", "sk-lf-y"))
