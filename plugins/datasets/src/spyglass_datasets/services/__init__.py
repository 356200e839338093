"""Dataset use cases."""
