"""The CPU-bound half of an OTLP export, run in a decoding process.

Everything crossing the process boundary is small or flat: the compressed body goes in,
the encoded batch (bytes), the event count and the rejection reasons come out, so the
event loop neither builds nor pickles thousands of event objects.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import msgspec

from spyglass_tracing.domain.ingestion import BatchHeader, encode_batch

__all__ = ("EncodedExport", "OtlpExport", "encode_export", "prepare_decoding_process")

SERVER_CHECK_SECONDS = 1.0
"""How often a decoding process checks that the server that started it still runs."""


class OtlpExport(msgspec.Struct, frozen=True, kw_only=True):
    """One received export: its body as sent and the batch it becomes."""

    body: bytes
    content_type: str
    content_encoding: str
    batch: BatchHeader


class EncodedExport(msgspec.Struct, frozen=True, kw_only=True):
    """An export ready to store.

    Attributes:
        blob: the batch as ``BatchIntake`` stores it (``encode_batch``); empty when no
            span was acceptable.
        event_count: the events in ``blob``.
        rejections: one reason per rejected span, ``"<span id>: <reason>"``.
    """

    blob: bytes
    event_count: int
    rejections: list[str]


def encode_export(export: OtlpExport) -> EncodedExport:
    """Decompress, decode and map ``export``, and encode the resulting batch.

    Raises:
        InvalidInput: an unknown encoding or content type, or a body that does not
            decode; the same errors, with the same messages, as decoding in the handler.
    """
    # Imported here, in the decoding process: the server only submits exports, and the
    # decoder (protobuf, the generated OTLP classes, the span mapping) is not its concern.
    from spyglass_tracing.domain.otel import spans_to_events
    from spyglass_tracing.domain.otel.experiments import experiment_items
    from spyglass_tracing.otlp.wire import decode_body, decompress

    raw = decompress(export.body, export.content_encoding)
    spans = decode_body(raw, export.content_type)
    events, rejections = spans_to_events(spans)
    blob = encode_batch(export.batch, events, experiment_items(spans)) if events else b""
    return EncodedExport(blob=blob, event_count=len(events), rejections=rejections)


def prepare_decoding_process(server_pid: int) -> None:
    """Initializer of a decoding process: leave Ctrl-C to the server, die with it.

    A terminal's Ctrl-C reaches the whole process group; the server shuts its pool down
    in order, and a decoding process dying of ``KeyboardInterrupt`` first would only
    break the pool and print tracebacks. A server killed outright (SIGKILL, OOM) never
    tells its pool to stop, and an idle decoding process would wait for work forever.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(
        target=_exit_with_server, args=(server_pid,), name="server-watch", daemon=True
    ).start()


def _exit_with_server(server_pid: int) -> None:
    # An orphan is adopted by another process, so the parent id changes when the server dies.
    while os.getppid() == server_pid:
        time.sleep(SERVER_CHECK_SECONDS)
    os._exit(0)
