"""Online evaluation end to end in one process: ingestion → executions → EVAL scores.

The real embedded container (SQLite, chDB, the in-process queue) with the tracing and
evals plugins; the provider is the fake OpenAI-compatible server on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

import spyglass_datasets
import spyglass_evals
import spyglass_tracing
from spyglass_adapters.queue import TaskiqTaskQueue
from spyglass_core.hookspecs import PluginConfig, hookimpl
from spyglass_core.ports.llm import LLMClient, LLMCompletion, LLMUsage
from tests.plugins.conftest import EmbeddedApp, embedded_app, embedded_settings
from tests.support.fake_llm import FakeLLM, fake_llm

KEY_HEX = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
SECRET = "sk-live-very-secret-0123456789"
RULES = "/api/public/unstable/evaluation-rules"


class LocalModels:
    """An out-of-tree provider plugin: serves the model ``local-judge`` itself."""

    def __init__(self) -> None:
        self.calls = 0

    @hookimpl
    def resolve_llm_client(self, model: str, config: PluginConfig) -> LLMClient | None:
        return self if model == "local-judge" else None  # type: ignore[return-value]

    async def complete(self, messages: Any, **options: Any) -> LLMCompletion:
        self.calls += 1
        return LLMCompletion(
            text="",
            parsed={"reasoning": "judged locally", "score": 0.25},
            usage=LLMUsage(input_tokens=3, output_tokens=2),
            model="local-judge",
        )


LOCAL_MODELS = LocalModels()


@pytest.fixture
def provider() -> Iterator[FakeLLM]:
    with fake_llm(expected_key=SECRET) as fake:
        yield fake


@pytest.fixture
async def app(tmp_path: Path, chdb_dsn: str) -> AsyncIterator[EmbeddedApp]:
    config = {"encryption_key": KEY_HEX, "poll_seconds": "0.1", "lease_seconds": "5"}
    settings = embedded_settings(
        tmp_path, chdb_dsn, plugin_config=PluginConfig(sections={"evals": config})
    )
    plugins = [spyglass_tracing, spyglass_datasets, spyglass_evals, LOCAL_MODELS]
    async with embedded_app(settings, plugins) as running:
        yield running


async def call(app: EmbeddedApp, method: str, path: str, expected: int = 200, **kw: Any) -> Any:
    response = await app.client.request(method, path, auth=app.auth(), **kw)
    assert response.status_code == expected, response.text
    return response.json()


async def judge_rule(
    app: EmbeddedApp,
    provider: FakeLLM,
    *,
    target: str = "trace",
    model: str = "judge-model",
    adapter: str = "openai",
    base_url: str | None = None,
    evaluator: dict[str, Any] | None = None,
    **rule: Any,
) -> str:
    """A connection to ``provider``, an LLM-as-a-judge evaluator (helpfulness unless
    ``evaluator`` gives another body) and an active rule running it; the rule's id."""
    await call(
        app,
        "PUT",
        "/api/public/llm-connections",
        json={
            "provider": "fake",
            "adapter": adapter,
            "secretKey": SECRET,
            "baseURL": base_url or provider.base_url,
        },
    )
    created_evaluator = await call(
        app,
        "POST",
        "/api/public/unstable/evaluators",
        201,
        json=evaluator
        or {
            "name": "helpfulness",
            "prompt": "Question: {{question}}\nAnswer: {{answer}}\nHow helpful is it?",
            "outputDefinition": {"dataType": "NUMERIC", "minValue": 0, "maxValue": 1},
            "modelConfig": {"provider": "fake", "model": model},
            "variableMapping": [
                {"variable": "question", "source": "input"},
                {"variable": "answer", "source": "output"},
            ],
        },
    )
    created = await call(
        app,
        "POST",
        RULES,
        201,
        json={
            "name": "qa helpfulness",
            "enabled": True,
            "target": target,
            "evaluatorAssignments": [{"evaluatorId": created_evaluator["id"]}],
        }
        | rule,
    )
    return str(created["id"])


