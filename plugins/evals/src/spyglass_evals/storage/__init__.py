"""The evals plugin's storage: tables, repositories and their fakes."""
