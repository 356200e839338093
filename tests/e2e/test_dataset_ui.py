"""The datasets pages in a real headless Chromium against ``spyglass serve``.

The legacy (v2) Langfuse SDK makes a dataset, its items and two runs the way an
application does (``get_dataset``, ``item.link(trace, run_name)``, ``langfuse.score`` on
each trace), then Playwright checks the run comparison, an item's version history after
an edit, and "Add to dataset" on a trace. Screenshots go to ``test-artifacts/screenshots``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from .conftest import ServerFactory, SpyglassServer, poll, run_sdk
from .test_web_ui import CHROMIUM, shoot

pytestmark = pytest.mark.e2e

PUBLIC_KEY = "pk-lf-e2e-dataset-ui"
SECRET_KEY = "sk-lf-e2e-dataset-ui"
AUTH = (PUBLIC_KEY, SECRET_KEY)
PROJECT_ID = "proj-dataset-ui"
OWNER = ("owner@example.com", "owner password 1")
DATASET = "ui/qa"

SDK_SCRIPT = r"""
import json, os
from langfuse import Langfuse

langfuse = Langfuse(host=os.environ["LANGFUSE_BASE_URL"])
langfuse.create_dataset(name="ui/qa", description="Questions with one right answer")
for item_id, question, answer in (("q-math", "What is 2+2?", "4"),
                                  ("q-geo", "Capital of France?", "Paris")):
    langfuse.create_dataset_item(dataset_name="ui/qa", id=item_id,
                                 input={"question": question}, expected_output=answer)
dataset = langfuse.get_dataset("ui/qa")
answers = {"run-good": {"q-math": "4", "q-geo": "Paris"},
           "run-bad": {"q-math": "5", "q-geo": "Lyon"}}
for run_name, by_item in answers.items():
    for item in dataset.items:
        answer = by_item[item.id]
        trace = langfuse.trace(name=f"{run_name}/{item.id}", input=item.input, output=answer)
        trace.generation(name="llm", model="gpt-4o", input=item.input, output=answer,
                         usage={"input": 100, "output": 10}).end()
        item.link(trace, run_name, run_description="two answers")
        langfuse.score(trace_id=trace.id, name="exact_match",
                       value=1 if answer == item.expected_output else 0)
source = langfuse.trace(name="from-production", input={"question": "Largest ocean?"},
                        output="Pacific")
langfuse.flush()
print(json.dumps({"source_trace_id": source.id}))
"""


# The v5 SDK records experiments only through spans; the runs are built from them.
V5_SCRIPT = r"""
import json
from langfuse import Evaluation, Langfuse

langfuse = Langfuse()
langfuse.create_dataset(name="ui/v5")
for item_id, question, answer in (("v-math", "What is 3+3?", "6"),
                                  ("v-geo", "Capital of Italy?", "Rome")):
    langfuse.create_dataset_item(dataset_name="ui/v5", id=item_id,
                                 input={"question": question}, expected_output=answer)
dataset = langfuse.get_dataset("ui/v5")
answers = {"exp-good": {"What is 3+3?": "6", "Capital of Italy?": "Rome"},
           "exp-bad": {"What is 3+3?": "7", "Capital of Italy?": "Milan"}}


def exact_match(*, output, expected_output, **kwargs):
    return Evaluation(name="exact_match", value=1.0 if output == expected_output else 0.0)


for run_name, by_question in answers.items():
    dataset.run_experiment(
        name=run_name, run_name=run_name, evaluators=[exact_match],
        task=lambda *, item, by_question=by_question, **kwargs: by_question[item.input["question"]],
    )
