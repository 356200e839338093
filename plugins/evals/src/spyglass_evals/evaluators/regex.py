"""Regular expressions, run by RE2: matching takes time linear in the text.

Python's ``re`` backtracks, so a pattern like ``(a+)+$`` can take exponential time on a
short text; RE2 (``google-re2``) never backtracks. The price is RE2's syntax: no
backreferences and no lookaround; such patterns are rejected when the evaluator is built.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import msgspec
import re2

from spyglass_core.domain.errors import InvalidInput
from spyglass_core.hookspecs import EvaluatorSpec
from spyglass_evals.evaluators.common import as_text, config_schema, parse_config, require

__all__ = ("REGEX",)

MAX_PATTERN_LENGTH = 2_000


class RegexConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, rename="camel"):
    """The pattern (RE2 syntax) and how it is applied."""

    pattern: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_PATTERN_LENGTH)]
    ignore_case: bool = False
    full_match: bool = False
    """Match the whole output instead of searching for the pattern anywhere in it."""


class RegexMatch:
    """True when the pattern matches ``output``."""

    name = "regex"
    variables = ("output",)

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        self.config = parse_config(self.name, RegexConfig, config)
        options = re2.Options()
        options.case_sensitive = not self.config.ignore_case
        options.log_errors = False  # the error is raised, not logged to stderr
        try:
            self.pattern = re2.compile(self.config.pattern, options)
        except re2.error as error:
            reason = error.args[0].decode() if isinstance(error.args[0], bytes) else error
            raise InvalidInput(
                f"Invalid config for evaluator '{self.name}': pattern is not valid RE2 "
                f"syntax ({reason}); backreferences and lookaround are not supported",
                details={"evaluator": self.name},
            ) from None

    async def evaluate(self, variables: Mapping[str, Any]) -> bool:
        (output,) = require(self.name, variables, self.variables)
        text = as_text(output)
        if self.config.full_match:
            return self.pattern.fullmatch(text) is not None
        return self.pattern.search(text) is not None


REGEX = EvaluatorSpec(
    name=RegexMatch.name,
    factory=RegexMatch,
    description="Output matches a regular expression (RE2 syntax, linear time).",
    variables=RegexMatch.variables,
    output="boolean",
    config_schema=config_schema(RegexConfig),
)
