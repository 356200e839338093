"""Usage normalization, model matching, tier selection, cost, and the default price table."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from spyglass_tracing.domain.cost import (
    ModelMatcher,
    compute_cost,
    default_models,
    match_model,
    normalize_cost_details,
    normalize_usage,
    select_tier,
    validate_match_pattern,
)
from spyglass_tracing.domain.models import Model, PricingTier, PricingTierCondition
from spyglass_tracing.domain.patterns import PatternError, compile_pattern

# --- normalize_usage ---------------------------------------------------------------------


def test_absent_usage_gives_nothing() -> None:
    assert normalize_usage(msgspec.UNSET, msgspec.UNSET) == ({}, {})
    assert normalize_usage(None, None) == ({}, {})
    assert normalize_usage({}, {}) == ({}, {})


def test_flat_usage_details_are_kept_as_given_and_total_is_their_sum() -> None:
    usage, costs = normalize_usage(None, {"input": 10, "output": 5, "input_cache_read": 3})
    assert usage == {"input": 10, "output": 5, "input_cache_read": 3, "total": 18}
    assert costs == {}


def test_a_provided_total_is_kept() -> None:
    assert normalize_usage(None, {"input": 10, "output": 5, "total": 99})[0] == {
        "input": 10,
        "output": 5,
        "total": 99,
    }


def test_invalid_counts_are_silently_dropped() -> None:
    usage, _ = normalize_usage(
        None,
        {
            "input": "12",
            "output": 4.0,
            "negative": -1,
            "fraction": 1.5,
            "word": "many",
            "flag": True,
            "nothing": None,
            "nested": {"a": 1},
            "list": [1],
            "decimal_string": "1.5",
        },
    )
    assert usage == {"input": 12, "output": 4, "total": 16}


def test_openai_chat_completion_usage_is_mapped_with_details_subtracted() -> None:
    usage, _ = normalize_usage(
        None,
        {
            "prompt_tokens": 100,
            "completion_tokens": 50,
            "total_tokens": 150,
            "prompt_tokens_details": {"cached_tokens": 30, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 20, "audio_tokens": None},
        },
    )
    assert usage == {
        "input": 70,
        "output": 30,
        "total": 150,
        "input_cached_tokens": 30,
        "input_audio_tokens": 0,
        "output_reasoning_tokens": 20,
    }


def test_detail_tokens_never_push_the_base_below_zero() -> None:
    usage, _ = normalize_usage(
        None,
        {
            "prompt_tokens": 10,
            "completion_tokens": 0,
            "total_tokens": 10,
            "prompt_tokens_details": {"cached_tokens": 25},
            "completion_tokens_details": {"reasoning_tokens": 5},
        },
    )
    assert usage["input"] == 0
    assert usage["output"] == 0
    assert usage["input_cached_tokens"] == 25


def test_openai_chat_usage_without_total_gets_the_sum() -> None:
    usage, _ = normalize_usage(
        None, {"prompt_tokens": 8, "prompt_tokens_details": {"cached_tokens": 2}}
    )
    assert usage == {"input": 6, "input_cached_tokens": 2, "total": 8}


def test_openai_responses_usage_is_mapped_with_details_subtracted() -> None:
    usage, _ = normalize_usage(
        None,
        {
            "input_tokens": 200,
            "output_tokens": 80,
            "total_tokens": 280,
            "input_tokens_details": {"cached_tokens": 50},
            "output_tokens_details": {"reasoning_tokens": 60},
        },
    )
    assert usage == {
        "input": 150,
        "output": 20,
        "total": 280,
        "input_cached_tokens": 50,
        "output_reasoning_tokens": 60,
    }


def test_anthropic_raw_usage_stays_a_flat_map() -> None:
    usage, _ = normalize_usage(
        None,
        {
            "input_tokens": 10,
            "output_tokens": 5,
            "cache_read_input_tokens": 100,
            "cache_creation_input_tokens": 20,
            "cache_creation": {"ephemeral_5m_input_tokens": 20},
            "service_tier": "standard",
        },
    )
    assert usage == {
        "input_tokens": 10,
        "output_tokens": 5,
        "cache_read_input_tokens": 100,
        "cache_creation_input_tokens": 20,
        "total": 135,
    }


def test_legacy_usage_gives_counts_and_costs() -> None:
    usage, costs = normalize_usage(
        {
            "input": 10,
            "output": 20,
            "unit": "TOKENS",
            "inputCost": 0.01,
            "outputCost": "0.02",
            "totalCost": -1,
        },
        msgspec.UNSET,
    )
    assert usage == {"input": 10, "output": 20, "total": 30}
    assert costs == {"input": 0.01, "output": 0.02}


def test_legacy_openai_style_usage_is_mapped() -> None:
    usage, costs = normalize_usage(
        {"promptTokens": 7, "completionTokens": 3, "totalTokens": 10}, None
    )
    assert usage == {"input": 7, "output": 3, "total": 10}
    assert costs == {}


def test_usage_details_win_over_legacy_usage_per_key() -> None:
    usage, costs = normalize_usage(
        {"input": 1, "output": 2, "total": 3, "totalCost": 0.5},
        {"input": 100, "input_cached_tokens": 10},
    )
    assert usage == {"input": 100, "output": 2, "total": 3, "input_cached_tokens": 10}
    assert costs == {"total": 0.5}


def test_non_mapping_values_are_ignored() -> None:
    assert normalize_usage("lots", [1, 2]) == ({}, {})


def test_normalize_cost_details_keeps_numbers_only() -> None:
    assert normalize_cost_details(
        {"input": 0.1, "output": 1, "x": "0.5", "bad": "n/a", "neg": -0.1, "none": None, "b": True}
    ) == {"input": 0.1, "output": 1.0, "x": 0.5}
    assert normalize_cost_details(msgspec.UNSET) == {}
    assert normalize_cost_details(None) == {}


# --- compute_cost --------------------------------------------------------------------------


def _tier(prices: dict[str, float], **kwargs: object) -> PricingTier:
    fields: dict[str, object] = {
        "id": "t",
        "name": "Standard",
        "is_default": True,
        "priority": 0,
        "prices": prices,
    }
    fields.update(kwargs)
    return msgspec.convert(fields, PricingTier)


def _default_model(name: str) -> Model:
    return next(model for model in default_models() if model.model_name == name)


def test_gpt_4o_cost_is_count_times_price() -> None:
    gpt_4o = _default_model("gpt-4o")
    usage, _ = normalize_usage(None, {"input": 1000, "output": 500})
    tier = select_tier(gpt_4o, usage)
    result = compute_cost(usage, {}, tier)
    expected = 1000 * 2.5e-6 + 500 * 1e-5
    assert result.total_cost == pytest.approx(expected)
    assert result.cost_details["input"] == pytest.approx(1000 * 2.5e-6)
    assert result.cost_details["output"] == pytest.approx(500 * 1e-5)
    assert result.cost_details["total"] == pytest.approx(expected)
    assert result.tier is tier
    assert tier is not None
    assert tier.id == "spyglass-gpt-4o-default"


def test_cached_tokens_are_priced_at_the_cached_rate() -> None:
    usage, _ = normalize_usage(
        None,
        {
            "prompt_tokens": 1000,
            "completion_tokens": 100,
            "total_tokens": 1100,
            "prompt_tokens_details": {"cached_tokens": 400},
        },
    )
    result = compute_cost(usage, {}, _default_model("gpt-4o").default_tier)
    assert result.total_cost == pytest.approx(600 * 2.5e-6 + 400 * 1.25e-6 + 100 * 1e-5)


def test_provided_costs_are_authoritative() -> None:
    tier = _tier({"input": 1.0, "output": 1.0})
    result = compute_cost({"input": 10, "output": 10, "total": 20}, {"input": 0.5}, tier)
    assert result.cost_details == {"input": 0.5, "total": 0.5}
    assert result.total_cost == 0.5
    assert result.tier is None


def test_provided_total_is_kept_as_the_total() -> None:
    result = compute_cost({}, {"input": 1.0, "output": 2.0, "total": 10.0}, None)
    assert result.total_cost == 10.0
    assert result.cost_details == {"input": 1.0, "output": 2.0, "total": 10.0}


def test_provided_costs_without_total_sum_up() -> None:
    result = compute_cost({}, {"input": 1.0, "output": 2.0}, None)
    assert result.total_cost == pytest.approx(3.0)
    assert result.cost_details["total"] == pytest.approx(3.0)
    result = compute_cost({}, {"input": 1.0, "output": 2.0, "input_cache_read": 0.5}, None)
    assert result.total_cost == pytest.approx(3.5)


def test_nothing_priced_gives_no_total() -> None:
    assert compute_cost({"input": 10}, {}, None).total_cost is None
    result = compute_cost({"input": 10, "total": 10}, {}, _tier({"output": 1.0}))
    assert result.total_cost is None
    assert result.cost_details == {}
    assert result.tier is None


def test_unpriced_usage_keys_cost_nothing() -> None:
    result = compute_cost(
        {"input": 10, "output": 5, "input_audio_tokens": 7, "total": 22},
        {},
        _tier({"input": 0.1, "output": 0.2}),
    )
    assert result.cost_details == pytest.approx({"input": 1.0, "output": 1.0, "total": 2.0})
    assert result.total_cost == pytest.approx(2.0)


def test_a_total_price_gives_the_total_cost() -> None:
    result = compute_cost(
        {"input": 10, "output": 5, "total": 15}, {}, _tier({"input": 1.0, "total": 0.01})
    )
    assert result.cost_details == pytest.approx({"input": 10.0, "total": 0.15})
    assert result.total_cost == pytest.approx(0.15)


# --- match_model ---------------------------------------------------------------------------


def _model(
    model_id: str,
    pattern: str,
    project_id: str | None = None,
    start_date: datetime | None = None,
) -> Model:
    return Model(
        id=model_id,
        model_name=model_id,
        match_pattern=pattern,
        project_id=project_id,
        start_date=start_date,
        pricing_tiers=[_tier({"input": 1.0})],
    )


GPT_4O = r"(?i)^(openai/)?(gpt-4o)$"


def test_match_is_case_insensitive_and_allows_the_provider_prefix() -> None:
    models = [_model("gpt-4o", GPT_4O)]
    for name in ("gpt-4o", "GPT-4O", "openai/gpt-4o"):
        assert match_model(models, name, "p1") is models[0]
    assert match_model(models, "gpt-4o-mini", "p1") is None
    assert match_model(models, "azure/gpt-4o", "p1") is None


def test_a_matcher_remembers_names_but_still_honours_each_start_date() -> None:
    old = _model("old", GPT_4O, start_date=datetime(2024, 1, 1, tzinfo=UTC))
    new = _model("new", GPT_4O, start_date=datetime(2025, 1, 1, tzinfo=UTC))
    own = _model("own", GPT_4O, project_id="p2")
    matcher = ModelMatcher([old, new, own], "p1")
    assert matcher.match("gpt-4o", datetime(2025, 6, 1, tzinfo=UTC)) is new
    assert matcher.match("gpt-4o", datetime(2024, 6, 1, tzinfo=UTC)) is old
    assert matcher.match("gpt-4o", datetime(2023, 6, 1, tzinfo=UTC)) is None
    assert matcher.match("GPT-4O") is new
    assert matcher.match("gpt-4o-mini") is None
    for at in (datetime(2025, 6, 1, tzinfo=UTC), datetime(2024, 6, 1, tzinfo=UTC), None):
        assert matcher.match("gpt-4o", at) is match_model([old, new, own], "gpt-4o", "p1", at)


def test_project_models_win_over_managed_ones() -> None:
    managed = _model("managed", GPT_4O, start_date=datetime(2025, 1, 1, tzinfo=UTC))
    own = _model("own", GPT_4O, project_id="p1")
    other = _model("other", GPT_4O, project_id="p2")
    assert match_model([managed, own, other], "gpt-4o", "p1") is own
    assert match_model([managed, other], "gpt-4o", "p1") is managed


def test_newest_start_date_wins_and_none_comes_last() -> None:
    undated = _model("undated", GPT_4O)
    old = _model("old", GPT_4O, start_date=datetime(2024, 1, 1, tzinfo=UTC))
    new = _model("new", GPT_4O, start_date=datetime(2025, 6, 1, tzinfo=UTC))
    assert match_model([undated, old, new], "gpt-4o", "p1") is new
    assert match_model([undated, old], "gpt-4o", "p1") is old


def test_models_starting_after_the_moment_are_ignored() -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    current = _model("current", GPT_4O, start_date=now - timedelta(days=30))
    future = _model("future", GPT_4O, start_date=now + timedelta(days=30))
    assert match_model([current, future], "gpt-4o", "p1", at=now) is current
    assert match_model([future], "gpt-4o", "p1", at=now) is None
    naive_future = _model("naive", GPT_4O, start_date=datetime(2030, 1, 1))
    assert match_model([naive_future, current], "gpt-4o", "p1", at=now) is current


def test_search_semantics_like_postgres() -> None:
    models = [_model("loose", "gpt")]
    assert match_model(models, "my-gpt-deployment", "p1") is models[0]


def test_invalid_patterns_are_skipped_and_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    # Stored before patterns were checked with RE2: Python's re compiles the lookahead.
    marker = uuid.uuid4().hex
    broken = _model("broken", "(?i)^(gpt-4o", project_id="p1")
    lookahead = _model("lookahead", f"^gpt-4o(?!{marker})", project_id="p1")
    good = _model("good", GPT_4O)
    with caplog.at_level(logging.WARNING, logger="spyglass_tracing.domain.patterns"):
        assert match_model([broken, lookahead, good], "gpt-4o", "p1") is good
        assert match_model([lookahead], "gpt-4o", "p1") is None
        assert match_model([lookahead], "gpt-4o", "p1") is None
    logged = [record.getMessage() for record in caplog.records if marker in record.getMessage()]
    assert len(logged) == 1
    assert "lookahead" in logged[0]


def test_a_stored_condition_pattern_re2_refuses_never_matches() -> None:
    model = _tiered_model(_conditional("hit", 1, _condition(r"(in)put\1?", "gt", 0)))
    assert _tier_id(model, {"input": 10}) == "default"


def test_a_capital_z_anchor_means_the_end_of_the_text() -> None:
    models = [_model("z", r"(?i)^gpt-4o\Z")]
    assert validate_match_pattern(r"(?i)^gpt-4o\Z") is None
    assert match_model(models, "GPT-4o", "p1") is models[0]
    assert match_model(models, "gpt-4o\n", "p1") is None
    assert match_model([_model("escaped", r"^gpt\\Z")], "gpt\\Z", "p1") is not None


# --- select_tier ---------------------------------------------------------------------------


def _condition(pattern: str, op: str, value: float, case_sensitive: bool = False) -> object:
    return {
        "usageDetailPattern": pattern,
        "operator": op,
        "value": value,
        "caseSensitive": case_sensitive,
    }


def test_gemini_2_5_pro_above_200k_input_uses_the_large_context_tier() -> None:
    gemini = _default_model("gemini-2.5-pro")
    small = select_tier(gemini, {"input": 1000, "output": 10, "total": 1010})
    assert small is gemini.default_tier
    large_usage = {"input": 150_000, "input_cached_tokens": 60_000, "output": 10}
    large = select_tier(gemini, large_usage)
    assert large is not None
    assert not large.is_default
    assert large.prices["input"] == pytest.approx(2.5e-6)
    cost = compute_cost(large_usage, {}, large)
    assert cost.total_cost == pytest.approx(150_000 * 2.5e-6 + 60_000 * 0.25e-6 + 10 * 15e-6)


def _tiered_model(*tiers: object) -> Model:
    return msgspec.convert(
        {
            "id": "m",
            "model_name": "m",
            "match_pattern": "m",
            "pricing_tiers": [
                {
                    "id": "default",
                    "name": "Standard",
                    "is_default": True,
                    "priority": 0,
                    "prices": {"input": 1.0},
                },
                *tiers,
            ],
        },
        Model,
    )


def _conditional(tier_id: str, priority: int, *conditions: object) -> dict[str, object]:
    return {
        "id": tier_id,
        "name": tier_id,
        "is_default": False,
        "priority": priority,
        "conditions": list(conditions),
        "prices": {"input": 2.0},
    }


def _tier_id(model: Model, usage: dict[str, int]) -> str | None:
    tier = select_tier(model, usage)
    return None if tier is None else tier.id


def test_tiers_are_tried_by_ascending_priority() -> None:
    model = _tiered_model(
        _conditional("second", 2, _condition("input", "gt", 10)),
        _conditional("first", 1, _condition("input", "gt", 100)),
    )
    assert _tier_id(model, {"input": 1000}) == "first"
    assert _tier_id(model, {"input": 50}) == "second"
    assert _tier_id(model, {"input": 5}) == "default"


def test_every_condition_must_hold() -> None:
    model = _tiered_model(
        _conditional("both", 1, _condition("input", "gte", 10), _condition("^output$", "lt", 5)),
    )
    assert _tier_id(model, {"input": 10, "output": 4}) == "both"
    assert _tier_id(model, {"input": 10, "output": 5}) == "default"


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("gt", 10, False),
        ("gte", 10, True),
        ("lt", 11, True),
        ("lte", 9, False),
        ("eq", 10, True),
        ("neq", 10, False),
        ("between", 10, False),
    ],
)
def test_operators(op: str, value: float, expected: bool) -> None:
    model = _tiered_model(_conditional("hit", 1, _condition("input", op, value)))
    tier = select_tier(model, {"input": 10})
    assert tier is not None
    assert (tier.id == "hit") is expected


def test_condition_patterns_respect_case_sensitivity() -> None:
    insensitive = _tiered_model(_conditional("hit", 1, _condition("INPUT", "gt", 0)))
    sensitive = _tiered_model(_conditional("hit", 1, _condition("INPUT", "gt", 0, True)))
    assert _tier_id(insensitive, {"input": 1}) == "hit"
    assert _tier_id(sensitive, {"input": 1}) == "default"


def test_broken_conditions_and_conditionless_tiers_never_match() -> None:
    model = _tiered_model(
        _conditional("broken", 1, _condition("(input", "gt", 0)),
        _conditional("empty", 2),
    )
    assert _tier_id(model, {"input": 10}) == "default"


def test_a_model_without_tiers_has_none() -> None:
    model = Model(id="m", model_name="m", match_pattern="m")
    assert select_tier(model, {"input": 1}) is None


def test_conditions_decode_from_camel_case() -> None:
    condition = msgspec.convert(_condition("input", "gt", 1, True), PricingTierCondition)
    assert condition.usage_detail_pattern == "input"
    assert condition.case_sensitive is True


# --- validate_match_pattern ----------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern",
    [
        GPT_4O,
        r"(?i)^(openai/)?(gpt-4o)(-2024-(05-13|08-06|11-20))?$",
        r"(?i)^(anthropic/)?(claude-3-5-sonnet)(-v\d)?([-@]\d{8}|-latest)?(-v\d+:\d+)?$",
        r"(?i)^(ft:)(gpt-3.5-turbo-1106:)(.+)(:)(.*)(:)(.+)$",
        r"^[a+]+(x{2})+$",
        r"gpt-4",
        r"(ab)+",
        r"a{}b",
    ],
)
def test_reasonable_patterns_are_accepted(pattern: str) -> None:
    assert validate_match_pattern(pattern) is None


@pytest.mark.parametrize(
    "pattern",
    [r"(a+)+", r"(.*)*", r"(\w+)*", r"^(a|a)*$", r"((ab)*c)+", r"(a{1,5}){2,}", r"(a|ab)+"],
)
def test_patterns_that_backtrack_in_python_are_accepted(pattern: str) -> None:
    # RE2 matches them in linear time, so the structural guesswork is no longer needed.
    assert validate_match_pattern(pattern) is None


def test_a_catastrophic_pattern_is_matched_in_linear_time() -> None:
    # Python's re needs ~2**26 steps (seconds) to fail this match; RE2 microseconds.
    evil = _model("evil", r"^(a|a)*$", project_id="p1")
    name = "a" * 26 + "b"
    start = time.perf_counter()
    assert match_model([evil], name, "p1") is None
    assert time.perf_counter() - start < 0.05
    assert match_model([evil], "a" * 26, "p1") is evil


def test_a_catastrophic_condition_pattern_is_matched_in_linear_time() -> None:
    model = _tiered_model(_conditional("evil", 1, _condition(r"^(a|a)*$", "gt", 0)))
    start = time.perf_counter()
    assert _tier_id(model, {"a" * 26 + "b": 5}) == "default"
    assert time.perf_counter() - start < 0.05
    assert _tier_id(model, {"A" * 26: 5}) == "evil"


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        (r"(?i)^gpt-4o(?=-mini)", "lookahead"),
        (r"^(?!gpt)", "lookahead"),
        (r"(?<=openai/)gpt-4o$", "lookbehind"),
        (r"(?<!azure/)gpt-4o$", "lookbehind"),
        (r"^(gpt)-\1$", "backreferences"),
        (r"^(?P<m>gpt)-(?P=m)$", "backreferences"),
        (r"^gpt-4o++$", "possessive"),
        (r"^(?>gpt)-4o$", "atomic groups"),
        (r"^gpt(?#comment)$", "comments"),
        (r"^gpt\u0034o$", "\\x{XXXX}"),
        (r"(?i)^(gpt-4o", "missing )"),
        (r"^gpt-4o{1001}$", "invalid repetition size"),
    ],
)
def test_what_re2_cannot_compile_is_rejected_naming_the_pattern_and_problem(
    pattern: str, problem: str
) -> None:
    message = validate_match_pattern(pattern)
    assert message is not None
    assert message.startswith(f"matchPattern '{pattern}' is not a valid regular expression: ")
    assert problem in message
    assert validate_match_pattern(pattern, "usageDetailPattern") == message.replace(
        "matchPattern", "usageDetailPattern", 1
    )


def test_compile_pattern_is_cached_and_raises_a_pattern_error() -> None:
    assert compile_pattern("(?i)^gpt$") is compile_pattern("(?i)^gpt$")
    assert compile_pattern("GPT", case_sensitive=False).search("gpt")
    assert not compile_pattern("GPT").search("gpt")
    with pytest.raises(PatternError) as caught:
        compile_pattern("^(?=x)")
    assert caught.value.pattern == "^(?=x)"
    assert caught.value.problem.startswith("lookahead assertions")
    # Text that is not valid UTF-8 (a lone surrogate) is searched, not an error.
    assert compile_pattern("^gpt").search("gpt\ud800")


def test_empty_long_and_invalid_patterns_are_rejected() -> None:
    assert validate_match_pattern("") == "matchPattern must not be empty"
    assert validate_match_pattern("   ") == "matchPattern must not be empty"
    assert "200" in (validate_match_pattern("a" * 201) or "")
    assert validate_match_pattern("a" * 200) is None
    assert validate_match_pattern("(gpt") == (
        "matchPattern '(gpt' is not a valid regular expression: missing ): (gpt"
    )


# --- default price table -------------------------------------------------------------------


def test_default_models_are_managed_with_valid_unique_patterns() -> None:
    models = default_models()
    assert len(models) >= 40
    assert len({model.id for model in models}) == len(models)
    for model in models:
        assert model.project_id is None
        assert model.unit == "TOKENS"
        assert model.tokenizer_id is None
        re.compile(model.match_pattern)
        assert validate_match_pattern(model.match_pattern) is None, model.id
        assert model.match_pattern.startswith("(?i)^")


def test_each_default_model_has_exactly_one_default_tier() -> None:
    tier_ids = Counter[str]()
    for model in default_models():
        defaults = [tier for tier in model.pricing_tiers if tier.is_default]
        assert len(defaults) == 1, model.id
        assert defaults[0].priority == 0
        assert defaults[0].conditions == []
        assert defaults[0].name == "Standard"
        for tier in model.pricing_tiers:
            tier_ids[tier.id] += 1
            assert tier.prices, tier.id
            assert all(0 < price < 1e-3 for price in tier.prices.values()), tier.id
            assert tier.is_default or (tier.conditions and tier.priority > 0), tier.id
    assert max(tier_ids.values()) == 1


def test_default_models_are_cached_but_the_list_is_fresh() -> None:
    first, second = default_models(), default_models()
    assert first is not second
    assert first[0] is second[0]


REAL_NAMES = {
    "gpt-4o": "gpt-4o",
    "openai/gpt-4o": "gpt-4o",
    "GPT-4O": "gpt-4o",
    "gpt-4o-2024-08-06": "gpt-4o",
    "gpt-4o-2024-11-20": "gpt-4o",
    "gpt-4o-2024-05-13": "gpt-4o-2024-05-13",
    "gpt-4o-mini": "gpt-4o-mini",
    "gpt-4o-mini-2024-07-18": "gpt-4o-mini",
    "gpt-4.1": "gpt-4.1",
    "gpt-4.1-2025-04-14": "gpt-4.1",
    "gpt-4.1-mini": "gpt-4.1-mini",
    "gpt-4.1-nano-2025-04-14": "gpt-4.1-nano",
    "o1": "o1",
    "o1-2024-12-17": "o1",
    "o1-mini": "o1-mini",
    "o3": "o3",
    "o3-mini-2025-01-31": "o3-mini",
    "o4-mini": "o4-mini",
    "gpt-4-turbo": "gpt-4-turbo",
    "gpt-4-turbo-2024-04-09": "gpt-4-turbo",
    "gpt-4-0125-preview": "gpt-4-turbo",
    "gpt-4": "gpt-4",
    "gpt-4-0613": "gpt-4",
    "gpt-3.5-turbo": "gpt-3.5-turbo",
    "gpt-35-turbo": "gpt-3.5-turbo",
    "gpt-5": "gpt-5",
    "gpt-5-2025-08-07": "gpt-5",
    "gpt-5-mini": "gpt-5-mini",
    "gpt-5-nano-2025-08-07": "gpt-5-nano",
    "text-embedding-3-small": "text-embedding-3-small",
    "text-embedding-3-large": "text-embedding-3-large",
    "text-embedding-ada-002": "text-embedding-ada-002",
    "claude-3-haiku-20240307": "claude-3-haiku",
    "claude-3-5-haiku-latest": "claude-3-5-haiku",
    "claude-3-5-sonnet-20241022": "claude-3-5-sonnet",
    "anthropic/claude-3.5-sonnet": "claude-3-5-sonnet",
    "us.anthropic.claude-3-5-sonnet-20241022-v2:0": "claude-3-5-sonnet",
    "claude-3-5-sonnet-v2@20241022": "claude-3-5-sonnet",
    "anthropic/claude-3-7-sonnet-20250219": "claude-3-7-sonnet",
    "claude-sonnet-4-20250514": "claude-sonnet-4",
    "claude-sonnet-4-0": "claude-sonnet-4",
    "claude-opus-4-20250514": "claude-opus-4",
    "claude-opus-4-1-20250805": "claude-opus-4-1",
    "claude-opus-4-1": "claude-opus-4-1",
    "claude-3-opus-20240229": "claude-3-opus",
    "claude-sonnet-4-5-20250929": "claude-sonnet-4-5",
    "gemini-1.5-flash": "gemini-1.5-flash",
    "gemini-1.5-pro-002": "gemini-1.5-pro",
    "gemini-2.0-flash": "gemini-2.0-flash",
    "gemini-2.0-flash-001": "gemini-2.0-flash",
    "gemini-2.0-flash-lite": "gemini-2.0-flash-lite",
    "gemini-2.5-flash": "gemini-2.5-flash",
    "gemini-2.5-flash-lite": "gemini-2.5-flash-lite",
    "google/gemini-2.5-pro": "gemini-2.5-pro",
    "gemini-2.5-pro-preview-06-05": "gemini-2.5-pro",
    "mistral-large-latest": "mistral-large",
    "mistral/mistral-medium-latest": "mistral-medium",
    "mistral-small-2503": "mistral-small",
    "codestral-latest": "codestral",
    "ministral-8b-2410": "ministral-8b",
    "open-mistral-nemo": "open-mistral-nemo",
    "pixtral-large-2411": "pixtral-large",
}


@pytest.mark.parametrize(("name", "expected"), sorted(REAL_NAMES.items()))
def test_each_real_model_name_matches_exactly_one_default_model(name: str, expected: str) -> None:
    hits = [m.model_name for m in default_models() if re.search(m.match_pattern, name)]
    assert hits == [expected]
    matched = match_model(default_models(), name, "any-project")
    assert matched is not None
    assert matched.model_name == expected


def test_default_patterns_match_under_re2_as_they_did_under_python_re() -> None:
    # One deliberate difference: Python's "$" also matches before a final newline, RE2's
    # (like PostgreSQL's, which Langfuse matches with) only at the end of the text.
    assert match_model(default_models(), "gpt-4o\n", "p1") is None
    names = [*REAL_NAMES, *UNKNOWN_NAMES]
    names += [variant for name in REAL_NAMES for variant in _variants(name)]
    for model in default_models():
        for name in names:
            expected = re.search(model.match_pattern, name) is not None
            assert (match_model([model], name, "p1") is model) is expected, (model.id, name)
        for condition in (c for tier in model.pricing_tiers for c in tier.conditions):
            flags = 0 if condition.case_sensitive else re.IGNORECASE
            compiled = compile_pattern(
                condition.usage_detail_pattern, case_sensitive=condition.case_sensitive
            )
            for key in USAGE_KEYS:
                expected = re.search(condition.usage_detail_pattern, key, flags) is not None
                assert compiled.search(key) is expected, (model.id, key)


USAGE_KEYS = [
    "input",
    "INPUT",
    "output",
    "total",
    "input_cached_tokens",
    "input_cache_creation_1h",
    "cache_read_input_tokens",
    "output_reasoning_tokens",
]


def _variants(name: str) -> list[str]:
    return [
        name.upper(),
        f"x{name}",
        f"{name}x",
        f"{name}-",
        f"azure/{name}",
        f"{name}-2024-08-06",
        f"{name}-latest",
        f"{name}-v2:0",
        name.replace("-", "."),
        name.replace(".", "-"),
    ]


UNKNOWN_NAMES = ["gpt-4o-audio-preview", "llama-3.1-70b", "claude-2.1", "gemini-1.5-flash-8b"]


@pytest.mark.parametrize(
    "name",
    ["gpt-4o-audio-preview", "llama-3.1-70b", "claude-2.1", "gemini-1.5-flash-8b", "gpt-4o-"],
)
def test_unknown_model_names_match_nothing(name: str) -> None:
    assert match_model(default_models(), name, "p1") is None


@pytest.mark.parametrize(
    ("name", "input_price", "output_price"),
    [
        ("gpt-4o-mini", 0.15e-6, 0.6e-6),
        ("gpt-4.1", 2e-6, 8e-6),
        ("o3", 2e-6, 8e-6),
        ("gpt-5", 1.25e-6, 10e-6),
        ("claude-3-5-sonnet", 3e-6, 15e-6),
        ("claude-opus-4-1", 15e-6, 75e-6),
        ("gemini-2.5-flash", 0.3e-6, 2.5e-6),
        ("mistral-large", 2e-6, 6e-6),
    ],
)
def test_spot_checked_list_prices(name: str, input_price: float, output_price: float) -> None:
    tier = _default_model(name).default_tier
    assert tier is not None
    assert tier.prices["input"] == pytest.approx(input_price)
    assert tier.prices["output"] == pytest.approx(output_price)


def test_anthropic_cache_prices() -> None:
    tier = _default_model("claude-3-5-sonnet").default_tier
    assert tier is not None
    assert tier.prices["input_cache_read"] == pytest.approx(0.3e-6)
    assert tier.prices["input_cache_creation"] == pytest.approx(3.75e-6)
    usage, _ = normalize_usage(
        None, {"input": 100, "output": 10, "input_cache_read": 1000, "input_cache_creation": 200}
    )
    cost = compute_cost(usage, {}, tier)
    assert cost.total_cost == pytest.approx(100 * 3e-6 + 10 * 15e-6 + 1000 * 0.3e-6 + 200 * 3.75e-6)


def test_reasoning_tokens_are_priced_as_output_for_reasoning_models() -> None:
    usage, _ = normalize_usage(
        None,
        {
            "input_tokens": 100,
            "output_tokens": 500,
            "total_tokens": 600,
            "output_tokens_details": {"reasoning_tokens": 400},
        },
    )
    cost = compute_cost(usage, {}, _default_model("o4-mini").default_tier)
    assert cost.total_cost == pytest.approx(100 * 1.1e-6 + 500 * 4.4e-6)
