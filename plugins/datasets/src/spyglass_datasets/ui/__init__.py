"""The datasets plugin's web pages: ES modules served at ``/static/plugins/datasets/``."""
