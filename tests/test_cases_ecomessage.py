"""The Ecomessage of a seizure as CITES Res. Conf. 11.3 (Rev. CoP19), Annex 1 prints the form: every section and item
under its number and words, in order, mandatory ones marked, "unknown" for empty fields, nominal data only for cleared
users; PDF and DOCX from one HTML; the case-file fields through the one validator."""

from __future__ import annotations

import io

import docx
import lxml.html
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from opsplatform.cases import ecomessage_form
from opsplatform.models.audit import AuditEvent
from opsplatform.models.seizures import Seizure
from opsplatform.seizures.imports import import_sheet
from tests.cases_support import logged
from tests.conftest import form_post, login
from tests.ecomessage_support import PERSON, PERSON_NOMINAL, annex_rows, full_record, html_text, printed, texts
from tests.results_support import active_operation, bearer, member
from tests.test_imports import ROWS, semicolon_csv
from tests.test_seizure_pages import FORM

API = "/api/v1/operations/THUNDER-2026/seizures"
HEADINGS = [printed(row) for row in annex_rows() if row["kind"] == "section"]


@pytest.fixture
async def seizure_id(db, settings, cast):
    operation = await active_operation(db)
    seizure = await logged(db, settings, operation, cast.kenya, "KE-JKIA-001", seizure_time="14:30",
                           modus_operandi="tusks cut to fit cashew sacks", documents_used="forged phytosanitary "
                           "certificate")
    return seizure.id


def in_order(text: str, parts: list[str]) -> bool:
    positions = [text.find(part) for part in parts]
    return -1 not in positions and positions == sorted(positions)


async def test_the_pdf_holds_every_section_in_order_with_names_for_the_cleared(client, db, cast, seizure_id):
    response = await client.get(f"{API}/{seizure_id}/ecomessage.pdf", headers=await bearer(db, cast.kenya),
                                params={"information_requested": "Identify the consignee in Hanoi"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert in_order(" ".join(text.split()), HEADINGS)
    for fact in ("Tran Van A", "C1234567", "1980-02-03", "14:30", "Loxodonta africana", "JKIA cargo terminal",
                 "tusks cut to fit cashew sacks", "forged phytosanitary certificate",
                 "Identify the consignee in Hanoi"):
        assert fact in text, fact
    event = await db.scalar(select(AuditEvent).where(AuditEvent.action == "ecomessage"))
    assert event.after == {"format": "pdf", "nominal": True} and event.actor == cast.kenya.email


async def test_the_docx_withholds_names_from_the_uncleared_and_says_unknown(client, db, cast, seizure_id):
    response = await client.get(f"{API}/{seizure_id}/ecomessage.docx", headers=await bearer(db, cast.analyst))
    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.content))
    paragraphs = [p.text for p in document.paragraphs if p.text.strip()]
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    everything = "\n".join(paragraphs + cells)
    assert in_order("\n".join(paragraphs), HEADINGS)
    assert "withheld" in everything and "Courier" in everything  # the role in words
    for nominal in ("Tran Van A", "C1234567", "1980-02-03"):
        assert nominal not in everything
    # Nothing was recorded of the companies involved, nor asked of the receiving country.
    assert paragraphs[paragraphs.index("13. Information requested") + 1] == "unknown"
    start, end = paragraphs.index("6. Companies involved"), paragraphs.index("7. Means of transport and route")
    assert paragraphs[start + 2:end] == [part for n in "abcdef" for part in (
        f"6.{n} {ecomessage_form.FORM['6' + n].label} *", "unknown")]


async def test_ecomessages_by_role_country_and_input(client, db, cast, seizure_id):
    url = f"{API}/{seizure_id}/ecomessage.pdf"
    assert (await client.get(url, headers=await bearer(db, cast.press))).status_code == 403
    assert (await client.get(url, headers=await bearer(db, cast.tanzania))).status_code == 404
    long = await client.get(url, params={"information_requested": "x" * 4001}, headers=await bearer(db, cast.kenya))
    assert long.status_code == 400 and long.json()["errors"][0]["field"] == "information_requested"
    assert await db.scalar(select(AuditEvent.id).where(AuditEvent.action == "ecomessage")) is None
    await login(client, cast.kenya)
    page = await client.get(f"/operations/THUNDER-2026/seizures/{seizure_id}/ecomessage")
    assert page.status_code == 200 and "13. Information requested" in page.text
    preview = await client.get(f"/operations/THUNDER-2026/seizures/{seizure_id}/ecomessage.html")
    assert preview.status_code == 200 and "2. Place and method of discovery" in preview.text


async def test_the_case_file_fields_go_through_the_one_validator(client, db, cast, seizure_id):
    headers = await bearer(db, cast.kenya)
    bad = await client.patch(f"{API}/{seizure_id}", json={"version": 1, "seizure_time": "25:61",
                                                          "companies_involved": "y" * 2001}, headers=headers)
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json()["errors"]} == {"seizure_time", "companies_involved"}
    good = await client.patch(f"{API}/{seizure_id}", json={"version": 1, "seizure_time": "7:05",
                                                           "companies_involved": "Cashew Exporters Ltd, Mombasa"},
                              headers=headers)
    assert good.status_code == 200, good.text
    record = good.json()
    assert (record["seizure_time"], record["companies_involved"], record["modus_operandi"]) == \
        ("07:05", "Cashew Exporters Ltd, Mombasa", "tusks cut to fit cashew sacks")


