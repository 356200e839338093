"""Access rules of ``/api/internal`` routes, declared in each route's ``opt``.

Every internal route declares who may call it; the host refuses a route that declares
nothing (default deny). A plugin writes, for example::

    @get("/ingestion/status", opt=requires(Role.ADMIN))

A role is checked against the organization the route's path names (a ``project_id`` or
``organization_id`` path parameter); a route naming neither is instance-wide and is
checked against the user's strongest role in any organization.
"""

from __future__ import annotations

import enum

from spyglass_core.domain.accounts import Role

__all__ = ("ACCESS_OPT", "Access", "AccessRule", "requires")

ACCESS_OPT = "spyglass_access"
"""The route ``opt`` key holding the route's ``AccessRule``."""


class Access(enum.StrEnum):
    """Rules that are not a role."""

    ANONYMOUS = "ANONYMOUS"
    """No session needed (sign-in, sign-up). Writes must still send JSON (see docs)."""

    SIGNED_IN = "SIGNED_IN"
    """Any session, whatever the user's memberships (the session itself, sign-out)."""


AccessRule = Role | Access
"""A minimum role, or one of the ``Access`` rules."""


def requires(rule: AccessRule) -> dict[str, object]:
    """The ``opt`` of a route that ``rule`` protects."""
    return {ACCESS_OPT: rule}
