"""Contract of ``PromptRepository``, for every adapter (memory, SQLite, PostgreSQL).

The unit-of-work factories come from ``conftest.py``. Two projects (``prj-a`` and
``prj-b``) exist before every test, so scoping can be checked everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from spyglass_adapters.sql import SqlUnitOfWorkFactory
from spyglass_adapters.testing.schema import schema_differences
from spyglass_core.domain.errors import Conflict
from spyglass_core.domain.projects import Organization, Project
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_prompts.domain.prompts import Prompt, PromptReference, PromptSummary, PromptType
from spyglass_prompts.ports import PromptRepository
from spyglass_prompts.storage.tables import metadata as prompt_tables
from spyglass_tracing.storage.tables import metadata as tracing_tables

T0 = datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)
PLUS_0530 = timezone(timedelta(hours=5, minutes=30))
CHAT = [
    {"role": "system", "content": "You are {{persona}} ✓"},
    {"type": "placeholder", "name": "history"},
    {"role": "user", "content": "{{question}}"},
]


def make_prompt(
    name: str = "greeting",
    version: int = 1,
    project_id: str = "prj-a",
    *,
    labels: Sequence[str] = (),
    tags: Sequence[str] = (),
    at: datetime = T0,
    **fields: Any,
) -> Prompt:
    """A version as the repository returns it: ``labels`` and ``tags`` sorted."""
    return Prompt(
        id=fields.pop("id", f"{project_id}/{name}/v{version}"),
        project_id=project_id,
        name=name,
        version=version,
        type=fields.pop("type", PromptType.TEXT),
        prompt=fields.pop("prompt", f"Hello {{{{who}}}} from v{version}"),
        created_at=at,
        updated_at=fields.pop("updated_at", at),
        labels=sorted(labels),
        tags=sorted(tags),
        **fields,
    )


def with_(prompt: Prompt, **fields: Any) -> Prompt:
    return Prompt(**{**{f: getattr(prompt, f) for f in prompt.__struct_fields__}, **fields})


@pytest.fixture
async def factory(uow_factory: UnitOfWorkFactory) -> UnitOfWorkFactory:
    async with uow_factory() as uow:
        await uow.organizations.add(Organization(id="org-a", name="Org", created_at=T0))
        for project_id in ("prj-a", "prj-b"):
            await uow.projects.add(
                Project(id=project_id, organization_id="org-a", name=project_id, created_at=T0)
            )
        await uow.commit()
    return uow_factory


async def add(
    factory: UnitOfWorkFactory,
    *prompts: Prompt,
    dependencies: dict[str, list[PromptReference]] | None = None,
) -> None:
    """Add and commit ``prompts`` in order, in one unit of work."""
    async with factory() as uow:
        for prompt in prompts:
            await uow.repository(PromptRepository).add(
                prompt, (dependencies or {}).get(prompt.id, [])
            )
        await uow.commit()


async def versions(factory: UnitOfWorkFactory, name: str, project_id: str = "prj-a") -> list:
    """``(version, labels, tags)`` of every version of ``name``."""
    async with factory() as uow:
        return [
            (p.version, p.labels, p.tags)
            for p in await uow.repository(PromptRepository).list_versions(project_id, name)
        ]


# --- round trips ------------------------------------------------------------------------


async def test_every_field_round_trips(factory: UnitOfWorkFactory) -> None:
    text = make_prompt(
        "folder/welcome ✓",
        labels=["production", "staging"],
        at=datetime(2026, 1, 1, 10, 0, 0, 1, tzinfo=PLUS_0530),
        updated_at=datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=PLUS_0530),
        prompt="Hi {{name}}, see @@@langfusePrompt:name=base|label=production@@@",
        config={
            "model": "gpt-4o",
            "temperature": 0.25,
            "max_tokens": 512,
            "stop": ["\n", "ü"],
            "nested": {"flag": True, "none": None, "empty": {}},
        },
        commit_message="First draft",
        created_by="usr-a",
    )
    chat = make_prompt("chat", type=PromptType.CHAT, prompt=CHAT, config=[1, "two", None, 3.5])
    bare = make_prompt("bare")
    null_config = make_prompt("null-config", config=None)
    async with factory() as uow:
        await uow.repository(PromptRepository).add(
            text, [PromptReference(name="base", label="production")]
        )
        await uow.repository(PromptRepository).add(chat, [])
        await uow.repository(PromptRepository).add(bare, [])
        await uow.repository(PromptRepository).add(null_config, [])
        # Readable inside the same unit of work before commit.
        assert await uow.repository(PromptRepository).get("prj-a", text.name, version=1) == text
        await uow.commit()

    async with factory() as uow:
        got = await uow.repository(PromptRepository).get("prj-a", text.name, version=1)
        assert got == text
        assert got is not None
        assert got.created_at.utcoffset() is not None
        assert got.updated_at == datetime(2026, 1, 1, 21, 34, 5, 678901, tzinfo=UTC)
        assert got.config["nested"] == {"flag": True, "none": None, "empty": {}}
        assert await uow.repository(PromptRepository).get("prj-a", "chat", version=1) == chat
        got_bare = await uow.repository(PromptRepository).get("prj-a", "bare", version=1)
        assert got_bare == bare
        assert got_bare is not None
        assert (got_bare.config, got_bare.labels, got_bare.tags) == ({}, [], [])
        assert (got_bare.commit_message, got_bare.created_by) == (None, "API")
        assert (
            await uow.repository(PromptRepository).get("prj-a", "null-config", version=1)
            == null_config
        )


async def test_returned_prompts_are_copies(factory: UnitOfWorkFactory) -> None:
    original = make_prompt(config={"list": [1]}, labels=["production"])
    given = make_prompt(config={"list": [1]}, labels=["production"])
    await add(factory, given)
    given.config["list"].append("changed after add")
    async with factory() as uow:
        got = await uow.repository(PromptRepository).get("prj-a", "greeting", version=1)
        assert got is not None
        got.config["list"].append("changed after get")
        got.labels.append("mutated")
        assert (
            await uow.repository(PromptRepository).get("prj-a", "greeting", version=1) == original
        )
    async with factory() as uow:
        assert (
            await uow.repository(PromptRepository).get("prj-a", "greeting", version=1) == original
        )


# --- versions ---------------------------------------------------------------------------


async def test_duplicate_version_conflicts_and_changes_nothing(
    factory: UnitOfWorkFactory,
) -> None:
    first = make_prompt(labels=["production"])
    await add(factory, first)
    async with factory() as uow:
        with pytest.raises(Conflict):
            await uow.repository(PromptRepository).add(
                make_prompt(id="other-id", prompt="clash", labels=["staging"]), []
            )
    async with factory() as uow:
        assert await uow.repository(PromptRepository).list_versions("prj-a", "greeting") == [first]
        assert (
            await uow.repository(PromptRepository).get("prj-a", "greeting", label="staging") is None
        )
    # The same version number is free for another name and in another project.
    await add(factory, make_prompt("other"), make_prompt(project_id="prj-b"))


async def test_duplicate_version_within_one_unit_of_work_conflicts(
    factory: UnitOfWorkFactory,
) -> None:
    async with factory() as uow:
        await uow.repository(PromptRepository).add(make_prompt(), [])
        with pytest.raises(Conflict):
            await uow.repository(PromptRepository).add(make_prompt(id="other-id"), [])


async def test_latest_version(factory: UnitOfWorkFactory) -> None:
    async with factory() as uow:
        assert await uow.repository(PromptRepository).latest_version("prj-a", "greeting") is None
    await add(factory, make_prompt(version=1), make_prompt(version=3), make_prompt(version=2))
    async with factory() as uow:
        assert await uow.repository(PromptRepository).latest_version("prj-a", "greeting") == 3
        assert await uow.repository(PromptRepository).latest_version("prj-b", "greeting") is None
        assert await uow.repository(PromptRepository).latest_version("prj-a", "GREETING") is None


async def test_get_by_version_or_label(factory: UnitOfWorkFactory) -> None:
    v1 = make_prompt(version=1, labels=["staging"])
    v2 = make_prompt(version=2, labels=["latest", "production"])
    await add(factory, v1, v2, make_prompt("other", labels=["dev"]))
    async with factory() as uow:
        assert await uow.repository(PromptRepository).get("prj-a", "greeting", version=1) == v1
        assert await uow.repository(PromptRepository).get("prj-a", "greeting", version=2) == v2
        assert (
            await uow.repository(PromptRepository).get("prj-a", "greeting", label="production")
            == v2
        )
        assert await uow.repository(PromptRepository).get("prj-a", "greeting", label="latest") == v2
        assert (
            await uow.repository(PromptRepository).get("prj-a", "greeting", label="staging") == v1
        )
        assert await uow.repository(PromptRepository).get("prj-a", "greeting") is None
        assert await uow.repository(PromptRepository).get("prj-a", "greeting", version=3) is None
        assert (
            await uow.repository(PromptRepository).get("prj-a", "greeting", label="missing") is None
        )
        assert await uow.repository(PromptRepository).get("prj-a", "greeting", label="dev") is None
        assert await uow.repository(PromptRepository).get("prj-a", "missing", version=1) is None
        assert await uow.repository(PromptRepository).get("prj-b", "greeting", version=1) is None


async def test_list_versions_is_ascending_and_complete(factory: UnitOfWorkFactory) -> None:
    prompts = [make_prompt(version=v, labels=[f"l{v}"]) for v in (2, 10, 1)]
    await add(factory, *prompts)
    async with factory() as uow:
        assert await uow.repository(PromptRepository).list_versions("prj-a", "greeting") == sorted(
            prompts, key=lambda p: p.version
        )
        assert await uow.repository(PromptRepository).list_versions("prj-a", "missing") == []


# --- labels -----------------------------------------------------------------------------


async def test_adding_a_version_moves_its_labels(factory: UnitOfWorkFactory) -> None:
    await add(factory, make_prompt(version=1, labels=["latest", "production", "staging"]))
    await add(factory, make_prompt(version=2, labels=["latest", "production", "production"]))
    assert await versions(factory, "greeting") == [
        (1, ["staging"], []),
        (2, ["latest", "production"], []),
    ]
    async with factory() as uow:
        got = await uow.repository(PromptRepository).get("prj-a", "greeting", label="production")
        assert got is not None and got.version == 2


async def test_add_labels_moves_them_and_keeps_the_versions_others(
    factory: UnitOfWorkFactory,
) -> None:
    await add(
        factory,
        make_prompt(version=1, labels=["staging"]),
        make_prompt(version=2, labels=["latest", "production", "canary"]),
        make_prompt(version=3, labels=["dev"]),
    )
    async with factory() as uow:
        await uow.repository(PromptRepository).add_labels(
            "prj-a", "greeting", 1, ["production", "canary", "canary"]
        )
        await uow.repository(PromptRepository).add_labels("prj-a", "greeting", 3, [])
        await uow.repository(PromptRepository).add_labels(
            "prj-a", "greeting", 9, ["ghost"]
        )  # no such version
        await uow.commit()
    assert await versions(factory, "greeting") == [
        (1, ["canary", "production", "staging"], []),
        (2, ["latest"], []),
        (3, ["dev"], []),
    ]
    async with factory() as uow:
        assert (
            await uow.repository(PromptRepository).get("prj-a", "greeting", label="ghost") is None
        )
        # Re-adding a label the version already has is harmless.
        await uow.repository(PromptRepository).add_labels("prj-a", "greeting", 1, ["staging"])
        await uow.commit()
    assert (await versions(factory, "greeting"))[0] == (1, ["canary", "production", "staging"], [])


async def test_labels_are_unique_per_name_only(factory: UnitOfWorkFactory) -> None:
    await add(
        factory,
        make_prompt("a", labels=["production"]),
        make_prompt("b", labels=["production"]),
        make_prompt("a", project_id="prj-b", labels=["production"]),
    )
    await add(factory, make_prompt("a", version=2, labels=["production"]))
    async with factory() as uow:
        await uow.repository(PromptRepository).add_labels("prj-a", "b", 1, ["production"])
        await uow.commit()
    assert await versions(factory, "a") == [(1, [], []), (2, ["production"], [])]
    assert await versions(factory, "b") == [(1, ["production"], [])]
    assert await versions(factory, "a", "prj-b") == [(1, ["production"], [])]


# --- tags -------------------------------------------------------------------------------


async def test_set_tags_replaces_the_names_tags_on_every_version(
    factory: UnitOfWorkFactory,
) -> None:
    await add(
        factory,
        make_prompt(version=1),
        make_prompt(version=2),
        make_prompt("other"),
        make_prompt(project_id="prj-b"),
    )
    async with factory() as uow:
        await uow.repository(PromptRepository).set_tags(
            "prj-a", "greeting", ["zeta", "alpha", "zeta"]
        )
        await uow.repository(PromptRepository).set_tags("prj-a", "other", ["other-tag"])
        await uow.commit()
    assert await versions(factory, "greeting") == [
        (1, [], ["alpha", "zeta"]),
        (2, [], ["alpha", "zeta"]),
    ]
    async with factory() as uow:
        await uow.repository(PromptRepository).set_tags("prj-a", "greeting", ["beta"])
        await uow.commit()
    assert await versions(factory, "greeting") == [(1, [], ["beta"]), (2, [], ["beta"])]
    # A version added later shares the name's tags.
    await add(factory, make_prompt(version=3))
    async with factory() as uow:
        got = await uow.repository(PromptRepository).get("prj-a", "greeting", version=3)
        assert got is not None and got.tags == ["beta"]
        await uow.repository(PromptRepository).set_tags("prj-a", "greeting", [])
        await uow.commit()
    assert [t for _, _, t in await versions(factory, "greeting")] == [[], [], []]
    assert await versions(factory, "other") == [(1, [], ["other-tag"])]
    assert await versions(factory, "greeting", "prj-b") == [(1, [], [])]


# --- delete -----------------------------------------------------------------------------


async def test_delete_selected_versions(factory: UnitOfWorkFactory) -> None:
    child_ref = PromptReference(name="child", version=1)
    v1 = make_prompt(version=1, labels=["staging"])
    v2 = make_prompt(version=2, labels=["production"])
    v3 = make_prompt(version=3, labels=["latest"])
    await add(
        factory,
        v1,
        v2,
        v3,
        make_prompt(project_id="prj-b", labels=["production"]),
        dependencies={v2.id: [child_ref], v3.id: [child_ref]},
    )
    async with factory() as uow:
        await uow.repository(PromptRepository).set_tags("prj-a", "greeting", ["t"])
        await uow.commit()

    async with factory() as uow:
        assert await uow.repository(PromptRepository).delete("prj-a", "greeting", [2, 1, 7]) == 2
        assert await uow.repository(PromptRepository).delete("prj-a", "greeting", [2]) == 0
        assert await uow.repository(PromptRepository).delete("prj-a", "greeting", []) == 0
        await uow.commit()
    async with factory() as uow:
        assert (
            await uow.repository(PromptRepository).get("prj-a", "greeting", label="production")
            is None
        )
        assert (
            await uow.repository(PromptRepository).get("prj-a", "greeting", label="staging") is None
        )
        assert await uow.repository(PromptRepository).dependencies(v2.id) == []
        assert [
            (p.id, r)
            for p, r in await uow.repository(PromptRepository).dependents("prj-a", "child")
        ] == [(v3.id, child_ref)]
        assert await uow.repository(PromptRepository).latest_version("prj-a", "greeting") == 3
    # Tags stay while a version remains; the other project is untouched.
    assert await versions(factory, "greeting") == [(3, ["latest"], ["t"])]
    assert await versions(factory, "greeting", "prj-b") == [(1, ["production"], [])]

    # A deleted version number and a deleted label can be used again.
    await add(factory, make_prompt(version=1, id="new-v1", labels=["production"]))
    assert await versions(factory, "greeting") == [
        (1, ["production"], ["t"]),
        (3, ["latest"], ["t"]),
    ]


async def test_delete_all_versions_drops_labels_dependencies_and_tags(
    factory: UnitOfWorkFactory,
) -> None:
    v1 = make_prompt(version=1, labels=["production"])
    v2 = make_prompt(version=2, labels=["latest"])
    await add(
        factory,
        v1,
        v2,
        make_prompt("other", labels=["production"]),
        dependencies={v1.id: [PromptReference(name="other", label="production")]},
    )
    async with factory() as uow:
        await uow.repository(PromptRepository).set_tags("prj-a", "greeting", ["t"])
        await uow.repository(PromptRepository).set_tags("prj-b", "greeting", ["kept"])
        await uow.commit()
    async with factory() as uow:
        assert await uow.repository(PromptRepository).delete("prj-a", "greeting") == 2
        await uow.commit()
    async with factory() as uow:
        assert await uow.repository(PromptRepository).list_versions("prj-a", "greeting") == []
        assert await uow.repository(PromptRepository).latest_version("prj-a", "greeting") is None
        assert await uow.repository(PromptRepository).dependencies(v1.id) == []
        assert await uow.repository(PromptRepository).dependents("prj-a", "other") == []
        assert await uow.repository(PromptRepository).delete("prj-a", "greeting") == 0
        assert await uow.repository(PromptRepository).list_summaries("prj-a", name="greeting") == (
            [],
            0,
        )
    assert await versions(factory, "other") == [(1, ["production"], [])]
    # The name starts afresh: no leftover labels or tags; other projects keep theirs.
    await add(factory, make_prompt(version=1, id="again"))
    assert await versions(factory, "greeting") == [(1, [], [])]
    async with factory() as uow:
        assert (
            await uow.repository(PromptRepository).get("prj-a", "greeting", label="production")
            is None
        )
        assert (await uow.repository(PromptRepository).list_summaries("prj-b"))[1] == 0
    await add(factory, make_prompt(project_id="prj-b"))
    assert await versions(factory, "greeting", "prj-b") == [(1, [], ["kept"])]


# --- dependencies -----------------------------------------------------------------------


async def test_dependencies_and_dependents(factory: UnitOfWorkFactory) -> None:
    by_label = PromptReference(name="child", label="production")
    by_version = PromptReference(name="child", version=2)
    elsewhere = PromptReference(name="elsewhere", version=1)
    parent_v1 = make_prompt("parent", 1)
    parent_v2 = make_prompt("parent", 2, labels=["latest"])
    another = make_prompt("another", 1, labels=["production"])
    unrelated = make_prompt("unrelated", 1)
    foreign = make_prompt("parent", 1, project_id="prj-b")
    await add(
        factory,
        parent_v2,
        parent_v1,
        another,
        unrelated,
        foreign,
        dependencies={
            parent_v1.id: [by_version],
            parent_v2.id: [elsewhere, by_label, by_version],
            another.id: [by_label],
            unrelated.id: [elsewhere],
            foreign.id: [by_label],
        },
    )
    async with factory() as uow:
        await uow.repository(PromptRepository).set_tags("prj-a", "parent", ["composed"])
        await uow.commit()
    async with factory() as uow:
        assert await uow.repository(PromptRepository).dependencies(parent_v2.id) == [
            elsewhere,
            by_label,
            by_version,
        ]
        assert await uow.repository(PromptRepository).dependencies(parent_v1.id) == [by_version]
        assert await uow.repository(PromptRepository).dependencies("missing") == []
        # Ordered by parent name and version; a version's references keep their order.
        assert await uow.repository(PromptRepository).dependents("prj-a", "child") == [
            (another, by_label),
            (with_(parent_v1, tags=["composed"]), by_version),
            (with_(parent_v2, tags=["composed"]), by_label),
            (with_(parent_v2, tags=["composed"]), by_version),
        ]
        assert [
            p.id for p, _ in await uow.repository(PromptRepository).dependents("prj-a", "elsewhere")
        ] == [
            parent_v2.id,
            unrelated.id,
        ]
        assert await uow.repository(PromptRepository).dependents("prj-b", "child") == [
            (foreign, by_label)
        ]
        assert await uow.repository(PromptRepository).dependents("prj-a", "parent") == []
        assert await uow.repository(PromptRepository).dependents("prj-a", "CHILD") == []


# --- summaries --------------------------------------------------------------------------


async def test_list_summaries_content_and_order(factory: UnitOfWorkFactory) -> None:
    alpha_v1 = make_prompt(
        "alpha",
        1,
        labels=["staging"],
        at=T0,
        updated_at=T0 + timedelta(days=5),
        config={"v": 1},
    )
    alpha_v2 = make_prompt(
        "alpha",
        2,
        type=PromptType.CHAT,
        prompt=CHAT,
        labels=["latest", "production"],
        at=T0 + timedelta(days=1),
        config={"model": "m", "temperature": 0},
    )
    await add(
        factory,
        alpha_v2,
        alpha_v1,
        make_prompt("beta", config=[1, 2]),
        make_prompt("Beta"),  # upper case sorts first, byte-wise
        make_prompt("folder/x", labels=["latest"]),
        make_prompt("alpha", project_id="prj-b"),
    )
    async with factory() as uow:
        await uow.repository(PromptRepository).set_tags("prj-a", "alpha", ["b-tag", "a-tag"])
        await uow.commit()
    async with factory() as uow:
        summaries, total = await uow.repository(PromptRepository).list_summaries("prj-a")
    assert total == 4
    assert [s.name for s in summaries] == ["Beta", "alpha", "beta", "folder/x"]
    assert summaries[1] == PromptSummary(
        name="alpha",
        type=PromptType.CHAT,
        versions=[1, 2],
        labels=["latest", "production", "staging"],
        tags=["a-tag", "b-tag"],
        last_updated_at=T0 + timedelta(days=5),
        last_config={"model": "m", "temperature": 0},
    )
    assert summaries[2] == PromptSummary(
        name="beta",
        type=PromptType.TEXT,
        versions=[1],
        labels=[],
        tags=[],
        last_updated_at=T0,
        last_config=[1, 2],
    )
    assert summaries[1].last_updated_at.utcoffset() is not None


async def test_list_summaries_filters(factory: UnitOfWorkFactory) -> None:
    await add(
        factory,
        make_prompt("a", 1, labels=["production"], at=T0),
        make_prompt("a", 2, labels=["latest"], at=T0 + timedelta(hours=2)),
        make_prompt("b", 1, labels=["latest", "staging"], at=T0 + timedelta(hours=1)),
        make_prompt("c", 1, labels=["latest"], at=T0 + timedelta(hours=3)),
        make_prompt("a/b", 1, at=T0),
        make_prompt("b", 1, project_id="prj-b", labels=["production"]),
    )
    async with factory() as uow:
        await uow.repository(PromptRepository).set_tags("prj-a", "b", ["shared", "only-b"])
        await uow.repository(PromptRepository).set_tags("prj-a", "c", ["shared"])
        await uow.repository(PromptRepository).set_tags("prj-b", "a", ["only-b"])
        await uow.commit()

    async def names(**filters: Any) -> tuple[list[str], int]:
        async with factory() as uow:
            summaries, total = await uow.repository(PromptRepository).list_summaries(
                "prj-a", **filters
            )
        return [s.name for s in summaries], total

    assert await names() == (["a", "a/b", "b", "c"], 4)
    assert await names(name="a") == (["a"], 1)
    assert await names(name="A") == ([], 0)
    assert await names(name="missing") == ([], 0)
    assert await names(label="production") == (["a"], 1)
    assert await names(label="latest") == (["a", "b", "c"], 3)
    assert await names(label="nope") == ([], 0)
    assert await names(tag="shared") == (["b", "c"], 2)
    assert await names(tag="only-b") == (["b"], 1)
    assert await names(updated_from=T0 + timedelta(hours=2)) == (["a", "c"], 2)
    assert await names(updated_to=T0 + timedelta(hours=1)) == (["a", "a/b"], 2)
    assert await names(
        updated_from=T0 + timedelta(hours=1), updated_to=T0 + timedelta(hours=3)
    ) == (["a", "b"], 2)
    # Filters may be given in any time zone.
    assert await names(updated_from=(T0 + timedelta(hours=3)).astimezone(PLUS_0530)) == (["c"], 1)
    assert await names(label="latest", tag="shared") == (["b", "c"], 2)
    assert await names(name="b", label="staging", tag="only-b") == (["b"], 1)
    # One version must pass every version filter: a's "production" version is too old.
    assert await names(label="production", updated_from=T0 + timedelta(hours=1)) == ([], 0)
    # A filtered summary still describes every version of the name.
    async with factory() as uow:
        (summary,), _ = await uow.repository(PromptRepository).list_summaries(
            "prj-a", label="production"
        )
    assert summary.versions == [1, 2]
    assert summary.labels == ["latest", "production"]
    assert summary.last_updated_at == T0 + timedelta(hours=2)


async def test_list_summaries_pages(factory: UnitOfWorkFactory) -> None:
    names = [f"p{i:02d}" for i in range(12)]
    await add(factory, *(make_prompt(n) for n in reversed(names)))
    await add(factory, make_prompt("p00", 2), make_prompt("zz", project_id="prj-b"))

    async def page(**kwargs: Any) -> tuple[list[str], int]:
        async with factory() as uow:
            summaries, total = await uow.repository(PromptRepository).list_summaries(
                "prj-a", **kwargs
            )
        return [s.name for s in summaries], total

    assert await page() == (names[:10], 12)
    assert await page(offset=10) == (names[10:], 12)
    assert await page(offset=3, limit=4) == (names[3:7], 12)
    assert await page(offset=12) == ([], 12)
    assert await page(offset=50, limit=5) == ([], 12)
    assert await page(limit=0) == ([], 12)
    assert await page(limit=100) == (names, 12)
    assert await page(label="missing", offset=0) == ([], 0)
    async with factory() as uow:
        assert await uow.repository(PromptRepository).list_summaries("prj-b") == (
            [
                PromptSummary(
                    name="zz",
                    type=PromptType.TEXT,
                    versions=[1],
                    labels=[],
                    tags=[],
                    last_updated_at=T0,
                    last_config={},
                )
            ],
            1,
        )


async def test_list_summaries_by_name_substring_and_after_a_name(
    factory: UnitOfWorkFactory,
) -> None:
    names = ["Alpha", "alphabet", "beta", "folder/ALPHA", "gamma", "100%_sure", "100x-sure"]
    await add(factory, *(make_prompt(n) for n in names), make_prompt("alpha", project_id="prj-b"))

    async def page(**kwargs: Any) -> tuple[list[str], int]:
        async with factory() as uow:
            summaries, total = await uow.repository(PromptRepository).list_summaries(
                "prj-a", **kwargs
            )
        return [s.name for s in summaries], total

    # Case-insensitive (ASCII), byte-wise order, scoped to the project.
    assert await page(name_contains="alpha") == (["Alpha", "alphabet", "folder/ALPHA"], 3)
    assert await page(name_contains="LPh") == (["Alpha", "alphabet", "folder/ALPHA"], 3)
    assert await page(name_contains="der/a") == (["folder/ALPHA"], 1)
    assert await page(name_contains="missing") == ([], 0)
    # LIKE's wildcards and the escape character are plain characters.
    assert await page(name_contains="%_") == (["100%_sure"], 1)
    assert await page(name_contains="0_") == ([], 0)
    assert await page(name_contains="/") == (["folder/ALPHA"], 1)
    assert await page(name_contains="r/") == (["folder/ALPHA"], 1)
    # Keyset pages: strictly after the given name, combinable with the substring.
    assert await page(after_name="alphabet") == (["beta", "folder/ALPHA", "gamma"], 3)
    assert await page(after_name="Alpha", limit=2) == (["alphabet", "beta"], 4)
    assert await page(after_name="A") == (["Alpha", "alphabet", "beta", "folder/ALPHA", "gamma"], 5)
    assert await page(after_name="zzz") == ([], 0)
    assert await page(name_contains="ALPHA", after_name="Alpha") == (
        ["alphabet", "folder/ALPHA"],
        2,
    )


async def test_list_summaries_of_an_empty_project(factory: UnitOfWorkFactory) -> None:
    async with factory() as uow:
        assert await uow.repository(PromptRepository).list_summaries("prj-a") == ([], 0)
        assert await uow.repository(PromptRepository).list_summaries(
            "no-such-project", tag="x"
        ) == ([], 0)


# --- scoping and transactions -----------------------------------------------------------


async def test_the_same_name_in_two_projects_never_mixes(factory: UnitOfWorkFactory) -> None:
    a = make_prompt(labels=["production"], prompt="in a")
    b1 = make_prompt(project_id="prj-b", labels=["staging"], prompt="in b")
    b2 = make_prompt(version=2, project_id="prj-b", labels=["production"])
    await add(factory, a, b1, b2)
    async with factory() as uow:
        await uow.repository(PromptRepository).set_tags("prj-a", "greeting", ["a-tag"])
        await uow.repository(PromptRepository).set_tags("prj-b", "greeting", ["b-tag"])
        await uow.repository(PromptRepository).add_labels("prj-b", "greeting", 1, ["production"])
        await uow.commit()
    async with factory() as uow:
        assert await uow.repository(PromptRepository).latest_version("prj-a", "greeting") == 1
        assert await uow.repository(PromptRepository).latest_version("prj-b", "greeting") == 2
        assert await uow.repository(PromptRepository).get(
            "prj-a", "greeting", label="production"
        ) == with_(a, tags=["a-tag"])
        got_b = await uow.repository(PromptRepository).get("prj-b", "greeting", label="production")
        assert got_b is not None
        assert (got_b.id, got_b.labels, got_b.tags) == (
            b1.id,
            ["production", "staging"],
            ["b-tag"],
        )
        assert (
            await uow.repository(PromptRepository).get("prj-a", "greeting", label="staging") is None
        )
        assert [
            p.id for p in await uow.repository(PromptRepository).list_versions("prj-b", "greeting")
        ] == [
            b1.id,
            b2.id,
        ]
        (summary_a,), _ = await uow.repository(PromptRepository).list_summaries("prj-a")
        assert (summary_a.versions, summary_a.labels, summary_a.tags) == (
            [1],
            ["production"],
            ["a-tag"],
        )
        assert await uow.repository(PromptRepository).delete("prj-b", "greeting") == 2
        await uow.commit()
    assert await versions(factory, "greeting") == [(1, ["production"], ["a-tag"])]


async def test_rollback_discards_prompt_writes(factory: UnitOfWorkFactory) -> None:
    v1 = make_prompt(version=1, labels=["production"], config={"kept": [1]})
    await add(factory, v1, dependencies={v1.id: [PromptReference(name="x", version=1)]})
    async with factory() as uow:
        await uow.repository(PromptRepository).set_tags("prj-a", "greeting", ["t"])
        await uow.commit()

    async with factory() as uow:
        await uow.repository(PromptRepository).add(
            make_prompt(version=2, labels=["production", "latest"]), []
        )
        await uow.repository(PromptRepository).add_labels("prj-a", "greeting", 1, ["staging"])
        await uow.repository(PromptRepository).set_tags("prj-a", "greeting", ["changed"])
        await uow.repository(PromptRepository).add(
            make_prompt("new"), [PromptReference(name="x", label="l")]
        )
        assert (await uow.repository(PromptRepository).list_summaries("prj-a"))[1] == 2
    async with factory() as uow:
        assert await uow.repository(PromptRepository).list_versions("prj-a", "greeting") == [
            with_(v1, tags=["t"])
        ]
        assert await uow.repository(PromptRepository).latest_version("prj-a", "new") is None
        assert [
            p.id for p, _ in await uow.repository(PromptRepository).dependents("prj-a", "x")
        ] == [v1.id]

    async with factory() as uow:
        assert await uow.repository(PromptRepository).delete("prj-a", "greeting") == 1
        await uow.rollback()
        assert await uow.repository(PromptRepository).get(
            "prj-a", "greeting", label="production"
        ) == with_(v1, tags=["t"])
    async with factory() as uow:
        assert await uow.repository(PromptRepository).dependencies(v1.id) == [
            PromptReference(name="x", version=1)
        ]
    assert await versions(factory, "greeting") == [(1, ["production"], ["t"])]


# --- schema -----------------------------------------------------------------------------


async def test_migrated_schema_matches_the_table_definitions(
    sql_uow_factory: SqlUnitOfWorkFactory,
) -> None:
    def diff(connection: Any) -> list[Any]:
        return schema_differences(connection, prompt_tables, tracing_tables)

    async with sql_uow_factory.engine.connect() as conn:
        assert await conn.run_sync(diff) == []
