"""Prompt management end to end: the real Langfuse v5 SDK against ``spyglass serve``.

One SDK process (one public key, because of the SDK's per-key singleton) runs every
prompt step in order and prints a JSON report; the tests assert on its parts. Project
isolation is then checked with raw HTTP and a second project's key.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from .conftest import ServerFactory, SpyglassServer, run_sdk

pytestmark = pytest.mark.e2e

TEXT_NAME = "folder/greet"
TEXT_CONFIG = {"model": "gpt-x", "temperature": 0.1}
CHAT_NAME = "chatty"
CHAT_MESSAGES = [
    {"role": "system", "content": "You are {{persona}}"},
    {"type": "placeholder", "name": "history"},
    {"role": "user", "content": "{{question}}"},
]
TONE_TAG = "@@@langfusePrompt:name=tone|label=production@@@"

# Every step runs even if an earlier one failed; a step's outcome is either its result
# or {"error": {"type", "module", "message", "status"}}. The last stdout line is JSON.
SDK_SCRIPT = r"""
import json, traceback
from langfuse import Langfuse

client = Langfuse()
results = {}

TEXT_NAME = "folder/greet"
CHAT_NAME = "chatty"
TONE_TAG = "@@@langfusePrompt:name=tone|label=production@@@"


def describe(prompt):
    return {
        "class": type(prompt).__name__,
        "name": prompt.name,
        "version": prompt.version,
        "labels": sorted(prompt.labels),
        "tags": sorted(prompt.tags),
        "config": prompt.config,
        "commit_message": prompt.commit_message,
        "prompt": prompt.prompt,
        "is_fallback": prompt.is_fallback,
    }


def step(key, call):
    try:
        results[key] = call()
    except Exception as error:
        results[key] = {
            "error": {
                "type": type(error).__name__,
                "module": type(error).__module__,
                "message": str(error)[:500],
                "status": getattr(error, "status_code", None),
                "traceback": traceback.format_exc()[-2000:],
            }
        }


def with_compiled(prompt, **variables):
    return {**describe(prompt), "compiled": prompt.compile(**variables)}


# --- create: a text prompt in a folder and a chat prompt with a placeholder
step("create_text", lambda: describe(client.create_prompt(
    name=TEXT_NAME,
    prompt="Hello {{name}}",
    config={"model": "gpt-x", "temperature": 0.1},
    labels=["production"],
    tags=["t1", "t2"],
    commit_message="first",
)))
step("create_chat", lambda: describe(client.create_prompt(
    name=CHAT_NAME,
    type="chat",
    prompt=[
        {"role": "system", "content": "You are {{persona}}"},
        {"type": "placeholder", "name": "history"},
        {"role": "user", "content": "{{question}}"},
    ],
    labels=["production"],
)))

# --- fetch: default (production), by label, by version; compile
step("get_text_default", lambda: with_compiled(client.get_prompt(TEXT_NAME), name="World"))
step("get_text_latest", lambda: describe(client.get_prompt(TEXT_NAME, label="latest")))
step("get_text_v1", lambda: with_compiled(client.get_prompt(TEXT_NAME, version=1), name="v1"))
history = [
    {"role": "user", "content": "Hi {{persona}}"},
    {"role": "assistant", "content": "Ahoy"},
]
step("get_chat_latest", lambda: with_compiled(
    client.get_prompt(CHAT_NAME, label="latest", type="chat"),
    persona="a pirate",
    question="Where is the treasure?",
    history=history,
))
step("chat_unfilled_placeholder", lambda: client.get_prompt(
    CHAT_NAME, type="chat", cache_ttl_seconds=0
).compile(persona="a pirate", question="Q"))

# --- a second version, then move production onto it
step("create_text_v2", lambda: describe(client.create_prompt(
    name=TEXT_NAME, prompt="Hi {{name}}!", labels=[]
)))
step("before_update_production", lambda: describe(
    client.get_prompt(TEXT_NAME, cache_ttl_seconds=0)
))
step("before_update_latest", lambda: describe(
    client.get_prompt(TEXT_NAME, label="latest", cache_ttl_seconds=0)
))


def update():
    updated = client.update_prompt(name=TEXT_NAME, version=2, new_labels=["production"])
    dumped = updated.model_dump(mode="json", by_alias=True)
    return {"class": type(updated).__name__, **dumped}


step("update_v2_production", update)
step("after_update_production", lambda: with_compiled(
    client.get_prompt(TEXT_NAME, cache_ttl_seconds=0), name="World"
))
step("after_update_v1", lambda: describe(
    client.get_prompt(TEXT_NAME, version=1, cache_ttl_seconds=0)
))

