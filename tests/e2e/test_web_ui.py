"""The web UI in a real headless Chromium against ``spyglass serve``, with SDK-sent data.

One server per module: the real Langfuse SDK sends a session of two traces (a chat
generation with usage, so it has a cost, and an SDK score), then Playwright drives
Debian's ``chromium`` (no browser download) through sign-in, the traces table and its
filters, the trace tree, a generation's chat messages, adding a score (read back through
the public API), a session, and a VIEWER refused API keys. Screenshots of the main pages
are written to ``test-artifacts/screenshots`` (``SPYGLASS_SCREENSHOTS`` overrides).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.plugins.test_tracing_admin_api import png

from .conftest import ServerFactory, SpyglassServer, poll, run_sdk

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("SPYGLASS_SCREENSHOTS", ROOT / "test-artifacts" / "screenshots"))
CHROMIUM = os.environ.get("SPYGLASS_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
PUBLIC_KEY = "pk-lf-e2e-web-ui"
SECRET_KEY = "sk-lf-e2e-web-ui"
AUTH = (PUBLIC_KEY, SECRET_KEY)
PROJECT_ID = "proj-web-ui"
OWNER = ("owner@example.com", "owner password 1")
VIEWER = ("viewer@example.com", "viewer password 1")

SDK_SCRIPT = r"""
import base64, json, uuid
from langfuse import Langfuse, propagate_attributes
from langfuse.media import LangfuseMedia

client = Langfuse()
session_id = "web-session-" + uuid.uuid4().hex[:8]
out = {"session_id": session_id}
for turn, question in enumerate(["What is the capital of France?", "And of Italy?"]):
    with propagate_attributes(user_id="web-user", session_id=session_id, tags=["web"],
                              trace_name="chat-turn" if turn == 0 else "follow-up"):
        with client.start_as_current_observation(
            as_type="span", name="handle", input=question
        ) as root:
            out.setdefault("trace_ids", []).append(root.trace_id)
            with client.start_as_current_observation(
                as_type="generation", name="answer", model="gpt-4o",
                usage_details={"input": 1200, "output": 300},
                input=[{"role": "system", "content": "You answer in one word."},
                       {"role": "user", "content": question}],
            ) as gen:
                answer = "Paris" if turn == 0 else "Rome"
                gen.update(output={"role": "assistant", "content": answer})
                out.setdefault("generation_ids", []).append(gen.id)
            if turn == 0:
                with client.start_as_current_observation(
                    as_type="span", name="screenshot",
                    input={"image": LangfuseMedia(content_bytes=base64.b64decode(PNG_B64),
                                                  content_type="image/png")},
                ):
                    pass
            root.update(output="Paris" if turn == 0 else "Rome")
            root.score_trace(name="helpfulness", value=0.8)
client.flush()
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def server(module_spyglass_server: ServerFactory) -> SpyglassServer:
    return module_spyglass_server(
        {
            "SPYGLASS_INIT_PROJECT_ID": PROJECT_ID,
            "SPYGLASS_INIT_PROJECT_NAME": "Web UI",
            "SPYGLASS_INIT_PROJECT_PUBLIC_KEY": PUBLIC_KEY,
            "SPYGLASS_INIT_PROJECT_SECRET_KEY": SECRET_KEY,
            "SPYGLASS_INIT_USER_EMAIL": OWNER[0],
            "SPYGLASS_INIT_USER_PASSWORD": OWNER[1],
        }
    )


@pytest.fixture(scope="module")
def seeded(server: SpyglassServer, langfuse_python: Path) -> dict[str, Any]:
    """The SDK's ids, once both traces, the generation's cost and the score are readable."""
    script = SDK_SCRIPT.replace("PNG_B64", repr(base64.b64encode(png(8, 8)).decode()))
    sent = run_sdk(langfuse_python, script, server.sdk_env(PUBLIC_KEY, SECRET_KEY))
    assert sent.returncode == 0, sent.stderr
    ids: dict[str, Any] = json.loads(sent.stdout.strip().splitlines()[-1])

    def ready() -> bool | None:
        for trace_id in ids["trace_ids"]:
            response = httpx.get(f"{server.base_url}/api/public/traces/{trace_id}", auth=AUTH)
            if response.status_code != 200:
                return None
            body = response.json()
            if not body.get("scores") or not body.get("totalCost"):
                return None
        return True

    poll(ready, timeout=30.0)
    _add_viewer(server)
    return ids


