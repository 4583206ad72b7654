"""A known data set for documents: Kenya (named) logs two seizures, Tanzania (aggregate) one, Uganda (consent none)
one, each the IVORY seizure of results_support; and readers for each format's text."""

from __future__ import annotations

import copy
import io
from collections import Counter
from datetime import date, timedelta

import docx
from pypdf import PdfReader

from opsplatform.auth.services import create_user
from opsplatform.models.operations import FocalPoint
from opsplatform.seizures.services import create_seizure
from tests.results_support import IVORY, active_operation, bearer, member

LOGGED = (("kenya", "KE-1", None, 0), ("kenya", "KE-2", None, 6), ("tanzania", "TZ-1", None, 1),
          ("coordinator", "UG-1", "UGA", 2))


def window_around(today: date) -> dict[str, str]:
    """A window that holds today, so "yesterday" is a day of the operation."""
    return {"start": (today - timedelta(days=10)).isoformat(), "end": (today + timedelta(days=10)).isoformat()}


async def log_results(client, db, cast, start: date) -> list[dict]:
    """Log the data set through the API; returns the payloads as sent, for expectations computed from them."""
    sent = []
    for who, ref, country, offset in LOGGED:
        user = getattr(cast, who)
        body = {**copy.deepcopy(IVORY), "seizure_ref": ref,
                "seizure_date": (start + timedelta(days=offset)).isoformat(), "reporting_country": country}
        if who != "kenya":
            body.pop("suspects")
        response = await client.post("/api/v1/operations/THUNDER-2026/seizures", json=body,
                                     headers=await bearer(db, user))
        assert response.status_code == 201, response.text
        sent.append({**body, "reporting_country": country or user.country_code})
    return sent


async def known_operation(client, db, cast, **changes):
    operation = await active_operation(db, **changes)
    db.add(FocalPoint(operation_id=operation.id, country_code="KEN", user_id=cast.kenya.id))
    await db.commit()
    return operation, await log_results(client, db, cast, operation.start_date)


def quantities(sent: list[dict], countries: set[str] | None = None) -> Counter:
    """(term, unit) → quantity, summed from the payloads: kg for KIL/kg, number for no unit."""
    totals: Counter = Counter()
    for seizure in sent:
        if countries is None or seizure["reporting_country"] in countries:
            for item in seizure["items"]:
                totals[(item["term"], "kg" if item.get("unit") in ("kg", "KIL") else "number")] += item["quantity"]
    return totals


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def docx_text(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    footers = [p.text for section in document.sections for p in section.footer.paragraphs]
    return "\n".join([*(p.text for p in document.paragraphs), *cells, *footers])


# Countries whose names run long in English, French or Spanish ("Saint-Vincent-et-les Grenadines", "República
# Democrática del Congo"), enough of them that the per-country tables span pages.
LONG_NAMED = ("SGS", "IOT", "ATF", "CAF", "HMD", "MNP", "VCT", "CCK", "PSE", "VGB", "TCA", "BES", "SPM", "UMI", "BIH",
              "SJM", "ARE", "COG", "COD", "HKG", "STP", "VIR", "DOM", "ATG", "GNQ", "KNA", "SXM", "VAT", "PNG", "MAC",
              "PYF", "MKD", "MMR", "SHN", "FSM", "BOL", "VEN", "IRN", "GNB", "TTO")


async def many_countries(db, settings, cast):
    """An operation of 40 long-named countries, each with a seizure whose case went the whole way (every column of
    the follow-up has a figure) and large quantities, and targets with long identification notes: the widest tables
    the briefings draw; each country's focal point has a long address and organisation, for the directory."""
    notes = "Scales in woven sacks declared as dried fish; check the hold and the undeclared cargo manifests. " * 3
    operation = await active_operation(db, code="WIDE-2026", name="Operation Wide Tables 2026", countries=[
        {"country": code, "publicity": "named"} for code in LONG_NAMED], target_taxa=[
        {"taxon": "Loxodonta africana", "priority": True, "notes": notes}, {"taxon": "Manis", "notes": notes}])
    for code in LONG_NAMED:
        user = await create_user(db, email=f"wildlife.enforcement@customs-{code.lower()}.example.org",
                                 name=f"Focal point of {code}", role="focal_point", country=code,
                                 organisation="Directorate of Customs Enforcement, Wildlife and Forestry Crime Unit")
        db.add(FocalPoint(operation_id=operation.id, country_code=code, user_id=user.id))
    coordinator = await member(db, cast.coordinator, operation)
    for n, code in enumerate(LONG_NAMED):
        body = {**copy.deepcopy(IVORY), "seizure_ref": f"{code}-2026-{n:04}", "reporting_country": code,
                "seizure_date": (operation.start_date + timedelta(days=n % 20)).isoformat(),
                "origin_country": code, "destination_country": LONG_NAMED[-1 - n], "transit_countries": [],
                "case_status": "asset_forfeiture", "suspects_arrested": 123_456,
                "location": "Aéroport international de Saint-Vincent-et-les-Grenadines, terminal de fret"}
        body["items"][0]["quantity"] = 987_654_321.5
        body.pop("suspects")  # the same suspect forty times would only make case exchange match them
        await create_seizure(db, settings, coordinator, body)
    await db.commit()
    return operation
