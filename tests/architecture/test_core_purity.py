"""Core imports nothing heavy: every module imports with the frameworks made unimportable."""

from __future__ import annotations

import subprocess
import sys
import textwrap

FORBIDDEN = (
    "litestar",
    "dishka",
    "taskiq",
    "taskiq_redis",
    "sqlalchemy",
    "alembic",
    "clickhouse_connect",
    "chdb",
    "obstore",
    "redis",
    "spyglass",
    "spyglass_adapters",
)


def test_every_core_module_imports_without_frameworks() -> None:
    script = textwrap.dedent(
        f"""
        import importlib, pkgutil, sys
        for name in {FORBIDDEN!r}:
            sys.modules[name] = None  # any import of it now raises ImportError
        import spyglass_core
        imported = []
        for info in pkgutil.walk_packages(spyglass_core.__path__, "spyglass_core."):
            importlib.import_module(info.name)
            imported.append(info.name)
        print(len(imported))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) >= 15  # the walk really found the modules


def test_the_guard_itself_bites() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import sys; sys.modules['litestar'] = None; import litestar"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "import of litestar halted" in result.stderr
