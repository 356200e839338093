"""Settings are parsed once from SPYGLASS_* variables, with a clear error for a bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from spyglass.settings import SettingsError, load_settings


def test_defaults_are_embedded_under_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings({"SPYGLASS_DATA_DIR": str(tmp_path)})
    assert settings.port == 3000
    assert settings.embedded
    assert settings.migrate_on_start
    assert settings.sql_url == f"sqlite+aiosqlite:///{tmp_path}/spyglass.db"
    assert settings.clickhouse_dsn == f"chdb://{tmp_path}/chdb"
    assert settings.blob_store_url == f"file://{tmp_path}/blobs"


def test_typed_values_are_converted() -> None:
    settings = load_settings(
        {
            "SPYGLASS_PORT": "8080",
            "SPYGLASS_TRACE_PLUGINS": "yes",
            "SPYGLASS_DISABLE_PLUGINS": "spyglass_prompts, spyglass_evals,",
            "SPYGLASS_AUTH_CACHE_TTL_SECONDS": "2.5",
            "SPYGLASS_DATABASE_URL": "postgresql+asyncpg://u@h/db",
            "UNRELATED": "x",
        }
    )
    assert settings.port == 8080
    assert settings.trace_plugins is True
    assert settings.disable_plugins == ("spyglass_prompts", "spyglass_evals")
    assert settings.auth_cache_ttl_seconds == 2.5
    assert not settings.embedded
    assert not settings.migrate_on_start


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SPYGLASS_PORT", "eighty"),
        ("SPYGLASS_TRACE_PLUGINS", "maybe"),
        ("SPYGLASS_AUTO_MIGRATE", "2"),
    ],
)
def test_a_bad_value_names_the_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match=variable) as caught:
        load_settings({variable: value})
    assert repr(value) in str(caught.value)


def test_plugin_sections_come_from_prefixed_variables() -> None:
    settings = load_settings({"SPYGLASS_PLUGIN_PROMPTS_CACHE_TTL": "30"})
    assert settings.plugin_config.for_plugin("prompts") == {"cache_ttl": "30"}
    assert settings.plugin_config.for_plugin("other") == {}


def test_the_deployment_encryption_key_reaches_plugins_and_theirs_takes_precedence() -> None:
    from spyglass_evals.options import evals_options

    key, own = "11" * 32, "22" * 32
    shared = load_settings({"SPYGLASS_ENCRYPTION_KEY": key}).plugin_config
    assert evals_options(shared).encryption_key == bytes.fromhex(key)
    both = load_settings(
        {"SPYGLASS_ENCRYPTION_KEY": key, "SPYGLASS_PLUGIN_EVALS_ENCRYPTION_KEY": own}
    ).plugin_config
    assert evals_options(both).encryption_key == bytes.fromhex(own)


def test_chdb_settings_are_read_checked_and_normalised() -> None:
    settings = load_settings(
        {"SPYGLASS_CHDB_MARK_CACHE_SIZE": "32MiB", "SPYGLASS_CHDB_BACKGROUND_POOL_SIZE": "1"}
    )
    assert settings.chdb_settings == (
        ("background_pool_size", "1"),
        ("mark_cache_size", str(32 * 1024 * 1024)),
    )
    assert load_settings({}).chdb_settings == ()


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("SPYGLASS_CHDB_MARK_CACHE_SIZE", "lots", "size in bytes"),
        ("SPYGLASS_CHDB_MAX_SERVER_MEMORY_USAGE_TO_RAM_RATIO", "1.5", "(0, 1]"),
        ("SPYGLASS_CHDB_BACKGROUND_POOL_SIZE", "0", "whole number from 1"),
        ("SPYGLASS_CHDB_MARK_CACHE", "1", "unknown chDB setting 'mark_cache'"),
    ],
)
def test_a_bad_chdb_setting_is_refused_naming_the_variable(
    variable: str, value: str, says: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({variable: value})
    assert variable in str(raised.value)
    assert says in str(raised.value)
