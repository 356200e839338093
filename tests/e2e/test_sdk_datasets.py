"""Datasets and experiments end to end: the real Langfuse SDKs against ``spyglass serve``.

The v5 SDK creates a dataset of more items than one page, upserts an item by id, reads
the dataset back page by page and runs two experiments over it with an item-level and a
run-level evaluator. The v5 SDK makes no dataset-run-item call: the runs must be built
from the experiment spans it exports. The legacy v2 SDK then links a trace to an item
with ``item.link``. Everything is read back over HTTP.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from .conftest import ServerFactory, SpyglassServer, poll, run_sdk

pytestmark = pytest.mark.e2e

PUBLIC_KEY = "pk-lf-datasets-e2e"
SECRET_KEY = "sk-lf-datasets-e2e"
AUTH = (PUBLIC_KEY, SECRET_KEY)
DATASET = "e2e/qa"
ITEMS = 60  # more than the SDK's page of 50
SINCE = "2026-01-01T00:00:00Z"

V5_SCRIPT = r"""
import json
from langfuse import Evaluation, Langfuse

client = Langfuse()
out = {}
client.create_dataset(name="e2e/qa", description="arithmetic", metadata={"owner": "e2e"})
for n in range(60):
    client.create_dataset_item(
        dataset_name="e2e/qa", id=f"item-{n}", input={"n": n}, expected_output=str(2 * n),
        metadata={"n": n},
    )
# The same id again: an update, not a second item.
client.create_dataset_item(
    dataset_name="e2e/qa", id="item-0", input={"n": 0, "again": True}, expected_output="0"
)
dataset = client.get_dataset("e2e/qa")
out["items"] = len(dataset.items)
out["item0_input"] = next(i.input for i in dataset.items if i.id == "item-0")


def exact(*, input, output, expected_output, **kwargs):
    return Evaluation(name="exact", value=1.0 if output == expected_output else 0.0,
                      comment=f"{output} vs {expected_output}")


def accuracy(*, item_results, **kwargs):
    values = [e.value for r in item_results for e in r.evaluations if e.name == "exact"]
    return Evaluation(name="accuracy", value=sum(values) / len(values))


def right(*, item, **kwargs):
    return str(2 * item.input["n"])


def sometimes_wrong(*, item, **kwargs):
    n = item.input["n"]
    return str(2 * n + (1 if n % 3 == 0 else 0))


runs = {}
for run_name, task in (("baseline", sometimes_wrong), ("fixed", right)):
    result = dataset.run_experiment(
        name=run_name, run_name=run_name, description=f"{run_name} run", task=task,
        evaluators=[exact], run_evaluators=[accuracy], metadata={"variant": run_name},
        max_concurrency=8,
    )
    runs[run_name] = {
        "experiment_id": result.experiment_id,
        "items": len(result.item_results),
        "accuracy": [e.value for e in result.run_evaluations if e.name == "accuracy"],
    }
out["runs"] = runs
client.flush()
print(json.dumps(out))
"""

V2_SCRIPT = r"""
import json, os
from langfuse import Langfuse

client = Langfuse(
    public_key=os.environ["LANGFUSE_PUBLIC_KEY"],
    secret_key=os.environ["LANGFUSE_SECRET_KEY"],
    host=os.environ["LANGFUSE_BASE_URL"],
)
client.create_dataset(name="legacy")
client.create_dataset_item(dataset_name="legacy", id="legacy-1", input={"q": 1},
                           expected_output="one")
