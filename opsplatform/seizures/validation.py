"""The one validator for seizures, items, suspects and companies, shared by the web form, the sheet import and the API.

It takes raw values (text from a form or sheet, or JSON values) and returns clean values plus every problem found,
each naming its field, so the three entry paths accept and refuse the same things with the same messages.
"""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from opsplatform import checks, dates
from opsplatform.database import record_id
from opsplatform.errors import FieldError
from opsplatform.i18n import _
from opsplatform.models import vocabulary as v
from opsplatform.models.operations import Operation
from opsplatform.models.reference import Currency, Taxon, TradeTerm, Unit
from opsplatform.models.seizures import COMPANY_NOMINAL, SEIZURE_NOMINAL, SUSPECT_NOMINAL
from opsplatform.reference import edition, lookup
from opsplatform.reference.units import NUMBER_CODE, alias_map, normalise, term_units

CODED = {"location_type": v.LOCATION_TYPES, "detection_method": v.DETECTION_METHODS,
         "transport_mode": v.TRANSPORT_MODES, "agency": v.AGENCIES, "case_status": v.CASE_STATUSES,
         "seizure_reason": v.SEIZURE_REASONS, "disposal": v.DISPOSALS}
ITEM_CODED = {"specimen_state": v.SPECIMEN_STATES, "specimen_sex": v.SPECIMEN_SEXES}
SUSPECT_CODED = {"sex": v.SEXES, "role": v.SUSPECT_ROLES, "document_type": v.DOCUMENT_TYPES}
# The case file's countries and yes/no answers; the rest of it is text (TEXT_LIMITS), but for the time of day.
CASE_COUNTRIES = ("customs_origin_country", "real_destination_country")
CASE_FLAGS = ("origin_at_sea", "documents_fraudulent")
CASE_TEXTS = tuple(f for f in v.CASE_FIELDS if f not in (*CASE_COUNTRIES, *CASE_FLAGS, "seizure_time"))
NOMINAL_DAYS = ("date_of_birth", "document_issue_date", "document_valid_until")
# The largest value each kind of number takes: anything beyond is a slip (a pasted 1e308), and sums of bounded values
# always fit. The public interface documents them (docs/reference.md).
MAX_QUANTITY = 10**9  # per item, in its unit
MAX_MONEY = 10**15
MAX_COUNT = 10**6  # item numbers, suspects arrested
MAX_ITEMS = 500  # items of one seizure (the largest real ones list a few dozen): its documents stay quick to make
MAX_SUSPECTS = 100  # suspects recorded on one seizure
MAX_COMPANIES = 50  # companies recorded on one seizure
# Characters each free-text field holds (the API document states the same, from here).
TEXT_LIMITS = {"seizure_ref": 100, "location": 200, "concealment": 2000, "notes": 5000, "public_description": 500,
               "offence_description": 2000, "code_name": 100, "legislation": 2000, "legal_reference": 100,
               "penalties": 2000, "reference_point": 200, "discovery_city": 100, "carrier": 200,
               "transport_number": 100, "transport_document": 100, "origin_town": 100, "documents_used": 2000,
               "agency_name": 200, "agency_address": 500, "agency_telecoms": 200, "companies_involved": 2000,
               "modus_operandi": 2000, "packaging": 2000}
ITEM_TEXT_LIMITS = {"specimen_age": 100, "specimen_description": 2000}
SUSPECT_TEXT_LIMITS = {"profession": 100, "company_function": 100}
COMPANY_TEXT_LIMITS = {"company_type": 200, "name": 200, "activities": 2000}
NOMINAL_LIMIT = 500  # characters of any nominal field


