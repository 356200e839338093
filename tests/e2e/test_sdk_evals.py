"""Online evaluation end to end: the real v5 SDK, ``spyglass serve`` and a fake provider.

One server process (started once, killed once and restarted on its data directory by the
last test) runs the evals plugin with a short lease; the fake OpenAI-compatible provider
of ``tests/support/fake_llm.py`` answers the judge on 127.0.0.1. The SDK runs in its own
process (``.e2e-venvs/langfuse5``) and exports over OTLP; everything is read back over
HTTP: the rule's executions and the ``source=EVAL`` scores of ``/api/public/v3/scores``.

- a rule on traces named ``qa`` scores each new ``qa`` trace with the judge's reasoning,
  and leaves a trace of another name alone;
- a rule on experiment items scores every item of a ``run_experiment`` run, the item's
  expected output reaching the judge;
- a SIGKILL while executions are running loses none and duplicates no score.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.fake_llm import FakeLLM, fake_llm

from .conftest import ServerFactory, SpyglassServer, poll, run_sdk

pytestmark = pytest.mark.e2e

PUBLIC_KEY = "pk-lf-evals-e2e"
SECRET_KEY = "sk-lf-evals-e2e"
AUTH = (PUBLIC_KEY, SECRET_KEY)
PROVIDER_KEY = "sk-fake-provider-evals-e2e-0123456789"
ENCRYPTION_KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
RULES = "/api/public/unstable/evaluation-rules"
LEASE_SECONDS = 3
DONE = ("COMPLETED", "ERROR", "CANCELLED")

# Traces named as the caller asks, the root span's input and output becoming the trace's.
TRACES_SCRIPT = r"""
import json, sys
from langfuse import Langfuse, propagate_attributes

client = Langfuse()
made = []
for n, name in enumerate(json.loads(sys.argv[1])):
    with propagate_attributes(trace_name=name):
        with client.start_as_current_observation(
            as_type="span", name=name, input=f"question {n} of {name}"
        ) as root:
            root.update(output=f"answer {n} of {name}")
            made.append({"name": name, "trace_id": root.trace_id})
client.flush()
print(json.dumps(made))
"""

EXPERIMENT_SCRIPT = r"""
import json
from langfuse import Langfuse

client = Langfuse()
client.create_dataset(name="e2e/evals")
for n in range(4):
    client.create_dataset_item(
        dataset_name="e2e/evals", id=f"eval-item-{n}", input={"n": n},
        expected_output=f"expected {2 * n}",
    )
dataset = client.get_dataset("e2e/evals")


def double(*, item, **kwargs):
    return f"doubled {2 * item.input['n']}"


result = dataset.run_experiment(name="judged", run_name="judged", task=double)
client.flush()
print(json.dumps({
    "experiment_id": result.experiment_id,
    "traces": {r.item.id: r.trace_id for r in result.item_results},
}))
"""


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def provider() -> Iterator[FakeLLM]:
    """The fake provider, for the whole module; it accepts only ``PROVIDER_KEY``."""
    with fake_llm(expected_key=PROVIDER_KEY) as fake:
        yield fake


@pytest.fixture(scope="module")
def server(module_spyglass_server: ServerFactory) -> SpyglassServer:
    return module_spyglass_server(
        {
            "SPYGLASS_INIT_PROJECT_ID": "proj-evals",
            "SPYGLASS_INIT_PROJECT_NAME": "Evals",
            "SPYGLASS_INIT_PROJECT_PUBLIC_KEY": PUBLIC_KEY,
            "SPYGLASS_INIT_PROJECT_SECRET_KEY": SECRET_KEY,
            "SPYGLASS_LOG_LEVEL": "info",
            "SPYGLASS_PLUGIN_EVALS_ENCRYPTION_KEY": ENCRYPTION_KEY,
            "SPYGLASS_PLUGIN_EVALS_POLL_SECONDS": "0.2",
            # Short, so the claims of the killed process expire soon after the restart.
            "SPYGLASS_PLUGIN_EVALS_LEASE_SECONDS": str(LEASE_SECONDS),
            "SPYGLASS_PLUGIN_EVALS_CONCURRENCY": "2",
        }
    )


@pytest.fixture(scope="module")
def connection(server: SpyglassServer, provider: FakeLLM) -> str:
    """The project's LLM connection to the fake provider; its provider name."""
    call(
        server,
        "PUT",
        "/api/public/llm-connections",
        json={
            "provider": "fake",
            "adapter": "openai",
            "secretKey": PROVIDER_KEY,
            "baseURL": provider.base_url,
        },
    )
    return "fake"


