"""Spyglass adapters: one implementation per port and technology.

Subpackages import their drivers at import time, so import only the ones whose extra
is installed: ``memory`` (no extra), ``sql``, ``clickhouse``, ``blobs``, ``queue``, ``cache``.
"""
