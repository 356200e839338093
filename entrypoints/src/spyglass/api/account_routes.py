"""``/api/internal/auth/*``: sign-up, sign-in, sign-out and the current session."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.params import JSONBody

from spyglass.api.sessions import SESSION_COOKIE
from spyglass.settings import Settings
from spyglass_core.domain.access import Access, requires
from spyglass_core.domain.accounts import MAX_PASSWORD_LENGTH, Membership, Role
from spyglass_core.domain.projects import User
from spyglass_core.services.accounts import Accounts, SessionContext, SignedIn

__all__ = (
    "AUTH_ROUTES",
    "MembershipResponse",
    "SessionResponse",
    "SignInRequest",
    "SignUpRequest",
    "UserResponse",
)

_Email = Annotated[str, msgspec.Meta(max_length=320)]
# Well above any valid password, so a too-long one gets the domain's clear message, yet
# bounded so a sign-in never feeds megabytes to the password hasher.
_Password = Annotated[str, msgspec.Meta(max_length=16 * MAX_PASSWORD_LENGTH)]


class SignUpRequest(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """A new account; ``invitationToken`` comes from an invitation or sign-up link."""

    email: _Email
    password: _Password
    name: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    invitation_token: Annotated[str, msgspec.Meta(max_length=200)] | None = None


class SignInRequest(msgspec.Struct, frozen=True, kw_only=True):
    """Email and password."""

    email: _Email
    password: _Password


class UserResponse(msgspec.Struct, frozen=True, kw_only=True):
    """The signed-in user (never the password hash)."""

    id: str
    email: str
    name: str | None


class MembershipResponse(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """A role in one organization."""

    organization_id: str
    role: Role


class SessionResponse(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """The session: who is signed in, their roles, and the CSRF token for writes."""

    user: UserResponse
    memberships: list[MembershipResponse]
    csrf_token: str
    expires_at: datetime


def _session_response(
    user: User, memberships: tuple[Membership, ...] | list[Membership], csrf: str, expires: datetime
) -> SessionResponse:
    return SessionResponse(
        user=UserResponse(id=user.id, email=user.email, name=user.name),
        memberships=[
            MembershipResponse(organization_id=m.organization_id, role=m.role) for m in memberships
        ],
        csrf_token=csrf,
        expires_at=expires,
    )


def _secure(request: Request[Any, Any, Any], settings: Settings) -> bool:
    if settings.secure_cookies is not None:
        return settings.secure_cookies
    return request.url.scheme == "https"


async def _signed_in_response(
    request: Request[Any, Any, Any],
    settings: Settings,
    accounts: Accounts,
    signed_in: SignedIn,
    status: int,
) -> Response[SessionResponse]:
    memberships = list(await accounts.memberships(signed_in.user.id))
    body = _session_response(
        signed_in.user, memberships, signed_in.csrf_token, signed_in.expires_at
    )
    cookie = Cookie(
        key=SESSION_COOKIE,
        value=signed_in.token,
        path="/",
        max_age=int(settings.session_max_age_seconds),
        httponly=True,
        samesite="lax",
        secure=_secure(request, settings),
    )
    return Response(body, status_code=status, cookies=[cookie])


@post("/auth/sign-up", opt=requires(Access.ANONYMOUS), status_code=201)
async def sign_up(
    request: Request[Any, Any, Any],
    data: JSONBody[SignUpRequest],
    accounts: FromDishka[Accounts],
    settings: FromDishka[Settings],
) -> Response[SessionResponse]:
    """Create an account and sign in.

    The first user of a deployment becomes OWNER of the default organization; later
    sign-ups need ``invitationToken`` unless ``SPYGLASS_OPEN_SIGNUP`` is set.
    """
    user = await accounts.sign_up(
        data.email, data.password, name=data.name, invitation_token=data.invitation_token
    )
    signed_in = await accounts.start_session(user)
    return await _signed_in_response(request, settings, accounts, signed_in, 201)


@post("/auth/sign-in", opt=requires(Access.ANONYMOUS), status_code=200)
async def sign_in(
    request: Request[Any, Any, Any],
    data: JSONBody[SignInRequest],
    accounts: FromDishka[Accounts],
    settings: FromDishka[Settings],
) -> Response[SessionResponse]:
    """Open a session; 401 for a wrong email or password alike, 429 after repeated failures."""
    address = request.client.host if request.client else None
    signed_in = await accounts.sign_in(data.email, data.password, address=address)
    return await _signed_in_response(request, settings, accounts, signed_in, 200)


@post("/auth/sign-out", opt=requires(Access.SIGNED_IN), status_code=204)
async def sign_out(
    request: Request[Any, Any, Any], accounts: FromDishka[Accounts]
) -> Response[None]:
    """End the session everywhere at once and clear the cookie."""
    await accounts.sign_out(request.cookies[SESSION_COOKIE])
    response: Response[None] = Response(None, status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@get("/auth/session", opt=requires(Access.SIGNED_IN))
async def current_session(session: FromDishka[SessionContext]) -> SessionResponse:
    """The signed-in user, their memberships and the CSRF token the UI sends on writes."""
    return _session_response(
        session.user, session.memberships, session.csrf_token, session.session.expires_at
    )


AUTH_ROUTES = [sign_up, sign_in, sign_out, current_session]
