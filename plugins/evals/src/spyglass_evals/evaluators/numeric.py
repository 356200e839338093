"""Numeric tolerance: ``|output - expected| <= tolerance``, absolute or relative."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Any

import msgspec

from spyglass_core.domain.errors import InvalidInput
from spyglass_core.hookspecs import EvaluatorSpec
from spyglass_evals.evaluators.common import config_schema, parse_config, require

__all__ = ("NUMERIC_TOLERANCE",)


class ToleranceConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, rename="camel"):
    """How far the output may be from the expected number."""

    tolerance: Annotated[float, msgspec.Meta(ge=0)] = 0.0
    relative: bool = False
    """Read ``tolerance`` as a fraction of ``|expected|`` (0.05 is 5 %)."""


def _number(value: Any) -> float | None:
    """``value`` as a finite float (numbers and numeric strings), else None."""
    if isinstance(value, bool):  # True is an int in Python, not a number here
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


class NumericTolerance:
    """True when ``output`` is a number within the tolerance of ``expected_output``.

    An output that is not a number fails (False): it is the answer being judged. An
    expected output that is not a number is a bad dataset item and raises InvalidInput.
    """

    name = "numeric_tolerance"
    variables = ("output", "expected_output")

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        self.config = parse_config(self.name, ToleranceConfig, config)

    async def evaluate(self, variables: Mapping[str, Any]) -> bool:
        output, expected = require(self.name, variables, self.variables)
        target = _number(expected)
        if target is None:
            raise InvalidInput(
                f"Evaluator '{self.name}': expected_output is not a number",
                details={"evaluator": self.name},
            )
        actual = _number(output)
        if actual is None:
            return False
        allowed = self.config.tolerance * (abs(target) if self.config.relative else 1.0)
        return abs(actual - target) <= allowed


NUMERIC_TOLERANCE = EvaluatorSpec(
    name=NumericTolerance.name,
    factory=NumericTolerance,
    description="Output is a number within a tolerance (absolute or relative) of the expected.",
    variables=NumericTolerance.variables,
    output="boolean",
    config_schema=config_schema(ToleranceConfig),
)
