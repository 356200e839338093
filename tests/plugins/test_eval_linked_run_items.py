"""Online evaluation of run items linked through ``POST /dataset-run-items`` (the v2 SDK's
``item.link``): the datasets plugin raises ``DatasetRunItemsLinked`` with the run item,
and a rule on experiment items judges each linked trace once, however often it is linked.

The real embedded container (SQLite, chDB, the in-process queue) with the tracing,
datasets and evals plugins; the judge is the fake OpenAI-compatible server.
"""

from __future__ import annotations

import asyncio
from typing import Any

from tests.plugins import test_eval_executions as executions
from tests.plugins.conftest import EmbeddedApp
from tests.support.fake_llm import FakeLLM

# The online-evaluation suite's app (tracing, datasets, evals) and fake provider.
app = executions.app
provider = executions.provider
call = executions.call


settle = executions.settle


async def experiment_item_rule(app: EmbeddedApp, provider: FakeLLM) -> str:
    return await executions.judge_rule(
        app,
        provider,
        target="experiment_item",
        evaluator={
            "name": "correctness",
            "prompt": "Answer: {{answer}}\nExpected: {{expected}}\nIs it correct?",
            "outputDefinition": {"dataType": "NUMERIC", "minValue": 0, "maxValue": 1},
            "modelConfig": {"provider": "fake", "model": "judge-model"},
            "variableMapping": [
                {"variable": "answer", "source": "output"},
                {"variable": "expected", "source": "expected_output"},
            ],
        },
        name="nightly correctness",
    )


async def link(app: EmbeddedApp, item_id: str, trace_id: str) -> Any:
    return await call(
        app,
        "POST",
        "/api/public/dataset-run-items",
        json={"runName": "nightly", "datasetItemId": item_id, "traceId": trace_id},
    )


async def test_a_linked_run_item_is_judged_once_even_when_linked_twice(
    app: EmbeddedApp, provider: FakeLLM
) -> None:
    rule_id = await experiment_item_rule(app, provider)
    await call(app, "POST", "/api/public/v2/datasets", json={"name": "capitals"})
    for item_id, expected in {"item-fr": "Paris", "item-de": "Berlin"}.items():
        await call(
            app,
            "POST",
            "/api/public/dataset-items",
            json={"datasetName": "capitals", "id": item_id, "expectedOutput": expected},
        )
    await executions.send_traces(app, {"run-fr": "task", "run-de": "task"})

    first = await link(app, "item-fr", "run-fr")
    again = await link(app, "item-fr", "run-fr")  # a client's retry of the same link
    await link(app, "item-de", "run-de")
    assert first["id"] != again["id"]  # Langfuse keeps both run items ...

    rows = await executions.executions_until(app, rule_id, executions.finished(2))
    await settle(app)
    await asyncio.sleep(1)  # ... yet the retry's event, handled too, plans nothing new
    rows = await executions.executions_until(app, rule_id, lambda _: False, within=0)
    assert sorted((r["objectKind"], r["objectId"], r["status"]) for r in rows) == [
        ("EXPERIMENT_ITEM", "run-de", "COMPLETED"),
        ("EXPERIMENT_ITEM", "run-fr", "COMPLETED"),
    ]
    scores = await executions.eval_scores(app, 3, within=1)
    assert sorted((s["subject"]["id"], s["name"]) for s in scores) == [
        ("run-de", "correctness"),
        ("run-fr", "correctness"),
    ]
    # Two judge calls, each seeing its trace's output and its item's expected output.
    prompts = sorted(r["body"]["messages"][-1]["content"] for r in provider.requests)
    assert len(prompts) == 2
    assert "answer of run-de" in prompts[0] and "Expected: Berlin" in prompts[0]
    assert "answer of run-fr" in prompts[1] and "Expected: Paris" in prompts[1]


async def test_a_link_made_before_the_rule_existed_is_not_judged(
    app: EmbeddedApp, provider: FakeLLM
) -> None:
    await call(app, "POST", "/api/public/v2/datasets", json={"name": "capitals"})
    await call(
        app,
        "POST",
        "/api/public/dataset-items",
        json={"datasetName": "capitals", "id": "item-fr", "expectedOutput": "Paris"},
    )
    await executions.send_traces(app, {"run-fr": "task"})
    await link(app, "item-fr", "run-fr")
    await settle(app)  # the link's event was handled: no rule, nothing planned
    rule_id = await experiment_item_rule(app, provider)
    await asyncio.sleep(1)
    assert await executions.executions_until(app, rule_id, lambda _: False, within=0) == []
