"""Authentication end to end: printed keys, bootstrap, isolation, revocation and health.

Each SDK call runs in its own process in the Langfuse v5 venv, because the SDK keeps a
per-public-key singleton (one key per process).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import httpx
import pytest

from .conftest import ServerFactory, SpyglassServer, run_sdk

pytestmark = pytest.mark.e2e

AUTH_CHECK = """
from langfuse import Langfuse
print(Langfuse().auth_check())
"""

# Wrong credentials through the SDK: a wrong secret via ``Langfuse().auth_check()`` and a
# wrong public key via the raw generated client (no singleton involved).
WRONG_KEYS = """
import json, os
from langfuse import Langfuse
from langfuse.api import LangfuseAPI, UnauthorizedError

def attempt(call):
    try:
        outcome = call()
    except Exception as error:
        return {
            "raised": type(error).__module__ + "." + type(error).__name__,
            "unauthorized": isinstance(error, UnauthorizedError),
            "status": getattr(error, "status_code", None),
            "body": getattr(error, "body", None),
        }
    return {"returned": repr(outcome)}

base_url = os.environ["LANGFUSE_BASE_URL"]
public_key = os.environ["LANGFUSE_PUBLIC_KEY"]
secret_key = os.environ["LANGFUSE_SECRET_KEY"]
wrong_secret = attempt(
    lambda: Langfuse(
        public_key=public_key, secret_key="sk-lf-not-the-secret", base_url=base_url
    ).auth_check()
)
raw = LangfuseAPI(base_url=base_url, username="pk-lf-not-the-public-key", password=secret_key)
wrong_public = attempt(lambda: raw.projects.get())
print(json.dumps({"wrong_secret": wrong_secret, "wrong_public": wrong_public}))
"""

PROJECT_ID = """
from langfuse import Langfuse
client = Langfuse()
assert client.auth_check()
print(client.api.projects.get().data[0].id)
"""


def sdk_ok(python: Path, server: SpyglassServer, public_key: str, secret_key: str) -> str:
    """Run ``auth_check()`` in a fresh SDK process; return its stripped stdout."""
    done = run_sdk(python, AUTH_CHECK, server.sdk_env(public_key, secret_key))
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}\n--- server log\n{server.log()}"
    return done.stdout.strip()


def get_projects(server: SpyglassServer, public_key: str, secret_key: str) -> httpx.Response:
    return httpx.get(
        f"{server.base_url}/api/public/projects", auth=(public_key, secret_key), timeout=10
    )


def project_lines(server: SpyglassServer) -> list[list[str]]:
    out = server.cli("projects", "list").stdout
    return [line.split("\t") for line in out.splitlines() if line.strip()]


def test_first_start_prints_keys_that_the_sdk_accepts(
    langfuse_python: Path, fresh_server: SpyglassServer
) -> None:
    server = fresh_server
    keys = server.printed_keys
    assert keys is not None, f"no keys printed on first start:\n{server.log()}"
    public_key, secret_key = keys["LANGFUSE_PUBLIC_KEY"], keys["LANGFUSE_SECRET_KEY"]
    assert public_key.startswith("pk-lf-") and len(public_key) > len("pk-lf-")
    assert secret_key.startswith("sk-lf-") and len(secret_key) > len("sk-lf-")
    assert keys["LANGFUSE_BASE_URL"] == server.base_url
    log = server.log()
    assert log.count("LANGFUSE_SECRET_KEY=") == 1
    assert log.index("LANGFUSE_SECRET_KEY=") < log.index(f"Spyglass listening on {server.base_url}")

    assert sdk_ok(langfuse_python, server, public_key, secret_key) == "True"

    done = run_sdk(langfuse_python, WRONG_KEYS, server.sdk_env(public_key, secret_key))
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    result = json.loads(done.stdout.strip().splitlines()[-1])
    for case in ("wrong_secret", "wrong_public"):
        outcome = result[case]
        assert outcome.get("raised", "").endswith(".UnauthorizedError"), (case, outcome)
        assert outcome["unauthorized"] is True, (case, outcome)
        assert outcome["status"] == 401, (case, outcome)
        assert isinstance(outcome["body"], dict) and outcome["body"].get("message"), outcome

    # Raw HTTP agrees: a JSON 401 for the wrong secret, and for no credentials at all.
    wrong = get_projects(server, public_key, "sk-lf-not-the-secret")
    assert wrong.status_code == 401
    assert wrong.headers["content-type"].startswith("application/json")
    assert wrong.json()["message"]
    anonymous = httpx.get(f"{server.base_url}/api/public/projects", timeout=10)
    assert anonymous.status_code == 401
    assert anonymous.json()["message"]


def test_restart_prints_no_new_keys_and_old_keys_keep_working(
    langfuse_python: Path, spyglass_server: ServerFactory
) -> None:
    server = spyglass_server()
    keys = server.printed_keys
    assert keys is not None
    first_project = get_projects(
        server, keys["LANGFUSE_PUBLIC_KEY"], keys["LANGFUSE_SECRET_KEY"]
    ).json()["data"]

    server.restart()
    assert server.printed_keys is None, f"keys printed again on restart:\n{server.log()}"
    assert "LANGFUSE_SECRET_KEY" not in server.log()
    assert "Spyglass listening on" in server.log()

    public_key, secret_key = keys["LANGFUSE_PUBLIC_KEY"], keys["LANGFUSE_SECRET_KEY"]
    assert sdk_ok(langfuse_python, server, public_key, secret_key) == "True"
    again = get_projects(server, keys["LANGFUSE_PUBLIC_KEY"], keys["LANGFUSE_SECRET_KEY"])
    assert again.status_code == 200
    assert again.json()["data"] == first_project
    assert len(project_lines(server)) == 1


def test_bootstrap_from_init_variables_is_idempotent(
    langfuse_python: Path, spyglass_server: ServerFactory
) -> None:
    public_key = "pk-lf-e2e-bootstrap-public"
    secret_key = "sk-lf-e2e-bootstrap-secret-0123456789"
    init = {
        "SPYGLASS_INIT_ORG_ID": "org-e2e",
        "SPYGLASS_INIT_ORG_NAME": "E2E Org",
        "SPYGLASS_INIT_PROJECT_ID": "proj-e2e",
        "SPYGLASS_INIT_PROJECT_NAME": "E2E Project",
        "SPYGLASS_INIT_PROJECT_PUBLIC_KEY": public_key,
        "SPYGLASS_INIT_PROJECT_SECRET_KEY": secret_key,
    }
    server = spyglass_server(init)
    assert server.printed_keys is None, "chosen keys must not be printed"
    assert sdk_ok(langfuse_python, server, public_key, secret_key) == "True"
    expected = {
        "id": "proj-e2e",
        "name": "E2E Project",
        "organization": {"id": "org-e2e", "name": "E2E Org"},
        "metadata": {},
    }
    assert get_projects(server, public_key, secret_key).json() == {"data": [expected]}

    server.restart()
    assert server.printed_keys is None
    assert sdk_ok(langfuse_python, server, public_key, secret_key) == "True"
    assert get_projects(server, public_key, secret_key).json() == {"data": [expected]}

    assert project_lines(server) == [["proj-e2e", "E2E Project", "E2E Org"]]
    keys = server.cli("keys", "list", "proj-e2e").stdout.splitlines()
    assert len(keys) == 1 and keys[0].split("\t")[1] == public_key, keys
    assert secret_key not in "\n".join(keys)


def test_projects_are_isolated_and_revoked_keys_stop_working(
    langfuse_python: Path, spyglass_server: ServerFactory
) -> None:
    server = spyglass_server({"SPYGLASS_AUTH_CACHE_TTL_SECONDS": "0.5"})
    assert server.printed_keys is not None
    first_pk = server.printed_keys["LANGFUSE_PUBLIC_KEY"]
    first_sk = server.printed_keys["LANGFUSE_SECRET_KEY"]
    first = get_projects(server, first_pk, first_sk)
    assert first.status_code == 200
    [first_project] = first.json()["data"]

    created = server.cli("projects", "create", "Second Project", "--id", "proj-second").stdout
    assert created.split("\t")[0] == "proj-second", created
    issued = server.cli("keys", "create", "proj-second").stdout
    fields = dict(re.findall(r"^(id|public_key|secret_key)=(\S+)$", issued, re.MULTILINE))
    assert fields.keys() == {"id", "public_key", "secret_key"}, issued
    second_pk, second_sk = fields["public_key"], fields["secret_key"]

    # Each key sees exactly its own project.
    second = get_projects(server, second_pk, second_sk)
    assert second.status_code == 200
    [second_project] = second.json()["data"]
    assert second_project["id"] == "proj-second"
    assert second_project["name"] == "Second Project"
    assert first_project["id"] != "proj-second"
    assert [p["id"] for p in get_projects(server, first_pk, first_sk).json()["data"]] == [
        first_project["id"]
    ]
    # A CLI-issued key works with the SDK, and it sees its own project.
    done = run_sdk(langfuse_python, PROJECT_ID, server.sdk_env(second_pk, second_sk))
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    assert done.stdout.strip() == "proj-second"
    # Mixing one project's public key with another's secret is not a valid pair.
    assert get_projects(server, first_pk, second_sk).status_code == 401
    assert get_projects(server, second_pk, first_sk).status_code == 401

    # Revoke the second key (it was just used, so the server has it cached).
    revoked = server.cli("keys", "revoke", second_pk).stdout
    assert second_pk in revoked
    deadline = time.monotonic() + 6.0
    status = get_projects(server, second_pk, second_sk).status_code
    while status != 401 and time.monotonic() < deadline:
        time.sleep(0.2)
        status = get_projects(server, second_pk, second_sk).status_code
    assert status == 401, "a revoked key still authenticates after the cache TTL"
    rejected = get_projects(server, second_pk, second_sk)
    assert rejected.status_code == 401 and rejected.json()["message"]
    assert server.cli("keys", "list", "proj-second").stdout.strip() == ""

    # The other project's key is untouched.
    still = get_projects(server, first_pk, first_sk)
    assert still.status_code == 200
    assert still.json()["data"][0]["id"] == first_project["id"]


def test_health_needs_no_auth(fresh_server: SpyglassServer) -> None:
    url = f"{fresh_server.base_url}/api/public/health"

    plain = httpx.get(url, timeout=10)
    assert plain.status_code == 200
    body = plain.json()
    assert body["status"] == "OK"
    assert isinstance(body["version"], str) and body["version"]

    checked = httpx.get(url, params={"failIfDatabaseUnavailable": "true"}, timeout=10)
    assert checked.status_code == 200
    assert checked.json()["status"] == "OK"

    # Credentials are irrelevant to health, even bad ones.
    with_bad_auth = httpx.get(url, auth=("pk-lf-nope", "sk-lf-nope"), timeout=10)
    assert with_bad_auth.status_code == 200
    assert with_bad_auth.json()["status"] == "OK"
