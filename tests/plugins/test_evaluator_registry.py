"""The evaluator registry: collected from every plugin, read-only, duplicates fail start-up."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec
import pytest

from spyglass.plugins import StartupError, collect_evaluators, make_plugin_manager
from spyglass_core.domain.errors import InvalidInput, NotFound
from spyglass_core.hookspecs import EvaluatorSpec, PluginConfig, hookimpl
from spyglass_core.services.evaluator_registry import EvaluatorRegistry


class Length:
    """An evaluator without config (built with no argument)."""

    async def evaluate(self, variables: Mapping[str, Any]) -> float:
        return float(len(variables["output"]))


class Threshold:
    """An evaluator with config (built with it)."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        if "min" not in config:
            raise InvalidInput("Invalid config for evaluator 'threshold': min is required")
        self.min = config["min"]

    async def evaluate(self, variables: Mapping[str, Any]) -> bool:
        return bool(variables["output"] >= self.min)


LENGTH = EvaluatorSpec(name="length", factory=Length)
THRESHOLD = EvaluatorSpec(
    name="threshold",
    factory=Threshold,
    description="Output is at least min.",
    variables=("output",),
    output="boolean",
    config_schema={"type": "object", "properties": {"min": {"type": "number"}}},
)


def _plugin(*specs: EvaluatorSpec) -> object:
    class EvaluatorPlugin:
        @hookimpl
        def register_evaluators(self) -> Sequence[EvaluatorSpec]:
            return specs

    return EvaluatorPlugin()


def test_spec_defaults_keep_old_plugins_working() -> None:
    assert LENGTH.description == ""
    assert LENGTH.variables == ()
    assert LENGTH.output == "numeric"
    assert LENGTH.config_schema is None


def test_registry_collects_every_plugin_in_name_order() -> None:
    pm = make_plugin_manager(load_entrypoints=False)
    pm.register(_plugin(THRESHOLD), name="one")
    pm.register(_plugin(LENGTH), name="two")
    pm.register(_plugin(), name="none")
    registry = collect_evaluators(pm, PluginConfig())
    assert isinstance(registry, EvaluatorRegistry)
    assert list(registry) == ["length", "threshold"]
    assert registry["threshold"] is THRESHOLD
    assert len(registry) == 2
    assert "missing" not in registry


def test_registry_is_read_only() -> None:
    registry = EvaluatorRegistry([LENGTH])
    with pytest.raises(TypeError):
        registry["other"] = THRESHOLD  # type: ignore[index]


async def test_create_passes_config_only_to_kinds_with_a_schema() -> None:
    registry = EvaluatorRegistry([LENGTH, THRESHOLD])
    assert await registry.create("length").evaluate({"output": "abc"}) == 3.0
    assert await registry.create("threshold", {"min": 2}).evaluate({"output": 3}) is True
    with pytest.raises(InvalidInput, match="'length' takes no config"):
        registry.create("length", {"min": 2})
    with pytest.raises(InvalidInput, match="min is required"):
        registry.create("threshold")


def test_unknown_evaluator_is_not_found() -> None:
    with pytest.raises(NotFound, match="Evaluator 'nope' is not installed"):
        EvaluatorRegistry([LENGTH]).create("nope")


def test_duplicate_names_fail_startup_naming_both_plugins() -> None:
    pm = make_plugin_manager(load_entrypoints=False)
    pm.register(_plugin(LENGTH), name="first_plugin")
    pm.register(_plugin(THRESHOLD, LENGTH), name="second_plugin")
    with pytest.raises(StartupError) as caught:
        collect_evaluators(pm, PluginConfig())
    assert str(caught.value) == (
        "Duplicate evaluator name: 'length' is registered by 'first_plugin' and 'second_plugin'"
    )


def test_registry_refuses_duplicates_itself() -> None:
    with pytest.raises(ValueError, match="Duplicate evaluator name: 'length'"):
        EvaluatorRegistry([LENGTH, LENGTH])


def test_installed_plugins_register_the_code_evaluators() -> None:
    registry = collect_evaluators(make_plugin_manager(), PluginConfig())
    assert {
        "contains",
        "exact_match",
        "json_schema",
        "json_valid",
        "levenshtein",
        "numeric_tolerance",
        "regex",
    } <= set(registry)
    # What a UI or API shows of a kind is plain data.
    shown = msgspec.json.decode(
        msgspec.json.encode(
            {
                name: {k: v for k, v in msgspec.structs.asdict(spec).items() if k != "factory"}
                for name, spec in registry.items()
            }
        )
    )
    assert shown["regex"]["output"] == "boolean"
    assert shown["regex"]["variables"] == ["output"]
    assert shown["regex"]["config_schema"]["required"] == ["pattern"]
