"""Spyglass evaluations: LLM connections, evaluators and (later) evaluation rules.

The plugin owns its tables (Alembic chain ``evals``) and reads other features' data only
through core's ports and domain events. It imports no other plugin.
"""

from __future__ import annotations

from collections.abc import Sequence

from spyglass_core.hookspecs import EvaluatorSpec, hookimpl
from spyglass_evals.evaluators import CODE_EVALUATORS


@hookimpl
def register_evaluators() -> Sequence[EvaluatorSpec]:
    """The deterministic code evaluators (``spyglass_evals.evaluators``)."""
    return CODE_EVALUATORS
