"""``cites_context_url``: the output links to URLs it was given in the context."""

from __future__ import annotations

import time
from typing import Any

import pytest
from spyglass_answer_checks.citations import CitesContextUrl, urls_in

from spyglass_core.domain.errors import InvalidInput

CONTEXT = [
    {"url": "https://docs.example.com/refunds", "text": "Refunds take 5 days."},
    {"url": "https://docs.example.com/shipping/", "text": "Shipping is free."},
]


async def cites(output: Any, context: Any = CONTEXT, **config: Any) -> bool:
    return await CitesContextUrl(config).evaluate({"output": output, "context": context})


def test_urls_are_normalised_for_comparison() -> None:
    text = (
        "See HTTPS://Docs.Example.com/refunds/, (https://docs.example.com/refunds#top) "
        "and https://docs.example.com/a?b=1. Not ftp://x.org or http:// alone."
    )
    assert urls_in(text) == {
        "https://docs.example.com/refunds",
        "https://docs.example.com/a?b=1",
    }


async def test_an_answer_citing_a_context_url_passes() -> None:
    assert await cites("Refunds take 5 days (https://docs.example.com/refunds).") is True
    assert await cites("Free: https://docs.example.com/shipping") is True


async def test_an_invented_or_missing_link_fails() -> None:
    assert await cites("See https://docs.example.com/returns for details.") is False
    assert await cites("Refunds take 5 days.") is False
    # The context says it, but the output does not link it.
    assert await cites("Refunds take 5 days.", context="https://docs.example.com/refunds") is False


async def test_min_citations_counts_distinct_urls() -> None:
    twice = "https://docs.example.com/refunds and again https://docs.example.com/refunds/"
    both = "https://docs.example.com/refunds and https://docs.example.com/shipping"
    assert await cites(twice, minCitations=2) is False
    assert await cites(both, minCitations=2) is True


async def test_missing_variables_are_named() -> None:
    with pytest.raises(InvalidInput, match="needs variables: context"):
        await CitesContextUrl({}).evaluate({"output": "https://a.example"})
    with pytest.raises(InvalidInput, match="needs variables: output, context"):
        await CitesContextUrl({}).evaluate({})


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"minCitations": 0}, "between 1 and 100"),
        ({"minCitations": True}, "must be an integer"),
        ({"minCitations": "2"}, "must be an integer"),
        ({"min_citations": 2}, "unknown field"),
    ],
)
def test_a_bad_config_is_refused_naming_the_field(config: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as refused:
        CitesContextUrl(config)
    assert "'cites_context_url'" in refused.value.message


async def test_hostile_texts_are_checked_quickly() -> None:
    hostile = "http://" + "a" * 500_000 + " " + "https://" * 50_000
    started = time.perf_counter()
    assert await cites(hostile, context=hostile) is True
    assert time.perf_counter() - started < 2.0
