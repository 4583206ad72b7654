"""The Ecomessage's items a record lacked (Annex 1 of CITES Res. Conf. 11.3 (Rev. CoP19)) go through the one validator:
the form, the sheet and the API take them; what identifies a person, and a business's contacts, is encrypted at rest,
shown only to the cleared, and never in an export, the audit log or the public release."""

from __future__ import annotations

import csv
import io
import re

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select, text

from opsplatform.crypto import generate_key
from opsplatform.models.seizures import Seizure, SeizureCompany, SeizureItem, Suspect
from opsplatform.seizures.imports import import_sheet
from tests.conftest import form_post, login
from tests.documents_support import pdf_text
from tests.ecomessage_support import (
    CASE,
    CASE_NOMINAL,
    COMPANY,
    COMPANY_NOMINAL,
    PERSON,
    PERSON_NOMINAL,
    SECRETS,
    SPECIMENS,
    full_record,
)
from tests.results_support import active_operation, bearer, member
from tests.test_cli import opsplatform
from tests.test_imports import HEADER, ROWS
from tests.test_releases import PUBLIC, approved_and_published, known  # noqa: F401  (a fixture)
from tests.test_seizure_pages import FORM

BASE = "/operations/THUNDER-2026"
API = f"/api/v1{BASE}/seizures"


@pytest.fixture
async def thunder(db):
    return await active_operation(db)


async def create(client, db, user, **changes):
    response = await client.post(API, json=full_record(**changes), headers=await bearer(db, user))
    assert response.status_code == 201, response.text
    return response.json()


async def test_the_api_takes_every_item_and_answers_it_as_stored(client, db, cast, thunder):
    record = await create(client, db, cast.kenya)
    assert {k: record[k] for k in (*CASE, *CASE_NOMINAL)} == {**CASE, **CASE_NOMINAL}
    assert {k: record["items"][0][k] for k in SPECIMENS} == SPECIMENS
    assert record["suspects"][0] | {"id": None} == {"id": None, **PERSON, **PERSON_NOMINAL, "name": None}
    assert record["companies"][0] | {"id": None} == {"id": None, **COMPANY, **COMPANY_NOMINAL}
    read = await client.get(f"{API}/{record['id']}", headers=await bearer(db, cast.kenya))
    assert read.json() == record


async def test_nominal_items_are_encrypted_at_rest_and_never_logged(client, db, cast, thunder):
    await create(client, db, cast.kenya)
    for table in ("suspects", "seizure_companies", "seizures", "audit_events"):
        rows = " ".join(str(row) for row in (await db.execute(text(f"SELECT * FROM {table}"))).all())
        assert not [secret for secret in SECRETS if secret in rows], table
    sealed = (await db.execute(select(Seizure.destination_address_encrypted, Seizure.agency_contact_encrypted,
                                      Suspect.family_name_encrypted, Suspect.vehicle_encrypted,
                                      SeizureCompany.registration_number_encrypted)
                               .join(Suspect, Suspect.seizure_id == Seizure.id)
                               .join(SeizureCompany, SeizureCompany.seizure_id == Seizure.id))).one()
    assert all(value.startswith("gAAAA") for value in sealed)
    # What identifies no one stays readable, for the figures and exports.
    assert await db.scalar(select(Seizure.carrier)) == "Kenya Airways Cargo"
    assert await db.scalar(select(SeizureItem.specimen_state).where(SeizureItem.item_no == 1)) == "dead"


async def test_keys_rotate_seals_the_case_file_and_the_companies_again_with_the_newest_key(
        client, db, cast, thunder, settings, monkeypatch):
    await create(client, db, cast.kenya)
    sealed = select(Seizure.agency_contact_encrypted, SeizureCompany.registration_number_encrypted,
                    Suspect.vehicle_encrypted).join(Suspect, Suspect.seizure_id == Seizure.id) \
        .join(SeizureCompany, SeizureCompany.seizure_id == Seizure.id)
    before = (await db.execute(sealed)).one()
    newest = generate_key()
    monkeypatch.setenv("OPSPLATFORM_NOMINAL_KEYS", ",".join([newest, *settings.effective_nominal_keys]))
    code, _out, err = await opsplatform("keys", "rotate", "--database-url", settings.database_url)
    assert code == 0, err
    await db.rollback()  # read what the command committed
    after = (await db.execute(sealed)).one()
    assert [Fernet(newest.encode()).decrypt(value.encode()).decode() for value in after] == [
        CASE_NOMINAL["agency_contact"], COMPANY_NOMINAL["registration_number"], PERSON_NOMINAL["vehicle"]]
    assert not set(before) & set(after)


