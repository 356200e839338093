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

import msgspec

from spyglass_core.domain.tracing import Score, ScoreDataType, ScoreSource

__all__ = (
    "JUDGE_ENVIRONMENT",
    "ExecutionStatus",
    "MissingDataRetry",
    "ObjectKind",
    "eval_score",
    "execution_id",
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


def execution_id(rule_id: str, kind: ObjectKind, object_id: str) -> str:
    """The one execution of ``rule_id`` on this object (32 hex)."""
    key = f"spyglass-eval-execution-v1\x00{rule_id}\x00{kind.value}\x00{object_id}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


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
        metadata={"execution_id": execution},
    )
