"""The CITES annual illegal trade report (Res. Conf. 11.17 (Rev. CoP19), para. 3) from the records a country logged
in every operation of a calendar year: one row per specimen type per seizure, in the columns of the Secretariat's
tabular format, with CITES term and unit codes and ISO country codes. Never nominal data."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Font
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import checks, format, policy
from opsplatform.database import utcnow
from opsplatform.documents.cells import sheet_row
from opsplatform.errors import FieldError, InvalidInput
from opsplatform.i18n import N_, _
from opsplatform.labels import value_label
from opsplatform.models.auth import User
from opsplatform.models.cases import CaseEvent
from opsplatform.models.operations import Operation
from opsplatform.models.reference import Country, Taxon
from opsplatform.models.seizures import COUNTED_STATUSES, Seizure, SeizureItem

# The Secretariat's tabular format, in its order. "Reason for seizure" and "Disposal of confiscated specimens" are
# not recorded here: the columns stay, empty, for the Party to complete before sending.
FIRST_YEAR = 1975  # CITES entered into force
COLUMNS = (
    ("date", N_("Date of seizure")),
    ("location", N_("Location of seizure")),
    ("agency", N_("Agency responsible for the seizure")),
    ("species", N_("Species (scientific name)")),
    ("term", N_("Description of specimens (CITES term code)")),
    ("quantity", N_("Quantity")),
    ("unit", N_("Unit (CITES unit code; empty = number of specimens)")),
    ("reason", N_("Reason for seizure")),
    ("value", N_("Estimated value in country (amount and currency)")),
    ("detection", N_("Method of detection")),
    ("transport", N_("Mode of transport")),
    ("concealment", N_("Method of concealment")),
    ("origin", N_("Country of origin (ISO)")),
    ("transit", N_("Countries of transit (ISO)")),
    ("destination", N_("Country of destination/import (ISO)")),
    ("offender_nationalities", N_("Nationality of offenders (ISO)")),
    ("law", N_("Legislation under which charges were brought")),
    ("sanctions", N_("Criminal, civil or administrative sanctions")),
    ("disposal", N_("Disposal of confiscated specimens")),
    ("additional", N_("Additional information")),
)
ABOVE_SPECIES = ("genus", "family", "order", "class")  # written "Cuora spp.", as CITES writes a higher taxon
KEYS = tuple(key for key, _heading in COLUMNS)


@dataclass
class AnnualReport:
    country: str
    country_name: str
    year: int
    share_with_iccwc: bool
    rows: list[dict[str, Any]]


def check_request(raw: dict[str, Any], today: date) -> tuple[str, int, bool]:
    """Country (ISO alpha-3), a past or current year, and whether the Party lets ICCWC use the data."""
    errors: list[FieldError] = []
    country = checks.text(raw.get("country")).upper()
    if len(country) != 3 or not country.isalpha():
        errors.append(FieldError("country", _("must be an ISO 3166-1 alpha-3 code such as KEN")))
    year_text = checks.text(raw.get("year"))
    year = checks.whole(year_text, FIRST_YEAR, today.year) or 0
    if not year:
        errors.append(FieldError("year", checks.range_problem(year_text, FIRST_YEAR, today.year)))
    share = checks.text(raw.get("share_with_iccwc", "yes")).lower()
    if share not in ("yes", "no", "true", "false", "on", "off", "1", "0", ""):
        errors.append(FieldError("share_with_iccwc", _("must be yes or no")))
    if errors:
        raise InvalidInput(errors)
    return country, year, share in ("yes", "true", "on", "1", "")


async def annual_report(session: AsyncSession, user: User, country: str, year: int,
                        share_with_iccwc: bool) -> AnnualReport | None:
    """The report's rows, or None when the user may not report on that country (answered as not found)."""
    name = await session.scalar(select(Country.name).where(
        Country.alpha3 == country, Country.alpha3.in_(policy.annual_report_countries(user))))
    if name is None:
        return None
    alpha2 = dict((await session.execute(select(Country.alpha3, Country.alpha2))).all())
    iso = lambda code: alpha2.get(code, code) if code else ""  # noqa: E731  (CITES reports name countries by alpha-2)
    # A Party reports every seizure it made, also one linked as the same shipment as another country's.
    records = (await session.execute(
        select(Seizure, SeizureItem, Taxon.scientific_name, Taxon.rank, Operation.code)
        .join(SeizureItem, SeizureItem.seizure_id == Seizure.id).join(Taxon, Taxon.id == SeizureItem.taxon_id)
        .join(Operation, Operation.id == Seizure.operation_id)
        .where(policy.annual_report_access(user, country), Seizure.status.in_(COUNTED_STATUSES),
               Seizure.seizure_date >= date(year, 1, 1), Seizure.seizure_date <= date(year, 12, 31))
        .order_by(Seizure.seizure_date, Seizure.id, SeizureItem.item_no))).all()
    sanctions = await _sanctions(session, {seizure.id for seizure, *_rest in records})
    rows = [{
        "date": seizure.seizure_date,  # a date cell, not text
        "location": ", ".join(p for p in (seizure.location, seizure.location_type and
                                          value_label(seizure.location_type)) if p),
        "agency": _worded(seizure.agency), "species": f"{taxon} spp." if rank in ABOVE_SPECIES else taxon,
        "term": item.term_code, "quantity": item.quantity, "unit": item.unit_code or "", "reason": "",
        "value": f"{format.number(item.estimated_value)} {item.currency or ''}".strip()
        if item.estimated_value is not None else "",
        "detection": _worded(seizure.detection_method), "transport": _worded(seizure.transport_mode),
        "concealment": seizure.concealment or "", "origin": iso(seizure.origin_country),
        "transit": ";".join(iso(c) for c in seizure.transit_countries),
        "destination": iso(seizure.destination_country),
        "offender_nationalities": ";".join(iso(c) for c in seizure.suspect_nationalities),
        "law": seizure.legislation or "",  # the record's case file (Ecomessage 1.3)
        "sanctions": sanctions.get(seizure.id, ""), "disposal": "",
        "additional": "; ".join(p for p in (
            f"{operation} {seizure.seizure_ref}",
            seizure.export_country and _("country of export/re-export: %(code)s", code=iso(seizure.export_country)),
            seizure.notes) if p),
    } for seizure, item, taxon, rank, operation in records]
    return AnnualReport(country, name, year, share_with_iccwc, rows)


