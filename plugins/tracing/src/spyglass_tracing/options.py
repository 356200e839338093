"""The plugin's settings, from ``SPYGLASS_PLUGIN_TRACING_<KEY>`` environment variables."""

from __future__ import annotations

import msgspec

from spyglass_core.domain.errors import InvalidInput
from spyglass_core.hookspecs import PluginConfig

__all__ = ("PLUGIN_NAME", "TracingOptions", "tracing_options")

PLUGIN_NAME = "tracing"


class TracingOptions(msgspec.Struct, frozen=True, kw_only=True):
    """Tuning of ingestion.

    Attributes:
        queue_bound: batches waiting for the worker beyond which ingestion answers 429
            with ``Retry-After`` instead of accepting more (``QUEUE_BOUND``).
        unapplied_events_bound: events handed to this process's worker and not yet
            applied beyond which ingestion answers 429 with ``Retry-After`` at once
            (``UNAPPLIED_EVENTS_BOUND``; 0: no bound). Keeps the time from an answer to
            queryable spans, and the memory of waiting batches, bounded under load.
        retry_after_seconds: the ``Retry-After`` of those answers.
        sweep_interval_seconds: how often pending batches older than
            ``stale_after_seconds`` are enqueued again (lost messages, failed runs).
        model_cache_seconds: how long the worker reuses a project's price table.
        dedupe_window_hours: how long accepted envelope ids (and done batch records) are
            kept: a batch resent within the window is recognised; older ones are pruned.
        media_signing_key: signs media download URLs; without it the deployment's own
            key is used, created once and kept in the transactional store.
        media_max_bytes: the largest media upload accepted (``POST /media`` refuses to
            announce anything bigger; the upload route reads no further).
        max_attempts: failed runs after which a batch is dead-lettered (kept for an
            operator to inspect and replay instead of being retried forever).
        retry_backoff_seconds: the wait before a failed batch's first retry; it doubles
            with each failure, up to an hour.
        otlp_decode_workers: processes that decompress, decode and map OTLP exports, off
            the event loop (``OTLP_DECODE_WORKERS``); started on the first export.
        otlp_decode_queue: OTLP exports being decoded or waiting for a decoding process
            beyond which another export is answered 429 with ``Retry-After`` at once
            (``OTLP_DECODE_QUEUE``).
    """

    queue_bound: int = 2000
    unapplied_events_bound: int = 20_000
    retry_after_seconds: int = 1
    sweep_interval_seconds: float = 30.0
    stale_after_seconds: float = 60.0
    model_cache_seconds: float = 30.0
    dedupe_window_hours: float = 168.0
    media_signing_key: str = ""
    media_max_bytes: int = 100 * 1024 * 1024
    max_attempts: int = 5
    retry_backoff_seconds: float = 10.0
    otlp_decode_workers: int = 1
    otlp_decode_queue: int = 2


def tracing_options(config: PluginConfig) -> TracingOptions:
    """Parse the plugin's section of the settings.

    Raises:
        InvalidInput: a value has the wrong type.
    """
    raw = dict(config.for_plugin(PLUGIN_NAME))
    values = {}
    for field in msgspec.structs.fields(TracingOptions):
        if field.name not in raw:
            continue
        try:
            values[field.name] = msgspec.convert(raw[field.name], field.type, strict=False)
        except msgspec.ValidationError as error:
            variable = f"SPYGLASS_PLUGIN_TRACING_{field.name.upper()}"
            raise InvalidInput(f"{variable}={raw[field.name]!r} is invalid: {error}") from None
    return TracingOptions(**values)
