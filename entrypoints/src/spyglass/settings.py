"""Settings: every ``SPYGLASS_*`` environment variable, parsed once into a typed object."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import msgspec

from spyglass_core.hookspecs import PluginConfig

__all__ = ("ENV_PREFIX", "Settings", "SettingsError", "load_settings")

ENV_PREFIX = "SPYGLASS_"
_PLUGIN_PREFIX = f"{ENV_PREFIX}PLUGIN_"
_CHDB_PREFIX = f"{ENV_PREFIX}CHDB_"


class SettingsError(ValueError):
    """An environment variable holds a value Spyglass cannot use."""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Process configuration. Each field ``x`` is read from ``SPYGLASS_X``.

    Empty storage URLs mean the embedded defaults under ``data_dir``: a SQLite file,
    a chDB directory and a local blob directory.
    """

    data_dir: str = "~/.spyglass"
    host: str = "127.0.0.1"
    port: int = 3000
    database_url: str = ""
    analytics_url: str = ""
    analytics_database: str = "spyglass"
    blob_url: str = ""
    queue_url: str = ""
    cache_url: str = ""
    auto_migrate: bool | None = None
    salt: str = ""
    auth_cache_ttl_seconds: float = 60.0
    disable_plugins: tuple[str, ...] = ()
    trace_plugins: bool = False
    log_level: str = "info"
    init_org_id: str = ""
    init_org_name: str = ""
    init_project_id: str = ""
    init_project_name: str = ""
    init_project_public_key: str = ""
    init_project_secret_key: str = ""
    init_user_email: str = ""
    init_user_password: str = ""
    open_signup: bool = False
    secure_cookies: bool | None = None
    session_idle_timeout_seconds: float = 12 * 3600.0
    session_max_age_seconds: float = 7 * 24 * 3600.0
    login_max_failures: int = 10
    login_window_seconds: float = 900.0
    public_url: str = ""
    malloc_arenas: int = 2
    malloc_trim_quiet_seconds: Annotated[int, msgspec.Meta(ge=0)] = 3
    """Seconds of quiet after work before ``serve``/``worker`` hand the C heap's free pages
    back to the system (``spyglass.malloc.trim_free_memory``); 0 never does."""
    release_engine_code_quiet_seconds: Annotated[int, msgspec.Meta(ge=0)] = 60
    """Seconds of quiet after work before the embedded engine's code pages that have run
    are released from memory (mapped back from the page cache when run again); 0 never."""
    plugin_config: PluginConfig = PluginConfig()
    chdb_settings: tuple[tuple[str, str], ...] = ()
    """Embedded chDB server settings from ``SPYGLASS_CHDB_<SETTING>`` (checked, lower case)."""

    @property
    def resolved_data_dir(self) -> Path:
        """``data_dir`` with ``~`` expanded, absolute."""
        return Path(self.data_dir).expanduser().resolve()

    @property
    def sql_url(self) -> str:
        """The SQLAlchemy URL, defaulting to a SQLite file in the data directory."""
        return self.database_url or f"sqlite+aiosqlite:///{self.resolved_data_dir / 'spyglass.db'}"

    @property
    def clickhouse_dsn(self) -> str:
        """The clickhouse-connect DSN, defaulting to embedded chDB in the data directory."""
        return self.analytics_url or f"chdb://{self.resolved_data_dir / 'chdb'}"

    @property
    def blob_store_url(self) -> str:
        """The blob store URL, defaulting to a local directory in the data directory."""
        return self.blob_url or f"file://{self.resolved_data_dir / 'blobs'}"

    @property
    def embedded(self) -> bool:
        """True when the transactional store is the embedded SQLite file."""
        return self.sql_url.startswith("sqlite")

    @property
    def migrate_on_start(self) -> bool:
        """Apply migrations at ``serve``: by default only in embedded mode."""
        return self.embedded if self.auto_migrate is None else self.auto_migrate


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Parse ``SPYGLASS_*`` variables (``os.environ`` by default).

    Raises:
        SettingsError: a value has the wrong type, naming the variable and the value.
    """
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for field in msgspec.structs.fields(Settings):
        raw = env.get(ENV_PREFIX + field.name.upper())
        if raw is None or field.name in ("plugin_config", "chdb_settings"):
            continue
        values[field.name] = _parse(field.name, field.type, raw)
    values["plugin_config"] = _plugin_config(env)
    values["chdb_settings"] = _chdb_settings(env)
    return Settings(**values)


def _chdb_settings(env: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """``SPYGLASS_CHDB_<SETTING>`` variables, each checked (sizes normalised to bytes)."""
    given = {
        key[len(_CHDB_PREFIX) :].lower(): value
        for key, value in env.items()
        if key.startswith(_CHDB_PREFIX)
    }
    if not given:
        return ()
    # Imported only when set: it brings clickhouse-connect, which most commands never need.
    from spyglass_adapters.clickhouse.embedded import server_settings

    checked: list[tuple[str, str]] = []
    for name, value in sorted(given.items()):
        try:
            checked.append((name, server_settings({name: value})[name]))
        except ValueError as error:
            raise SettingsError(
                f"{_CHDB_PREFIX}{name.upper()}={value!r} is invalid: {error}"
            ) from None
    return tuple(checked)


def legacy_salt(settings: Settings) -> str | None:
    """The salt earlier releases kept in ``<data_dir>/salt``, if this directory has one.

    The salt now lives in the transactional store (see ``spyglass.runtime.resolve_salt``);
    a file from before is adopted once so existing keys keep working.
    """
    path = settings.resolved_data_dir / "salt"
    return path.read_text().strip() or None if path.is_file() else None


def _parse(name: str, annotation: Any, raw: str) -> Any:
    variable = ENV_PREFIX + name.upper()
    if name == "disable_plugins":
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if annotation in (bool, bool | None):
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        if lowered == "" and annotation == bool | None:
            return None
        raise SettingsError(f"{variable} must be true or false, not {raw!r}")
    try:
        return msgspec.convert(raw, annotation, strict=False)
    except msgspec.ValidationError as error:
        raise SettingsError(f"{variable}={raw!r} is invalid: {error}") from None


ENCRYPTION_KEY_VARIABLE = "SPYGLASS_ENCRYPTION_KEY"
DEPLOYMENT_SECTION = "deployment"
"""The plugin-config section holding deployment-wide values (``encryption_key``)."""


def _plugin_config(env: Mapping[str, str]) -> PluginConfig:
    sections: dict[str, dict[str, str]] = {}
    # The deployment's encryption key is for any plugin that stores secrets; a plugin's
    # own SPYGLASS_PLUGIN_<NAME>_ENCRYPTION_KEY takes precedence over it.
    if env.get(ENCRYPTION_KEY_VARIABLE, "").strip():
        sections[DEPLOYMENT_SECTION] = {"encryption_key": env[ENCRYPTION_KEY_VARIABLE]}
    for key, value in env.items():
        if key.startswith(_PLUGIN_PREFIX) and "_" in key[len(_PLUGIN_PREFIX) :]:
            plugin, _, option = key[len(_PLUGIN_PREFIX) :].lower().partition("_")
            sections.setdefault(plugin, {})[option] = value
    return PluginConfig(sections=sections)
