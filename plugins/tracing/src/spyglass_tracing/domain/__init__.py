"""Tracing domain: ingestion events, merge, cost, OTel mapping, read queries, prices."""
