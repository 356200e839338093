"""The long-running commands run on uvloop; the others keep the standard loop."""

from __future__ import annotations

import asyncio

from spyglass.cli import _run


async def _loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_serve_and_worker_run_on_uvloop() -> None:
    assert _run(_loop_module(), fast_loop=True).startswith("uvloop")


def test_other_commands_keep_the_standard_loop() -> None:
    assert _run(_loop_module()).startswith("asyncio")
