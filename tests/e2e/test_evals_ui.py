"""The evaluations pages in a real headless Chromium against ``spyglass serve``.

One server per module and the fake OpenAI-compatible provider (``tests/support/fake_llm``)
in this process. Playwright adds an LLM connection in the settings, creates an evaluator
from a catalogue template and previews it on a trace sent through the ingestion API,
runs a prompt version in the playground and opens the traced call, and follows an EVAL
score's "Judge trace" link. Screenshots go to ``test-artifacts/screenshots``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.fake_llm import FakeLLM, fake_llm

from .conftest import ServerFactory, SpyglassServer, poll
from .test_dataset_ui import browser  # noqa: F401  (the module's Chromium)
from .test_web_ui import shoot

pytestmark = pytest.mark.e2e

PUBLIC_KEY = "pk-lf-e2e-evals-ui"
SECRET_KEY = "sk-lf-e2e-evals-ui"
AUTH = (PUBLIC_KEY, SECRET_KEY)
PROJECT_ID = "proj-evals-ui"
OWNER = ("owner@example.com", "owner password 1")
PROVIDER_KEY = "sk-fake-provider-key-e2e-5150"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeLLM]:
    with fake_llm(expected_key=PROVIDER_KEY) as running:
        yield running


@pytest.fixture(scope="module")
def server(module_spyglass_server: ServerFactory) -> SpyglassServer:
    return module_spyglass_server(
        {
            "SPYGLASS_INIT_PROJECT_ID": PROJECT_ID,
            "SPYGLASS_INIT_PROJECT_NAME": "Evals UI",
            "SPYGLASS_INIT_PROJECT_PUBLIC_KEY": PUBLIC_KEY,
            "SPYGLASS_INIT_PROJECT_SECRET_KEY": SECRET_KEY,
            "SPYGLASS_INIT_USER_EMAIL": OWNER[0],
            "SPYGLASS_INIT_USER_PASSWORD": OWNER[1],
        }
    )


def ingest(server: SpyglassServer, *events: dict[str, Any]) -> None:
    sent = httpx.post(
        f"{server.base_url}/api/public/ingestion", json={"batch": list(events)}, auth=AUTH
    )
    assert sent.status_code == 207 and not sent.json()["errors"], sent.text


def readable(server: SpyglassServer, trace_id: str) -> dict[str, Any]:
    url = f"{server.base_url}/api/public/traces/{trace_id}"

    def probe() -> dict[str, Any] | None:
        response = httpx.get(url, auth=AUTH)
        return response.json() if response.status_code == 200 else None

    return poll(probe, timeout=30.0, what=f"trace {trace_id} readable")


def trace_event(trace_id: str, name: str, question: str, answer: str) -> dict[str, Any]:
    return {
        "id": f"e-{trace_id}",
        "type": "trace-create",
        "timestamp": "2026-12-01T12:00:00Z",
        "body": {"id": trace_id, "name": name, "input": {"question": question}, "output": answer},
    }


@pytest.fixture(scope="module")
def qa_trace(server: SpyglassServer) -> str:
    ingest(server, trace_event("t-qa-1", "qa", "What is 2+2?", "The answer is 4."))
    readable(server, "t-qa-1")
    return "t-qa-1"


@pytest.fixture(scope="module")
def connection(server: SpyglassServer, fake: FakeLLM) -> None:
    """The fake provider's connection (the first test makes it in the browser too)."""
    made = httpx.put(
        f"{server.base_url}/api/public/llm-connections",
        json={
            "provider": "fake",
            "adapter": "openai",
            "secretKey": PROVIDER_KEY,
            "baseURL": fake.base_url,
            "customModels": ["judge-1"],
        },
        auth=AUTH,
    )
    assert made.status_code == 200, made.text


@pytest.fixture
def page(browser: Browser, server: SpyglassServer) -> Iterator[Page]:  # noqa: F811
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    errors: list[str] = []
    opened = context.new_page()
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.goto(f"{server.base_url}/project/{PROJECT_ID}/evaluators")
    opened.wait_for_url("**/sign-in**")
    opened.get_by_label("Email").fill(OWNER[0])
    opened.get_by_label("Password").fill(OWNER[1])
    opened.get_by_role("button", name="Sign in").click()
    opened.wait_for_url("**/project/**/evaluators")
    yield opened
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


def url(server: SpyglassServer, path: str) -> str:
    return f"{server.base_url}/project/{PROJECT_ID}/{path}"


