"""The evaluator registry: every installed plugin's evaluator kinds, by name.

The host collects ``register_evaluators`` once at start-up (a duplicate name fails it)
and provides one ``EvaluatorRegistry`` through the container. Features that run
evaluations look kinds up here and build evaluators with ``create``; the spec carries
what a UI needs to offer a kind (description, variables, output type, config schema).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from spyglass_core.domain.errors import InvalidInput, NotFound
from spyglass_core.hookspecs import EvaluatorSpec
from spyglass_core.ports.evaluator import Evaluator

__all__ = ("EvaluatorRegistry",)


class EvaluatorRegistry(Mapping[str, EvaluatorSpec]):
    """A read-only mapping from evaluator name to its ``EvaluatorSpec``, in name order."""

    def __init__(self, specs: Iterable[EvaluatorSpec] = ()) -> None:
        """Index ``specs`` by name.

        Raises:
            ValueError: two specs share a name (the host reports which plugins first).
        """
        by_name: dict[str, EvaluatorSpec] = {}
        for spec in specs:
            if spec.name in by_name:
                raise ValueError(f"Duplicate evaluator name: '{spec.name}'")
            by_name[spec.name] = spec
        self._specs = dict(sorted(by_name.items()))

    def __getitem__(self, name: str) -> EvaluatorSpec:
        return self._specs[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._specs)

    def __len__(self) -> int:
        return len(self._specs)

    def spec(self, name: str) -> EvaluatorSpec:
        """The spec of ``name``.

        Raises:
            NotFound: no installed plugin registers an evaluator of that name.
        """
        try:
            return self._specs[name]
        except KeyError:
            raise NotFound(
                f"Evaluator '{name}' is not installed", details={"evaluator": name}
            ) from None

    def create(self, name: str, config: Mapping[str, Any] | None = None) -> Evaluator:
        """A new evaluator of kind ``name`` built from ``config``.

        A kind with a ``config_schema`` gets ``config`` (an empty mapping when None); a
        kind without one is built with no argument and accepts no config.

        Raises:
            NotFound: the kind is not installed.
            InvalidInput: a config for a kind that takes none, or one the factory rejects.
        """
        spec = self.spec(name)
        if spec.config_schema is None:
            if config:
                raise InvalidInput(
                    f"Evaluator '{name}' takes no config", details={"evaluator": name}
                )
            return spec.factory()
        return spec.factory(dict(config or {}))
