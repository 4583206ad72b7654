"""Exports of the filtered view (CSV, XLSX, GeoJSON): one row per item of the seizures the user sees in full, with
the fields the user picks, the sheet's columns. Never nominal data: suspects, companies and the case file's nominal
fields are not among the fields at all."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

import openpyxl
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import policy
from opsplatform.documents.cells import exported_cell, sheet_row
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


async def rows(session: AsyncSession, member: Member, result_filter: ResultFilter,
               fields: list[str]) -> AsyncIterator[dict[str, Any]]:
    """Rows in batches, so a large export does not load every record at once."""
    seizures = visible_records(member, result_filter).order_by(Seizure.seizure_date, Seizure.id)
    query = (select(Seizure, SeizureItem, Taxon.scientific_name)
             .join(SeizureItem, SeizureItem.seizure_id == Seizure.id).join(Taxon, Taxon.id == SeizureItem.taxon_id)
             .where(Seizure.id.in_(select(seizures.subquery().c.id)), result_filter.item_clause())
             .order_by(Seizure.seizure_date, Seizure.id, SeizureItem.item_no)
             .execution_options(yield_per=1000))
    async for seizure, item, taxon in await session.stream(query):
        values = {**{f: getattr(seizure, f, None) for f in FIELDS}, "item_no": item.item_no, "taxon": taxon,
                  "term": item.term_code, "quantity": item.quantity, "unit": item.unit_code,
                  "estimated_value": item.estimated_value, "currency": item.currency,
                  "normalised_unit": item.normalised_unit, "normalised_quantity": item.normalised_quantity,
                  **{f: getattr(item, f) for f in SPECIMEN_FIELDS}}
        yield {f: _cell(values[f]) for f in fields}


def _cell(value: Any) -> Any:
    """A value as every format exports it: lists joined, yes or no as the sheet writes them, dates in ISO, text never
    a formula."""
    if isinstance(value, bool):
        value = "yes" if value else "no"
    if isinstance(value, list):
        value = ";".join(value)
    return exported_cell(value.isoformat() if hasattr(value, "isoformat") else value)


async def render(fmt: str, records: AsyncIterator[dict[str, Any]], fields: list[str]) -> bytes:
    if fmt == "csv":
        out = io.StringIO()
        # Every field quoted: a spreadsheet program splitting at ";" would otherwise read "a;=1+1" as a formula.
        writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
        writer.writeheader()
        async for record in records:
            writer.writerow(record)
        return ("\ufeff" + out.getvalue()).encode()  # the BOM makes spreadsheet programs read UTF-8
    if fmt == "xlsx":
        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet(_("Seizures"))  # the column names stay the public sheet columns, in every language
        sheet.append(fields)
        async for record in records:
            sheet.append(sheet_row(sheet, (record[f] for f in fields)))
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()
    features = []
    async for record in records:
        lat, lon = record.get("latitude"), record.get("longitude")
        features.append({"type": "Feature", "properties": record,
                         "geometry": {"type": "Point", "coordinates": [lon, lat]} if lat is not None else None})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode()
