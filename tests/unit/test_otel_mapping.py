"""OpenTelemetry spans to Langfuse ingestion events (``spyglass_tracing.domain.otel``)."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest

from spyglass_tracing.domain.ingestion import UNSET, EntityEvent, ObservationBody, TraceBody
from spyglass_tracing.domain.otel import (
    OtelSpan,
    OtelSpanEvent,
    span_to_events,
    spans_to_events,
    validate_span,
)
from spyglass_tracing.domain.otel import mapping as otel

TRACE = "c3088761968ff027baa197c8c6035489"
ROOT = "e289026c524fa3eb"
LLM = "9b064d9a43cc536c"
START = 1795391526623369713
END = 1795391526624030649

SDK_RESOURCE = {
    "telemetry.sdk.language": "python",
    "telemetry.sdk.name": "opentelemetry",
    "telemetry.sdk.version": "1.45.2",
    "service.instance.id": "58eb5418-77a7-4319-86be-4d0aa6b8030b",
    "langfuse.environment": "staging",
    "langfuse.release": "rel-1",
    "service.name": "unknown_service:python",
}
# What propagate_attributes copies onto every span of the v5 sample (wire doc §5.1).
PROPAGATED = {
    "user.id": "user-1",
    "session.id": "sess-1",
    "langfuse.trace.metadata.tenant": '"acme"',
    "langfuse.trace.metadata.n": "3",
    "langfuse.version": "v9",
    "langfuse.trace.tags": ["a", "b"],
    "langfuse.trace.name": "my-trace",
    "langfuse.environment": "staging",
    "langfuse.release": "rel-1",
}
LLM_ATTRIBUTES = {
    **PROPAGATED,
    "langfuse.observation.input": '[{"role": "user", "content": "hi"}]',
    "langfuse.observation.model.name": "gpt-4o",
    "langfuse.observation.prompt.name": "folder/greet",
    "langfuse.observation.prompt.version": 1,
    "langfuse.observation.completion_start_time": '"2026-11-22T23:52:06.623253Z"',
    "langfuse.observation.model.parameters": '{"temperature": 0.2, "max_tokens": 10}',
    "langfuse.observation.type": "generation",
    "langfuse.observation.output": '{"role": "assistant", "content": "hello"}',
    "langfuse.observation.usage_details": '{"input": 10, "output": 5, "total": 15}',
    "langfuse.observation.cost_details": '{"input": 0.001, "output": 0.002}',
}


def sdk_span(
    name: str,
    attributes: dict[str, Any],
    *,
    span_id: str = LLM,
    parent: str | None = ROOT,
    start: int = START,
    end: int = END,
    **fields: Any,
) -> OtelSpan:
    return OtelSpan(
        trace_id=TRACE,
        span_id=span_id,
        parent_span_id=parent,
        name=name,
        start_time_unix_nano=start,
        end_time_unix_nano=end,
        attributes=attributes,
        resource_attributes=fields.pop("resource_attributes", SDK_RESOURCE),
        scope_name=fields.pop("scope_name", "langfuse-sdk"),
        scope_version=fields.pop("scope_version", "5.0.4"),
        **fields,
    )


def at(nanos: int) -> datetime:
    return datetime.fromtimestamp(nanos // 1000 / 1_000_000, UTC)


def split(events: list[EntityEvent]) -> tuple[TraceBody | None, ObservationBody]:
    traces = [event.trace for event in events if event.trace is not None]
    observations = [event.observation for event in events if event.observation is not None]
    assert len(observations) == 1 and len(traces) <= 1
    return (traces[0] if traces else None), observations[0]


def observation_of(span: OtelSpan) -> ObservationBody:
    return split(span_to_events(span))[1]


# -- the v5 SDK sample --------------------------------------------------------------------


def test_v5_generation_maps_every_field() -> None:
    events = span_to_events(sdk_span("llm", dict(LLM_ATTRIBUTES)))

    assert [(event.id, event.type) for event in events] == [
        (f"otel-{TRACE}-{LLM}-trace", "trace-create"),
        (f"otel-{TRACE}-{LLM}-obs", "observation-create"),
    ]
    assert all(event.timestamp == at(START) for event in events)
    trace, observation = split(events)
    assert observation == ObservationBody(
        id=LLM,
        trace_id=TRACE,
        type="GENERATION",
        name="llm",
        start_time=at(START),
        end_time=at(END),
        completion_start_time=datetime(2026, 11, 22, 23, 52, 6, 623253, tzinfo=UTC),
        model="gpt-4o",
        model_parameters={"temperature": 0.2, "max_tokens": 10},
        usage_details={"input": 10, "output": 5, "total": 15},
        cost_details={"input": 0.001, "output": 0.002},
        input=[{"role": "user", "content": "hi"}],
        output={"role": "assistant", "content": "hello"},
        parent_observation_id=ROOT,
        version="v9",
        environment="staging",
        prompt_name="folder/greet",
        prompt_version=1,
    )
    # A child span: the trace event says what the span knows and nothing else.
    assert trace == TraceBody(
        id=TRACE,
        name="my-trace",
        user_id="user-1",
        session_id="sess-1",
        metadata={"tenant": "acme", "n": 3},
        release="rel-1",
        version="v9",
        tags=["a", "b"],
        environment="staging",
    )
    assert trace.timestamp is UNSET and trace.input is UNSET and trace.output is UNSET


def test_events_encode_as_the_camel_case_wire_shape() -> None:
    events = span_to_events(sdk_span("llm", dict(LLM_ATTRIBUTES)))
    wire = msgspec.json.decode(msgspec.json.encode(events))
    assert wire[1]["observation"]["usageDetails"] == {"input": 10, "output": 5, "total": 15}
    assert wire[1]["observation"]["completionStartTime"] == "2026-11-22T23:52:06.623253Z"
    assert "timestamp" not in wire[0]["trace"]
    assert msgspec.json.decode(msgspec.json.encode(events), type=list[EntityEvent]) == events


def test_root_span_is_app_root_creates_the_full_trace() -> None:
    attributes = {
        **{k: v for k, v in PROPAGATED.items() if k != "langfuse.trace.name"},
        "langfuse.observation.type": "span",
        "langfuse.observation.input": '{"q": "hi"}',
        "langfuse.observation.output": '{"a": "hello"}',
        "langfuse.observation.metadata.k": '"v"',
        "langfuse.internal.is_app_root": True,
    }
    trace, observation = split(
        span_to_events(sdk_span("root", attributes, span_id=ROOT, parent=None))
    )

    assert observation.type == "SPAN"
    assert observation.parent_observation_id is None
    assert observation.metadata == {"k": "v"}
    assert observation.input == {"q": "hi"} and observation.output == {"a": "hello"}
    assert observation.model is UNSET and observation.usage_details is UNSET
    assert trace is not None
    assert trace.timestamp == at(START)
    assert trace.name == "root"  # no langfuse.trace.name: the root span names the trace
    assert trace.input == {"q": "hi"} and trace.output == {"a": "hello"}
    assert trace.user_id == "user-1" and trace.tags == ["a", "b"]


def test_trace_name_attribute_wins_over_the_root_span_name() -> None:
    trace, _ = split(span_to_events(sdk_span("root", dict(PROPAGATED), parent=None)))
    assert trace is not None and trace.name == "my-trace"


def test_as_root_span_ignores_its_parent_and_names_the_trace() -> None:
    attributes = {"langfuse.observation.type": "agent", "langfuse.internal.as_root": True}
    trace, observation = split(span_to_events(sdk_span("entry", attributes, parent=ROOT)))

    assert observation.parent_observation_id is None
    assert observation.type == "AGENT"
    assert trace is not None
    assert trace.name == "entry" and trace.timestamp == at(START)


def test_is_app_root_with_a_parent_stays_a_child() -> None:
    # The SDK marks every span whose parent this process never exported (a remote
    # parent) as app root; the trace's root lives elsewhere, so only as_root reroots.
    attributes = {"langfuse.internal.is_app_root": True}
    events = span_to_events(sdk_span("continued", attributes, parent=ROOT))
    assert [event.type for event in events] == ["observation-create"]
    assert split(events)[1].parent_observation_id == ROOT


def test_as_root_as_a_string_counts_too() -> None:
    attributes = {"langfuse.internal.as_root": "true"}
    trace, observation = split(span_to_events(sdk_span("entry", attributes)))
    assert observation.parent_observation_id is None and trace is not None


def test_event_span_ends_at_its_start() -> None:
    attributes = {
        **PROPAGATED,
        "langfuse.observation.type": "event",
        "langfuse.observation.level": "WARNING",
        "langfuse.observation.status_message": "warned",
        "langfuse.observation.input": '{"e": 1}',
    }
    observation = observation_of(sdk_span("evt", attributes, end=START + 5_000_000))

    assert observation.type == "EVENT"
    assert observation.start_time == observation.end_time == at(START)
    assert observation.level == "WARNING" and observation.status_message == "warned"
    assert observation.input == {"e": 1} and observation.output is UNSET


def test_tool_span_keeps_a_raw_string_output() -> None:
    media = "@@@langfuseMedia:type=image/png|id=a3-kNPkqi4CqsC2b8aEuSf|source=bytes@@@"
    attributes = {
        "langfuse.observation.type": "tool",
        "langfuse.observation.input": f'{{"img": "{media}"}}',
        "langfuse.observation.output": "done",
    }
    observation = observation_of(sdk_span("tool-call", attributes))

    assert observation.type == "TOOL"
    assert observation.input == {"img": media}
    assert observation.output == "done"


def test_prompt_link_only_on_generation_like_types() -> None:
    attributes = {
        "langfuse.observation.type": "span",
        "langfuse.observation.prompt.name": "greet",
        "langfuse.observation.prompt.version": 2,
    }
    observation = observation_of(sdk_span("s", attributes))
    assert observation.prompt_name is UNSET and observation.prompt_version is UNSET

    legacy = {
        "langfuse.observation.type": "generation",
        "langfuse.prompt.name": "greet",
        "langfuse.prompt.version": "3",
    }
    observation = observation_of(sdk_span("g", legacy))
    assert (observation.prompt_name, observation.prompt_version) == ("greet", 3)


def test_langfuse_spans_carry_no_attribute_dump_in_metadata() -> None:
    observation = observation_of(sdk_span("llm", dict(LLM_ATTRIBUTES)))
    assert observation.metadata is UNSET


def test_bare_observation_metadata_merges_or_nests() -> None:
    merged = observation_of(
        sdk_span(
            "s",
            {
                "langfuse.observation.metadata": '{"a": 1, "b": 2}',
                "langfuse.observation.metadata.b": "3",
                "langfuse.metadata.legacy": '"x"',
            },
        )
    )
    assert merged.metadata == {"a": 1, "b": 3, "legacy": "x"}
    nested = observation_of(sdk_span("s", {"langfuse.observation.metadata": "[1, 2]"}))
    assert nested.metadata == {"metadata": [1, 2]}


# -- trace fields -------------------------------------------------------------------------


def test_child_without_trace_attributes_emits_no_trace_event() -> None:
    events = span_to_events(sdk_span("child", {"langfuse.observation.type": "span"}))
    assert [event.type for event in events] == ["observation-create"]


def test_trace_event_of_a_child_sets_only_what_is_present() -> None:
    trace, _ = split(
        span_to_events(sdk_span("child", {"session.id": "s-9"}, resource_attributes={}))
    )
    assert trace == TraceBody(id=TRACE, session_id="s-9")


@pytest.mark.parametrize(
    ("attributes", "tags"),
    [
        ({"langfuse.trace.tags": '["x", "y"]'}, ["x", "y"]),
        ({"langfuse.trace.tags": "x, y ,z"}, ["x", "y", "z"]),
        ({"langfuse.trace.tags": "solo"}, ["solo"]),
        ({"langfuse.tags": ["p", 3]}, ["p", "3"]),
        ({"ai.telemetry.metadata.tags": ["v"]}, ["v"]),
        ({"langfuse.trace.metadata.langfuse_tags": '["m"]'}, ["m"]),
    ],
)
def test_tags_accept_lists_json_and_comma_strings(
    attributes: dict[str, Any], tags: list[str]
) -> None:
    trace, _ = split(span_to_events(sdk_span("s", attributes)))
    assert trace is not None and trace.tags == tags


def test_trace_identity_from_alternative_attributes() -> None:
    attributes = {
        "langfuse.trace.metadata.langfuse_user_id": '"u-7"',
        "gen_ai.conversation.id": "conv-1",
        "langfuse.trace.public": "true",
        "langfuse.trace.metadata": '{"team": "x"}',
        "langfuse.trace.input": '{"question": 1}',
    }
    trace, observation = split(span_to_events(sdk_span("s", attributes)))
    assert trace is not None
    assert trace.user_id == "u-7"
    assert trace.session_id == "conv-1"
    assert trace.public is True
    assert trace.metadata == {"team": "x", "langfuse_user_id": "u-7"}
    assert trace.input == {"question": 1} and trace.output is UNSET
    assert observation.input is UNSET  # trace IO is not the observation's


def test_vercel_telemetry_metadata_gives_user_and_session() -> None:
    attributes = {
        "ai.telemetry.metadata.userId": "u",
        "ai.telemetry.metadata.sessionId": "s",
        "ai.telemetry.metadata.feature": "chat",
    }
    trace, observation = split(
        span_to_events(sdk_span("s", attributes, scope_name="ai", scope_version=None))
    )
    assert trace is not None and (trace.user_id, trace.session_id) == ("u", "s")
    assert isinstance(observation.metadata, dict)
    assert observation.metadata["feature"] == "chat"
    assert "userId" not in observation.metadata


def test_environment_release_and_version_fall_back_to_the_resource() -> None:
    resource = {"deployment.environment.name": "prod", "service.version": "1.2.3"}
    trace, observation = split(
        span_to_events(sdk_span("r", {}, parent=None, resource_attributes=resource))
    )
    assert observation.environment == "prod" and observation.version == "1.2.3"
    assert trace is not None and trace.environment == "prod"
    assert trace.version is UNSET  # a trace's version is langfuse.version only
    assert trace.release is UNSET

    trace, observation = split(
        span_to_events(sdk_span("r", {}, parent=None, resource_attributes=SDK_RESOURCE))
    )
    assert trace is not None and trace.release == "rel-1" and trace.environment == "staging"
    assert observation.environment == "staging"


# -- other instrumentations ---------------------------------------------------------------

OPENAI_ATTRIBUTES = {
    "llm.request.type": "chat",
    "gen_ai.system": "openai",
    "gen_ai.request.model": "gpt-4o",
    "gen_ai.request.temperature": 0.2,
    "gen_ai.request.max_tokens": 10,
    "gen_ai.response.model": "gpt-4o-2024-08-06",
    "gen_ai.usage.prompt_tokens": 100,
    "gen_ai.usage.completion_tokens": 20,
    "gen_ai.usage.total_tokens": 120,
    "gen_ai.usage.cache_read_input_tokens": 30,
    "gen_ai.prompt.0.role": "system",
    "gen_ai.prompt.0.content": "be brief",
    "gen_ai.prompt.1.role": "user",
    "gen_ai.prompt.1.content": "hi",
    "gen_ai.completion.0.role": "assistant",
    "gen_ai.completion.0.content": "hello",
    "gen_ai.completion.0.finish_reason": "stop",
}


def test_openai_instrumentation_span_is_a_generation() -> None:
    resource = {"service.name": "app", "telemetry.sdk.language": "python"}
    span = sdk_span(
        "openai.chat",
        dict(OPENAI_ATTRIBUTES),
        resource_attributes=resource,
        scope_name="opentelemetry.instrumentation.openai",
        scope_version="0.40.0",
    )
    events = span_to_events(span)
    assert [event.type for event in events] == ["observation-create"]
    observation = events[0].observation
    assert observation is not None

    assert observation.type == "GENERATION"
    assert observation.model == "gpt-4o-2024-08-06"
    assert observation.model_parameters == {"temperature": 0.2, "max_tokens": 10}
    assert observation.usage_details == {
        "input": 70,
        "output": 20,
        "total": 120,
        "input_cached_tokens": 30,
    }
    assert observation.input == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hi"},
    ]
    assert observation.output == [
        {"role": "assistant", "content": "hello", "finish_reason": "stop"}
    ]
    metadata = observation.metadata
    assert isinstance(metadata, dict)
    assert metadata["attributes"]["gen_ai.system"] == "openai"
    assert metadata["attributes"]["gen_ai.usage.prompt_tokens"] == "100"
    assert not any(
        key.startswith(("gen_ai.prompt", "gen_ai.completion")) for key in metadata["attributes"]
    )
    assert metadata["resourceAttributes"] == resource
    assert metadata["scope"] == {
        "name": "opentelemetry.instrumentation.openai",
        "version": "0.40.0",
    }


def test_gen_ai_reasoning_and_cache_creation_are_taken_out() -> None:
    attributes = {
        "gen_ai.operation.name": "chat",
        "gen_ai.usage.input_tokens": "50",
        "gen_ai.usage.output_tokens": 40,
        "gen_ai.usage.cache_creation_input_tokens": 20,
        "gen_ai.usage.reasoning_tokens": 15,
        "gen_ai.usage.cost": 0.5,
    }
    observation = observation_of(sdk_span("chat", attributes, scope_name="x"))
    assert observation.usage_details == {
        "input": 30,
        "output": 25,
        "input_cache_creation": 20,
        "output_reasoning": 15,
    }
    assert observation.cost_details == {"total": 0.5}


def test_openinference_llm_span() -> None:
    attributes = {
        "openinference.span.kind": "LLM",
        "input.value": '{"messages": [{"role": "user", "content": "hi"}]}',
        "input.mime_type": "application/json",
        "output.value": "hello there",
        "llm.model_name": "claude-3-5-sonnet",
        "llm.invocation_parameters": '{"temperature": 0, "stop": ["\\n"]}',
        "llm.token_count.prompt": 12,
        "llm.token_count.completion": 3,
        "llm.token_count.total": 15,
        "llm.token_count.prompt_details.cache_read": 2,
        "llm.cost.total": 0.01,
        "llm.input_messages.0.message.role": "user",
        "llm.input_messages.0.message.content": "hi",
    }
    observation = observation_of(sdk_span("ChatAnthropic", attributes, scope_name="openinference"))

    assert observation.type == "GENERATION"
    assert observation.model == "claude-3-5-sonnet"
    assert observation.input == {"messages": [{"role": "user", "content": "hi"}]}
    assert observation.output == "hello there"
    assert observation.model_parameters == {"temperature": 0, "stop": '["\\n"]'}
    assert observation.usage_details == {
        "input": 10,
        "output": 3,
        "total": 15,
        "input_cached_tokens": 2,
    }
    assert observation.cost_details == {"total": 0.01}
    assert isinstance(observation.metadata, dict)
    attributes_kept = observation.metadata["attributes"]
    assert (
        "input.value" not in attributes_kept
        and "llm.input_messages.0.message.role" not in attributes_kept
    )
    assert attributes_kept["input.mime_type"] == "application/json"


def test_openinference_indexed_messages_become_a_message_list() -> None:
    attributes = {
        "openinference.span.kind": "llm",
        "llm.input_messages.0.message.role": "system",
        "llm.input_messages.0.message.content": "s",
        "llm.input_messages.1.message.role": "user",
        "llm.input_messages.1.message.content": "u",
        "llm.output_messages.0.message.role": "assistant",
        "llm.output_messages.0.message.content": "a",
    }
    observation = observation_of(sdk_span("llm", attributes, scope_name="openinference"))
    assert observation.input == [
        {"role": "system", "content": "s"},
        {"role": "user", "content": "u"},
    ]
    assert observation.output == [{"role": "assistant", "content": "a"}]


def test_gen_ai_span_events_give_input_and_output() -> None:
    events = [
        OtelSpanEvent(
            name="gen_ai.system.message", time_unix_nano=START, attributes={"content": "sys"}
        ),
        OtelSpanEvent(
            name="gen_ai.user.message", time_unix_nano=START, attributes={"content": "hi"}
        ),
        OtelSpanEvent(
            name="gen_ai.choice",
            time_unix_nano=END,
            attributes={"index": 0, "message": '{"content": "hello"}'},
        ),
    ]
    observation = observation_of(
        sdk_span("chat", {"gen_ai.operation.name": "chat"}, scope_name="x", events=events)
    )
    assert observation.input == [
        {"role": "system", "content": "sys"},
        {"role": "user", "content": "hi"},
    ]
    assert observation.output == {"index": 0, "message": {"content": "hello"}}


@pytest.mark.parametrize(
    ("attributes", "kind"),
    [
        ({"gen_ai.operation.name": "chat"}, "GENERATION"),
        ({"gen_ai.operation.name": "text_completion"}, "GENERATION"),
        ({"gen_ai.operation.name": "generate_content"}, "GENERATION"),
        ({"gen_ai.operation.name": "execute_tool"}, "TOOL"),
        ({"gen_ai.operation.name": "embeddings"}, "EMBEDDING"),
        ({"gen_ai.operation.name": "invoke_agent"}, "AGENT"),
        ({"gen_ai.operation.name": "create_agent"}, "AGENT"),
        ({"openinference.span.kind": "CHAIN"}, "CHAIN"),
        ({"openinference.span.kind": "RETRIEVER"}, "RETRIEVER"),
        ({"openinference.span.kind": "RERANKER", "llm.model_name": "m"}, "SPAN"),
        ({"openinference.span.kind": "TOOL", "gen_ai.operation.name": "chat"}, "TOOL"),
        ({"ai.operationId": "ai.generateText.doGenerate"}, "GENERATION"),
        ({"operation.name": "ai.streamText.doStream my-fn"}, "GENERATION"),
        ({"ai.operationId": "ai.embedMany.doEmbed"}, "EMBEDDING"),
        ({"ai.operationId": "ai.toolCall"}, "TOOL"),
        ({"ai.operationId": "ai.generateText"}, "SPAN"),
        ({"gen_ai.tool.name": "search"}, "TOOL"),
        ({"model": "gpt-4o"}, "GENERATION"),
        ({"langfuse.observation.type": "Guardrail"}, "GUARDRAIL"),
        ({"langfuse.observation.type": "bogus", "gen_ai.request.model": "m"}, "GENERATION"),
        ({}, "SPAN"),
    ],
)
def test_observation_type_mappers_in_priority_order(attributes: dict[str, Any], kind: str) -> None:
    assert observation_of(sdk_span("s", attributes, scope_name="x")).type == kind


def test_old_python_sdk_generations_sent_as_spans() -> None:
    attributes = {"langfuse.observation.type": "span", "langfuse.observation.model.name": "m"}
    old = sdk_span("g", attributes, scope_version="3.3.0")
    assert observation_of(old).type == "GENERATION"
    assert observation_of(sdk_span("g", attributes)).type == "SPAN"


def test_vercel_ai_sdk_io_usage_and_first_chunk() -> None:
    attributes = {
        "ai.operationId": "ai.streamText.doStream",
        "ai.model.id": "gpt-4o-mini",
        "ai.prompt.messages": '[{"role": "user", "content": "hi"}]',
        "ai.response.text": "hello",
        "ai.usage.promptTokens": 8,
        "ai.usage.completionTokens": 2,
        "ai.response.msToFirstChunk": 120.4,
    }
    observation = observation_of(sdk_span("ai.streamText.doStream", attributes, scope_name="ai"))
    assert observation.type == "GENERATION"
    assert observation.model == "gpt-4o-mini"
    assert observation.input == [{"role": "user", "content": "hi"}]
    assert observation.output == "hello"
    assert observation.usage_details == {"input": 8, "output": 2}
    assert observation.completion_start_time == datetime(
        2026, 11, 22, 23, 52, 6, 744369, tzinfo=UTC
    )


def test_traceloop_and_mlflow_io() -> None:
    traceloop = {"traceloop.entity.input": '{"x": 1}', "traceloop.entity.output": "ok"}
    observation = observation_of(sdk_span("t", traceloop, scope_name="x"))
    assert (observation.input, observation.output) == ({"x": 1}, "ok")
    mlflow = {"mlflow.spanInputs": "[1]", "mlflow.spanOutputs": "2"}
    observation = observation_of(sdk_span("m", mlflow, scope_name="x"))
    assert (observation.input, observation.output) == ([1], 2)


# -- status, odd values -------------------------------------------------------------------


def test_status_error_sets_level_error_and_the_message() -> None:
    observation = observation_of(
        sdk_span("s", {}, status_code=2, status_message="boom", scope_name="x")
    )
    assert observation.level == "ERROR" and observation.status_message == "boom"


def test_declared_level_wins_over_the_status_and_ok_leaves_level_unset() -> None:
    declared = sdk_span("s", {"langfuse.observation.level": "warning"}, status_code=2)
    assert observation_of(declared).level == "WARNING"
    assert observation_of(sdk_span("s", {}, status_code=1)).level is UNSET


def test_exception_event_supplies_a_missing_status_message() -> None:
    event = OtelSpanEvent(
        name="exception",
        time_unix_nano=START,
        attributes={"exception.type": "ValueError", "exception.message": "bad"},
    )
    observation = observation_of(sdk_span("s", {}, status_code=2, events=[event]))
    assert observation.status_message == "bad"


def test_values_that_are_not_json_are_kept_raw() -> None:
    attributes = {
        "langfuse.observation.input": "{not json",
        "langfuse.observation.output": "plain text",
        "langfuse.observation.metadata.k": "raw value",
        "langfuse.observation.usage_details": "garbage",
        "langfuse.observation.model.parameters": "{oops",
        "langfuse.observation.completion_start_time": '"yesterday"',
        "langfuse.trace.metadata.t": "also raw",
    }
    trace, observation = split(span_to_events(sdk_span("s", attributes)))
    assert observation.input == "{not json" and observation.output == "plain text"
    assert observation.metadata == {"k": "raw value"}
    assert observation.usage_details is UNSET and observation.model_parameters is UNSET
    assert observation.completion_start_time is UNSET
    assert trace is not None and trace.metadata == {"t": "also raw"}


def test_malformed_attribute_types_do_not_raise() -> None:
    attributes: dict[Any, Any] = {
        "langfuse.observation.type": 3,
        "langfuse.observation.level": ["ERROR"],
        "langfuse.observation.model.name": 4.5,
        "langfuse.observation.model.parameters": 5,
        "langfuse.observation.usage_details": ["x"],
        "langfuse.observation.cost_details": {"input": "free"},
        "langfuse.observation.completion_start_time": 123,
        "langfuse.observation.prompt.name": "p",
        "langfuse.observation.prompt.version": "one",
        "langfuse.observation.input": {"kv": "list"},
        "langfuse.trace.name": 1.5,
        "langfuse.trace.tags": 7,
        "langfuse.trace.public": "maybe",
        "user.id": {"a": 1},
        "session.id": True,
        "gen_ai.usage.input_tokens": -3,
        "gen_ai.usage.output_tokens": "many",
        "gen_ai.prompt.0.content.x": "nested",
        "gen_ai.prompt.0.content": "clash",
        "llm.input_messages..": "empty parts",
        "langfuse.internal.as_root": "yes",
        "weird": object(),
        7: "non-string key",
    }
    span = sdk_span("s", attributes, scope_name=None, events=["not an event"])  # type: ignore[list-item]
    trace, observation = split(span_to_events(span))

    assert observation.type == "GENERATION"  # the model attribute still says so
    assert observation.model == "4.5"
    assert observation.level is UNSET
    assert observation.model_parameters is UNSET and observation.usage_details is UNSET
    assert observation.cost_details == {"input": "free"}  # cost values are checked downstream
    assert observation.prompt_name == "p" and observation.prompt_version is UNSET
    assert observation.input == {"kv": "list"}
    assert observation.parent_observation_id == ROOT
    assert trace is not None
    assert trace.name == "1.5" and trace.user_id == '{"a":1}' and trace.session_id == "true"
    assert trace.tags is UNSET and trace.public is UNSET
    msgspec.json.encode(span_to_events(span))  # still encodable


def test_a_span_with_garbage_fields_still_maps() -> None:
    span = OtelSpan(
        trace_id=TRACE,
        span_id=LLM,
        parent_span_id=123,  # type: ignore[arg-type]
        name=None,  # type: ignore[arg-type]
        start_time_unix_nano="soon",  # type: ignore[arg-type]
        end_time_unix_nano=-1,
        attributes="not a dict",  # type: ignore[arg-type]
        resource_attributes=None,  # type: ignore[arg-type]
        status_code="2",  # type: ignore[arg-type]
        events=None,  # type: ignore[arg-type]
    )
    events = span_to_events(span)
    assert validate_span(span) is not None
    _, observation = split(events)
    assert observation.id == LLM and observation.trace_id == TRACE
    assert observation.parent_observation_id is UNSET or observation.parent_observation_id is None


def test_end_before_start_ends_at_the_start() -> None:
    span = sdk_span("s", {}, start=END, end=START)
    assert validate_span(span) is None
    observation = observation_of(span)
    assert observation.start_time == observation.end_time == at(END)


def test_missing_start_falls_back_to_the_end() -> None:
    observation = observation_of(sdk_span("s", {}, start=0, end=END))
    assert observation.start_time == observation.end_time == at(END)


def test_upper_case_ids_are_lowered_and_zero_parent_is_no_parent() -> None:
    span = OtelSpan(
        trace_id=TRACE.upper(),
        span_id=LLM.upper(),
        parent_span_id="0000000000000000",
        name="s",
        start_time_unix_nano=START,
        end_time_unix_nano=END,
        attributes={},
    )
    trace, observation = split(span_to_events(span))
    assert observation.id == LLM and observation.trace_id == TRACE
    assert observation.parent_observation_id is None
    assert trace is not None and trace.id == TRACE


# -- validation and determinism -----------------------------------------------------------


@pytest.mark.parametrize(
    ("trace_id", "span_id", "reason"),
    [
        ("abc", LLM, "trace id must be 32 hex characters"),
        ("z" * 32, LLM, "trace id must be 32 hex characters"),
        ("0" * 32, LLM, "trace id must not be all zeros"),
        (TRACE, "1234", "span id must be 16 hex characters"),
        (TRACE, "0" * 16, "span id must not be all zeros"),
        (TRACE, "g" * 16, "span id must be 16 hex characters"),
    ],
)
def test_bad_ids_are_rejected(trace_id: str, span_id: str, reason: str) -> None:
    span = OtelSpan(
        trace_id=trace_id,
        span_id=span_id,
        parent_span_id=None,
        name="s",
        start_time_unix_nano=START,
        end_time_unix_nano=END,
        attributes={},
    )
    assert validate_span(span) == reason


def test_spans_without_usable_times_are_rejected() -> None:
    assert validate_span(sdk_span("s", {}, start=0, end=0)) is not None
    assert validate_span(sdk_span("s", {}, start=-1)) is not None
    assert validate_span(sdk_span("s", {}, end=10**30)) is not None


def test_spans_to_events_keeps_the_good_and_explains_the_bad() -> None:
    good = sdk_span("llm", dict(LLM_ATTRIBUTES))
    bad = sdk_span("bad", {}, span_id="0" * 16)
    events, rejected = spans_to_events([good, bad])
    assert events == span_to_events(good)
    assert rejected == ["0000000000000000: span id must not be all zeros"]


def test_the_same_span_twice_gives_identical_events() -> None:
    first = span_to_events(sdk_span("llm", dict(LLM_ATTRIBUTES)))
    second = span_to_events(sdk_span("llm", dict(LLM_ATTRIBUTES)))
    assert first == second
    assert msgspec.json.encode(first) == msgspec.json.encode(second)
    other = span_to_events(sdk_span("llm", dict(LLM_ATTRIBUTES), span_id="1" * 16))
    assert {event.id for event in first}.isdisjoint(event.id for event in other)


ODD_VALUES: list[Any] = [
    None,
    "",
    "x",
    "[1,",
    '"quoted"',
    "null",
    "1e999",
    "-5",
    0,
    -1,
    2**70,
    1.5,
    float("nan"),
    float("inf"),
    True,
    [],
    [None, {"a": b"\x00"}],
    {"nested": {"deep": [1, "2"]}},
    b"\xff",
    object(),
]
KEYS = sorted(
    set(LLM_ATTRIBUTES)
    | set(OPENAI_ATTRIBUTES)
    | {
        "langfuse.internal.as_root",
        "langfuse.observation.level",
        "langfuse.observation.metadata",
        "langfuse.trace.metadata",
        "langfuse.trace.input",
        "openinference.span.kind",
        "gen_ai.operation.name",
        "gen_ai.input.messages",
        "gen_ai.usage.cost",
        "ai.operationId",
        "ai.prompt.messages",
        "ai.response.text",
        "ai.response.toolCalls",
        "ai.response.msToFirstChunk",
        "ai.telemetry.metadata.langfusePrompt",
        "llm.invocation_parameters",
        "llm.input_messages.0.message.role",
        "input.value",
        "mlflow.spanInputs",
        "tag.tags",
    }
)


def test_arbitrary_attribute_values_never_break_the_mapping(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_fallback(span: OtelSpan) -> list[EntityEvent]:
        raise AssertionError("the mapping itself should cope")

    monkeypatch.setattr(otel, "_bare_events", no_fallback)
    rng = random.Random(20260101)
    for _ in range(400):
        attributes = {key: rng.choice(ODD_VALUES) for key in rng.sample(KEYS, 12)}
        events_attributes = {key: rng.choice(ODD_VALUES) for key in rng.sample(KEYS, 2)}
        span = sdk_span(
            "s",
            attributes,
            parent=rng.choice([None, ROOT]),
            scope_name=rng.choice([None, "langfuse-sdk", "ai"]),
            status_code=rng.choice([0, 1, 2]),
            events=[
                OtelSpanEvent(
                    name=rng.choice(["gen_ai.user.message", "gen_ai.choice", "exception"]),
                    time_unix_nano=START,
                    attributes=events_attributes,
                )
            ],
        )
        _, observation = split(span_to_events(span))
        assert observation.id == LLM
        msgspec.json.encode(span_to_events(span))
