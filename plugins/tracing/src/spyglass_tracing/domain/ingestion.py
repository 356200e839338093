"""Ingestion events: what the SDKs send, as partial updates of traces, observations, scores.

Every body is a *patch*: a field left out of the JSON stays ``UNSET`` and leaves the
stored value alone, an explicit ``null`` clears it. The batch endpoint, the legacy
single-object routes, ``POST /scores`` and the OpenTelemetry mapping all turn what they
receive into ``EntityEvent``s, which the worker folds into stored rows
(``spyglass_tracing.domain.merge``). Field names on the wire are camelCase.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from spyglass_core.domain.events import ExperimentItemRan

__all__ = (
    "MAX_ID_LENGTH",
    "UNSET",
    "BatchHeader",
    "BatchRecord",
    "EntityEvent",
    "EntityKind",
    "IngestionBatch",
    "ObservationBody",
    "ScoreBody",
    "TraceBody",
    "UnsetType",
    "encode_batch",
    "sanitize_environment",
    "validate_id",
)

MAX_ID_LENGTH = 800
"""Langfuse's limit on trace, observation, score and event ids."""

_ENVIRONMENT = re.compile(r"^[a-z0-9_-]+$")
_MAX_ENVIRONMENT_LENGTH = 40


class EntityKind(enum.Enum):
    """Which table an event writes to."""

    TRACE = "trace"
    OBSERVATION = "observation"
    SCORE = "score"


def validate_id(value: object, what: str = "id") -> str | None:
    """Why ``value`` is not an acceptable id, or None when it is.

    Ids are 1 to 800 characters without carriage returns, as in Langfuse.
    """
    if not isinstance(value, str):
        return f"{what} must be a string"
    if not value:
        return f"{what} must not be empty"
    if len(value) > MAX_ID_LENGTH:
        return f"{what} is longer than {MAX_ID_LENGTH} characters"
    if "\r" in value:
        return f"{what} cannot contain carriage return characters"
    return None


def sanitize_environment(value: str | None) -> str | None:
    """Lowercase, strip a ``langfuse`` prefix, cut to 40 characters; None when invalid.

    Langfuse never rejects an event for its environment: an unusable one falls back to
    ``default``, which is what the caller does with None.
    """
    if value is None:
        return None
    cleaned = value.strip().lower()
    if cleaned.startswith("langfuse"):
        cleaned = cleaned[len("langfuse") :].lstrip("-_")
    cleaned = cleaned[:_MAX_ENVIRONMENT_LENGTH]
    return cleaned if cleaned and _ENVIRONMENT.fullmatch(cleaned) else None


# gc=False on the bodies and the event: decoded from JSON, they never form a reference
# cycle, and an ingestion group holds hundreds of thousands of them (as for the rows in
# spyglass_core.domain.tracing).
class TraceBody(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True, gc=False):
    """``trace-create``: creates a trace or updates the one with this ``id``."""

    id: str | UnsetType = UNSET
    timestamp: datetime | UnsetType | None = UNSET
    name: str | UnsetType | None = UNSET
    user_id: str | UnsetType | None = UNSET
    session_id: str | UnsetType | None = UNSET
    input: Any | UnsetType = UNSET
    output: Any | UnsetType = UNSET
    metadata: Any | UnsetType = UNSET
    release: str | UnsetType | None = UNSET
    version: str | UnsetType | None = UNSET
    tags: list[str] | UnsetType | None = UNSET
    public: bool | UnsetType | None = UNSET
    environment: str | UnsetType | None = UNSET


class ObservationBody(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True, gc=False):
    """Span, generation, event and typed observation creates and updates.

    ``type`` is set by the event type (``generation-create`` → ``GENERATION``) or, for
    ``observation-create``, sent in the body. ``usage`` is the legacy shape
    (``{input, output, total, unit, inputCost, …}`` or OpenAI's ``promptTokens``);
    ``usage_details`` is a map of counts or an OpenAI usage object; both are normalized
    by ``spyglass_tracing.domain.cost.normalize_usage``.
    """

    id: str | UnsetType = UNSET
    trace_id: str | UnsetType | None = UNSET
    type: str | UnsetType | None = UNSET
    name: str | UnsetType | None = UNSET
    start_time: datetime | UnsetType | None = UNSET
    end_time: datetime | UnsetType | None = UNSET
    completion_start_time: datetime | UnsetType | None = UNSET
    model: str | UnsetType | None = UNSET
    model_parameters: Any | UnsetType = UNSET
    usage: Any | UnsetType = UNSET
    usage_details: Any | UnsetType = UNSET
    cost_details: Any | UnsetType = UNSET
    metadata: Any | UnsetType = UNSET
    input: Any | UnsetType = UNSET
    output: Any | UnsetType = UNSET
    level: str | UnsetType | None = UNSET
    status_message: str | UnsetType | None = UNSET
    parent_observation_id: str | UnsetType | None = UNSET
    version: str | UnsetType | None = UNSET
    environment: str | UnsetType | None = UNSET
    prompt_name: str | UnsetType | None = UNSET
    prompt_version: int | UnsetType | None = UNSET


