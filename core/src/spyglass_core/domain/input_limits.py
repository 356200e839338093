"""Limits on what a client may send, checked at the edge before anything else reads it.

Numbers: a client's integer ends up in a SQL column or an ``OFFSET``; beyond these
bounds a driver raises instead of answering. JSON: a decoder (msgspec, the ``json``
module) recurses once per level of nesting, so a body nested thousands of levels deep
raises ``RecursionError``, and one nested just below the interpreter's limit decodes in
the API but fails later wherever the stack is deeper (the worker, a response encoder).
``decode_json`` refuses such bodies before decoding them.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import msgspec

from spyglass_core.domain.errors import InvalidInput

__all__ = (
    "MAX_INT32",
    "MAX_INT64",
    "MAX_JSON_DEPTH",
    "MAX_PAGE",
    "check_json_depth",
    "decode_json",
    "json_too_deep",
    "parse_bounded_int",
)

MAX_INT32 = 2**31 - 1
"""The largest value of a SQL ``INTEGER`` column (prompt versions, tier priorities)."""

MAX_INT64 = 2**63 - 1
"""The largest value of a SQL ``BIGINT`` column, and of an ``OFFSET``."""

MAX_PAGE = MAX_INT32
"""The largest offset-page number: ``(page - 1) * limit`` stays far inside 64 bits."""

MAX_JSON_DEPTH = 100
"""How deeply a request's JSON arrays and objects may nest.

Real payloads need a handful of levels: an ingestion batch wraps a body in three
(``{batch: [{body: …}]}``), an OTLP/JSON export a span attribute in about ten, and chat
messages or metadata rarely add more than ten of their own.
"""

# A JSON string (escapes included), removed before the brackets are counted. An
# unterminated one runs to the end of the text: every match attempt then succeeds at once,
# which keeps the scan linear (retrying at each later quote would make it quadratic).
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKET = bytes(byte for byte in range(256) if byte not in b"[]{}")
_STEP = tuple(1 if byte in b"[{" else -1 if byte in b"]}" else 0 for byte in range(256))
_DIGITS = re.compile(r"[0-9]+")


def json_too_deep(data: bytes | str, max_depth: int = MAX_JSON_DEPTH) -> bool:
    """True when the arrays and objects of JSON text nest deeper than ``max_depth``.

    Works on the text, without decoding it: strings are dropped, then the brackets left
    are counted. Text that is not JSON gives a meaningless answer, and its decoder
    refuses it anyway.
    """
    if isinstance(data, str):
        openings = data.count("[") + data.count("{")
        raw = data.encode("utf-8", "surrogatepass") if openings > max_depth else b""
    else:
        openings = data.count(b"[") + data.count(b"{")
        raw = data
    if openings <= max_depth:
        return False  # too few brackets to nest that deep: the common case, all in C
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKET)
    return max(itertools.accumulate(map(_STEP.__getitem__, brackets)), default=0) > max_depth


def check_json_depth(data: bytes | str, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Refuse JSON text nested deeper than ``max_depth``.

    Raises:
        InvalidInput: the text nests too deeply; the message names the limit.
    """
    if json_too_deep(data, max_depth):
        raise InvalidInput(
            "Invalid request data",
            details=f"JSON is nested deeper than the limit of {max_depth} levels",
        )


def decode_json(data: bytes | str, type: Any = Any, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """JSON text decoded as ``type``, once its nesting is known to be within ``max_depth``.

    Raises:
        InvalidInput: the text nests too deeply, is not JSON, or does not fit ``type``.
    """
    check_json_depth(data, max_depth)
    try:
        return msgspec.json.decode(data, type=type)
    except msgspec.ValidationError as error:
        raise InvalidInput("Invalid request data", details=str(error)) from None
    except msgspec.DecodeError as error:
        raise InvalidInput("Invalid request data", details=f"Malformed JSON: {error}") from None


def parse_bounded_int(text: str, maximum: int, *, minimum: int = 0) -> int | None:
    """``text`` as an integer when it is ASCII digits naming one in ``minimum..maximum``.

    ``str.isdigit`` accepts digits ``int`` refuses (``"²"``) and lengths ``int`` refuses
    to convert, so path segments and the like are parsed here instead.
    """
    if not _DIGITS.fullmatch(text) or len(text.lstrip("0")) > len(str(maximum)):
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None