# --------------------------------------------------------------------------- helpers


def call(server: SpyglassServer, method: str, path: str, expected: int = 200, **kw: Any) -> Any:
    response = httpx.request(method, f"{server.base_url}{path}", auth=AUTH, timeout=10, **kw)
    assert response.status_code == expected, f"{method} {path}: {response.text}"
    return response.json()


def judge(server: SpyglassServer, connection: str, name: str, prompt: str, mapping: Any) -> str:
    """A 0-1 LLM-as-a-judge evaluator on the fake provider; its id."""
    created = call(
        server,
        "POST",
        "/api/public/unstable/evaluators",
        201,
        json={
            "name": name,
            "prompt": prompt,
            "outputDefinition": {"dataType": "NUMERIC", "minValue": 0, "maxValue": 1},
            "modelConfig": {"provider": connection, "model": "judge-model"},
            "variableMapping": mapping,
        },
    )
    return str(created["id"])


def helpfulness(server: SpyglassServer, connection: str) -> str:
    return judge(
        server,
        connection,
        "helpfulness",
        "Question: {{question}}\nAnswer: {{answer}}\nHow helpful is it?",
        [{"variable": "question", "source": "input"}, {"variable": "answer", "source": "output"}],
    )


def rule(server: SpyglassServer, evaluator_id: str, score_name: str, **fields: Any) -> str:
    created = call(
        server,
        "POST",
        RULES,
        201,
        json={
            "name": score_name,
            "enabled": True,
            "evaluatorAssignments": [{"evaluatorId": evaluator_id, "scoreName": score_name}],
        }
        | fields,
    )
    return str(created["id"])


def named(*names: str) -> list[dict[str, Any]]:
    return [{"type": "stringOptions", "column": "name", "operator": "any of", "value": list(names)}]


def send(python: Path, server: SpyglassServer, code: str, *args: str) -> Any:
    """Run an SDK script (``args`` become ``sys.argv[1:]``); its last stdout line as JSON."""
    script = code if not args else f"import sys; sys.argv[1:] = {list(args)!r}\n{code}"
    done = run_sdk(python, script, server.sdk_env(PUBLIC_KEY, SECRET_KEY), timeout=120)
    detail = f"stdout:\n{done.stdout}\nstderr:\n{done.stderr[-4000:]}\n--- server log\n"
    detail += server.log()[-4000:]
    assert done.returncode == 0, f"the SDK script failed ({done.returncode})\n{detail}"
    assert "Failed to export" not in done.stderr, detail
    return json.loads(done.stdout.strip().splitlines()[-1])


def executions(server: SpyglassServer, rule_id: str) -> list[dict[str, Any]]:
    """Every execution of the rule, following the cursor."""
    rows: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params = {"limit": "100"} | ({"cursor": cursor} if cursor else {})
        page = call(server, "GET", f"{RULES}/{rule_id}/executions", params=params)
        rows.extend(page["data"])
        cursor = page["meta"].get("cursor")
        if not cursor:
            return rows


def executions_when(
    server: SpyglassServer,
    rule_id: str,
    ready: Callable[[list[dict[str, Any]]], bool],
    what: str,
    *,
    timeout: float = 60,
    interval: float = 0.2,
) -> list[dict[str, Any]]:
    seen: list[list[dict[str, Any]]] = [[]]

    def probe() -> list[dict[str, Any]] | None:
        seen[0] = executions(server, rule_id)
        return seen[0] if ready(seen[0]) else None

    return poll(
        probe,
        timeout=timeout,
        interval=interval,
        what=what,
        detail=lambda: (
            f"executions: {[(r['objectId'], r['status'], r['error']) for r in seen[0]]}\n"
            f"--- server log\n{server.log()[-4000:]}"
        ),
    )


