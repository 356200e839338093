"""Rows of a bulk upload (CSV or JSONL) and their per-row checks; pure, no storage.

A row carries the keys of the public ``POST /dataset-items`` body minus ``datasetName``
(the upload names the dataset): ``id``, ``input``, ``expectedOutput``, ``metadata``,
``sourceTraceId``, ``sourceObservationId``, ``status``. An export writes the same keys,
so an export imports back unchanged.

``row`` numbers are 1-based line numbers of the file, where the record starts: a JSONL
object's line, a CSV record's first line (the header is line 1).
"""

from __future__ import annotations

import csv
import enum
import io
from collections.abc import Iterator, Mapping
from typing import IO, Any

import msgspec

from spyglass_core.domain.errors import InvalidInput
from spyglass_core.domain.input_limits import MAX_JSON_DEPTH, json_too_deep
from spyglass_datasets.domain.datasets import (
    MAX_ID_LENGTH,
    DatasetItem,
    ItemStatus,
    validate_item_id,
)

__all__ = (
    "COLUMNS",
    "ExportRow",
    "ImportFormat",
    "ImportRow",
    "RowError",
    "export_row",
    "json_or_text",
    "parse_rows",
)

COLUMNS = (
    "id",
    "input",
    "expectedOutput",
    "metadata",
    "sourceTraceId",
    "sourceObservationId",
    "status",
)
"""The keys of a JSONL row and the columns a CSV header may name (any subset, any order)."""

_JSON_COLUMNS = frozenset({"input", "expectedOutput", "metadata"})
_JSON_START = frozenset('{["-0123456789tfn')


class ImportFormat(enum.StrEnum):
    """How an upload is encoded."""

    CSV = "csv"
    JSONL = "jsonl"


class ImportRow(msgspec.Struct, frozen=True, kw_only=True):
    """One valid row of an upload; None fields keep a stored item's value (as the API does)."""

    row: int
    id: str | None = None
    input: Any = None
    expected_output: Any = None
    metadata: Any = None
    source_trace_id: str | None = None
    source_observation_id: str | None = None
    status: ItemStatus | None = None


class RowError(msgspec.Struct, frozen=True, kw_only=True):
    """Why one row (``field`` of it, when one is to blame) cannot be imported."""

    row: int
    field: str | None
    message: str


class ExportRow(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One line of an export: the current version of an item, in the upload's keys."""

    id: str
    input: Any
    expected_output: Any
    metadata: Any
    source_trace_id: str | None
    source_observation_id: str | None
    status: str


def export_row(item: DatasetItem) -> ExportRow:
    """The export line of an item."""
    return ExportRow(
        id=item.id,
        input=item.input,
        expected_output=item.expected_output,
        metadata=item.metadata,
        source_trace_id=item.source_trace_id,
        source_observation_id=item.source_observation_id,
        status=item.status.value,
    )


def json_or_text(text: str) -> Any:
    """The JSON value ``text`` holds, or ``text`` itself when it is no JSON.

    Text nested deeper than ``MAX_JSON_DEPTH`` stays text (decoding could exhaust the stack).
    """
    if not text or text[0] not in _JSON_START or json_too_deep(text):
        return text
    try:
        return msgspec.json.decode(text)
    except msgspec.DecodeError:
        return text


def parse_rows(source: IO[bytes], format: ImportFormat) -> Iterator[ImportRow | list[RowError]]:
    """Each record of the upload: a row, or the reasons it is not one.

    Reads ``source`` as it goes; a CSV that cannot be read further (bad encoding, an
    unterminated quote) ends with that error.
    """
    if format is ImportFormat.JSONL:
        return _jsonl_rows(source)
    return _csv_rows(source)


# --- JSONL --------------------------------------------------------------------------------


def _jsonl_rows(source: IO[bytes]) -> Iterator[ImportRow | list[RowError]]:
    for number, line in enumerate(source, start=1):
        if not line.strip():
            continue
        if json_too_deep(line):
            yield [RowError(row=number, field=None, message=_TOO_DEEP)]
            continue
        try:
            value = msgspec.json.decode(line)
        except msgspec.DecodeError as error:
            yield [RowError(row=number, field=None, message=f"Malformed JSON: {error}")]
            continue
        if not isinstance(value, dict):
            yield [RowError(row=number, field=None, message="A row must be a JSON object")]
            continue
        yield _row(number, value)


# --- CSV ----------------------------------------------------------------------------------


class _Lines:
    """Text lines of the upload, counting them so a record's first line is known."""

    def __init__(self, source: IO[bytes]) -> None:
        self._text = io.TextIOWrapper(source, encoding="utf-8-sig", newline="")
        self.read = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self._text)
        self.read += 1
        return line

    def release(self) -> None:
        """Let go of the upload without closing it (it is read again to store the rows)."""
        self._text.detach()


