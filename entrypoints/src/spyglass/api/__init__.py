"""The HTTP surface: error mapping, authentication and the built-in routes."""
