"""Plain value coercion: attribute values of any shape as the JSON, strings and numbers
the mapping needs.
Every helper here is total: a value of the wrong type gives None (or its string form)
rather than an error. It also holds the range of usable nanosecond timestamps
(``_EPOCH``, ``_MAX_NANOS``, ``_valid_nanos``), shared by validation and the mapping.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from spyglass_core.domain.input_limits import json_too_deep
from spyglass_tracing.domain.time import utc

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_NANOS = (datetime(9999, 12, 31, tzinfo=UTC) - _EPOCH) // timedelta(microseconds=1) * 1000


def _valid_nanos(value: object) -> bool:
    return type(value) is int and 0 <= value <= _MAX_NANOS


def _present(value: object) -> bool:
    """Langfuse's ``hasMeaningfulValue``: not None, not empty string, list or dict."""
    if value is None or value == "":
        return False
    if isinstance(value, list | tuple | dict):
        return len(value) > 0
    return True


def _plain(value: Any, depth: int = 0) -> Any:
    """``value`` as something msgspec can encode as JSON."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex()
    if depth > 32:
        return str(value)
    if isinstance(value, Mapping):
        return {str(key): _plain(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item, depth + 1) for item in value]
    return str(value)


def _dumps(value: Any) -> str:
    """``value`` as JSON text; something with no JSON form as its plain string."""
    plain = _plain(value)
    if isinstance(plain, str):
        return plain
    try:
        return msgspec.json.encode(plain).decode("utf-8")
    except (TypeError, ValueError, OverflowError):
        return str(value)


def _json(value: Any) -> Any:
    """A string JSON-decoded when it parses, else kept raw; other values as they are.

    JSON nested deeper than ``MAX_JSON_DEPTH`` stays a string too: decoded, it would
    make the stored batch too deep for the worker to decode.
    """
    if isinstance(value, str):
        if json_too_deep(value):
            return value
        try:
            return msgspec.json.decode(value)
        except (msgspec.DecodeError, ValueError, RecursionError):
            return value
    return _plain(value)


def _json_structured(value: Any) -> Any:
    """Like ``_json``, but only strings that look like a JSON object or array."""
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        return _json(value)
    return _plain(value)


def _str(value: Any) -> str | None:
    """A non-empty string for ``value``: numbers and bools are written as JSON."""
    if isinstance(value, str):
        return value or None
    if value is None:
        return None
    return _dumps(value)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            number = _number(text)
            return _int(number) if number is not None else None
    return None


def _count(value: Any) -> int | None:
    count = _int(value)
    return count if count is not None and count >= 0 else None


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _first(attrs: Mapping[str, Any], keys: Iterable[str]) -> Any:
    """The first meaningful value among ``keys``, or None."""
    for key in keys:
        value = attrs.get(key)
        if _present(value):
            return value
    return None


def _nanos_to_datetime(value: object) -> datetime | None:
    if not _valid_nanos(value):
        return None
    assert isinstance(value, int)
    return _EPOCH + timedelta(microseconds=value // 1000)


def _parse_datetime(value: Any) -> datetime | None:
    """An ISO timestamp, possibly JSON-encoded with its quotes (as the v5 SDK sends it)."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.startswith('"'):
        decoded = _json(text)
        if not isinstance(decoded, str):
            return None
        text = decoded.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return utc(parsed)