async def test_nominal_items_are_hidden_from_the_uncleared(client, db, cast, thunder):
    record = await create(client, db, cast.kenya)
    analyst = await bearer(db, cast.analyst)
    seen = (await client.get(f"{API}/{record['id']}", headers=analyst)).json()
    assert not set(CASE_NOMINAL) & set(seen) and seen["carrier"] == "Kenya Airways Cargo"
    assert set(seen["suspects"][0]) == {"id", *PERSON} and set(seen["companies"][0]) == {"id", *COMPANY}
    document = pdf_text((await client.get(f"{API}/{record['id']}/ecomessage.pdf", headers=analyst)).content)
    assert "withheld (nominal data)" in document and "Mombasa Nut Exporters Ltd" in document
    assert [secret for secret in SECRETS if secret in " ".join(document.split())] == []
    await login(client, cast.analyst)
    page = (await client.get(f"{BASE}/seizures/{record['id']}")).text
    assert "Kenya Airways Cargo" in page and [secret for secret in SECRETS if secret in page] == []


async def test_the_uncleared_may_not_send_nominal_items(client, db, cast, thunder):
    tanzania = await bearer(db, cast.tanzania)
    body = full_record("TZ-1", suspects=[PERSON], destination_address="Dar es Salaam port")
    refused = await client.post(API, json=body, headers=tanzania)
    assert refused.status_code == 400
    assert {e["field"] for e in refused.json()["errors"]} == {
        "destination_address", "agency_contact", *(f"companies[0].{name}" for name in COMPANY_NOMINAL)}
    assert await db.scalar(select(func.count()).select_from(Seizure)) == 0
    plain = {**body, "destination_address": None, "agency_contact": None, "companies": [COMPANY]}
    assert (await client.post(API, json=plain, headers=tanzania)).status_code == 201


async def test_a_correction_keeps_the_nominal_items_it_leaves_empty(client, db, cast, thunder):
    record = await create(client, db, cast.kenya)
    company, person = record["companies"][0], record["suspects"][0]
    changed = await client.patch(f"{API}/{record['id']}", headers=await bearer(db, cast.kenya), json={
        "version": 1, "agency_contact": "", "carrier": "Astral Aviation",
        "companies": [{"id": company["id"], **COMPANY, "activities": "export of nuts and seeds"}],
        "suspects": [{"id": person["id"], **PERSON, "profession": "driver"}]})
    assert changed.status_code == 200, changed.text
    after = changed.json()
    assert (after["carrier"], after["agency_contact"]) == ("Astral Aviation", CASE_NOMINAL["agency_contact"])
    # Each is stored anew (a new id), with what it left empty as it was.
    assert after["companies"][0] | {"id": 0} == company | {"id": 0, "activities": "export of nuts and seeds"}
    assert after["suspects"][0] | {"id": 0} == person | {"id": 0, "profession": "driver"}
    dropped = await client.patch(f"{API}/{record['id']}", headers=await bearer(db, cast.kenya),
                                 json={"version": 2, "companies": []})
    assert dropped.json()["companies"] == [] and await db.scalar(select(func.count(SeizureCompany.id))) == 0


@pytest.mark.parametrize("change,field", [
    ({"documents_fraudulent": "perhaps"}, "documents_fraudulent"),
    ({"customs_origin_country": "ZZZ"}, "customs_origin_country"),
    ({"packaging": "x" * 2001}, "packaging"),
    ({"items": [{"taxon": "Manis", "term": "SCA", "quantity": 2, "specimen_state": "alive"}]},
     "items[0].specimen_state"),
    ({"suspects": [{"document_type": "visa"}]}, "suspects[0].document_type"),
    ({"suspects": [{"arrest_date": "yesterday"}]}, "suspects[0].arrest_date"),
    ({"companies": "Mombasa Nut Exporters"}, "companies"),
])
async def test_bad_items_get_400_naming_the_field_and_nothing_changes(client, db, cast, thunder, change, field):
    response = await client.post(API, json=full_record(**change), headers=await bearer(db, cast.kenya))
    assert response.status_code == 400 and field in {e["field"] for e in response.json()["errors"]}, response.text
    assert await db.scalar(select(func.count()).select_from(Seizure)) == 0


