"""``cites_context_url``: does the answer cite a URL it was actually given?

Retrieval-augmented answers are asked to cite their sources. This checks that the output
links to at least ``minCitations`` distinct URLs that also occur in the context (the
retrieved documents), so an invented link or a link to a page the model never saw does
not count. URLs are compared without their fragment, trailing slash and trailing
punctuation, with the scheme and host in lower case.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from spyglass_answer_checks.text import (
    URL,
    URL_TRAILING,
    check_keys,
    invalid,
    require,
    text_of,
)
from spyglass_core.hookspecs import EvaluatorSpec

__all__ = ("CITES_CONTEXT_URL", "CitesContextUrl", "urls_in")

MAX_CITATIONS = 100


def _normal(url: str) -> str | None:
    try:
        parts = urlsplit(url.rstrip(URL_TRAILING))
    except ValueError:  # e.g. an invalid IPv6 host: not a usable link
        return None
    if not parts.netloc:
        return None
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def urls_in(text: str) -> set[str]:
    """The distinct http(s) URLs in ``text``, normalised for comparison."""
    found = (_normal(match) for match in URL.findall(text))
    return {url for url in found if url is not None}


class CitesContextUrl:
    """True when the output cites at least ``minCitations`` URLs of the context."""

    name = "cites_context_url"

    def __init__(self, config: Mapping[str, Any]) -> None:
        check_keys(self.name, config, {"minCitations"})
        minimum = config.get("minCitations", 1)
        # bool is an int in Python; "minCitations": true is a mistake, not 1.
        if isinstance(minimum, bool) or not isinstance(minimum, int):
            raise invalid(self.name, "minCitations must be an integer")
        if not 1 <= minimum <= MAX_CITATIONS:
            raise invalid(self.name, f"minCitations must be between 1 and {MAX_CITATIONS}")
        self.min_citations = minimum

    async def evaluate(self, variables: Mapping[str, Any]) -> bool:
        output, context = require(self.name, variables, "output", "context")
        cited = urls_in(text_of(output)) & urls_in(text_of(context))
        return len(cited) >= self.min_citations


CITES_CONTEXT_URL = EvaluatorSpec(
    name=CitesContextUrl.name,
    factory=CitesContextUrl,
    description="Output links to at least minCitations URLs that occur in the context.",
    variables=("output", "context"),
    output="boolean",
    config_schema={
        "type": "object",
        "properties": {
            "minCitations": {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_CITATIONS,
                "default": 1,
                "description": "How many distinct context URLs the output must link to.",
            }
        },
        "additionalProperties": False,
    },
)
