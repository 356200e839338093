"""Notes storage: the only package of this plugin that imports adapters and drivers."""
