"""The evals plugin's domain: pure rules, no I/O."""
