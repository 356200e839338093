"""API-key authentication for ``/api/public``: Basic (project) and Bearer (scores only)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from spyglass_core.domain.api_keys import AccessLevel, Principal
from spyglass_core.domain.errors import AuthenticationFailed, PermissionDenied
from spyglass_core.services.authentication import INVALID_CREDENTIALS, ApiKeyAuthenticator

__all__ = (
    "ALLOW_SCORES_ACCESS",
    "EXCLUDE_FROM_AUTH",
    "ApiKeyAuthMiddleware",
    "project_access_guard",
)

EXCLUDE_FROM_AUTH = "exclude_from_auth"
"""Route ``opt`` key: the route needs no credentials (health, presigned uploads)."""

ALLOW_SCORES_ACCESS = "allow_scores_access"
"""Route ``opt`` key: a Bearer public key (scores-only access) may call this route."""

_NO_HEADER = "No authorization header"


class ApiKeyAuthMiddleware(AbstractAuthenticationMiddleware):
    """Resolves the ``Authorization`` header into a ``Principal`` on ``connection.auth``."""

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        header = connection.headers.get("authorization", "").strip()
        if not header:
            raise AuthenticationFailed(_NO_HEADER)
        scheme, _, credentials = header.partition(" ")
        container = connection.app.state.dishka_container
        authenticator = await container.get(ApiKeyAuthenticator)
        scheme = scheme.lower()
        if scheme == "basic":
            public_key, secret_key = _decode_basic(credentials.strip())
            principal = await authenticator.authenticate_basic(public_key, secret_key)
        elif scheme == "bearer" and credentials.strip():
            principal = await authenticator.authenticate_bearer(credentials.strip())
        else:
            raise AuthenticationFailed(INVALID_CREDENTIALS)
        return AuthenticationResult(user=principal.api_key_id, auth=principal)


def project_access_guard(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """Let scores-only principals through only to routes that opt in."""
    principal = connection.scope.get("auth")
    if (
        isinstance(principal, Principal)
        and principal.access_level is AccessLevel.SCORES
        and not handler.opt.get(ALLOW_SCORES_ACCESS)
    ):
        raise PermissionDenied("Access denied - insufficient permissions for this endpoint")


def _decode_basic(credentials: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise AuthenticationFailed(INVALID_CREDENTIALS) from None
    public_key, separator, secret_key = decoded.partition(":")
    if not separator or not public_key or not secret_key:
        raise AuthenticationFailed(INVALID_CREDENTIALS)
    return public_key, secret_key