async def settle(app: EmbeddedApp) -> None:
    """Wait until every queued task (event deliveries included) ran."""
    queue = await app.container.get(TaskiqTaskQueue)
    await queue.broker.wait_all()  # type: ignore[attr-defined]


async def send_traces(app: EmbeddedApp, names: dict[str, str]) -> None:
    batch = [
        {
            "id": f"e-{trace_id}",
            "type": "trace-create",
            "timestamp": "2026-12-03T10:00:00Z",
            "body": {
                "id": trace_id,
                "name": name,
                "input": f"question of {trace_id}",
                "output": f"answer of {trace_id}",
            },
        }
        for trace_id, name in names.items()
    ]
    await call(app, "POST", "/api/public/ingestion", 207, json={"batch": batch})


async def executions_until(
    app: EmbeddedApp, rule_id: str, done: Any, within: float = 30
) -> list[dict[str, Any]]:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        page = await call(app, "GET", f"{RULES}/{rule_id}/executions?limit=100")
        if done(page["data"]) or asyncio.get_running_loop().time() > deadline:
            return list(page["data"])
        await asyncio.sleep(0.1)


def finished(count: int) -> Any:
    return lambda rows: (
        len(rows) >= count and all(r["status"] in ("COMPLETED", "ERROR", "CANCELLED") for r in rows)
    )


async def eval_scores(app: EmbeddedApp, expected: int, within: float = 15) -> list[dict[str, Any]]:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        page = await call(
            app, "GET", "/api/public/v3/scores?source=EVAL&limit=100&fields=subject,details"
        )
        if len(page["data"]) >= expected or asyncio.get_running_loop().time() > deadline:
            return list(page["data"])
        await asyncio.sleep(0.1)


async def test_a_rule_on_qa_traces_scores_each_of_them_once_with_the_judges_reasoning(
    app: EmbeddedApp, provider: FakeLLM
) -> None:
    rule_id = await judge_rule(
        app,
        provider,
        filter=[{"type": "stringOptions", "column": "name", "operator": "any of", "value": ["qa"]}],
    )
    await send_traces(app, {"t-qa-1": "qa", "t-qa-2": "qa", "t-chat": "chat"})

    rows = await executions_until(app, rule_id, finished(2))
    assert sorted((r["traceId"], r["status"]) for r in rows) == [
        ("t-qa-1", "COMPLETED"),
        ("t-qa-2", "COMPLETED"),
    ]
    scores = await eval_scores(app, 2)
    assert sorted(s["subject"]["id"] for s in scores) == ["t-qa-1", "t-qa-2"]
    for score in scores:
        assert (score["source"], score["name"], score["value"]) == ("EVAL", "helpfulness", 1)
        assert score["comment"].startswith("fake reasoning for")
    # The judge saw the trace's own input and output.
    prompts = [r["body"]["messages"][-1]["content"] for r in provider.requests]
    assert any("question of t-qa-1" in p and "answer of t-qa-1" in p for p in prompts)
    # Each judge call is traced into the project, priced from its usage.
    row = rows[0]
    assert row["judgeTraceId"] and row["inputTokens"] and row["outputTokens"] == 7
    judge_trace = await call(app, "GET", f"/api/public/traces/{row['judgeTraceId']}")
    assert judge_trace["environment"] == "spyglass-llm-as-a-judge"

    # The same traces again (an SDK retry): no new executions, no new scores.
    await send_traces(app, {"t-qa-1": "qa", "t-qa-2": "qa"})
    await asyncio.sleep(1)
    assert len(await executions_until(app, rule_id, finished(2))) == 2
    assert len(await eval_scores(app, 3, within=1)) == 2


