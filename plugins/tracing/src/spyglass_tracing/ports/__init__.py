"""Ports the tracing plugin owns: the analytics store and its transactional repositories."""
