"""Error mapping in one place: every failure becomes Langfuse's ``{message, error}`` JSON."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from spyglass_core.domain.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
    StorageUnavailable,
)

__all__ = ("EXCEPTION_HANDLERS", "error_response")

logger = logging.getLogger("spyglass.api")

STORAGE_RETRY_AFTER_SECONDS = 2
"""``Retry-After`` of a 503 answered because a storage backend is down."""

_DOMAIN_STATUS: dict[type[DomainError], tuple[int, str]] = {
    InvalidInput: (400, "InvalidRequestError"),
    AuthenticationFailed: (401, "UnauthorizedError"),
    PermissionDenied: (403, "ForbiddenError"),
    NotFound: (404, "LangfuseNotFoundError"),
    Conflict: (409, "LangfuseConflictError"),
    RateLimited: (429, "TooManyRequestsError"),
    StorageUnavailable: (503, "ServiceUnavailableError"),
}

_HTTP_ERROR_NAMES = {
    400: "InvalidRequestError",
    401: "UnauthorizedError",
    403: "ForbiddenError",
    404: "LangfuseNotFoundError",
    405: "MethodNotAllowedError",
    409: "LangfuseConflictError",
    413: "PayloadTooLargeError",
    415: "UnsupportedMediaTypeError",
    429: "TooManyRequestsError",
    503: "ServiceUnavailableError",
}


def error_response(
    status: int, message: str, error: Any, headers: dict[str, str] | None = None
) -> Response[dict[str, Any]]:
    """The JSON error body every route answers with."""
    return Response({"message": message, "error": error}, status_code=status, headers=headers)


def _domain_error(_: Request[Any, Any, Any], exc: DomainError) -> Response[dict[str, Any]]:
    status, name = next(
        (value for cls, value in _DOMAIN_STATUS.items() if isinstance(exc, cls)),
        (400, "InvalidRequestError"),
    )
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    if isinstance(exc, StorageUnavailable):
        logger.warning("storage unavailable: %s (%s)", exc.message, exc.details)
        # Nothing was written: the SDKs retry a 503, and Retry-After paces them.
        headers = {"Retry-After": str(STORAGE_RETRY_AFTER_SECONDS)}
    error: Any = exc.details if isinstance(exc, InvalidInput) and exc.details else name
    return error_response(status, exc.message, error, headers)


def _validation_error(_: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    return error_response(400, "Invalid request data", exc.extra or exc.detail)


def _http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    name = _HTTP_ERROR_NAMES.get(exc.status_code, type(exc).__name__)
    return error_response(exc.status_code, exc.detail, name, exc.headers)


def _unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(
        HTTP_500_INTERNAL_SERVER_ERROR, "Internal Server Error", "An unexpected error occurred"
    )


EXCEPTION_HANDLERS: dict[int | type[Exception], Any] = {
    DomainError: _domain_error,
    ValidationException: _validation_error,
    HTTPException: _http_error,
    Exception: _unexpected_error,
}
