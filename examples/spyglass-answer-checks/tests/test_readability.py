"""``readability``: the Flesch reading ease of the output."""

from __future__ import annotations

import time

import pytest
from spyglass_answer_checks.readability import Readability, flesch_reading_ease, syllables

from spyglass_core.domain.errors import InvalidInput

FOX = "The quick brown fox jumps over the lazy dog. It was not amused."


@pytest.mark.parametrize(
    ("word", "count"),
    [
        ("the", 1),
        ("quick", 1),
        ("over", 2),
        ("lazy", 2),
        ("amused", 2),  # -ed is silent after s
        ("wanted", 2),  # ... but not after t
        ("table", 2),  # -le keeps its syllable
        ("made", 1),  # silent e
        ("beautiful", 3),
        ("yellow", 2),
        ("Readability", 5),
    ],
)
def test_syllables(word: str, count: int) -> None:
    assert syllables(word) == count


def test_the_formula_on_a_known_text() -> None:
    # 13 words, 2 sentences, 16 syllables: 206.835 - 1.015 * 6.5 - 84.6 * 16 / 13.
    assert flesch_reading_ease(FOX) == pytest.approx(96.1144, abs=1e-4)


def test_dots_inside_numbers_and_hosts_do_not_end_sentences() -> None:
    one = "Version 3.5 of example.com is out now."
    assert flesch_reading_ease(one) == flesch_reading_ease("Version 3 of example com is out now.")


def test_urls_are_not_prose() -> None:
    linked = "It was not amused (see https://docs.example.com/fox). Then https://x.example/a."
    assert flesch_reading_ease(linked) == flesch_reading_ease("It was not amused (see). Then.")
    assert flesch_reading_ease("https://docs.example.com/fox") is None


async def test_easy_text_scores_higher_than_dense_text() -> None:
    evaluator = Readability({})
    easy = await evaluator.evaluate({"output": "We can help. Send us the form. We will call you."})
    dense = await evaluator.evaluate(
        {
            "output": "Notwithstanding contractual obligations, reimbursement eligibility "
            "determinations necessitate comprehensive documentation verification procedures."
        }
    )
    assert easy > 80 > 20 > dense >= 0


async def test_scores_are_clamped_rounded_and_optionally_normalized() -> None:
    assert await Readability({}).evaluate({"output": FOX}) == 96.11
    assert await Readability({"normalize": True}).evaluate({"output": FOX}) == 0.9611
    # "Go." alone is past the top of the scale (121.2): it reads as 100.
    assert await Readability({}).evaluate({"output": "Go. Run. Sit."}) == 100.0


async def test_a_json_output_is_scored_on_its_strings() -> None:
    answer = {"parts": ["The quick brown fox jumps over the lazy dog.", "It was not amused."]}
    assert await Readability({}).evaluate({"output": answer | {"tokens": 13}}) == 96.11
    # Every string counts: a rule picks the prose with a jsonPath ($.content) if needed.
    message = {"role": "assistant", "content": FOX}
    assert await Readability({}).evaluate({"output": message}) < 96.11


async def test_an_output_without_words_or_missing_is_refused() -> None:
    evaluator = Readability({})
    with pytest.raises(InvalidInput, match="found no words"):
        await evaluator.evaluate({"output": "42 ... !!!"})
    with pytest.raises(InvalidInput, match="needs variables: output"):
        await evaluator.evaluate({"output": None})


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"normalize": "yes"}, "normalize must be true or false"),
        ({"normalise": True}, "unknown field"),
    ],
)
def test_a_bad_config_is_refused_naming_the_field(config: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as refused:
        Readability(config)
    assert "'readability'" in refused.value.message


async def test_a_huge_output_is_scored_quickly() -> None:
    huge = "Short words. " * 200_000 + "a" * 1_000_000  # 3.6 MB, read up to its cap
    started = time.perf_counter()
    assert await Readability({}).evaluate({"output": huge}) > 0
    assert time.perf_counter() - started < 2.0
