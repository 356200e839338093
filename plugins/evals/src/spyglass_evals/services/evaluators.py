"""LLM-as-a-judge evaluators: validated creation, versioned updates, listing, deletion.

The request structs are Langfuse's v2 shapes (camelCase); the routes decode bodies
straight into them. A definition change (``prompt`` given) appends a version; a change
of only the name or description does not. Code evaluators with source code are refused:
Spyglass runs the evaluators of installed packages (``EvaluatorRegistry``) instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, TypeVar

import msgspec

from spyglass_core.domain.cursors import decode_cursor, encode_cursor
from spyglass_core.domain.errors import InvalidInput, NotFound
from spyglass_core.domain.ids import new_id
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from spyglass_evals.domain.evaluator_shapes import (
    MAX_NAME,
    ChatMessage,
    EvaluatorModelConfig,
    OutputDefinition,
    VariableMapping,
    check_mapping,
    judge_output,
    prompt_messages,
    prompt_variables,
)
from spyglass_evals.domain.evaluators import (
    EvaluationRule,
    Evaluator,
    EvaluatorVersion,
    RuleStatus,
)
from spyglass_evals.ports import (
    EvaluationRuleRepository,
    EvaluatorRepository,
    LlmConnectionRepository,
)

__all__ = (
    "CODE_REFUSED",
    "EvaluatorChanges",
    "EvaluatorDraft",
    "EvaluatorService",
    "page_cursor",
    "page_offset",
)

_T = TypeVar("_T")

MAX_DESCRIPTION = 2000
MAX_PARAMS_BYTES = 4096
CODE_REFUSED = (
    "Spyglass does not run code evaluators from source code: it runs the code evaluators "
    "of installed evaluator packages (listed under codeEvaluators by "
    "GET /api/public/v2/evaluators/templates; see docs/writing_evaluators.md)"
)


class EvaluatorDraft(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """``POST /v2/evaluators`` (``type`` ``llm_as_judge``; ``code`` is refused)."""

    name: str
    type: Literal["llm_as_judge", "code"] = "llm_as_judge"
    description: str | None = None
    prompt: str | list[ChatMessage] | None = None
    model_config: EvaluatorModelConfig | None = None
    variable_mapping: list[VariableMapping] | None = None
    output_definition: OutputDefinition | None = None
    source_code: str | None = None


class EvaluatorChanges(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """``PATCH /v2/evaluators/{id}``: metadata only, or a complete new definition."""

    name: str | msgspec.UnsetType = msgspec.UNSET
    description: str | msgspec.UnsetType | None = msgspec.UNSET
    type: str | msgspec.UnsetType = msgspec.UNSET
    prompt: str | list[ChatMessage] | msgspec.UnsetType = msgspec.UNSET
    model_config: EvaluatorModelConfig | msgspec.UnsetType | None = msgspec.UNSET
    variable_mapping: list[VariableMapping] | msgspec.UnsetType | None = msgspec.UNSET
    output_definition: OutputDefinition | msgspec.UnsetType = msgspec.UNSET
    source_code: str | msgspec.UnsetType = msgspec.UNSET


def page_offset(cursor: str | None) -> int:
    """The offset an opaque cursor holds (0 without one)."""
    if cursor is None:
        return 0
    offset = decode_cursor(cursor, int)
    if offset < 0:
        raise InvalidInput("Invalid cursor", details="cursor is malformed")
    return offset


def page_cursor(offset: int, limit: int, got: int) -> str | None:
    """The cursor of the next page, None after a short (last) page."""
    return encode_cursor(offset + limit) if got > limit else None


class EvaluatorService:
    """The project's LLM-as-a-judge evaluators."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def create(self, project_id: str, draft: EvaluatorDraft) -> Evaluator:
        """A new evaluator at version 1.

        Raises:
            InvalidInput: a code evaluator, or a definition that does not check out
                (see ``_definition``).
        """
        if draft.type == "code" or draft.source_code is not None:
            raise InvalidInput(CODE_REFUSED)
        if draft.prompt is None or draft.output_definition is None:
            raise InvalidInput("An llm_as_judge evaluator needs a prompt and an outputDefinition")
        name = _name(draft.name)
        _check_description(draft.description)
        now = self._clock.now()
        evaluator_id = new_id()
        async with self._uow_factory() as uow:
            latest = await _definition(
                uow,
                project_id,
                evaluator_id,
                1,
                draft.prompt,
                draft.model_config,
                draft.variable_mapping,
                draft.output_definition,
                now,
            )
            evaluator = Evaluator(
                id=evaluator_id,
                project_id=project_id,
                name=name,
                description=draft.description,
                created_at=now,
                updated_at=now,
                latest=latest,
            )
            await uow.repository(EvaluatorRepository).add(evaluator)
            await uow.commit()
        return evaluator

    async def update(
        self, project_id: str, evaluator_id: str, changes: EvaluatorChanges
    ) -> Evaluator:
        """Rename, describe, or replace the definition (a new version).

        Raises:
            NotFound: no such evaluator in the project.
            InvalidInput: nothing to change, a code evaluator, a definition without its
                output definition, or one that does not check out.
        """
        if changes.type == "code" or changes.source_code is not msgspec.UNSET:
            raise InvalidInput(CODE_REFUSED)
        metadata_only = changes.prompt is msgspec.UNSET
        definition = (changes.model_config, changes.variable_mapping, changes.output_definition)
        if metadata_only and any(field is not msgspec.UNSET for field in definition):
            raise InvalidInput(
                "modelConfig, variableMapping and outputDefinition change the definition: "
                "send them with the complete new prompt"
            )
        if metadata_only and changes.name is msgspec.UNSET and changes.description is msgspec.UNSET:
            raise InvalidInput("Give at least one of name, description, or a new prompt")
        if not metadata_only and changes.output_definition is msgspec.UNSET:
            raise InvalidInput("A new prompt needs its outputDefinition too")
        now = self._clock.now()
        async with self._uow_factory() as uow:
            repo = uow.repository(EvaluatorRepository)
            evaluator = await repo.get(project_id, evaluator_id)
            if evaluator is None:
                raise NotFound("Evaluator not found")
            latest = evaluator.latest
            if not isinstance(changes.prompt, msgspec.UnsetType):
                assert not isinstance(changes.output_definition, msgspec.UnsetType)
                latest = await _definition(
                    uow,
                    project_id,
                    evaluator_id,
                    latest.version + 1,
                    changes.prompt,
                    _given(changes.model_config),
                    _given(changes.variable_mapping),
                    changes.output_definition,
                    now,
                )
            description = evaluator.description
            if not isinstance(changes.description, msgspec.UnsetType):
                _check_description(changes.description)
                description = changes.description
            updated = msgspec.structs.replace(
                evaluator,
                name=evaluator.name
                if isinstance(changes.name, msgspec.UnsetType)
                else _name(changes.name),
                description=description,
                updated_at=now,
                latest=latest,
            )
            await repo.update(updated)
            await uow.commit()
        return updated

    async def get(
        self, project_id: str, evaluator_id: str
    ) -> tuple[Evaluator, Sequence[EvaluationRule]]:
        """The evaluator and the rules that assign it (newest first).

        Raises:
            NotFound: no such evaluator in the project.
        """
        async with self._uow_factory() as uow:
            evaluator = await uow.repository(EvaluatorRepository).get(project_id, evaluator_id)
            if evaluator is None:
                raise NotFound("Evaluator not found")
            rules = await uow.repository(EvaluationRuleRepository).using(project_id, {evaluator_id})
        return evaluator, rules

    async def list_evaluators(
        self, project_id: str, *, cursor: str | None, limit: int
    ) -> tuple[list[tuple[Evaluator, Sequence[EvaluationRule]]], str | None]:
        """A page of evaluators (newest first), each with the rules assigning any evaluator
        of the page (``evaluator_response`` picks its own), and the next cursor."""
        offset = page_offset(cursor)
        async with self._uow_factory() as uow:
            found = await uow.repository(EvaluatorRepository).page(
                project_id, offset=offset, limit=limit + 1
            )
            page = found[:limit]
            # One read for the page; each evaluator's response keeps its own assignments.
            rules = await uow.repository(EvaluationRuleRepository).using(
                project_id, {e.id for e in page}
            )
        return [(e, rules) for e in page], page_cursor(offset, limit, len(found))

    async def versions(
        self, project_id: str, evaluator_id: str, *, cursor: str | None, limit: int
    ) -> tuple[Sequence[EvaluatorVersion], str | None]:
        """A page of the evaluator's versions, newest first, and the next cursor.

        Raises:
            NotFound: no such evaluator in the project.
        """
        offset = page_offset(cursor)
        async with self._uow_factory() as uow:
            repo = uow.repository(EvaluatorRepository)
            if await repo.get(project_id, evaluator_id) is None:
                raise NotFound("Evaluator not found")
            found = await repo.versions(project_id, evaluator_id, offset=offset, limit=limit + 1)
        return found[:limit], page_cursor(offset, limit, len(found))

    async def delete(self, project_id: str, evaluator_id: str) -> None:
        """Remove the evaluator, its versions and its rule assignments; a rule left
        without evaluators is disabled (as an empty assignment list does).

        Raises:
            NotFound: no such evaluator in the project.
        """
        now = self._clock.now()
        async with self._uow_factory() as uow:
            rules = uow.repository(EvaluationRuleRepository)
            for rule in await rules.using(project_id, {evaluator_id}):
                kept = [a for a in rule.assignments if a.evaluator_id != evaluator_id]
                await rules.update(
                    msgspec.structs.replace(
                        rule,
                        assignments=kept,
                        status=rule.status if kept else RuleStatus.INACTIVE,
                        updated_at=now,
                    )
                )
            if not await uow.repository(EvaluatorRepository).delete(project_id, evaluator_id):
                raise NotFound("Evaluator not found")
            await uow.commit()


