"""The out-of-tree evaluator package, installed into a deployment as a third party would.

``examples/spyglass-answer-checks`` goes into a deployment environment (a virtualenv
layered on the project's, see ``deployment_python``) with the real installer; the server
runs with that environment's Python. Installed, its evaluators are listed and score
traces through a rule; uninstalled, they are gone and the rule is paused saying why.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import (
    REPO_ROOT,
    ServerFactory,
    SpyglassServer,
    poll,
    run_uv,
    spyglass_command,
)

pytestmark = pytest.mark.e2e

EXAMPLE = REPO_ROOT / "examples" / "spyglass-answer-checks"
DISTRIBUTION = "spyglass-answer-checks"
PACKAGE_EVALUATORS = {"readability", "cites_context_url"}
TEMPLATES = "/api/public/unstable/evaluators/templates"
RULES = "/api/public/unstable/evaluation-rules"

# Without its link (not prose): 13 words, 2 sentences, 16 syllables, so a Flesch reading
# ease of 96.11 (the package's own tests check the formula on the same text).
ANSWER = (
    "The quick brown fox jumps over the lazy dog. It was not amused (https://docs.example.com/fox)."
)
QUESTION = {
    "question": "What did the fox do?",
    "context": [{"url": "https://docs.example.com/fox/", "text": "The fox jumped."}],
}
RULE = {
    "name": "answer checks",
    "enabled": True,
    "target": "trace",
    "evaluatorAssignments": [
        {"codeEvaluator": "readability", "config": {}},
        {
            "codeEvaluator": "cites_context_url",
            "config": {"minCitations": 1},
            "scoreName": "cites_source",
            # ``context`` is no source of its own: it is in the trace's input.
            "variableMapping": [
                {"variable": "output", "source": "output"},
                {"variable": "context", "source": "input", "jsonPath": "$.context"},
            ],
        },
    ],
}


class Api:
    """The public API of one server, with the project's key."""

    def __init__(self, server: SpyglassServer, keys: dict[str, str]) -> None:
        self.server = server
        self.auth = (keys["LANGFUSE_PUBLIC_KEY"], keys["LANGFUSE_SECRET_KEY"])

    def call(self, method: str, path: str, expected: int = 200, **kw: Any) -> Any:
        response = httpx.request(
            method, f"{self.server.base_url}{path}", auth=self.auth, timeout=10, **kw
        )
        assert response.status_code == expected, f"{method} {path}: {response.text}"
        return response.json()

    def code_evaluators(self) -> dict[str, dict[str, Any]]:
        listed = self.call("GET", TEMPLATES)["codeEvaluators"]
        return {evaluator["name"]: evaluator for evaluator in listed}


def _finished_executions(api: Api, rule_id: str, count: int) -> list[dict[str, Any]]:
    def probe() -> list[dict[str, Any]] | None:
        rows = list(api.call("GET", f"{RULES}/{rule_id}/executions?limit=50")["data"])
        done = len(rows) >= count and all(
            row["status"] in ("COMPLETED", "ERROR", "CANCELLED") for row in rows
        )
        return rows if done else None

    return poll(probe, timeout=60, what=f"{count} finished executions", detail=api.server.log)


def _eval_scores(api: Api, count: int) -> list[dict[str, Any]]:
    def probe() -> list[dict[str, Any]] | None:
        page = api.call("GET", "/api/public/v3/scores?source=EVAL&fields=subject,details")
        return list(page["data"]) if len(page["data"]) >= count else None

    return poll(probe, timeout=30, what=f"{count} EVAL scores", detail=api.server.log)


def test_install_score_uninstall_pauses_the_rule(
    deployment_python: Path, spyglass_server: ServerFactory
) -> None:
    # Installed: listed, refused with a bad config, usable in a rule that scores traces.
    run_uv("pip", "install", "--python", str(deployment_python), "--no-deps", str(EXAMPLE))
    server = spyglass_server(
        {"SPYGLASS_PLUGIN_EVALS_POLL_SECONDS": "0.2"},
        command=spyglass_command(deployment_python),
    )
    api = Api(server, dict(server.printed_keys or {}))

    listed = api.code_evaluators()
    assert listed.keys() >= PACKAGE_EVALUATORS, listed.keys()
    assert "contains" in listed  # next to the evals plugin's own
    readability = dict(listed["readability"])
    assert "normalize" in readability.pop("configSchema")["properties"]
    assert readability == {
        "name": "readability",
        "description": "Flesch reading ease of the output: 0 (very hard) to 100 (very easy).",
        "variables": ["output"],
        "output": "numeric",
    }
    assert listed["cites_context_url"]["variables"] == ["output", "context"]
    assert listed["cites_context_url"]["output"] == "boolean"

    bad = {"codeEvaluator": "readability", "config": {"normalize": "yes"}}
    refused = api.call("POST", RULES, 400, json=RULE | {"evaluatorAssignments": [bad]})
    assert "readability" in refused["message"] and "normalize" in refused["message"]

    rule_id = api.call("POST", RULES, 201, json=RULE)["id"]
    event = {
        "id": "e-fox",
        "type": "trace-create",
        "timestamp": "2026-12-03T10:00:00Z",
        "body": {"id": "t-fox", "name": "qa", "input": QUESTION, "output": ANSWER},
    }
    api.call("POST", "/api/public/ingestion", 207, json={"batch": [event]})

    rows = _finished_executions(api, rule_id, 2)
    outcomes = {row["scoreName"]: (row["status"], row["scoreValue"], row["error"]) for row in rows}
    assert outcomes == {
        "readability": ("COMPLETED", 96.11, None),
        "cites_source": ("COMPLETED", True, None),
    }
    scores = {score["name"]: score for score in _eval_scores(api, 2)}
    assert {name: s["value"] for name, s in scores.items()} == {
        "readability": 96.11,
        "cites_source": True,
    }
    assert {s["subject"]["id"] for s in scores.values()} == {"t-fox"}
    assert {s["dataType"] for s in scores.values()} == {"NUMERIC", "BOOLEAN"}

    # Uninstalled: gone from the list, the rule paused naming them, new rules refused.
    server.stop()
    run_uv("pip", "uninstall", "--python", str(deployment_python), DISTRIBUTION)
    server.start()  # the same data directory

    listed = api.code_evaluators()
    assert not PACKAGE_EVALUATORS & listed.keys(), listed.keys()
    assert "contains" in listed
    rule = api.call("GET", f"{RULES}/{rule_id}")
    assert rule["enabled"] is False
    assert re.search(r"readability.*cites_context_url.*not installed", rule["pausedReason"]), rule
    for name in sorted(PACKAGE_EVALUATORS):
        missing = api.call(
            "POST", RULES, 404, json=RULE | {"evaluatorAssignments": [{"codeEvaluator": name}]}
        )
        assert name in missing["message"] and "not installed" in missing["message"]
    # What the package scored stays.
    assert {s["name"] for s in _eval_scores(api, 2)} == {"readability", "cites_source"}


def test_the_example_passes_its_own_suite() -> None:
    """The package's tests run with pytest from the project's environment, uninstalled."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        capture_output=True,
        text=True,
        cwd=EXAMPLE,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "36 passed" in done.stdout, done.stdout
