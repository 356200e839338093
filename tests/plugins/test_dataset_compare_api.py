"""Comparing dataset runs over HTTP, on traces with known latency, cost and scores.

Traces, observations and scores are sent through the public ingestion API and runs are
made with ``POST /api/public/dataset-run-items``, as the SDKs do; the comparison is read
through the public route (runs by name) and the web UI's internal route (runs by id).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

import spyglass_datasets
import spyglass_tracing
from spyglass_core.domain.accounts import Role
from tests.plugins.accounts_support import add_user, session_of
from tests.plugins.annotation_support import settle
from tests.plugins.conftest import EmbeddedApp, embedded_app, embedded_settings

T = "2026-12-01T12:00:{:02d}Z"


class World(msgspec.Struct, kw_only=True):
    app: EmbeddedApp
    dataset_id: str
    run_ids: dict[str, str]


def _event(n: int, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"e{n}-{kind}-{body['id']}", "type": kind, "timestamp": T.format(0), "body": body}


def _generation(
    trace_id: str, obs_id: str, seconds: int, cost: float, output: Any, start: int = 0
) -> list[dict[str, Any]]:
    return [
        _event(0, "trace-create", {"id": trace_id, "timestamp": T.format(0), "output": output}),
        _event(
            1,
            "generation-create",
            {
                "id": obs_id,
                "traceId": trace_id,
                "startTime": T.format(start),
                "endTime": T.format(start + seconds),
                "costDetails": {"total": cost},
                "output": output,
            },
        ),
    ]


def _score(score_id: str, name: str, value: Any, **target: Any) -> dict[str, Any]:
    data_type = {bool: "BOOLEAN", str: "CATEGORICAL"}.get(type(value), "NUMERIC")
    return _event(
        2,
        "score-create",
        {"id": score_id, "name": name, "value": value, "dataType": data_type} | target,
    )


async def _post(app: EmbeddedApp, path: str, body: Any, expected: int = 200) -> Any:
    response = await app.client.post(path, json=body, auth=app.auth())
    assert response.status_code == expected, response.text
    return response.json()


@pytest.fixture
async def world(tmp_path: Path, chdb_dsn: str) -> AsyncIterator[World]:
    settings = embedded_settings(tmp_path, chdb_dsn)
    async with embedded_app(settings, [spyglass_tracing, spyglass_datasets]) as app:
        dataset = await _post(app, "/api/public/v2/datasets", {"name": "qa/set"})
        for item_id in ("i1", "i2", "i3"):
            await _post(
                app,
                "/api/public/dataset-items",
                {
                    "datasetName": "qa/set",
                    "id": item_id,
                    "input": {"q": item_id},
                    "expectedOutput": f"answer {item_id}",
                },
            )
        batch = [
            *_generation("t-a1", "g-a1", 2, 0.01, "A says 1"),
            *_generation("t-a2", "g-a2", 4, 0.02, "A says 2"),
            *_generation("t-b1", "g-b1", 1, 0.005, {"text": "B says 1"}),
            *_generation("t-b3", "g-b3", 3, 0.03, "B gen says 3"),
            # Another observation of t-b3: the run item names g-b3, so this one's time,
            # cost and score do not count.
            _event(
                3,
                "span-create",
                {
                    "id": "o-b3x",
                    "traceId": "t-b3",
                    "startTime": T.format(0),
                    "endTime": T.format(10),
                    "costDetails": {"total": 1.0},
                },
            ),
            _score("s1", "accuracy", 1.0, traceId="t-a1"),
            _score("s2", "accuracy", 0.0, traceId="t-a2"),
            _score("s3", "verdict", "good", traceId="t-a1"),
            _score("s4", "verdict", "bad", traceId="t-a2"),
            _score("s5", "accuracy", 0.5, traceId="t-b1"),
            _score("s6", "accuracy", 0.9, traceId="t-b3", observationId="g-b3"),
            _score("s7", "accuracy", 0.1, traceId="t-b3", observationId="o-b3x"),
            _score("s8", "passed", True, traceId="t-b1"),
        ]
        sent = await app.client.post(
            "/api/public/ingestion", json={"batch": batch}, auth=app.auth()
        )
        assert sent.status_code == 207, sent.text
        links = [
            ("run-a", "i1", {"traceId": "t-a1"}),
            ("run-a", "i2", {"traceId": "t-a2"}),
            ("run-b", "i1", {"traceId": "t-b1"}),
            ("run-b", "i3", {"traceId": "t-b3", "observationId": "g-b3"}),
        ]
        run_ids = {}
        for run, item, target in links:
            made = await _post(
                app,
                "/api/public/dataset-run-items",
                {"runName": run, "datasetItemId": item} | target,
            )
            run_ids[run] = made["datasetRunId"]
        run_score = _score("s9", "overall", 0.7, datasetRunId=run_ids["run-a"])
        sent = await app.client.post(
            "/api/public/ingestion", json={"batch": [run_score]}, auth=app.auth()
        )
        assert sent.status_code == 207, sent.text
        await settle(app)
        yield World(app=app, dataset_id=dataset["id"], run_ids=run_ids)


async def _public(world: World, path: str, expected: int = 200, **params: Any) -> Any:
    app = world.app
    response = await app.client.get(path, params=params, auth=app.auth())
    assert response.status_code == expected, response.text
    return response.json()


def _scores(cell: dict[str, Any]) -> list[tuple[str, Any]]:
    return sorted((s["name"], s["stringValue"] or s["value"]) for s in cell["scores"])


async def test_the_public_comparison_summarises_each_run(world: World) -> None:
    body = await _public(world, "/api/public/datasets/qa/set/compare", runs="run-a,run-b", limit=2)
    assert body["datasetName"] == "qa/set"
    run_a, run_b = body["runs"]
    assert (run_a["name"], run_a["itemCount"], run_b["itemCount"]) == ("run-a", 2, 2)
    assert run_a["numericScores"] == {
        "accuracy": {"count": 2, "mean": 0.5, "p50": 0.5, "p95": pytest.approx(0.95)}
    }
    assert run_a["categoricalScores"] == {"verdict": {"bad": 1, "good": 1}}
    assert run_a["meanLatency"] == pytest.approx(3.0)
    assert run_a["totalCost"] == pytest.approx(0.03)
    assert [(s["name"], s["value"]) for s in run_a["runScores"]] == [("overall", 0.7)]
    # Run B's i3 names g-b3: its own latency, cost and scores, not o-b3x's.
    accuracy = run_b["numericScores"]["accuracy"]
    assert (accuracy["count"], accuracy["mean"]) == (2, pytest.approx(0.7))
    assert (accuracy["p50"], accuracy["p95"]) == (pytest.approx(0.7), pytest.approx(0.88))
    assert list(run_b["categoricalScores"]) == ["passed"]
    assert sum(run_b["categoricalScores"]["passed"].values()) == 1
    assert run_b["meanLatency"] == pytest.approx(2.0)
    assert run_b["totalCost"] == pytest.approx(0.035)
    assert run_b["runScores"] == []


async def test_items_page_side_by_side_by_keyset(world: World) -> None:
    first = await _public(
        world, "/api/public/datasets/qa%2Fset/compare", runs=["run-a", "run-b"], limit=2
    )
    assert [row["id"] for row in first["items"]] == ["i1", "i2"]
    a, b = world.run_ids["run-a"], world.run_ids["run-b"]
    i1, i2 = first["items"]
    assert (i1["input"], i1["expectedOutput"]) == ({"q": "i1"}, "answer i1")
    assert (i1["runs"][a]["traceId"], i1["runs"][a]["output"]) == ("t-a1", "A says 1")
    assert (i1["runs"][a]["latency"], i1["runs"][a]["cost"]) == (2.0, pytest.approx(0.01))
    assert _scores(i1["runs"][a]) == [("accuracy", 1.0), ("verdict", "good")]
    assert i1["runs"][b]["output"] == {"text": "B says 1"}
    assert i2["runs"][b] is None
    assert first["nextCursor"]
    second = await _public(
        world,
        "/api/public/datasets/qa/set/compare",
        runs="run-a,run-b",
        limit=2,
        cursor=first["nextCursor"],
        summary="false",
    )
    (i3,) = second["items"]
    assert (second["nextCursor"], second["runs"]) == (None, [])
    assert i3["runs"][a] is None
    cell = i3["runs"][b]
    assert (cell["traceId"], cell["observationId"], cell["output"]) == (
        "t-b3",
        "g-b3",
        "B gen says 3",
    )
    assert (cell["latency"], cell["cost"]) == (3.0, pytest.approx(0.03))
    assert _scores(cell) == [("accuracy", 0.9)]


async def test_the_internal_route_compares_runs_by_id(world: World) -> None:
    app = world.app
    viewer = await add_user(app, "viewer@example.com", Role.VIEWER, app.project.organization_id)
    a, b = world.run_ids["run-a"], world.run_ids["run-b"]
    base = f"/api/internal/projects/{app.project.id}/datasets/{world.dataset_id}/compare"
    async with session_of(app, viewer) as user:
        response = await user.client.get(base, params={"runIds": f"{b},{a}"})
        assert response.status_code == 200, response.text
        body = response.json()
        assert [r["name"] for r in body["runs"]] == ["run-b", "run-a"]
        assert [row["id"] for row in body["items"]] == ["i1", "i2", "i3"]
        missing = await user.client.get(base, params={"runIds": f"{a},nope"})
        assert missing.status_code == 404, missing.text
        too_many = await user.client.get(
            base, params={"runIds": ",".join(f"r{n}" for n in range(11))}
        )
        assert too_many.status_code == 400, too_many.text
        other = f"/api/internal/projects/{app.project.id}/datasets/nope/compare"
        assert (await user.client.get(other, params={"runIds": a})).status_code == 404


async def test_other_projects_and_unknown_runs_are_404(world: World) -> None:
    app = world.app
    admin = await app.admin()
    other = await admin.create_project("Other")
    _, keys = await admin.create_api_key(other.id)
    response = await app.client.get(
        "/api/public/datasets/qa/set/compare", params={"runs": "run-a"}, auth=app.auth(keys)
    )
    assert response.status_code == 404, response.text
    await _public(world, "/api/public/datasets/qa/set/compare", 404, runs="run-a,run-z")
    await _public(world, "/api/public/datasets/qa/set/compare", 400, runs="")
    # A run path named "compare" stays a run path.
    await _public(world, "/api/public/datasets/qa/set/runs/compare", 404)
    # The dataset itself still reads.
    assert (await _public(world, "/api/public/datasets/qa%2Fset"))["name"] == "qa/set"
