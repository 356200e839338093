"""Contract of ``UnitOfWork`` and the repositories, for every adapter.

Every test runs against the in-memory adapter, SQLite (a migrated temporary file) and
PostgreSQL (a throwaway database, emptied before each test).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from spyglass_adapters.sql import SqlUnitOfWorkFactory, create_engine, upgrade
from spyglass_adapters.sql.migrate import alembic_config
from spyglass_core.domain.api_keys import ApiKey
from spyglass_core.domain.errors import Conflict, StorageUnavailable
from spyglass_core.domain.projects import Organization, Project, User
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory

T0 = datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)


# --- builders ---------------------------------------------------------------------------


def make_org(org_id: str = "org-a", *, at: datetime = T0, **fields) -> Organization:
    return Organization(
        id=org_id, name=fields.pop("name", f"Org {org_id}"), created_at=at, **fields
    )


def make_project(
    project_id: str = "prj-a", org_id: str = "org-a", *, at: datetime = T0, **fields
) -> Project:
    return Project(
        id=project_id,
        organization_id=org_id,
        name=fields.pop("name", f"Project {project_id}"),
        created_at=at,
        **fields,
    )


def make_key(key_id: str = "key-a", project_id: str = "prj-a", *, at: datetime = T0, **fields):
    return ApiKey(
        id=key_id,
        project_id=project_id,
        public_key=fields.pop("public_key", f"pk-lf-{key_id}"),
        fast_hashed_secret=fields.pop("fast_hashed_secret", f"hash-{key_id}"),
        display_secret=fields.pop("display_secret", "sk-lf-...abcd"),
        created_at=at,
        **fields,
    )


def make_user(user_id: str = "usr-a", *, at: datetime = T0, **fields) -> User:
    return User(
        id=user_id, email=fields.pop("email", f"{user_id}@example.com"), created_at=at, **fields
    )


async def seed(factory: UnitOfWorkFactory, *rows: object) -> None:
    """Add and commit ``rows`` in one unit of work."""
    async with factory() as uow:
        for row in rows:
            repo = {
                Organization: uow.organizations,
                Project: uow.projects,
                ApiKey: uow.api_keys,
                User: uow.users,
            }[type(row)]
            await repo.add(row)
        await uow.commit()


# --- round trips ------------------------------------------------------------------------


async def test_every_entity_round_trips_with_all_fields(uow_factory: UnitOfWorkFactory) -> None:
    org = make_org(
        metadata={"plan": "pro", "limits": {"seats": 5, "ratio": 0.5}, "tags": ["a", "ü"]}
    )
    project = make_project(
        metadata={"nested": {"flag": True, "none": None}}, retention_days=30, name="Prod ✓"
    )
    bare_project = make_project("prj-b", at=T0 + timedelta(microseconds=1))
    key = make_key(note="CI key", last_used_at=T0 + timedelta(days=1, microseconds=7))
    bare_key = make_key("key-b", project_id="prj-b")
    user = make_user(email="Ada.Lovelace@Example.com", name="Ada")
    bare_user = make_user("usr-b")

    async with uow_factory() as uow:
        await uow.organizations.add(org)
        for p in (project, bare_project):
            await uow.projects.add(p)
        for k in (key, bare_key):
            await uow.api_keys.add(k)
        for u in (user, bare_user):
            await uow.users.add(u)
        # Readable inside the same unit of work before commit.
        assert await uow.projects.get(project.id) == project
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.organizations.get(org.id) == org
        assert await uow.projects.get(project.id) == project
        assert await uow.projects.get(bare_project.id) == bare_project
        assert await uow.projects.get_by_name(org.id, "Prod ✓") == project
        assert await uow.api_keys.get(key.id) == key
        assert await uow.api_keys.get(bare_key.id) == bare_key
        assert await uow.api_keys.get_by_public_key(key.public_key) == key
        assert await uow.api_keys.get_by_fast_hash(key.fast_hashed_secret) == key
        assert await uow.users.get(user.id) == user
        assert await uow.users.get(bare_user.id) == bare_user
        assert await uow.users.get_by_email("ada.lovelace@example.COM") == user

        got_key = await uow.api_keys.get(key.id)
        assert got_key is not None
        assert got_key.created_at.tzinfo is not None
        assert got_key.last_used_at is not None and got_key.last_used_at.tzinfo is not None
        assert got_key.last_used_at == T0 + timedelta(days=1, microseconds=7)
        got_bare = await uow.projects.get(bare_project.id)
        assert got_bare is not None
        assert got_bare.metadata == {} and got_bare.retention_days is None
        got_bare_user = await uow.users.get(bare_user.id)
        assert got_bare_user is not None and got_bare_user.name is None


async def test_non_utc_datetimes_keep_their_instant_and_order(
    uow_factory: UnitOfWorkFactory,
) -> None:
    plus_0530 = timezone(timedelta(hours=5, minutes=30))
    # 10:00+05:30 is 04:30Z, so it was created before 05:00Z despite the later wall time.
    early = make_org("org-z", at=datetime(2026, 1, 1, 10, 0, tzinfo=plus_0530))
    late = make_org("org-a", at=datetime(2026, 1, 1, 5, 0, tzinfo=UTC))
    await seed(uow_factory, late, early, make_project(org_id="org-z"), make_key())
    async with uow_factory() as uow:
        await uow.api_keys.touch("key-a", datetime(2026, 2, 1, 1, 0, tzinfo=plus_0530))
        await uow.commit()
    async with uow_factory() as uow:
        got = await uow.organizations.get("org-z")
        assert got is not None
        assert got.created_at == datetime(2026, 1, 1, 4, 30, tzinfo=UTC)
        assert got.created_at.utcoffset() is not None
        assert [o.id for o in await uow.organizations.list()] == ["org-z", "org-a"]
        key = await uow.api_keys.get("key-a")
        assert key is not None
        assert key.last_used_at == datetime(2026, 1, 31, 19, 30, tzinfo=UTC)


# --- transactions -----------------------------------------------------------------------


async def test_commit_makes_writes_visible_to_a_new_unit_of_work(
    uow_factory: UnitOfWorkFactory,
) -> None:
    async with uow_factory() as writer:
        await writer.organizations.add(make_org())
        await writer.commit()
    async with uow_factory() as reader:
        assert await reader.organizations.get("org-a") == make_org()


async def test_uncommitted_writes_are_invisible_to_a_concurrent_unit_of_work(
    uow_factory: UnitOfWorkFactory,
) -> None:
    # The reader runs in its own task: on SQLite it waits for the writer's lock (units of
    # work are serialized there), elsewhere it reads at once; either way it never sees
    # the write that is then rolled back.
    async def read() -> Organization | None:
        async with uow_factory() as reader:
            return await reader.organizations.get("org-a")

    async with uow_factory() as writer:
        await writer.organizations.add(make_org())
        reader_task = asyncio.create_task(read())
        await asyncio.sleep(0.2)
    assert await reader_task is None


async def test_concurrent_read_then_write_units_of_work_all_succeed(
    uow_factory: UnitOfWorkFactory,
) -> None:
    async def add(index: int) -> None:
        async with uow_factory() as uow:
            await uow.organizations.list()  # read first, then write: the racy shape
            await uow.organizations.add(make_org(f"org-{index}"))
            await uow.commit()

    await asyncio.gather(*(add(i) for i in range(20)))
    async with uow_factory() as uow:
        assert len(await uow.organizations.list()) == 20


async def test_leaving_the_block_without_commit_rolls_back(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await seed(uow_factory, make_org())
    async with uow_factory() as uow:
        await uow.projects.add(make_project())
        await uow.users.add(make_user())
        await uow.api_keys.add(make_key())
    async with uow_factory() as uow:
        assert await uow.organizations.get("org-a") == make_org()
        assert await uow.projects.get("prj-a") is None
        assert await uow.users.get("usr-a") is None
        assert await uow.api_keys.get("key-a") is None


async def test_an_exception_rolls_back_and_propagates_unchanged(
    uow_factory: UnitOfWorkFactory,
) -> None:
    class Boom(Exception):
        pass

    error = Boom("boom")
    with pytest.raises(Boom) as raised:
        async with uow_factory() as uow:
            await uow.organizations.add(make_org())
            raise error
    assert raised.value is error
    async with uow_factory() as uow:
        assert await uow.organizations.get("org-a") is None
        assert await uow.organizations.list() == []


async def test_rollback_discards_only_writes_since_the_last_commit(
    uow_factory: UnitOfWorkFactory,
) -> None:
    async with uow_factory() as uow:
        await uow.organizations.add(make_org("org-a"))
        await uow.commit()
        await uow.organizations.add(make_org("org-b"))
        await uow.rollback()
        assert await uow.organizations.get("org-b") is None
        await uow.organizations.add(make_org("org-c"))
        await uow.commit()
    async with uow_factory() as uow:
        assert [o.id for o in await uow.organizations.list()] == ["org-a", "org-c"]


# --- unique rules -----------------------------------------------------------------------


async def assert_conflict_and_unchanged(factory: UnitOfWorkFactory, add, check) -> None:
    """``add(uow)`` raises Conflict; afterwards the committed state still passes ``check``."""
    async with factory() as uow:
        with pytest.raises(Conflict):
            await add(uow)
    async with factory() as uow:
        await check(uow)


async def test_duplicate_organization_id_conflicts(uow_factory: UnitOfWorkFactory) -> None:
    await seed(uow_factory, make_org(name="Original"))

    async def check(uow) -> None:
        assert await uow.organizations.get("org-a") == make_org(name="Original")
        assert len(await uow.organizations.list()) == 1

    await assert_conflict_and_unchanged(
        uow_factory, lambda uow: uow.organizations.add(make_org(name="Other")), check
    )


async def test_duplicate_project_id_conflicts(uow_factory: UnitOfWorkFactory) -> None:
    await seed(uow_factory, make_org(), make_project(name="One"))

    async def check(uow) -> None:
        assert [p.name for p in await uow.projects.list()] == ["One"]

    await assert_conflict_and_unchanged(
        uow_factory, lambda uow: uow.projects.add(make_project(name="Two")), check
    )


async def test_project_names_are_unique_within_an_organization_only(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await seed(uow_factory, make_org("org-a"), make_org("org-b"), make_project(name="web"))

    async def check(uow) -> None:
        assert await uow.projects.get("prj-x") is None

    await assert_conflict_and_unchanged(
        uow_factory, lambda uow: uow.projects.add(make_project("prj-x", name="web")), check
    )

    await seed(uow_factory, make_project("prj-y", "org-b", name="web"))
    async with uow_factory() as uow:
        in_a = await uow.projects.get_by_name("org-a", "web")
        in_b = await uow.projects.get_by_name("org-b", "web")
        assert in_a is not None and in_a.id == "prj-a"
        assert in_b is not None and in_b.id == "prj-y"
        # Names are compared exactly.
        assert await uow.projects.get_by_name("org-a", "WEB") is None


async def test_duplicate_project_name_within_one_unit_of_work_conflicts(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await seed(uow_factory, make_org())
    async with uow_factory() as uow:
        await uow.projects.add(make_project("prj-a", name="same"))
        with pytest.raises(Conflict):
            await uow.projects.add(make_project("prj-b", name="same"))


@pytest.mark.parametrize("field", ["id", "public_key", "fast_hashed_secret"])
async def test_duplicate_api_key_fields_conflict(
    uow_factory: UnitOfWorkFactory, field: str
) -> None:
    original = make_key("key-a")
    await seed(uow_factory, make_org(), make_project(), original)
    clash = make_key("key-b")
    clash = ApiKey(
        **{
            **{f: getattr(clash, f) for f in clash.__struct_fields__},
            field: getattr(original, field),
        }
    )

    async def check(uow) -> None:
        assert await uow.api_keys.list("prj-a") == [original]

    await assert_conflict_and_unchanged(uow_factory, lambda uow: uow.api_keys.add(clash), check)


async def test_duplicate_user_id_conflicts(uow_factory: UnitOfWorkFactory) -> None:
    await seed(uow_factory, make_user(email="one@example.com"))

    async def check(uow) -> None:
        assert await uow.users.get_by_email("two@example.com") is None

    await assert_conflict_and_unchanged(
        uow_factory, lambda uow: uow.users.add(make_user(email="two@example.com")), check
    )


async def test_duplicate_email_conflicts_case_insensitively(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await seed(uow_factory, make_user("usr-a", email="Grace@Example.com"))

    async def check(uow) -> None:
        assert await uow.users.get("usr-b") is None
        found = await uow.users.get_by_email("GRACE@EXAMPLE.COM")
        assert found is not None and found.id == "usr-a"

    await assert_conflict_and_unchanged(
        uow_factory, lambda uow: uow.users.add(make_user("usr-b", email="grace@example.COM")), check
    )


# --- reads ------------------------------------------------------------------------------


async def test_getters_return_none_for_missing_rows(uow_factory: UnitOfWorkFactory) -> None:
    await seed(uow_factory, make_org(), make_project(), make_key(), make_user())
    async with uow_factory() as uow:
        assert await uow.organizations.get("nope") is None
        assert await uow.projects.get("nope") is None
        assert await uow.projects.get_by_name("org-a", "nope") is None
        assert await uow.projects.get_by_name("nope", "Project prj-a") is None
        assert await uow.api_keys.get("nope") is None
        assert await uow.api_keys.get_by_fast_hash("nope") is None
        assert await uow.api_keys.get_by_public_key("nope") is None
        assert await uow.users.get("nope") is None
        assert await uow.users.get_by_email("nope@example.com") is None
        assert await uow.api_keys.list("nope") == []
        assert await uow.projects.list("nope") == []


async def test_lists_are_ordered_by_created_at_then_id_and_filtered(
    uow_factory: UnitOfWorkFactory,
) -> None:
    t1, t2 = T0 + timedelta(seconds=1), T0 + timedelta(microseconds=1)
    # Inserted out of order; ties on created_at are broken by id.
    orgs = [make_org("org-c", at=T0), make_org("org-b", at=t1), make_org("org-a", at=T0)]
    projects = [
        make_project("prj-d", "org-a", at=t1),
        make_project("prj-c", "org-b", at=T0),
        make_project("prj-b", "org-a", at=T0),
        make_project("prj-a", "org-a", at=t2),
    ]
    keys = [
        make_key("key-c", "prj-b", at=t1),
        make_key("key-b", "prj-b", at=T0),
        make_key("key-a", "prj-b", at=t1),
        make_key("key-x", "prj-c", at=T0),
    ]
    await seed(uow_factory, *orgs, *projects, *keys)
    async with uow_factory() as uow:
        assert [o.id for o in await uow.organizations.list()] == ["org-a", "org-c", "org-b"]
        assert [p.id for p in await uow.projects.list()] == ["prj-b", "prj-c", "prj-a", "prj-d"]
        assert [p.id for p in await uow.projects.list("org-a")] == ["prj-b", "prj-a", "prj-d"]
        assert [p.id for p in await uow.projects.list("org-b")] == ["prj-c"]
        assert [k.id for k in await uow.api_keys.list("prj-b")] == ["key-b", "key-a", "key-c"]
        assert await uow.api_keys.list("prj-c") == [keys[3]]
        assert await uow.api_keys.list("prj-a") == []


# --- api key writes ---------------------------------------------------------------------


async def test_delete_api_key_reports_whether_it_existed(uow_factory: UnitOfWorkFactory) -> None:
    await seed(uow_factory, make_org(), make_project(), make_key("key-a"), make_key("key-b"))
    async with uow_factory() as uow:
        assert await uow.api_keys.delete("key-a") is True
        assert await uow.api_keys.get("key-a") is None
        assert await uow.api_keys.delete("key-a") is False
        assert await uow.api_keys.delete("missing") is False
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.api_keys.get("key-a") is None
        assert await uow.api_keys.get_by_public_key("pk-lf-key-a") is None
        assert [k.id for k in await uow.api_keys.list("prj-a")] == ["key-b"]
        assert await uow.api_keys.delete("key-a") is False


async def test_delete_without_commit_is_rolled_back(uow_factory: UnitOfWorkFactory) -> None:
    await seed(uow_factory, make_org(), make_project(), make_key())
    async with uow_factory() as uow:
        assert await uow.api_keys.delete("key-a") is True
    async with uow_factory() as uow:
        assert await uow.api_keys.get("key-a") == make_key()


async def test_touch_sets_last_used_at_and_ignores_missing_keys(
    uow_factory: UnitOfWorkFactory,
) -> None:
    key = make_key(note="n")
    await seed(uow_factory, make_org(), make_project(), key, make_key("key-b"))
    used_at = T0 + timedelta(hours=2, microseconds=42)
    async with uow_factory() as uow:
        await uow.api_keys.touch("key-a", used_at)
        await uow.api_keys.touch("missing", used_at)
        await uow.commit()
    async with uow_factory() as uow:
        got = await uow.api_keys.get("key-a")
        assert got is not None
        assert got.last_used_at == used_at
        assert got.last_used_at.tzinfo is not None
        # Every other field is untouched, and so is every other key.
        assert got == ApiKey(
            **{
                **{f: getattr(key, f) for f in key.__struct_fields__},
                "last_used_at": used_at,
            }
        )
        assert await uow.api_keys.get("key-b") == make_key("key-b")
        assert await uow.api_keys.get("missing") is None
        assert len(await uow.api_keys.list("prj-a")) == 2

    later = used_at + timedelta(minutes=5)
    async with uow_factory() as uow:
        await uow.api_keys.touch("key-a", later)
        await uow.commit()
    async with uow_factory() as uow:
        got = await uow.api_keys.get("key-a")
        assert got is not None and got.last_used_at == later


# --- health and schema ------------------------------------------------------------------


async def test_ping_succeeds(uow_factory: UnitOfWorkFactory) -> None:
    assert await uow_factory.ping() is None


@pytest.mark.parametrize(
    "url",
    [
        pytest.param(
            f"sqlite+aiosqlite:////nonexistent-{uuid.uuid4().hex}/dir/spyglass.db", id="sqlite"
        ),
        pytest.param(
            "postgresql+asyncpg://postgres@127.0.0.1:1/test",
            id="postgres",
            marks=pytest.mark.postgres,
        ),
    ],
)
async def test_unreachable_database_raises_storage_unavailable(url: str) -> None:
    engine = create_engine(url)
    factory = SqlUnitOfWorkFactory(engine)
    try:
        with pytest.raises(StorageUnavailable):
            await factory.ping()
        with pytest.raises(StorageUnavailable):
            async with factory():
                pass
        with pytest.raises(StorageUnavailable):
            await upgrade(engine)
    finally:
        await engine.dispose()


async def test_migrations_are_idempotent(sql_uow_factory: SqlUnitOfWorkFactory) -> None:
    # The fixture already migrated the database once; data must survive a second run.
    await seed(sql_uow_factory, make_org(), make_project(), make_key(), make_user())
    await upgrade(sql_uow_factory.engine)
    await upgrade(sql_uow_factory.engine)
    async with sql_uow_factory.engine.connect() as conn:
        versions = (
            await conn.execute(sa.text("SELECT version_num FROM alembic_version_core"))
        ).all()
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert [v for (v,) in versions] == [head]
    async with sql_uow_factory() as uow:
        assert await uow.organizations.get("org-a") == make_org()
        assert await uow.api_keys.get("key-a") == make_key()
        assert await uow.users.get("usr-a") == make_user()


async def test_a_chain_behind_its_head_is_upgraded(sql_uow_factory: SqlUnitOfWorkFactory) -> None:
    # upgrade leaves Alembic out only when every version table holds its head; one
    # revision behind, the missing migration runs.
    engine = sql_uow_factory.engine
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    async with engine.begin() as conn:
        await conn.execute(sa.text("DROP TABLE event_outbox"))
        await conn.execute(sa.text("UPDATE alembic_version_core SET version_num = 'core_0003'"))
    await upgrade(sql_uow_factory.engine)
    async with engine.connect() as conn:
        tables = await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names())
        version = (
            await conn.execute(sa.text("SELECT version_num FROM alembic_version_core"))
        ).scalar_one()
    assert "event_outbox" in tables
    assert version == head


async def test_instance_secrets_are_written_once(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        assert await uow.instance_secrets.get("salt") is None
        await uow.instance_secrets.add("salt", "s1")
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.instance_secrets.get("salt") == "s1"
        with pytest.raises(Conflict):
            await uow.instance_secrets.add("salt", "s2")


async def test_instance_secret_first_writer_wins(uow_factory: UnitOfWorkFactory) -> None:
    from spyglass_core.services.instance_secrets import instance_secret

    first = await instance_secret(uow_factory, "key", initial=lambda: "mine")
    second = await instance_secret(uow_factory, "key", initial=lambda: "theirs")
    assert first == second == "mine"


async def test_sqlite_commits_survive_a_power_cut(tmp_path) -> None:
    # synchronous=FULL: in WAL mode, NORMAL may lose the last commits to a power cut.
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'durable.db'}")
    try:
        async with engine.connect() as conn:
            level = (await conn.execute(sa.text("PRAGMA synchronous"))).scalar()
            journal = (await conn.execute(sa.text("PRAGMA journal_mode"))).scalar()
    finally:
        await engine.dispose()
    assert (level, journal) == (2, "wal")  # 2 is FULL


@pytest.mark.postgres
async def test_processes_migrating_at_once_both_succeed(postgres_database, storage_specs) -> None:
    from spyglass_adapters.plugin_storage import migration_chains

    url = await postgres_database()
    engines = [create_engine(url) for _ in range(3)]
    try:
        chains = migration_chains(storage_specs)
        await asyncio.gather(*(upgrade(engine, chains) for engine in engines))
        async with engines[0].connect() as conn:
            query = sa.text("SELECT version_num FROM alembic_version_core")
            assert len((await conn.execute(query)).all()) == 1
    finally:
        for engine in engines:
            await engine.dispose()
