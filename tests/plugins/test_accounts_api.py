"""Sign-up, sign-in, sessions, CSRF and rate limiting through the real app."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from spyglass_core.domain.accounts import Role, hash_token
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from tests.plugins.accounts_support import PASSWORD, add_user, anonymous, signed_in
from tests.plugins.conftest import EmbeddedApp, embedded_app, embedded_settings

SIGN_UP = "/api/internal/auth/sign-up"
SIGN_IN = "/api/internal/auth/sign-in"
SIGN_OUT = "/api/internal/auth/sign-out"
SESSION = "/api/internal/auth/session"


async def test_the_first_sign_up_owns_the_default_organization(embedded: EmbeddedApp) -> None:
    client = embedded.client
    response = await client.post(SIGN_UP, json={"email": "Ada@Example.com", "password": PASSWORD})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["user"]["email"] == "Ada@Example.com"
    assert body["memberships"] == [
        {"organizationId": embedded.project.organization_id, "role": "OWNER"}
    ]
    cookie = response.headers["set-cookie"]
    assert "spyglass_session=" in cookie
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Path=/" in cookie and "Secure" not in cookie  # plain http in this test

    session = await client.get(SESSION)
    assert session.status_code == 200
    assert session.json()["csrfToken"] == body["csrfToken"]
    assert "passwordHash" not in session.text and "argon2" not in session.text


async def test_later_sign_ups_need_an_invitation(embedded: EmbeddedApp) -> None:
    first = await embedded.client.post(
        SIGN_UP, json={"email": "a@example.com", "password": PASSWORD}
    )
    assert first.status_code == 201
    async with anonymous(embedded) as client:
        second = await client.post(SIGN_UP, json={"email": "b@example.com", "password": PASSWORD})
        assert second.status_code == 403
        assert second.json()["message"] == "Sign-up needs an invitation link"
        taken = await client.post(SIGN_UP, json={"email": "A@example.com", "password": PASSWORD})
        assert taken.status_code == 409


async def test_open_sign_up_grants_no_membership(tmp_path: Path, chdb_dsn: str) -> None:
    settings = embedded_settings(tmp_path, chdb_dsn, open_signup=True)
    async with embedded_app(settings) as app:
        await app.client.post(SIGN_UP, json={"email": "a@example.com", "password": PASSWORD})
        async with anonymous(app) as client:
            response = await client.post(
                SIGN_UP, json={"email": "b@example.com", "password": PASSWORD}
            )
            assert response.status_code == 201
            assert response.json()["memberships"] == []
            plugins = await client.get("/api/internal/plugins")
            assert plugins.status_code == 403


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"email": "not-an-email", "password": PASSWORD}, "valid email"),
        ({"email": "a@example.com", "password": "short"}, "at least 8"),
        ({"email": "a@example.com", "password": "x" * 300}, "at most 256"),
        ({"email": "a@example.com"}, "password"),
        ({"email": 5, "password": PASSWORD}, "email"),
    ],
)
async def test_bad_sign_up_input_is_400(embedded: EmbeddedApp, body: object, fragment: str) -> None:
    response = await embedded.client.post(SIGN_UP, json=body)
    assert response.status_code == 400, response.text
    assert fragment in response.text


async def test_sign_in_does_not_reveal_whether_the_email_exists(embedded: EmbeddedApp) -> None:
    await add_user(embedded, "ada@example.com", Role.MEMBER, embedded.project.organization_id)
    async with anonymous(embedded) as client:
        wrong = await client.post(
            SIGN_IN, json={"email": "ada@example.com", "password": "nope-nope"}
        )
        unknown = await client.post(
            SIGN_IN, json={"email": "who@example.com", "password": "nope-nope"}
        )
        assert wrong.status_code == unknown.status_code == 401
        assert wrong.json() == unknown.json()
        assert "set-cookie" not in wrong.headers
        right = await client.post(SIGN_IN, json={"email": "ADA@example.com", "password": PASSWORD})
        assert right.status_code == 200


async def test_sign_out_ends_the_session_at_once(embedded: EmbeddedApp) -> None:
    await add_user(embedded, "ada@example.com", Role.VIEWER, embedded.project.organization_id)
    async with signed_in(embedded, "ada@example.com") as ada:
        cookie = ada.client.cookies["spyglass_session"]
        assert (await ada.client.post(SIGN_OUT)).status_code == 403  # no CSRF token
        response = await ada.client.post(SIGN_OUT, headers=ada.csrf())
        assert response.status_code == 204
        assert (await ada.client.get(SESSION)).status_code == 401
    async with anonymous(embedded) as replay:
        # The old cookie, replayed: the session row is gone, not just the browser's copy.
        replay.cookies.set("spyglass_session", cookie)
        assert (await replay.get(SESSION)).status_code == 401
    factory = await embedded.container.get(UnitOfWorkFactory)
    async with factory() as uow:
        assert await uow.sessions.get(hash_token(cookie)) is None


async def test_only_the_hash_of_the_session_token_is_stored(embedded: EmbeddedApp) -> None:
    await add_user(embedded, "ada@example.com", Role.VIEWER, embedded.project.organization_id)
    async with signed_in(embedded, "ada@example.com") as ada:
        token = ada.client.cookies["spyglass_session"]
        factory = await embedded.container.get(UnitOfWorkFactory)
        async with factory() as uow:
            assert await uow.sessions.get(token) is None
            assert await uow.sessions.get(hash_token(token)) is not None


async def test_expired_sessions_are_refused(tmp_path: Path, chdb_dsn: str) -> None:
    settings = embedded_settings(tmp_path, chdb_dsn, session_idle_timeout_seconds=0.0)
    async with embedded_app(settings) as app:
        await add_user(app, "ada@example.com", Role.VIEWER, app.project.organization_id)
        async with signed_in(app, "ada@example.com") as ada:
            assert (await ada.client.get(SESSION)).status_code == 401


async def test_api_keys_are_refused_on_the_internal_api(embedded: EmbeddedApp) -> None:
    response = await embedded.client.get("/api/internal/plugins", auth=embedded.auth())
    assert response.status_code == 401


async def test_repeated_failures_are_rate_limited(tmp_path: Path, chdb_dsn: str) -> None:
    settings = embedded_settings(tmp_path, chdb_dsn, login_max_failures=3)
    async with embedded_app(settings) as app:
        await add_user(app, "ada@example.com", Role.VIEWER, app.project.organization_id)
        async with anonymous(app) as client:
            for _ in range(3):
                response = await client.post(
                    SIGN_IN, json={"email": "ada@example.com", "password": "wrong-wrong"}
                )
                assert response.status_code == 401
            locked = await client.post(
                SIGN_IN, json={"email": "ada@example.com", "password": PASSWORD}
            )
            assert locked.status_code == 429
            assert 0 < int(locked.headers["retry-after"]) <= 900
            # The address is limited too: guessing another account is refused as well.
            other = await client.post(
                SIGN_IN, json={"email": "bob@example.com", "password": "x" * 9}
            )
            assert other.status_code == 429


async def test_anonymous_writes_must_be_json(embedded: EmbeddedApp) -> None:
    response = await embedded.client.post(
        SIGN_IN,
        content=b"email=a%40example.com&password=x",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 403


async def test_the_cookie_is_secure_over_https(embedded: EmbeddedApp) -> None:
    await add_user(embedded, "ada@example.com", Role.VIEWER, embedded.project.organization_id)
    transport = httpx.ASGITransport(app=embedded.app)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as https:
        response = await https.post(
            SIGN_IN, json={"email": "ada@example.com", "password": PASSWORD}
        )
    assert response.status_code == 200
    assert "Secure" in response.headers["set-cookie"]


async def test_secure_cookies_can_be_forced(tmp_path: Path, chdb_dsn: str) -> None:
    settings = embedded_settings(tmp_path, chdb_dsn, secure_cookies=True)
    async with embedded_app(settings) as app:
        await add_user(app, "ada@example.com", Role.VIEWER, app.project.organization_id)
        response = await app.client.post(  # plain http
            SIGN_IN, json={"email": "ada@example.com", "password": PASSWORD}
        )
    assert "Secure" in response.headers["set-cookie"]
