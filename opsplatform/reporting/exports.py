"""Exports of the filtered view (CSV, XLSX, GeoJSON): one row per item of the seizures the user sees in full, with
the fields the user picks, the sheet's columns. Never nominal data: suspects, companies and the case file's nominal
fields are not among the fields at all."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

import openpyxl
from sqlalchemy import Select, null, select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import policy
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
FORMATS = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "geojson": "application/geo+json"}


def visible_records(member: Member, result_filter: ResultFilter) -> Select[tuple[Seizure]]:
    """The seizures a member sees in full in its operation under the filter: the list page and exports share it."""
    return select(Seizure).where(policy.records(member), result_filter.seizure_clause())


def pick_fields(requested: Sequence[str]) -> list[str]:
    chosen = [f for f in requested if f] or list(FIELDS)
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


async def rows(session: AsyncSession, member: Member, result_filter: ResultFilter,
               fields: list[str]) -> AsyncIterator[dict[str, Any]]:
    """Rows in batches, so a large export does not load every record at once; only the fields asked for are read,
    as plain columns (no record objects built)."""
    query = (select(*(_column(f).label(f) for f in fields))
             .select_from(Seizure).join(SeizureItem, SeizureItem.seizure_id == Seizure.id)
             .join(Taxon, Taxon.id == SeizureItem.taxon_id)
             .where(policy.records(member), result_filter.seizure_clause(), result_filter.item_clause())
             .order_by(Seizure.seizure_date, Seizure.id, SeizureItem.item_no)
             .execution_options(yield_per=1000))
    async for row in await session.stream(query):
        yield {f: _cell(value) for f, value in zip(fields, row, strict=True)}


def _cell(value: Any) -> Any:
    """A value as every format exports it: text never a formula, yes or no as the sheet writes them, lists joined,
    dates in ISO, numbers as they are (the commonest kinds tested first: every cell of an export passes here)."""
    if value.__class__ is str:
        return exported_text(value)
    if value is None or value.__class__ in (int, float):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        value = ";".join(value)
    return exported_cell(value.isoformat() if hasattr(value, "isoformat") else value)


def _workbook(title: str, fields: list[str], values: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(title)  # the column names stay the public sheet columns, in every language
    sheet.append(fields)
    for row in values:
        sheet.append(sheet_row(sheet, row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def render(fmt: str, records: AsyncIterator[dict[str, Any]], fields: list[str]) -> bytes:
    if fmt == "csv":
        out = io.StringIO()
        # Every field quoted: a spreadsheet program splitting at ";" would otherwise read "a;=1+1" as a formula.
        writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
        writer.writerow(fields)
        async for record in records:
            writer.writerow(record.values())
        return ("\ufeff" + out.getvalue()).encode()  # the BOM makes spreadsheet programs read UTF-8
    if fmt == "xlsx":
        # Read here, written in a thread: a workbook costs about a second per 10,000 rows of CPU that other
        # requests would otherwise wait behind.
        values = [list(record.values()) async for record in records]
        return await asyncio.to_thread(_workbook, _("Seizures"), fields, values)
    features = []
    async for record in records:
        lat, lon = record.get("latitude"), record.get("longitude")
        features.append({"type": "Feature", "properties": record,
                         "geometry": {"type": "Point", "coordinates": [lon, lat]} if lat is not None else None})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode()
