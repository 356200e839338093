"""The web UI's traces table and users pages over HTTP, as a signed-in VIEWER.

One app per module; rows are written straight into its analytics store, so these tests
exercise the internal routes, their parameters and their wire shapes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest

import spyglass_tracing
from spyglass_core.domain.accounts import Role
from spyglass_core.domain.tracing import (
    Observation,
    ObservationLevel,
    ObservationType,
    Score,
    ScoreDataType,
    Trace,
)
from spyglass_tracing.ports.analytics import AnalyticsStore
from tests.plugins.accounts_support import SignedInClient, add_user, session_of
from tests.plugins.conftest import EmbeddedApp, embedded_app, embedded_settings

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class Viewer(msgspec.Struct, kw_only=True):
    app: EmbeddedApp
    signed_in: SignedInClient
    base: str
    other_project: str

    async def get(self, path: str, expected: int = 200, **params: Any) -> Any:
        response = await self.signed_in.client.get(self.base + path, params=params)
        assert response.status_code == expected, response.text
        return response.json()


def seed(project: str) -> tuple[list[Trace], list[Observation], list[Score]]:
    traces = [
        Trace(id=f"t{i:02d}", project_id=project, timestamp=at(i), name=f"job-{i % 3}",
              user_id=f"user-{i % 4}", session_id=f"s{i % 2}", tags=["even"] if i % 2 == 0 else [],
              environment="production" if i < 6 else "staging", input="x" * 250)
        for i in range(12)
    ]  # fmt: skip
    observations = [
        Observation(id=f"o{i:02d}", trace_id=f"t{i:02d}", project_id=project,
                    type=ObservationType.GENERATION, start_time=at(i), end_time=at(i + i / 10),
                    level=ObservationLevel.ERROR if i == 7 else ObservationLevel.DEFAULT,
                    provided_model_name="gpt-4o" if i % 2 else "claude", total_cost=i / 100,
                    usage_details={"input": i, "output": 1, "total": i + 1})
        for i in range(12)
    ]  # fmt: skip
    scores = [
        Score(id="sc1", project_id=project, timestamp=at(3), name="quality", value=0.8,
              trace_id="t03"),
        Score(id="sc2", project_id=project, timestamp=at(4), name="quality", value=0.2,
              trace_id="t04"),
        Score(id="sc3", project_id=project, timestamp=at(5), name="label", value=0,
              string_value="spam", data_type=ScoreDataType.CATEGORICAL, trace_id="t05"),
    ]  # fmt: skip
    return traces, observations, scores


@pytest.fixture(scope="module")
async def viewer(tmp_path_factory: pytest.TempPathFactory, chdb_dsn: str) -> AsyncIterator[Viewer]:
    settings = embedded_settings(tmp_path_factory.mktemp("ui-lists"), chdb_dsn)
    async with embedded_app(settings, plugins=[spyglass_tracing]) as app:
        other = await (await app.admin()).create_project("Other")
        store = await app.container.get(AnalyticsStore)
        traces, observations, scores = seed(app.project.id)
        # The other project (same organization) holds one trace and the same user ids.
        foreign = seed(other.id)
        await store.upsert_traces([*traces, *foreign[0][:1]])
        await store.upsert_observations([*observations, *foreign[1][:1]])
        await store.upsert_scores(scores)
        user = await add_user(app, "viewer@example.com", Role.VIEWER, app.project.organization_id)
        async with session_of(app, user) as signed_in:
            yield Viewer(
                app=app,
                signed_in=signed_in,
                base=f"/api/internal/projects/{app.project.id}",
                other_project=other.id,
            )


def ids(body: dict[str, Any]) -> list[str]:
    return [item["id"] for item in body["items"]]


# --- traces table -------------------------------------------------------------------------


async def test_a_table_row_has_every_field_in_camel_case(viewer: Viewer) -> None:
    body = await viewer.get("/traces", limit=1)
    assert ids(body) == ["t11"]
    assert isinstance(body["nextCursor"], str)
    row = body["items"][0]
    assert row == {
        "id": "t11",
        "timestamp": iso(at(11)),
        "name": "job-2",
        "userId": "user-3",
        "sessionId": "s1",
        "tags": [],
        "environment": "staging",
        "release": None,
        "version": None,
        "level": "DEFAULT",
        "latency": pytest.approx(1.1),
        "totalCost": pytest.approx(0.11),
        "inputTokens": 11,
        "outputTokens": 1,
        "totalTokens": 12,
        "observationCount": 1,
        "scores": [],
        "inputPreview": "x" * 200,
        "outputPreview": None,
    }
    scored = await viewer.get("/traces", search="t05")
    assert scored["items"][0]["scores"] == [
        {"name": "label", "value": None, "stringValue": "spam", "dataType": "CATEGORICAL"}
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"name": ["job-0", "job-1"], "userId": "user-0"}, ["t04", "t00"]),
        ({"userId": ["user-1", "user-2"], "environment": "staging"}, ["t10", "t09", "t06"]),
        ({"sessionId": "s1", "tags": "even"}, []),
        ({"tags": "even", "model": "claude", "toTimestamp": iso(at(4))}, ["t02", "t00"]),
        ({"level": "error"}, ["t07"]),
        ({"level": ["WARNING", "DEBUG"]}, []),
        ({"search": "JOB-1", "fromTimestamp": iso(at(5))}, ["t10", "t07"]),
        ({"scoreName": "quality", "scoreMin": "0.5"}, ["t03"]),
        ({"scoreName": "quality", "scoreMax": "0.5"}, ["t04"]),
        ({"scoreName": "label", "scoreValue": "spam"}, ["t05"]),
        ({"orderBy": "latency", "order": "asc", "limit": 3}, ["t00", "t01", "t02"]),
        ({"orderBy": "totalCost", "limit": 2}, ["t11", "t10"]),
        ({"orderBy": "name", "order": "asc", "limit": 5}, ["t00", "t03", "t06", "t09", "t01"]),
        ({"order": "asc", "limit": 2}, ["t00", "t01"]),
    ],
)
async def test_table_parameters(
    viewer: Viewer, params: dict[str, Any], expected: list[str]
) -> None:
    assert ids(await viewer.get("/traces", **params)) == expected


@pytest.mark.parametrize("order_by", ["timestamp", "latency", "totalCost", "name"])
async def test_cursors_walk_the_table_without_duplicates_or_gaps(
    viewer: Viewer, order_by: str
) -> None:
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 5, "orderBy": order_by}
    for _ in range(10):
        body = await viewer.get("/traces", **params)
        seen.extend(ids(body))
        if body["nextCursor"] is None:
            break
        params["cursor"] = body["nextCursor"]
    assert len(seen) == len(set(seen)) == 12


async def test_a_bad_request_is_a_400(viewer: Viewer) -> None:
    by_name = (await viewer.get("/traces", limit=1, orderBy="name"))["nextCursor"]
    for params in (
        {"cursor": "garbage!"},
        {"cursor": by_name},  # made for another order
        {"cursor": by_name, "orderBy": "name", "order": "asc"},
        {"limit": 0},
        {"limit": 201},
        {"orderBy": "userId"},
        {"order": "sideways"},
        {"level": "FATAL"},
        {"fromTimestamp": "yesterday"},
        {"scoreMin": "1"},
        {"scoreName": "quality", "scoreMin": "0", "scoreValue": "a"},
        {"scoreName": "quality", "scoreMax": "nan"},
    ):
        await viewer.get("/traces", 400, **params)


async def test_filter_options(viewer: Viewer) -> None:
    options = await viewer.get("/traces/filter-options")
    assert options == {
        "names": ["job-0", "job-1", "job-2"],
        "userIds": ["user-0", "user-1", "user-2", "user-3"],
        "tags": ["even"],
        "environments": ["production", "staging"],
        "models": ["claude", "gpt-4o"],
        "scoreNames": ["quality", "label"],
        "levels": ["DEFAULT", "ERROR"],
    }
    windowed = await viewer.get(
        "/traces/filter-options", fromTimestamp=iso(at(7)), toTimestamp=iso(at(8))
    )
    assert windowed["names"] == ["job-1"]
    assert windowed["levels"] == ["ERROR"]


# --- users --------------------------------------------------------------------------------


async def test_users_pages_and_one_user(viewer: Viewer) -> None:
    first = await viewer.get("/users", limit=3)
    assert [u["userId"] for u in first["items"]] == ["user-3", "user-2", "user-1"]
    rest = await viewer.get("/users", limit=3, cursor=first["nextCursor"])
    assert [u["userId"] for u in rest["items"]] == ["user-0"]
    assert rest["nextCursor"] is None
    user = await viewer.get("/users/user-1")
    assert user == first["items"][2]
    assert user == {
        "userId": "user-1",
        "traceCount": 3,
        "sessionCount": 1,
        "totalCost": pytest.approx(0.15),
        "totalTokens": 18,
        "firstSeen": iso(at(1)),
        "lastSeen": iso(at(9)),
    }
    searched = await viewer.get("/users", search="USER-2")
    assert [u["userId"] for u in searched["items"]] == ["user-2"]
    await viewer.get("/users/nobody", 404)
    await viewer.get("/users", 400, cursor="garbage!")
    await viewer.get("/users", 400, limit=0)
    user_traces = await viewer.get("/traces", userId="user-1")
    assert ids(user_traces) == ["t09", "t05", "t01"]


async def test_each_project_sees_its_own_rows(viewer: Viewer) -> None:
    other = f"/api/internal/projects/{viewer.other_project}"
    traces = await viewer.signed_in.client.get(f"{other}/traces")
    assert ids(traces.json()) == ["t00"]
    users = await viewer.signed_in.client.get(f"{other}/users")
    assert [(u["userId"], u["traceCount"]) for u in users.json()["items"]] == [("user-0", 1)]
    assert (await viewer.get("/users/user-0"))["traceCount"] == 3
