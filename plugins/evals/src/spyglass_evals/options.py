"""The plugin's settings, from ``SPYGLASS_PLUGIN_EVALS_<KEY>`` environment variables."""

from __future__ import annotations

import msgspec

from spyglass_core.domain.errors import InvalidInput
from spyglass_core.hookspecs import PluginConfig
from spyglass_evals.crypto import parse_key

__all__ = ("ENCRYPTION_KEY_VARIABLE", "PLUGIN_NAME", "EvalsOptions", "evals_options")

PLUGIN_NAME = "evals"
ENCRYPTION_KEY_VARIABLE = "SPYGLASS_PLUGIN_EVALS_ENCRYPTION_KEY"


class EvalsOptions(msgspec.Struct, frozen=True, kw_only=True):
    """Settings of the evals plugin.

    Attributes:
        encryption_key: the 32-byte key that encrypts stored LLM API keys and header
            values (``ENCRYPTION_KEY``, hex or base64). None: the deployment's own key,
            created once and kept in the transactional store like the API-key salt.
    """

    encryption_key: bytes | None = None


def evals_options(config: PluginConfig) -> EvalsOptions:
    """Parse the plugin's section of the settings.

    Raises:
        InvalidInput: a value is malformed (a key's value is never repeated).
    """
    raw = config.for_plugin(PLUGIN_NAME).get("encryption_key", "")
    if not raw.strip():
        return EvalsOptions()
    try:
        return EvalsOptions(encryption_key=parse_key(raw))
    except ValueError as error:
        raise InvalidInput(f"{ENCRYPTION_KEY_VARIABLE} is invalid: it {error}") from None
