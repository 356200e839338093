"""Session authentication, CSRF and role checks for ``/api/internal``.

API keys are not accepted here: the middleware only reads the session cookie, so a
request carrying an ``Authorization`` header and no cookie is answered 401.
"""

from __future__ import annotations

import hmac
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from spyglass_core.domain.access import ACCESS_OPT, Access
from spyglass_core.domain.accounts import Role
from spyglass_core.domain.errors import AuthenticationFailed, PermissionDenied
from spyglass_core.services.accounts import NO_SESSION, Accounts, SessionContext

__all__ = (
    "CSRF_HEADER",
    "PROJECT_SCOPE_KEY",
    "SAFE_METHODS",
    "SESSION_COOKIE",
    "SIGN_UP_PATH",
    "SessionAuthMiddleware",
    "internal_access_guard",
    "is_anonymous",
)

SESSION_COOKIE = "spyglass_session"
"""The HttpOnly cookie holding the session token."""

CSRF_HEADER = "x-csrf-token"
"""The header every state-changing internal request carries (the session's CSRF token)."""

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

PROJECT_SCOPE_KEY = "spyglass.project"
"""ASGI scope key where the guard leaves the ``(project_id, organization_id)`` it checked.

The request's ``Principal`` is built from it, so a project-scoped internal route reads
through the same services as the public API without a second lookup.
"""

SIGN_UP_PATH = "/sign-up"
"""The UI page a sign-up or invitation link opens, with ``?token=…``."""


def is_anonymous(handler: BaseRouteHandler) -> bool:
    """True for routes that need no session (sign-in, sign-up)."""
    return handler.opt.get(ACCESS_OPT) is Access.ANONYMOUS


class SessionAuthMiddleware(AbstractAuthenticationMiddleware):
    """Resolves the session cookie into a ``SessionContext`` on ``connection.auth``."""

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        if is_anonymous(connection.route_handler):
            return AuthenticationResult(user=None, auth=None)
        token = connection.cookies.get(SESSION_COOKIE)
        if not token:
            raise AuthenticationFailed(NO_SESSION)
        accounts = await connection.app.state.dishka_container.get(Accounts)
        context = await accounts.resolve(token)
        return AuthenticationResult(user=context.user, auth=context)


async def internal_access_guard(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """Apply the route's access rule: session, CSRF on writes, then the role.

    Raises:
        PermissionDenied: the route declares no rule, the CSRF token is missing or wrong,
            or the user's role is too weak (or they are not a member at all).
        AuthenticationFailed: no session on a route that needs one.
    """
    rule = handler.opt.get(ACCESS_OPT)
    if not isinstance(rule, Role | Access):
        raise PermissionDenied("This route declares no access rule")
    method = str(connection.scope.get("method", "GET"))
    if rule is Access.ANONYMOUS:
        if method not in SAFE_METHODS and not _sends_json(connection):
            # A cross-site form cannot send JSON without a CORS preflight, which fails:
            # that is what protects the routes that have no session (and so no token) yet.
            raise PermissionDenied("Send this request as application/json")
        return
    context = connection.scope.get("auth")
    if not isinstance(context, SessionContext):
        raise AuthenticationFailed(NO_SESSION)
    if method not in SAFE_METHODS:
        sent = connection.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), context.csrf_token.encode()):
            raise PermissionDenied("Missing or invalid CSRF token")
    if rule is Access.SIGNED_IN:
        return
    role = await _role_for(connection, context)
    if role is None or not role.allows(rule):
        raise PermissionDenied("Access denied - your role does not allow this")


async def _role_for(
    connection: ASGIConnection[Any, Any, Any, Any], context: SessionContext
) -> Role | None:
    params = connection.path_params
    if "project_id" in params:
        accounts = await connection.app.state.dishka_container.get(Accounts)
        # An unknown project and another organization's project answer alike (403), so
        # a user learns nothing about projects outside their organizations.
        project_id = str(params["project_id"])
        organization_id = await accounts.project_organization(project_id)
        if organization_id is None:
            return None
        connection.scope[PROJECT_SCOPE_KEY] = (project_id, organization_id)  # type: ignore[literal-required]
        return context.role_in(organization_id)
    if "organization_id" in params:
        return context.role_in(str(params["organization_id"]))
    return context.highest_role


def _sends_json(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    content_type = connection.headers.get("content-type", "")
    return content_type.split(";")[0].strip().lower() == "application/json"