@dataclass
class Reference:
    """Reference data loaded once per request or import, so checking 50,000 rows asks the database nothing."""

    taxa: dict[str, tuple[int, str]]  # lower-case scientific name → (id, scientific name)
    terms: dict[str, tuple[str, ...]]  # code → the units the CITES guidelines give it
    units: dict[str, Unit]
    unit_spellings: dict[str, str]
    countries: dict[str, str]
    currencies: set[str]
    taxon_names: dict[int, str] = field(default_factory=dict)  # id → scientific name

    @classmethod
    async def load(cls, session: AsyncSession) -> Reference:
        """The reference data, kept per database in this process while it is unchanged (see _STAMP below)."""
        key = str(session.bind.url) if session.bind is not None else ""
        now, cached = time.monotonic(), _CACHE.get(key)
        if cached is None or cached.edition != edition.current() or now - cached.read >= CACHE_SECONDS:
            return await cls._keep(session, key, now)
        if now - cached.checked >= STAMP_SECONDS:
            if tuple((await session.execute(_STAMP)).one()) != cached.stamp:
                return await cls._keep(session, key, now)
            cached.checked = now
        return cached.reference

    @classmethod
    async def _keep(cls, session: AsyncSession, key: str, now: float) -> Reference:
        kept = _Kept(edition.current(), tuple((await session.execute(_STAMP)).one()), await cls._read(session), now,
                     now)
        _CACHE.pop(key, None)
        while len(_CACHE) >= CACHE_DATABASES:  # many databases only in tests: keep the newest few
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = kept
        return kept.reference

    @classmethod
    async def _read(cls, session: AsyncSession) -> Reference:
        taxa = (await session.execute(select(Taxon.id, Taxon.scientific_name))).all()
        # Copies outside the session: the same Reference serves later requests, after this session has ended.
        units = [Unit(**unit.model_dump()) for unit in (await session.scalars(select(Unit))).all()]
        return cls(taxa={name.lower(): (tid, name) for tid, name in taxa},
                   terms={t.code: term_units(t) for t in (await session.scalars(select(TradeTerm))).all()},
                   units={u.code: u for u in units}, unit_spellings=alias_map(units),
                   countries=await lookup.country_codes(session),
                   currencies=set((await session.scalars(select(Currency.code))).all()),
                   taxon_names=dict(taxa))


# Every submission is checked against the reference data; reading ~1,000 rows for each is most of the cost of a
# submission, so a process keeps them. A load or an import in this process is seen at once (its edition). One in
# another process is seen within STAMP_SECONDS, when this stamp (row counts and the newest taxon) is next compared:
# asking it of every submission cost a statement each. CACHE_SECONDS bounds how long an edit in place (a renamed
# taxon) can go unseen by another instance.
_STAMP = text("SELECT (SELECT count(*) FROM taxa), (SELECT coalesce(max(id), 0) FROM taxa), "
              "(SELECT count(*) FROM trade_terms), (SELECT count(*) FROM units), (SELECT count(*) FROM countries), "
              "(SELECT count(*) FROM currencies)")
STAMP_SECONDS = 5
CACHE_SECONDS = 60
CACHE_DATABASES = 4


@dataclass
class _Kept:
    edition: int
    stamp: tuple[int, ...]
    reference: Reference
    read: float
    checked: float


_CACHE: dict[str, _Kept] = {}


