"""The deployment's own secrets, created once and shared by every process."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from spyglass_core.domain.errors import Conflict
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory

__all__ = ("instance_secret", "new_secret")


def new_secret() -> str:
    """A fresh random secret: 32 bytes, hex."""
    return secrets.token_hex(32)


async def instance_secret(
    uow: UnitOfWorkFactory, name: str, *, initial: Callable[[], str] = new_secret
) -> str:
    """The secret ``name``; the first caller anywhere stores ``initial()``.

    Two processes starting at once agree: the loser of the insert reads the winner's.

    Raises:
        StorageUnavailable: the database cannot be reached.
    """
    async with uow() as unit:
        found = await unit.instance_secrets.get(name)
    if found is not None:
        return found
    value = initial()
    try:
        async with uow() as unit:
            await unit.instance_secrets.add(name, value)
            await unit.commit()
    except Conflict:
        async with uow() as unit:
            found = await unit.instance_secrets.get(name)
        if found is None:  # pragma: no cover - a conflict means the row exists
            raise
        return found
    return value
