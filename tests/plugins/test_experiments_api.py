"""SDK experiments (v5 ``run_experiment``) become dataset runs: spans in, runs and the v4
experiments API out, on a real embedded container with the tracing and datasets plugins."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

import spyglass_datasets
import spyglass_tracing
from spyglass_core.domain.api_keys import KeyPair
from tests.plugins.conftest import EmbeddedApp, embedded_app, embedded_settings
from tests.plugins.test_tracing_ingest import settle

OTLP = "/api/public/otel/v1/traces"
START_NANOS = 1_793_534_400_000_000_000  # 2026-11-01T12:00:00Z
SINCE = "2026-11-01T00:00:00Z"


def sdk_experiment_id(project_id: str, dataset_id: str, run_name: str) -> str:
    """The id the v5 SDK derives (langfuse-sdk-wire.md, section 4.1)."""
    key = json.dumps(
        ["langfuse-experiment-v1", project_id, dataset_id, run_name],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(key.encode()).hexdigest()[:16]


@pytest.fixture
async def app(tmp_path: Path, chdb_dsn: str) -> AsyncIterator[EmbeddedApp]:
    settings = embedded_settings(tmp_path, chdb_dsn)
    async with embedded_app(settings, [spyglass_tracing, spyglass_datasets]) as running:
        await call(running, "POST", "/api/public/v2/datasets", json={"name": "qa"})
        for item_id, answer in (("i1", "4"), ("i2", "9")):
            await call(
                running,
                "POST",
                "/api/public/dataset-items",
                json={
                    "datasetName": "qa",
                    "id": item_id,
                    "input": {"q": item_id},
                    "expectedOutput": answer,
                    "metadata": {"kind": "math"},
                },
            )
        yield running


async def call(
    app: EmbeddedApp,
    method: str,
    path: str,
    expected: int = 200,
    *,
    keys: KeyPair | None = None,
    **kwargs: Any,
) -> Any:
    response = await app.client.request(method, path, auth=app.auth(keys), **kwargs)
    assert response.status_code == expected, response.text
    return response.json()


def _attrs(values: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": k, "value": {"stringValue": str(v)}} for k, v in values.items()]


def experiment_spans(
    experiment: str, dataset_id: str | None, item_id: str, n: int, output: str, run_name: str
) -> list[dict[str, Any]]:
    """The span tree ``run_experiment`` makes for one item: run → task, attributes on both."""
    trace_id = f"{n:032x}"
    root, task = f"{n:08x}00000001", f"{n:08x}00000002"
    common = {
        "langfuse.environment": "sdk-experiment",
        "langfuse.experiment.id": experiment,
        "langfuse.experiment.name": run_name,
        "langfuse.experiment.description": "first try",
        "langfuse.experiment.metadata": json.dumps({"model": "m1"}),
        "langfuse.experiment.item.id": item_id,
        "langfuse.experiment.item.root_observation_id": task,
        "langfuse.experiment.item.metadata": json.dumps({"kind": "math"}),
    }
    if dataset_id is not None:
        common["langfuse.experiment.dataset.id"] = dataset_id
    start = START_NANOS + n * 1_000_000_000
    return [
        {
            "traceId": trace_id,
            "spanId": root,
            "name": "experiment-item-run",
            "startTimeUnixNano": str(start),
            "endTimeUnixNano": str(start + 900_000_000),
            "attributes": _attrs(common),
        },
        {
            "traceId": trace_id,
            "spanId": task,
            "parentSpanId": root,
            "name": "experiment-item-task",
            "startTimeUnixNano": str(start + 100_000_000),
            "endTimeUnixNano": str(start + 600_000_000),
            "attributes": _attrs(
                common
                | {
                    "langfuse.observation.input": json.dumps({"q": item_id}),
                    "langfuse.observation.output": json.dumps(output),
                }
            ),
        },
    ]


async def send_spans(
    app: EmbeddedApp, spans: list[dict[str, Any]], keys: KeyPair | None = None
) -> None:
    body = {
        "resourceSpans": [{"scopeSpans": [{"scope": {"name": "langfuse-sdk"}, "spans": spans}]}]
    }
    response = await app.client.post(
        OTLP,
        content=json.dumps(body),
        headers={"content-type": "application/json"},
        auth=app.auth(keys),
    )
    assert response.status_code == 200, response.text
    await settle(app)


async def run_experiment(app: EmbeddedApp, run_name: str = "exp-1") -> str:
    """Send two items' spans of an experiment over ``qa``; the experiment id."""
    dataset = await call(app, "GET", "/api/public/v2/datasets/qa")
    experiment = sdk_experiment_id(app.project.id, dataset["id"], run_name)
    spans = [
        *experiment_spans(experiment, dataset["id"], "i1", 1, "four", run_name),
        *experiment_spans(experiment, dataset["id"], "i2", 2, "ten", run_name),
    ]
    await send_spans(app, spans)
    await settle(app)  # the experiment event is delivered by a task the worker enqueued
    return experiment


