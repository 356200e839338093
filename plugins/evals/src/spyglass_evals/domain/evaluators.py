"""Evaluators (LLM-as-a-judge, versioned) and the evaluation rules that assign them.

An evaluator says **how** to score: a chat prompt with ``{{variables}}``, an output
definition and optionally a model (an LLM connection's provider and a model name). Every
change of its definition appends a version; rules always use the latest one. A rule says
**which** observations to score: filters, a sampling rate, a delay, and the evaluators
with their variable mappings. Values kept as JSON (messages, mappings, output definition,
filters) are stored in Langfuse's wire shape, already validated by the service.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import msgspec

__all__ = (
    "CODE_PREFIX",
    "EvaluationRule",
    "Evaluator",
    "EvaluatorVersion",
    "RuleAssignment",
    "RuleStatus",
    "RuleTarget",
)

CODE_PREFIX = "code:"
"""How an execution names a code evaluator it ran (``code:exact_match``)."""


class RuleStatus(enum.StrEnum):
    """Whether a rule runs; the API's ``enabled`` flag."""

    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


class RuleTarget(enum.StrEnum):
    """What a rule evaluates (Langfuse's rules evaluate observations, the default)."""

    OBSERVATION = "observation"
    TRACE = "trace"
    SESSION = "session"
    EXPERIMENT_ITEM = "experiment_item"


class EvaluatorVersion(msgspec.Struct, frozen=True, kw_only=True):
    """One immutable definition of an LLM-as-a-judge evaluator.

    Attributes:
        messages: the chat prompt, ``[{"role": ..., "content": ...}]``.
        variables: the template variables of the messages, in first-use order.
        variable_mapping: the default mapping (``[{"variable", "source", "jsonPath"}]``),
            or None.
        model_config: ``{"provider": ..., "model": ...}`` or None for the project default.
        output_definition: Langfuse's flat output definition (with ``dataType``).
    """

    id: str
    project_id: str
    evaluator_id: str
    version: int
    messages: list[dict[str, str]]
    variables: list[str]
    variable_mapping: list[dict[str, Any]] | None
    model_config: dict[str, Any] | None
    output_definition: dict[str, Any]
    created_at: datetime


class Evaluator(msgspec.Struct, frozen=True, kw_only=True):
    """An evaluator's metadata and its latest version (names need not be unique)."""

    id: str
    project_id: str
    name: str
    description: str | None
    created_at: datetime
    updated_at: datetime
    latest: EvaluatorVersion


class RuleAssignment(msgspec.Struct, frozen=True, kw_only=True):
    """An evaluator a rule runs and the rule's own variable mapping.

    Exactly one of ``evaluator_id`` (an LLM-as-a-judge evaluator, always its latest
    version) and ``code_evaluator`` (a registered code evaluator's name, built with
    ``config``) is set. A mapping of None means the evaluator's default: the judge's
    stored mapping, or each of the code evaluator's variables from the source of the
    same name. ``score_name`` defaults to the evaluator's name.
    """

    evaluator_id: str | None = None
    code_evaluator: str | None = None
    config: dict[str, Any] | None = None
    variable_mapping: list[dict[str, Any]] | None = None
    score_name: str | None = None

    @property
    def key(self) -> str:
        """The evaluator as executions name it: its id, or ``code:<name>``."""
        if self.code_evaluator is not None:
            return CODE_PREFIX + self.code_evaluator
        assert self.evaluator_id is not None, "an assignment names one evaluator"
        return self.evaluator_id


class EvaluationRule(msgspec.Struct, frozen=True, kw_only=True):
    """A live rule: which observations get scored, how often, and by which evaluators.

    Attributes:
        filters: Langfuse's filter conditions (all must hold; empty matches all).
        sampling: the fraction of matches to evaluate, 0..1.
        delay_seconds: how long to wait after a match before evaluating (a Spyglass
            extension, default 0).
        target: what the rule evaluates.
        paused_reason: why Spyglass stopped the rule (its provider refused the
            credentials, a code evaluator it uses is no longer installed), or None.
    """

    id: str
    project_id: str
    name: str
    status: RuleStatus
    sampling: float
    delay_seconds: int
    filters: list[dict[str, Any]]
    assignments: list[RuleAssignment]
    target: RuleTarget = RuleTarget.OBSERVATION
    paused_reason: str | None = None
    created_at: datetime
    updated_at: datetime
