"""The evaluator preview and the playground over HTTP, against the fake provider.

A real embedded app with the tracing and evals plugins: traces are sent through the
ingestion API, the judge and the playground call ``tests/support/fake_llm.py`` through
an LLM connection, and the playground's call is read back as a trace of the project.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

import spyglass_evals
import spyglass_tracing
from spyglass_adapters.queue import TaskiqTaskQueue
from spyglass_core.hookspecs import PluginConfig
from tests.plugins.conftest import EmbeddedApp, embedded_app, embedded_settings
from tests.support.fake_llm import FakeLLM, fake_llm

KEY_HEX = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
SECRET = "sk-preview-supersecret-4d2e"
PREVIEW = "/api/public/unstable/evaluators/preview"
COMPLETIONS = "/api/public/unstable/llm/completions"
NUMERIC = {"dataType": "NUMERIC", "minValue": 0, "maxValue": 1}
PROMPT = [
    {"role": "system", "content": "You grade answers."},
    {"role": "user", "content": "Question: {{question}}\nAnswer: {{answer}}"},
]
MAPPING = [
    {"variable": "question", "source": "input", "jsonPath": "$.question"},
    {"variable": "answer", "source": "output"},
]
MODEL = {"provider": "fake", "model": "judge-1"}


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    with fake_llm(expected_key=SECRET) as running:
        yield running


@pytest.fixture
async def app(tmp_path: Path, chdb_dsn: str, fake: FakeLLM) -> AsyncIterator[EmbeddedApp]:
    settings = embedded_settings(
        tmp_path,
        chdb_dsn,
        plugin_config=PluginConfig(sections={"evals": {"encryption_key": KEY_HEX}}),
    )
    async with embedded_app(settings, [spyglass_tracing, spyglass_evals]) as running:
        connection = {
            "provider": "fake",
            "adapter": "openai",
            "secretKey": SECRET,
            "baseURL": fake.base_url,
        }
        await call(running, "PUT", "/api/public/llm-connections", json=connection)
        await ingest(
            running,
            {
                "id": "e-t1",
                "type": "trace-create",
                "timestamp": "2026-12-01T12:00:00Z",
                "body": {
                    "id": "t1",
                    "name": "qa",
                    "input": {"question": "What is 2+2?"},
                    "output": "It is 4",
                    "timestamp": "2026-12-01T12:00:00Z",
                },
            },
            {
                "id": "e-g1",
                "type": "generation-create",
                "timestamp": "2026-12-01T12:00:01Z",
                "body": {
                    "id": "g1",
                    "traceId": "t1",
                    "name": "llm",
                    "input": {"question": "What is 3+3?"},
                    "output": "It is 6",
                },
            },
        )
        yield running


async def call(app: EmbeddedApp, method: str, path: str, expected: int = 200, **kw: Any) -> Any:
    response = await app.client.request(method, path, auth=app.auth(), **kw)
    assert response.status_code == expected, response.text
    assert SECRET not in response.text
    return response.json()


async def settle(app: EmbeddedApp) -> None:
    queue = await app.container.get(TaskiqTaskQueue)
    await queue.broker.wait_all()  # type: ignore[attr-defined]


async def ingest(app: EmbeddedApp, *events: dict[str, Any]) -> None:
    sent = await app.client.post(
        "/api/public/ingestion", json={"batch": list(events)}, auth=app.auth()
    )
    assert sent.status_code == 207, sent.text
    assert all(s["status"] == 201 for s in sent.json()["successes"]), sent.text
    await settle(app)


def draft(**fields: Any) -> dict[str, Any]:
    return {
        "traceId": "t1",
        "prompt": PROMPT,
        "outputDefinition": NUMERIC,
        "modelConfig": MODEL,
        "variableMapping": MAPPING,
    } | fields


async def test_a_draft_is_previewed_on_a_trace_with_variables_prompt_and_verdict(
    app: EmbeddedApp, fake: FakeLLM
) -> None:
    result = await call(app, "POST", PREVIEW, json=draft())
    assert result["evaluated"] == {"kind": "TRACE", "id": "t1", "name": "qa"}
    assert result["variables"] == {"question": "What is 2+2?", "answer": "It is 4"}
    assert result["messages"] == [
        {"role": "system", "content": "You grade answers."},
        {"role": "user", "content": "Question: What is 2+2?\nAnswer: It is 4"},
    ]
    assert result["verdict"] == {
        "value": 1.0,
        "reasoning": "fake reasoning for Question: What is 2+2?\nAnswer: It is 4",
    }
    assert (result["provider"], result["model"]) == ("fake", "judge-1")
    assert result["usage"] == {"inputTokens": 8, "outputTokens": 7}
    (sent,) = fake.requests
    assert sent["body"]["model"] == "judge-1"
    assert sent["body"]["messages"] == result["messages"]
    assert sent["body"]["response_format"]["type"] == "json_schema"
    # A preview stores nothing: the trace has no score.
    assert (await call(app, "GET", "/api/public/traces/t1"))["scores"] == []


async def test_a_saved_evaluator_is_previewed_on_an_observation_with_its_default_mapping(
    app: EmbeddedApp,
) -> None:
    evaluator = await call(
        app,
        "POST",
        "/api/public/v2/evaluators",
        201,
        json={
            "name": "correct",
            "prompt": PROMPT,
            "outputDefinition": {"dataType": "BOOLEAN"},
            "modelConfig": MODEL,
            "variableMapping": MAPPING,
        },
    )
    result = await call(
        app,
        "POST",
        PREVIEW,
        json={"evaluatorId": evaluator["id"], "traceId": "t1", "observationId": "g1"},
    )
    assert result["evaluated"] == {"kind": "OBSERVATION", "id": "g1", "name": "llm"}
    assert result["variables"] == {"question": "What is 3+3?", "answer": "It is 6"}
    assert result["verdict"]["value"] is True
    # An unsaved edit of the saved evaluator is previewed over it.
    edited = await call(
        app,
        "POST",
        PREVIEW,
        json={
            "evaluatorId": evaluator["id"],
            "traceId": "t1",
            "prompt": "Is {{answer}} right?",
            "variableMapping": [{"variable": "answer", "source": "output"}],
        },
    )
    assert edited["messages"] == [{"role": "user", "content": "Is It is 4 right?"}]
    assert edited["verdict"]["value"] is True


@pytest.mark.parametrize(
    ("fields", "status", "needle"),
    [
        (
            {
                "variableMapping": [
                    *MAPPING[:1],
                    {"variable": "answer", "source": "expected_output"},
                ]
            },
            400,
            "no value for variable(s) answer",
        ),
        ({"variableMapping": MAPPING[:1]}, 400, "variable(s) not mapped: answer"),
        ({"traceId": "absent"}, 404, "Trace 'absent' not found"),
        ({"observationId": "absent"}, 404, "Observation 'absent' not found in trace 't1'"),
        ({"modelConfig": None}, 400, "Choose the judge model"),
        ({"modelConfig": {"provider": "nope", "model": "m"}}, 404, "No LLM connection for"),
        ({"prompt": None}, 400, "Give an evaluatorId, or a draft's prompt"),
        ({"evaluatorId": "absent"}, 404, "Evaluator not found"),
        ({"outputDefinition": {"dataType": "NUMERIC"}}, 400, "needs minValue and maxValue"),
    ],
)
async def test_a_preview_that_cannot_run_says_why(
    app: EmbeddedApp, fake: FakeLLM, fields: dict[str, Any], status: int, needle: str
) -> None:
    body = {k: v for k, v in draft(**fields).items() if v is not None}
    answer = await call(app, "POST", PREVIEW, status, json=body)
    assert needle in answer["message"], answer
    assert fake.requests == []


async def test_a_provider_refusing_the_key_is_a_400_naming_the_connection_not_the_key(
    app: EmbeddedApp, fake: FakeLLM, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.expected_key = "another-key"
    answer = await call(app, "POST", PREVIEW, 400, json=draft())
    assert answer["message"].startswith("LLM connection 'fake': ")
    assert "refused the credentials (401)" in answer["message"]
    assert answer["error"] == {"provider": "fake", "reason": "PermissionDenied"}
    failed = await call(
        app,
        "POST",
        COMPLETIONS,
        400,
        json={"provider": "fake", "model": "m", "messages": [{"role": "user", "content": "hi"}]},
    )
    assert "refused the credentials (401)" in failed["message"]
    # The refused playground call is traced, as an error.
    await settle(app)
    (traced,) = (await call(app, "GET", "/api/public/traces", params={"name": "playground"}))[
        "data"
    ]
    (generation,) = (await call(app, "GET", f"/api/public/traces/{traced['id']}"))["observations"]
    assert generation["level"] == "ERROR"
    assert "refused the credentials (401)" in generation["statusMessage"]
    assert SECRET not in caplog.text


async def test_the_playground_answers_and_traces_the_call_with_the_prompt(
    app: EmbeddedApp, fake: FakeLLM
) -> None:
    answer = await call(
        app,
        "POST",
        COMPLETIONS,
        json={
            "provider": "fake",
            "model": "chat-1",
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Say ok to Ada"},
            ],
            "params": {"temperature": 0.2, "max_tokens": 50},
            "promptName": "greeting",
            "promptVersion": 3,
        },
    )
    assert (answer["text"], answer["model"]) == ("ok", "chat-1")
    assert answer["usage"] == {"inputTokens": 4, "outputTokens": 7}
    (sent,) = fake.requests
    assert (sent["body"]["temperature"], sent["body"]["max_tokens"]) == (0.2, 50)
    assert "response_format" not in sent["body"]
    await settle(app)
    trace = await call(app, "GET", f"/api/public/traces/{answer['traceId']}")
    assert (trace["name"], trace["environment"], trace["output"]) == ("playground", "default", "ok")
    assert trace["metadata"]["promptName"] == "greeting"
    assert trace["metadata"]["promptVersion"] == 3
    (generation,) = trace["observations"]
    assert (generation["type"], generation["model"]) == ("GENERATION", "chat-1")
    assert generation["input"][1] == {"role": "user", "content": "Say ok to Ada"}
    assert generation["usageDetails"]["input"] == 4


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"messages": []}, "messages must hold 1 to"),
        ({"messages": [{"role": "user", "content": " "}]}, "fill the prompt's variables"),
        ({"model": " "}, "model must be 1 to"),
        ({"params": {"stream": True}}, "Invalid request data"),
        ({"params": {"temperature": 9}}, "Invalid request data"),
        ({"provider": "nope"}, "No LLM connection for provider 'nope'"),
    ],
)
async def test_a_playground_request_that_cannot_run_says_why(
    app: EmbeddedApp, fake: FakeLLM, body: dict[str, Any], needle: str
) -> None:
    base = {"provider": "fake", "model": "m", "messages": [{"role": "user", "content": "hi"}]}
    status = 404 if "provider" in body else 400
    answer = await call(app, "POST", COMPLETIONS, status, json=base | body)
    assert needle in answer["message"], answer
    assert fake.requests == []
