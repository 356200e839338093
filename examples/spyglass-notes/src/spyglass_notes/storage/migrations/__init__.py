"""Alembic revisions of spyglass-notes (recorded in ``alembic_version_notes``)."""
