"""Use cases of the tracing plugin: intake, the worker, recovery, reads, admin, prices."""
