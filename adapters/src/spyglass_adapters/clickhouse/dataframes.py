"""clickhouse-connect without numpy, pandas, pyarrow and polars until something needs them.

clickhouse-connect resolves these libraries lazily, through module attributes of
``clickhouse_connect.driver.options`` (``options.np``, ``options.pd``...). But its insert
and column-writing paths probe them on every call (``options.pd and isinstance(data,
options.pd.DataFrame)``), so the first insert imports pandas, and with it numpy and
pyarrow: ~430 modules and ~90 MB of a server that only ever sends and reads Python rows.

A probe cannot be true for a library no code has imported (no object can be a
DataFrame then), so :func:`defer_dataframe_libraries` makes those attributes read as
``None``, as if the library were not installed, for as long as it is not in
``sys.modules``. Once anything imports it, clickhouse-connect's own resolver takes over
and keeps it. The entry points that return such results (``query_np``, ``query_df``,
``query_arrow``, ``insert_df``...) resolve their library themselves, so they import it
as before; only a query context built by hand with ``use_numpy=True`` needs numpy
imported first.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from clickhouse_connect.driver import options

__all__ = ("defer_dataframe_libraries",)

_LIBRARY_OF_ATTRIBUTE = {
    "np": "numpy",
    "pd": "pandas",
    "pd_time_test": "pandas",
    "arrow": "pyarrow",
    "pl": "polars",
}


def defer_dataframe_libraries() -> None:
    """Let clickhouse-connect's library probes import nothing (idempotent, process-wide)."""
    resolve: Callable[[str], Any] = options.__getattr__
    if getattr(resolve, "_defers_dataframe_libraries", False):
        return

    def resolve_imported(name: str) -> Any:
        library = _LIBRARY_OF_ATTRIBUTE.get(name)
        if library is not None and library not in sys.modules:
            return None  # not cached: the next probe looks again
        return resolve(name)

    resolve_imported._defers_dataframe_libraries = True  # type: ignore[attr-defined]
    # The module's PEP 562 hook: consulted for attributes not (yet) in its namespace.
    options.__getattr__ = resolve_imported