dataset = client.get_dataset("legacy")
item = dataset.items[0]
trace = client.trace(name="legacy-app", input={"q": 1}, output="one")
item.link(trace, "legacy-run", run_description="linked by v2", run_metadata={"sdk": 2})
client.score(trace_id=trace.id, name="exact", value=1)
client.flush()
print(json.dumps({"items": len(dataset.items), "item": item.id, "trace": trace.id}))
"""


@pytest.fixture(scope="module")
def server(module_spyglass_server: ServerFactory) -> SpyglassServer:
    return module_spyglass_server(
        {
            "SPYGLASS_INIT_PROJECT_ID": "proj-datasets",
            "SPYGLASS_INIT_PROJECT_NAME": "Datasets",
            "SPYGLASS_INIT_PROJECT_PUBLIC_KEY": PUBLIC_KEY,
            "SPYGLASS_INIT_PROJECT_SECRET_KEY": SECRET_KEY,
        }
    )


def get(server: SpyglassServer, path: str, **params: Any) -> httpx.Response:
    return httpx.get(f"{server.base_url}{path}", params=params, auth=AUTH, timeout=10)


def run_script(python: Path, server: SpyglassServer, script: str) -> dict[str, Any]:
    done = run_sdk(python, script, server.sdk_env(PUBLIC_KEY, SECRET_KEY), timeout=240)
    detail = (
        f"stdout:\n{done.stdout}\nstderr:\n{done.stderr[-5000:]}\n--- server log\n"
        + (server.log()[-5000:])
    )
    assert done.returncode == 0, f"the SDK script failed ({done.returncode})\n{detail}"
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def wait_for(server: SpyglassServer, path: str, ready: Any, what: str, **params: Any) -> Any:
    seen: list[str] = []

    def probe() -> Any:
        response = get(server, path, **params)
        seen[:] = [f"{response.status_code} {response.text[:2000]}"]
        if response.status_code == 404:
            return None
        assert response.status_code == 200, seen[0]
        body = response.json()
        return body if ready(body) else None

    return poll(
        probe,
        timeout=60,
        what=what,
        detail=lambda: f"last answer: {seen[0] if seen else '-'}\n{server.log()[-4000:]}",
    )


@pytest.fixture(scope="module")
def v5(langfuse_python: Path, server: SpyglassServer) -> dict[str, Any]:
    return run_script(langfuse_python, server, V5_SCRIPT)


def _run_path(run: str) -> str:
    return f"/api/public/datasets/{quote(DATASET, safe='')}/runs/{run}"


def test_get_dataset_pages_every_item_and_upserts_by_id(
    v5: dict[str, Any], server: SpyglassServer
) -> None:
    assert v5["items"] == ITEMS
    assert v5["item0_input"] == {"n": 0, "again": True}
    listed = get(server, "/api/public/dataset-items", datasetName=DATASET, limit=100).json()
    assert listed["meta"]["totalItems"] == ITEMS


def test_run_experiment_makes_runs_with_items_and_scores(
    v5: dict[str, Any], server: SpyglassServer
) -> None:
    for run_name in ("baseline", "fixed"):
        expected = v5["runs"][run_name]
        assert expected["items"] == ITEMS
        run = wait_for(
            server,
            _run_path(run_name),
            lambda body: len(body["datasetRunItems"]) == ITEMS,
            f"the {run_name} run with all its items",
        )
        assert run["id"] == expected["experiment_id"]
        assert run["metadata"] == {"variant": run_name}
        assert {i["datasetItemId"] for i in run["datasetRunItems"]} == {
            f"item-{n}" for n in range(ITEMS)
        }
        # The run-level evaluator's score is read by the experiment id.
        scores = wait_for(
            server,
            "/api/public/v3/scores",
            lambda body: body["data"],
            f"the {run_name} accuracy score",
            experimentId=run["id"],
        )
        assert [(s["name"], s["value"]) for s in scores["data"]] == [
            ("accuracy", pytest.approx(expected["accuracy"][0]))
        ]
    baseline = get(server, _run_path("baseline")).json()
    first = next(i for i in baseline["datasetRunItems"] if i["datasetItemId"] == "item-3")
    item_scores = wait_for(
        server,
        "/api/public/v3/scores",
        lambda body: body["data"],
        "the item-level score of item-3",
        traceId=first["traceId"],
    )
    assert [(s["name"], s["value"]) for s in item_scores["data"]] == [("exact", 0.0)]
    assert pytest.approx(2 / 3, abs=0.02) == v5["runs"]["baseline"]["accuracy"][0]


def test_experiments_api_lists_both_runs(v5: dict[str, Any], server: SpyglassServer) -> None:
    ids = {run["experiment_id"] for run in v5["runs"].values()}
    page = wait_for(
        server,
        "/api/public/experiments",
        lambda body: (
            {e["id"] for e in body["data"]} == ids
            and all(e["itemCount"] == ITEMS for e in body["data"])
        ),
        "both experiments",
        fromStartTime=SINCE,
    )
    assert {e["name"] for e in page["data"]} == {"baseline", "fixed"}
    items = get(
        server,
        "/api/public/experiment-items",
        fromStartTime=SINCE,
        experimentName="fixed",
        experimentItemId="item-5",
        fields="io",
    ).json()
    assert [(i["output"], i["expectedOutput"]) for i in items["data"]] == [(10, "10")]


def test_legacy_sdk_links_a_trace_to_an_item(
    langfuse2_python: Path, server: SpyglassServer
) -> None:
    made = run_script(langfuse2_python, server, V2_SCRIPT)
    assert made["items"] == 1
    run = wait_for(
        server,
        "/api/public/datasets/legacy/runs/legacy-run",
        lambda body: body["datasetRunItems"],
        "the legacy run",
    )
    assert run["description"] == "linked by v2" and run["metadata"] == {"sdk": 2}
    assert [(i["datasetItemId"], i["traceId"]) for i in run["datasetRunItems"]] == [
        (made["item"], made["trace"])
    ]
    runs = get(server, "/api/public/datasets/legacy/runs").json()
    assert [r["name"] for r in runs["data"]] == ["legacy-run"]


def test_comparison_shows_both_experiments_side_by_side(
    v5: dict[str, Any], server: SpyglassServer
) -> None:
    path = f"/api/public/datasets/{quote(DATASET, safe='')}/compare"

    def both_scored(body: dict[str, Any]) -> bool:
        return all(
            run["numericScores"].get("exact", {}).get("count") == ITEMS for run in body["runs"]
        )

    compared = wait_for(server, path, both_scored, "both runs scored", runs="baseline,fixed")
    runs = {run["name"]: run for run in compared["runs"]}
    assert set(runs) == {"baseline", "fixed"}
    assert runs["fixed"]["numericScores"]["exact"]["mean"] == 1.0
    assert runs["baseline"]["numericScores"]["exact"]["mean"] == pytest.approx(2 / 3, abs=0.02)
    assert all(run["itemCount"] == ITEMS for run in runs.values())
    assert [s["name"] for s in runs["baseline"]["runScores"]] == ["accuracy"]
    by_id = {run["name"]: run["id"] for run in compared["runs"]}
    row = next(item for item in compared["items"] if item["id"] == "item-3")
    baseline, fixed = row["runs"][by_id["baseline"]], row["runs"][by_id["fixed"]]
    assert (baseline["output"], fixed["output"]) == (7, 6)
    assert [s["value"] for s in baseline["scores"]] == [0.0]
    assert [s["value"] for s in fixed["scores"]] == [1.0]
    assert baseline["latency"] is not None and baseline["latency"] >= 0
