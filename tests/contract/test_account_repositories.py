"""Contract of the account repositories (users' passwords, memberships, sessions, invitations).

Every test runs against the in-memory adapter, SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from spyglass_core.domain.accounts import Invitation, Membership, Role, UserSession
from spyglass_core.domain.errors import Conflict
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from tests.contract.test_unit_of_work import T0, make_org, make_user, seed


def make_session(token_hash: str = "h" * 64, user_id: str = "usr-a", **fields: Any) -> UserSession:
    return UserSession(
        token_hash=token_hash,
        user_id=user_id,
        created_at=fields.pop("created_at", T0),
        last_seen_at=fields.pop("last_seen_at", T0),
        expires_at=fields.pop("expires_at", T0 + timedelta(days=7)),
    )


def make_invitation(token_hash: str = "i" * 64, org_id: str = "org-a", **fields: Any) -> Invitation:
    return Invitation(
        token_hash=token_hash,
        organization_id=org_id,
        role=fields.pop("role", Role.MEMBER),
        created_at=fields.pop("created_at", T0),
        expires_at=fields.pop("expires_at", T0 + timedelta(days=7)),
        **fields,
    )


async def test_password_hashes_round_trip_and_change(uow_factory: UnitOfWorkFactory) -> None:
    await seed(uow_factory, make_user(password_hash="$argon2id$old"), make_user("usr-b"))
    async with uow_factory() as uow:
        assert await uow.users.count() == 2
        user = await uow.users.get("usr-a")
        assert user is not None and user.password_hash == "$argon2id$old"
        await uow.users.set_password_hash("usr-a", "$argon2id$new")
        await uow.users.set_password_hash("usr-missing", "$argon2id$new")
        await uow.commit()
    async with uow_factory() as uow:
        changed = await uow.users.get_by_email("USR-A@example.com")
        assert changed is not None and changed.password_hash == "$argon2id$new"
        assert await uow.users.count() == 2


async def test_count_is_zero_without_users(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        assert await uow.users.count() == 0


async def test_memberships_round_trip_list_and_conflict(uow_factory: UnitOfWorkFactory) -> None:
    await seed(uow_factory, make_org(), make_org("org-b"), make_user(), make_user("usr-b"))
    owner = Membership(organization_id="org-a", user_id="usr-a", role=Role.OWNER, created_at=T0)
    later = T0 + timedelta(seconds=1)
    viewer = Membership(
        organization_id="org-b", user_id="usr-a", role=Role.VIEWER, created_at=later
    )
    member = Membership(
        organization_id="org-a", user_id="usr-b", role=Role.MEMBER, created_at=later
    )
    async with uow_factory() as uow:
        for membership in (viewer, owner, member):
            await uow.memberships.add(membership)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.memberships.get("org-a", "usr-a") == owner
        assert await uow.memberships.get("org-b", "usr-b") is None
        assert list(await uow.memberships.list_for_user("usr-a")) == [owner, viewer]
        assert list(await uow.memberships.list_for_organization("org-a")) == [owner, member]
    with pytest.raises(Conflict):
        async with uow_factory() as uow:
            await uow.memberships.add(owner)
    async with uow_factory() as uow:
        await uow.memberships.set_role("org-a", "usr-b", Role.ADMIN)
        await uow.memberships.set_role("org-b", "usr-b", Role.ADMIN)  # not a member: no-op
        assert await uow.memberships.remove("org-b", "usr-a") is True
        assert await uow.memberships.remove("org-b", "usr-a") is False
        await uow.commit()
    async with uow_factory() as uow:
        promoted = await uow.memberships.get("org-a", "usr-b")
        assert promoted is not None and promoted.role is Role.ADMIN
        assert await uow.memberships.get("org-b", "usr-b") is None
        assert list(await uow.memberships.list_for_user("usr-a")) == [owner]


async def test_sessions_round_trip_touch_and_delete(uow_factory: UnitOfWorkFactory) -> None:
    await seed(uow_factory, make_user(), make_user("usr-b"))
    first, second = make_session("a" * 64), make_session("b" * 64)
    other = make_session("c" * 64, user_id="usr-b")
    async with uow_factory() as uow:
        for session in (first, second, other):
            await uow.sessions.add(session)
        await uow.commit()
    with pytest.raises(Conflict):
        async with uow_factory() as uow:
            await uow.sessions.add(first)
    async with uow_factory() as uow:
        assert await uow.sessions.get(first.token_hash) == first
        await uow.sessions.touch(first.token_hash, T0 + timedelta(minutes=5))
        await uow.sessions.touch("missing", T0)
        await uow.commit()
    async with uow_factory() as uow:
        touched = await uow.sessions.get(first.token_hash)
        assert touched is not None and touched.last_seen_at == T0 + timedelta(minutes=5)
        assert await uow.sessions.delete(second.token_hash) is True
        assert await uow.sessions.delete(second.token_hash) is False
        assert await uow.sessions.delete_for_user("usr-a") == 1
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.sessions.get(first.token_hash) is None
        assert await uow.sessions.get(other.token_hash) == other


async def test_expired_and_idle_sessions_are_purged(uow_factory: UnitOfWorkFactory) -> None:
    await seed(uow_factory, make_user())
    now = T0 + timedelta(days=1)
    expired = make_session("a" * 64, expires_at=now - timedelta(seconds=1))
    idle = make_session("b" * 64, last_seen_at=now - timedelta(hours=13))
    live = make_session("c" * 64, last_seen_at=now - timedelta(minutes=1))
    async with uow_factory() as uow:
        for session in (expired, idle, live):
            await uow.sessions.add(session)
        assert await uow.sessions.delete_expired(now, now - timedelta(hours=12)) == 2
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.sessions.get(live.token_hash) == live
        assert await uow.sessions.get(idle.token_hash) is None


async def test_invitations_are_used_once(uow_factory: UnitOfWorkFactory) -> None:
    await seed(uow_factory, make_org(), make_org("org-b"))
    open_link = make_invitation("a" * 64, role=Role.OWNER)
    for_ada = make_invitation(
        "b" * 64, email="ada@example.com", created_at=T0 + timedelta(seconds=1)
    )
    elsewhere = make_invitation("c" * 64, org_id="org-b")
    async with uow_factory() as uow:
        for invitation in (for_ada, open_link, elsewhere):
            await uow.invitations.add(invitation)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.invitations.get(for_ada.token_hash) == for_ada
        assert list(await uow.invitations.list("org-a")) == [open_link, for_ada]
        assert await uow.invitations.delete(open_link.token_hash) is True
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.invitations.delete(open_link.token_hash) is False
        assert await uow.invitations.get(open_link.token_hash) is None