def _add_viewer(server: SpyglassServer) -> None:
    """Invite a VIEWER through the internal API as the owner, and sign them up."""
    with httpx.Client(base_url=server.base_url) as owner:
        session = owner.post(
            "/api/internal/auth/sign-in", json=dict(zip(("email", "password"), OWNER, strict=True))
        )
        assert session.status_code == 200, session.text
        csrf = {"x-csrf-token": session.json()["csrfToken"]}
        org_id = session.json()["memberships"][0]["organizationId"]
        invitation = owner.post(
            f"/api/internal/organizations/{org_id}/invitations",
            json={"role": "VIEWER"},
            headers=csrf,
        )
        assert invitation.status_code == 201, invitation.text
    with httpx.Client(base_url=server.base_url) as viewer:
        signed_up = viewer.post(
            "/api/internal/auth/sign-up",
            json={
                "email": VIEWER[0],
                "password": VIEWER[1],
                "invitationToken": invitation.json()["token"],
            },
        )
        assert signed_up.status_code == 201, signed_up.text


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: apt-get install chromium (.ci/run does)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    errors: list[str] = []
    opened = context.new_page()
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


def sign_in(page: Page, server: SpyglassServer, who: tuple[str, str], start: str = "/") -> None:
    page.goto(server.base_url + start)
    page.wait_for_url("**/sign-in**")
    page.get_by_label("Email").fill(who[0])
    page.get_by_label("Password").fill(who[1])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/project/**")


def project_url(server: SpyglassServer, path: str) -> str:
    return f"{server.base_url}/project/{PROJECT_ID}/{path}"


def test_the_printed_sign_up_link_creates_the_owner_in_the_browser(
    page: Page, spyglass_server: ServerFactory
) -> None:
    fresh = spyglass_server()
    found = re.search(r"(http://\S+/sign-up\?token=\S+)", fresh.log())
    assert found, fresh.log()
    page.goto(found.group(1))
    page.get_by_label("Name").fill("Ada")
    page.get_by_label("Email").fill("ada@example.com")
    page.locator("input[name=password]").fill("first owner password")
    page.get_by_label("Repeat password").fill("first owner password")
    shoot(page, "sign-up")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/project/**/traces")
    expect(page.get_by_role("heading", name="Traces")).to_be_visible()
    expect(page.get_by_text("Role: OWNER")).to_be_visible()


def test_a_signed_out_browser_is_sent_to_sign_in_and_back(
    page: Page, server: SpyglassServer, seeded: dict[str, Any]
) -> None:
    target = f"/project/{PROJECT_ID}/sessions"
    page.goto(server.base_url + target)
    page.wait_for_url("**/sign-in?next=**")
    shoot(page, "sign-in")
    page.get_by_label("Email").fill(OWNER[0])
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong email or password")
    page.get_by_label("Password").fill(OWNER[1])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{target}")
    expect(page.get_by_role("heading", name="Sessions")).to_be_visible()


def test_traces_table_filters_and_trace_detail(
    page: Page, server: SpyglassServer, seeded: dict[str, Any]
) -> None:
    sign_in(page, server, OWNER)
    page.goto(project_url(server, "traces"))
    rows = page.locator(".dt-body .dt-row")
    expect(rows).to_have_count(2)
    expect(page.get_by_text("chat-turn")).to_be_visible()
    shoot(page, "traces")
    # Filter by name through the filter's dropdown: only the first turn stays.
    page.locator('[data-filter="name"] .filter-button').click()
    page.locator('[data-filter="name"] label', has_text="follow-up").locator("input").check()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("follow-up")
    assert "name=follow-up" in page.url
    page.locator('[data-filter="name"] label', has_text="follow-up").locator("input").uncheck()
    expect(rows).to_have_count(2)
    # Open the first turn: the tree shows the span and the generation.
    rows.filter(has_text="chat-turn").click()
    page.wait_for_url(f"**/traces/{seeded['trace_ids'][0]}")
    tree = page.get_by_role("tree", name="Observations")
    expect(tree.get_by_role("treeitem")).to_have_count(4)
    expect(page.get_by_role("region", name="Scores")).to_contain_text("helpfulness: 0.8")
    tree.get_by_role("treeitem").filter(has_text="answer").click()
    detail = page.locator(".trace-right")
    expect(detail.locator(".message.role-system")).to_contain_text("You answer in one word.")
    expect(detail.locator(".message.role-user")).to_contain_text("What is the capital of France?")
    expect(detail.locator(".message.role-assistant")).to_contain_text("Paris")
    expect(detail).to_contain_text("gpt-4o")
    # 1,200 input and 300 output tokens at gpt-4o's default prices.
    expect(detail).to_contain_text("$0.006")
    shoot(page, "trace-generation")
    # The span whose input holds an image shows it as a preview.
    tree.get_by_role("treeitem").filter(has_text="screenshot").click()
    preview = page.get_by_role("region", name="Media").locator("img")
    expect(preview).to_be_visible()
    assert preview.evaluate("image => image.naturalWidth") == 8


