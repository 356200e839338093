"""Reading a variable's value as text."""

from __future__ import annotations

from typing import Any

from spyglass_answer_checks.text import MAX_CHARS, text_of


def test_strings_of_json_values_are_read_in_order_one_per_line() -> None:
    value = {"answer": "First.", "sources": [{"url": "https://a.example", "rank": 1}], "ok": True}
    assert text_of(value) == "First.\nhttps://a.example"
    assert text_of("as is") == "as is"
    assert text_of(42) == ""


def test_deep_or_huge_values_are_read_up_to_the_cap() -> None:
    deep: Any = "bottom"
    for _ in range(100_000):  # far past the recursion limit
        deep = [deep]
    assert text_of(deep) == "bottom"
    huge = ["x" * (MAX_CHARS - 10), "y" * MAX_CHARS, "never read"]
    text = text_of(huge)
    assert len(text) == MAX_CHARS
    assert text.endswith("\n" + "y" * 9)
