"""Ports: the protocols adapters implement. One module per port, contract in its docstring."""