class Checker:
    """Collects clean values and problems for one record."""

    def __init__(self, ref: Reference, raw: dict[str, Any]) -> None:
        self.ref, self.raw = ref, raw
        self.clean: dict[str, Any] = {}
        self.errors: list[FieldError] = []

    def fail(self, name: str, message: str) -> None:
        self.errors.append(FieldError(name, message))

    def text(self, name: str) -> str:
        """The field as text, lines ending in a newline whatever the browser sent; a list or an object is not text
        (said once per field), never stored as its Python spelling."""
        value = self.raw.get(name)
        if value.__class__ is not str and isinstance(value, list | dict | tuple | set):
            if not any(e.field == name for e in self.errors):
                self.fail(name, _("must be text, not a list or an object"))
            return ""
        return checks.text(value)

    def optional_text(self, name: str, limit: int = 2000) -> None:
        value = self.text(name)
        if len(value) > limit:
            self.fail(name, _("must be at most %(n)s characters", n=limit))
        self.clean[name] = value or None

    def number(self, name: str, *, required: bool = False, minimum: float = 0, strict: bool = False,
               whole: bool = False, maximum: float = MAX_COUNT) -> float | int | None:
        value = self.raw.get(name)
        text = self.text(name)
        if text == "":
            if required:
                self.fail(name, _("is required"))
            self.clean[name] = None
            return None
        number = checks.number(value)
        if number is None or (whole and not number.is_integer()) or number < minimum or (
                strict and number <= minimum):
            self.fail(name, checks.number_problem(text, whole=whole, strict=strict))
            number = None
        elif number > maximum:
            self.fail(name, checks.too_large(text, maximum))
            number = None
        self.clean[name] = int(number) if whole and number is not None else number
        return self.clean[name]

    def coded(self, name: str, codes: tuple[str, ...]) -> None:
        value = self.text(name).lower()
        if value and value not in codes:
            self.fail(name, checks.code_problem(self.text(name), codes))
        self.clean[name] = sys.intern(value) if value else None  # one string for every row of a sheet

    def flag(self, name: str) -> None:
        """Yes, no, or not known (empty): true/false in JSON, yes/no in a sheet or a form."""
        value = self.raw.get(name)
        word = "" if value is None else str(value).lower() if isinstance(value, bool) else self.text(name).lower()
        self.clean[name] = checks.yes_or_no(word) if word else None
        if word and self.clean[name] is None:
            self.fail(name, checks.yes_or_no_problem(self.text(name)))

    def day(self, name: str, *, quoted: bool = True) -> date | None:
        """An optional day as YYYY-MM-DD; a nominal one is never quoted back (errors travel: logs, screenshots)."""
        text = self.text(name)
        day = dates.day(text)
        if text and day is None:
            self.fail(name, dates.day_problem(text, quoted=quoted))
        return day

    def nominal(self, names: tuple[str, ...], allowed: bool) -> None:
        """Fields that identify a person (or a business's contacts): only from users cleared for them."""
        for name in names:
            value = self.text(name)
            if value and not allowed:
                self.fail(name, _("nominal data is accepted only from users cleared for it"))
            elif len(value) > NOMINAL_LIMIT:
                self.fail(name, _("must be at most %(n)s characters", n=NOMINAL_LIMIT))
            elif name in NOMINAL_DAYS and value:
                day = self.day(name, quoted=False)
                value = day.isoformat() if day else ""  # kept as text: it is stored encrypted
            self.clean[name] = value or None

    def row_id(self, problem: str) -> None:
        """The stored row this one corrects (its nominal fields left empty are kept), or None for a new one."""
        self.clean["id"] = record_id(self.raw.get("id"))
        if self.raw.get("id") not in (None, "") and self.clean["id"] is None:
            self.fail("id", problem)

    def country(self, name: str, value: str | None = None) -> str | None:
        value = self.text(name) if value is None else value.strip()
        if not value:
            self.clean.setdefault(name, None)
            return None
        alpha3 = lookup.resolve_country(self.ref.countries, value)
        if alpha3 is None:
            self.fail(name, lookup.unknown_country(value))
        return alpha3

    def countries(self, name: str) -> None:
        value = self.raw.get(name)
        parts = value if isinstance(value, list) else re.split(r"[;,]", self.text(name))
        if not all(isinstance(p, str) for p in parts):
            self.fail(name, _("must be a list of country codes"))
            parts = []
        codes = [self.country(name, p) for p in parts if p.strip()]
        self.clean[name] = list(dict.fromkeys(c for c in codes if c))


