"""In-memory implementations of every port, for unit tests only.

They pass the same contract suites as the real adapters; they are never the default
for running, because they lose everything when the process ends.
"""