class ScoreBody(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True, gc=False):
    """``score-create`` and ``POST /scores``: creates or replaces the score with ``id``."""

    id: str | UnsetType = UNSET
    name: str
    value: float | str | bool
    trace_id: str | UnsetType | None = UNSET
    observation_id: str | UnsetType | None = UNSET
    session_id: str | UnsetType | None = UNSET
    dataset_run_id: str | UnsetType | None = UNSET
    data_type: str | UnsetType | None = UNSET
    config_id: str | UnsetType | None = UNSET
    comment: str | UnsetType | None = UNSET
    metadata: Any | UnsetType = UNSET
    environment: str | UnsetType | None = UNSET
    source: str | UnsetType | None = UNSET
    queue_id: str | UnsetType | None = UNSET
    timestamp: datetime | UnsetType | None = UNSET
    author_user_id: str | UnsetType | None = UNSET


class EntityEvent(msgspec.Struct, kw_only=True, omit_defaults=True, gc=False):
    """One accepted change to one entity; exactly one of the bodies is set.

    ``id`` is the envelope id (the dedupe key), ``type`` the Langfuse event type
    (``trace-create``, ``span-update`` …), ``timestamp`` when the SDK made the change;
    events of one entity are applied creates first, then by timestamp.
    """

    id: str
    type: str
    timestamp: datetime
    trace: TraceBody | None = None
    observation: ObservationBody | None = None
    score: ScoreBody | None = None

    @property
    def kind(self) -> EntityKind:
        """The table this event writes to."""
        if self.trace is not None:
            return EntityKind.TRACE
        if self.observation is not None:
            return EntityKind.OBSERVATION
        return EntityKind.SCORE

    @property
    def entity_id(self) -> str:
        """The id of the trace, observation or score this event changes."""
        body = self.trace or self.observation or self.score
        assert body is not None and isinstance(body.id, str), "events carry an entity id"
        return body.id

    @property
    def is_create(self) -> bool:
        """True for ``*-create`` events, which are applied before updates."""
        return self.type.endswith("-create")


class BatchHeader(msgspec.Struct, frozen=True, kw_only=True):
    """Everything about a batch but its events, fixed when the request arrives.

    The events of an OTLP export are mapped and encoded in a decoding process: the header
    travels there, and the encoded batch comes back ready to be stored under ``id``.
    """

    id: str
    project_id: str
    source: str
    received_at: datetime
    sdk_name: str | None = None
    sdk_version: str | None = None
    public_key: str | None = None


class IngestionBatch(msgspec.Struct, kw_only=True):
    """What the API durably stores before it answers: the accepted events of one request.

    ``source`` is ``ingestion``, ``otel``, ``scores`` or ``legacy``; ``sdk_name``,
    ``sdk_version`` and ``public_key`` are the caller's ``x-langfuse-*`` headers, kept as
    attribution on scores.
    """

    id: str
    project_id: str
    source: str
    received_at: datetime
    events: list[EntityEvent]
    sdk_name: str | None = None
    sdk_version: str | None = None
    public_key: str | None = None
    experiment_items: list[ExperimentItemRan] = msgspec.field(default_factory=list)
    """What OTLP spans said about SDK experiments; announced once the batch is applied."""


# JSON rather than MessagePack: event bodies are free-form JSON, whose integers may exceed
# 64 bits, and a stored batch should be readable by hand when something goes wrong.
_batch_encoder = msgspec.json.Encoder()


def encode_batch(
    header: BatchHeader,
    events: Sequence[EntityEvent],
    experiment_items: Sequence[ExperimentItemRan] = (),
) -> bytes:
    """The stored form of a batch: its ``IngestionBatch`` as JSON."""
    batch = IngestionBatch(
        id=header.id,
        project_id=header.project_id,
        source=header.source,
        received_at=header.received_at,
        events=list(events),
        sdk_name=header.sdk_name,
        sdk_version=header.sdk_version,
        public_key=header.public_key,
        experiment_items=list(experiment_items),
    )
    return _batch_encoder.encode(batch)


class BatchRecord(msgspec.Struct, kw_only=True):
    """The transactional record of a stored batch: pending until the worker marks it done.

    A batch still pending after a crash or restart is enqueued again, which is safe
    because applying a batch twice gives the same rows.
    """

    id: str
    project_id: str
    blob_key: str
    source: str
    received_at: datetime
    event_count: int
    processed_at: datetime | None = None
    attempts: int = 0
    """Failed runs so far."""
    last_error: str | None = None
    next_attempt_at: datetime | None = None
    """Not retried before this time (backoff after a failure)."""
    dead_at: datetime | None = None
    """Set when the batch stopped being retried (a permanent error, or too many failures):
    it waits for an operator to inspect and replay it, and is never pruned."""
