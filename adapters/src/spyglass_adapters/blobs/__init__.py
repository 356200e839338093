"""Blob storage on obstore: a local directory (embedded) or S3-compatible object storage."""

from __future__ import annotations

from spyglass_adapters.blobs.obstore_store import ObstoreBlobStore

__all__ = ("ObstoreBlobStore",)
