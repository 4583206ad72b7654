"""The annual illegal trade report's reason for a seizure and disposal of the confiscated specimens: coded values that
go through the one validator (the form, the sheet and the API take them, with the same words for the same problems);
the disposal is case follow-up, recorded also after the operation closed, by the record's country or a coordinator."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import func, select

from opsplatform.models.seizures import Seizure
from opsplatform.operations.services import set_phase
from opsplatform.seizures.imports import import_sheet
from tests.cases_support import logged
from tests.conftest import form_post, login
from tests.results_support import IVORY, active_operation, bearer, member
from tests.test_imports import HEADER, ROWS
from tests.test_seizure_pages import FORM

BASE = "/operations/THUNDER-2026"
API = f"/api/v1{BASE}/seizures"


@pytest.fixture
async def thunder(db):
    return await active_operation(db)


def sheet(header: str, rows: list[str]) -> bytes:
    return ("\r\n".join([header, *rows]) + "\r\n").encode("utf-8")


async def test_the_api_takes_both_and_answers_them(client, db, cast, thunder):
    body = {**copy.deepcopy(IVORY), "seizure_reason": "undeclared", "disposal": "held_as_evidence"}
    created = await client.post(API, json=body, headers=await bearer(db, cast.kenya))
    assert created.status_code == 201, created.text
    assert (created.json()["seizure_reason"], created.json()["disposal"]) == ("undeclared", "held_as_evidence")
    changed = await client.patch(f"{API}/{created.json()['id']}", headers=await bearer(db, cast.kenya),
                                 json={"version": 1, "disposal": "destroyed"})
    assert changed.status_code == 200 and changed.json()["disposal"] == "destroyed"
    assert changed.json()["seizure_reason"] == "undeclared"  # left out, kept


async def test_a_value_not_in_the_list_gets_400_naming_the_field_and_nothing_changes(client, db, cast, thunder):
    body = {**copy.deepcopy(IVORY), "seizure_reason": "smuggling", "disposal": "burnt"}
    refused = await client.post(API, json=body, headers=await bearer(db, cast.kenya))
    assert refused.status_code == 400
    errors = {e["field"]: e["message"] for e in refused.json()["errors"]}
    assert set(errors) == {"seizure_reason", "disposal"}
    assert errors["disposal"].startswith("must be one of returned_to_export, rescue_centre,")
    assert errors["disposal"].endswith('(got "burnt")')
    assert await db.scalar(select(func.count()).select_from(Seizure)) == 0


async def test_the_form_takes_both_and_the_record_reads_them_in_words(client, db, cast, thunder):
    await login(client, cast.kenya)
    blank = (await client.get(f"{BASE}/seizures/new")).text
    assert '<option value="not_matching_permit" >Specimens do not match the permit</option>' in blank
    typed = {**FORM, "items-0-quantity": "3", "seizure_reason": "no_permit", "disposal": "rescue_centre"}
    refused = await form_post(client, f"{BASE}/seizures/new", {**typed, "disposal": "zoo"})
    assert refused.status_code == 400 and 'id="e-disposal"' in refused.text
    assert '<option value="no_permit" selected>' in refused.text  # what was typed stays
    saved = await form_post(client, f"{BASE}/seizures/new", typed)
    assert saved.status_code in (302, 303), saved.text
    record = (await client.get(saved.headers["location"])).text
    assert "No CITES permit or certificate" in record and "Placed in a rescue centre, zoo or botanical garden" in record


async def test_the_sheet_takes_both_and_an_empty_cell_keeps_what_the_record_holds(db, cast, thunder):
    kenya = await member(db, cast.kenya, thunder)
    with_both = [f"{row};invalid_permit;stored" for row in ROWS[:2]]
    report = await import_sheet(db, kenya, "KEN", sheet(f"{HEADER};seizure_reason;disposal", with_both), "ke.csv")
    assert (report.created, report.rejected) == (1, 0)
    stored = await db.scalar(select(Seizure).where(Seizure.seizure_ref == "KE-1"))
    assert (stored.seizure_reason, stored.disposal) == ("invalid_permit", "stored")
    moved = [row.replace(";JKIA;", ";JKIA cargo;") for row in ROWS[:2]]  # a sheet made without the two columns
    report = await import_sheet(db, kenya, "KEN", sheet(HEADER, moved), "ke.csv")
    assert report.updated == 1
    await db.refresh(stored)
    assert (stored.location, stored.seizure_reason, stored.disposal) == ("JKIA cargo", "invalid_permit", "stored")
    bad = [f"{ROWS[0].replace('KE-1', 'KE-9')};forged;stored"]
    report = await import_sheet(db, kenya, "KEN", sheet(f"{HEADER};seizure_reason;disposal", bad), "ke.csv")
    assert report.problems == ['row 2: seizure_reason: must be one of no_permit, invalid_permit, exceeds_permit, '
                               'not_matching_permit, undeclared, illegal_possession, other (got "forged")']


@pytest.fixture
async def closed_record(db, settings, cast, thunder):
    seizure = await logged(db, settings, thunder, cast.kenya, "KE-1")
    await set_phase(db, thunder, "closed")
    await db.commit()
    return seizure


async def test_the_disposal_is_followed_up_after_the_operation_closed(client, db, cast, closed_record):
    url = f"{API}/{closed_record.id}/disposal"
    kenya = await bearer(db, cast.kenya)
    locked = await client.patch(f"{API}/{closed_record.id}", headers=kenya,
                                json={"version": 1, "disposal": "destroyed"})
    assert locked.status_code == 400  # the record itself is locked once closed; its follow-up is not
    answer = await client.put(url, json={"disposal": "destroyed"}, headers=kenya)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["disposal"], answer.json()["case_status"]) == ("destroyed", "investigation")
    await db.refresh(closed_record)
    assert (closed_record.disposal, closed_record.version) == ("destroyed", 2)
    undecided = await client.put(url, json={"disposal": None}, headers=kenya)
    assert undecided.json()["disposal"] is None


async def test_the_disposal_by_role_country_and_input(client, db, cast, closed_record):
    url = f"{API}/{closed_record.id}/disposal"
    good = {"disposal": "returned_to_export"}
    assert (await client.put(url, json=good, headers=await bearer(db, cast.press))).status_code == 403
    assert (await client.put(url, json=good, headers=await bearer(db, cast.analyst))).status_code == 403
    assert (await client.put(url, json=good, headers=await bearer(db, cast.tanzania))).status_code == 404
    bad = await client.put(url, json={"disposal": "auctioned"}, headers=await bearer(db, cast.kenya))
    assert bad.status_code == 400 and [e["field"] for e in bad.json()["errors"]] == ["disposal"]
    await db.refresh(closed_record)
    assert (closed_record.disposal, closed_record.version) == (None, 1)
    assert (await client.put(url, json=good, headers=await bearer(db, cast.coordinator))).status_code == 200


async def test_the_record_page_records_the_disposal(client, db, cast, closed_record):
    await login(client, cast.kenya)
    page = f"{BASE}/seizures/{closed_record.id}"
    assert "not yet decided" in (await client.get(page)).text
    refused = await form_post(client, f"{page}/disposal", {"disposal": "lost"})
    assert refused.status_code == 400 and "Disposal of the confiscated specimens: must be one of" in refused.text
    saved = await form_post(client, f"{page}/disposal", {"disposal": "sold"})
    assert saved.status_code in (302, 303)
    assert "Sold or auctioned" in (await client.get(page)).text
    client.cookies.clear()
    await login(client, cast.analyst)
    assert 'name="disposal"' not in (await client.get(page)).text  # an analyst reads, never records
