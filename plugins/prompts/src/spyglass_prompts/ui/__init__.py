"""The prompts plugin's web pages: ES modules served at ``/static/plugins/prompts/``."""