async def test_a_reimported_sheet_leaves_the_case_file_as_it_was(db, cast):
    operation = await active_operation(db)
    await import_sheet(db, await member(db, cast.kenya, operation), "KEN", semicolon_csv(ROWS[:2]), "kenya.csv")
    seizure = await db.scalar(select(Seizure).where(Seizure.seizure_ref == "KE-1"))
    seizure.modus_operandi, seizure.seizure_time = "tusks in hollow logs", "06:15"
    await db.commit()
    moved = [row.replace(";JKIA;", ";JKIA cargo;") for row in ROWS[:2]]
    report = await import_sheet(db, await member(db, cast.kenya, operation), "KEN", semicolon_csv(moved), "kenya.csv")
    assert report.updated == 1
    await db.refresh(seizure)
    assert (seizure.location, seizure.modus_operandi, seizure.seizure_time) == \
        ("JKIA cargo", "tusks in hollow logs", "06:15")


async def test_the_seizure_form_takes_the_case_file(client, db, cast):
    await active_operation(db)
    await login(client, cast.kenya)
    refused = await form_post(client, "/operations/THUNDER-2026/seizures/new", {
        **FORM, "items-0-quantity": "3", "seizure_time": "noon", "documents_used": "airway bill 176-1234"})
    assert refused.status_code == 400
    assert "must be a time of day as HH:MM" in refused.text and ">airway bill 176-1234</textarea>" in refused.text
    saved = await form_post(client, "/operations/THUNDER-2026/seizures/new", {
        **FORM, "items-0-quantity": "3", "seizure_time": "12:00", "documents_used": "airway bill 176-1234"})
    assert saved.status_code in (302, 303)
    assert "airway bill 176-1234" in (await client.get(saved.headers["location"])).text


def test_the_form_is_the_resolutions_item_for_item():
    """The seed list (read from the resolution) and the form the documents print agree: same items, same order, same
    words, and the items the form's notes make mandatory marked so."""
    rows = annex_rows()
    assert len(rows) == 43 and [e.key for e in ecomessage_form.ENTRIES] == [row["number"] for row in rows]
    for entry, row in zip(ecomessage_form.ENTRIES, rows, strict=True):
        assert (entry.label, entry.mandatory) == (row["label_en"], row["mandatory"] == "yes"), row["number"]
        assert f"{entry.number} {entry.label}" == printed(row)


@pytest.mark.parametrize("filled", [True, False], ids=["every-item-filled", "nothing-but-the-record"])
async def test_every_item_of_annex_1_is_in_every_format_under_its_number(client, db, cast, filled):
    await active_operation(db)
    headers = await bearer(db, cast.kenya)
    body = full_record() if filled else {**full_record(), "suspects": [], "companies": [], "suspects_arrested": 0}
    created = await client.post(API, json=body, headers=headers)
    assert created.status_code == 201, created.text
    url = f"{API}/{created.json()['id']}/ecomessage"
    found = texts(*[(await client.get(f"{url}.{fmt}", headers=headers)).content for fmt in ("html", "pdf", "docx")])
    expected = [printed(row) for row in annex_rows()]
    for fmt, text in found.items():
        missing = [item for item in expected if item not in text]
        assert not missing, (fmt, missing)
        assert in_order(text, expected), fmt
        assert ("Nguyen" in text) is filled and "withheld" not in text, fmt


async def test_mandatory_items_are_marked_and_unknown_said_for_each_person(client, db, cast):
    await active_operation(db)
    headers = await bearer(db, cast.kenya)
    two = {**full_record(), "suspects": [{**PERSON, **PERSON_NOMINAL}, {"nationality": "KEN"}]}
    created = (await client.post(API, json=two, headers=headers)).json()
    html = (await client.get(f"{API}/{created['id']}/ecomessage.html", headers=headers)).text
    document = lxml.html.fromstring(html)
    marked = {dt.text_content().split()[0] for dt in document.iter("dt") if dt.find_class("mandatory")}
    assert marked == {f"{s}.{n}" for s, letters in (("5", "abcdefghijkl"), ("6", "abcdef")) for n in letters}
    second = html_text(html).split("Person 2", 1)[1].split("6. Companies involved", 1)[0]
    assert second.count("unknown") == 11 and "5.g Nationality * Kenya (KEN)" in second  # all but 5.g
    assert "Items 5.a to 5.l must be completed for each person involved" in html
    assert "1.2 Code name CASHEW" in html_text(html)


async def test_a_record_named_before_names_were_split_gives_its_whole_name(client, db, cast, seizure_id):
    headers = await bearer(db, cast.kenya)
    text = html_text((await client.get(f"{API}/{seizure_id}/ecomessage.html", headers=headers)).content)
    assert "5.b Family name (& maiden name) * Tran Van A (the whole name, as recorded)" in text
    assert "5.c First name(s) * unknown" in text
    # Without a code name of its own, the record's is its operation's.
    assert "1.2 Code name THUNDER-2026" in text
