"""Which traces a feature asks the trace store for, without naming the store's own query types.

A ``TraceSelection`` is what another feature (datasets creating items from traces, say)
may filter traces by through ``spyglass_core.ports.traces.TraceReader``: the same
filters as ``GET /api/public/traces``, each one optional, every given one must hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import msgspec

__all__ = ("TraceSelection",)


class TraceSelection(msgspec.Struct, frozen=True, kw_only=True):
    """Traces matching every given field.

    ``tags``: the trace carries all of them. ``environments``: the trace's environment
    is one of them. ``from_timestamp`` is inclusive, ``to_timestamp`` exclusive.
    """

    name: str | None = None
    user_id: str | None = None
    session_id: str | None = None
    tags: Sequence[str] = ()
    environments: Sequence[str] = ()
    from_timestamp: datetime | None = None
    to_timestamp: datetime | None = None
