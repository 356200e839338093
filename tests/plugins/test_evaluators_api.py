"""Evaluators over HTTP (Langfuse's v2 shapes) on a real embedded container (SQLite)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

import spyglass_evals
from spyglass_core.domain.api_keys import KeyPair
from spyglass_core.hookspecs import PluginConfig
from tests.plugins.conftest import EmbeddedApp, embedded_app, embedded_settings

URL = "/api/public/v2/evaluators"
UNSTABLE = "/api/public/unstable/evaluators"
KEY_HEX = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

# Langfuse's LlmAsJudgeEvaluator / LlmAsJudgeEvaluatorVersion field names (v5 SDK types).
EVALUATOR_FIELDS = {
    "type", "id", "name", "description", "createdBy", "status", "pausedAt", "pausedReason",
    "pausedMessage", "evaluationRuleAssignments", "createdAt", "updatedAt", "versionId",
    "version", "versionCreatedAt", "versionCreatedBy", "prompt", "variables",
    "variableMapping", "modelConfig", "outputDefinition",
}  # fmt: skip
VERSION_FIELDS = {
    "type", "id", "version", "createdAt", "createdBy", "prompt", "variables",
    "variableMapping", "modelConfig", "outputDefinition",
}  # fmt: skip


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


def judge(**fields: Any) -> dict[str, Any]:
    return {
        "type": "llm_as_judge",
        "name": "correct",
        "prompt": "Is {{output}} right for {{input}}?",
        "outputDefinition": {"dataType": "NUMERIC", "minValue": 0, "maxValue": 1},
    } | fields


async def test_create_update_version_list_and_delete_in_langfuse_shapes(
    app: EmbeddedApp,
) -> None:
    await call(
        app,
        "PUT",
        "/api/public/llm-connections",
        json={"provider": "openai", "adapter": "openai", "secretKey": "sk-test-123456789"},
    )
    created = await call(
        app,
        "POST",
        URL,
        201,
        json=judge(
            description="first",
            modelConfig={"provider": "openai", "model": "gpt-x"},
            variableMapping=[
                {"variable": "output", "source": "output"},
                {"variable": "input", "source": "metadata", "jsonPath": "$.question"},
            ],
        ),
    )
    assert set(created) == EVALUATOR_FIELDS
    assert created["version"] == 1 and created["status"] == "active"
    assert created["prompt"] == [{"role": "user", "content": "Is {{output}} right for {{input}}?"}]
    assert created["variables"] == ["output", "input"]
    assert created["modelConfig"] == {"provider": "openai", "model": "gpt-x"}
    assert created["outputDefinition"] == {"dataType": "NUMERIC", "minValue": 0, "maxValue": 1}
    assert created["evaluationRuleAssignments"] == []
    evaluator_id = created["id"]

    # Metadata only: same version. A new prompt: version 2. Both paths serve the same data.
    renamed = await call(app, "PATCH", f"{URL}/{evaluator_id}", json={"name": "renamed"})
    assert (renamed["name"], renamed["version"], renamed["description"]) == ("renamed", 1, "first")
    changed = await call(
        app,
        "PATCH",
        f"{UNSTABLE}/{evaluator_id}",
        json={
            "description": None,
            "prompt": [
                {"role": "system", "content": "Be strict."},
                {"role": "user", "content": "Judge {{ output }}"},
            ],
            "outputDefinition": {
                "dataType": "CATEGORICAL",
                "categories": ["good", "bad"],
                "shouldAllowMultipleMatches": False,
            },
        },
    )
    assert (changed["version"], changed["description"], changed["variables"]) == (
        2,
        None,
        ["output"],
    )
    assert changed["modelConfig"] is None and changed["versionId"] != created["versionId"]
    # Required by the SDK's model even when false.
    assert changed["outputDefinition"]["shouldAllowMultipleMatches"] is False
    versions = await call(app, "GET", f"{URL}/{evaluator_id}/versions")
    assert [v["version"] for v in versions["data"]] == [2, 1]
    assert set(versions["data"][0]) == VERSION_FIELDS
    assert versions["meta"] == {}
    one = await call(app, "GET", f"{URL}/{evaluator_id}/versions", params={"limit": 1})
    assert [v["version"] for v in one["data"]] == [2] and one["meta"]["cursor"]
    rest = await call(
        app,
        "GET",
        f"{URL}/{evaluator_id}/versions",
        params={"limit": 1, "cursor": one["meta"]["cursor"]},
    )
    assert [v["version"] for v in rest["data"]] == [1] and rest["meta"] == {}

    second = await call(app, "POST", UNSTABLE, 201, json=judge(name="correct"))
    listed = await call(app, "GET", URL)
    assert [e["id"] for e in listed["data"]] == [second["id"], evaluator_id]
    assert (await call(app, "GET", f"{URL}/{evaluator_id}"))["name"] == "renamed"

    assert await call(app, "DELETE", f"{URL}/{evaluator_id}") == {"id": evaluator_id}
    await call(app, "GET", f"{URL}/{evaluator_id}", 404)
    await call(app, "GET", f"{URL}/{evaluator_id}/versions", 404)
    await call(app, "DELETE", f"{URL}/{evaluator_id}", 404)


async def test_invalid_evaluators_answer_400_with_clear_messages(app: EmbeddedApp) -> None:
    async def refused(body: dict[str, Any], fragment: str, method: str = "POST") -> None:
        answer = await call(app, method, URL, 400, json=body)
        assert fragment in str(answer), answer

    await refused(
        {"type": "code", "name": "c", "sourceCode": "x", "sourceCodeLanguage": "PYTHON"},
        "installed",
    )
    await refused(judge(outputDefinition={"dataType": "NUMERIC"}), "minValue and maxValue")
    await refused(
        judge(outputDefinition={"dataType": "NUMERIC", "minValue": 1, "maxValue": 0}), "below"
    )
    await refused(
        judge(outputDefinition={"dataType": "CATEGORICAL", "categories": ["a"],
                                "shouldAllowMultipleMatches": False}),
        "two or more",
    )  # fmt: skip
    await refused(judge(outputDefinition={"dataType": "TEXT"}), "")
    await refused(judge(prompt=""), "at least one message")
    await refused(judge(name=" "), "name")
    await refused(
        judge(variableMapping=[{"variable": "output", "source": "output"}]), "not mapped: input"
    )
    await refused(
        judge(
            variableMapping=[
                {"variable": "output", "source": "output"},
                {"variable": "input", "source": "input"},
                {"variable": "other", "source": "input"},
            ]
        ),
        "no variable(s) other",
    )
    await refused(
        judge(
            variableMapping=[
                {"variable": "output", "source": "output", "jsonPath": "a.b"},
                {"variable": "input", "source": "input"},
            ]
        ),
        "must start with '$'",
    )
    await refused(judge(modelConfig={"provider": "nope", "model": "m"}), "no LLM connection")
    created = await call(app, "POST", URL, 201, json=judge())
    patch = f"{URL}/{created['id']}"
    assert "at least one" in str(await call(app, "PATCH", patch, 400, json={}))
    assert "outputDefinition" in str(
        await call(app, "PATCH", patch, 400, json={"prompt": "x {{y}}"})
    )
    assert "with the complete new prompt" in str(
        await call(app, "PATCH", patch, 400, json={"modelConfig": None})
    )
    await call(app, "PATCH", f"{URL}/missing", 404, json={"name": "x"})
    await call(app, "GET", URL, 400, params={"cursor": "%%%"})
    await call(app, "GET", URL, 400, params={"limit": 101})


async def test_templates_and_another_projects_evaluators(app: EmbeddedApp) -> None:
    templates = await call(app, "GET", f"{URL}/templates")
    names = [t["name"] for t in templates["data"]]
    assert names == [
        "correctness", "hallucination", "relevance", "toxicity", "helpfulness", "conciseness",
    ]  # fmt: skip
    code = {c["name"]: c for c in templates["codeEvaluators"]}
    assert code["exact_match"]["variables"] == ["output", "expected_output"]
    assert "values" in code["contains"]["configSchema"]["properties"]  # what a UI shows
    # Every template is a valid creation body as it stands.
    for template in templates["data"]:
        created = await call(app, "POST", URL, 201, json=template)
        assert created["variableMapping"]

    mine = (await call(app, "GET", URL))["data"][0]
    admin = await app.admin()
    other_project = await admin.create_project("Other")
    _, other = await admin.create_api_key(other_project.id)
    assert (await call(app, "GET", URL, keys=other))["data"] == []
    await call(app, "GET", f"{URL}/{mine['id']}", 404, keys=other)
    await call(app, "GET", f"{URL}/{mine['id']}/versions", 404, keys=other)
    await call(app, "PATCH", f"{URL}/{mine['id']}", 404, keys=other, json={"name": "x"})
    await call(app, "DELETE", f"{URL}/{mine['id']}", 404, keys=other)
    assert (await call(app, "GET", f"{URL}/{mine['id']}"))["name"] == mine["name"]
