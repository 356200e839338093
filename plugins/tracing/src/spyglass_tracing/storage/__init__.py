"""Tracing storage: SQL tables and Alembic branch, the ClickHouse analytics store, memory fakes.

Only this package may import ``spyglass_adapters.*.spi`` and the database drivers.
"""
