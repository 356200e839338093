"""Executions: one run of one rule's evaluator on one object, and the score it writes.

A rule evaluates an object at most once: the execution's id is derived from (rule,
object kind, object id), so a replayed event finds the execution it already made. The
score's id is derived from the execution's, so a retried execution replaces its score
rather than adding a second one. Missing data is retried with a growing delay, a bounded
number of times, before the execution ends in an error that says why.
"""

from __future__ import annotations

import enum
import hashlib
from datetime import datetime, timedelta
from typing import Any

import msgspec

from spyglass_core.domain.tracing import Score, ScoreDataType, ScoreSource

__all__ = (
    "FINISHED",
    "JUDGE_ENVIRONMENT",
    "Backfill",
    "BackfillStatus",
    "Execution",
    "ExecutionStatus",
    "MissingDataRetry",
    "ObjectKind",
    "eval_score",
    "execution_id",
    "judge_call_ids",
    "score_id",
)

JUDGE_ENVIRONMENT = "spyglass-llm-as-a-judge"
"""The environment under which a judge's own LLM calls are traced into the project."""


class ExecutionStatus(enum.StrEnum):
    """Where an execution is: waiting (its delay), running, or finished one way."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    ERROR = "ERROR"
    CANCELLED = "CANCELLED"


class ObjectKind(enum.StrEnum):
    """What a rule evaluates."""

    TRACE = "TRACE"
    OBSERVATION = "OBSERVATION"
    SESSION = "SESSION"
    EXPERIMENT_ITEM = "EXPERIMENT_ITEM"


FINISHED = frozenset({ExecutionStatus.COMPLETED, ExecutionStatus.ERROR, ExecutionStatus.CANCELLED})


def execution_id(rule_id: str, evaluator: str, kind: ObjectKind, object_id: str) -> str:
    """The one execution of ``rule_id``'s ``evaluator`` on this object (32 hex)."""
    key = f"spyglass-eval-execution-v1\x00{rule_id}\x00{evaluator}\x00{kind.value}\x00{object_id}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def judge_call_ids(execution: str) -> tuple[str, str]:
    """The trace and generation ids under which an execution's judge call is traced, the
    same on every retry (a retried call replaces the traced one)."""
    digest = hashlib.sha256(f"spyglass-eval-judge-v1\x00{execution}".encode()).hexdigest()
    return digest[:32], digest[32:48]


class Execution(msgspec.Struct, frozen=True, kw_only=True):
    """One run of one rule's evaluator on one object.

    Attributes:
        evaluator: the evaluator's id, or ``code:<name>`` for a code evaluator.
        object_kind, object_id: what is evaluated (a trace, an observation, a session,
            or an experiment item by its task span's id).
        trace_id, observation_id, session_id, dataset_run_id: where the score goes.
        backfill_id: the backfill that made it, if one did.
        context: what the event knew that storage may not (an experiment item's
            expected output and metadata), for filling variables.
        attempts: how many times the data was missing or the provider was unavailable.
        due_at: when it may run next (created + the rule's delay, or a retry's backoff).
        lease_owner, lease_until: the worker running it and until when; a lease that
            expired belongs to a worker that died, and the execution runs again.
        score_value: the value written (number, bool or category), once completed.
    """

    id: str
    project_id: str
    rule_id: str
    evaluator: str
    score_name: str
    object_kind: ObjectKind
    object_id: str
    trace_id: str | None = None
    observation_id: str | None = None
    session_id: str | None = None
    dataset_run_id: str | None = None
    backfill_id: str | None = None
    context: dict[str, Any] | None = None
    status: ExecutionStatus = ExecutionStatus.PENDING
    attempts: int = 0
    due_at: datetime
    lease_owner: str | None = None
    lease_until: datetime | None = None
    error: str | None = None
    score_id: str | None = None
    score_value: float | bool | str | None = None
    score_comment: str | None = None
    judge_trace_id: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None = None


def score_id(execution: str) -> str:
    """The id of the score an execution writes, the same on every retry."""
    return hashlib.sha256(f"spyglass-eval-score-v1\x00{execution}".encode()).hexdigest()[:32]


class MissingDataRetry(msgspec.Struct, frozen=True, kw_only=True):
    """How long to wait for data that has not arrived, and when to give up.

    The n-th retry (from 1) waits ``first_delay * 2**(n-1)``, at most ``max_delay``.
    """

    attempts: int = 5
    first_delay: timedelta = timedelta(seconds=10)
    max_delay: timedelta = timedelta(minutes=10)

    def next_attempt(self, retries_so_far: int, now: datetime) -> datetime | None:
        """When to try again after ``retries_so_far`` retries, or None to give up."""
        if retries_so_far >= self.attempts:
            return None
        delay: timedelta = min(self.first_delay * 2**retries_so_far, self.max_delay)
        return now + delay


def eval_score(
    *,
    project_id: str,
    execution: str,
    name: str,
    value: float | bool | str,
    comment: str | None,
    at: datetime,
    trace_id: str | None = None,
    observation_id: str | None = None,
    session_id: str | None = None,
    dataset_run_id: str | None = None,
    environment: str = "default",
    judge_trace_id: str | None = None,
) -> Score:
    """The score an execution writes: ``source=EVAL``, id derived from the execution,
    typed by its value (a bool is BOOLEAN, a string CATEGORICAL, a number NUMERIC)."""
    if isinstance(value, bool):
        data_type, number, text = ScoreDataType.BOOLEAN, float(value), None
    elif isinstance(value, str):
        data_type, number, text = ScoreDataType.CATEGORICAL, 0.0, value
    else:
        data_type, number, text = ScoreDataType.NUMERIC, float(value), None
    return Score(
        id=score_id(execution),
        project_id=project_id,
        timestamp=at,
        name=name,
        value=number,
        string_value=text,
        data_type=data_type,
        source=ScoreSource.EVAL,
        comment=comment,
        trace_id=trace_id,
        observation_id=observation_id,
        session_id=session_id,
        dataset_run_id=dataset_run_id,
        environment=environment,
        metadata={"execution_id": execution}
        | ({"judge_trace_id": judge_trace_id} if judge_trace_id else {}),
    )


class BackfillStatus(enum.StrEnum):
    """A backfill selects its objects and plans their executions (PLANNING), then waits
    for them (RUNNING) until none is left (COMPLETED); ERROR when selecting failed."""

    PLANNING = "PLANNING"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    ERROR = "ERROR"


class Backfill(msgspec.Struct, frozen=True, kw_only=True):
    """A rule run over past data on demand.

    Attributes:
        selection: which data: ``{"traces": {...a trace filter...}}`` or
            ``{"datasetRunId": ...}``, with ``limit``.
        selected: how many objects the selection held.
        planned: how many executions it added (objects the rule had already evaluated
            are not evaluated again).
    """

    id: str
    project_id: str
    rule_id: str
    selection: dict[str, Any]
    status: BackfillStatus = BackfillStatus.PLANNING
    selected: int = 0
    planned: int = 0
    error: str | None = None
    created_at: datetime
    updated_at: datetime
