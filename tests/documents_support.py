"""A known data set for documents: Kenya (named) logs two seizures, Tanzania (aggregate) one, Uganda (consent none)
one, each the IVORY seizure of results_support; and readers for each format's text."""

from __future__ import annotations

import copy
import io
from collections import Counter
from datetime import date, timedelta

import docx
from pypdf import PdfReader

from opsplatform.models.operations import FocalPoint
from tests.results_support import IVORY, active_operation, bearer

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
