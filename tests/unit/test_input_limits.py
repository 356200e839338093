"""The edge limits of core: JSON nesting measured on the text, bounded integer parsing."""

from __future__ import annotations

import json
import time
from typing import Any

import msgspec
import pytest

from spyglass_core.domain.errors import InvalidInput
from spyglass_core.domain.input_limits import (
    MAX_INT32,
    MAX_JSON_DEPTH,
    check_json_depth,
    decode_json,
    json_too_deep,
    parse_bounded_int,
)


def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


@pytest.mark.parametrize("depth", [0, 1, 2, 50, 99, 100, 101, 150, 5000])
def test_depth_is_measured_without_decoding(depth: int) -> None:
    text = json.dumps(_nested(depth)) if depth < 900 else "[" * depth + "]" * depth
    assert json_too_deep(text) is (depth > MAX_JSON_DEPTH)
    assert json_too_deep(text.encode()) is (depth > MAX_JSON_DEPTH)
    assert json_too_deep(text, max_depth=depth) is False
    if depth:
        assert json_too_deep(text, max_depth=depth - 1) is True


def test_brackets_inside_strings_do_not_count() -> None:
    tricky = {"a": "[[[[{{{{" * 100, "b": 'quote \\" then [[[[' * 50, "c": ["\\", "]]]"]}
    text = json.dumps(tricky)
    assert json_too_deep(text, max_depth=2) is False
    assert json_too_deep(text, max_depth=1) is True
    assert json_too_deep(json.dumps({"unicode": "ü€😀[" * 200}), max_depth=1) is False


@pytest.mark.parametrize(
    "text",
    [
        b"[" * 200 + b'"' + b'\\"[' * 200_000,  # one unterminated string, escaped quotes
        b"[" * 200 + b'"' + b'\\"[' * 200_000 + b"\\",  # … ending in a lone backslash
        b'"' * 400_001 + b"[" * 200,
    ],
)
def test_malformed_strings_keep_the_scan_linear(text: bytes) -> None:
    started = time.perf_counter()
    json_too_deep(text)
    # Retrying the string pattern at every later quote would take minutes here.
    assert time.perf_counter() - started < 2


def test_many_shallow_containers_are_not_deep() -> None:
    wide = msgspec.json.encode([{"a": [1, {"b": 2}]} for _ in range(10_000)])
    assert json_too_deep(wide) is False


def test_decode_json_refuses_deep_bodies_before_decoding_and_names_the_limit() -> None:
    with pytest.raises(InvalidInput) as refused:
        decode_json(b"[" * 5000 + b"]" * 5000)
    assert refused.value.message == "Invalid request data"
    assert str(MAX_JSON_DEPTH) in refused.value.details
    with pytest.raises(InvalidInput):
        check_json_depth(json.dumps(_nested(MAX_JSON_DEPTH + 1)))
    check_json_depth(json.dumps(_nested(MAX_JSON_DEPTH)))
    assert decode_json(json.dumps(_nested(MAX_JSON_DEPTH))) == _nested(MAX_JSON_DEPTH)


def test_decode_json_turns_decoder_errors_into_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="Invalid request data") as malformed:
        decode_json(b"{not json")
    assert "Malformed JSON" in malformed.value.details
    with pytest.raises(InvalidInput):
        decode_json(b'{"a": "x"}', dict[str, int])
    assert decode_json(b'{"a": 1}', dict[str, int]) == {"a": 1}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0),
        ("7", 7),
        ("007", 7),
        (str(MAX_INT32), MAX_INT32),
        (str(MAX_INT32 + 1), None),
        ("9" * 20, None),
        ("9" * 5000, None),  # int() itself refuses more than 4300 digits
        ("²", None),  # str.isdigit() says yes, int() says no
        ("١٢", None),  # Arabic-Indic digits: int() would take them
        ("-1", None),
        ("", None),
        (" 1", None),
    ],
)
def test_bounded_integers_are_ascii_digits_within_range(text: str, expected: int | None) -> None:
    assert parse_bounded_int(text, MAX_INT32) == expected


def test_bounded_integers_honour_the_minimum() -> None:
    assert parse_bounded_int("0", 10, minimum=1) is None
    assert parse_bounded_int("1", 10, minimum=1) == 1
