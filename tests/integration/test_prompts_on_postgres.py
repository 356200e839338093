"""The prompts API on PostgreSQL, where concurrent creates really race on the version key."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

import spyglass_prompts
from tests.plugins.conftest import embedded_app, embedded_settings

V2 = "/api/public/v2/prompts"


@pytest.mark.postgres
async def test_concurrent_creates_on_postgres_get_versions_1_to_20(
    tmp_path: Path, chdb_dsn: str, postgres_database: Callable[[], Awaitable[str]]
) -> None:
    settings = embedded_settings(tmp_path, chdb_dsn, database_url=await postgres_database())
    async with embedded_app(settings, [spyglass_prompts]) as app:

        async def create(index: int) -> int:
            response = await app.client.post(
                V2, json={"name": "race", "prompt": f"p{index}"}, auth=app.auth()
            )
            assert response.status_code == 201, response.text
            return int(response.json()["version"])

        versions = await asyncio.gather(*(create(i) for i in range(20)))
        assert sorted(versions) == list(range(1, 21))
        listed = await app.client.get(V2, params={"name": "race"}, auth=app.auth())
        assert listed.json()["data"][0]["versions"] == list(range(1, 21))
        latest = await app.client.get(f"{V2}/race", params={"label": "latest"}, auth=app.auth())
        assert latest.json()["version"] == 20
        assert latest.json()["labels"] == ["latest"]
