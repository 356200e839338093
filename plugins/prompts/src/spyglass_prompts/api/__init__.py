"""HTTP surface of the prompts plugin: routes and wire schemas."""
