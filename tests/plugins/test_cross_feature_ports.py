"""Core's cross-feature trace ports, as the tracing plugin provides them to other features."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

import spyglass_tracing
from spyglass_adapters.queue import TaskiqTaskQueue
from spyglass_core.domain.errors import InvalidInput
from spyglass_core.domain.tracing import Score, ScoreDataType, ScoreSource
from spyglass_core.ports.traces import ScoreWriter, TraceReader
from tests.plugins.conftest import EmbeddedApp, embedded_app, embedded_settings

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def app(tmp_path: Path, chdb_dsn: str) -> AsyncIterator[EmbeddedApp]:
    settings = embedded_settings(tmp_path, chdb_dsn)
    async with embedded_app(settings, plugins=[spyglass_tracing]) as running:
        yield running


async def settle(app: EmbeddedApp) -> None:
    queue = await app.container.get(TaskiqTaskQueue)
    await queue.broker.wait_all()  # type: ignore[attr-defined]


async def test_a_feature_reads_traces_and_writes_scores_through_core_ports(
    app: EmbeddedApp,
) -> None:
    batch = {
        "batch": [
            {
                "id": "e1",
                "type": "trace-create",
                "timestamp": "2026-12-01T12:00:00Z",
                "body": {"id": "t1", "name": "checkout", "timestamp": "2026-12-01T12:00:00Z"},
            },
            {
                "id": "e2",
                "type": "generation-create",
                "timestamp": "2026-12-01T12:00:01Z",
                "body": {"id": "g1", "traceId": "t1", "name": "llm", "model": "gpt-4o"},
            },
        ]
    }
    sent = await app.client.post("/api/public/ingestion", json=batch, auth=app.auth())
    assert sent.status_code == 207, sent.text
    await settle(app)
    project = app.project.id

    reader = await app.container.get(TraceReader)
    trace = await reader.get_trace(project, "t1")
    assert trace is not None and trace.name == "checkout"
    assert [o.id for o in await reader.observations_of_trace(project, "t1")] == ["g1"]
    observation = await reader.get_observation(project, "g1")
    assert observation is not None and observation.provided_model_name == "gpt-4o"
    assert await reader.get_trace("another-project", "t1") is None

    writer = await app.container.get(ScoreWriter)
    score = Score(
        id="s1",
        project_id=project,
        timestamp=T0,
        name="correctness",
        value=0.75,
        source=ScoreSource.EVAL,
        trace_id="t1",
        observation_id="g1",
        comment="judged",
    )
    await writer.write_scores(project, [score])
    await settle(app)
    (stored,) = await reader.scores_of_trace(project, "t1")
    assert (stored.id, stored.name, stored.value, stored.source) == (
        "s1",
        "correctness",
        0.75,
        ScoreSource.EVAL,
    )
    assert (stored.observation_id, stored.comment, stored.data_type) == (
        "g1",
        "judged",
        ScoreDataType.NUMERIC,
    )


async def test_the_score_writer_refuses_what_the_scores_api_refuses(app: EmbeddedApp) -> None:
    writer = await app.container.get(ScoreWriter)
    project = app.project.id
    nameless = Score(id="s2", project_id=project, timestamp=T0, name="", value=1.0)
    with pytest.raises(InvalidInput):
        await writer.write_scores(project, [nameless])
    elsewhere = Score(id="s3", project_id="other", timestamp=T0, name="n", value=1.0)
    with pytest.raises(InvalidInput):
        await writer.write_scores(project, [elsewhere])
