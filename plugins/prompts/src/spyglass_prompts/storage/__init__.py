"""Prompt storage: its tables, Alembic branch, SQL repository and memory fake.

Only this package may import ``spyglass_adapters.*.spi`` and the database drivers.
"""