async def test_an_sdk_experiment_becomes_a_dataset_run_with_its_items(app: EmbeddedApp) -> None:
    experiment = await run_experiment(app)
    run = await call(app, "GET", "/api/public/datasets/qa/runs/exp-1")
    assert run["id"] == experiment
    assert run["description"] == "first try" and run["metadata"] == {"model": "m1"}
    assert sorted((i["datasetItemId"], i["traceId"]) for i in run["datasetRunItems"]) == [
        ("i1", f"{1:032x}"),
        ("i2", f"{2:032x}"),
    ]
    # The run item points at the task span, whose input and output are the task's.
    assert {i["observationId"] for i in run["datasetRunItems"]} == {
        "0000000100000002",
        "0000000200000002",
    }


async def test_experiments_and_experiment_items_list_the_run(app: EmbeddedApp) -> None:
    experiment = await run_experiment(app)
    dataset = await call(app, "GET", "/api/public/v2/datasets/qa")
    page = await call(
        app,
        "GET",
        "/api/public/experiments",
        params={"fromStartTime": SINCE, "fields": "core,metadata"},
    )
    assert [e["id"] for e in page["data"]] == [experiment]
    listed = page["data"][0]
    assert listed["name"] == "exp-1" and listed["itemCount"] == 2
    assert listed["datasetId"] == dataset["id"]
    assert listed["metadata"] == {"model": "m1"}
    assert listed["startTime"] < listed["endTime"]
    assert "cursor" not in page["meta"]

    items = await call(
        app,
        "GET",
        "/api/public/experiment-items",
        params={
            "fromStartTime": SINCE,
            "fields": "core,dataset,io,itemMetadata,experimentMetadata",
        },
    )
    by_item = {i["experimentItemId"]: i for i in items["data"]}
    assert set(by_item) == {"i1", "i2"}
    second = by_item["i2"]
    assert second["experimentId"] == experiment and second["experimentName"] == "exp-1"
    assert second["traceId"] == f"{2:032x}" and second["id"] == "0000000200000002"
    assert second["input"] == {"q": "i2"} and second["output"] == "ten"
    assert second["expectedOutput"] == "9"
    assert second["experimentItemMetadata"] == {"kind": "math"}
    assert second["experimentDatasetId"] == dataset["id"]
    assert second["environment"] == "sdk-experiment" and second["level"] == "DEFAULT"
    assert second["experimentDescription"] == "first try"
    # Newest first: item 2 started a second after item 1.
    assert [i["experimentItemId"] for i in items["data"]] == ["i2", "i1"]


