"""Alembic revisions of the prompts plugin (version table ``alembic_version_prompts``)."""
