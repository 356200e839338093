"""Deterministic code evaluators: one module per concern, each spec registered by name."""

from __future__ import annotations

from spyglass_core.hookspecs import EvaluatorSpec
from spyglass_evals.evaluators.json_checks import JSON_SCHEMA, JSON_VALID
from spyglass_evals.evaluators.numeric import NUMERIC_TOLERANCE
from spyglass_evals.evaluators.regex import REGEX
from spyglass_evals.evaluators.similarity import LEVENSHTEIN
from spyglass_evals.evaluators.text_match import CONTAINS, EXACT_MATCH

__all__ = ("CODE_EVALUATORS",)

CODE_EVALUATORS: tuple[EvaluatorSpec, ...] = (
    EXACT_MATCH,
    CONTAINS,
    REGEX,
    JSON_VALID,
    JSON_SCHEMA,
    LEVENSHTEIN,
    NUMERIC_TOLERANCE,
)
