"""Prompt composition: finding, checking and inlining ``@@@langfusePrompt:…@@@`` references."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from spyglass_core.domain.errors import Conflict, InvalidInput
from spyglass_prompts.domain.prompts import (
    MAX_NESTING_DEPTH,
    Prompt,
    PromptReference,
    PromptType,
    parse_references,
    reference_tag,
)

__all__ = ("ResolvedPrompt", "references_in", "resolve", "validate_graph")

Loader = Callable[[PromptReference], Awaitable[Prompt | None]]


class ResolvedPrompt(msgspec.Struct, frozen=True, kw_only=True):
    """A prompt with its references inlined, and the graph that was followed."""

    prompt: Any
    graph: dict[str, Any] | None


def references_in(prompt_type: PromptType, content: Any) -> list[PromptReference]:
    """The references in a text prompt or in the contents of chat messages."""
    if prompt_type is PromptType.TEXT:
        return parse_references(content)
    found: list[PromptReference] = []
    for message in content:
        for reference in parse_references(str(message.get("content", ""))):
            if reference not in found:
                found.append(reference)
    return found


async def validate_graph(name: str, references: list[PromptReference], load: Loader) -> None:
    """Refuse a new version of ``name`` whose references are missing, cyclic or too deep.

    Raises:
        InvalidInput: a missing prompt, a non-text child, a cycle back to ``name``, or
            nesting deeper than ``MAX_NESTING_DEPTH``.
    """

    async def walk(refs: list[PromptReference], path: list[str]) -> None:
        if len(path) > MAX_NESTING_DEPTH:
            raise InvalidInput(f"Prompt nesting is deeper than {MAX_NESTING_DEPTH} levels")
        for reference in refs:
            if reference.name in path:
                cycle = " -> ".join([*path, reference.name])
                raise InvalidInput(f"Circular prompt dependency: {cycle}")
            child = await load(reference)
            if child is None:
                raise InvalidInput(f"Referenced prompt not found: {_describe(reference)}")
            if child.type is not PromptType.TEXT:
                raise InvalidInput(f"Only text prompts can be embedded: {_describe(reference)}")
            await walk(parse_references(child.prompt), [*path, child.name])

    await walk(references, [name])


async def resolve(prompt: Prompt, load: Loader) -> ResolvedPrompt:
    """Inline every reference, depth first; ``graph`` is None when there were none.

    Raises:
        Conflict: a stored reference no longer resolves (its target was relabelled away).
    """
    dependencies: dict[str, list[dict[str, Any]]] = {}

    async def inline(text: str, parent: Prompt, depth: int) -> str:
        for reference in parse_references(text):
            if depth >= MAX_NESTING_DEPTH:
                raise Conflict(f"Prompt nesting is deeper than {MAX_NESTING_DEPTH} levels")
            child = await load(reference)
            if child is None or child.type is not PromptType.TEXT:
                raise Conflict(f"Dependency of '{parent.name}' is missing: {_describe(reference)}")
            dependencies.setdefault(parent.id, []).append(_node(child))
            text = text.replace(
                reference_tag(reference), await inline(child.prompt, child, depth + 1)
            )
        return text

    if prompt.type is PromptType.TEXT:
        content: Any = await inline(prompt.prompt, prompt, 0)
    else:
        content = [
            {**m, "content": await inline(m["content"], prompt, 0)} if "content" in m else m
            for m in prompt.prompt
        ]
    graph = {"root": _node(prompt), "dependencies": dependencies} if dependencies else None
    return ResolvedPrompt(prompt=content, graph=graph)


def _node(prompt: Prompt) -> dict[str, Any]:
    return {"id": prompt.id, "name": prompt.name, "version": prompt.version}


def _describe(reference: PromptReference) -> str:
    selector = (
        f"version {reference.version}"
        if reference.version is not None
        else f"label '{reference.label}'"
    )
    return f"'{reference.name}' with {selector}"
