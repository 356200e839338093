"""A plugin chain whose first revision happens to be called 0001 (legacy-adoption test)."""
