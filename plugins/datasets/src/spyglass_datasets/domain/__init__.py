"""Datasets, versioned items, runs: the plugin's domain model."""
