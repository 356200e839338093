"""The package as the host sees it: its entry point and the specs it registers."""

from __future__ import annotations

import tomllib
from importlib import import_module
from pathlib import Path

from spyglass_answer_checks import register_evaluators

from spyglass_core.services.evaluator_registry import EvaluatorRegistry

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def test_the_entry_point_names_the_module_with_the_hook() -> None:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    assert project["dependencies"] == ["spyglass-core"]
    entry_points = project["entry-points"]["spyglass.plugins"]
    assert entry_points == {"answer_checks": "spyglass_answer_checks"}
    module = import_module(entry_points["answer_checks"])
    assert module.register_evaluators is register_evaluators


def test_the_registry_offers_both_evaluators_with_their_specs() -> None:
    registry = EvaluatorRegistry(register_evaluators())
    assert list(registry) == ["cites_context_url", "readability"]
    readability = registry.spec("readability")
    assert (readability.output, tuple(readability.variables)) == ("numeric", ("output",))
    cites = registry.spec("cites_context_url")
    assert (cites.output, tuple(cites.variables)) == ("boolean", ("output", "context"))
    for spec in registry.values():
        assert spec.description
        assert spec.config_schema is not None
        assert spec.config_schema["additionalProperties"] is False


async def test_the_registry_builds_working_evaluators() -> None:
    registry = EvaluatorRegistry(register_evaluators())
    readability = registry.create("readability", None)  # no config: the defaults
    assert await readability.evaluate({"output": "We can help you today."}) > 50
    cites = registry.create("cites_context_url", {"minCitations": 1})
    verdict = await cites.evaluate(
        {"output": "See https://a.example/x.", "context": {"docs": ["https://a.example/x"]}}
    )
    assert verdict is True
