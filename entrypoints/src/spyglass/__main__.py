"""The ``spyglass`` console script and ``python -m spyglass``: the CLI, imported when run.

``serve`` starts its OTLP decoding processes with multiprocessing's ``spawn``, which makes
each of them import the server's main script again (as ``__mp_main__``). This module is
what that script imports, so it stays tiny: the CLI, with the plugin host, dishka and
click behind it (~20 MB per process), is imported only when the command actually runs.
"""

from __future__ import annotations

from typing import Any

__all__ = ("main",)


def main(argv: list[str] | None = None) -> Any:
    """Run the ``spyglass`` command line (see :func:`spyglass.cli.main`)."""
    from spyglass.cli import main as run_cli

    return run_cli(argv)


if __name__ == "__main__":
    main()
