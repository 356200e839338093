"""Spyglass tracing: ingestion (batch API, OTLP, scores), cost, and the read API."""