async def test_a_nominal_date_refused_is_never_quoted_back(client, db, cast, thunder):
    person = {**PERSON, "document_issue_date": "2019-13-45", "document_valid_until": "2018-01-01",
              "date_of_birth": "3 Feb 1980"}
    response = await client.post(API, json=full_record(suspects=[person]), headers=await bearer(db, cast.kenya))
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert set(errors) == {"suspects[0].document_issue_date", "suspects[0].date_of_birth"}
    assert not re.search(r"2019-13-45|3 Feb 1980", response.text)
    valid = await client.post(API, json=full_record(suspects=[{**person, "document_issue_date": "2019-05-02",
                                                               "date_of_birth": None}]),
                              headers=await bearer(db, cast.kenya))
    assert [(e["field"], e["message"]) for e in valid.json()["errors"]] == [
        ("suspects[0].document_valid_until", "must be on or after the date of issue")]


def case_form() -> dict[str, str]:
    """The seizure form with its case file filled, as a cleared focal point sends it."""
    fields = {**FORM, "items-0-quantity": "3", **{k: str(v) for k, v in CASE.items() if not isinstance(v, bool)},
              "origin_at_sea": "no", "documents_fraudulent": "yes", **CASE_NOMINAL,
              **{f"items-0-{k}": v for k, v in SPECIMENS.items()},
              **{f"suspects-0-{k}": v for k, v in {**PERSON, **PERSON_NOMINAL}.items()},
              **{f"companies-0-{k}": v for k, v in {**COMPANY, **COMPANY_NOMINAL}.items()}}
    fields["items-0-specimen_state"] = "live"
    return fields


async def test_the_form_takes_the_case_file_folded_away_and_keeps_everything_typed(client, db, cast, thunder):
    await login(client, cast.kenya)
    blank = (await client.get(f"{BASE}/seizures/new")).text
    assert '<details class="case-file" >' in blank and 'name="packaging"' in blank
    assert 'name="suspects-__n__-family_name"' in blank and 'data-nominal autocomplete="off"' in blank
    refused = await form_post(client, f"{BASE}/seizures/new", {
        **case_form(), "suspects-0-document_valid_until": "2018-01-01", "companies-0-headquarters": "y" * 501})
    assert refused.status_code == 400
    assert '<details class="case-file" open>' in refused.text
    assert '<details class="row-more" open><summary>More about the person' in refused.text
    for typed in ("Kenya Airways Cargo", "woven polypropylene sacks", "Inspector Achieng Otieno", "Nguyen",
                  "Mombasa Nut Exporters Ltd", "two tusks cut in three pieces each", "PVT-2019-0042"):
        assert typed in refused.text, typed
    assert '<option value="yes" selected>' in refused.text
    saved = await form_post(client, f"{BASE}/seizures/new", case_form())
    assert saved.status_code in (302, 303), saved.text
    stored = await db.scalar(select(Seizure))
    assert (stored.carrier, stored.documents_fraudulent, stored.origin_at_sea) == ("Kenya Airways Cargo", True, False)
    assert await db.scalar(select(SeizureItem.specimen_state)) == "live"
    assert await db.scalar(select(SeizureCompany.name)) == "Mombasa Nut Exporters Ltd"
    # The correction form shows the case file, never its nominal fields; left empty, they stay.
    edit = (await client.get(f"{BASE}/seizures/{stored.id}/edit")).text
    assert "Kenya Airways Cargo" in edit and [secret for secret in SECRETS if secret in edit] == []
    form = {**case_form(), **dict.fromkeys((*CASE_NOMINAL, "suspects-0-family_name", "companies-0-headquarters"), ""),
            "suspects-0-id": str(await db.scalar(select(Suspect.id))), "version": "1", "action": "save",
            "companies-0-id": str(await db.scalar(select(SeizureCompany.id))), "carrier": "Astral Aviation"}
    assert (await form_post(client, f"{BASE}/seizures/{stored.id}/edit", form)).status_code in (302, 303)
    record = (await client.get(f"{API}/{stored.id}", headers=await bearer(db, cast.kenya))).json()
    assert (record["carrier"], record["agency_contact"]) == ("Astral Aviation", CASE_NOMINAL["agency_contact"])
    assert record["suspects"][0]["family_name"] == "Nguyen"
    assert record["companies"][0]["headquarters"] == COMPANY_NOMINAL["headquarters"]


