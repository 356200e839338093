"""The metrics query over HTTP (``/api/public/metrics``, ``/v2/metrics``) and the web UI's
``/projects/{id}/metrics`` and ``/projects/{id}/dashboard``, on a real embedded app.

The data goes in through ``POST /api/public/ingestion`` and the in-process worker, so
these numbers are what an SDK's events turn into.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import spyglass_tracing
from spyglass_adapters.queue import TaskiqTaskQueue
from spyglass_core.domain.accounts import Role
from spyglass_core.domain.api_keys import KeyPair
from tests.plugins.accounts_support import add_user, signed_in
from tests.plugins.conftest import EmbeddedApp, embedded_app, embedded_settings

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday
FROM, TO = T0 - timedelta(hours=1), T0 + timedelta(days=2)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def at(**delta: float) -> str:
    return iso(T0 + timedelta(**delta))


def event(event_id: str, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"id": event_id, "type": kind, "timestamp": iso(T0), "body": body}


def generation(
    gen_id: str, trace_id: str, model: str, start: str, end: str, cost: float, tokens: int
) -> dict[str, Any]:
    return {
        "id": gen_id,
        "traceId": trace_id,
        "name": "llm",
        "model": model,
        "startTime": start,
        "endTime": end,
        "usageDetails": {"input": tokens - 10, "output": 10, "total": tokens},
        "costDetails": {"total": cost},
    }


BATCH = [
    event("e1", "trace-create", {"id": "t1", "name": "chat", "userId": "u1", "timestamp": at()}),
    event(
        "e2", "trace-create", {"id": "t2", "name": "chat", "userId": "u2", "timestamp": at(hours=1)}
    ),
    event(
        "e3",
        "trace-create",
        {"id": "t3", "name": "search", "userId": "u1", "timestamp": at(days=1)},
    ),
    event(
        "e4", "generation-create", generation("g1", "t1", "gpt-4o", at(), at(seconds=2), 0.75, 30)
    ),
    event(
        "e5",
        "span-create",
        {
            "id": "sp1",
            "traceId": "t1",
            "name": "tool",
            "startTime": at(seconds=1),
            "endTime": at(seconds=4),
        },
    ),
    event(
        "e6",
        "generation-create",
        generation("g2", "t2", "gpt-4o", at(hours=1), at(hours=1, seconds=1), 0.25, 10),
    ),
    event(
        "e7",
        "generation-create",
        generation("g3", "t3", "claude", at(days=1), at(days=1, seconds=3), 1.5, 170),
    ),
    event(
        "e8",
        "score-create",
        {"id": "s1", "traceId": "t1", "name": "quality", "value": 0.8, "timestamp": at(seconds=10)},
    ),
    event(
        "e9",
        "score-create",
        {
            "id": "s2",
            "traceId": "t2",
            "name": "quality",
            "value": 0.4,
            "timestamp": at(hours=1, seconds=10),
        },
    ),
    event(
        "e10",
        "score-create",
        {
            "id": "s3",
            "traceId": "t3",
            "name": "quality",
            "value": 1.0,
            "timestamp": at(days=1, seconds=10),
        },
    ),
    event(
        "e11",
        "score-create",
        {
            "id": "s4",
            "traceId": "t1",
            "name": "tone",
            "value": "polite",
            "dataType": "CATEGORICAL",
            "timestamp": at(seconds=20),
        },
    ),
]


class World:
    """The seeded app and a second project's keys."""

    def __init__(self, app: EmbeddedApp, other: KeyPair) -> None:
        self.app = app
        self.other = other

    async def metrics(
        self, path: str = "/api/public/metrics", expected: int = 200, **query: Any
    ) -> Any:
        body = {"fromTimestamp": iso(FROM), "toTimestamp": iso(TO), **query}
        return await self.raw(path, json.dumps(body), expected)

    async def raw(
        self, path: str, text: str, expected: int = 200, keys: KeyPair | None = None
    ) -> Any:
        response = await self.app.client.get(path, params={"query": text}, auth=self.app.auth(keys))
        assert response.status_code == expected, response.text
        return response.json()


