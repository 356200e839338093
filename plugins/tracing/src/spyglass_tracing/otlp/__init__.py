"""OTLP/HTTP trace exports: the wire formats (``wire``)."""