def test_adding_a_score_in_the_ui_reaches_the_public_api(
    page: Page, server: SpyglassServer, seeded: dict[str, Any]
) -> None:
    trace_id = seeded["trace_ids"][1]
    sign_in(page, server, OWNER, start=f"/project/{PROJECT_ID}/settings/score-configs")
    new_config = page.get_by_role("form", name="New score config")
    new_config.get_by_label("Name").fill("ui-review")
    new_config.get_by_label("Minimum").fill("0")
    new_config.get_by_label("Maximum").fill("1")
    new_config.get_by_role("button", name="Create score config").click()
    expect(page.locator(".dt-body")).to_contain_text("ui-review")
    shoot(page, "settings-score-configs")
    page.goto(project_url(server, f"traces/{trace_id}"))
    form = page.get_by_role("form", name="Add score")
    form.get_by_label("Score config").select_option(label="ui-review (numeric)")
    form.get_by_label("Value").fill("0.25")
    form.get_by_label("Comment").fill("from the browser")
    form.get_by_role("button", name="Add score").click()
    expect(page.get_by_role("region", name="Scores")).to_contain_text("ui-review: 0.25")

    def stored() -> dict[str, Any] | None:
        response = httpx.get(
            f"{server.base_url}/api/public/v2/scores", params={"name": "ui-review"}, auth=AUTH
        )
        data = response.json()["data"] if response.status_code == 200 else []
        return data[0] if data else None

    score = poll(stored, timeout=20.0)
    assert score["traceId"] == trace_id
    assert score["value"] == 0.25
    assert score["source"] == "ANNOTATION"
    assert score["comment"] == "from the browser"
    assert score["authorUserId"]


def test_a_session_replays_turn_by_turn(
    page: Page, server: SpyglassServer, seeded: dict[str, Any]
) -> None:
    sign_in(page, server, OWNER, start=f"/project/{PROJECT_ID}/sessions")
    page.get_by_text(seeded["session_id"]).click()
    turns = page.locator("article.turn")
    expect(turns).to_have_count(2)
    expect(turns.nth(0)).to_contain_text("What is the capital of France?")
    expect(turns.nth(1)).to_contain_text("Rome")
    shoot(page, "session")


def test_a_viewer_cannot_create_api_keys_and_is_told_why(
    page: Page, server: SpyglassServer, seeded: dict[str, Any]
) -> None:
    sign_in(page, server, VIEWER, start=f"/project/{PROJECT_ID}/settings/api-keys")
    expect(page.get_by_text("Your role (VIEWER) cannot view or create API keys")).to_be_visible()
    expect(page.get_by_role("button", name="Create API key")).to_have_count(0)
    shoot(page, "settings-api-keys-viewer")


def test_main_pages_render_without_errors(
    page: Page, server: SpyglassServer, seeded: dict[str, Any]
) -> None:
    sign_in(page, server, OWNER)
    for path, heading in [
        ("dashboard", "Dashboard"),
        ("users", "Users"),
        ("users/web-user", "User web-user"),
        ("prompts", "Prompts"),
        ("annotation-queues", "Annotation queues"),
        ("settings/api-keys", "Settings"),
        ("settings/members", "Settings"),
        ("settings/score-configs", "Settings"),
        ("settings/models", "Settings"),
    ]:
        page.goto(project_url(server, path))
        # Generous: on a loaded CI machine the shell loads every plugin's modules first.
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible(timeout=20_000)
        expect(page.locator(".spinner, .dt-loading")).to_have_count(0)
        expect(page.get_by_role("alert")).to_have_count(0)
        if path == "dashboard":  # the SDK's two traces of a moment ago are counted
            expect(page.locator(".card", has_text="Traces")).to_contain_text("2")
            expect(page.get_by_role("region", name="Top trace names")).to_contain_text("chat-turn")
        shoot(page, path.replace("/", "-"))