async def test_experiment_items_page_by_cursor_and_filter(app: EmbeddedApp) -> None:
    await run_experiment(app)
    first = await call(
        app, "GET", "/api/public/experiment-items", params={"fromStartTime": SINCE, "limit": 1}
    )
    assert len(first["data"]) == 1 and first["meta"]["cursor"]
    second = await call(
        app,
        "GET",
        "/api/public/experiment-items",
        params={"fromStartTime": SINCE, "limit": 1, "cursor": first["meta"]["cursor"]},
    )
    assert len(second["data"]) == 1 and "cursor" not in second["meta"]
    assert first["data"][0]["id"] != second["data"][0]["id"]
    only_i1 = await call(
        app,
        "GET",
        "/api/public/experiment-items",
        params={
            "fromStartTime": SINCE,
            "filter": json.dumps(
                [{"column": "experimentItemId", "operator": "any of", "value": ["i1"]}]
            ),
        },
    )
    assert [i["experimentItemId"] for i in only_i1["data"]] == ["i1"]
    later = await call(
        app, "GET", "/api/public/experiments", params={"fromStartTime": "2026-11-02T00:00:00Z"}
    )
    assert later["data"] == []


async def test_replayed_spans_record_each_item_once(app: EmbeddedApp) -> None:
    experiment = await run_experiment(app)
    await run_experiment(app)
    run = await call(app, "GET", "/api/public/datasets/qa/runs/exp-1")
    assert run["id"] == experiment and len(run["datasetRunItems"]) == 2


async def test_a_linked_run_of_the_same_name_is_the_same_experiment(app: EmbeddedApp) -> None:
    """``POST /dataset-run-items`` derives the SDK's id, so both paths group in one run."""
    await call(
        app,
        "POST",
        "/api/public/dataset-run-items",
        json={"runName": "exp-1", "datasetItemId": "i1", "traceId": "linked-trace"},
    )
    experiment = await run_experiment(app)
    run = await call(app, "GET", "/api/public/datasets/qa/runs/exp-1")
    assert run["id"] == experiment and len(run["datasetRunItems"]) == 3


async def test_run_level_scores_are_read_by_experiment_id(app: EmbeddedApp) -> None:
    experiment = await run_experiment(app)
    score = {"id": "run-score", "datasetRunId": experiment, "name": "accuracy", "value": 0.5}
    await call(app, "POST", "/api/public/scores", json=score)
    await settle(app)
    scores = await call(app, "GET", "/api/public/v3/scores", params={"experimentId": experiment})
    assert [(s["name"], s["value"]) for s in scores["data"]] == [("accuracy", 0.5)]


async def test_experiments_without_a_dataset_of_this_project_make_no_run(
    app: EmbeddedApp,
) -> None:
    await send_spans(
        app, experiment_spans("local00000000001", None, "sha-of-input", 3, "x", "local")
    )
    await send_spans(
        app, experiment_spans("foreign000000001", "no-such-dataset", "i1", 4, "x", "foreign")
    )
    page = await call(app, "GET", "/api/public/experiments", params={"fromStartTime": SINCE})
    assert page["data"] == []
    # The spans themselves are kept: nothing accepted is dropped.
    trace = await call(app, "GET", f"/api/public/traces/{3:032x}")
    assert trace["id"] == f"{3:032x}"


async def test_experiments_are_isolated_between_projects(app: EmbeddedApp) -> None:
    experiment = await run_experiment(app)
    dataset = await call(app, "GET", "/api/public/v2/datasets/qa")
    admin = await app.admin()
    other = await admin.create_project("Other")
    _, other_keys = await admin.create_api_key(other.id)
    # The other project names this project's dataset: that does not make a run here or there.
    await send_spans(
        app,
        experiment_spans("0ther00000000001", dataset["id"], "i1", 5, "x", "intruder"),
        keys=other_keys,
    )
    for path in ("/api/public/experiments", "/api/public/experiment-items"):
        seen = await call(app, "GET", path, params={"fromStartTime": SINCE}, keys=other_keys)
        assert seen["data"] == []
    mine = await call(app, "GET", "/api/public/experiments", params={"fromStartTime": SINCE})
    assert [e["id"] for e in mine["data"]] == [experiment]
    await call(
        app,
        "POST",
        "/api/public/scores",
        json={"datasetRunId": experiment, "name": "a", "value": 1},
    )
    await settle(app)
    theirs = await call(
        app, "GET", "/api/public/v3/scores", params={"experimentId": experiment}, keys=other_keys
    )
    assert theirs["data"] == []


