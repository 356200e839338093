"""The plugin's settings, from ``SPYGLASS_PLUGIN_PROMPTS_<KEY>`` environment variables."""

from __future__ import annotations

from typing import Annotated

import msgspec

from spyglass_core.domain.errors import InvalidInput
from spyglass_core.hookspecs import PluginConfig
from spyglass_prompts.domain.composition import (
    DEFAULT_MAX_REFERENCES,
    DEFAULT_MAX_RESOLVED_BYTES,
    CompositionLimits,
)

__all__ = ("PLUGIN_NAME", "PromptsOptions", "prompts_options")

PLUGIN_NAME = "prompts"


class PromptsOptions(msgspec.Struct, frozen=True, kw_only=True):
    """Caching and composition limits.

    Attributes:
        cache_ttl_seconds: how long a resolved prompt stays in the cache.
        max_resolved_bytes: the largest a prompt with references may resolve to (UTF-8
            bytes of the text, or of the chat message contents together).
        max_references: how many references one resolution may follow in total.
    """

    cache_ttl_seconds: float = 3600.0
    max_resolved_bytes: Annotated[int, msgspec.Meta(ge=1)] = DEFAULT_MAX_RESOLVED_BYTES
    max_references: Annotated[int, msgspec.Meta(ge=1)] = DEFAULT_MAX_REFERENCES

    @property
    def limits(self) -> CompositionLimits:
        """The composition limits."""
        return CompositionLimits(
            max_resolved_bytes=self.max_resolved_bytes, max_references=self.max_references
        )


def prompts_options(config: PluginConfig) -> PromptsOptions:
    """Parse the plugin's section of the settings.

    Raises:
        InvalidInput: a value has the wrong type or is out of range; the message names
            the environment variable.
    """
    raw = config.for_plugin(PLUGIN_NAME)
    values = {}
    for field in msgspec.structs.fields(PromptsOptions):
        if field.name not in raw:
            continue
        try:
            values[field.name] = msgspec.convert(raw[field.name], field.type, strict=False)
        except msgspec.ValidationError as error:
            variable = f"SPYGLASS_PLUGIN_PROMPTS_{field.name.upper()}"
            raise InvalidInput(f"{variable}={raw[field.name]!r} is invalid: {error}") from None
    return PromptsOptions(**values)
