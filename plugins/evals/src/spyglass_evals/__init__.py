"""Spyglass evaluations: LLM connections, evaluators and (later) evaluation rules.

The plugin owns its tables (Alembic chain ``evals``) and reads other features' data only
through core's ports and domain events. It imports no other plugin.
"""

from __future__ import annotations
