"""``GET /api/public/health``: liveness, and storage readiness on request."""

from __future__ import annotations

import asyncio
from typing import Annotated

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Response, get
from litestar.params import QueryParameter

from spyglass import __version__
from spyglass.api.auth import EXCLUDE_FROM_AUTH
from spyglass_adapters.clickhouse import ClickHouseConnection
from spyglass_core.domain.errors import StorageUnavailable
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory

__all__ = ("HealthResponse", "health")


class HealthResponse(msgspec.Struct, frozen=True):
    """``{status, version}``: ``OK``, or ``Database not available`` with a 503."""

    status: str
    version: str


_PING_TIMEOUT_SECONDS = 5.0


@get("/health", opt={EXCLUDE_FROM_AUTH: True})
async def health(
    uow_factory: FromDishka[UnitOfWorkFactory],
    analytics: FromDishka[ClickHouseConnection],
    fail_if_database_unavailable: Annotated[
        bool, QueryParameter(name="failIfDatabaseUnavailable")
    ] = False,
) -> Response[HealthResponse]:
    """``{status: "OK", version}``; 503 when asked to check storage and it is down."""
    if fail_if_database_unavailable:
        try:
            async with asyncio.timeout(_PING_TIMEOUT_SECONDS):
                await uow_factory.ping()
                await analytics.ping()
        except (StorageUnavailable, TimeoutError):
            return Response(
                HealthResponse(status="Database not available", version=__version__),
                status_code=503,
            )
    return Response(HealthResponse(status="OK", version=__version__))
