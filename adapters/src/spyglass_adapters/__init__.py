"""Spyglass adapters: the machinery under the ports, per technology, and no feature.

Subpackages import their drivers at import time, so import only the ones whose extra
is installed: ``memory`` (no extra), ``sql``, ``clickhouse``, ``blobs``, ``queue``, ``cache``.
A plugin's ``storage`` package builds on the ``spi`` modules (``sql.spi``,
``clickhouse.spi``, ``memory.spi``) and tests with ``testing`` (needs pytest).
"""
