"""The protobuf answer to an OTLP export, written without protobuf.

``ExportTraceServiceResponse`` has one field, ``partial_success`` (1), a message of
``rejected_spans`` (1, int64) and ``error_message`` (2, string). Encoding those three by
hand keeps protobuf and the generated OTLP classes (~5 MB) out of the server process:
only the decoding processes parse exports.
"""

from __future__ import annotations

__all__ = ("export_response",)

_PARTIAL_SUCCESS = 0x0A  # field 1, length-delimited
_REJECTED_SPANS = 0x08  # field 1, varint
_ERROR_MESSAGE = 0x12  # field 2, length-delimited


def export_response(rejected: int, message: str) -> bytes:
    """``ExportTraceServiceResponse`` serialized as protobuf would (defaults omitted).

    Nothing rejected is an empty message (no ``partial_success``), as OTLP asks.
    """
    if rejected <= 0:
        return b""
    partial = bytes([_REJECTED_SPANS]) + _varint(rejected)
    if message:
        text = message.encode()
        partial += bytes([_ERROR_MESSAGE]) + _varint(len(text)) + text
    return bytes([_PARTIAL_SUCCESS]) + _varint(len(partial)) + partial


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)