async def test_an_anthropic_connection_scores_a_trace_with_the_judges_reasoning(
    app: EmbeddedApp, provider: FakeLLM
) -> None:
    # A Langfuse-style Anthropic base URL: the API's root, without /v1.
    root = provider.base_url.removesuffix("/v1")
    rule_id = await judge_rule(
        app, provider, adapter="anthropic", base_url=root, model="claude-judge"
    )
    await send_traces(app, {"t-claude": "qa"})

    rows = await executions_until(app, rule_id, finished(1))
    assert rows[0]["status"] == "COMPLETED", rows[0]
    assert rows[0]["scoreComment"].startswith("fake reasoning for Question: question of t-claude")
    [score] = await eval_scores(app, 1)
    assert (score["subject"]["id"], score["name"], score["value"]) == ("t-claude", "helpfulness", 1)
    assert score["comment"] == rows[0]["scoreComment"]
    [request] = provider.requests
    assert request["path"] == "/v1/messages"
    assert request["headers"]["x-api-key"] == SECRET
    assert request["body"]["tool_choice"]["type"] == "tool"  # structured through tool use
    assert rows[0]["inputTokens"] and rows[0]["outputTokens"] == 7


async def test_an_anthropic_model_the_provider_does_not_know_pauses_the_rule(
    app: EmbeddedApp, provider: FakeLLM
) -> None:
    provider.known_models = {"claude-judge"}
    rule_id = await judge_rule(app, provider, adapter="anthropic", model="claude-nope")
    await send_traces(app, {"t-1": "qa"})

    rows = await executions_until(app, rule_id, finished(1))
    assert rows[0]["status"] == "ERROR"
    rule = await call(app, "GET", f"{RULES}/{rule_id}")
    assert rule["enabled"] is False
    assert "does not know this model" in rule["pausedReason"]
    assert "not_found_error: model: claude-nope" in rule["pausedReason"]
    assert len(provider.requests) == 1  # not retried


async def test_half_sampling_picks_about_half_and_the_same_half_again(
    app: EmbeddedApp, provider: FakeLLM
) -> None:
    rule_id = await judge_rule(app, provider, sampling=0.5)
    names = {f"t-{i:03d}": "qa" for i in range(200)}
    await send_traces(app, names)
    first = await executions_until(app, rule_id, lambda rows: len(rows) >= 80, within=10)
    await asyncio.sleep(0.5)  # every event handled
    first = await executions_until(app, rule_id, lambda rows: False, within=0)
    picked = {r["objectId"] for r in first}
    assert 70 <= len(picked) <= 130, len(picked)

    await send_traces(app, names)  # the same traces again pick the same half
    await asyncio.sleep(1)
    again = await executions_until(app, rule_id, lambda rows: False, within=0)
    assert {r["objectId"] for r in again} == picked


