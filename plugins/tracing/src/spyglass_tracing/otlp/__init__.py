"""OTLP/HTTP trace exports: the wire formats (``wire``) and the work one export costs.

``export.encode_export`` turns a received body into a stored batch (decompress, decode,
map spans to events, encode the batch) and runs in a decoding process
(``spyglass_tracing.services.otlp_decoding``). Nothing in this package imports the web
stack or a storage driver, so such a process starts in a fraction of a second; and the
server process imports no protobuf: ``export`` loads the decoder only where it runs, and
``reply`` writes the protobuf answer by hand.
"""