def _csv_rows(source: IO[bytes]) -> Iterator[ImportRow | list[RowError]]:
    lines = _Lines(source)
    try:
        yield from _csv_records(lines)
    finally:
        lines.release()


def _csv_records(lines: _Lines) -> Iterator[ImportRow | list[RowError]]:
    reader = csv.reader(lines)
    header: list[str] | None = None
    while True:
        start = lines.read + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except (csv.Error, UnicodeDecodeError) as error:
            yield [RowError(row=start, field=None, message=f"Unreadable CSV: {error}")]
            return
        if not cells:
            continue  # a blank line
        if header is None:
            header = [name.strip() for name in cells]
            problems = _header_errors(header)
            if problems:
                yield problems
                return
            continue
        if len(cells) > len(header):
            message = f"The record has {len(cells)} cells, the header {len(header)}"
            yield [RowError(row=start, field=None, message=message)]
            continue
        yield _csv_row(start, dict(zip(header, cells, strict=False)))


def _header_errors(header: list[str]) -> list[RowError]:
    problems = [
        RowError(row=1, field=name, message=f"Unknown column; the columns are {', '.join(COLUMNS)}")
        for name in header
        if name not in COLUMNS
    ]
    problems += [
        RowError(row=1, field=name, message="The column appears more than once")
        for name in sorted({n for n in header if header.count(n) > 1})
    ]
    return problems


def _csv_row(number: int, cells: Mapping[str, str]) -> ImportRow | list[RowError]:
    values: dict[str, Any] = {}
    problems: list[RowError] = []
    for name, cell in cells.items():
        if cell == "":
            values[name] = None  # an empty cell is no value
        elif name in _JSON_COLUMNS:
            if json_too_deep(cell):
                problems.append(RowError(row=number, field=name, message=_TOO_DEEP))
            values[name] = json_or_text(cell)
        else:
            values[name] = cell
    return problems or _row(number, values)


# --- both ---------------------------------------------------------------------------------

_STATUSES = tuple(s.value for s in ItemStatus)
_TOO_DEEP = f"JSON is nested deeper than the limit of {MAX_JSON_DEPTH} levels"


def _row(number: int, values: Mapping[str, Any]) -> ImportRow | list[RowError]:
    problems = [
        RowError(row=number, field=key, message=f"Unknown key; the keys are {', '.join(COLUMNS)}")
        for key in values
        if key not in COLUMNS
    ]

    def text(key: str) -> str | None:
        value = values.get(key)
        if value is None or (isinstance(value, str) and len(value) <= MAX_ID_LENGTH):
            return value
        problems.append(
            RowError(
                row=number,
                field=key,
                message=f"Must be a string of at most {MAX_ID_LENGTH} characters or null",
            )
        )
        return None

    item_id = text("id")
    if item_id is not None:
        try:
            validate_item_id(item_id)
        except InvalidInput as error:
            problems.append(RowError(row=number, field="id", message=error.message))
    source_trace_id = text("sourceTraceId")
    source_observation_id = text("sourceObservationId")
    status = values.get("status")
    if status is not None and status not in _STATUSES:
        problems.append(RowError(row=number, field="status", message="Must be ACTIVE or ARCHIVED"))
        status = None
    if problems:
        return problems
    return ImportRow(
        row=number,
        id=item_id,
        input=values.get("input"),
        expected_output=values.get("expectedOutput"),
        metadata=values.get("metadata"),
        source_trace_id=source_trace_id,
        source_observation_id=source_observation_id,
        status=ItemStatus(status) if status is not None else None,
    )
