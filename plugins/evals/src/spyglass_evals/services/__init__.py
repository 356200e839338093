"""The evals plugin's use cases."""
