"""Regular expressions users send, matched in linear time.

A model's ``matchPattern`` and a pricing tier condition's ``usageDetailPattern`` come
from users and are matched against every generation the worker prices. Python's ``re``
backtracks: ``^(a|a)*$`` against 25 ``a`` and a ``b`` takes seconds, doubling per
character, and would block the event loop. These patterns are therefore compiled with
RE2 (``google-re2``), whose matching time grows linearly with the text, never
backtracking.

RE2 reads the syntax Langfuse's patterns use (``(?i)``, groups, alternation, classes,
``\\d``, counted repetition up to 1000) but refuses what it cannot match in linear time
or does not know: lookarounds, backreferences, possessive quantifiers, atomic groups,
conditionals, inline comments, the verbose flag and ``\\uXXXX`` escapes (RE2 spells them
``\\x{XXXX}``). ``\\Z`` (end of text in Python and PostgreSQL) is read as RE2's ``\\z``.
``compile_pattern`` raises ``PatternError`` naming the problem; ``stored_pattern``, for
patterns already stored, logs the problem once and returns None instead.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import re2

__all__ = ("CompiledPattern", "PatternError", "compile_pattern", "stored_pattern")

logger = logging.getLogger(__name__)

_CACHE_SIZE = 4096

# RE2's "invalid perl operator" errors end with the construct it stopped at.
_OPERATORS = {
    "(?=": "lookahead assertions ((?=...), (?!...)) are not supported",
    "(?!": "lookahead assertions ((?=...), (?!...)) are not supported",
    "(?<=": "lookbehind assertions ((?<=...), (?<!...)) are not supported",
    "(?<!": "lookbehind assertions ((?<=...), (?<!...)) are not supported",
    "(?P=": "backreferences (\\1, (?P=name)) are not supported",
    "(?>": "atomic groups (?>...) are not supported",
    "(?(": "conditional groups (?(...)...) are not supported",
    "(?#": "inline comments (?#...) are not supported",
    "(?x": "the verbose flag (?x) is not supported",
}


class PatternError(ValueError):
    """A pattern the linear-time engine cannot compile, and why (``problem``)."""

    def __init__(self, pattern: str, problem: str) -> None:
        super().__init__(f"'{pattern}': {problem}")
        self.pattern = pattern
        self.problem = problem


class CompiledPattern:
    """A compiled pattern; ``search`` says whether it matches anywhere in a text."""

    __slots__ = ("_regexp", "case_sensitive", "pattern")

    def __init__(self, pattern: str, case_sensitive: bool, regexp: Any) -> None:
        self.pattern = pattern
        self.case_sensitive = case_sensitive
        self._regexp = regexp

    def search(self, text: str) -> bool:
        """Whether the pattern matches somewhere in ``text`` (like ``re.search``)."""
        # Lone surrogates cannot be UTF-8; RE2 treats such bytes as no character.
        encoded = text.encode("utf-8", "surrogatepass")
        return self._regexp.search(encoded) is not None

    def __repr__(self) -> str:
        return f"CompiledPattern({self.pattern!r}, case_sensitive={self.case_sensitive})"


def _translate(pattern: str) -> str:
    r"""``\Z`` (end of text in Python's ``re`` and PostgreSQL) spelled as RE2's ``\z``."""
    if "\\Z" not in pattern:
        return pattern
    parts = []
    i = 0
    while i < len(pattern):
        if pattern[i] == "\\" and i + 1 < len(pattern):
            escape = pattern[i : i + 2]
            parts.append("\\z" if escape == "\\Z" else escape)
            i += 2
        else:
            parts.append(pattern[i])
            i += 1
    return "".join(parts)


def _problem(pattern: str, error: str) -> str:
    """A reader's explanation of RE2's ``error`` for ``pattern`` (else the error itself,
    which names the problem: "missing ): (gpt")."""
    if error.startswith("invalid perl operator: "):
        operator = error.removeprefix("invalid perl operator: ")
        if operator == "(?P" and "(?P=" in pattern:
            operator = "(?P="
        for prefix, problem in _OPERATORS.items():
            if operator.startswith(prefix):
                return problem
    elif error.startswith("invalid escape sequence: \\"):
        escape = error.removeprefix("invalid escape sequence: \\")
        if escape[:1].isdigit() or escape.startswith("k"):
            return "backreferences (\\1, (?P=name)) are not supported"
        if escape.startswith(("u", "U")):
            return "\\uXXXX escapes are not supported; write \\x{XXXX}"
    elif error.startswith("bad repetition operator: ") and error.endswith("+"):
        return "possessive quantifiers (a++, a*+, a?+) are not supported"
    elif error.startswith("pattern too large"):
        return "the pattern is too large to match efficiently"
    return error


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _compile(pattern: str, case_sensitive: bool) -> CompiledPattern | str:
    """The compiled pattern, or the problem with it (cached either way)."""
    options = re2.Options()
    options.log_errors = False
    options.case_sensitive = case_sensitive
    try:
        regexp = re2.compile(_translate(pattern), options)
    except re2.error as exc:
        detail = exc.args[0] if exc.args else ""
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        return _problem(pattern, str(detail))
    except (TypeError, ValueError, UnicodeError) as exc:
        return str(exc)
    return CompiledPattern(pattern, case_sensitive, regexp)


def compile_pattern(pattern: str, *, case_sensitive: bool = True) -> CompiledPattern:
    """``pattern`` compiled for linear-time matching (cached).

    Raises:
        PatternError: RE2 cannot compile it; ``problem`` says why, e.g. "lookahead
            assertions ((?=...), (?!...)) are not supported".
    """
    compiled = _compile(pattern, case_sensitive)
    if isinstance(compiled, str):
        raise PatternError(pattern, compiled)
    return compiled


def stored_pattern(pattern: str, *, case_sensitive: bool = True) -> CompiledPattern | None:
    """A stored pattern compiled, or None when RE2 cannot compile it (logged once per
    pattern while it stays cached).

    Patterns stored before they were checked against RE2 may use syntax it refuses; such
    a pattern matches nothing rather than failing the batch being priced.
    """
    return _stored(pattern, case_sensitive)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _stored(pattern: str, case_sensitive: bool) -> CompiledPattern | None:
    try:
        return compile_pattern(pattern, case_sensitive=case_sensitive)
    except PatternError as exc:
        logger.warning("Ignoring stored pattern %r: %s", pattern, exc.problem)
        return None
