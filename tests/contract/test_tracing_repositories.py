"""Contract of the tracing repositories (models, score configs, ingestion batches, media).

Every test runs against the memory adapter, SQLite and PostgreSQL (``conftest.py``). Two
projects (``prj-a`` and ``prj-b``) exist before every test, so scoping is checked
everywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa

from spyglass_adapters.sql import SqlUnitOfWorkFactory
from spyglass_core.domain.errors import Conflict, NotFound
from spyglass_core.domain.projects import Organization, Project
from spyglass_core.domain.tracing import ScoreDataType
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_tracing.domain.ingestion import BatchRecord
from spyglass_tracing.domain.media import Media
from spyglass_tracing.domain.models import Model, PricingTier, PricingTierCondition
from spyglass_tracing.domain.scoring import ScoreCategory, ScoreConfig
from spyglass_tracing.ports.repositories import (
    IngestionBatchRepository,
    MediaRepository,
    ModelRepository,
    ScoreConfigRepository,
)

T0 = datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)
PLUS_0530 = timezone(timedelta(hours=5, minutes=30))


# --- builders ---------------------------------------------------------------------------


def make_model(model_id: str = "mdl-a", project_id: str | None = "prj-a", **fields: Any) -> Model:
    """A model with a default tier (and the tier ids derived from the model id)."""
    return Model(
        id=model_id,
        project_id=project_id,
        model_name=fields.pop("model_name", f"name-{model_id}"),
        match_pattern=fields.pop("match_pattern", f"(?i)^({model_id})$"),
        pricing_tiers=fields.pop(
            "pricing_tiers",
            [
                PricingTier(
                    id=f"{model_id}/default",
                    name="Standard",
                    is_default=True,
                    priority=0,
                    prices={"input": 2.5e-06, "output": 1e-05},
                )
            ],
        ),
        **fields,
    )


def make_config(config_id: str = "cfg-a", project_id: str = "prj-a", **fields: Any) -> ScoreConfig:
    return ScoreConfig(
        id=config_id,
        project_id=project_id,
        name=fields.pop("name", "accuracy"),
        data_type=fields.pop("data_type", ScoreDataType.NUMERIC),
        created_at=fields.pop("created_at", T0),
        updated_at=fields.pop("updated_at", T0),
        **fields,
    )


def make_batch(batch_id: str = "bat-a", project_id: str = "prj-a", **fields: Any) -> BatchRecord:
    return BatchRecord(
        id=batch_id,
        project_id=project_id,
        blob_key=fields.pop("blob_key", f"ingestion/{project_id}/{batch_id}.json"),
        source=fields.pop("source", "ingestion"),
        received_at=fields.pop("received_at", T0),
        event_count=fields.pop("event_count", 3),
        **fields,
    )


def make_media(media_id: str = "med-a", project_id: str = "prj-a", **fields: Any) -> Media:
    return Media(
        id=media_id,
        project_id=project_id,
        sha256_hash=fields.pop("sha256_hash", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="),
        content_type=fields.pop("content_type", "image/png"),
        content_length=fields.pop("content_length", 1024),
        blob_key=fields.pop("blob_key", f"media/{project_id}/{media_id}.png"),
        created_at=fields.pop("created_at", T0),
        **fields,
    )


async def seed_projects(factory: UnitOfWorkFactory) -> None:
    async with factory() as uow:
        await uow.organizations.add(Organization(id="org-a", name="Org", created_at=T0))
        for project_id in ("prj-a", "prj-b"):
            await uow.projects.add(
                Project(id=project_id, organization_id="org-a", name=project_id, created_at=T0)
            )
        await uow.commit()


@pytest.fixture
async def factory(uow_factory: UnitOfWorkFactory) -> UnitOfWorkFactory:
    await seed_projects(uow_factory)
    return uow_factory


async def add_models(factory: UnitOfWorkFactory, *models: Model) -> None:
    async with factory() as uow:
        for model in models:
            await uow.repository(ModelRepository).add(model)
        await uow.commit()


async def listed_ids(factory: UnitOfWorkFactory, project_id: str) -> list[str]:
    async with factory() as uow:
        page, total = await uow.repository(ModelRepository).list(project_id)
    assert total == len(page)
    return [m.id for m in page]


# --- models -----------------------------------------------------------------------------


async def test_model_round_trips_with_its_tiers_and_prices(factory: UnitOfWorkFactory) -> None:
    tiers = [
        PricingTier(
            id="t-default",
            name="Standard",
            is_default=True,
            priority=0,
            prices={"input": 1.25e-06, "output": 1e-05, "input_cached_tokens": 1.25e-07},
        ),
        PricingTier(
            id="t-large",
            name="Large context ✓",
            is_default=False,
            priority=1,
            conditions=[
                PricingTierCondition(usage_detail_pattern="^input", operator="gt", value=200000.0),
                PricingTierCondition(
                    usage_detail_pattern="cached", operator="lte", value=0.5, case_sensitive=True
                ),
            ],
            prices={"input": 2.5e-06, "output": 1.5e-05},
        ),
    ]
    full = make_model(
        "mdl-full",
        model_name="gemini-2.5-pro",
        match_pattern="(?i)^(google/)?(gemini-2.5-pro)$",
        start_date=datetime(2025, 6, 1, 12, 0, tzinfo=PLUS_0530),
        unit="TOKENS",
        tokenizer_id="claude",
        tokenizer_config={"tokensPerMessage": 3, "nested": {"ok": True, "none": None}},
        pricing_tiers=tiers,
        created_at=T0,
        updated_at=T0 + timedelta(seconds=1),
    )
    bare = make_model("mdl-bare", model_name="bare", unit=None, pricing_tiers=[], created_at=None)
    await add_models(factory, full, bare)
    async with factory() as uow:
        got = await uow.repository(ModelRepository).get("prj-a", "mdl-full")
        assert got == full
        assert got is not None and got.start_date is not None and got.created_at is not None
        assert got.start_date.utcoffset() is not None
        assert got.created_at.utcoffset() is not None
        assert got.default_tier == tiers[0]
        got_bare = await uow.repository(ModelRepository).get("prj-a", "mdl-bare")
        assert got_bare == bare
        assert got_bare is not None and got_bare.unit is None and got_bare.start_date is None
        assert await uow.repository(ModelRepository).get("prj-a", "missing") is None


async def test_tiers_come_back_by_priority_then_id(factory: UnitOfWorkFactory) -> None:
    def tier(tier_id: str, priority: int) -> PricingTier:
        return PricingTier(
            id=tier_id, name=tier_id, is_default=priority == 0, priority=priority, prices={}
        )

    await add_models(
        factory, make_model(pricing_tiers=[tier("c", 2), tier("z", 1), tier("b", 1), tier("a", 0)])
    )
    async with factory() as uow:
        got = await uow.repository(ModelRepository).get("prj-a", "mdl-a")
    assert got is not None
    assert [t.id for t in got.pricing_tiers] == ["a", "b", "z", "c"]


async def test_models_are_scoped_to_their_project_and_managed_ones_to_all(
    factory: UnitOfWorkFactory,
) -> None:
    async with factory() as uow:
        await uow.repository(ModelRepository).replace_managed([make_model("mdl-managed", None)])
        await uow.commit()
    await add_models(factory, make_model("mdl-a", "prj-a"))
    async with factory() as uow:
        assert await uow.repository(ModelRepository).get("prj-a", "mdl-a") == make_model(
            "mdl-a", "prj-a"
        )
        assert await uow.repository(ModelRepository).get("prj-b", "mdl-a") is None
        for project_id in ("prj-a", "prj-b", "prj-without-rows"):
            assert await uow.repository(ModelRepository).get(
                project_id, "mdl-managed"
            ) == make_model("mdl-managed", None)
        assert [m.id for m in await uow.repository(ModelRepository).candidates("prj-a")] == [
            "mdl-a",
            "mdl-managed",
        ]
        assert [m.id for m in await uow.repository(ModelRepository).candidates("prj-b")] == [
            "mdl-managed"
        ]
    assert await listed_ids(factory, "prj-a") == ["mdl-a", "mdl-managed"]
    assert await listed_ids(factory, "prj-b") == ["mdl-managed"]


async def test_list_puts_project_models_first_each_by_name_then_id(
    factory: UnitOfWorkFactory,
) -> None:
    # Byte-wise names: upper case before lower case, non-ASCII last.
    managed = [
        make_model("m-2", None, model_name="gpt-4o"),
        make_model("m-1", None, model_name="Claude"),
        make_model("m-3", None, model_name="ärger"),
    ]
    own = [
        make_model("p-2", model_name="zeta"),
        make_model("p-9", model_name="alpha", start_date=T0),
        make_model("p-1", model_name="alpha"),
        make_model("p-5", model_name="Beta"),
    ]
    async with factory() as uow:
        await uow.repository(ModelRepository).replace_managed(managed)
        await uow.commit()
    await add_models(factory, *own, make_model("other", "prj-b", model_name="aaa"))
    expected = ["p-5", "p-1", "p-9", "p-2", "m-1", "m-2", "m-3"]
    assert await listed_ids(factory, "prj-a") == expected
    async with factory() as uow:
        pages = [
            await uow.repository(ModelRepository).list("prj-a", offset=o, limit=3)
            for o in (0, 3, 6, 9)
        ]
        candidates = await uow.repository(ModelRepository).candidates("prj-a")
    assert [[m.id for m in page] for page, _ in pages] == [expected[:3], expected[3:6], ["m-3"], []]
    assert {total for _, total in pages} == {7}
    # Pages carry the tiers too.
    assert pages[0][0][0] == own[3]
    assert [m.id for m in candidates] == expected
    assert candidates[-1] == managed[2]


async def test_delete_removes_only_the_projects_own_models(factory: UnitOfWorkFactory) -> None:
    async with factory() as uow:
        await uow.repository(ModelRepository).replace_managed([make_model("mdl-managed", None)])
        await uow.commit()
    await add_models(factory, make_model("mdl-a", "prj-a"), make_model("mdl-b", "prj-b"))
    async with factory() as uow:
        assert await uow.repository(ModelRepository).delete("prj-a", "mdl-managed") is False
        assert await uow.repository(ModelRepository).delete("prj-a", "mdl-b") is False
        assert await uow.repository(ModelRepository).delete("prj-a", "missing") is False
        assert await uow.repository(ModelRepository).delete("prj-a", "mdl-a") is True
        assert await uow.repository(ModelRepository).delete("prj-a", "mdl-a") is False
        await uow.commit()
    assert await listed_ids(factory, "prj-a") == ["mdl-managed"]
    assert await listed_ids(factory, "prj-b") == ["mdl-b", "mdl-managed"]
    # The tiers went with the model: their ids are free again.
    await add_models(factory, make_model("mdl-a", "prj-a", model_name="again"))
    assert await listed_ids(factory, "prj-a") == ["mdl-a", "mdl-managed"]


async def test_delete_without_commit_is_rolled_back(factory: UnitOfWorkFactory) -> None:
    await add_models(factory, make_model())
    async with factory() as uow:
        assert await uow.repository(ModelRepository).delete("prj-a", "mdl-a") is True
    async with factory() as uow:
        assert await uow.repository(ModelRepository).get("prj-a", "mdl-a") == make_model()


@pytest.mark.parametrize(
    "duplicate",
    [
        pytest.param(make_model("mdl-a", model_name="other"), id="same-id"),
        pytest.param(make_model("mdl-a", "prj-b", model_name="other"), id="same-id-other-project"),
        pytest.param(make_model("mdl-x", model_name="gpt"), id="same-name-no-date-tokens"),
        pytest.param(
            make_model("mdl-x", model_name="gpt", unit=None, start_date=T0), id="same-name-date"
        ),
        pytest.param(
            make_model(
                "mdl-x",
                model_name="gpt",
                start_date=T0.astimezone(PLUS_0530),
                unit=None,
            ),
            id="same-instant-other-offset",
        ),
        pytest.param(
            make_model(
                "mdl-x",
                model_name="other",
                pricing_tiers=[
                    PricingTier(id="mdl-a/default", name="d", is_default=True, priority=0)
                ],
            ),
            id="same-tier-id",
        ),
    ],
)
async def test_add_conflicts_with_a_taken_id_or_name_date_and_unit(
    factory: UnitOfWorkFactory, duplicate: Model
) -> None:
    await add_models(
        factory,
        make_model("mdl-a", model_name="gpt"),
        make_model("mdl-b", model_name="gpt", unit=None, start_date=T0),
    )
    async with factory() as uow:
        with pytest.raises(Conflict):
            await uow.repository(ModelRepository).add(duplicate)
    assert await listed_ids(factory, "prj-a") == ["mdl-a", "mdl-b"]


async def test_add_accepts_the_same_name_with_another_date_unit_or_project(
    factory: UnitOfWorkFactory,
) -> None:
    async with factory() as uow:
        await uow.repository(ModelRepository).replace_managed(
            [make_model("managed", None, model_name="gpt")]
        )
        await uow.commit()
    await add_models(
        factory,
        make_model("mdl-a", model_name="gpt"),
        make_model("mdl-b", model_name="gpt", unit="CHARACTERS"),
        make_model("mdl-c", model_name="gpt", unit=None),
        make_model("mdl-d", model_name="gpt", start_date=T0),
        make_model("mdl-e", model_name="gpt", start_date=T0 + timedelta(microseconds=1)),
        make_model("mdl-f", "prj-b", model_name="gpt"),
    )
    assert await listed_ids(factory, "prj-a") == [
        "mdl-a",
        "mdl-b",
        "mdl-c",
        "mdl-d",
        "mdl-e",
        "managed",
    ]


async def test_replace_managed_inserts_updates_and_drops(factory: UnitOfWorkFactory) -> None:
    first = [make_model("m-keep", None), make_model("m-change", None), make_model("m-drop", None)]
    async with factory() as uow:
        await uow.repository(ModelRepository).replace_managed(first)
        await uow.commit()
    await add_models(factory, make_model("own"))
    changed = make_model(
        "m-change",
        None,
        match_pattern="(?i)^changed$",
        pricing_tiers=[
            PricingTier(
                id="m-change/default", name="d", is_default=True, priority=0, prices={"input": 1.0}
            ),
            PricingTier(id="m-change/big", name="big", is_default=False, priority=1),
        ],
    )
    second = [make_model("m-new", None), changed, make_model("m-keep", None)]
    for _ in range(2):  # idempotent
        async with factory() as uow:
            await uow.repository(ModelRepository).replace_managed(second)
            await uow.commit()
        async with factory() as uow:
            assert await uow.repository(ModelRepository).candidates("prj-a") == [
                make_model("own"),
                changed,
                make_model("m-keep", None),
                make_model("m-new", None),
            ]
    async with factory() as uow:
        await uow.repository(ModelRepository).replace_managed([])
        await uow.commit()
    assert await listed_ids(factory, "prj-a") == ["own"]
    assert await listed_ids(factory, "prj-b") == []


async def test_replace_managed_without_commit_is_rolled_back(factory: UnitOfWorkFactory) -> None:
    async with factory() as uow:
        await uow.repository(ModelRepository).replace_managed([make_model("m-1", None)])
        await uow.commit()
    async with factory() as uow:
        await uow.repository(ModelRepository).replace_managed([make_model("m-2", None)])
        assert [m.id for m in await uow.repository(ModelRepository).candidates("prj-a")] == ["m-2"]
    assert await listed_ids(factory, "prj-a") == ["m-1"]


async def test_replace_managed_rejects_project_models_and_taken_ids(
    factory: UnitOfWorkFactory,
) -> None:
    await add_models(factory, make_model("own"))
    async with factory() as uow:
        with pytest.raises(ValueError):
            await uow.repository(ModelRepository).replace_managed([make_model("m-1", "prj-a")])
        with pytest.raises(ValueError):
            await uow.repository(ModelRepository).replace_managed(
                [make_model("m-1", None), make_model("m-1", None)]
            )
    async with factory() as uow:
        with pytest.raises(Conflict):
            await uow.repository(ModelRepository).replace_managed([make_model("own", None)])
    assert await listed_ids(factory, "prj-a") == ["own"]


async def test_candidates_reads_tiers_in_a_bounded_number_of_queries(
    sql_uow_factory: SqlUnitOfWorkFactory,
) -> None:
    await seed_projects(sql_uow_factory)
    async with sql_uow_factory() as uow:
        await uow.repository(ModelRepository).replace_managed(
            [make_model(f"m-{i:02}", None) for i in range(30)]
        )
        await uow.commit()
    await add_models(sql_uow_factory, *(make_model(f"own-{i}") for i in range(5)))
    async with sql_uow_factory() as uow:
        with count_queries(sql_uow_factory) as queries:
            candidates = await uow.repository(ModelRepository).candidates("prj-a")
    assert len(candidates) == 35 and all(len(m.pricing_tiers) == 1 for m in candidates)
    assert len(queries) <= 3


@contextmanager
def count_queries(factory: SqlUnitOfWorkFactory) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    engine = factory.engine.sync_engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


# --- score configs ----------------------------------------------------------------------


async def test_score_config_round_trips(factory: UnitOfWorkFactory) -> None:
    categorical = make_config(
        "cfg-cat",
        name="tone ✓",
        data_type=ScoreDataType.CATEGORICAL,
        categories=[ScoreCategory(label="good", value=1), ScoreCategory(label="bad", value=0)],
        description="How it sounds",
        created_at=T0.astimezone(PLUS_0530),
    )
    numeric = make_config("cfg-num", min_value=-1.5, max_value=10.0, is_archived=True)
    async with factory() as uow:
        await uow.repository(ScoreConfigRepository).add(categorical)
        await uow.repository(ScoreConfigRepository).add(numeric)
        await uow.commit()
    async with factory() as uow:
        got = await uow.repository(ScoreConfigRepository).get("prj-a", "cfg-cat")
        assert got == categorical
        assert got is not None and got.created_at.utcoffset() is not None
        assert await uow.repository(ScoreConfigRepository).get("prj-a", "cfg-num") == numeric
        assert await uow.repository(ScoreConfigRepository).get("prj-b", "cfg-cat") is None
        assert await uow.repository(ScoreConfigRepository).get("prj-a", "missing") is None


async def test_score_config_ids_are_unique(factory: UnitOfWorkFactory) -> None:
    async with factory() as uow:
        await uow.repository(ScoreConfigRepository).add(make_config())
        await uow.commit()
    async with factory() as uow:
        with pytest.raises(Conflict):
            await uow.repository(ScoreConfigRepository).add(
                make_config(project_id="prj-b", name="other")
            )
    async with factory() as uow:
        # Names are not unique.
        await uow.repository(ScoreConfigRepository).add(make_config("cfg-b"))
        await uow.commit()
        assert (await uow.repository(ScoreConfigRepository).list("prj-a"))[1] == 2


async def test_score_configs_list_newest_first_in_pages(factory: UnitOfWorkFactory) -> None:
    configs = [
        make_config("cfg-1", created_at=T0),
        make_config("cfg-3", created_at=T0 + timedelta(seconds=1)),
        make_config("cfg-2", created_at=T0 + timedelta(seconds=1)),
        make_config("cfg-4", created_at=T0 + timedelta(microseconds=1)),
        make_config("cfg-b", "prj-b", created_at=T0 + timedelta(days=1)),
    ]
    async with factory() as uow:
        for config in configs:
            await uow.repository(ScoreConfigRepository).add(config)
        await uow.commit()
    async with factory() as uow:
        pages = [
            await uow.repository(ScoreConfigRepository).list("prj-a", offset=o, limit=2)
            for o in (0, 2, 4)
        ]
        assert await uow.repository(ScoreConfigRepository).list("prj-c") == ([], 0)
    assert [[c.id for c in page] for page, _ in pages] == [
        ["cfg-3", "cfg-2"],
        ["cfg-4", "cfg-1"],
        [],
    ]
    assert {total for _, total in pages} == {4}
    assert pages[0][0][0] == configs[1]


async def test_score_config_update_replaces_or_raises_not_found(
    factory: UnitOfWorkFactory,
) -> None:
    async with factory() as uow:
        await uow.repository(ScoreConfigRepository).add(make_config())
        await uow.commit()
    archived = make_config(
        is_archived=True,
        description="retired",
        categories=[ScoreCategory(label="x", value=2.5)],
        updated_at=T0 + timedelta(hours=1),
    )
    async with factory() as uow:
        await uow.repository(ScoreConfigRepository).update(archived)
        await uow.commit()
    async with factory() as uow:
        assert await uow.repository(ScoreConfigRepository).get("prj-a", "cfg-a") == archived
        with pytest.raises(NotFound):
            await uow.repository(ScoreConfigRepository).update(make_config("missing"))
        with pytest.raises(NotFound):
            await uow.repository(ScoreConfigRepository).update(make_config(project_id="prj-b"))
    async with factory() as uow:
        assert await uow.repository(ScoreConfigRepository).get("prj-a", "cfg-a") == archived
        assert await uow.repository(ScoreConfigRepository).get("prj-b", "cfg-a") is None


# --- ingestion batches ------------------------------------------------------------------


async def test_batch_round_trips_and_is_marked_done(factory: UnitOfWorkFactory) -> None:
    batch = make_batch(received_at=T0.astimezone(PLUS_0530), source="otel", event_count=7)
    async with factory() as uow:
        await uow.repository(IngestionBatchRepository).add(batch, ["e1"])
        await uow.commit()
    done_at = T0 + timedelta(seconds=3)
    async with factory() as uow:
        got = await uow.repository(IngestionBatchRepository).get("bat-a")
        assert got == batch
        assert got is not None and got.received_at.utcoffset() is not None
        assert await uow.repository(IngestionBatchRepository).get("missing") is None
        await uow.repository(IngestionBatchRepository).mark_done(
            "bat-a", done_at.astimezone(PLUS_0530)
        )
        await uow.repository(IngestionBatchRepository).mark_done("missing", done_at)
        await uow.commit()
    async with factory() as uow:
        done = await uow.repository(IngestionBatchRepository).get("bat-a")
        assert done is not None and done.processed_at == done_at
        assert done.processed_at.utcoffset() is not None
        assert await uow.repository(IngestionBatchRepository).get("missing") is None
        assert await uow.repository(IngestionBatchRepository).pending() == []


async def test_batch_ids_are_unique(factory: UnitOfWorkFactory) -> None:
    async with factory() as uow:
        await uow.repository(IngestionBatchRepository).add(make_batch(), ["e1"])
        await uow.commit()
    async with factory() as uow:
        with pytest.raises(Conflict):
            await uow.repository(IngestionBatchRepository).add(
                make_batch(project_id="prj-b"), ["e2"]
            )
    async with factory() as uow:
        assert (
            await uow.repository(IngestionBatchRepository).seen_event_ids("prj-b", ["e2"]) == set()
        )


async def test_seen_event_ids_remember_earlier_batches_per_project(
    factory: UnitOfWorkFactory,
) -> None:
    async with factory() as uow:
        assert (
            await uow.repository(IngestionBatchRepository).seen_event_ids("prj-a", ["e1"]) == set()
        )
        await uow.repository(IngestionBatchRepository).add(make_batch("bat-1"), ["e1", "e2", "e2"])
        await uow.commit()
    async with factory() as uow:
        # Ids seen before are ignored, not an error.
        await uow.repository(IngestionBatchRepository).add(make_batch("bat-2"), ["e2", "e3"])
        await uow.repository(IngestionBatchRepository).add(
            make_batch("bat-3", "prj-b"), ["e1", "only-b"]
        )
        await uow.commit()
    async with factory() as uow:
        seen = uow.repository(IngestionBatchRepository).seen_event_ids
        assert await seen("prj-a", ["e1", "e2", "e3", "e4", "only-b", "e1"]) == {"e1", "e2", "e3"}
        assert await seen("prj-b", ["e1", "e2", "only-b"]) == {"e1", "only-b"}
        assert await seen("prj-c", ["e1"]) == set()
        assert await seen("prj-a", []) == set()


async def test_event_ids_of_large_batches_are_all_remembered(factory: UnitOfWorkFactory) -> None:
    first = [f"evt-{i:05}" for i in range(1200)]
    second = [f"evt-{i:05}" for i in range(1000, 2100)]
    async with factory() as uow:
        await uow.repository(IngestionBatchRepository).add(
            make_batch("bat-1", event_count=1200), first
        )
        await uow.repository(IngestionBatchRepository).add(
            make_batch("bat-2", event_count=1100), second
        )
        await uow.commit()
    async with factory() as uow:
        asked = [f"evt-{i:05}" for i in range(2500)]
        assert await uow.repository(IngestionBatchRepository).seen_event_ids("prj-a", asked) == set(
            asked[:2100]
        )


async def test_pending_is_oldest_first_and_filtered(factory: UnitOfWorkFactory) -> None:
    batches = [
        make_batch("bat-3", received_at=T0 + timedelta(seconds=2)),
        make_batch("bat-2", received_at=T0 + timedelta(seconds=1)),
        make_batch("bat-1", "prj-b", received_at=T0 + timedelta(seconds=1)),
        make_batch("bat-0", received_at=T0),
        make_batch("bat-done", received_at=T0 - timedelta(days=1)),
    ]
    async with factory() as uow:
        for batch in batches:
            await uow.repository(IngestionBatchRepository).add(batch, [batch.id])
        await uow.repository(IngestionBatchRepository).mark_done("bat-done", T0)
        await uow.commit()
    async with factory() as uow:
        pending = uow.repository(IngestionBatchRepository).pending
        assert [b.id for b in await pending()] == ["bat-0", "bat-1", "bat-2", "bat-3"]
        assert await pending(limit=1) == [batches[3]]
        before = (T0 + timedelta(seconds=2)).astimezone(PLUS_0530)
        assert [b.id for b in await pending(received_before=before)] == ["bat-0", "bat-1", "bat-2"]
        assert await pending(received_before=T0) == []


async def test_batches_are_visible_only_after_commit(factory: UnitOfWorkFactory) -> None:
    async with factory() as uow:
        await uow.repository(IngestionBatchRepository).add(make_batch(), ["e1"])
        assert await uow.repository(IngestionBatchRepository).seen_event_ids("prj-a", ["e1"]) == {
            "e1"
        }
        assert [b.id for b in await uow.repository(IngestionBatchRepository).pending()] == ["bat-a"]
    async with factory() as uow:
        assert await uow.repository(IngestionBatchRepository).get("bat-a") is None
        assert (
            await uow.repository(IngestionBatchRepository).seen_event_ids("prj-a", ["e1"]) == set()
        )
        await uow.repository(IngestionBatchRepository).add(make_batch(), ["e1"])
        await uow.commit()
    async with factory() as uow:
        await uow.repository(IngestionBatchRepository).mark_done("bat-a", T0)
        await uow.rollback()
        assert await uow.repository(IngestionBatchRepository).pending() == [make_batch()]


# --- media ------------------------------------------------------------------------------


async def test_media_round_trips_per_project(factory: UnitOfWorkFactory) -> None:
    announced = make_media(content_length=5 * 2**30, created_at=T0.astimezone(PLUS_0530))
    same_id_elsewhere = make_media(project_id="prj-b", content_type="audio/wav")
    async with factory() as uow:
        await uow.repository(MediaRepository).add(announced)
        await uow.repository(MediaRepository).add(same_id_elsewhere)
        await uow.commit()
    async with factory() as uow:
        got = await uow.repository(MediaRepository).get("prj-a", "med-a")
        assert got == announced
        assert got is not None and got.created_at.utcoffset() is not None
        assert await uow.repository(MediaRepository).get("prj-b", "med-a") == same_id_elsewhere
        assert await uow.repository(MediaRepository).get("prj-a", "missing") is None
        with pytest.raises(Conflict):
            await uow.repository(MediaRepository).add(make_media(content_type="text/plain"))
    async with factory() as uow:
        assert await uow.repository(MediaRepository).get("prj-a", "med-a") == announced


async def test_media_update_replaces_or_raises_not_found(factory: UnitOfWorkFactory) -> None:
    async with factory() as uow:
        await uow.repository(MediaRepository).add(make_media())
        await uow.commit()
    uploaded = make_media(
        uploaded_at=T0 + timedelta(seconds=5),
        upload_http_status=403,
        upload_http_error="Forbidden ✗",
    )
    async with factory() as uow:
        await uow.repository(MediaRepository).update(uploaded)
        await uow.commit()
    async with factory() as uow:
        assert await uow.repository(MediaRepository).get("prj-a", "med-a") == uploaded
        with pytest.raises(NotFound):
            await uow.repository(MediaRepository).update(make_media(project_id="prj-b"))
        with pytest.raises(NotFound):
            await uow.repository(MediaRepository).update(make_media("missing"))
        assert await uow.repository(MediaRepository).get("prj-b", "med-a") is None


async def test_prune_drops_old_done_batches_and_event_ids(uow_factory: UnitOfWorkFactory) -> None:
    base = datetime(2026, 11, 1, tzinfo=UTC)
    async with uow_factory() as uow:
        await uow.repository(IngestionBatchRepository).add(
            make_batch("b-old", "p-prune", received_at=base), ["e-old"]
        )
        await uow.repository(IngestionBatchRepository).add(
            make_batch("b-pending", "p-prune", received_at=base), ["e-pending"]
        )
        await uow.repository(IngestionBatchRepository).add(
            make_batch("b-new", "p-prune", received_at=base + timedelta(days=2)), ["e-new"]
        )
        await uow.repository(IngestionBatchRepository).mark_done("b-old", base)
        await uow.repository(IngestionBatchRepository).mark_done("b-new", base + timedelta(days=2))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.repository(IngestionBatchRepository).prune(base + timedelta(days=1)) == 1
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.repository(IngestionBatchRepository).get("b-old") is None
        assert await uow.repository(IngestionBatchRepository).get("b-pending") is not None
        assert await uow.repository(IngestionBatchRepository).get("b-new") is not None
        seen = await uow.repository(IngestionBatchRepository).seen_event_ids(
            "p-prune", ["e-old", "e-pending", "e-new"]
        )
        assert seen == {"e-new"}


async def test_failed_batches_back_off_and_are_dead_lettered(
    uow_factory: UnitOfWorkFactory,
) -> None:
    later = T0 + timedelta(minutes=5)
    async with uow_factory() as uow:
        batches = uow.repository(IngestionBatchRepository)
        for batch_id in ("b-ok", "b-retry", "b-dead"):
            await batches.add(make_batch(batch_id), [])
        retried = await batches.record_failure(
            "b-retry", "boom", next_attempt_at=later, dead_at=None
        )
        await batches.record_failure("b-dead", "x" * 10_000, next_attempt_at=None, dead_at=T0)
        assert (
            await batches.record_failure("missing", "?", next_attempt_at=None, dead_at=None) is None
        )
        await uow.commit()
    assert retried is not None
    assert (retried.attempts, retried.last_error, retried.next_attempt_at) == (1, "boom", later)

    async with uow_factory() as uow:
        batches = uow.repository(IngestionBatchRepository)
        assert [b.id for b in await batches.pending()] == ["b-ok", "b-retry"]
        assert [b.id for b in await batches.pending(due_at=T0)] == ["b-ok"]
        assert [b.id for b in await batches.pending(due_at=later)] == ["b-ok", "b-retry"]
        dead, total = await batches.dead()
        assert total == 1 and [b.id for b in dead] == ["b-dead"]
        assert dead[0].dead_at == T0 and dead[0].attempts == 1
        assert dead[0].last_error is not None and len(dead[0].last_error) == 4000
        # Dead batches are kept by the pruning of done ones, whatever their age.
        await batches.prune(T0 + timedelta(days=365))
        assert not await batches.revive("b-ok")  # not dead
        assert await batches.revive("b-dead")
        await uow.commit()

    async with uow_factory() as uow:
        batches = uow.repository(IngestionBatchRepository)
        revived = await batches.get("b-dead")
        assert revived is not None
        assert (revived.attempts, revived.last_error, revived.dead_at) == (0, None, None)
        assert [b.id for b in await batches.pending()] == ["b-dead", "b-ok", "b-retry"]
        assert (await batches.dead())[1] == 0


async def test_done_batches_are_listed_for_pruning(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        batches = uow.repository(IngestionBatchRepository)
        await batches.add(make_batch("b-old"), [])
        await batches.add(make_batch("b-pending"), [])
        await batches.add(make_batch("b-new", received_at=T0 + timedelta(days=9)), [])
        await batches.mark_done("b-old", T0)
        await batches.mark_done("b-new", T0 + timedelta(days=9))
        await uow.commit()
    async with uow_factory() as uow:
        done = await uow.repository(IngestionBatchRepository).done_before(T0 + timedelta(days=1))
    assert [record.id for record in done] == ["b-old"]


async def test_pending_batches_are_counted(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        batches = uow.repository(IngestionBatchRepository)
        for batch_id in ("b-pending", "b-done", "b-dead"):
            await batches.add(make_batch(batch_id), [])
        await batches.mark_done("b-done", T0)
        await batches.record_failure("b-dead", "gone", next_attempt_at=None, dead_at=T0)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.repository(IngestionBatchRepository).count_pending() == 1
