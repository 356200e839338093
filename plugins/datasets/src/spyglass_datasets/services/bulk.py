"""Bulk use cases on one dataset: import a CSV/JSONL upload, export JSONL, items from traces.

An import is all or nothing as far as the input goes: every row is checked (JSON, types,
the dataset's schemas, ids) before anything is stored, and one bad row stores none. A
valid upload is then stored in transactions of ``WRITE_CHUNK`` items, so a large import
never holds one huge transaction; should storage fail midway (the database goes away, a
concurrent write takes an id), the chunks already committed stay and the error says how
many items they held.

The upload is spooled (in memory up to ``_SPOOL_IN_MEMORY``, then on disk) and read
twice, checked then stored, so memory holds one chunk of rows at a time, not the file.
Parsing and schema checks run in a worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Iterator, Sequence
from datetime import datetime, timedelta
from typing import IO, Any

import msgspec

from spyglass_core.domain.errors import Conflict, InvalidInput, NotFound
from spyglass_core.domain.ids import new_id
from spyglass_core.domain.trace_selection import TraceSelection
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.traces import TraceReader
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_datasets.domain.bulk import (
    ImportFormat,
    ImportRow,
    RowError,
    export_row,
    json_or_text,
    parse_rows,
)
from spyglass_datasets.domain.datasets import Dataset, DatasetItem, ItemCursor, ItemFilter
from spyglass_datasets.domain.schemas import schema_checker
from spyglass_datasets.ports import DatasetItemRepository, DatasetRepository
from spyglass_datasets.services.datasets import ItemChanges, next_version

__all__ = (
    "FROM_TRACES_MAX",
    "IMPORT_MAX_BYTES",
    "IMPORT_MAX_ROWS",
    "MAX_REPORTED_ERRORS",
    "WRITE_CHUNK",
    "BulkItemService",
    "FromTraces",
    "FromTracesReport",
    "ImportReport",
    "SourceError",
)

IMPORT_MAX_BYTES = 64 * 1024 * 1024
"""The largest upload (64 MiB): about 200,000 items of a few hundred bytes each."""

IMPORT_MAX_ROWS = 100_000
"""The most rows one upload may hold."""

FROM_TRACES_MAX = 1000
"""The most traces or observations one from-traces call turns into items."""

MAX_REPORTED_ERRORS = 100
"""A refused upload lists this many row errors and counts the rest."""

WRITE_CHUNK = 1000
"""Items stored per transaction (and rows read per step)."""

_SPOOL_IN_MEMORY = 8 * 1024 * 1024
_TICK = timedelta(microseconds=1)


class ImportReport(msgspec.Struct, frozen=True, kw_only=True):
    """What an import did: ``imported`` items, or the first row errors and how many more."""

    imported: int
    errors: Sequence[RowError] = ()
    more_errors: int = 0


class SourceError(msgspec.Struct, frozen=True, kw_only=True):
    """Why the trace or observation ``id`` cannot become an item."""

    id: str
    message: str


class FromTraces(msgspec.Struct, frozen=True, kw_only=True):
    """Which traces (or observations) to turn into items; exactly one field is given."""

    trace_ids: Sequence[str] | None = None
    observation_ids: Sequence[str] | None = None
    selection: TraceSelection | None = None


class FromTracesReport(msgspec.Struct, frozen=True, kw_only=True):
    """The items made (their ids, in the sources' order), or why none was."""

    imported: int
    item_ids: Sequence[str] = ()
    errors: Sequence[SourceError] = ()


class _Source(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    input: Any
    output: Any
    trace_id: str
    observation_id: str | None = None


class BulkItemService:
    """Imports, exports and items from traces, for one dataset at a time."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    # --- import -------------------------------------------------------------------------

    async def import_items(
        self, project_id: str, dataset_id: str, body: AsyncIterable[bytes], format: ImportFormat
    ) -> ImportReport:
        """Check every row of the upload, then store them all, or none when a row is bad.

        A row with the id of an item of this dataset makes a new version of it (a missing
        or null field keeps the stored value, as ``POST /dataset-items`` does).

        Raises:
            NotFound: the project has no such dataset.
            Conflict: storage found an id taken after the check (the message says how
                many items were stored before).
        """
        dataset = await self._dataset(project_id, dataset_id)
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY) as spool:
            async for chunk in body:
                spool.write(chunk)
            spool.seek(0)
            report = await self._check_upload(dataset, spool, format)
            if report.errors:
                return report
            spool.seek(0)
            return ImportReport(imported=await self._store_upload(dataset, spool, format))

    async def _check_upload(
        self, dataset: Dataset, spool: IO[bytes], format: ImportFormat
    ) -> ImportReport:
        errors = _Errors()
        rows = _checked_rows(dataset, parse_rows(spool, format))
        first_row_of: dict[str, int] = {}
        count = 0
        while batch := await asyncio.to_thread(_take, rows, WRITE_CHUNK):
            for record in batch:
                count += 1
                if count > IMPORT_MAX_ROWS:
                    row = record.row if isinstance(record, ImportRow) else record[0].row
                    message = f"An upload holds at most {IMPORT_MAX_ROWS} rows"
                    errors.extend([RowError(row=row, field=None, message=message)])
                    return errors.report()
                if not isinstance(record, ImportRow):
                    errors.extend(record)
                elif record.id is not None:
                    first = first_row_of.setdefault(record.id, record.row)
                    if first != record.row:
                        message = f"The id appears on row {first} already"
                        errors.extend([RowError(row=record.row, field="id", message=message)])
            valid = [record for record in batch if isinstance(record, ImportRow)]
            errors.extend(await self._id_conflicts(dataset, valid))
        return errors.report()

    async def _id_conflicts(self, dataset: Dataset, rows: Sequence[ImportRow]) -> list[RowError]:
        ids = [row.id for row in rows if row.id is not None]
        if not ids:
            return []
        async with self._uow_factory() as uow:
            current = await uow.repository(DatasetItemRepository).current_many(
                dataset.project_id, ids
            )
        return [
            RowError(row=row.row, field="id", message=_ELSEWHERE)
            for row in rows
            if row.id is not None and row.id in current and current[row.id].dataset_id != dataset.id
        ]

    async def _store_upload(self, dataset: Dataset, spool: IO[bytes], format: ImportFormat) -> int:
        rows = parse_rows(spool, format)
        start = self._clock.now()
        stored = 0
        while batch := await asyncio.to_thread(_take, rows, WRITE_CHUNK):
            changes = [_changes(dataset, row) for row in batch if isinstance(row, ImportRow)]
            await self._store(dataset, changes, start + stored * _TICK, stored)
            stored += len(changes)
        return stored

    async def _store(
        self, dataset: Dataset, changes: Sequence[ItemChanges], start: datetime, stored: int
    ) -> list[DatasetItem]:
        """One transaction; item ``i`` is stamped ``start + i µs`` to keep the given order."""
        project_id = dataset.project_id
        async with self._uow_factory() as uow:
            repo = uow.repository(DatasetItemRepository)
            ids = [c.id for c in changes if c.id is not None]
            current = await repo.current_many(project_id, ids) if ids else {}
            latest = await repo.latest_versions(project_id, ids) if ids else {}
            items: list[DatasetItem] = []
            for index, change in enumerate(changes):
                item_id = change.id or new_id()
                stored_item = current.get(item_id)
                if stored_item is not None and stored_item.dataset_id != dataset.id:
                    raise Conflict(
                        f"Dataset item '{item_id}' belongs to another dataset of the project",
                        details=_kept(stored),
                    )
                items.append(
                    next_version(
                        project_id,
                        item_id,
                        dataset.id,
                        stored_item,
                        change,
                        start + index * _TICK,
                        version=latest.get(item_id, 0) + 1,
                    )
                )
            try:
                await repo.save_many(items)
            except Conflict as error:
                raise Conflict(error.message, details=_kept(stored)) from None
            await uow.commit()
        return items

    # --- export -------------------------------------------------------------------------

    async def export(
        self, project_id: str, dataset_id: str
    ) -> tuple[Dataset, AsyncIterator[bytes]]:
        """The dataset and its current items (archived too) as JSONL, in item order.

        Items are read in keyset pages of ``WRITE_CHUNK``, each in its own transaction, so
        a slow download holds no transaction open; a change made during the download may
        or may not be in it.

        Raises:
            NotFound: the project has no such dataset (raised here, before any byte).
        """
        dataset = await self._dataset(project_id, dataset_id)
        return dataset, self._export_lines(dataset)

    async def _export_lines(self, dataset: Dataset) -> AsyncIterator[bytes]:
        encoder = msgspec.json.Encoder()
        where = ItemFilter(dataset_id=dataset.id, include_archived=True)
        cursor: ItemCursor | None = None
        while True:
            async with self._uow_factory() as uow:
                page = await uow.repository(DatasetItemRepository).find(
                    dataset.project_id, where, after=cursor, limit=WRITE_CHUNK
                )
            if page:
                yield b"".join(encoder.encode(export_row(item)) + b"\n" for item in page)
            if len(page) < WRITE_CHUNK:
                return
            cursor = ItemCursor(created_at=page[-1].created_at, id=page[-1].id)

    # --- from traces --------------------------------------------------------------------

    async def from_traces(
        self, project_id: str, dataset_id: str, reader: TraceReader, request: FromTraces
    ) -> FromTracesReport:
        """One new item per trace or observation: input, output as expected output, links.

        All or nothing: an unknown id, or a value the dataset's schemas refuse, makes
        none and is reported per id.

        Raises:
            NotFound: the project has no such dataset.
            InvalidInput: not exactly one of ids, observation ids and filter; more than
                ``FROM_TRACES_MAX`` of them, or a filter matching more.
        """
        dataset = await self._dataset(project_id, dataset_id)
        sources, errors = await _sources(project_id, reader, request)
        input_violations = schema_checker("input", dataset.input_schema)
        output_violations = schema_checker("expectedOutput", dataset.expected_output_schema)
        for source in sources:
            found = []
            if source.input is not None:
                found += input_violations(source.input)
            if source.output is not None:
                found += output_violations(source.output)
            errors += [SourceError(id=source.id, message=message) for message in found]
        if errors:
            return FromTracesReport(imported=0, errors=errors[:MAX_REPORTED_ERRORS])
        changes = [
            ItemChanges(
                dataset_name=dataset.name,
                id=new_id(),
                input=source.input,
                expected_output=source.output,
                source_trace_id=source.trace_id,
                source_observation_id=source.observation_id,
            )
            for source in sources
        ]
        items = await self._store(dataset, changes, self._clock.now(), 0) if changes else []
        return FromTracesReport(imported=len(items), item_ids=[item.id for item in items])

    # --- helpers ------------------------------------------------------------------------

    async def _dataset(self, project_id: str, dataset_id: str) -> Dataset:
        async with self._uow_factory() as uow:
            dataset = await uow.repository(DatasetRepository).get(project_id, dataset_id)
        if dataset is None:
            raise NotFound("Dataset not found")
        return dataset


_ELSEWHERE = "The id belongs to an item of another dataset of the project"


def _kept(stored: int) -> str:
    return f"{stored} items of this import were stored before the failure and stay"


class _Errors:
    """The first ``MAX_REPORTED_ERRORS`` row errors and a count of the rest."""

    def __init__(self) -> None:
        self.listed: list[RowError] = []
        self.more = 0

    def extend(self, errors: Sequence[RowError]) -> None:
        room = MAX_REPORTED_ERRORS - len(self.listed)
        self.listed += errors[:room]
        self.more += max(0, len(errors) - room)

    def report(self) -> ImportReport:
        return ImportReport(imported=0, errors=self.listed, more_errors=self.more)


def _take(
    rows: Iterator[ImportRow | list[RowError]], size: int
) -> list[ImportRow | list[RowError]]:
    """The next ``size`` records (fewer at the end); run in a worker thread."""
    batch: list[ImportRow | list[RowError]] = []
    for record in rows:
        batch.append(record)
        if len(batch) == size:
            break
    return batch


def _checked_rows(
    dataset: Dataset, rows: Iterator[ImportRow | list[RowError]]
) -> Iterator[ImportRow | list[RowError]]:
    """``rows`` with each valid row checked against the dataset's schemas."""
    input_violations = schema_checker("input", dataset.input_schema)
    output_violations = schema_checker("expectedOutput", dataset.expected_output_schema)
    for row in rows:
        if not isinstance(row, ImportRow):
            yield row
            continue
        errors = []
        if row.input is not None:
            errors += [
                RowError(row=row.row, field="input", message=m) for m in input_violations(row.input)
            ]
        if row.expected_output is not None:
            errors += [
                RowError(row=row.row, field="expectedOutput", message=m)
                for m in output_violations(row.expected_output)
            ]
        yield errors or row


def _changes(dataset: Dataset, row: ImportRow) -> ItemChanges:
    return ItemChanges(
        dataset_name=dataset.name,
        id=row.id,
        input=row.input,
        expected_output=row.expected_output,
        metadata=row.metadata,
        source_trace_id=row.source_trace_id,
        source_observation_id=row.source_observation_id,
        status=row.status,
    )


async def _sources(
    project_id: str, reader: TraceReader, request: FromTraces
) -> tuple[list[_Source], list[SourceError]]:
    given = [
        f for f in (request.trace_ids, request.observation_ids, request.selection) if f is not None
    ]
    if len(given) != 1:
        raise InvalidInput("Send exactly one of traceIds, observationIds and filter")
    if request.selection is not None:
        found = await reader.find_trace_ids(
            project_id, request.selection, limit=FROM_TRACES_MAX + 1
        )
        if len(found) > FROM_TRACES_MAX:
            raise InvalidInput(f"The filter matches more than {FROM_TRACES_MAX} traces; narrow it")
        trace_ids: Sequence[str] | None = found
    else:
        trace_ids = request.trace_ids
    ids = list(dict.fromkeys(trace_ids if trace_ids is not None else request.observation_ids or ()))
    if len(ids) > FROM_TRACES_MAX:
        raise InvalidInput(f"At most {FROM_TRACES_MAX} ids at once")
    if trace_ids is not None:
        traces = {t.id: t for t in await reader.get_traces(project_id, ids)}
        sources = [
            _Source(id=i, input=_value(t.input), output=_value(t.output), trace_id=i)
            for i in ids
            if (t := traces.get(i)) is not None
        ]
        kind = "trace"
    else:
        observations = {o.id: o for o in await reader.get_observations(project_id, ids)}
        sources = [
            _Source(
                id=i,
                input=_value(o.input),
                output=_value(o.output),
                trace_id=o.trace_id,
                observation_id=i,
            )
            for i in ids
            if (o := observations.get(i)) is not None
        ]
        kind = "observation"
    known = {source.id for source in sources}
    errors = [
        SourceError(id=i, message=f"No such {kind} in the project") for i in ids if i not in known
    ]
    return sources, errors


def _value(text: str | None) -> Any:
    """A trace's stored input/output text as the JSON value it holds (else the text)."""
    return None if text is None else json_or_text(text)