# --- a missing prompt: an error without a fallback, the fallback with one
step("missing_no_fallback", lambda: describe(client.get_prompt("missing", max_retries=0)))
step("missing_text_fallback", lambda: with_compiled(
    client.get_prompt("missing", fallback="fallback text", max_retries=0)
))
step("missing_chat_fallback", lambda: with_compiled(
    client.get_prompt(
        "missing-chat",
        type="chat",
        fallback=[{"role": "system", "content": "fallback {{x}}"}],
        max_retries=0,
    ),
    x="chat",
))

# --- composition: a child prompt inlined into a text and a chat parent
step("create_tone", lambda: describe(client.create_prompt(
    name="tone", prompt="Be friendly.", labels=["production"]
)))
step("create_composed", lambda: describe(client.create_prompt(
    name="composed", prompt=TONE_TAG + " Say hello to {{name}}.", labels=["production"]
)))
step("create_composed_chat", lambda: describe(client.create_prompt(
    name="composed-chat",
    type="chat",
    prompt=[{"role": "system", "content": TONE_TAG + " You are {{persona}}."}],
    labels=["production"],
)))
step("get_composed", lambda: with_compiled(
    client.get_prompt("composed", cache_ttl_seconds=0), name="Ann"
))
step("get_composed_chat", lambda: with_compiled(
    client.get_prompt("composed-chat", type="chat", cache_ttl_seconds=0), persona="a bot"
))
# A new production version of the child shows through the parent at once.
step("create_tone_v2", lambda: describe(client.create_prompt(
    name="tone", prompt="Be terse.", labels=["production"]
)))
step("get_composed_after_child_change", lambda: with_compiled(
    client.get_prompt("composed", cache_ttl_seconds=0), name="Ann"
))

print(json.dumps(results, default=repr))
"""


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def prompts_server(module_spyglass_server: ServerFactory) -> SpyglassServer:
    """A server of this module's own (the isolation test adds a project and a key)."""
    server = module_spyglass_server()
    assert server.printed_keys is not None, f"no keys printed on first start:\n{server.log()}"
    return server


@pytest.fixture(scope="module")
def first_keys(prompts_server: SpyglassServer) -> tuple[str, str]:
    keys = prompts_server.printed_keys
    assert keys is not None
    return keys["LANGFUSE_PUBLIC_KEY"], keys["LANGFUSE_SECRET_KEY"]


@pytest.fixture(scope="module")
def sdk_results(
    langfuse_python: Path, prompts_server: SpyglassServer, first_keys: tuple[str, str]
) -> dict[str, Any]:
    """Run the SDK script once; its per-step results, keyed by step name."""
    done = run_sdk(langfuse_python, SDK_SCRIPT, prompts_server.sdk_env(*first_keys))
    detail = (
        f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}\n--- server log\n{prompts_server.log()}"
    )
    assert done.returncode == 0, f"the SDK script failed ({done.returncode})\n{detail}"
    lines = done.stdout.strip().splitlines()
    assert lines, f"the SDK script printed nothing\n{detail}"
    results: dict[str, Any] = json.loads(lines[-1])
    return results


def ok(results: dict[str, Any], key: str) -> Any:
    """A step's result; fail with the SDK's error if the step raised."""
    assert key in results, f"step {key!r} did not run; steps: {sorted(results)}"
    value = results[key]
    if isinstance(value, dict) and "error" in value and set(value) == {"error"}:
        error = value["error"]
        pytest.fail(
            f"SDK step {key!r} raised {error['module']}.{error['type']} "
            f"(status {error['status']}): {error['message']}\n{error['traceback']}"
        )
    return value


def raised(results: dict[str, Any], key: str) -> dict[str, Any]:
    """A step's error; fail if the step returned instead."""
    value = results.get(key)
    assert isinstance(value, dict) and set(value) == {"error"}, (
        f"SDK step {key!r} was expected to raise, but returned {value!r}"
    )
    error: dict[str, Any] = value["error"]
    return error


# --------------------------------------------------------------------------- tests


