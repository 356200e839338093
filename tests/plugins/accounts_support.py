"""Helpers for internal-API tests: users with roles and clients signed in as them."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx

from spyglass.api.sessions import SESSION_COOKIE
from spyglass_core.domain.accounts import Membership, Role
from spyglass_core.domain.ids import new_id
from spyglass_core.domain.projects import User
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.passwords import PasswordHasher
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_core.services.accounts import Accounts
from tests.plugins.conftest import EmbeddedApp

PASSWORD = "correct horse battery staple"


async def add_user(app: EmbeddedApp, email: str, role: Role | None, org_id: str) -> User:
    """A user with ``PASSWORD`` and, when ``role`` is given, that role in ``org_id``."""
    hasher = await app.container.get(PasswordHasher)
    clock = await app.container.get(Clock)
    user = User(
        id=new_id(), email=email, created_at=clock.now(), password_hash=await hasher.hash(PASSWORD)
    )
    async with (await app.container.get(UnitOfWorkFactory))() as uow:
        await uow.users.add(user)
        if role is not None:
            await uow.memberships.add(
                Membership(
                    organization_id=org_id, user_id=user.id, role=role, created_at=clock.now()
                )
            )
        await uow.commit()
    return user


class SignedInClient:
    """An httpx client holding a session cookie, and the CSRF token that goes with it."""

    def __init__(self, client: httpx.AsyncClient, csrf_token: str) -> None:
        self.client = client
        self.csrf_token = csrf_token

    def csrf(self) -> dict[str, str]:
        """The header a write needs."""
        return {"x-csrf-token": self.csrf_token}


@contextlib.asynccontextmanager
async def signed_in(
    app: EmbeddedApp, email: str, password: str = PASSWORD
) -> AsyncIterator[SignedInClient]:
    """A fresh client (its own cookie jar) signed in as ``email``."""
    transport = httpx.ASGITransport(app=app.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.post(
            "/api/internal/auth/sign-in", json={"email": email, "password": password}
        )
        assert response.status_code == 200, response.text
        yield SignedInClient(client, response.json()["csrfToken"])


@contextlib.asynccontextmanager
async def anonymous(app: EmbeddedApp) -> AsyncIterator[httpx.AsyncClient]:
    """A fresh client without any cookie."""
    transport = httpx.ASGITransport(app=app.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def uow_factory(app: EmbeddedApp) -> UnitOfWorkFactory:
    """The app's unit-of-work factory."""
    return await app.container.get(UnitOfWorkFactory)


@contextlib.asynccontextmanager
async def session_of(app: EmbeddedApp, user: User) -> AsyncIterator[SignedInClient]:
    """A client with a fresh session of ``user``, opened without hashing a password."""
    accounts = await app.container.get(Accounts)
    opened = await accounts.start_session(user)
    async with anonymous(app) as client:
        client.cookies.set(SESSION_COOKIE, opened.token)
        yield SignedInClient(client, opened.csrf_token)
