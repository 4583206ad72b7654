"""The seizure web form: its flat field names (`items-0-quantity`) to and from the validator's shape."""

from __future__ import annotations

import re
from typing import Any

from litestar.datastructures import FormMultiDict

from opsplatform.database import record_id
from opsplatform.errors import InvalidInput
from opsplatform.models.seizures import SEIZURE_NOMINAL
from opsplatform.models.vocabulary import CASE_FIELDS, ITEM_FIELDS, REPORT_FIELDS, SEIZURE_FIELDS
from opsplatform.seizures.submission import MOST, too_many

ROWS = ("items", "suspects", "companies")
ROW = re.compile(r"^(items|suspects|companies)-(\d+)-(\w+)$")
ADD = {"add_item": "items", "add_suspect": "suspects", "add_company": "companies"}
REMOVE = {"remove_item": "items", "remove_suspect": "suspects", "remove_company": "companies"}


def parse(form: FormMultiDict) -> dict[str, Any]:
    """Form fields → the raw seizure dict the validator takes; rows left entirely empty are dropped."""
    raw: dict[str, Any] = {k: form.get(k, "") for k in ("seizure_ref", "reporting_country", "correction_reason",
                                                          *SEIZURE_FIELDS, *REPORT_FIELDS, *CASE_FIELDS)}
    # Shown only to the cleared: left out, what is stored is kept.
    raw |= {k: form.get(k, "") for k in SEIZURE_NOMINAL if k in form}
    raw["transit_countries"] = form.getall("transit_countries", [])
    raw["suspect_nationalities"] = form.getall("suspect_nationalities", [])
    if "public_description" in form:  # the country's word (sharing, publicity) is shown only to its focal points
        raw["shared_with_participants"] = form.get("shared_with_participants") == "on"
        raw["publicity_approved"] = form.get("publicity_approved") == "on"
        raw["public_description"] = form.get("public_description", "")
    rows: dict[str, dict[int, dict[str, str]]] = {kind: {} for kind in ROWS}
    for key in form:
        if match := ROW.match(key):
            rows[match[1]].setdefault(int(match[2]), {})[match[3]] = form.get(key, "")
    # Refused before any is checked or shown again: a form of thousands of rows took seconds to check and draw.
    if crowded := next((kind for kind in ROWS if len(rows[kind]) > MOST[kind] + 1), None):
        raise too_many(crowded)
    # A stored suspect or company stays (its nominal fields may be all it holds, and hidden from this reader): only
    # its Remove button takes it out.
    for kind in rows:
        raw[kind] = [row for _n, row in sorted(rows[kind].items())
                     if any(v.strip() for k, v in row.items() if k != "item_no")]
    for row in (*raw["suspects"], *raw["companies"]):
        row["id"] = record_id(row.get("id"))
    return raw


def with_rows(raw: dict[str, Any], action: str) -> dict[str, Any]:
    """Apply an 'add item' / 'remove item 2' button: the form comes back with everything typed still in it."""
    button, _sep, index = action.partition(":")
    if button in ADD:
        raw[ADD[button]] = [*raw[ADD[button]], {}]
    elif button in REMOVE and index.isdigit():
        rows = raw[REMOVE[button]]
        if int(index) < len(rows):
            rows.pop(int(index))
    return raw


def version(form: FormMultiDict) -> int:
    """The version the form was opened at (a stale or missing one loses to any save since)."""
    text = str(form.get("version") or "")
    return int(text) if text.isdigit() and len(text) < 10 else 0


def errors_by_field(exc: InvalidInput) -> dict[str, str]:
    """Validator paths (`items[0].quantity`) → form field names (`items-0-quantity`)."""
    return {re.sub(r"\[(\d+)\]\.", r"-\1-", e.field): e.message for e in exc.errors}


def blank(raw: dict[str, Any] | None = None) -> dict[str, Any]:
    raw = raw or {}
    return {**dict.fromkeys((*SEIZURE_FIELDS, *REPORT_FIELDS, *CASE_FIELDS), ""), "transit_countries": [],
            "suspect_nationalities": [], "items": [dict.fromkeys(ITEM_FIELDS, "")], "suspects": [], "companies": [],
            **raw}
