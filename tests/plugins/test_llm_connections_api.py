"""LLM connections over HTTP on a real embedded container (SQLite), with API keys.

The API key given to a connection must never come back: not in a response, not in the
logs, not in clear in the database.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import spyglass_evals
from spyglass_core.domain.api_keys import KeyPair
from spyglass_core.hookspecs import PluginConfig
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_evals.crypto import SecretCipher, SecretUnreadable
from spyglass_evals.provider import ENCRYPTION_KEY_SECRET
from spyglass_evals.services.llm_connections import LlmConnectionService
from tests.plugins.conftest import EmbeddedApp, embedded_app, embedded_settings

URL = "/api/public/llm-connections"
SECRET = "sk-test-supersecret-7f3a9c"
HEADER_SECRET = "header-token-5e1d2b"
KEY_HEX = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"


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
    assert SECRET not in response.text and HEADER_SECRET not in response.text
    return response.json()


def body(**fields: Any) -> dict[str, Any]:
    return {"provider": "openai", "adapter": "openai", "secretKey": SECRET} | fields


async def test_upsert_list_and_delete_in_langfuse_shapes_never_showing_secrets(
    app: EmbeddedApp, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    created = await call(
        app,
        "PUT",
        URL,
        json=body(
            baseURL="https://gateway.example/v1",
            customModels=["my-model"],
            withDefaultModels=False,
            extraHeaders={"X-Gateway-Token": HEADER_SECRET},
            config={"useResponsesApi": True},
        ),
    )
    assert created["displaySecretKey"] == "..." + SECRET[-4:]
    assert created["baseURL"] == "https://gateway.example/v1"
    assert created["customModels"] == ["my-model"]
    assert created["withDefaultModels"] is False
    assert created["extraHeaderKeys"] == ["X-Gateway-Token"]
    assert created["config"] == {"useResponsesApi": True}
    assert {"id", "provider", "adapter", "createdAt", "updatedAt"} <= set(created)

    # Upsert by provider: same id, replaced fields, defaults for what is left out.
    updated = await call(app, "PUT", URL, json=body(adapter="anthropic", secretKey=SECRET + "2"))
    assert updated["id"] == created["id"] and updated["createdAt"] == created["createdAt"]
    assert (updated["adapter"], updated["baseURL"], updated["config"]) == ("anthropic", None, None)
    assert (updated["withDefaultModels"], updated["extraHeaderKeys"]) == (True, [])
    assert updated["displaySecretKey"] == "..." + (SECRET + "2")[-4:]
    await call(
        app, "PUT", URL, json=body(provider="gw", extraHeaders={"X-Gateway-Token": HEADER_SECRET})
    )

    listed = await call(app, "GET", URL, params={"limit": 1})
    assert listed["meta"] == {"page": 1, "limit": 1, "totalItems": 2, "totalPages": 2}
    assert [c["provider"] for c in listed["data"]] == ["gw"]

    # In the database only ciphertext, which the service decrypts back.
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'spyglass.db'}")
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM llm_connections")).mappings().all()
    engine.dispose()
    assert len(rows) == 2
    assert all(SECRET not in str(dict(r)) and HEADER_SECRET not in str(dict(r)) for r in rows)
    service = await app.container.get(LlmConnectionService)
    connection, secret, headers = await service.decrypted(app.project.id, "gw")
    assert (connection.provider, secret, headers) == (
        "gw",
        SECRET,
        {"X-Gateway-Token": HEADER_SECRET},
    )
    with pytest.raises(SecretUnreadable):
        SecretCipher(bytes(32)).decrypt(connection.secret_ciphertext, "x")

    assert await call(app, "DELETE", f"{URL}/{created['id']}") == {
        "message": "LLM connection deleted"
    }
    await call(app, "DELETE", f"{URL}/{created['id']}", 404)
    assert [c["provider"] for c in (await call(app, "GET", URL))["data"]] == ["gw"]
    assert SECRET not in caplog.text and HEADER_SECRET not in caplog.text


async def test_another_projects_connections_are_invisible(app: EmbeddedApp) -> None:
    mine = await call(app, "PUT", URL, json=body())
    admin = await app.admin()
    other_project = await admin.create_project("Other")
    _, other = await admin.create_api_key(other_project.id)
    assert (await call(app, "GET", URL, keys=other))["data"] == []
    await call(app, "DELETE", f"{URL}/{mine['id']}", 404, keys=other)
    # The same provider name is free in another project.
    theirs = await call(app, "PUT", URL, keys=other, json=body())
    assert theirs["id"] != mine["id"]
    assert len((await call(app, "GET", URL))["data"]) == 1


async def test_invalid_upserts_answer_400_without_echoing_secrets(
    app: EmbeddedApp, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for fields, message in [
        ({"adapter": "bedrock"}, "adapter must be one of"),
        ({"secretKey": ""}, "secretKey must not be empty"),
        ({"baseURL": "file:///etc/passwd"}, "baseURL must be an http"),
        ({"provider": "p" * 300}, "provider must be at most"),
        ({"extraHeaders": {"X-A": HEADER_SECRET + "\n"}}, "extraHeaders value of 'X-A'"),
    ]:
        error = await call(app, "PUT", URL, 400, json=body(**fields))
        assert message in str(error)
    await call(app, "PUT", URL, 400, json={"provider": "openai", "adapter": "openai"})
    assert (await call(app, "GET", URL))["data"] == []
    assert SECRET not in caplog.text and HEADER_SECRET not in caplog.text


async def test_without_a_key_setting_the_deployment_key_is_created_once_and_kept(
    tmp_path: Path, chdb_dsn: str
) -> None:
    settings = embedded_settings(tmp_path, chdb_dsn)
    async with embedded_app(settings, [spyglass_evals]) as running:
        await call(running, "PUT", URL, json=body())
        service = await running.container.get(LlmConnectionService)
        assert (await service.decrypted(running.project.id, "openai"))[1] == SECRET
        uow = await running.container.get(UnitOfWorkFactory)
        async with uow() as unit:
            stored = await unit.instance_secrets.get(ENCRYPTION_KEY_SECRET)
    assert stored is not None and len(stored) == 64
