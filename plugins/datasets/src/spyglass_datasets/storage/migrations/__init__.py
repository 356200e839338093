"""Alembic revisions of the datasets plugin (version table ``alembic_version_datasets``)."""