langfuse.flush()
print(json.dumps({"ok": True}))
"""


@pytest.fixture(scope="module")
def server(module_spyglass_server: ServerFactory) -> SpyglassServer:
    return module_spyglass_server(
        {
            "SPYGLASS_INIT_PROJECT_ID": PROJECT_ID,
            "SPYGLASS_INIT_PROJECT_NAME": "Dataset UI",
            "SPYGLASS_INIT_PROJECT_PUBLIC_KEY": PUBLIC_KEY,
            "SPYGLASS_INIT_PROJECT_SECRET_KEY": SECRET_KEY,
            "SPYGLASS_INIT_USER_EMAIL": OWNER[0],
            "SPYGLASS_INIT_USER_PASSWORD": OWNER[1],
        }
    )


@pytest.fixture(scope="module")
def seeded(server: SpyglassServer, langfuse2_python: Path) -> dict[str, Any]:
    """What the SDK made, once every run item's trace has its score."""
    sent = run_sdk(langfuse2_python, SDK_SCRIPT, server.sdk_env(PUBLIC_KEY, SECRET_KEY))
    assert sent.returncode == 0, sent.stderr
    ids: dict[str, Any] = json.loads(sent.stdout.strip().splitlines()[-1])

    def ready() -> bool | None:
        response = httpx.get(
            f"{server.base_url}/api/public/datasets/{DATASET}/compare",
            params={"runs": "run-good,run-bad"},
            auth=AUTH,
        )
        if response.status_code != 200:
            return None
        cells = [c for row in response.json()["items"] for c in row["runs"].values()]
        return (len(cells) == 4 and all(c and c["scores"] for c in cells)) or None

    poll(ready, timeout=30.0)
    trace = f"{server.base_url}/api/public/traces/{ids['source_trace_id']}"
    poll(lambda: httpx.get(trace, auth=AUTH).status_code == 200 or None, timeout=30.0)
    return ids


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: apt-get install chromium (.ci/run does)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, server: SpyglassServer) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    errors: list[str] = []
    opened = context.new_page()
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.goto(f"{server.base_url}/project/{PROJECT_ID}/datasets")
    opened.wait_for_url("**/sign-in**")
    opened.get_by_label("Email").fill(OWNER[0])
    opened.get_by_label("Password").fill(OWNER[1])
    opened.get_by_role("button", name="Sign in").click()
    opened.wait_for_url("**/project/**/datasets")
    yield opened
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


def open_dataset(page: Page) -> None:
    expect(page.get_by_role("heading", name="Datasets")).to_be_visible()
    page.locator(".dt-body .dt-row", has_text=DATASET).click()
    expect(page.get_by_role("heading", name=DATASET)).to_be_visible()


def test_the_comparison_shows_both_runs_scores_per_item(page: Page, seeded: dict[str, Any]) -> None:
    shoot(page, "datasets")
    open_dataset(page)
    expect(page.locator(".dt-body .dt-row")).to_have_count(2)
    shoot(page, "dataset-items")
    page.get_by_role("tab", name="Runs (2)").click()
    runs = page.locator(".dt-body .dt-row")
    expect(runs).to_have_count(2)
    expect(runs.filter(has_text="run-good")).to_contain_text("2")
    shoot(page, "dataset-runs")
    page.get_by_label("Pick run-good").check()
    page.get_by_label("Pick run-bad").check()
    page.get_by_role("button", name="Compare (2)").click()
    page.wait_for_url("**/compare?runs=**")
    summary = page.get_by_role("table", name="Run summary")
    expect(summary).to_contain_text("exact_match")
    expect(summary.locator("tr", has_text="Run items")).to_contain_text("2")
    items = page.get_by_role("table", name="Items")
    for item_id in ("q-math", "q-geo"):
        row = items.locator(f'tr[data-item="{item_id}"]')
        expect(row.locator(".compare-scores")).to_have_count(2)
        expect(row.locator(".compare-scores").nth(0)).to_contain_text("exact_match: 1")
        expect(row.locator(".compare-scores").nth(1)).to_contain_text("exact_match: 0")
        expect(row.get_by_role("link", name="trace")).to_have_count(2)
    math = items.locator('tr[data-item="q-math"]')
    expect(math).to_contain_text("What is 2+2?")
    expect(math).to_contain_text("5")
    shoot(page, "dataset-compare")
    math.get_by_role("link", name="trace").first.click()
    page.wait_for_url("**/traces/**")
    expect(page.get_by_role("heading", name="run-good/q-math")).to_be_visible()


