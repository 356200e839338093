"""Composition bounds on an in-memory graph: sizes are measured, never built, when too big."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from spyglass_core.domain.errors import Conflict, InvalidInput
from spyglass_prompts.domain.composition import (
    CompositionLimits,
    resolve,
    validate_composition,
)
from spyglass_prompts.domain.prompts import Prompt, PromptReference, PromptType

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def tag(name: str) -> str:
    return f"@@@langfusePrompt:name={name}|label=production@@@"


class Store:
    """Production versions by name, counting loads."""

    def __init__(self, **texts: str) -> None:
        self.prompts = {name: self.prompt(name, text) for name, text in texts.items()}
        self.loads = 0

    @staticmethod
    def prompt(name: str, content: object, type_: PromptType = PromptType.TEXT) -> Prompt:
        return Prompt(
            id=f"id-{name}",
            project_id="p",
            name=name,
            version=1,
            type=type_,
            prompt=content,
            created_at=NOW,
            updated_at=NOW,
            labels=["production"],
        )

    async def load(self, reference: PromptReference) -> Prompt | None:
        self.loads += 1
        return self.prompts.get(reference.name)


def gigabyte_tree() -> Store:
    """l0 is 1000 bytes, l1 1 MB, then each level 20 times the one below: l4 is 8 GB."""
    return Store(
        l0="x" * 1000,
        l1=tag("l0") * 1000,
        l2=tag("l1") * 20,
        l3=tag("l2") * 20,
        l4=tag("l3") * 20,
    )


async def test_a_gigabyte_composition_is_refused_at_creation_without_being_built() -> None:
    store = gigabyte_tree()
    started = time.perf_counter()
    with pytest.raises(InvalidInput, match=r"more than 1048576 bytes \(limit max_resolved_bytes"):
        await validate_composition(
            "l4", PromptType.TEXT, tag("l3") * 20, store.load, CompositionLimits()
        )
    assert time.perf_counter() - started < 0.5
    assert store.loads == 4  # one walk down: the first leaf over its share stops it


async def test_a_gigabyte_composition_is_a_conflict_on_read() -> None:
    store = gigabyte_tree()
    with pytest.raises(Conflict, match="max_resolved_bytes = 1048576"):
        await resolve(store.prompts["l4"], store.load, CompositionLimits())
    assert store.loads == 4


async def test_resolution_within_the_limits_is_exact() -> None:
    store = Store(child="ü!", parent=f"a{tag('child')}b{tag('child')}c")
    resolved = await resolve(store.prompts["parent"], store.load, CompositionLimits())
    assert resolved.prompt == "aü!bü!c"
    assert resolved.graph == {
        "root": {"id": "id-parent", "name": "parent", "version": 1},
        "dependencies": {"id-parent": [{"id": "id-child", "name": "child", "version": 1}]},
    }
    exact = CompositionLimits(max_resolved_bytes=9)  # "aü!bü!c": 9 UTF-8 bytes
    assert (await resolve(store.prompts["parent"], store.load, exact)).prompt == "aü!bü!c"
    with pytest.raises(Conflict, match="more than 8 bytes"):
        await resolve(store.prompts["parent"], store.load, CompositionLimits(max_resolved_bytes=8))


async def test_chat_messages_share_one_budget() -> None:
    store = Store(child="12345")
    chat = [
        {"role": "system", "content": tag("child")},
        {"type": "placeholder", "name": "history"},
        {"role": "user", "content": "6789" + tag("child")},
    ]
    limits = CompositionLimits(max_resolved_bytes=14)
    await validate_composition("c", PromptType.CHAT, chat, store.load, limits)
    prompt = Store.prompt("c", chat, PromptType.CHAT)
    resolved = await resolve(prompt, store.load, limits)
    assert [m.get("content") for m in resolved.prompt] == ["12345", None, "678912345"]
    with pytest.raises(InvalidInput, match="more than 13 bytes"):
        await validate_composition(
            "c", PromptType.CHAT, chat, store.load, CompositionLimits(max_resolved_bytes=13)
        )


async def test_references_followed_count_every_path() -> None:
    # d refers to b and c, which both refer to a: a is followed twice, 4 in all.
    store = Store(a="x", b=tag("a"), c=tag("a"))
    content = tag("b") + tag("c")
    await validate_composition(
        "d", PromptType.TEXT, content, store.load, CompositionLimits(max_references=4)
    )
    with pytest.raises(InvalidInput, match="more than 3 prompt references"):
        await validate_composition(
            "d", PromptType.TEXT, content, store.load, CompositionLimits(max_references=3)
        )


async def test_nesting_rules_are_unchanged() -> None:
    chain = {f"n{i}": tag(f"n{i + 1}") for i in range(6)}
    store = Store(**chain, n6="end")
    # Creation: a child at most four levels below the new prompt.
    await validate_composition("new", PromptType.TEXT, tag("n3"), store.load, CompositionLimits())
    with pytest.raises(InvalidInput, match="deeper than 5 levels"):
        await validate_composition(
            "new", PromptType.TEXT, tag("n2"), store.load, CompositionLimits()
        )
    # Reading: five levels below the root.
    assert (await resolve(store.prompts["n1"], store.load, CompositionLimits())).prompt == "end"
    with pytest.raises(Conflict, match="deeper than 5 levels"):
        await resolve(store.prompts["n0"], store.load, CompositionLimits())
