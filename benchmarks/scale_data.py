"""Generated tracing data at scale, written straight into the analytics store.

Ingesting ten million observations through the API would take hours on a laptop, so
this generator writes them with ``INSERT … SELECT FROM numbers(n)`` inside ClickHouse
(embedded chDB here): the rows are computed by the engine itself, deterministic in
their number, and a 10 M-observation project loads in minutes.

The shape follows what the read targets need, per project of ``observations`` rows:

- traces: ``observations / 10``, spread over the last ``days`` days (newest = highest
  number), 20 names, 10,000 users, tags ``tag-0..6`` and ``tier-0..2``, metadata
  ``customer`` (500 values) and ``region``; every tenth trace also has an older version
  (another name, an earlier ``event_ts``), as an update leaves one before a merge.
- sessions: five consecutive traces each (``observations / 50`` sessions), except that
  every block of 10,000 traces starts with one session of 50 (``long-<k>``).
- observations: ten per trace (a root span, then generations on every third, spans and
  tools), and 90 more on the second trace of every block of 10,000 (100 in all).
- scores: two per trace (``quality`` numeric, ``verdict`` categorical).

The project the API keys open is ``main``; nine others get a tenth of its size each, so
every read has other tenants' rows to skip.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from spyglass_adapters.clickhouse.migrator import load_migrations
from spyglass_tracing.storage.clickhouse.mapping import (
    OBSERVATION_COLUMNS,
    SCORE_COLUMNS,
    TRACE_COLUMNS,
)
from spyglass_tracing.storage.clickhouse.store import MIGRATIONS_PACKAGE

__all__ = ("LONG_SESSION", "ScaleSpec", "insert_statements", "long_trace_id", "trace_id_sql")

DAY_MS = 86_400_000
SUMMARIES = "0006_trace_summaries"
"""The first migration that rewrites existing rows (each trace's summary of its
observations); it and every later one run again after loading."""
LOOKUP_TABLES = ("traces_by_user", "scores_by_trace", "trace_metadata")
"""Copies a materialized view fills as rows are inserted (tracing ``0011`` to ``0013``)."""
LONG_SESSION = "long-0"
"""A session of 50 traces that every size holds."""


@dataclass(frozen=True)
class ScaleSpec:
    """One project's size and the moment its newest trace starts."""

    project_id: str
    observations: int
    newest_ms: int
    days: int = 30

    @property
    def traces(self) -> int:
        return max(1, self.observations // 10)


def trace_id_sql(number: str) -> str:
    """The id of trace ``number`` (32 hex digits, like the SDKs')."""
    return f"lower(hex(MD5(concat('trace-', toString({number})))))"


def long_trace_id() -> str:
    """The SQL literal of a trace with 100 observations (trace 1 of the first block)."""
    return trace_id_sql("1")


def _trace_select(spec: ScaleSpec, project: str, *, older: bool) -> str:
    step = spec.days * DAY_MS // spec.traces
    start_ms = f"{spec.newest_ms} - ({spec.traces - 1} - number) * {step}"
    ts = f"fromUnixTimestamp64Milli(toInt64({start_ms}))"
    session = (
        "if(number % 10000 < 50, concat('long-', toString(intDiv(number, 10000))), "
        "concat('session-', toString(intDiv(number, 5))))"
    )
    name = "concat('workflow-', toString(number % 20))"
    where = "WHERE number % 10 = 0" if older else ""
    return f"""
SELECT
    {trace_id_sql("number")} AS id,
    {ts} AS timestamp,
    {"'draft'" if older else name} AS name,
    concat('user-', toString(cityHash64(number, 'user') % 10000)) AS user_id,
    map('customer', concat('c-', toString(number % 500)),
        'region', ['eu', 'us', 'ap'][number % 3 + 1]) AS metadata,
    concat('v1.', toString(number % 4)) AS release,
    NULL AS version,
    {project} AS project_id,
    'default' AS environment,
    false AS public,
    number % 97 = 0 AS bookmarked,
    [concat('tag-', toString(number % 7)), concat('tier-', toString(number % 3))] AS tags,
    concat('{{"question":"What is item ', toString(number), ' about? ',
           repeat('Context sentence. ', 6), '"}}') AS input,
    concat('{{"answer":"Item ', toString(number), ' is about ',
           repeat('things that matter. ', 5), '"}}') AS output,
    {session} AS session_id,
    timestamp AS created_at,
    timestamp AS updated_at,
    timestamp + toIntervalMillisecond({1 if older else 5000}) AS event_ts,
    0 AS is_deleted
FROM numbers({spec.traces}) {where}"""


def _observation_select(spec: ScaleSpec, project: str, *, extra: bool) -> str:
    """Ten observations per trace, or (``extra``) 90 more on trace 1 of each block."""
    step = spec.days * DAY_MS // spec.traces
    if extra:
        blocks = max(1, (spec.traces + 9_999) // 10_000)
        source = f"numbers({blocks * 90})"
        trace_number = "(intDiv(number, 90) * 10000 + 1)"
        k = "(10 + number % 90)"
    else:
        source = f"numbers({spec.traces * 10})"
        trace_number = "intDiv(number, 10)"
        k = "(number % 10)"
    trace_ts = f"({spec.newest_ms} - ({spec.traces - 1} - {trace_number}) * {step})"
    generation = f"{k} % 3 = 1"
    return f"""
SELECT
    substring(lower(hex(MD5(concat('obs-', toString({trace_number}), '-', toString({k}))))),
              1, 16) AS id,
    {trace_id_sql(trace_number)} AS trace_id,
    {project} AS project_id,
    'default' AS environment,
    multiIf({k} = 0, 'SPAN', {generation}, 'GENERATION', {k} % 3 = 2, 'SPAN', 'TOOL') AS type,
    if({k} = 0, NULL,
       substring(lower(hex(MD5(concat('obs-', toString({trace_number}), '-0')))), 1, 16))
        AS parent_observation_id,
    fromUnixTimestamp64Milli(toInt64({trace_ts} + {k} * 40)) AS start_time,
    start_time + toIntervalMillisecond(30 + cityHash64(number) % 2000) AS end_time,
    multiIf({k} = 0, 'handle-request', {generation}, 'llm-call', {k} % 3 = 2, 'retrieve',
            'search-tool') AS name,
    map('step', toString({k})) AS metadata,
    if(cityHash64(number, 'level') % 200 = 0, 'ERROR', 'DEFAULT') AS level,
    NULL AS status_message,
    NULL AS version,
    concat('[{{"role":"user","content":"Step ', toString({k}), ' input ',
           repeat('lorem ipsum ', 8), '"}}]') AS input,
    concat('{{"role":"assistant","content":"Step ', toString({k}), ' output ',
           repeat('dolor sit amet ', 6), '"}}') AS output,
    if({generation}, if({trace_number} % 2 = 0, 'gpt-4o', 'gpt-4o-mini'), NULL)
        AS provided_model_name,
    NULL AS internal_model_id,
    if({generation}, '{{"temperature":0.2}}', NULL) AS model_parameters,
    map() AS provided_usage_details,
    if({generation}, map('input', 200 + number % 300, 'output', 50 + number % 150,
                         'total', 250 + number % 300 + number % 150),
       map()) AS usage_details,
    map() AS provided_cost_details,
    if({generation}, map('total', toDecimal64((250 + number % 450) / 1000000, 12)),
       map()) AS cost_details,
    if({generation}, toDecimal64((250 + number % 450) / 1000000, 12), NULL) AS total_cost,
    if({generation}, start_time + toIntervalMillisecond(20), NULL) AS completion_start_time,
    NULL AS prompt_id,
    NULL AS prompt_name,
    NULL AS prompt_version,
    start_time AS created_at,
    start_time AS updated_at,
    start_time + toIntervalMillisecond(5000) AS event_ts,
    0 AS is_deleted
FROM {source}"""


def _score_select(spec: ScaleSpec, project: str) -> str:
    step = spec.days * DAY_MS // spec.traces
    trace_number = "intDiv(number, 2)"
    trace_ts = f"({spec.newest_ms} - ({spec.traces - 1} - {trace_number}) * {step})"
    numeric = "number % 2 = 0"
    return f"""
SELECT
    lower(hex(MD5(concat('score-', toString(number))))) AS id,
    fromUnixTimestamp64Milli(toInt64({trace_ts} + 3000)) AS timestamp,
    {project} AS project_id,
    'default' AS environment,
    {trace_id_sql(trace_number)} AS trace_id,
    NULL AS session_id,
    NULL AS dataset_run_id,
    NULL AS observation_id,
    if({numeric}, 'quality', 'verdict') AS name,
    if({numeric}, (cityHash64(number) % 100) / 100, 0) AS value,
    if({numeric}, 'API', 'EVAL') AS source,
    if({numeric}, NULL, 'The answer follows from the context.') AS comment,
    map() AS metadata,
    NULL AS author_user_id,
    NULL AS config_id,
    if({numeric}, 'NUMERIC', 'CATEGORICAL') AS data_type,
    if({numeric}, NULL, ['good', 'bad', 'unsure'][cityHash64(number) % 3 + 1]) AS string_value,
    NULL AS queue_id,
    timestamp AS created_at,
    timestamp AS updated_at,
    timestamp + toIntervalMillisecond(1000) AS event_ts,
    0 AS is_deleted
FROM numbers({spec.traces * 2})"""


def insert_statements(database: str, specs: Sequence[ScaleSpec]) -> list[tuple[str, str]]:
    """(what, SQL) of every insert that loads ``specs`` into ``database``'s tables."""
    statements: list[tuple[str, str]] = []
    for spec in specs:
        project = f"'{spec.project_id}'"
        for what, table, columns, select in (
            ("traces", "traces", TRACE_COLUMNS, _trace_select(spec, project, older=False)),
            ("older trace versions", "traces", TRACE_COLUMNS,
             _trace_select(spec, project, older=True)),
            ("observations", "observations", OBSERVATION_COLUMNS,
             _observation_select(spec, project, extra=False)),
            ("long traces", "observations", OBSERVATION_COLUMNS,
             _observation_select(spec, project, extra=True)),
            ("scores", "scores", SCORE_COLUMNS, _score_select(spec, project)),
        ):  # fmt: skip
            # By name: the SELECT's aliases are the columns, in whatever order.
            names = ", ".join(f"`{column}`" for column in columns)
            statements.append((
                f"{spec.project_id}: {what}",
                f"INSERT INTO {database}.{table} ({names}) SELECT {names} FROM ({select})",
            ))  # fmt: skip
    # The traces were written without their summaries or their days' marks: the
    # migrations that add them to existing data run again here (``0006_trace_summaries``
    # and those after it, every step of which can be rerun), so the rows are those the
    # store would have written.
    # The lookup tables' views copied the rows as inserted, without their summaries:
    # emptied here, they are filled again from the finished rows by their migrations.
    for table in LOOKUP_TABLES:
        statements.append((f"{table}: emptied", f"TRUNCATE TABLE IF EXISTS {database}.{table}"))
    for migration in load_migrations(MIGRATIONS_PACKAGE):
        if migration.version >= SUMMARIES:
            statements.extend(
                (f"{migration.version}: {sql[:40]}", sql) for sql in migration.statements(database)
            )
    return statements
