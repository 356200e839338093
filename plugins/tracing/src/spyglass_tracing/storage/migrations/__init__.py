"""Alembic revisions of the tracing plugin (version table ``alembic_version_tracing``)."""
