"""A real ``spyglass serve``: the first start prints a sign-up link that claims the deployment."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.e2e.conftest import ServerFactory

pytestmark = pytest.mark.e2e

_LINK = re.compile(r"(http://\S+)/sign-up\?token=(\S+)")
PASSWORD = "correct horse battery staple"


def test_the_printed_sign_up_link_works_once(spyglass_server: ServerFactory) -> None:
    server = spyglass_server()
    assert server.printed_keys, server.log()  # printed next to the keys
    found = _LINK.search(server.log())
    assert found, server.log()
    assert found.group(1) == server.base_url
    token = found.group(2)
    with httpx.Client(base_url=server.base_url) as client:
        refused = client.post(
            "/api/internal/auth/sign-up", json={"email": "x@example.com", "password": PASSWORD}
        )
        assert refused.status_code == 403, refused.text
        claimed = client.post(
            "/api/internal/auth/sign-up",
            json={"email": "owner@example.com", "password": PASSWORD, "invitationToken": token},
        )
        assert claimed.status_code == 201, claimed.text
        assert claimed.json()["memberships"][0]["role"] == "OWNER"
        assert client.get("/api/internal/ingestion/status").status_code == 200
    server.restart()
    assert "/sign-up?token=" not in server.log()
    with httpx.Client(base_url=server.base_url) as client:
        again = client.post(
            "/api/internal/auth/sign-up",
            json={"email": "late@example.com", "password": PASSWORD, "invitationToken": token},
        )
        assert again.status_code == 403
