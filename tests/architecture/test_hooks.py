"""Every hook is documented in docs/plugin_hooks.md and has a test_hook_<name> test."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from spyglass.plugins import make_plugin_manager

ROOT = Path(__file__).resolve().parents[2]
HOOK_NAMES = sorted(
    name
    for name in dir(make_plugin_manager(load_entrypoints=False).hook)
    if not name.startswith("_")
)


def _signature(name: str) -> str:
    caller = getattr(make_plugin_manager(load_entrypoints=False).hook, name)
    return f"{name}({', '.join(caller.spec.argnames)})"


def _test_function_names() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "tests").rglob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names.add(node.name)
    return names


def test_there_are_hooks() -> None:
    assert "register_routes" in HOOK_NAMES
    assert len(HOOK_NAMES) >= 9


@pytest.mark.parametrize("hook", HOOK_NAMES)
def test_hooks_are_documented(hook: str) -> None:
    headings = [
        line.lstrip("#").strip().strip("`")
        for line in (ROOT / "docs" / "plugin_hooks.md").read_text().splitlines()
        if line.startswith("#")
    ]
    assert _signature(hook) in headings, (
        f"docs/plugin_hooks.md needs a heading `{_signature(hook)}`"
    )


@pytest.mark.parametrize("hook", HOOK_NAMES)
def test_hooks_have_tests(hook: str) -> None:
    assert f"test_hook_{hook}" in _test_function_names()