def test_create_text_and_chat_prompts(sdk_results: dict[str, Any]) -> None:
    text = ok(sdk_results, "create_text")
    assert text["class"] == "TextPromptClient", text
    assert text["name"] == TEXT_NAME, f"folder name not kept: {text['name']!r}"
    assert text["version"] == 1, text
    assert text["labels"] == ["latest", "production"], f"labels of v1: {text['labels']}"
    assert text["tags"] == ["t1", "t2"], text
    assert text["config"] == TEXT_CONFIG, text
    assert text["commit_message"] == "first", text
    assert text["prompt"] == "Hello {{name}}", text
    assert text["is_fallback"] is False

    chat = ok(sdk_results, "create_chat")
    assert chat["class"] == "ChatPromptClient", chat
    assert chat["name"] == CHAT_NAME and chat["version"] == 1, chat
    assert chat["labels"] == ["latest", "production"], chat
    assert chat["tags"] == [], chat
    assert chat["config"] == {}, f"config should default to {{}}: {chat['config']!r}"
    # The SDK tags each entry with its kind; the placeholder survives the round trip.
    assert chat["prompt"] == [
        {"type": "message", "role": "system", "content": "You are {{persona}}"},
        {"type": "placeholder", "name": "history"},
        {"type": "message", "role": "user", "content": "{{question}}"},
    ], f"chat messages changed on the way through the server: {chat['prompt']}"


def test_get_prompt_by_default_label_latest_and_version(sdk_results: dict[str, Any]) -> None:
    default = ok(sdk_results, "get_text_default")
    assert default["class"] == "TextPromptClient"
    assert default["version"] == 1, f"default (production) fetch returned {default}"
    assert default["compiled"] == "Hello World", default
    assert default["config"] == TEXT_CONFIG

    latest = ok(sdk_results, "get_text_latest")
    assert latest["version"] == 1 and "latest" in latest["labels"], latest

    by_version = ok(sdk_results, "get_text_v1")
    assert by_version["version"] == 1, by_version
    assert by_version["compiled"] == "Hello v1", by_version


def test_chat_prompt_compiles_variables_and_placeholders(sdk_results: dict[str, Any]) -> None:
    chat = ok(sdk_results, "get_chat_latest")
    assert chat["class"] == "ChatPromptClient", chat
    assert chat["version"] == 1, chat
    # Placeholder messages are spliced in, and variables are filled in them too.
    assert chat["compiled"] == [
        {"role": "system", "content": "You are a pirate"},
        {"role": "user", "content": "Hi a pirate"},
        {"role": "assistant", "content": "Ahoy"},
        {"role": "user", "content": "Where is the treasure?"},
    ], f"compiled chat: {chat['compiled']}"

    # Without a value the placeholder is kept as-is in the compiled messages.
    unfilled = ok(sdk_results, "chat_unfilled_placeholder")
    assert unfilled == [
        {"role": "system", "content": "You are a pirate"},
        {"type": "placeholder", "name": "history"},
        {"role": "user", "content": "Q"},
    ], unfilled


def test_new_version_and_label_move_are_visible_at_once(sdk_results: dict[str, Any]) -> None:
    v2 = ok(sdk_results, "create_text_v2")
    assert v2["version"] == 2, v2
    assert v2["labels"] == ["latest"], f"v2 should only carry 'latest': {v2['labels']}"
    assert v2["tags"] == ["t1", "t2"], f"tags=None must keep the prompt's tags: {v2['tags']}"
    assert v2["config"] == {}, v2

    before = ok(sdk_results, "before_update_production")
    assert before["version"] == 1, f"production moved without update_prompt: {before}"
    assert before["labels"] == ["production"], f"'latest' should have left v1: {before}"
    before_latest = ok(sdk_results, "before_update_latest")
    assert before_latest["version"] == 2, before_latest

    updated = ok(sdk_results, "update_v2_production")
    assert updated["type"] == "text" and updated["version"] == 2, updated
    assert updated["name"] == TEXT_NAME, updated
    assert sorted(updated["labels"]) == ["latest", "production"], updated

    # The server had v1 cached for "production"; the update must not serve it stale.
    after = ok(sdk_results, "after_update_production")
    assert after["version"] == 2, f"stale production prompt after update_prompt: {after}"
    assert after["compiled"] == "Hi World!", after
    assert after["labels"] == ["latest", "production"], after

    old = ok(sdk_results, "after_update_v1")
    assert old["version"] == 1, old
    assert old["labels"] == [], f"'production' must move off v1 (labels are unique): {old}"


