"""Langfuse-shaped public API of the datasets plugin."""