@pytest.fixture(scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory, chdb_dsn: str) -> AsyncIterator[World]:
    settings = embedded_settings(tmp_path_factory.mktemp("metrics"), chdb_dsn)
    async with embedded_app(settings, plugins=[spyglass_tracing]) as app:
        admin = await app.admin()
        other = await admin.create_project("Other")
        _, other_keys = await admin.create_api_key(other.id)
        response = await app.client.post(
            "/api/public/ingestion", json={"batch": BATCH}, auth=app.auth()
        )
        assert response.status_code == 207, response.text
        assert not response.json()["errors"], response.text
        queue = await app.container.get(TaskiqTaskQueue)
        await queue.broker.wait_all()  # type: ignore[attr-defined]
        yield World(app, other_keys)


def metric(key: str) -> dict[str, str]:
    aggregation, measure = key.split("_", 1)
    return {"aggregation": aggregation, "measure": measure}


# --- public API ---------------------------------------------------------------------------


async def test_traces_by_name(world: World) -> None:
    body = await world.metrics(
        view="traces",
        dimensions=[{"field": "name"}],
        metrics=[metric("count_count"), metric("sum_totalCost"), metric("p50_latency")],
    )
    assert body == {
        "data": [
            {"name": "chat", "count_count": 2, "sum_totalCost": 1.0, "p50_latency": 2500.0},
            {"name": "search", "count_count": 1, "sum_totalCost": 1.5, "p50_latency": 3000.0},
        ]
    }


async def test_v2_cost_per_day_fills_empty_days(world: World) -> None:
    body = await world.metrics(
        "/api/public/v2/metrics",
        view="observations",
        metrics=[metric("sum_totalCost"), metric("sum_totalTokens"), metric("count_count")],
        filters=[{"column": "type", "type": "string", "operator": "=", "value": "GENERATION"}],
        timeDimension={"granularity": "day"},
    )
    assert body["data"] == [
        {
            "time_dimension": "2026-03-02",
            "sum_totalCost": 1.0,
            "sum_totalTokens": 40,
            "count_count": 2,
        },
        {
            "time_dimension": "2026-03-03",
            "sum_totalCost": 1.5,
            "sum_totalTokens": 170,
            "count_count": 1,
        },
        {
            "time_dimension": "2026-03-04",
            "sum_totalCost": 0,
            "sum_totalTokens": 0,
            "count_count": 0,
        },
    ]


async def test_scores_views(world: World) -> None:
    numeric = await world.metrics(
        view="scores-numeric",
        metrics=[metric("avg_value"), metric("histogram_value")],
        config={"bins": 2},
    )
    [row] = numeric["data"]
    assert row["avg_value"] == pytest.approx(2.2 / 3)
    assert row["histogram_value"] == [
        [pytest.approx(0.4), pytest.approx(0.7), 1.0],
        [pytest.approx(0.7), pytest.approx(1.0), 2.0],
    ]
    categorical = await world.metrics(
        view="scores-categorical",
        metrics=[metric("count_count")],
        dimensions=[{"field": "stringValue"}],
    )
    assert categorical["data"] == [{"stringValue": "polite", "count_count": 1}]


async def test_another_project_counts_nothing(world: World) -> None:
    text = json.dumps(
        {
            "view": "traces",
            "metrics": [metric("count_count")],
            "fromTimestamp": iso(FROM),
            "toTimestamp": iso(TO),
        }
    )
    body = await world.raw("/api/public/metrics", text, keys=world.other)
    assert body == {"data": [{"count_count": 0}]}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"view": "sessions"}, "Invalid view sessions"),
        ({"dimensions": [{"field": "colour"}]}, "Invalid dimension colour"),
        ({"metrics": [metric("sum_happiness")]}, "Invalid metric happiness"),
        ({"metrics": [metric("median_latency")]}, "Invalid request data"),
        ({"metrics": [metric("sum_uniqueUserIds")]}, 'not valid for measure "uniqueUserIds"'),
        (
            {"filters": [{"column": "colour", "type": "string", "operator": "=", "value": "x"}]},
            "Invalid filter column colour",
        ),
        (
            {"filters": [{"column": "tags", "type": "string", "operator": "=", "value": "x"}]},
            "Invalid filter",
        ),
        ({"orderBy": [{"field": "sum_totalCost", "direction": "desc"}]}, "Invalid orderBy field"),
        (
            {
                "timeDimension": {"granularity": "minute"},
                "toTimestamp": iso(FROM + timedelta(days=365)),
            },
            "at most 1000 are allowed",
        ),
        ({"toTimestamp": iso(FROM - timedelta(days=1))}, "Invalid request data"),
        ({"config": {"row_limit": 1001}}, "Invalid request data"),
    ],
)
async def test_bad_queries_are_400_naming_the_field(
    world: World, changes: dict[str, Any], message: str
) -> None:
    query = {"view": "traces", "metrics": [metric("count_count")], **changes}
    body = await world.metrics(expected=400, **query)
    assert message in body["message"]


