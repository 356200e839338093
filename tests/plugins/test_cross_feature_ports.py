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
from spyglass_core.ports.traces import LLMCall, LLMCallTracer, ScoreWriter, TraceReader
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


async def test_the_reader_reads_in_batches(app: EmbeddedApp) -> None:
    def event(n: int, kind: str, body: dict[str, object]) -> dict[str, object]:
        return {"id": f"b{n}", "type": kind, "timestamp": "2026-12-01T12:00:00Z", "body": body}

    at = "2026-12-01T12:00:{:02d}Z"
    batch = [
        event(1, "trace-create", {"id": "t1", "timestamp": at.format(0), "output": "done"}),
        event(2, "trace-create", {"id": "t2", "timestamp": at.format(0)}),
        event(
            3,
            "span-create",
            {
                "id": "o1",
                "traceId": "t1",
                "startTime": at.format(1),
                "endTime": at.format(3),
                "costDetails": {"total": 0.25},
            },
        ),
        event(
            4,
            "generation-create",
            {
                "id": "o2",
                "traceId": "t1",
                "startTime": at.format(2),
                "endTime": at.format(6),
                "costDetails": {"total": 0.5},
            },
        ),
        event(5, "score-create", {"id": "s1", "name": "a", "value": 1, "traceId": "t1"}),
        event(
            6,
            "score-create",
            {"id": "s2", "name": "b", "value": 2, "traceId": "t1", "observationId": "o2"},
        ),
        event(7, "score-create", {"id": "s3", "name": "run", "value": 3, "datasetRunId": "r1"}),
    ]
    sent = await app.client.post("/api/public/ingestion", json={"batch": batch}, auth=app.auth())
    assert sent.status_code == 207, sent.text
    await settle(app)
    project = app.project.id
    reader = await app.container.get(TraceReader)

    assert sorted(t.id for t in await reader.get_traces(project, ["t1", "t2", "t3"])) == [
        "t1",
        "t2",
    ]
    assert sorted(o.id for o in await reader.get_observations(project, ["o1", "o2", "x"])) == [
        "o1",
        "o2",
    ]
    totals = await reader.trace_totals(project, ["t1", "t2"])
    assert (totals["t1"].latency, totals["t1"].total_cost) == (5.0, pytest.approx(0.75))
    assert (totals["t2"].latency, totals["t2"].total_cost) == (0.0, 0.0)
    scores = await reader.scores_of_traces(project, ["t1", "t2"])
    assert ([s.id for s in scores["t1"]], scores["t2"]) == (["s1", "s2"], [])
    by_run = await reader.scores_of_dataset_runs(project, ["r1", "r2"])
    assert ([s.id for s in by_run["r1"]], by_run["r2"]) == (["s3"], [])
    assert await reader.get_traces("another-project", ["t1"]) == []
    assert (await reader.scores_of_dataset_runs("another-project", ["r1"]))["r1"] == []


async def test_a_feature_traces_its_own_llm_call_once_however_often_it_records_it(
    app: EmbeddedApp,
) -> None:
    tracer = await app.container.get(LLMCallTracer)
    call = LLMCall(
        trace_id="judge-trace",
        observation_id="judge-generation",
        trace_name="Execute evaluator: helpfulness",
        generation_name="judge",
        environment="spyglass-llm-as-a-judge",
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Rate this answer"}],
        output={"score": 0.5, "reasoning": "half right"},
        input_tokens=120,
        output_tokens=30,
        start_time=T0,
        end_time=T0.replace(second=2),
    )
    await tracer.record_llm_call(app.project.id, call)
    await tracer.record_llm_call(app.project.id, call)  # a retried execution
    await settle(app)

    reader = await app.container.get(TraceReader)
    trace = await reader.get_trace(app.project.id, "judge-trace")
    assert trace is not None
    assert trace.environment == "spyglass-llm-as-a-judge"
    generations = await reader.observations_of_trace(app.project.id, "judge-trace")
    assert [g.id for g in generations] == ["judge-generation"]
    generation = generations[0]
    assert generation.type.value == "GENERATION"
    assert generation.provided_model_name == "gpt-4o-mini"
    assert generation.usage_details == {"input": 120, "output": 30, "total": 150}
    assert (generation.total_cost or 0) > 0  # priced from the default model table
