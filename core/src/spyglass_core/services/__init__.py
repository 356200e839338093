"""Application services: use cases that take ports and never construct them."""