async def test_malformed_or_missing_query_is_400(world: World) -> None:
    assert (await world.raw("/api/public/metrics", "not json", 400))["message"]
    incomplete = json.dumps({"view": "traces"})
    await world.raw("/api/public/v2/metrics", incomplete, 400)
    response = await world.app.client.get("/api/public/metrics", auth=world.app.auth())
    assert response.status_code == 400
    anonymous = await world.app.client.get("/api/public/metrics", params={"query": "{}"})
    assert anonymous.status_code == 401


async def test_v2_high_cardinality_dimensions_need_a_top_n(world: World) -> None:
    query = {
        "view": "observations",
        "metrics": [metric("count_count")],
        "dimensions": [{"field": "traceId"}],
    }
    body = await world.metrics("/api/public/v2/metrics", 400, **query)
    assert "High cardinality dimension(s) 'traceId'" in body["message"]
    top = await world.metrics(
        "/api/public/v2/metrics",
        orderBy=[{"field": "count_count", "direction": "desc"}],
        config={"row_limit": 1},
        **query,
    )
    assert top["data"] == [{"traceId": "t1", "count_count": 2}]
    assert len((await world.metrics(**query))["data"]) == 3  # v1 allows it


# --- internal API -------------------------------------------------------------------------


async def test_dashboard_for_a_viewer(world: World) -> None:
    app = world.app
    await add_user(app, "viewer@example.com", Role.VIEWER, app.project.organization_id)
    async with signed_in(app, "viewer@example.com") as viewer:
        response = await viewer.client.get(
            f"/api/internal/projects/{app.project.id}/dashboard",
            params={"fromTimestamp": iso(FROM), "toTimestamp": iso(TO), "granularity": "day"},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        same = await viewer.client.get(
            f"/api/internal/projects/{app.project.id}/metrics",
            params={
                "query": json.dumps(
                    {
                        "view": "traces",
                        "metrics": [metric("count_count")],
                        "fromTimestamp": iso(FROM),
                        "toTimestamp": iso(TO),
                    }
                )
            },
        )
        assert same.json() == {"data": [{"count_count": 3}]}
        bad = await viewer.client.get(
            f"/api/internal/projects/{app.project.id}/dashboard",
            params={"fromTimestamp": iso(TO), "toTimestamp": iso(FROM)},
        )
        assert bad.status_code == 400
    assert body["granularity"] == "day"
    assert body["totals"] == {"traces": 3, "observations": 4, "totalCost": 2.5, "totalTokens": 210}
    assert body["series"] == [
        {
            "start": "2026-03-02T00:00:00Z",
            "traces": 2,
            "observations": 3,
            "totalCost": 1.0,
            "totalTokens": 40,
            "latencyP50": 2500.0,
            "latencyP95": 3850.0,
            "latencyP99": 3970.0,
        },
        {
            "start": "2026-03-03T00:00:00Z",
            "traces": 1,
            "observations": 1,
            "totalCost": 1.5,
            "totalTokens": 170,
            "latencyP50": 3000.0,
            "latencyP95": 3000.0,
            "latencyP99": 3000.0,
        },
        {
            "start": "2026-03-04T00:00:00Z",
            "traces": 0,
            "observations": 0,
            "totalCost": 0.0,
            "totalTokens": 0,
            "latencyP50": None,
            "latencyP95": None,
            "latencyP99": None,
        },
    ]
    assert body["topTraceNames"] == [
        {"name": "chat", "traces": 2},
        {"name": "search", "traces": 1},
    ]
    assert body["costByModel"] == [
        {"model": "claude", "observations": 1, "totalCost": 1.5, "totalTokens": 170},
        {"model": "gpt-4o", "observations": 2, "totalCost": 1.0, "totalTokens": 40},
    ]
    assert body["users"] == [
        {"userId": "u1", "traces": 2, "totalCost": 2.25},
        {"userId": "u2", "traces": 1, "totalCost": 0.25},
    ]
    assert body["scores"] == [
        {
            "start": "2026-03-02T00:00:00Z",
            "name": "quality",
            "average": pytest.approx(0.6),
            "count": 2,
        },
        {"start": "2026-03-03T00:00:00Z", "name": "quality", "average": 1.0, "count": 1},
    ]