def test_a_connection_an_evaluator_from_a_template_and_its_preview_on_a_trace(
    page: Page, server: SpyglassServer, fake: FakeLLM, qa_trace: str
) -> None:
    page.get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="LLM connections").click()
    form = page.get_by_role("form", name="LLM connection")
    form.get_by_label("Provider").fill("fake")
    form.get_by_label("Secret key").fill(PROVIDER_KEY)
    form.get_by_label("Base URL").fill(fake.base_url)
    form.get_by_label("Custom models").fill("judge-1")
    form.get_by_role("button", name="Save connection").click()
    row = page.locator(".dt-body .dt-row", has_text="fake")
    expect(row).to_contain_text("..." + PROVIDER_KEY[-4:])
    expect(row).to_contain_text("judge-1")
    assert PROVIDER_KEY not in page.content()
    shoot(page, "evals-llm-connections")

    page.get_by_role("link", name="Evaluators", exact=True).click()
    page.get_by_role("button", name="New evaluator").click()
    expect(page.get_by_role("region", name="Templates")).to_contain_text("hallucination")
    page.get_by_role("button", name="Use relevance").click()
    editor = page.get_by_role("form", name="Evaluator")
    expect(editor.get_by_label("Name")).to_have_value("relevance")
    expect(editor.get_by_label("Message 2", exact=True)).to_have_value(re.compile(r"\{\{input\}\}"))
    expect(editor.get_by_label("LLM connection")).to_have_value("fake")
    expect(editor.get_by_label("Model", exact=True)).to_have_value("judge-1")
    editor.get_by_role("button", name="Create evaluator").click()
    expect(page.get_by_role("heading", name="relevance")).to_be_visible()
    expect(page.get_by_role("region", name="Version history")).to_contain_text("v1")

    preview = page.get_by_role("region", name="Preview")
    preview.get_by_label("Recent traces").select_option(qa_trace)
    preview.get_by_role("button", name="Run preview").click()
    verdict = preview.get_by_label("Verdict")
    expect(verdict).to_contain_text("score: 1")
    expect(verdict.get_by_label("Reasoning")).to_contain_text("fake reasoning for Request:")
    expect(preview.get_by_label("Filled variables")).to_contain_text("What is 2+2?")
    expect(preview.get_by_label("Rendered prompt")).to_contain_text("The answer is 4.")
    shoot(page, "evals-evaluator-preview")
    judged = fake.requests[-1]["body"]
    assert judged["model"] == "judge-1"
    assert "The answer is 4." in judged["messages"][-1]["content"]

    # A variable the trace has no value for is named.
    editor.get_by_label("Source of output").select_option("expected_output")
    preview.get_by_role("button", name="Run preview").click()
    expect(preview.get_by_role("alert")).to_contain_text("no value for variable(s) output")

    # Saving a changed definition makes version 2.
    editor.get_by_label("Source of output").select_option("output")
    editor.get_by_label("Maximum").fill("5")
    editor.get_by_role("button", name="Save new version").click()
    expect(
        page.get_by_role("region", name="Version history").get_by_role("listitem")
    ).to_have_count(2)
    expect(page.get_by_text("Version 2 · used by 0 rule(s)")).to_be_visible()


def test_the_playground_runs_a_prompt_version_and_links_the_traced_call(
    page: Page, server: SpyglassServer, fake: FakeLLM, connection: None
) -> None:
    created = httpx.post(
        f"{server.base_url}/api/public/v2/prompts",
        json={
            "name": "greeting",
            "type": "chat",
            "prompt": [
                {"role": "system", "content": "You greet people."},
                {"role": "user", "content": "Say hello to {{name}}"},
            ],
            "labels": ["production"],
        },
        auth=AUTH,
    )
    assert created.status_code in (200, 201), created.text
    page.get_by_role("link", name="Playground").click()
    page.get_by_label("Prompt", exact=True).select_option("greeting")
    expect(page.get_by_label("Version")).to_have_value("1")
    expect(page.get_by_label("Message 2", exact=True)).to_have_value("Say hello to {{name}}")
    page.get_by_label("Variable name").fill("Ada")
    expect(page.get_by_label("LLM connection")).to_have_value("fake")
    page.get_by_role("button", name="Run", exact=True).click()
    answer = page.get_by_role("region", name="Answer")
    expect(answer.get_by_label("Answer text")).to_have_text("ok")
    sent = fake.requests[-1]["body"]
    assert sent["messages"] == [
        {"role": "system", "content": "You greet people."},
        {"role": "user", "content": "Say hello to Ada"},
    ]
    shoot(page, "evals-playground")
    answer.get_by_role("link", name="Open the traced call").click()
    page.wait_for_url("**/traces/**")
    expect(page.get_by_role("heading", name="playground")).to_be_visible()
    trace_id = page.url.rsplit("/", 1)[-1]
    traced = readable(server, trace_id)
    assert traced["metadata"]["promptName"] == "greeting"
    assert traced["metadata"]["promptVersion"] == 1


