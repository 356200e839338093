"""Alembic chain of the notes test plugin."""
