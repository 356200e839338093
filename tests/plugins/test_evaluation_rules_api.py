"""Evaluation rules over HTTP (Langfuse's v2 shapes) on a real embedded container (SQLite)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

import spyglass_evals
from spyglass_core.domain.api_keys import KeyPair
from spyglass_core.hookspecs import PluginConfig
from tests.plugins.conftest import EmbeddedApp, embedded_app, embedded_settings

URL = "/api/public/v2/evaluation-rules"
UNSTABLE = "/api/public/unstable/evaluation-rules"
EVALUATORS = "/api/public/v2/evaluators"
KEY_HEX = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
# Langfuse's EvaluationRule field names (v5 SDK types) plus Spyglass's delaySeconds.
RULE_FIELDS = {
    "id", "name", "createdBy", "enabled", "sampling", "filter", "evaluatorAssignments",
    "createdAt", "updatedAt", "delaySeconds", "target", "pausedReason",
}  # fmt: skip
GENERATIONS = {"type": "stringOptions", "column": "type", "operator": "any of",
               "value": ["GENERATION"]}  # fmt: skip
MAPPING = [
    {"variable": "output", "source": "output"},
    {"variable": "input", "source": "input"},
]


@pytest.fixture
async def app(tmp_path: Path, chdb_dsn: str) -> AsyncIterator[EmbeddedApp]:
    settings = embedded_settings(
        tmp_path,
        chdb_dsn,
        plugin_config=PluginConfig(sections={"evals": {"encryption_key": KEY_HEX}}),
    )
    async with embedded_app(settings, [spyglass_evals]) as running:
        yield running


async def call(
    app: EmbeddedApp,
    method: str,
    path: str,
    expected: int = 200,
    keys: KeyPair | None = None,
    **kwargs: Any,
) -> Any:
    response = await app.client.request(method, path, auth=app.auth(keys), **kwargs)
    assert response.status_code == expected, response.text
    return response.json()


async def evaluator(app: EmbeddedApp, **fields: Any) -> str:
    body = {
        "type": "llm_as_judge",
        "name": "correct",
        "prompt": "Is {{output}} right for {{input}}?",
        "outputDefinition": {"dataType": "BOOLEAN"},
    } | fields
    return str((await call(app, "POST", EVALUATORS, 201, json=body))["id"])


async def test_rules_round_trip_and_show_on_their_evaluators(app: EmbeddedApp) -> None:
    with_default = await evaluator(app, variableMapping=MAPPING)
    without = await evaluator(app, name="plain")
    created = await call(
        app,
        "POST",
        URL,
        201,
        json={
            "name": "generations",
            "enabled": True,
            "sampling": 0.25,
            "delaySeconds": 30,
            "filter": [
                GENERATIONS,
                {"type": "stringObject", "column": "metadata", "key": "team",
                 "operator": "=", "value": "a"},
                {"type": "null", "column": "parentObservationId", "operator": "is null",
                 "value": ""},
            ],
            "evaluatorAssignments": [
                {"evaluatorId": with_default},
                {"evaluatorId": without, "variableMapping": MAPPING},
            ],
        },
    )  # fmt: skip
    assert set(created) == RULE_FIELDS
    assert (created["enabled"], created["sampling"], created["delaySeconds"]) == (True, 0.25, 30)
    assert created["filter"][0] == GENERATIONS and len(created["filter"]) == 3
    assert created["evaluatorAssignments"][0] == {"evaluatorId": with_default,
                                                   "variableMapping": None}  # fmt: skip
    assert [m["variable"] for m in created["evaluatorAssignments"][1]["variableMapping"]] == [
        "output",
        "input",
    ]
    rule_id = created["id"]
    shown = await call(app, "GET", f"{EVALUATORS}/{without}")
    assert shown["evaluationRuleAssignments"][0]["evaluationRuleId"] == rule_id
    assert shown["evaluationRuleAssignments"][0]["variableMappingOverride"]
    inherited = await call(app, "GET", f"{EVALUATORS}/{with_default}")
    assert inherited["evaluationRuleAssignments"] == [{"evaluationRuleId": rule_id}]

    # Defaults: sampling 1, no filter, no delay; a disabled draft may have no evaluators.
    draft = await call(
        app, "POST", UNSTABLE, 201, json={"name": "d", "enabled": False, "evaluatorAssignments": []}
    )
    assert (draft["sampling"], draft["filter"], draft["delaySeconds"]) == (1.0, [], 0)
    listed = await call(app, "GET", URL, params={"limit": 1})
    assert [r["id"] for r in listed["data"]] == [draft["id"]] and listed["meta"]["cursor"]

    updated = await call(
        app, "PATCH", f"{URL}/{rule_id}", json={"sampling": 1, "enabled": False, "filter": []}
    )
    assert (updated["sampling"], updated["enabled"], updated["filter"]) == (1.0, False, [])
    assert updated["name"] == "generations" and len(updated["evaluatorAssignments"]) == 2
    # An empty assignment list disables the rule.
    await call(app, "PATCH", f"{URL}/{rule_id}", json={"enabled": True})
    emptied = await call(app, "PATCH", f"{UNSTABLE}/{rule_id}", json={"evaluatorAssignments": []})
    assert (emptied["enabled"], emptied["evaluatorAssignments"]) == (False, [])

    # Deleting an evaluator removes its assignments.
    await call(
        app,
        "PATCH",
        f"{URL}/{rule_id}",
        json={"enabled": True, "evaluatorAssignments": [{"evaluatorId": with_default}]},
    )
    await call(app, "DELETE", f"{EVALUATORS}/{with_default}")
    after = await call(app, "GET", f"{URL}/{rule_id}")
    assert (after["enabled"], after["evaluatorAssignments"]) == (False, [])

    assert await call(app, "DELETE", f"{URL}/{rule_id}") == {"id": rule_id}
    await call(app, "GET", f"{URL}/{rule_id}", 404)
    await call(app, "DELETE", f"{URL}/{rule_id}", 404)


async def test_invalid_rules_answer_400_and_other_projects_see_nothing(
    app: EmbeddedApp,
) -> None:
    plain = await evaluator(app)
    assignment = {"evaluatorId": plain, "variableMapping": MAPPING}
    base = {"name": "r", "enabled": True, "evaluatorAssignments": [assignment]}

    async def refused(fields: dict[str, Any], fragment: str, status: int = 400) -> None:
        answer = await call(app, "POST", URL, status, json=base | fields)
        assert fragment in str(answer), answer

    await refused({"sampling": 1.5}, "sampling")
    await refused({"sampling": -0.1}, "sampling")
    await refused({"delaySeconds": -1}, "delaySeconds")
    await refused({"delaySeconds": 86_401}, "delaySeconds")
    await refused({"name": ""}, "name")
    await refused({"evaluatorAssignments": []}, "at least one evaluator")
    await refused({"evaluatorAssignments": [{"evaluatorId": plain}]}, "not mapped: output, input")
    await refused(
        {"evaluatorAssignments": [{"evaluatorId": plain, "variableMapping": MAPPING[:1]}]},
        "not mapped: input",
    )
    twice = [*MAPPING, MAPPING[0]]
    await refused(
        {"evaluatorAssignments": [{"evaluatorId": plain, "variableMapping": twice}]},
        "more than once",
    )
    await refused(
        {"evaluatorAssignments": [{"evaluatorId": plain, "variableMapping": MAPPING}] * 2},
        "more than once",
    )
    await refused({"evaluatorAssignments": [{"evaluatorId": "missing"}]}, "not found", 404)
    await refused({"filter": [GENERATIONS | {"column": "colour"}]}, "unknown column 'colour'")
    await refused({"filter": [GENERATIONS | {"column": "userId"}]}, "takes type 'string'")
    await refused({"filter": [GENERATIONS | {"value": []}]}, "at least one value")
    await refused({"filter": [GENERATIONS | {"operator": "all of"}]}, "")
    await refused({"filter": [{"type": "regex", "column": "name"}]}, "")

    mine = await call(app, "POST", URL, 201, json=base)
    await call(app, "PATCH", f"{URL}/{mine['id']}", 400, json={})
    await call(app, "PATCH", f"{URL}/{mine['id']}", 400, json={"sampling": 2})

    admin = await app.admin()
    other_project = await admin.create_project("Other")
    _, other = await admin.create_api_key(other_project.id)
    assert (await call(app, "GET", URL, keys=other))["data"] == []
    await call(app, "GET", f"{URL}/{mine['id']}", 404, keys=other)
    await call(app, "PATCH", f"{URL}/{mine['id']}", 404, keys=other, json={"name": "x"})
    await call(app, "DELETE", f"{URL}/{mine['id']}", 404, keys=other)
    # Another project's evaluator cannot be assigned.
    answer = await call(app, "POST", URL, 404, keys=other, json=base)
    assert "not found" in answer["message"]
    assert (await call(app, "GET", f"{URL}/{mine['id']}"))["name"] == "r"
