"""Exports of the filtered view (CSV, XLSX, GeoJSON): one row per item of the seizures the user sees in full, with
the fields the user picks, the sheet's columns. Never nominal data: suspects, companies and the case file's nominal
fields are not among the fields at all.

Rows are read a batch at a time. CSV and GeoJSON are written a batch at a time too, as chunks of a streamed
response, so the first bytes leave at once and memory stays flat however many rows there are. A workbook cannot be
sent before it is whole: a small one is written in a thread of the request, a large one by a task (workbooks.py)."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator, Sequence
from typing import Any

import msgspec
import openpyxl
from sqlalchemy import Select, func, null, select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import policy
from opsplatform.documents import services as documents
from opsplatform.documents.cells import exported_cell, exported_text, sheet_row
from opsplatform.errors import InvalidInput
from opsplatform.i18n import _
from opsplatform.models.reference import Taxon
from opsplatform.models.seizures import Seizure, SeizureItem
from opsplatform.models.vocabulary import SPECIMEN_FIELDS
from opsplatform.policy import Member
from opsplatform.reporting.filters import ResultFilter
from opsplatform.seizures.sheets import COLUMNS

FIELDS = ("id", "reporting_country", "status", *COLUMNS, "normalised_unit", "normalised_quantity")
FORMATS = {"csv": documents.FORMATS["csv"], "xlsx": documents.FORMATS["xlsx"], "geojson": "application/geo+json"}
BATCH = 1000  # rows fetched in one round trip, and written as one chunk of a streamed file


def visible_records(member: Member, result_filter: ResultFilter) -> Select[tuple[Seizure]]:
    """The seizures a member sees in full in its operation under the filter: the list page and exports share it."""
    return select(Seizure).where(policy.records(member), result_filter.seizure_clause())


def pick_fields(requested: Sequence[str]) -> list[str]:
    """The fields asked for, each once, in their order (every field when none is asked for)."""
    chosen = list(dict.fromkeys(f for f in requested if f)) or list(FIELDS)
    unknown = [f for f in chosen if f not in FIELDS]
    if unknown:
        raise InvalidInput.one("fields", _("unknown fields %(names)s; choose from %(all)s", names=", ".join(unknown),
                                           all=", ".join(FIELDS)))
    return chosen


# Where each field is read: the item's own columns (and its taxon's name), else the seizure's; a sheet column with
# neither (none today) exports empty.
ITEM_COLUMNS = {"item_no": SeizureItem.item_no, "taxon": Taxon.scientific_name, "term": SeizureItem.term_code,
                "quantity": SeizureItem.quantity, "unit": SeizureItem.unit_code,
                "estimated_value": SeizureItem.estimated_value, "currency": SeizureItem.currency,
                "normalised_unit": SeizureItem.normalised_unit, "normalised_quantity": SeizureItem.normalised_quantity,
                **{f: SeizureItem.__table__.c[f] for f in SPECIMEN_FIELDS}}


def _column(field: str) -> Any:
    if field in ITEM_COLUMNS:
        return ITEM_COLUMNS[field]
    return Seizure.__table__.c[field] if field in Seizure.__table__.c else null()


def export_query(member: Member, result_filter: ResultFilter, fields: list[str]) -> Select[Any]:
    """One row per item of the seizures the member sees in full under the filter, only the fields asked for, as
    plain columns (no record objects built). Built while the request's objects are at hand: a streamed file is read
    after the handler has returned."""
    return (select(*(_column(f).label(f) for f in fields))
            .select_from(Seizure).join(SeizureItem, SeizureItem.seizure_id == Seizure.id)
            .join(Taxon, Taxon.id == SeizureItem.taxon_id)
            .where(policy.records(member), result_filter.seizure_clause(), result_filter.item_clause())
            .order_by(Seizure.seizure_date, Seizure.id, SeizureItem.item_no))


async def batches(session: AsyncSession, query: Select[Any]) -> AsyncIterator[list[list[Any]]]:
    """The rows BATCH at a time, each value as every format exports it: a large export never holds every record,
    and rows arrive a batch per round trip rather than one by one, through the connection (plain columns need none
    of the ORM's row handling)."""
    result = await (await session.connection()).stream(query.execution_options(yield_per=BATCH))
    async for partition in result.partitions():
        # Most optional fields are empty: None is passed on without a call.
        yield [[value if value is None else _cell(value) for value in row] for row in partition]


def _cell(value: Any) -> Any:
    """A value as every format exports it: text never a formula, yes or no as the sheet writes them, lists joined,
    dates in ISO, numbers as they are (the commonest kinds tested first: every filled cell of an export passes here)."""
    if value.__class__ is str:
        return exported_text(value)
    if value.__class__ in (int, float):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        value = ";".join(value)
    return exported_cell(value.isoformat() if hasattr(value, "isoformat") else value)


async def csv_chunks(rows: AsyncIterator[list[list[Any]]], fields: list[str]) -> AsyncIterator[bytes]:
    """CSV in UTF-8 with a BOM (spreadsheet programs then read it as UTF-8), the header first, then a chunk a batch.
    Every field quoted: a spreadsheet program splitting at ";" would otherwise read "a;=1+1" as a formula."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    out.write("\ufeff")
    writer.writerow(fields)
    yield _taken(out)
    async for batch in rows:
        writer.writerows(batch)
        yield _taken(out)


def _taken(out: io.StringIO) -> bytes:
    """What was written to `out` since it was last taken, as UTF-8; `out` is emptied."""
    text = out.getvalue()
    out.seek(0)
    out.truncate()
    return text.encode()


async def geojson_chunks(rows: AsyncIterator[list[list[Any]]], fields: list[str]) -> AsyncIterator[bytes]:
    """A FeatureCollection of one point per row (no geometry without coordinates) with the row as its properties;
    the same document as one encoding of the whole, written a batch of features at a time. Encoded by msgspec
    (Litestar's own encoder): `json.dumps` took 100 of the 420 ms of a Thunder-sized export, msgspec 17."""
    latitude, longitude = fields.index("latitude"), fields.index("longitude")
    yield b'{"type":"FeatureCollection","features":['
    separator = b""
    async for batch in rows:
        features = [{"type": "Feature", "properties": dict(zip(fields, row, strict=True)),
                     "geometry": {"type": "Point", "coordinates": [row[longitude], row[latitude]]}
                     if row[latitude] is not None else None} for row in batch]
        if features:
            yield separator + msgspec.json.encode(features)[1:-1]
            separator = b","
    yield b"]}"


STREAMED = {"csv": csv_chunks, "geojson": geojson_chunks}


class Workbook:
    """An XLSX workbook of an export's rows, written a row at a time (openpyxl's write-only mode keeps no cells)."""

    def __init__(self, fields: list[str]) -> None:
        self._book = openpyxl.Workbook(write_only=True)
        self._sheet = self._book.create_sheet(_("Seizures"))
        self._sheet.append(fields)  # the column names stay the public sheet columns, in every language

    def add(self, rows: list[list[Any]]) -> None:
        for row in rows:
            self._sheet.append(sheet_row(self._sheet, row))

    def content(self) -> bytes:
        buffer = io.BytesIO()
        self._book.save(buffer)
        return buffer.getvalue()


def _workbook(fields: list[str], values: list[list[Any]]) -> bytes:
    book = Workbook(fields)
    book.add(values)
    return book.content()


async def workbook(rows: AsyncIterator[list[list[Any]]], fields: list[str]) -> bytes:
    """The rows as an XLSX workbook. Read here, written in a thread: a workbook costs about a second per 3,000 rows
    of CPU that other requests would otherwise wait behind (a larger one is written by a task: workbooks.py)."""
    values = [row async for batch in rows for row in batch]
    return await asyncio.to_thread(_workbook, fields, values)


async def count_rows(session: AsyncSession, query: Select[Any]) -> int:
    """How many rows an export of `query` holds."""
    return await session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