async def test_a_provider_refusing_the_key_pauses_the_rule_with_the_reason(
    app: EmbeddedApp, provider: FakeLLM, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    rule_id = await judge_rule(app, provider)
    provider.expected_key = "another-key"  # the stored key is now refused (401)
    await send_traces(app, {"t-1": "qa"})

    rows = await executions_until(app, rule_id, finished(1))
    assert rows[0]["status"] == "ERROR"
    assert "refused the credentials" in rows[0]["error"]
    rule = await call(app, "GET", f"{RULES}/{rule_id}")
    assert rule["enabled"] is False
    assert "refused the credentials" in rule["pausedReason"]
    # The secret is in no answer.
    for answer in (rows, rule, await call(app, "GET", "/api/public/llm-connections")):
        assert SECRET not in str(answer)
    assert "paused" in caplog.text  # the pause is logged ...
    assert SECRET not in caplog.text  # ... and no log line holds the key


async def test_a_provider_failing_twice_then_answering_completes_the_execution(
    app: EmbeddedApp, provider: FakeLLM
) -> None:
    rule_id = await judge_rule(app, provider)
    provider.fail_next(500, 500)
    await send_traces(app, {"t-1": "qa"})

    rows = await executions_until(app, rule_id, finished(1))
    assert rows[0]["status"] == "COMPLETED", rows[0]
    assert len(provider.requests) == 3
    assert len(await eval_scores(app, 1)) == 1


async def test_missing_data_is_retried_then_named(app: EmbeddedApp, provider: FakeLLM) -> None:
    rule_id = await judge_rule(app, provider)
    batch = [
        {
            "id": "e-bare",
            "type": "trace-create",
            "timestamp": "2026-12-03T10:00:00Z",
            "body": {"id": "t-bare", "name": "qa", "input": "a question without an answer"},
        }
    ]
    await call(app, "POST", "/api/public/ingestion", 207, json={"batch": batch})
    rows = await executions_until(app, rule_id, lambda r: r and r[0]["attempts"] >= 1)
    assert rows[0]["status"] == "PENDING"
    assert "answer" in rows[0]["error"] and "delay" in rows[0]["error"]


async def test_a_code_evaluator_rule_scores_without_a_provider(app: EmbeddedApp) -> None:
    created = await call(
        app,
        "POST",
        RULES,
        201,
        json={
            "name": "mentions refund",
            "enabled": True,
            "target": "trace",
            "evaluatorAssignments": [
                {
                    "codeEvaluator": "contains",
                    "config": {"values": ["refund"]},
                    "scoreName": "mentions_refund",
                }
            ],
        },
    )
    batch = [
        {
            "id": f"e-{tid}",
            "type": "trace-create",
            "timestamp": "2026-12-03T10:00:00Z",
            "body": {"id": tid, "name": "support", "output": text},
        }
        for tid, text in {"t-yes": "a refund is on its way", "t-no": "no luck"}.items()
    ]
    await call(app, "POST", "/api/public/ingestion", 207, json={"batch": batch})
    rows = await executions_until(app, created["id"], finished(2))
    assert {r["traceId"]: r["scoreValue"] for r in rows} == {"t-yes": True, "t-no": False}
    scores = await eval_scores(app, 2)
    assert {s["subject"]["id"]: (s["name"], s["value"]) for s in scores} == {
        "t-yes": ("mentions_refund", True),
        "t-no": ("mentions_refund", False),
    }


async def test_unknown_code_evaluators_and_bad_targets_are_refused(app: EmbeddedApp) -> None:
    def rule(**assignment: Any) -> dict[str, Any]:
        return {"name": "r", "enabled": True, "evaluatorAssignments": [assignment]}

    missing = await call(app, "POST", RULES, 404, json=rule(codeEvaluator="nope"))
    assert "not installed" in missing["message"]
    both = await call(app, "POST", RULES, 400, json=rule(codeEvaluator="contains", evaluatorId="x"))
    assert "exactly one" in both["message"]
    bad_config = await call(app, "POST", RULES, 400, json=rule(codeEvaluator="contains"))
    assert "contains" in bad_config["message"]
    await call(app, "POST", RULES, 400, json=rule(codeEvaluator="exact_match") | {"target": "x"})


async def backfill_until_done(app: EmbeddedApp, rule_id: str, body: dict[str, Any]) -> Any:
    started = await call(app, "POST", f"{RULES}/{rule_id}/backfills", 202, json=body)
    assert started["status"] == "PLANNING"
    deadline = asyncio.get_running_loop().time() + 30
    while True:
        found = await call(app, "GET", f"{RULES}/{rule_id}/backfills/{started['id']}")
        if found["status"] in ("COMPLETED", "ERROR"):
            return found
        assert asyncio.get_running_loop().time() < deadline, found
        await asyncio.sleep(0.1)


async def test_a_backfill_evaluates_past_traces_once_with_progress_and_a_final_count(
    app: EmbeddedApp, provider: FakeLLM
) -> None:
    await send_traces(app, {f"old-{i}": "qa" for i in range(6)} | {"old-chat": "chat"})
    await asyncio.sleep(1)  # ingested before the rule existed: nothing evaluates them
    rule_id = await judge_rule(
        app,
        provider,
        sampling=0.0,  # a backfill evaluates every match, sampled or not
        filter=[{"type": "stringOptions", "column": "name", "operator": "any of", "value": ["qa"]}],
    )
    assert await executions_until(app, rule_id, lambda rows: False, within=0) == []

    done = await backfill_until_done(app, rule_id, {"traces": {"name": "qa"}, "limit": 100})
    assert (done["status"], done["selected"], done["planned"]) == ("COMPLETED", 6, 6)
    assert done["executions"] == {"COMPLETED": 6}
    assert len(await eval_scores(app, 6)) == 6

    # Again: everything was evaluated already, so nothing new runs.
    again = await backfill_until_done(app, rule_id, {"traces": {"name": "qa"}})
    assert (again["selected"], again["planned"], again["executions"]) == (6, 0, {})
    listed = await call(app, "GET", f"{RULES}/{rule_id}/backfills")
    assert [b["id"] for b in listed["data"]] == [again["id"], done["id"]]


async def test_a_backfill_scores_the_items_of_a_dataset_run(
    app: EmbeddedApp, provider: FakeLLM
) -> None:
    await call(app, "POST", "/api/public/v2/datasets", json={"name": "capitals"})
    for i in range(3):
        await call(
            app,
            "POST",
            "/api/public/dataset-items",
            json={
                "datasetName": "capitals",
                "id": f"item-{i}",
                "input": f"question {i}",
                "expectedOutput": "answer of run-0" if i == 0 else f"expected {i}",
            },
        )
    await send_traces(app, {f"run-{i}": "task" for i in range(3)})
    for i in range(3):
        linked = await call(
            app,
            "POST",
            "/api/public/dataset-run-items",
            json={"runName": "nightly", "datasetItemId": f"item-{i}", "traceId": f"run-{i}"},
        )
    run_id = linked["datasetRunId"]
    # The links' events are handled before the rule exists: only the backfill plans.
    await settle(app)
    created = await call(
        app,
        "POST",
        RULES,
        201,
        json={
            "name": "exact answers",
            "enabled": True,
            "target": "experiment_item",
            "evaluatorAssignments": [{"codeEvaluator": "exact_match", "scoreName": "exact"}],
        },
    )
    wrong = await call(app, "POST", f"{RULES}/{created['id']}/backfills", 400, json={"traces": {}})
    assert "datasetRunId" in wrong["message"]

    done = await backfill_until_done(app, created["id"], {"datasetRunId": run_id})
    assert (done["status"], done["selected"], done["executions"]) == (
        "COMPLETED",
        3,
        {"COMPLETED": 3},
    )
    scores = await eval_scores(app, 3)
    # Each run's output ("answer of run-i") against the item's expected output.
    assert {(s["subject"]["id"], s["name"], s["value"]) for s in scores} == {
        ("run-0", "exact", True),
        ("run-1", "exact", False),
        ("run-2", "exact", False),
    }
    missing = await backfill_until_done(app, created["id"], {"datasetRunId": "no-such-run"})
    assert missing["status"] == "ERROR" and "no-such-run" in missing["error"]


async def test_a_plugin_resolving_the_model_serves_the_judge_instead_of_the_connection(
    app: EmbeddedApp, provider: FakeLLM
) -> None:
    rule_id = await judge_rule(app, provider, model="local-judge")
    before = LOCAL_MODELS.calls
    await send_traces(app, {"t-local": "qa"})
    rows = await executions_until(app, rule_id, finished(1))
    assert (rows[0]["status"], rows[0]["scoreValue"]) == ("COMPLETED", 0.25)
    assert rows[0]["scoreComment"] == "judged locally"
    assert LOCAL_MODELS.calls == before + 1
    assert provider.requests == []  # the connection's provider was never called
