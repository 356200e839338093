"""Prompt composition: finding, checking and inlining ``@@@langfusePrompt:…@@@`` references.

Every occurrence of a tag is replaced by the whole resolved child, so a few small prompts
describe a huge one: 1000 ``x``, 1000 of its tag and 20 of that tag resolve to 20 MB,
and each further level multiplies again. Resolution is therefore bounded twice
(``CompositionLimits``):

- the resolved size. Sizes are worked out before anything is built: a text's size is its
  literal pieces plus, for each tag, the child's resolved size times the tag's
  occurrences, and each child is given only the budget the text has left for it. The walk
  stops as soon as the running size passes the limit, and never holds more than the limit.
- the references followed, so that a wide or diamond-shaped graph of small prompts (each
  reachable along many paths) cannot make one resolution load thousands of prompts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from spyglass_core.domain.errors import Conflict, DomainError, InvalidInput
from spyglass_prompts.domain.prompts import (
    MAX_NESTING_DEPTH,
    Prompt,
    PromptReference,
    PromptType,
    parse_references,
    split_references,
)

__all__ = (
    "DEFAULT_MAX_REFERENCES",
    "DEFAULT_MAX_RESOLVED_BYTES",
    "CompositionLimits",
    "ResolvedPrompt",
    "references_in",
    "resolve",
    "validate_composition",
)

DEFAULT_MAX_RESOLVED_BYTES = 1024 * 1024
DEFAULT_MAX_REFERENCES = 1000

Loader = Callable[[PromptReference], Awaitable[Prompt | None]]


class CompositionLimits(msgspec.Struct, frozen=True, kw_only=True):
    """How far one prompt's references may take its resolution.

    Attributes:
        max_resolved_bytes: the UTF-8 size of the resolved prompt: the text, or the
            message contents of a chat prompt added up.
        max_references: how many references one resolution follows. Each distinct tag
            of each text expanded counts once (repeats of a tag in one text are inlined
            together and bounded by the size), and a prompt reached along two paths is
            expanded, and counted, twice.
    """

    max_resolved_bytes: int = DEFAULT_MAX_RESOLVED_BYTES
    max_references: int = DEFAULT_MAX_REFERENCES


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


async def validate_composition(
    name: str, prompt_type: PromptType, content: Any, load: Loader, limits: CompositionLimits
) -> None:
    """Refuse a new version of ``name`` whose references would not resolve within bounds.

    Only sizes are computed: nothing is inlined. Content without references is not checked.

    Raises:
        InvalidInput: a missing prompt, a non-text child, a cycle back to ``name``,
            nesting deeper than ``MAX_NESTING_DEPTH``, or a resolution that would exceed
            ``limits`` (the message names the limit and its value).
    """
    if references_in(prompt_type, content):
        walk = _Walk(name, load, limits, creating=True)
        await walk.content(prompt_type, content, root_id="")


async def resolve(prompt: Prompt, load: Loader, limits: CompositionLimits) -> ResolvedPrompt:
    """Inline every reference, depth first; ``graph`` is None when there were none.

    Raises:
        Conflict: a stored reference no longer resolves (its target was relabelled away),
            or the prompt now resolves beyond ``limits``. It was valid when created, so
            the request is not at fault but the current state of its dependencies (a label
            moved to a bigger version), as for a reference that stopped resolving: the
            same 409, fixed by moving the label. ``?resolve=false`` still serves it.
    """
    if not references_in(prompt.type, prompt.prompt):
        return ResolvedPrompt(prompt=prompt.prompt, graph=None)
    walk = _Walk(prompt.name, load, limits, creating=False)
    content = await walk.content(prompt.type, prompt.prompt, root_id=prompt.id)
    graph = (
        {"root": _node(prompt), "dependencies": walk.dependencies} if walk.dependencies else None
    )
    return ResolvedPrompt(prompt=content, graph=graph)


class _Walk:
    """One resolution: at creation it only measures; at read time it also builds.

    The two keep their historical depth rules: creation refuses a child five levels below
    the root, reading only a reference inside one (one level of slack for graphs that grew
    after creation).
    """

    def __init__(
        self, root_name: str, load: Loader, limits: CompositionLimits, *, creating: bool
    ) -> None:
        self._root_name = root_name
        self._load = load
        self._limits = limits
        self._creating = creating
        self._error: type[DomainError] = InvalidInput if creating else Conflict
        self._max_depth = MAX_NESTING_DEPTH - 1 if creating else MAX_NESTING_DEPTH
        self._loaded: dict[PromptReference, Prompt | None] = {}
        self._followed = 0
        self.dependencies: dict[str, list[dict[str, Any]]] = {}

    async def content(self, prompt_type: PromptType, content: Any, *, root_id: str) -> Any:
        """The resolved text or messages (None at creation), within the limits."""
        path = (self._root_name,)
        budget = self._limits.max_resolved_bytes
        if prompt_type is PromptType.TEXT:
            return (await self._text(content, root_id, path, budget))[0]
        messages: list[Any] = []
        for message in content:
            if isinstance(message.get("content"), str):
                text, size = await self._text(message["content"], root_id, path, budget)
                budget -= size
                message = {**message, "content": text}
            messages.append(message)
        return None if self._creating else messages

    async def _text(
        self, text: str, parent_id: str, path: tuple[str, ...], budget: int
    ) -> tuple[str, int]:
        """``text`` resolved (``""`` at creation) and its size, at most ``budget`` bytes."""
        literals, tags = split_references(text)
        size = sum(_utf8_size(piece) for piece in literals)
        if size > budget:
            raise self._too_big()
        inlined: dict[PromptReference, str] = {}
        for reference, count in Counter(tags).items():  # in order of first occurrence
            child = await self._follow(reference, parent_id, path)
            # Whatever the child resolves to appears ``count`` times: it gets an equal
            # share of what is left, so an oversized subtree is refused while it is measured.
            child_text, child_size = await self._text(
                child.prompt, child.id, (*path, child.name), (budget - size) // count
            )
            size += count * child_size
            inlined[reference] = child_text
        if self._creating or not tags:
            return ("" if self._creating else text), size
        parts = [literals[0]]
        for reference, literal in zip(tags, literals[1:], strict=True):
            parts += (inlined[reference], literal)
        return "".join(parts), size

    async def _follow(
        self, reference: PromptReference, parent_id: str, path: tuple[str, ...]
    ) -> Prompt:
        self._followed += 1
        if self._followed > self._limits.max_references:
            raise self._error(
                f"Prompt '{self._root_name}' follows more than "
                f"{self._limits.max_references} prompt references "
                f"(limit max_references = {self._limits.max_references})"
            )
        if len(path) > self._max_depth:
            raise self._error(f"Prompt nesting is deeper than {MAX_NESTING_DEPTH} levels")
        if reference.name in path:
            cycle = " -> ".join([*path, reference.name])
            raise self._error(f"Circular prompt dependency: {cycle}")
        if reference not in self._loaded:
            self._loaded[reference] = await self._load(reference)
        child = self._loaded[reference]
        if child is None or child.type is not PromptType.TEXT:
            if not self._creating:
                raise Conflict(f"Dependency of '{path[-1]}' is missing: {_describe(reference)}")
            if child is None:
                raise InvalidInput(f"Referenced prompt not found: {_describe(reference)}")
            raise InvalidInput(f"Only text prompts can be embedded: {_describe(reference)}")
        self.dependencies.setdefault(parent_id, []).append(_node(child))
        return child

    def _too_big(self) -> DomainError:
        limit = self._limits.max_resolved_bytes
        return self._error(
            f"Prompt '{self._root_name}' would resolve to more than {limit} bytes "
            f"(limit max_resolved_bytes = {limit})"
        )


def _utf8_size(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode())


def _node(prompt: Prompt) -> dict[str, Any]:
    return {"id": prompt.id, "name": prompt.name, "version": prompt.version}


def _describe(reference: PromptReference) -> str:
    selector = (
        f"version {reference.version}"
        if reference.version is not None
        else f"label '{reference.label}'"
    )
    return f"'{reference.name}' with {selector}"
