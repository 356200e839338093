"""The evals plugin's web pages: ES modules served at ``/static/plugins/evals/``."""
