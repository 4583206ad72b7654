"""A record with every item of the Ecomessage filled (CITES Res. Conf. 11.3 (Rev. CoP19), Annex 1), the form's items
as the seed list keeps them, and readers for the text of each format."""

from __future__ import annotations

import copy
import csv
from pathlib import Path
from typing import Any

import lxml.html

from tests.documents_support import docx_text, pdf_text
from tests.results_support import IVORY

ANNEX = Path(__file__).resolve().parents[1] / "seed" / "sources" / "ecomessage-annex1-cop19.csv"

# The case file, beside what IVORY holds: none of it nominal.
CASE = {"offence_description": "Ivory tusks cut to fit sacks declared as cashew nuts", "code_name": "CASHEW",
        "legislation": "Wildlife Conservation and Management Act 2013, s. 92", "legal_reference": "CR 123/2026",
        "penalties": "Life imprisonment or a fine of KES 20 million", "reference_point": "2 km north of the cargo gate",
        "discovery_city": "Nairobi", "seizure_time": "14:30", "carrier": "Kenya Airways Cargo",
        "transport_number": "KQ 886", "transport_document": "AWB 706-12345675", "origin_town": "Voi",
        "customs_origin_country": "TZA", "origin_at_sea": False, "real_destination_country": "CHN",
        "documents_used": "phytosanitary certificate", "documents_fraudulent": True,
        "agency_name": "Kenya Wildlife Service", "agency_address": "Langata Road, Nairobi",
        "agency_telecoms": "+254 20 2379407", "companies_involved": "a forwarder in Mombasa is suspected",
        "modus_operandi": "tusks cut to fit cashew sacks", "packaging": "woven polypropylene sacks"}
CASE_NOMINAL = {"destination_address": "12 Hang Bac, Hanoi", "agency_contact": "Inspector Achieng Otieno"}
SPECIMENS = {"specimen_state": "dead", "specimen_sex": "unknown", "specimen_age": "adult",
             "specimen_description": "two tusks cut in three pieces each"}
PERSON = {"nationality": "VNM", "sex": "female", "role": "courier", "arrest_date": "2026-10-03",
          "document_type": "passport", "profession": "trader", "company_function": "director"}
PERSON_NOMINAL = {"family_name": "Nguyen", "maiden_name": "Phamova", "first_names": "Thi Lan", "aliases": "Madam Ivory",
                  "date_of_birth": "1980-02-03", "place_of_birth": "Hai Phong", "address": "45 Le Loi, Hanoi",
                  "document_number": "C1234567", "document_issue_place": "Hanoi Immigration",
                  "document_issue_date": "2019-05-02", "document_valid_until": "2029-05-01",
                  "company": "Hanoi Nut Trading Co", "telephone": "+84 24 3826 0000", "fax": "+84 24 3826 0001",
                  "vehicle": "29A-123.45"}
COMPANY = {"company_type": "limited company", "name": "Mombasa Nut Exporters Ltd",
           "activities": "export of cashew nuts"}
COMPANY_NOMINAL = {"headquarters": "Moi Avenue 10, Mombasa; +254 41 222 0000", "registration_number": "PVT-2019-0042",
                   "business_address": "Kilindini Road 3, Mombasa; fax +254 41 222 0001"}
# What may never reach an uncleared reader, an export, a log or the public release.
SECRETS = (*CASE_NOMINAL.values(), *PERSON_NOMINAL.values(), *COMPANY_NOMINAL.values())


def full_record(ref: str = "KE-ECO-1", **changes: Any) -> dict[str, Any]:
    """IVORY with every item of the Ecomessage filled, as the API takes it."""
    items = copy.deepcopy(IVORY["items"])
    items[0] |= SPECIMENS
    return {**copy.deepcopy(IVORY), "seizure_ref": ref, **CASE, **CASE_NOMINAL, "items": items,
            "suspects": [{**PERSON, **PERSON_NOMINAL}], "companies": [{**COMPANY, **COMPANY_NOMINAL}], **changes}


def annex_rows() -> list[dict[str, str]]:
    """The form's sections and items as the seed list keeps them (read from the resolution)."""
    lines = [line for line in ANNEX.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines))


def printed(row: dict[str, str]) -> str:
    """An item's number and words as the form prints them: "5. Identity…", "1.1 A brief…", "5.a Date of arrest"."""
    number = row["number"]
    if row["kind"] == "section":
        number += "."
    elif "." not in number:
        number = f"{number[:-1]}.{number[-1]}"
    return f"{number} {row['label_en']}"


def words(text: str) -> str:
    return " ".join(text.split())


def html_text(content: bytes | str) -> str:
    """The page's text, a space between its elements (a label and its answer, the lines of an answer)."""
    return words(" ".join(lxml.html.fromstring(content).itertext()))


def texts(html: bytes, pdf: bytes, docx: bytes) -> dict[str, str]:
    """The text a reader finds in each format, spaces and line breaks made single spaces."""
    return {"html": html_text(html), "pdf": words(pdf_text(pdf)), "docx": words(docx_text(docx))}