def sheet(columns: dict[str, str], rows: list[str] = ROWS[:2]) -> bytes:
    """The import tests' sheet with more columns, the same values on every row."""
    header = ";".join([HEADER, *columns])
    return ("\r\n".join([header, *(";".join([row, *columns.values()]) for row in rows)]) + "\r\n").encode()


async def test_the_sheet_takes_the_case_file_and_an_empty_cell_keeps_it(db, cast, thunder):
    kenya = await member(db, cast.kenya, thunder)
    columns = {"code_name": "CASHEW", "carrier": "Kenya Airways Cargo", "documents_fraudulent": "yes",
               "customs_origin_country": "TZA", "specimen_state": "dead", "specimen_age": "adult"}
    report = await import_sheet(db, kenya, "KEN", sheet(columns), "kenya.csv")
    assert (report.created, report.rejected) == (1, 0)
    seizure = await db.scalar(select(Seizure))
    facts = lambda: (seizure.code_name, seizure.carrier, seizure.documents_fraudulent,  # noqa: E731
                     seizure.customs_origin_country)
    assert facts() == ("CASHEW", "Kenya Airways Cargo", True, "TZA")
    assert set((await db.scalars(select(SeizureItem.specimen_state))).all()) == {"dead"}
    # A sheet made before these columns, or with them empty, changes nothing of them.
    for again in (sheet({}), sheet(dict.fromkeys(columns, ""))):
        report = await import_sheet(db, kenya, "KEN", again, "kenya.csv")
        assert report.unchanged == 1, report.problems
        await db.refresh(seizure)
        assert facts() == ("CASHEW", "Kenya Airways Cargo", True, "TZA")
    report = await import_sheet(db, kenya, "KEN", sheet({"carrier": "Astral Aviation", "specimen_state": "live"}),
                                "kenya.csv")
    assert report.updated == 1
    await db.refresh(seizure)
    assert seizure.carrier == "Astral Aviation"
    assert set((await db.scalars(select(SeizureItem.specimen_state))).all()) == {"live"}
    refused = await import_sheet(db, kenya, "KEN", sheet({"documents_fraudulent": "perhaps"}), "kenya.csv")
    assert refused.rejected == 2 and 'documents_fraudulent: must be yes or no (got "perhaps")' in refused.problems[0]


async def test_exports_carry_the_case_file_but_no_nominal_item(client, db, cast, thunder):
    await create(client, db, cast.kenya)
    await login(client, cast.coordinator)
    exported = (await client.get(f"{BASE}/export.csv")).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert (rows[0]["carrier"], rows[0]["documents_fraudulent"], rows[0]["specimen_state"]) == \
        ("Kenya Airways Cargo", "yes", "dead")
    assert [secret for secret in SECRETS if secret in exported] == []


async def test_the_public_release_holds_no_nominal_item(client, db, cast, known):  # noqa: F811
    listed = (await client.get(API, headers=await bearer(db, cast.kenya))).json()
    first = next(s for s in listed if s["seizure_ref"] == "KE-1")
    filled = full_record("KE-1")
    changed = await client.patch(f"{API}/{first['id']}", headers=await bearer(db, cast.kenya), json={
        "version": first["version"], **{k: filled[k] for k in (*CASE, *CASE_NOMINAL, "suspects", "companies")}})
    assert changed.status_code == 200, changed.text
    await approved_and_published(client, db, cast)
    for suffix in ("", ".json", ".csv", ".pdf"):
        response = await client.get(f"{PUBLIC}{suffix}")
        shown = pdf_text(response.content) if suffix == ".pdf" else response.text
        assert response.status_code == 200 and [s for s in SECRETS if s in shown] == [], suffix
