"""The tracing plugin's web pages: ES modules served at ``/static/plugins/tracing/``."""
