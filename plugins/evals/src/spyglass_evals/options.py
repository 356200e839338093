"""The plugin's settings, from ``SPYGLASS_PLUGIN_EVALS_<KEY>`` environment variables."""

from __future__ import annotations

import msgspec

from spyglass_core.domain.errors import InvalidInput
from spyglass_core.hookspecs import PluginConfig
from spyglass_evals.crypto import parse_key

__all__ = ("ENCRYPTION_KEY_VARIABLE", "PLUGIN_NAME", "EvalsOptions", "evals_options")

PLUGIN_NAME = "evals"
ENCRYPTION_KEY_VARIABLE = "SPYGLASS_PLUGIN_EVALS_ENCRYPTION_KEY"
DEPLOYMENT_KEY_VARIABLE = "SPYGLASS_ENCRYPTION_KEY"
"""The deployment-wide key, used when the plugin's own is not set."""


class EvalsOptions(msgspec.Struct, frozen=True, kw_only=True):
    """Settings of the evals plugin.

    Attributes:
        encryption_key: the 32-byte key that encrypts stored LLM API keys and header
            values (``SPYGLASS_PLUGIN_EVALS_ENCRYPTION_KEY``, else the deployment-wide
            ``SPYGLASS_ENCRYPTION_KEY``; hex or base64). None: the deployment's own key,
            created once and kept in the transactional store like the API-key salt.
        concurrency: how many executions run at once in this process (``CONCURRENCY``).
        lease_seconds: how long a running execution's claim lasts without renewal
            (``LEASE_SECONDS``); after a crash, its executions run again this long after
            the claim was last renewed.
        poll_seconds: how often the runner looks for due executions (``POLL_SECONDS``).
    """

    encryption_key: bytes | None = None
    concurrency: int = 4
    lease_seconds: float = 60.0
    poll_seconds: float = 1.0


_BOUNDS = {"concurrency": (1, 256), "lease_seconds": (1.0, 3600.0), "poll_seconds": (0.05, 60.0)}


def evals_options(config: PluginConfig) -> EvalsOptions:
    """Parse the plugin's section of the settings.

    Raises:
        InvalidInput: a value is malformed (a key's value is never repeated).
    """
    section = config.for_plugin(PLUGIN_NAME)
    numbers: dict[str, float | int] = {}
    for name, (low, high) in _BOUNDS.items():
        raw_number = section.get(name, "").strip()
        if not raw_number:
            continue
        variable = f"SPYGLASS_PLUGIN_EVALS_{name.upper()}"
        try:
            number = int(raw_number) if isinstance(low, int) else float(raw_number)
        except ValueError:
            raise InvalidInput(f"{variable} must be a number, not {raw_number!r}") from None
        if not low <= number <= high:
            raise InvalidInput(f"{variable} must be between {low} and {high}")
        numbers[name] = number
    raw, variable = section.get("encryption_key", ""), ENCRYPTION_KEY_VARIABLE
    if not raw.strip():
        raw = config.for_plugin("deployment").get("encryption_key", "")
        variable = DEPLOYMENT_KEY_VARIABLE
    if not raw.strip():
        return EvalsOptions(**numbers)  # type: ignore[arg-type]
    try:
        return EvalsOptions(encryption_key=parse_key(raw), **numbers)  # type: ignore[arg-type]
    except ValueError as error:
        raise InvalidInput(f"{variable} is invalid: it {error}") from None
