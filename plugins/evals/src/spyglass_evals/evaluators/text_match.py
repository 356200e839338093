"""Text comparison: exact match (optionally case and whitespace insensitive) and contains."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

import msgspec

from spyglass_core.hookspecs import EvaluatorSpec
from spyglass_evals.evaluators.common import as_text, config_schema, parse_config, require

__all__ = ("CONTAINS", "EXACT_MATCH")


class TextOptions(msgspec.Struct, frozen=True, forbid_unknown_fields=True, rename="camel"):
    """How texts are normalised before comparing."""

    ignore_case: bool = False
    normalize_whitespace: bool = False
    """Strip both ends and collapse every run of whitespace to one space."""


def normalize(text: str, options: TextOptions) -> str:
    """``text`` as the options compare it."""
    if options.normalize_whitespace:
        text = " ".join(text.split())
    if options.ignore_case:
        text = text.casefold()
    return text


class ExactMatch:
    """True when ``output`` equals ``expected_output`` after normalisation."""

    name = "exact_match"
    variables = ("output", "expected_output")

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        self.options = parse_config(self.name, TextOptions, config)

    async def evaluate(self, variables: Mapping[str, Any]) -> bool:
        output, expected = require(self.name, variables, self.variables)
        return normalize(as_text(output), self.options) == normalize(
            as_text(expected), self.options
        )


class ContainsConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True, rename="camel"):
    """The substrings to look for and whether any or all of them must occur."""

    values: Annotated[list[Annotated[str, msgspec.Meta(min_length=1)]], msgspec.Meta(min_length=1)]
    mode: Literal["any", "all"] = "any"
    ignore_case: bool = False
    normalize_whitespace: bool = False


class Contains:
    """True when ``output`` contains any (or all) of the configured substrings."""

    name = "contains"
    variables = ("output",)

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        self.config = parse_config(self.name, ContainsConfig, config)
        self.options = TextOptions(
            ignore_case=self.config.ignore_case,
            normalize_whitespace=self.config.normalize_whitespace,
        )
        self.needles = [normalize(value, self.options) for value in self.config.values]

    async def evaluate(self, variables: Mapping[str, Any]) -> bool:
        (output,) = require(self.name, variables, self.variables)
        text = normalize(as_text(output), self.options)
        found = (needle in text for needle in self.needles)
        return any(found) if self.config.mode == "any" else all(found)


EXACT_MATCH = EvaluatorSpec(
    name=ExactMatch.name,
    factory=ExactMatch,
    description="Output equals the expected output (optionally ignoring case and whitespace).",
    variables=ExactMatch.variables,
    output="boolean",
    config_schema=config_schema(TextOptions),
)

CONTAINS = EvaluatorSpec(
    name=Contains.name,
    factory=Contains,
    description="Output contains any (or all) of the configured substrings.",
    variables=Contains.variables,
    output="boolean",
    config_schema=config_schema(ContainsConfig),
)
