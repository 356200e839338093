"""Use cases of the prompts plugin."""