def test_the_item_page_shows_its_version_history_after_an_update(
    page: Page, seeded: dict[str, Any]
) -> None:
    open_dataset(page)
    page.locator(".dt-body .dt-row", has_text="q-geo").click()
    expect(page.get_by_role("heading", name="Item q-geo")).to_be_visible()
    page.get_by_role("button", name="Edit").click()
    page.get_by_label("Expected output").fill("Paris, France")
    page.get_by_role("button", name="Save new version").click()
    history = page.get_by_role("list", name="Version history")
    expect(history.get_by_role("listitem")).to_have_count(2)
    expect(history.get_by_role("listitem", name="Version 2")).to_contain_text("Paris, France")
    expect(history.get_by_role("listitem", name="Version 2")).to_contain_text("current")
    expect(history.get_by_role("listitem", name="Version 1")).to_contain_text("valid from")
    shoot(page, "dataset-item-history")


def test_add_to_dataset_on_a_trace_creates_an_item(
    page: Page, server: SpyglassServer, seeded: dict[str, Any]
) -> None:
    trace_id = seeded["source_trace_id"]
    page.goto(f"{server.base_url}/project/{PROJECT_ID}/traces/{trace_id}")
    page.get_by_role("button", name="Add to dataset").click()
    dialog = page.get_by_role("dialog")
    dialog.locator("select[name=dataset]").select_option(label=DATASET)
    expect(dialog.get_by_label("Input")).to_have_value('{\n  "question": "Largest ocean?"\n}')
    expect(dialog.get_by_label("Expected output")).to_have_value("Pacific")
    dialog.get_by_label("Expected output").fill("The Pacific Ocean")
    shoot(page, "trace-add-to-dataset")
    dialog.get_by_role("button", name="Add item").click()
    expect(dialog).to_contain_text("Item added")
    found = httpx.get(
        f"{server.base_url}/api/public/dataset-items",
        params={"datasetName": DATASET, "sourceTraceId": trace_id},
        auth=AUTH,
    ).json()["data"]
    assert [(i["input"], i["expectedOutput"]) for i in found] == [
        ({"question": "Largest ocean?"}, "The Pacific Ocean")
    ]
    dialog.get_by_role("link", name="Open the item").click()
    expect(page.get_by_role("list", name="Version history")).to_contain_text("Largest ocean?")


def test_without_the_datasets_plugin_the_trace_page_has_no_add_to_dataset(
    browser: Browser, module_spyglass_server: ServerFactory
) -> None:
    bare = module_spyglass_server(
        {
            "SPYGLASS_DISABLE_PLUGINS": "datasets",
            "SPYGLASS_INIT_PROJECT_ID": PROJECT_ID,
            "SPYGLASS_INIT_PROJECT_PUBLIC_KEY": PUBLIC_KEY,
            "SPYGLASS_INIT_PROJECT_SECRET_KEY": SECRET_KEY,
            "SPYGLASS_INIT_USER_EMAIL": OWNER[0],
            "SPYGLASS_INIT_USER_PASSWORD": OWNER[1],
        }
    )
    event = {
        "id": "e-bare",
        "type": "trace-create",
        "timestamp": "2026-12-01T12:00:00Z",
        "body": {"id": "t-bare", "name": "no-datasets", "input": "hi", "output": "hello"},
    }
    sent = httpx.post(f"{bare.base_url}/api/public/ingestion", json={"batch": [event]}, auth=AUTH)
    assert sent.status_code == 207, sent.text
    trace = f"{bare.base_url}/api/public/traces/t-bare"
    poll(lambda: httpx.get(trace, auth=AUTH).status_code == 200 or None, timeout=30.0)
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(f"{bare.base_url}/project/{PROJECT_ID}/traces/t-bare")
    page.wait_for_url("**/sign-in**")
    page.get_by_label("Email").fill(OWNER[0])
    page.get_by_label("Password").fill(OWNER[1])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="no-datasets")).to_be_visible()
    expect(page.get_by_role("region", name="Scores")).to_be_visible()
    expect(page.get_by_role("button", name="Add to dataset")).to_have_count(0)
    expect(page.get_by_role("link", name="Datasets")).to_have_count(0)
    context.close()