def all_done(count: int) -> Callable[[list[dict[str, Any]]], bool]:
    return lambda rows: len(rows) >= count and all(r["status"] in DONE for r in rows)


def eval_scores(server: SpyglassServer, name: str) -> list[dict[str, Any]]:
    """Every ``source=EVAL`` score of this name, following the cursor."""
    rows: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params = {"source": "EVAL", "name": name, "limit": "100", "fields": "subject,details"}
        page = call(server, "GET", "/api/public/v3/scores", params=params | _cursor(cursor))
        rows.extend(page["data"])
        cursor = page["meta"].get("cursor")
        if not cursor:
            return rows


def trace_of(score: dict[str, Any]) -> str:
    """The trace a trace-level score is about (``fields=subject``)."""
    subject = score["subject"]
    assert subject["kind"] == "trace", score
    return str(subject["id"])


def _cursor(cursor: str | None) -> dict[str, str]:
    return {"cursor": cursor} if cursor else {}


def scores_when(
    server: SpyglassServer, name: str, count: int, *, timeout: float = 30
) -> list[dict[str, Any]]:
    seen: list[list[dict[str, Any]]] = [[]]

    def probe() -> list[dict[str, Any]] | None:
        seen[0] = eval_scores(server, name)
        return seen[0] if len(seen[0]) >= count else None

    return poll(
        probe,
        timeout=timeout,
        what=f"{count} EVAL scores named {name}",
        detail=lambda: f"scores: {seen[0]}\n--- server log\n{server.log()[-4000:]}",
    )


# --------------------------------------------------------------------------- tests


def test_a_rule_on_qa_traces_scores_every_qa_trace_from_the_sdk(
    langfuse_python: Path, server: SpyglassServer, connection: str, provider: FakeLLM
) -> None:
    rule_id = rule(
        server,
        helpfulness(server, connection),
        "qa_helpfulness",
        target="trace",
        filter=named("qa"),
    )
    made = send(langfuse_python, server, TRACES_SCRIPT, json.dumps(["qa", "chat", "qa", "qa"]))
    qa = {m["trace_id"] for m in made if m["name"] == "qa"}
    chat = next(m["trace_id"] for m in made if m["name"] == "chat")
    assert len(qa) == 3

    rows = executions_when(server, rule_id, all_done(3), "three finished executions")
    assert sorted(r["traceId"] for r in rows) == sorted(qa)
    assert {r["status"] for r in rows} == {"COMPLETED"}, rows
    scores = scores_when(server, "qa_helpfulness", 3)
    assert sorted(trace_of(s) for s in scores) == sorted(qa)
    by_trace = {r["traceId"]: r for r in rows}
    for score in scores:
        assert (score["source"], score["dataType"], score["value"]) == ("EVAL", "NUMERIC", 1)
        # The fake judge reasons about the prompt it was sent: the trace's own question.
        assert score["comment"].startswith("fake reasoning for Question: question "), score
        assert score["comment"] == by_trace[trace_of(score)]["scoreComment"]
        assert score["id"] == by_trace[trace_of(score)]["scoreId"]
    prompts = [r["body"]["messages"][-1]["content"] for r in provider.requests]
    assert not any("of chat" in p for p in prompts), prompts

    # The chat trace is queryable, yet nothing evaluated it (its event, handled after the
    # trace became queryable, had time to plan an execution had the rule matched).
    def chat_trace() -> Any:
        response = httpx.get(f"{server.base_url}/api/public/traces/{chat}", auth=AUTH, timeout=10)
        return response.json() if response.status_code == 200 else None

    trace = poll(chat_trace, what="the chat trace queryable")
    assert (trace["name"], trace["input"]) == ("chat", "question 1 of chat")
    time.sleep(1.0)
    assert chat not in {r["traceId"] for r in executions(server, rule_id)}
    assert call(server, "GET", "/api/public/v3/scores", params={"traceId": chat})["data"] == []