def check_seizure(ref: Reference, operation: Operation, raw: dict[str, Any], *,
                  nominal_allowed: bool = False) -> tuple[dict[str, Any], list[FieldError]]:
    """Seizure-level fields: date in the window, coordinates both or neither, coded values, ISO countries, the case
    file (its nominal fields only where allowed)."""
    c = Checker(ref, raw)
    ref_text = checks.reference(c.text("seizure_ref"))
    if not ref_text:
        c.fail("seizure_ref", _("is required (your own reference for the seizure)"))
    elif len(ref_text) > TEXT_LIMITS["seizure_ref"]:
        c.fail("seizure_ref", _("must be at most %(n)s characters", n=TEXT_LIMITS["seizure_ref"]))
    c.clean["seizure_ref"] = ref_text
    day_text = c.text("seizure_date")
    c.clean["seizure_date"] = None
    if (day := dates.day(day_text)) is None:
        c.fail("seizure_date", dates.day_problem(day_text))
    else:
        if not operation.start_date <= day <= operation.end_date:
            c.fail("seizure_date", _("must be inside the operation window, %(start)s to %(end)s (got %(value)s)",
                                     start=operation.start_date.isoformat(), end=operation.end_date.isoformat(),
                                     value=day.isoformat()))
        c.clean["seizure_date"] = day
    c.optional_text("location", TEXT_LIMITS["location"])
    lat, lon = c.number("latitude", minimum=-90, maximum=1e9), c.number("longitude", minimum=-180, maximum=1e9)
    if lat is not None and lat > 90:
        c.fail("latitude", _('must be between -90 and 90 (got "%(value)s")', value=c.text("latitude")))
    if lon is not None and lon > 180:
        c.fail("longitude", _('must be between -180 and 180 (got "%(value)s")', value=c.text("longitude")))
    if (c.text("latitude") == "") != (c.text("longitude") == ""):
        c.fail("longitude" if c.text("latitude") else "latitude", _("give both latitude and longitude, or neither"))
    for name, codes in CODED.items():
        c.coded(name, codes)
    for name in ("origin_country", "export_country", "destination_country", *CASE_COUNTRIES):
        c.clean[name] = c.country(name)
    c.countries("transit_countries")
    c.countries("suspect_nationalities")
    for name in ("concealment", "notes", *CASE_TEXTS):
        c.optional_text(name, TEXT_LIMITS[name])
    for name in CASE_FLAGS:
        c.flag(name)
    c.nominal(SEIZURE_NOMINAL, nominal_allowed)
    c.clean["seizure_time"] = _time_of_day(c)
    arrested = c.number("suspects_arrested", whole=True)
    c.clean["suspects_arrested"] = int(arrested or 0)
    return c.clean, c.errors


def check_disposal(raw: dict[str, Any]) -> tuple[str | None, list[FieldError]]:
    """The disposal of a record's specimens on its own, as the case follow-up records it: the codes and wording of
    the whole record's check."""
    c = Checker(cast(Reference, None), raw)  # a code needs no reference data
    c.coded("disposal", CODED["disposal"])
    return c.clean["disposal"], c.errors


def _time_of_day(c: Checker) -> str | None:
    text = c.text("seizure_time")
    match = re.fullmatch(r"(\d{1,2}):(\d{2})(:\d{2})?", text)
    if not text:
        return None
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        c.fail("seizure_time", _('must be a time of day as HH:MM, e.g. 14:30 (got "%(value)s")', value=text))
        return None
    return f"{int(match[1]):02d}:{int(match[2]):02d}"  # digits of any script, kept as ASCII