def test_missing_prompt_raises_or_returns_the_fallback(sdk_results: dict[str, Any]) -> None:
    error = raised(sdk_results, "missing_no_fallback")
    assert error["type"] == "NotFoundError", f"expected NotFoundError, got {error}"
    assert error["module"].startswith("langfuse.api"), error
    assert error["status"] == 404, error

    fallback = ok(sdk_results, "missing_text_fallback")
    assert fallback["is_fallback"] is True, fallback
    assert fallback["class"] == "TextPromptClient", fallback
    assert fallback["compiled"] == "fallback text", fallback
    assert fallback["version"] == 0 and fallback["name"] == "missing", fallback

    chat_fallback = ok(sdk_results, "missing_chat_fallback")
    assert chat_fallback["is_fallback"] is True, chat_fallback
    assert chat_fallback["class"] == "ChatPromptClient", chat_fallback
    assert chat_fallback["compiled"] == [{"role": "system", "content": "fallback chat"}], (
        chat_fallback
    )


def test_composed_prompts_are_served_inlined(sdk_results: dict[str, Any]) -> None:
    tone = ok(sdk_results, "create_tone")
    assert tone["version"] == 1 and "production" in tone["labels"], tone
    created = ok(sdk_results, "create_composed")
    assert created["version"] == 1, created
    assert TONE_TAG in created["prompt"], f"create stores the reference as written: {created}"

    composed = ok(sdk_results, "get_composed")
    assert composed["prompt"] == "Be friendly. Say hello to {{name}}.", (
        f"reference not inlined on get_prompt: {composed['prompt']!r}"
    )
    assert composed["compiled"] == "Be friendly. Say hello to Ann.", composed

    chat = ok(sdk_results, "get_composed_chat")
    assert chat["compiled"] == [{"role": "system", "content": "Be friendly. You are a bot."}], (
        f"reference not inlined in the chat message: {chat['compiled']}"
    )

    tone_v2 = ok(sdk_results, "create_tone_v2")
    assert tone_v2["version"] == 2, tone_v2
    changed = ok(sdk_results, "get_composed_after_child_change")
    assert changed["version"] == 1, changed
    assert changed["compiled"] == "Be terse. Say hello to Ann.", (
        f"the parent still inlines the old child after the child changed: {changed}"
    )


def test_another_project_cannot_see_the_prompts(
    sdk_results: dict[str, Any], prompts_server: SpyglassServer, first_keys: tuple[str, str]
) -> None:
    ok(sdk_results, "create_text")  # the prompt to hide exists
    server = prompts_server
    created = server.cli("projects", "create", "Prompts Other", "--id", "proj-prompts-other")
    assert created.stdout.split("\t")[0] == "proj-prompts-other", created.stdout
    issued = server.cli("keys", "create", "proj-prompts-other").stdout
    fields = dict(re.findall(r"^(public_key|secret_key)=(\S+)$", issued, re.MULTILINE))
    assert fields.keys() == {"public_key", "secret_key"}, issued
    other = (fields["public_key"], fields["secret_key"])

    def request(method: str, path: str, auth: tuple[str, str], **kwargs: Any) -> httpx.Response:
        return httpx.request(
            method,
            f"{server.base_url}/api/public/v2/prompts{path}",
            auth=auth,
            timeout=10,
            **kwargs,
        )

    encoded = "/" + quote(TEXT_NAME, safe="")
    mine = request("GET", encoded, first_keys)
    assert mine.status_code == 200, mine.text
    assert mine.json()["name"] == TEXT_NAME and mine.json()["version"] == 2, mine.json()

    for params in ({}, {"label": "latest"}, {"version": "1"}):
        hidden = request("GET", encoded, other, params=params)
        assert hidden.status_code == 404, (
            f"another project sees {TEXT_NAME!r} with {params}: {hidden.status_code} {hidden.text}"
        )
        assert hidden.headers["content-type"].startswith("application/json"), hidden.headers
        assert hidden.json().get("message"), hidden.text
    listed = request("GET", "", other)
    assert listed.status_code == 200, listed.text
    assert listed.json()["data"] == [], f"another project lists foreign prompts: {listed.json()}"
    relabel = request("PATCH", f"{encoded}/versions/1", other, json={"newLabels": ["production"]})
    assert relabel.status_code == 404, (
        f"cross-project relabel: {relabel.status_code} {relabel.text}"
    )

    # The same name in the other project is an independent prompt starting at version 1.
    own = request(
        "POST",
        "",
        other,
        json={"name": TEXT_NAME, "prompt": "Other {{x}}", "labels": ["production"]},
    )
    assert own.status_code in (200, 201), own.text
    assert own.json()["version"] == 1 and own.json()["tags"] == [], own.json()
    theirs = request("GET", encoded, other).json()
    assert (theirs["version"], theirs["prompt"]) == (1, "Other {{x}}"), theirs
    still_mine = request("GET", encoded, first_keys).json()
    assert (still_mine["version"], still_mine["prompt"]) == (2, "Hi {{name}}!"), still_mine