def test_a_rule_on_experiment_items_scores_each_item_of_an_sdk_run(
    langfuse_python: Path, server: SpyglassServer, connection: str, provider: FakeLLM
) -> None:
    evaluator_id = judge(
        server,
        connection,
        "correctness",
        "Input: {{question}}\nOutput: {{answer}}\nExpected: {{expected}}\nIs it correct?",
        [
            {"variable": "question", "source": "input"},
            {"variable": "answer", "source": "output"},
            {"variable": "expected", "source": "expected_output"},
        ],
    )
    rule_id = rule(server, evaluator_id, "correctness", target="experiment_item")
    made = send(langfuse_python, server, EXPERIMENT_SCRIPT)
    traces: dict[str, str] = made["traces"]
    assert len(set(traces.values())) == 4

    rows = executions_when(server, rule_id, all_done(4), "four finished executions")
    assert {r["status"] for r in rows} == {"COMPLETED"}, rows
    assert sorted(r["traceId"] for r in rows) == sorted(traces.values())
    assert {r["objectKind"] for r in rows} == {"EXPERIMENT_ITEM"}
    scores = scores_when(server, "correctness", 4)
    assert sorted(trace_of(s) for s in scores) == sorted(traces.values())
    assert {(s["source"], s["value"]) for s in scores} == {("EVAL", 1)}
    # The judge saw each item's task output and the dataset's expected output.
    prompts = [r["body"]["messages"][-1]["content"] for r in provider.requests]
    for n in range(4):
        assert any(f"doubled {2 * n}" in p and f"expected {2 * n}" in p for p in prompts), n


def test_a_sigkill_while_executions_run_loses_none_and_duplicates_none(
    langfuse_python: Path, server: SpyglassServer, connection: str, provider: FakeLLM
) -> None:
    """Ten traces, two judge calls at a time, each taking 2 s: the server is killed with
    some executions done or running and the rest pending; after a restart on the same
    data every execution completes and every trace has exactly one EVAL score."""
    rule_id = rule(
        server,
        helpfulness(server, connection),
        "crash_helpfulness",
        target="trace",
        filter=named("qa-crash"),
    )
    provider.delay_seconds = 2.0
    try:
        made = send(langfuse_python, server, TRACES_SCRIPT, json.dumps(["qa-crash"] * 10))
        traces = {m["trace_id"] for m in made}
        assert len(traces) == 10

        def midway(rows: list[dict[str, Any]]) -> bool:
            statuses = Counter(r["status"] for r in rows)
            started = statuses["RUNNING"] + statuses["COMPLETED"]
            return len(rows) == 10 and started > 0 and statuses["COMPLETED"] < 10

        before = executions_when(server, rule_id, midway, "executions under way", interval=0.1)
        assert server.kill() == -9
        statuses = Counter(r["status"] for r in before)
        assert statuses["COMPLETED"] < 10 and statuses["PENDING"] > 0, statuses

        server.start()  # the same data directory, a new process
        after = executions_when(server, rule_id, all_done(10), "every execution after restart")
    finally:
        provider.delay_seconds = 0.0

    # Every trace was judged at least once; calls cut off by the kill were made again.
    judged = Counter(
        text.split("\n")[0]
        for text in (r["body"]["messages"][-1]["content"] for r in provider.requests)
        if "of qa-crash" in text
    )
    assert len(judged) == 10, judged
    assert sorted(r["traceId"] for r in after) == sorted(traces)
    assert Counter(r["status"] for r in after) == {"COMPLETED": 10}, after
    assert len({r["judgeTraceId"] for r in after}) == 10
    scores = scores_when(server, "crash_helpfulness", 10)
    # Settle: a duplicate written late by a re-run would show up now.
    time.sleep(1.0)
    scores = eval_scores(server, "crash_helpfulness")
    per_trace = Counter(trace_of(s) for s in scores)
    assert per_trace == dict.fromkeys(traces, 1), per_trace
    assert {s["id"] for s in scores} == {r["scoreId"] for r in after}
    # Each trace reads one EVAL score of this name on its own page too.
    some = sorted(traces)[0]
    detail = call(server, "GET", f"/api/public/traces/{some}")
    assert [s["name"] for s in detail["scores"] if s["source"] == "EVAL"] == ["crash_helpfulness"]
