"""``readability``: the Flesch reading ease of the output (English prose).

    206.835 - 1.015 * (words / sentences) - 84.6 * (syllables / words)

Higher is easier: about 90-100 reads like a children's book, 60-70 like plain English,
below 30 like an academic paper. Syllables are estimated by a common heuristic (vowel
groups, minus a silent final ``e`` and ``-es``/``-ed`` endings other than ``-ted`` and
``-ded``), so a score is a guide, not a measurement. URLs are not prose and are left out.
A sentence ends at ``.``, ``!`` or ``?`` followed by white space or the end of the text
(so ``3.5`` and ``example.com`` do not end one). No regular expression here nests or
overlaps repetitions, so Python's engine matches each in linear time: a long or hostile
output cannot stall a worker.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from spyglass_answer_checks.text import (
    URL,
    URL_TRAILING,
    check_keys,
    invalid,
    require,
    text_of,
)
from spyglass_core.domain.errors import InvalidInput
from spyglass_core.hookspecs import EvaluatorSpec

__all__ = ("READABILITY", "Readability", "flesch_reading_ease", "syllables")

_WORD = re.compile(r"[^\W\d_]+")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")
_VOWEL_GROUP = re.compile(r"[aeiouy]+")
_SILENT_ENDING = re.compile(r"(?:[^laeiouy]es|[^laeiouytd]ed|[^laeiouy]e)$")


def syllables(word: str) -> int:
    """An estimate of the syllables of one English word (at least 1)."""
    word = word.lower()
    if len(word) <= 3:
        return 1
    word = _SILENT_ENDING.sub("", word)
    word = word.removeprefix("y")  # a leading y is a consonant: "yellow"
    return max(1, len(_VOWEL_GROUP.findall(word)))


def _without_urls(text: str) -> str:
    """``text`` with its URLs blanked out (a link is not prose), keeping the punctuation
    that follows one: "see https://example.com/a." still ends a sentence."""

    def blank(match: re.Match[str]) -> str:
        url = match.group()
        return " " + url[len(url.rstrip(URL_TRAILING)) :]

    return URL.sub(blank, text)


def flesch_reading_ease(text: str) -> float | None:
    """The Flesch reading ease of ``text`` (URLs left out), or None when it has no words."""
    text = _without_urls(text)
    words = _WORD.findall(text)
    if not words:
        return None
    sentences = max(1, len(_SENTENCE_END.findall(text)))
    total_syllables = sum(syllables(word) for word in words)
    return 206.835 - 1.015 * (len(words) / sentences) - 84.6 * (total_syllables / len(words))


class Readability:
    """The output's Flesch reading ease, clamped to 0..100 (or 0..1 with ``normalize``)
    and rounded to two decimals, so a dashboard shows stable values."""

    name = "readability"

    def __init__(self, config: Mapping[str, Any]) -> None:
        check_keys(self.name, config, {"normalize"})
        normalize = config.get("normalize", False)
        if not isinstance(normalize, bool):
            raise invalid(self.name, "normalize must be true or false")
        self.normalize = normalize

    async def evaluate(self, variables: Mapping[str, Any]) -> float:
        (output,) = require(self.name, variables, "output")
        score = flesch_reading_ease(text_of(output))
        if score is None:
            # Not 0: an empty answer is not hard to read, it is not an answer.
            raise InvalidInput(
                f"Evaluator '{self.name}' found no words in the output",
                details={"evaluator": self.name},
            )
        clamped = min(100.0, max(0.0, score))
        return round(clamped / 100, 4) if self.normalize else round(clamped, 2)


READABILITY = EvaluatorSpec(
    name=Readability.name,
    factory=Readability,
    description="Flesch reading ease of the output: 0 (very hard) to 100 (very easy).",
    variables=("output",),
    output="numeric",
    config_schema={
        "type": "object",
        "properties": {
            "normalize": {
                "type": "boolean",
                "default": False,
                "description": "Score from 0 to 1 instead of 0 to 100.",
            }
        },
        "additionalProperties": False,
    },
)