def test_an_eval_score_shows_its_reasoning_and_links_the_judge_trace(
    page: Page, server: SpyglassServer, qa_trace: str
) -> None:
    ingest(server, trace_event("t-judge-1", "judge", "Grade this", "fine"))
    ingest(
        server,
        {
            "id": "e-eval-score",
            "type": "score-create",
            "timestamp": "2026-12-01T12:00:05Z",
            "body": {
                "id": "s-eval-1",
                "traceId": qa_trace,
                "name": "relevance",
                "value": 0.9,
                "source": "EVAL",
                "comment": "The answer addresses the question directly.",
                "metadata": {"execution_id": "x-1", "judge_trace_id": "t-judge-1"},
            },
        },
    )
    poll(
        lambda: readable(server, qa_trace)["scores"] or None,
        timeout=30.0,
        what="the EVAL score readable",
    )
    readable(server, "t-judge-1")
    page.goto(url(server, f"traces/{qa_trace}"))
    score = page.get_by_role("region", name="Scores").get_by_role(
        "listitem", name="Score relevance"
    )
    expect(score).to_contain_text("relevance: 0.900")
    expect(score).to_contain_text("EVAL")
    expect(score.get_by_label("Comment")).to_have_text(
        "The answer addresses the question directly."
    )
    shoot(page, "evals-eval-score")
    score.get_by_role("link", name="Judge trace").click()
    page.wait_for_url("**/traces/t-judge-1")
    expect(page.get_by_role("heading", name="judge")).to_be_visible()


def test_a_rule_made_in_the_browser_lists_its_executions_with_score_and_judge_trace(
    page: Page, server: SpyglassServer, fake: FakeLLM, connection: None
) -> None:
    templates = httpx.get(
        f"{server.base_url}/api/public/v2/evaluators/templates", auth=AUTH
    ).json()["data"]
    relevance = next(t for t in templates if t["name"] == "relevance")
    made = httpx.post(
        f"{server.base_url}/api/public/v2/evaluators",
        json=relevance
        | {"name": "live relevance", "modelConfig": {"provider": "fake", "model": "judge-1"}},
        auth=AUTH,
    )
    assert made.status_code == 201, made.text

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Evaluation rules").click()
    page.get_by_role("button", name="New rule").click()
    form = page.get_by_role("form", name="Evaluation rule")
    form.get_by_label("Name", exact=True).fill("qa-live relevance")
    form.get_by_label("Target").select_option("trace")
    form.get_by_label("Trace names").fill("qa-live")
    form.get_by_role("button", name="Add evaluator").click()
    form.get_by_label("Evaluator", exact=True).select_option(label="live relevance")
    form.get_by_label("Score name").fill("live-relevance")
    form.get_by_role("button", name="Create rule").click()
    expect(page.get_by_role("heading", name="qa-live relevance")).to_be_visible()
    facts = page.get_by_label("Rule", exact=True)
    expect(facts).to_contain_text("active")
    expect(facts).to_contain_text("live relevance")
    expect(facts).to_contain_text('"traceName"')

    ingest(server, trace_event("t-live-1", "qa-live", "Capital of France?", "Paris."))
    executions = page.get_by_role("region", name="Executions")
    completed = executions.locator(".dt-body .dt-row", has_text="completed")

    def done() -> bool | None:
        executions.get_by_role("button", name="Refresh").click()
        page.wait_for_timeout(300)
        return completed.count() == 1 or None

    poll(done, timeout=45.0, interval=0.5, what="the execution completed")
    row = completed.first
    expect(row).to_contain_text("live-relevance: 1")
    expect(row.get_by_role("link", name="trace t-live-1")).to_be_visible()
    shoot(page, "evals-rule-executions")

    executions.get_by_label("Status filter").select_option("ERROR")
    expect(executions).to_contain_text("No error executions.")
    executions.get_by_label("Status filter").select_option("")
    row = executions.locator(".dt-body .dt-row", has_text="completed").first
    row.get_by_role("link", name="Judge trace of t-live-1").click()
    page.wait_for_url("**/traces/**")
    expect(page.get_by_text("spyglass-llm-as-a-judge")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Evaluation rules").click()
    listed = page.locator(".dt-body .dt-row", has_text="qa-live relevance")
    expect(listed).to_contain_text("Traces")
    expect(listed).to_contain_text("live relevance")
    expect(listed).to_contain_text("100%")
