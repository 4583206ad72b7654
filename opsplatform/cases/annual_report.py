"""The CITES annual illegal trade report (Res. Conf. 11.17 (Rev. CoP19), para. 3) from the records a country logged
in a calendar year, in operations and in its national register: one row per specimen type per seizure, in the columns
of the Secretariat's standard format, with CITES term and unit codes, ISO country codes and every other value in
words; a cover sheet says who prepared it. Never nominal data."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Font
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import checks, format, policy
from opsplatform.auth.services import EMAIL_RE
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

FIRST_YEAR = 1975  # CITES entered into force
# The format followed: the standard format at the end of the Secretariat's guidelines for the report, as approved by
# the Standing Committee at SC71 (docs/reference.md). Its columns, in its order, are kept in
# seed/sources/aitr-columns-sc71-2019.csv, and the tests check that the workbook's headers are those, word for word.
FORMAT = N_("CITES annual illegal trade report: standard format of the Guidelines for the preparation and "
            "submission of the CITES annual illegal trade report (SC71, August 2019)")
COLUMNS = (
    ("date", N_("Date of seizure")),
    ("location", N_("Location of incident")),
    ("agency", N_("Detecting agency")),
    ("species", N_("Species")),
    ("term", N_("Description of specimen")),
    ("quantity", N_("Quantity")),
    ("unit", N_("Unit")),
    ("reason", N_("Reason for seizure")),
    ("value", N_("Estimated value in country (amount and currency)")),
    ("detection", N_("Method of detection")),
    ("transport", N_("Mode of transport")),
    ("concealment", N_("Method of concealment")),
    ("origin", N_("Alleged country of origin")),
    ("transit", N_("Country(ies) of transit")),
    ("destination", N_("Alleged final destination")),
    ("offender_nationalities", N_("Nationality of offenders")),
    ("law", N_("Law under which charges were brought")),
    ("sanctions", N_("Criminal, civil or administrative sanctions")),
    ("disposal", N_("Disposal of confiscated specimens")),
    ("additional", N_("Additional information")),
)
ABOVE_SPECIES = ("genus", "family", "order", "class")  # written "Cuora spp.", as CITES writes a higher taxon
KEYS = tuple(key for key, _heading in COLUMNS)
TEXT_LIMIT = 200  # characters of each of the reporting official's details
PHONE = re.compile(r"\+?[0-9][0-9 ()./-]{3,40}(\s*(ext\.?|x)\s*[0-9]{1,6})?", re.IGNORECASE)


@dataclass(frozen=True)
class ReportRequest:
    """What the report is asked for: the Party and year, its consent to share with ICCWC, and who prepares it (the
    reporting official's details, printed on the cover sheet; not nominal data of anyone involved in a seizure)."""

    country: str
    year: int
    share_with_iccwc: bool = True
    agency: str = ""
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""


@dataclass
class AnnualReport:
    request: ReportRequest
    country_name: str
    rows: list[dict[str, Any]]

    @property
    def country(self) -> str:
        return self.request.country

    @property
    def year(self) -> int:
        return self.request.year


def check_request(raw: dict[str, Any], today: date) -> ReportRequest:
    """Country (ISO alpha-3), a past or current year, whether the Party lets ICCWC use the data, and the preparing
    agency and its contact (each optional, as a Party may complete them in the workbook)."""
    errors: list[FieldError] = []
    country = checks.text(raw.get("country")).upper()
    if len(country) != 3 or not country.isalpha():
        errors.append(FieldError("country", _("must be an ISO 3166-1 alpha-3 code such as KEN")))
    year_text = checks.text(raw.get("year"))
    year = checks.whole(year_text, FIRST_YEAR, today.year) or 0
    if not year:
        errors.append(FieldError("year", checks.range_problem(year_text, FIRST_YEAR, today.year)))
    said = raw.get("share_with_iccwc")
    share = True if said in (None, "") else checks.yes_or_no(said)
    if share is None:
        errors.append(FieldError("share_with_iccwc", checks.yes_or_no_problem(said)))
    cover = {name: checks.text(raw.get(name)) for name in ("agency", "contact_name", "contact_email",
                                                            "contact_phone")}
    for name, value in cover.items():
        if len(value) > TEXT_LIMIT:
            errors.append(FieldError(name, _("must be at most %(n)s characters", n=TEXT_LIMIT)))
    if cover["contact_email"] and not EMAIL_RE.match(cover["contact_email"]):
        errors.append(FieldError("contact_email", _("must be an e-mail address such as name@agency.gov")))
    if cover["contact_phone"] and not PHONE.fullmatch(cover["contact_phone"]):
        errors.append(FieldError("contact_phone", _("must be a telephone number such as +254 20 2379407")))
    if errors:
        raise InvalidInput(errors)
    return ReportRequest(country, year, bool(share), **cover)


async def annual_report(session: AsyncSession, user: User, request: ReportRequest) -> AnnualReport | None:
    """The report's rows, or None when the user may not report on that country (answered as not found)."""
    country, year = request.country, request.year
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
        "term": item.term_code, "quantity": item.quantity, "unit": item.unit_code or "",
        "reason": _worded(seizure.seizure_reason),
        "value": f"{format.number(item.estimated_value)} {item.currency or ''}".strip()
        if item.estimated_value is not None else "",
        "detection": _worded(seizure.detection_method), "transport": _worded(seizure.transport_mode),
        "concealment": seizure.concealment or "", "origin": iso(seizure.origin_country),
        "transit": ";".join(iso(c) for c in seizure.transit_countries),
        "destination": iso(seizure.destination_country),
        "offender_nationalities": ";".join(iso(c) for c in seizure.suspect_nationalities),
        "law": seizure.legislation or "",  # the record's case file (Ecomessage 1.3)
        "sanctions": sanctions.get(seizure.id, ""), "disposal": _worded(seizure.disposal),
        "additional": "; ".join(p for p in (
            f"{operation} {seizure.seizure_ref}",
            seizure.export_country and _("country of export/re-export: %(code)s", code=iso(seizure.export_country)),
            seizure.notes) if p),
    } for seizure, item, taxon, rank, operation in records]
    return AnnualReport(request, name, rows)


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
    """The report as XLSX: a cover sheet with the Party, year, data-sharing consent and who prepared it, then the
    seizures."""
    book = openpyxl.Workbook()
    cover = book.active
    cover.title = _("Report")
    asked = report.request
    for label, value in ((_("Party"), f"{report.country_name} ({report.country})"), (_("Year"), report.year),
                         (_("Period covered"), _("1 January to 31 December %(year)s", year=report.year)),
                         (_("Agency preparing the report"), asked.agency), (_("Contact person"), asked.contact_name),
                         (_("E-mail"), asked.contact_email), (_("Telephone"), asked.contact_phone),
                         (_("Data may be shared with ICCWC"), _("yes") if asked.share_with_iccwc else _("no")),
                         (_("Format"), _(FORMAT)),
                         (_("Codes"), _("Description of specimen and Unit: CITES codes of the Guidelines for the "
                                        "preparation and submission of CITES annual reports (an empty Unit is a "
                                        "number of specimens); countries: ISO 3166-1 alpha-2 codes.")),
                         (_("Rows (one per specimen type per seizure)"), len(report.rows)),
                         (_("Generated"), utcnow().strftime("%Y-%m-%d %H:%M UTC"))):
        cover.append(sheet_row(cover, (label, value)))  # the agency and contact are typed by users
        cover.cell(cover.max_row, 2).alignment = Alignment(wrap_text=True, vertical="top")
    cover.column_dimensions["A"].width, cover.column_dimensions["B"].width = 42, 80
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
