"""Levenshtein similarity: 1 - edit distance / length of the longer text, in 0..1."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rapidfuzz.distance import Levenshtein

from spyglass_core.hookspecs import EvaluatorSpec
from spyglass_evals.evaluators.common import as_text, config_schema, parse_config, require
from spyglass_evals.evaluators.text_match import TextOptions, normalize

__all__ = ("LEVENSHTEIN",)


class LevenshteinSimilarity:
    """How close ``output`` is to ``expected_output``: 1.0 equal, 0.0 nothing in common.

    rapidfuzz computes the distance in C with a bit-parallel algorithm, so long texts cost
    milliseconds, not the seconds a quadratic table in Python would.
    """

    name = "levenshtein"
    variables = ("output", "expected_output")

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        self.options = parse_config(self.name, TextOptions, config)

    async def evaluate(self, variables: Mapping[str, Any]) -> float:
        output, expected = require(self.name, variables, self.variables)
        left = normalize(as_text(output), self.options)
        right = normalize(as_text(expected), self.options)
        return float(Levenshtein.normalized_similarity(left, right))


LEVENSHTEIN = EvaluatorSpec(
    name=LevenshteinSimilarity.name,
    factory=LevenshteinSimilarity,
    description="Normalized Levenshtein similarity of output and expected output (0 to 1).",
    variables=LevenshteinSimilarity.variables,
    output="numeric",
    config_schema=config_schema(TextOptions),
)
