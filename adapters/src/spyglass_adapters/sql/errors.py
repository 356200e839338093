"""Translation of driver errors into domain errors, at the boundary."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import sqlalchemy.exc as sa_exc

from spyglass_core.domain.errors import Conflict, StorageUnavailable

__all__ = ("translate_errors",)


@contextlib.asynccontextmanager
async def translate_errors() -> AsyncIterator[None]:
    """Re-raise unique violations as ``Conflict``, lost connections as ``StorageUnavailable``."""
    try:
        yield
    except sa_exc.IntegrityError as error:
        raise Conflict(
            "The record conflicts with an existing one", details=str(error.orig)
        ) from error
    except (sa_exc.OperationalError, sa_exc.InterfaceError, OSError) as error:
        raise StorageUnavailable("The database is unavailable", details=str(error)) from error