def _worded(code: str | None) -> str:
    """A coded value in the report's language ("Sea cargo", not sea_cargo); nothing when none was given."""
    return value_label(code) if code else ""


async def _sanctions(session: AsyncSession, seizure_ids: set[int]) -> dict[int, str]:
    """The stages a case reached, with their dates ("charges 2027-01-10; conviction 2027-03-02"); notes stay out,
    as they may name people."""
    found: dict[int, list[str]] = {}
    for seizure_id, stage, day in (await session.execute(
            select(CaseEvent.seizure_id, CaseEvent.stage, CaseEvent.day)
            .where(CaseEvent.seizure_id.in_(seizure_ids)).order_by(CaseEvent.day, CaseEvent.id))).all():
        found.setdefault(seizure_id, []).append(f"{value_label(stage)} {day.isoformat()}")
    return {k: "; ".join(v) for k, v in found.items()}


def workbook(report: AnnualReport) -> bytes:
    """The report as XLSX: a cover sheet with the Party, year and data-sharing consent, then the seizures."""
    book = openpyxl.Workbook()
    cover = book.active
    cover.title = _("Report")
    for label, value in ((_("Party"), f"{report.country_name} ({report.country})"), (_("Year"), report.year),
                         (_("Data may be shared with ICCWC"), _("yes") if report.share_with_iccwc else _("no")),
                         (_("Rows (one per specimen type per seizure)"), len(report.rows)),
                         (_("Generated"), utcnow().strftime("%Y-%m-%d %H:%M UTC"))):
        cover.append(sheet_row(cover, (label, value)))
    cover.column_dimensions["A"].width, cover.column_dimensions["B"].width = 42, 40
    sheet = book.create_sheet(_("Seizures"))
    sheet.append(sheet_row(sheet, (_(heading) for _key, heading in COLUMNS)))
    for cell in sheet[1]:
        cell.font, cell.alignment = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    for row in report.rows:
        sheet.append(sheet_row(sheet, (row[key] for key in KEYS)))  # locations and notes are typed by users
        sheet.cell(sheet.max_row, 1).number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    for n, _column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(n)].width = 18
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def filename(report: AnnualReport) -> str:
    return f"annual-illegal-trade-report-{report.country}-{report.year}.xlsx"
