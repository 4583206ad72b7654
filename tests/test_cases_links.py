"""Linked records: a link needs the other country's consent; a same-shipment pair counts once in every figure and
twice again once unlinked; pages and API by role and country."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from opsplatform.auth.services import create_user
from opsplatform.models.cases import SeizureLink
from opsplatform.models.seizures import Seizure
from opsplatform.reporting.summary import summary
from opsplatform.seizures.returns import completeness, reporting_rate, silent_countries
from opsplatform.seizures.services import change_status
from tests.cases_support import invite, logged
from tests.conftest import form_post, login, password_hash
from tests.results_support import active_operation, bearer, member, record_member

API = "/api/v1/operations/THUNDER-2026"


@pytest.fixture
async def records(db, settings, cast):
    """Kenya's and Tanzania's records of one shipment (Kenya logged first), and one more Kenyan record."""
    operation = await active_operation(db)
    await invite(db, operation, cast.kenya, cast.tanzania)
    kenya = await logged(db, settings, operation, cast.kenya, "KE-1", suspects_arrested=2)
    tanzania = await logged(db, settings, operation, cast.tanzania, "TZ-9", suspects_arrested=1,
                            seizure_date="2026-10-04")
    other = await logged(db, settings, operation, cast.kenya, "KE-2", suspects_arrested=0)
    return operation, kenya.id, tanzania.id, other.id


def expected(arrests: dict[str, tuple[str, int]], duplicates: set[str]) -> dict:
    """Seizures, arrests and per-country counts from the records, leaving out the later record of a shipment."""
    counted = {ref: value for ref, value in arrests.items() if ref not in duplicates}
    by_country: dict[str, int] = {}
    for country, _n in counted.values():
        by_country[country] = by_country.get(country, 0) + 1
    return {"seizures": len(counted), "suspects_arrested": sum(n for _c, n in counted.values()),
            "by_country": by_country}


def observed(figures: dict) -> dict:
    return {"seizures": figures["seizures"], "suspects_arrested": figures["suspects_arrested"],
            "by_country": {e["country"]: e["seizures"] for e in figures["by_country"]}}


async def fresh(db, seizure_id: int) -> Seizure:
    return await db.get(Seizure, seizure_id, populate_existing=True)


ARRESTS = {"KE-1": ("KEN", 2), "TZ-9": ("TZA", 1), "KE-2": ("KEN", 0)}


async def test_a_same_shipment_link_needs_consent_and_then_counts_the_pair_once(client, db, cast, records):
    operation, kenya, tanzania, _other = records
    asked = await client.post(f"{API}/links", headers=await bearer(db, cast.kenya), json={
        "seizure_id": kenya, "other_country": "TZA", "other_seizure_ref": "TZ-9", "kind": "same_shipment",
        "note": "same container MSKU 123"})
    assert asked.status_code == 201, asked.text
    link = asked.json()
    assert link["status"] == "pending"
    assert observed(await summary(db, await member(db, cast.coordinator, operation))) == expected(ARRESTS, set())
    # Whoever asked cannot consent on the other country's behalf.
    mine = await client.post(f"{API}/links/{link['id']}/decision", json={"decision": "accept"},
                             headers=await bearer(db, cast.kenya))
    assert mine.status_code == 403
    accepted = await client.post(f"{API}/links/{link['id']}/decision", json={"decision": "accept"},
                                 headers=await bearer(db, cast.tanzania))
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert (await fresh(db, tanzania)).same_shipment_as_id == kenya  # logged later: the duplicate
    assert (await fresh(db, kenya)).same_shipment_as_id is None
    assert observed(await summary(db, await member(db, cast.coordinator, operation))) == expected(ARRESTS, {"TZ-9"})

    removed = await client.delete(f"{API}/links/{link['id']}", headers=await bearer(db, cast.tanzania))
    assert removed.status_code == 200 and removed.json()["status"] == "removed"
    assert observed(await summary(db, await member(db, cast.coordinator, operation))) == expected(ARRESTS, set())


async def test_a_refused_link_changes_nothing_and_the_requester_is_told(client, db, cast, records):
    operation, kenya, _tanzania, _other = records
    link = (await client.post(f"{API}/links", headers=await bearer(db, cast.kenya), json={
        "seizure_id": kenya, "other_country": "TZA", "other_seizure_ref": "TZ-9", "kind": "same_shipment"})).json()
    refused = await client.post(f"{API}/links/{link['id']}/decision", json={"decision": "refuse", "note": "no"},
                                headers=await bearer(db, cast.tanzania))
    assert refused.json()["status"] == "refused"
    assert observed(await summary(db, await member(db, cast.coordinator, operation))) == expected(ARRESTS, set())
    again = await client.post(f"{API}/links/{link['id']}/decision", json={"decision": "accept"},
                              headers=await bearer(db, cast.coordinator))
    assert again.status_code == 400 and again.json()["errors"][0]["field"] == "status"
    await login(client, cast.kenya)
    assert "Baraka Tanzania" not in (await client.get("/notifications")).text  # names of people stay out
    assert "TZA refused the link to your record KE-1 (THUNDER-2026)" in (await client.get("/notifications")).text


async def test_withdrawing_the_earlier_record_lets_the_later_one_count(client, db, settings, cast, records):
    operation, kenya, tanzania, _other = records
    link = (await client.post(f"{API}/links", headers=await bearer(db, cast.kenya), json={
        "seizure_id": kenya, "other_country": "TZA", "other_seizure_ref": "TZ-9", "kind": "same_shipment"})).json()
    await client.post(f"{API}/links/{link['id']}/decision", json={"decision": "accept"},
                      headers=await bearer(db, cast.coordinator))
    record = await fresh(db, kenya)
    await change_status(db, await record_member(db, cast.kenya, record), record, "withdraw", "logged twice by mistake")
    await db.commit()
    assert (await fresh(db, tanzania)).same_shipment_as_id is None
    assert (await fresh(db, kenya)).same_shipment_as_id == tanzania
    assert observed(await summary(db, await member(db, cast.coordinator, operation))) == expected(
        {k: v for k, v in ARRESTS.items() if k != "KE-1"}, set())


async def test_a_link_finds_the_record_whatever_invisible_characters_its_reference_came_with(client, db, cast,
                                                                                          records):
    """Pasted from an e-mail with a zero-width space, "TZ-9" named no record: the link waited for a record that
    never came."""
    _operation, kenya, tanzania, _other = records
    asked = await client.post(f"{API}/links", headers=await bearer(db, cast.kenya), json={
        "seizure_id": kenya, "other_country": "TZA", "other_seizure_ref": "TZ-\u200b9", "kind": "same_shipment"})
    assert asked.status_code == 201, asked.text
    link = await db.get(SeizureLink, asked.json()["id"])
    assert (link.other_seizure_id, link.other_seizure_ref) == (tanzania, "TZ-9")


async def test_link_requests_by_role_country_and_input(client, db, cast, records):
    _operation, kenya, tanzania, _other = records
    body = {"seizure_id": kenya, "other_country": "TZA", "other_seizure_ref": "TZ-9", "kind": "network"}
    assert (await client.post(f"{API}/links", json=body, headers=await bearer(db, cast.press))).status_code == 403
    assert (await client.post(f"{API}/links", json=body, headers=await bearer(db, cast.analyst))).status_code == 403
    # Tanzania cannot speak for Kenya's record, which it does not see.
    assert (await client.post(f"{API}/links", json=body, headers=await bearer(db, cast.tanzania))).status_code == 404
    bad = await client.post(f"{API}/links", headers=await bearer(db, cast.kenya), json={
        "seizure_id": kenya, "other_country": "TZA", "other_seizure_ref": "TZ-404", "kind": "cousins"})
    assert bad.status_code == 400
    # A reference that does not exist is not told apart from another country's record: only the kind is wrong.
    assert {e["field"] for e in bad.json()["errors"]} == {"kind"}
    own = await client.post(f"{API}/links", headers=await bearer(db, cast.kenya), json={
        "seizure_id": kenya, "other_country": "KEN", "other_seizure_ref": "KE-2", "kind": "network"})
    assert own.status_code == 400 and "another country" in own.json()["errors"][0]["message"]
    assert await db.scalar(select(func.count()).select_from(SeizureLink)) == 0
    first = await client.post(f"{API}/links", json=body, headers=await bearer(db, cast.kenya))
    assert first.status_code == 201
    twice = await client.post(f"{API}/links", json=body, headers=await bearer(db, cast.kenya))
    assert twice.status_code == 400
    link_id = first.json()["id"]
    # Only the two countries and coordinators see (and answer) it.
    assert (await client.get(f"{API}/links", headers=await bearer(db, cast.tanzania))).json()[0]["id"] == link_id
    assert (await client.post(f"{API}/links/{link_id}/decision", json={"decision": "maybe"},
                              headers=await bearer(db, cast.tanzania))).status_code == 400
    assert (await client.post(f"{API}/links/{link_id}/decision", json={"decision": "accept"},
                              headers=await bearer(db, cast.press))).status_code == 403
    assert (await client.delete(f"{API}/links/{link_id}", headers=await bearer(db, cast.analyst))).status_code == 403
    assert (await client.delete(f"{API}/links/{link_id + 99}", headers=await bearer(db, cast.kenya))).status_code == 404


async def test_the_record_pages_show_the_link_and_where_the_record_counts(client, db, cast, records):
    _operation, kenya, tanzania, _other = records
    await login(client, cast.kenya)
    page = f"/operations/THUNDER-2026/seizures/{kenya}"
    refused = await form_post(client, f"{page}/links", {"kind": "same_shipment", "other_country": "BRA",
                                                        "other_seizure_ref": "TZ-9", "note": "typed note"})
    assert refused.status_code == 400
    assert "BRA does not take part in this operation" in refused.text and 'value="typed note"' in refused.text
    asked = await form_post(client, f"{page}/links", {"kind": "same_shipment", "other_country": "TZA",
                                                      "other_seizure_ref": "TZ-9"})
    assert asked.status_code in (302, 303)
    link = await db.scalar(select(SeizureLink))
    client.cookies.clear()
    await login(client, cast.tanzania)
    other_page = await client.get(f"/operations/THUNDER-2026/seizures/{tanzania}")
    assert "asked by KEN" in other_page.text and f"/links/{link.id}/decision" in other_page.text
    decided = await form_post(client, f"/operations/THUNDER-2026/links/{link.id}/decision",
                              {"decision": "accept", "next": f"/operations/THUNDER-2026/seizures/{tanzania}"})
    assert decided.headers["location"] == f"/operations/THUNDER-2026/seizures/{tanzania}"
    shown = await client.get(f"/operations/THUNDER-2026/seizures/{tanzania}")
    assert "Counted once, under KEN record KE-1" in shown.text
    client.cookies.clear()
    await login(client, cast.kenya)
    assert "also for the same shipment recorded by:" in (await client.get(page)).text


async def test_the_network_of_links_is_drawn_for_coordinators(client, db, cast, records):
    _operation, kenya, _tanzania, other = records
    for target in ("TZ-9",):
        await client.post(f"{API}/links", headers=await bearer(db, cast.kenya), json={
            "seizure_id": kenya, "other_country": "TZA", "other_seizure_ref": target, "kind": "controlled_delivery"})
    await login(client, cast.coordinator)
    drawing = await client.get("/operations/THUNDER-2026/links/network")
    assert drawing.status_code == 200
    assert drawing.text.count("<circle") == 2 and 'stroke-dasharray="5 4"' in drawing.text  # pending: dashed
    assert "KEN KE-1" in drawing.text and "TZA TZ-9" in drawing.text and "KE-2" not in drawing.text
    client.cookies.clear()
    await login(client, cast.kenya)
    assert (await client.get("/operations/THUNDER-2026/links/network")).status_code == 403
    assert "KE-1" in (await client.get("/operations/THUNDER-2026/links")).text


async def test_the_duplicate_countrys_day_still_counts_as_reported(client, db, cast, records):
    operation, kenya, _tanzania, _other = records
    link = (await client.post(f"{API}/links", headers=await bearer(db, cast.kenya), json={
        "seizure_id": kenya, "other_country": "TZA", "other_seizure_ref": "TZ-9", "kind": "same_shipment"})).json()
    await client.post(f"{API}/links/{link['id']}/decision", json={"decision": "accept"},
                      headers=await bearer(db, cast.tanzania))
    grid = await completeness(db, operation, date(2026, 10, 31))
    tanzania_row = next(row for row in grid.rows if row.code == "TZA")
    assert tanzania_row.cells[3] == "seizures"  # 4 October: counted under Kenya's record, reported all the same
    assert await reporting_rate(db, operation, date(2026, 10, 31)) == grid.rate  # the dashboard's figure agrees
    # The summary and the sitrep's silent countries say the same.
    assert "TZA" not in await silent_countries(db, operation)
    assert (await summary(db, await member(db, cast.coordinator, operation)))["countries"]["reporting"] == 2


async def test_the_case_exchange_api_is_in_the_openapi_document(client):
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    for path in ("/api/v1/operations/{code}/links", "/api/v1/operations/{code}/links/{link_id}/decision",
                 "/api/v1/operations/{code}/seizures/{seizure_id}/case-events", "/api/v1/operations/{code}/follow-up",
                 "/api/v1/operations/{code}/messages", "/api/v1/operations/{code}/messages/{message_id}/replies",
                 "/api/v1/matches", "/api/v1/reports/annual-illegal-trade",
                 "/api/v1/operations/{code}/seizures/{seizure_id}/ecomessage.pdf"):
        assert path in paths, path
    assert "delete" in paths["/api/v1/operations/{code}/links/{link_id}"]


async def test_where_a_record_counts_names_only_the_records_its_reader_knows(client, db, settings, cast, records):
    """A chain of same-shipment links: Kenya–Tanzania, then Uganda–Tanzania. Uganda has no link with Kenya and
    cannot open its record, so Uganda's page does not name it; nor does Kenya's page name Uganda's record."""
    operation, kenya, tanzania, _other = records
    uganda_fp = await create_user(db, email="okello@uwa.test", name="Okello Uganda", role="focal_point",
                                  country="UGA")
    uganda_fp.password_hash = password_hash()
    await db.commit()
    await invite(db, operation, uganda_fp)
    uganda = await logged(db, settings, operation, uganda_fp, "UG-5", seizure_date="2026-10-05")

    async def same_shipment(asker, seizure_id, country, ref, decider) -> None:  # type: ignore[no-untyped-def]
        link = (await client.post(f"{API}/links", headers=await bearer(db, asker), json={
            "seizure_id": seizure_id, "other_country": country, "other_seizure_ref": ref,
            "kind": "same_shipment"})).json()
        decided = await client.post(f"{API}/links/{link['id']}/decision", json={"decision": "accept"},
                                    headers=await bearer(db, decider))
        assert decided.status_code == 200, decided.text

    await same_shipment(cast.kenya, kenya, "TZA", "TZ-9", cast.tanzania)
    await same_shipment(uganda_fp, uganda.id, "TZA", "TZ-9", cast.tanzania)
    assert (await fresh(db, uganda.id)).same_shipment_as_id == kenya

    await login(client, uganda_fp)
    page = (await client.get(f"/operations/THUNDER-2026/seizures/{uganda.id}")).text
    assert "Counted once, under another record of the same shipment" in page and "KE-1" not in page
    client.cookies.clear()
    await login(client, cast.kenya)
    page = (await client.get(f"/operations/THUNDER-2026/seizures/{kenya}")).text
    assert "also for the same shipment recorded by: TZA TZ-9, 1 other record" in page and "UG-5" not in page
    client.cookies.clear()
    await login(client, cast.coordinator)  # sees every record: each named
    page = (await client.get(f"/operations/THUNDER-2026/seizures/{kenya}")).text
    assert "recorded by: TZA TZ-9, UGA UG-5" in page
