"""Wire schemas of the evaluators and evaluation-rules APIs (Langfuse's v2 shapes).

Request bodies decode into the services' structs; these are the responses. Field names
follow the v5 SDK's ``evaluators`` and ``evaluation_rules`` types; ``delaySeconds`` on a
rule is a Spyglass extension.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

import msgspec

from spyglass_evals.domain.evaluators import (
    EvaluationRule,
    Evaluator,
    EvaluatorVersion,
    RuleStatus,
)

__all__ = (
    "CursorMeta",
    "DeletedResponse",
    "EvaluationRulePage",
    "EvaluationRuleResponse",
    "EvaluatorPage",
    "EvaluatorResponse",
    "EvaluatorTemplates",
    "EvaluatorVersionPage",
    "EvaluatorVersionResponse",
    "evaluator_response",
    "rule_response",
    "version_response",
)


class CursorMeta(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """The next page's opaque cursor; omitted on the last page."""

    cursor: str | None = None


class DeletedResponse(msgspec.Struct, frozen=True, kw_only=True):
    """``DELETE``: the id of what was removed."""

    id: str


class RuleAssignmentRef(
    msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True
):
    """A rule that assigns the evaluator; its own mapping when it does not inherit."""

    evaluation_rule_id: str
    variable_mapping_override: list[dict[str, Any]] | None = None


class EvaluatorVersionResponse(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Langfuse's ``LlmAsJudgeEvaluatorVersion``."""

    type: Literal["llm_as_judge"] = "llm_as_judge"
    id: str
    version: int
    created_at: datetime
    created_by: None = None
    prompt: list[dict[str, str]]
    variables: list[str]
    variable_mapping: list[dict[str, Any]] | None
    model_config: dict[str, Any] | None
    output_definition: dict[str, Any]


class EvaluatorResponse(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Langfuse's ``LlmAsJudgeEvaluator``: metadata with the latest version flattened in."""

    type: Literal["llm_as_judge"] = "llm_as_judge"
    id: str
    name: str
    description: str | None
    created_by: None = None
    status: Literal["active", "paused"] = "active"
    paused_at: datetime | None = None
    paused_reason: str | None = None
    paused_message: str | None = None
    evaluation_rule_assignments: list[RuleAssignmentRef]
    created_at: datetime
    updated_at: datetime
    version_id: str
    version: int
    version_created_at: datetime
    version_created_by: None = None
    prompt: list[dict[str, str]]
    variables: list[str]
    variable_mapping: list[dict[str, Any]] | None
    model_config: dict[str, Any] | None
    output_definition: dict[str, Any]


class EvaluatorPage(msgspec.Struct, frozen=True, kw_only=True):
    """``GET /v2/evaluators``."""

    data: list[EvaluatorResponse]
    meta: CursorMeta


class EvaluatorVersionPage(msgspec.Struct, frozen=True, kw_only=True):
    """``GET /v2/evaluators/{id}/versions``."""

    data: list[EvaluatorVersionResponse]
    meta: CursorMeta


class EvaluatorTemplates(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """``GET /v2/evaluators/templates`` (Spyglass extension): ready LLM-as-a-judge
    request bodies and the installed code evaluators (read-only, run by name)."""

    data: list[dict[str, Any]]
    code_evaluators: list[dict[str, Any]]


class AssignmentResponse(
    msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True
):
    """Langfuse's ``EvaluatorAssignment``: ``variableMapping`` null inherits the default.

    A code evaluator's assignment has ``codeEvaluator`` and ``config`` instead of
    ``evaluatorId``; ``scoreName`` appears when the rule set one (Spyglass extensions).
    """

    evaluator_id: str | None = None
    code_evaluator: str | None = None
    config: dict[str, Any] | None = None
    variable_mapping: list[dict[str, Any]] | None
    score_name: str | None = None


class EvaluationRuleResponse(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Langfuse's ``EvaluationRule`` plus ``delaySeconds``."""

    id: str
    name: str
    created_by: None = None
    enabled: bool
    sampling: float
    filter: list[dict[str, Any]]
    evaluator_assignments: list[AssignmentResponse]
    delay_seconds: int
    target: str
    paused_reason: str | None
    created_at: datetime
    updated_at: datetime


class EvaluationRulePage(msgspec.Struct, frozen=True, kw_only=True):
    """``GET /v2/evaluation-rules``."""

    data: list[EvaluationRuleResponse]
    meta: CursorMeta


def _version_fields(version: EvaluatorVersion) -> dict[str, Any]:
    return {
        "prompt": version.messages,
        "variables": version.variables,
        "variable_mapping": version.variable_mapping,
        "model_config": version.model_config,
        "output_definition": version.output_definition,
    }


def version_response(version: EvaluatorVersion) -> EvaluatorVersionResponse:
    """The wire shape of one version."""
    return EvaluatorVersionResponse(
        id=version.id,
        version=version.version,
        created_at=version.created_at,
        **_version_fields(version),
    )


def evaluator_response(evaluator: Evaluator, rules: Sequence[EvaluationRule]) -> EvaluatorResponse:
    """The wire shape of an evaluator with the rules that assign it."""
    refs = [
        RuleAssignmentRef(evaluation_rule_id=rule.id, variable_mapping_override=a.variable_mapping)
        for rule in rules
        for a in rule.assignments
        if a.evaluator_id == evaluator.id
    ]
    latest = evaluator.latest
    return EvaluatorResponse(
        id=evaluator.id,
        name=evaluator.name,
        description=evaluator.description,
        evaluation_rule_assignments=refs,
        created_at=evaluator.created_at,
        updated_at=evaluator.updated_at,
        version_id=latest.id,
        version=latest.version,
        version_created_at=latest.created_at,
        **_version_fields(latest),
    )


def rule_response(rule: EvaluationRule) -> EvaluationRuleResponse:
    """The wire shape of a rule."""
    return EvaluationRuleResponse(
        id=rule.id,
        name=rule.name,
        enabled=rule.status is RuleStatus.ACTIVE,
        sampling=rule.sampling,
        filter=rule.filters,
        evaluator_assignments=[
            AssignmentResponse(
                evaluator_id=a.evaluator_id,
                code_evaluator=a.code_evaluator,
                config=a.config,
                variable_mapping=a.variable_mapping,
                score_name=a.score_name,
            )
            for a in rule.assignments
        ],
        delay_seconds=rule.delay_seconds,
        target=rule.target.value,
        paused_reason=rule.paused_reason,
        created_at=rule.created_at,
        updated_at=rule.updated_at,
    )