def check_item(ref: Reference, raw: dict[str, Any]) -> tuple[dict[str, Any], list[FieldError]]:
    """Item-level fields: known taxon (with suggestions), CITES term and unit (aliases),
    quantity > 0, value+currency, the specimens' description."""
    c = Checker(ref, raw)
    taxon_text = c.text("taxon")
    taxon = ref.taxa.get(taxon_text.lower())
    if not taxon_text:
        c.fail("taxon", _("is required (the scientific name of the lowest known taxon)"))
    elif taxon is None:
        c.fail("taxon", lookup.unknown_taxon_message(taxon_text, list(ref.taxon_names.values())))
    c.clean["taxon_id"] = taxon[0] if taxon else None
    term = c.text("term").upper()
    if not term:
        c.fail("term", _("is required (a CITES trade term code such as TUS, SCA, LIV)"))
    elif term not in ref.terms:
        c.fail("term", _('unknown CITES trade term "%(value)s" (e.g. TUS tusks, SCA scales, LIV live)',
                         value=c.text("term")))
    c.clean["term_code"] = sys.intern(term)  # one string for every row of a sheet
    unit_text = c.text("unit")
    unit_code = ref.unit_spellings.get(unit_text.lower()) if unit_text else None
    known = unit_code is not None or not unit_text
    if not known:
        c.fail("unit", _('unknown unit "%(value)s" (a CITES unit code such as KGM or MTQ; kg, g, t, m3, l; '
                         'empty for number of specimens)', value=unit_text))
    if unit_code == NUMBER_CODE:  # the number of specimens is kept as no unit, as an empty cell says it
        unit_code = None
    c.clean["unit_code"] = unit_code
    quantity = c.number("quantity", required=True, strict=True, maximum=MAX_QUANTITY)
    if quantity is not None and known:
        c.clean["normalised_unit"], c.clean["normalised_quantity"] = normalise(quantity, ref.units.get(unit_code or ""))
    value = c.number("estimated_value", maximum=MAX_MONEY)
    currency = c.text("currency").upper()
    if currency and currency not in ref.currencies:
        c.fail("currency", _('unknown currency "%(value)s" (an ISO 4217 code such as USD, EUR, KES)',
                             value=c.text("currency")))
    if (value is None) != (not currency) and not any(e.field in ("estimated_value", "currency") for e in c.errors):
        c.fail("currency" if value is not None else "estimated_value",
               _("give both the estimated value and its currency, or neither"))
    c.clean["estimated_value"], c.clean["currency"] = value, currency or None
    for name, codes in ITEM_CODED.items():
        c.coded(name, codes)
    for name, limit in ITEM_TEXT_LIMITS.items():
        c.optional_text(name, limit)
    item_no = c.raw.get("item_no")
    if item_no not in (None, ""):
        number = c.number("item_no", whole=True)
        if number == 0:
            c.fail("item_no", _("must be 1 or more"))
    c.clean["item_no"] = c.clean.get("item_no") or None
    return c.clean, c.errors


def check_suspect(ref: Reference, raw: dict[str, Any], *,
                  nominal_allowed: bool) -> tuple[dict[str, Any], list[FieldError]]:
    """A person involved: nationality, sex, role, arrest, document type, profession, function in a company; what
    identifies the person only where allowed; the id of the stored suspect it corrects, if any."""
    c = Checker(ref, raw)
    c.row_id(_("must be the id of one of the record's suspects, or left out for a new one"))
    c.clean["nationality"] = c.country("nationality")
    for name, codes in SUSPECT_CODED.items():
        c.coded(name, codes)
    c.clean["arrest_date"] = c.day("arrest_date")
    for name, limit in SUSPECT_TEXT_LIMITS.items():
        c.optional_text(name, limit)
    c.nominal(SUSPECT_NOMINAL, nominal_allowed)
    issued, valid = c.clean.get("document_issue_date"), c.clean.get("document_valid_until")
    if issued and valid and valid < issued:
        c.fail("document_valid_until", _("must be on or after the date of issue"))
    return c.clean, c.errors


def check_company(ref: Reference, raw: dict[str, Any], *,
                  nominal_allowed: bool) -> tuple[dict[str, Any], list[FieldError]]:
    """A company involved: its type, name and activities; its addresses, telecommunications and registration number
    only where allowed; the id of the stored company it corrects, if any."""
    c = Checker(ref, raw)
    c.row_id(_("must be the id of one of the record's companies, or left out for a new one"))
    for name, limit in COMPANY_TEXT_LIMITS.items():
        c.optional_text(name, limit)
    c.nominal(COMPANY_NOMINAL, nominal_allowed)
    return c.clean, c.errors
