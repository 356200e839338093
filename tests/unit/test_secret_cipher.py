"""AES-GCM encryption of stored secrets, the key setting, and the upsert checks."""

from __future__ import annotations

import base64
import os

import pytest

import spyglass_evals
from spyglass_core.domain.errors import InvalidInput
from spyglass_core.hookspecs import PluginConfig
from spyglass_evals.crypto import SecretCipher, SecretUnreadable, parse_key
from spyglass_evals.options import evals_options
from spyglass_evals.services.llm_connections import (
    LlmConnectionChanges,
    _checked,
    mask_secret,
)

KEY = bytes(range(32))
SECRET = "sk-live-0123456789abcdef"


def test_round_trip_with_a_fresh_nonce_each_time() -> None:
    cipher = SecretCipher(KEY)
    first = cipher.encrypt(SECRET, "prj/secret")
    second = cipher.encrypt(SECRET, "prj/secret")
    assert first.startswith("v1:") and first != second
    assert SECRET not in first
    assert cipher.decrypt(first, "prj/secret") == SECRET == cipher.decrypt(second, "prj/secret")


def test_tampering_another_key_or_another_context_fail_without_the_secret() -> None:
    cipher = SecretCipher(KEY)
    stored = cipher.encrypt(SECRET, "prj/secret")
    raw = bytearray(base64.b64decode(stored[3:]))
    raw[-1] ^= 1
    tampered = "v1:" + base64.b64encode(bytes(raw)).decode()
    failures = [
        lambda: cipher.decrypt(tampered, "prj/secret"),
        lambda: SecretCipher(os.urandom(32)).decrypt(stored, "prj/secret"),
        lambda: cipher.decrypt(stored, "other-prj/secret"),
        lambda: cipher.decrypt("v1:not base64!", "prj/secret"),
        lambda: cipher.decrypt("v1:AAAA", "prj/secret"),
        lambda: cipher.decrypt(SECRET, "prj/secret"),
    ]
    for failure in failures:
        with pytest.raises(SecretUnreadable) as caught:
            failure()
        assert SECRET not in str(caught.value) and stored not in str(caught.value)


def test_keys_are_hex_or_base64_of_32_bytes() -> None:
    assert parse_key(KEY.hex()) == KEY
    assert parse_key(base64.b64encode(KEY).decode()) == KEY
    assert parse_key(base64.urlsafe_b64encode(KEY).decode().rstrip("=")) == KEY
    for bad in ("", "abc", KEY.hex()[:-2], base64.b64encode(KEY[:16]).decode()):
        with pytest.raises(ValueError):
            parse_key(bad)


def test_a_bad_key_setting_stops_start_up_naming_the_variable_not_the_value() -> None:
    bad = "not-a-valid-key-but-maybe-a-secret"
    config = PluginConfig(sections={"evals": {"encryption_key": bad}})
    with pytest.raises(InvalidInput) as caught:
        spyglass_evals.register_providers(config)
    assert "SPYGLASS_PLUGIN_EVALS_ENCRYPTION_KEY" in str(caught.value)
    assert bad not in str(caught.value)
    good = PluginConfig(sections={"evals": {"encryption_key": KEY.hex()}})
    assert evals_options(good).encryption_key == KEY
    assert evals_options(PluginConfig()).encryption_key is None


def test_masking_shows_at_most_the_last_four_characters() -> None:
    assert mask_secret(SECRET) == "...cdef"
    assert mask_secret("short-key") == "..."


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"adapter": "azure"}, "adapter must be one of: openai, anthropic"),
        ({"secret_key": "  "}, "secretKey must not be empty"),
        ({"secret_key": "x" * 4097}, "secretKey must be at most"),
        ({"provider": ""}, "provider must not be empty"),
        ({"provider": "p" * 256}, "provider must be at most"),
        ({"base_url": "ftp://host/v1"}, "baseURL must be an http"),
        ({"base_url": "https://"}, "baseURL must be an http"),
        ({"base_url": "http://[::1"}, "baseURL must be an http"),
        ({"base_url": "https://host /v1"}, "baseURL must be an http"),
        ({"base_url": "https://h/" + "a" * 2048}, "baseURL must be at most"),
        ({"custom_models": [""]}, "customModels entries"),
        ({"extra_headers": {"bad name": "v"}}, "extraHeaders names"),
        ({"extra_headers": {"X-Key": "a\r\nInjected: 1"}}, "extraHeaders value of 'X-Key'"),
        ({"config": {"region": "eu"}}, "config of the openai adapter"),
        ({"adapter": "anthropic", "config": {"useResponsesApi": True}}, "config is not used"),
    ],
)
def test_upsert_checks(fields: dict[str, object], message: str) -> None:
    values: dict[str, object] = {"provider": "openai", "adapter": "openai", "secret_key": SECRET}
    with pytest.raises(InvalidInput) as caught:
        _checked(LlmConnectionChanges(**(values | fields)))  # type: ignore[arg-type]
    assert message in str(caught.value)
    assert SECRET not in str(caught.value) and "Injected" not in str(caught.value)


def test_runner_settings_are_bounded_and_named() -> None:
    options = evals_options(
        PluginConfig(sections={"evals": {"concurrency": "8", "lease_seconds": "2.5"}})
    )
    assert (options.concurrency, options.lease_seconds, options.poll_seconds) == (8, 2.5, 1.0)
    for name, value in (("concurrency", "0"), ("poll_seconds", "x"), ("lease_seconds", "1e9")):
        with pytest.raises(InvalidInput) as caught:
            evals_options(PluginConfig(sections={"evals": {name: value}}))
        assert f"SPYGLASS_PLUGIN_EVALS_{name.upper()}" in str(caught.value)