@pytest.mark.parametrize(
    ("path", "params", "message"),
    [
        ("/api/public/experiments", {}, "fromStartTime"),
        ("/api/public/experiments", {"fromStartTime": SINCE, "fields": "core,nope"}, "nope"),
        ("/api/public/experiment-items", {"fromStartTime": SINCE, "filter": "[{"}, "filter"),
        (
            "/api/public/experiment-items",
            {"fromStartTime": SINCE, "filter": '[{"column":"x","operator":"=","value":"a"}]'},
            "'x'",
        ),
        ("/api/public/experiments", {"fromStartTime": SINCE, "cursor": "!!"}, "cursor"),
        ("/api/public/experiments", {"fromStartTime": SINCE, "limit": "101"}, "limit"),
    ],
)
async def test_bad_experiment_queries_are_400s_naming_the_problem(
    app: EmbeddedApp, path: str, params: dict[str, str], message: str
) -> None:
    response = await app.client.get(path, params=params, auth=app.auth())
    assert response.status_code == 400, response.text
    assert message in response.text


async def test_fields_scores_return_run_and_item_scores_in_the_v3_shape(app: EmbeddedApp) -> None:
    experiment = await run_experiment(app)
    scores = [
        {"id": "run-acc", "datasetRunId": experiment, "name": "accuracy", "value": 0.5},
        {
            "id": "item-ok",
            "traceId": f"{2:032x}",
            "name": "ok",
            "value": True,
            "dataType": "BOOLEAN",
        },
        {"id": "item-label", "traceId": f"{2:032x}", "name": "label", "value": "good"},
    ]
    await call(app, "POST", "/api/public/scores", 202, json=scores)
    await settle(app)
    page = await call(
        app, "GET", "/api/public/experiments", params={"fromStartTime": SINCE, "fields": "scores"}
    )
    [run_score] = page["data"][0]["scores"]
    assert (run_score["name"], run_score["value"], run_score["dataType"]) == (
        "accuracy",
        0.5,
        "NUMERIC",
    )
    items = await call(
        app,
        "GET",
        "/api/public/experiment-items",
        params={"fromStartTime": SINCE, "fields": "scores", "experimentItemId": "i2"},
    )
    item_scores = {s["name"]: (s["value"], s["dataType"]) for s in items["data"][0]["scores"]}
    assert item_scores == {"ok": (True, "BOOLEAN"), "label": ("good", "CATEGORICAL")}
    limited = await call(
        app,
        "GET",
        "/api/public/experiment-items",
        params={
            "fromStartTime": SINCE,
            "fields": "scores",
            "experimentItemId": "i2",
            "scoreLimit": 1,
        },
    )
    assert len(limited["data"][0]["scores"]) == 1
    # Without the group, no scores key at all.
    plain = await call(app, "GET", "/api/public/experiments", params={"fromStartTime": SINCE})
    assert "scores" not in plain["data"][0]


async def test_times_without_a_zone_are_utc_and_empty_lists_match_nothing(
    app: EmbeddedApp,
) -> None:
    experiment = await run_experiment(app)
    naive = await call(
        app, "GET", "/api/public/experiments", params={"fromStartTime": "2026-11-01T00:00:00"}
    )
    assert [e["id"] for e in naive["data"]] == [experiment]
    items = await call(
        app,
        "GET",
        "/api/public/experiment-items",
        params={"fromStartTime": "2026-11-01T00:00:00", "toStartTime": "2026-11-02T00:00:00"},
    )
    assert len(items["data"]) == 2
    nothing = json.dumps([{"column": "id", "operator": "any of", "value": []}])
    for params in ({"filter": nothing}, {"id": ","}):
        page = await call(
            app, "GET", "/api/public/experiments", params={"fromStartTime": SINCE, **params}
        )
        assert page["data"] == []