def _given(value: _T | msgspec.UnsetType | None) -> _T | None:
    """A replaced definition field: absent means none, like ``null``."""
    return None if isinstance(value, msgspec.UnsetType) else value


def _name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidInput(f"name must be 1 to {MAX_NAME} characters, not blank")
    return name


def _check_description(description: str | None) -> None:
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise InvalidInput(f"description must be at most {MAX_DESCRIPTION} characters")


async def _definition(
    uow: UnitOfWork,
    project_id: str,
    evaluator_id: str,
    number: int,
    prompt: str | list[ChatMessage],
    model: EvaluatorModelConfig | None,
    mapping: list[VariableMapping] | None,
    output: OutputDefinition,
    now: Any,
) -> EvaluatorVersion:
    messages = prompt_messages(prompt)
    variables = prompt_variables(messages)
    judge_output(output)
    if mapping is not None:
        check_mapping(variables, mapping, where="variableMapping")
    if model is not None:
        await _check_model(uow, project_id, model)
    return EvaluatorVersion(
        id=new_id(),
        project_id=project_id,
        evaluator_id=evaluator_id,
        version=number,
        messages=msgspec.to_builtins(messages),
        variables=variables,
        variable_mapping=msgspec.to_builtins(mapping) if mapping is not None else None,
        model_config=msgspec.to_builtins(model) if model is not None else None,
        output_definition=msgspec.to_builtins(output),
        created_at=now,
    )


async def _check_model(uow: UnitOfWork, project_id: str, model: EvaluatorModelConfig) -> None:
    if not model.model.strip() or len(model.model) > MAX_NAME:
        raise InvalidInput(f"modelConfig.model must be 1 to {MAX_NAME} characters")
    if model.params is not None and len(msgspec.json.encode(model.params)) > MAX_PARAMS_BYTES:
        raise InvalidInput(f"modelConfig.params must be at most {MAX_PARAMS_BYTES} bytes of JSON")
    connections = uow.repository(LlmConnectionRepository)
    if await connections.get_by_provider(project_id, model.provider) is None:
        raise InvalidInput(
            f"modelConfig.provider: the project has no LLM connection '{model.provider}' "
            "(create it with PUT /api/public/llm-connections)"
        )
