"""The evals plugin's SQL migrations (Alembic chain ``evals``)."""
