"""The out-of-tree example plugin, installed into a deployment as a third party would.

A deployment environment is a virtualenv layered on the project's (a ``.pth`` adds its
site-packages), so installing ``examples/spyglass-notes`` there with a real installer
changes nothing for the other tests. The server runs with that environment's Python.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import (
    REPO_ROOT,
    ServerFactory,
    SpyglassServer,
    run_uv,
    spyglass_command,
)

pytestmark = pytest.mark.e2e

EXAMPLE = REPO_ROOT / "examples" / "spyglass-notes"
OPERATOR = {"email": "ops@example.com", "password": "correct horse battery staple"}


def _post_note(
    server: SpyglassServer, note_id: str, text: str, keys: dict[str, str]
) -> httpx.Response:
    auth = (keys["LANGFUSE_PUBLIC_KEY"], keys["LANGFUSE_SECRET_KEY"])
    return httpx.post(
        f"{server.base_url}/api/public/notes", json={"id": note_id, "text": text}, auth=auth
    )


def _get_note(server: SpyglassServer, note_id: str, keys: dict[str, str]) -> httpx.Response:
    auth = (keys["LANGFUSE_PUBLIC_KEY"], keys["LANGFUSE_SECRET_KEY"])
    return httpx.get(f"{server.base_url}/api/public/notes/{note_id}", auth=auth)


def _plugin_names(server: SpyglassServer) -> set[str]:
    # The internal API takes a session, not an API key: sign in as the bootstrap user.
    with httpx.Client(base_url=server.base_url) as client:
        signed_in = client.post("/api/internal/auth/sign-in", json=OPERATOR)
        assert signed_in.status_code == 200, signed_in.text
        response = client.get("/api/internal/plugins")
    assert response.status_code == 200, response.text
    return {plugin["name"] for plugin in response.json()}


def test_install_restart_use_restart_uninstall(
    deployment_python: Path, spyglass_server: ServerFactory
) -> None:
    server = spyglass_server(
        {
            "SPYGLASS_INIT_USER_EMAIL": OPERATOR["email"],
            "SPYGLASS_INIT_USER_PASSWORD": OPERATOR["password"],
        },
        command=spyglass_command(deployment_python),
    )
    keys = dict(server.printed_keys or {})
    assert keys, server.log()
    assert _post_note(server, "n1", "hello", keys).status_code in (404, 405)
    assert "notes" not in _plugin_names(server)

    run_uv("pip", "install", "--python", str(deployment_python), "--no-deps", str(EXAMPLE))
    server.restart()
    assert "notes" in _plugin_names(server)
    created = _post_note(server, "n1", "hello", keys)
    assert created.status_code == 201, created.text
    assert created.json()["text"] == "hello"
    assert _get_note(server, "missing", keys).status_code == 404

    server.restart()
    kept = _get_note(server, "n1", keys)
    assert kept.status_code == 200, kept.text
    assert kept.json()["text"] == "hello"

    run_uv("pip", "uninstall", "--python", str(deployment_python), "spyglass-notes")
    server.restart()  # starts (health answers) with the plugin's table and records left
    assert "notes" not in _plugin_names(server)
    assert _post_note(server, "n2", "gone", keys).status_code in (404, 405)


def test_the_example_passes_its_own_contract_suite(deployment_python: Path) -> None:
    run_uv("pip", "install", "--python", str(deployment_python), "--no-deps", str(EXAMPLE))
    done = subprocess.run(
        [str(deployment_python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        capture_output=True,
        text=True,
        cwd=EXAMPLE,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "14 passed" in done.stdout, done.stdout