@pytest.fixture(scope="module")
def seeded_v5(server: SpyglassServer, langfuse_python: Path) -> None:
    """Two ``run_experiment`` runs over ``ui/v5``, once both are built and scored."""
    sent = run_sdk(langfuse_python, V5_SCRIPT, server.sdk_env(PUBLIC_KEY, SECRET_KEY))
    assert sent.returncode == 0, sent.stderr[-3000:]

    def ready() -> bool | None:
        response = httpx.get(
            f"{server.base_url}/api/public/datasets/ui%2Fv5/compare",
            params={"runs": "exp-good,exp-bad"},
            auth=AUTH,
        )
        if response.status_code != 200:
            return None
        cells = [c for row in response.json()["items"] for c in row["runs"].values()]
        return (len(cells) == 4 and all(c and c["scores"] for c in cells)) or None

    poll(ready, timeout=60.0)


def test_the_comparison_of_two_v5_experiments_shows_both_runs_scores(
    page: Page, seeded_v5: None
) -> None:
    expect(page.get_by_role("heading", name="Datasets")).to_be_visible()
    page.locator(".dt-body .dt-row", has_text="ui/v5").click()
    expect(page.get_by_role("heading", name="ui/v5")).to_be_visible()
    page.get_by_role("tab", name="Runs (2)").click()
    page.get_by_label("Pick exp-good").check()
    page.get_by_label("Pick exp-bad").check()
    page.get_by_role("button", name="Compare (2)").click()
    page.wait_for_url("**/compare?runs=**")
    summary = page.get_by_role("table", name="Run summary")
    expect(summary).to_contain_text("exact_match")
    items = page.get_by_role("table", name="Items")
    for item_id in ("v-math", "v-geo"):
        row = items.locator(f'tr[data-item="{item_id}"]')
        scores = row.locator(".compare-scores")
        expect(scores).to_have_count(2)
        expect(scores.filter(has_text="exact_match: 1")).to_have_count(1)
        expect(scores.filter(has_text="exact_match: 0")).to_have_count(1)
    expect(items.locator('tr[data-item="v-math"]')).to_contain_text("7")
    shoot(page, "dataset-compare-v5")


def test_import_lists_failing_rows_then_imports_and_exports_jsonl(
    page: Page, server: SpyglassServer, tmp_path: Path
) -> None:
    created = httpx.post(
        f"{server.base_url}/api/public/v2/datasets",
        json={"name": "ui/bulk", "inputSchema": {"type": "object", "required": ["q"]}},
        auth=AUTH,
    )
    assert created.status_code == 200, created.text
    bad, good = tmp_path / "bad.jsonl", tmp_path / "good.jsonl"
    bad.write_text('{"input": {"q": 1}}\n{"input": {"nope": 2}}\n')
    good.write_text('{"id": "b1", "input": {"q": 1}}\n{"id": "b2", "input": {"q": 2}}\n')
    page.reload()
    page.locator(".dt-body .dt-row", has_text="ui/bulk").click()
    expect(page.get_by_role("heading", name="ui/bulk")).to_be_visible()

    page.get_by_label("Import items").set_input_files(str(bad))
    errors = page.get_by_role("list", name="Import errors")
    expect(errors).to_contain_text("Row 2")
    expect(page.locator(".dt-body .dt-row")).to_have_count(0)
    shoot(page, "dataset-import-errors")

    page.get_by_label("Import items").set_input_files(str(good))
    shoot(page, "dataset-import-second")
    expect(page.get_by_role("status", name="Import result")).to_contain_text("Imported 2 items")
    expect(page.locator(".dt-body .dt-row")).to_have_count(2)

    href = page.get_by_role("link", name="Export JSONL").get_attribute("href")
    assert href is not None
    exported = page.request.get(server.base_url + href)
    assert exported.status == 200
    lines = [json.loads(line) for line in exported.text().splitlines()]
    assert sorted((row["id"], row["input"]) for row in lines) == [
        ("b1", {"q": 1}),
        ("b2", {"q": 2}),
    ]
