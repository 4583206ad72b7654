"""The results API: create, read, correct with versions, status loop, nil returns; roles and countries."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.pool import Pool

from opsplatform.models.seizures import NilReturn, Seizure, SeizureItem, StatusChange, Suspect
from tests.results_support import IVORY, active_operation, bearer, statements_run

URL = "/api/v1/operations/THUNDER-2026/seizures"


@pytest.fixture
async def thunder(db):
    return await active_operation(db)


async def create(client, headers, **changes):
    return await client.post(URL, json={**copy.deepcopy(IVORY), **changes}, headers=headers)


async def test_a_focal_point_logs_a_seizure_for_its_own_country(client, db, cast, thunder):
    headers = await bearer(db, cast.kenya)
    response = await create(client, headers, reporting_country="TZA")  # ignored: a focal point logs for its own
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["reporting_country"], body["status"], body["version"]) == ("KEN", "submitted", 1)
    # Sent as KIL (kilograms before 2021), answered in the current code.
    assert [(i["item_no"], i["unit"], i["quantity"]) for i in body["items"]] == [(1, "KGM", 120.5), (2, None, 14)]
    assert body["transit_countries"] == ["ARE"] and body["suspect_nationalities"] == ["KEN", "VNM"]
    assert body["suspects"][0]["name"] == "Tran Van A"  # Kenya's focal point is cleared
    items = (await db.execute(select(SeizureItem.normalised_unit, SeizureItem.normalised_quantity)
                              .order_by(SeizureItem.item_no))).all()
    assert items == [("kg", 120.5), ("number", 14)]
    read = await client.get(f"{URL}/{body['id']}", headers=headers)
    assert read.json() == body


async def test_nominal_data_is_encrypted_in_the_database(client, db, cast, thunder):
    await create(client, await bearer(db, cast.kenya))
    raw = (await db.execute(text("SELECT name_encrypted, date_of_birth_encrypted, document_number_encrypted "
                                 "FROM suspects"))).one()
    assert all(value and value.startswith("gAAAA") for value in raw)
    assert not any("Tran" in v or "C1234567" in v or "1980" in v for v in raw)
    dump = " ".join(str(r) for r in (await db.execute(text("SELECT * FROM audit_events"))).all())
    assert "Tran Van A" not in dump and "C1234567" not in dump


async def test_nominal_data_is_shown_only_to_cleared_users(client, db, cast, thunder):
    created = (await create(client, await bearer(db, cast.kenya))).json()
    coordinator = (await client.get(f"{URL}/{created['id']}", headers=await bearer(db, cast.coordinator))).json()
    assert coordinator["suspects"][0]["document_number"] == "C1234567"
    analyst = (await client.get(f"{URL}/{created['id']}", headers=await bearer(db, cast.analyst))).json()
    assert analyst["suspects"][0]["nationality"] == "VNM" and "name" not in analyst["suspects"][0]


async def test_an_uncleared_user_may_not_send_nominal_data(client, db, cast, thunder):
    response = await create(client, await bearer(db, cast.tanzania), seizure_ref="TZ-1")
    assert response.status_code == 400
    assert {"field": "suspects[0].name", "message": "nominal data is accepted only from users cleared for it"} \
        in response.json()["errors"]
    assert await db.scalar(select(func.count()).select_from(Seizure)) == 0


async def test_another_countrys_record_is_404_to_a_focal_point(client, db, cast, thunder):
    created = (await create(client, await bearer(db, cast.kenya))).json()
    tanzania = await bearer(db, cast.tanzania)
    assert (await client.get(f"{URL}/{created['id']}", headers=tanzania)).status_code == 404
    assert (await client.patch(f"{URL}/{created['id']}", json={"version": 1, "location": "x"},
                               headers=tanzania)).status_code == 404
    assert (await client.get(URL, headers=tanzania)).json() == []


async def test_a_shared_record_is_visible_to_other_participants_but_not_theirs_to_change(client, db, cast, thunder):
    created = (await create(client, await bearer(db, cast.kenya), shared_with_participants=True)).json()
    tanzania = await bearer(db, cast.tanzania)
    seen = await client.get(f"{URL}/{created['id']}", headers=tanzania)
    assert seen.status_code == 200 and "name" not in seen.json()["suspects"][0]
    refused = await client.patch(f"{URL}/{created['id']}", json={"version": 1, "location": "x"}, headers=tanzania)
    assert refused.status_code == 403


@pytest.mark.parametrize("role,expected", [("analyst", 403), ("press", 403), ("admin", 404)])
async def test_roles_that_may_not_log_get_403(client, db, cast, thunder, role, expected):
    response = await create(client, await bearer(db, getattr(cast, role)), reporting_country="KEN")
    assert response.status_code == expected  # the administrator is not in the operation's closed group
    assert await db.scalar(select(func.count()).select_from(Seizure)) == 0


async def test_a_coordinator_names_the_reporting_country(client, db, cast, thunder):
    headers = await bearer(db, cast.coordinator)
    missing = await create(client, headers)
    assert missing.status_code == 400 and missing.json()["errors"][0]["field"] == "reporting_country"
    outsider = await create(client, headers, reporting_country="BRA")
    assert "does not take part" in outsider.json()["errors"][0]["message"]
    made = await create(client, headers, reporting_country="UGA")
    assert made.status_code == 201 and made.json()["reporting_country"] == "UGA"


@pytest.mark.parametrize("change,field,message", [
    ({"seizure_date": "2026-11-15"}, "seizure_date", "must be inside the operation window, 2026-10-01 to 2026-10-31"),
    ({"latitude": None}, "latitude", "give both latitude and longitude, or neither"),
    ({"latitude": 95}, "latitude", "must be between -90 and 90"),
    ({"transport_mode": "camel"}, "transport_mode", "must be one of air_passenger"),
    ({"origin_country": "XX"}, "origin_country", "unknown country code XX"),
    ({"items": []}, "items", "add at least one item"),
    ({"items": [{"taxon": "Loxodonta africanus", "term": "TUS", "quantity": 3}]}, "items[0].taxon",
     "did you mean Loxodonta africana"),
    ({"items": [{"taxon": "Manis", "term": "XYZ", "quantity": 3}]}, "items[0].term", 'unknown CITES trade term "XYZ"'),
    ({"items": [{"taxon": "Manis", "term": "SCA", "quantity": -3}]}, "items[0].quantity",
     'must be a number greater than 0 (got "-3")'),
    ({"items": [{"taxon": "Manis", "term": "SCA", "quantity": 3, "unit": "bags of"}]}, "items[0].unit",
     'unknown unit "bags of"'),
    ({"items": [{"taxon": "Manis", "term": "SCA", "quantity": 3, "estimated_value": 10}]}, "items[0].currency",
     "give both the estimated value and its currency, or neither"),
    ({"suspects_arrested": 1.5}, "suspects_arrested", "must be a whole number of 0 or more"),
])
async def test_bad_input_gets_400_naming_the_field_and_nothing_changes(client, db, cast, thunder, change, field,
                                                                        message):
    response = await create(client, await bearer(db, cast.kenya), **change)
    assert response.status_code == 400
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert message in errors.get(field, ""), errors
    assert await db.scalar(select(func.count()).select_from(Seizure)) == 0


async def test_a_seizure_ref_is_unique_per_country_and_operation(client, db, cast, thunder):
    headers = await bearer(db, cast.kenya)
    await create(client, headers)
    again = await create(client, headers)
    assert again.status_code == 400 and again.json()["errors"][0]["field"] == "seizure_ref"


@pytest.mark.parametrize("phase", ["draft", "planning"])
async def test_no_results_before_the_operation_is_active(client, db, cast, phase):
    await active_operation(db, phase=phase)
    response = await create(client, await bearer(db, cast.kenya))
    assert response.status_code == 400 and "once the operation is active" in response.text


async def test_a_closed_operation_takes_only_coordinator_corrections_with_a_reason(client, db, cast, thunder):
    created = (await create(client, await bearer(db, cast.kenya))).json()
    thunder.phase = "closed"
    await db.commit()
    kenya = await client.patch(f"{URL}/{created['id']}", json={"version": 1, "location": "Mombasa"},
                               headers=await bearer(db, cast.kenya))
    assert kenya.status_code == 400 and "ask a coordinator" in kenya.text
    coordinator = await bearer(db, cast.coordinator)
    no_reason = await client.patch(f"{URL}/{created['id']}", json={"version": 1, "location": "Mombasa"},
                                   headers=coordinator)
    assert no_reason.status_code == 400 and "give the reason" in no_reason.text
    fixed = await client.patch(f"{URL}/{created['id']}", json={"version": 1, "location": "Mombasa",
                                                               "correction_reason": "port, not airport"},
                               headers=coordinator)
    assert fixed.status_code == 200 and fixed.json()["location"] == "Mombasa"
    reasons = (await db.scalars(select(StatusChange.message).order_by(StatusChange.id))).all()
    assert "port, not airport" in reasons


async def test_a_stale_version_gets_409_and_nothing_is_overwritten(client, db, cast, thunder):
    headers = await bearer(db, cast.kenya)
    created = (await create(client, headers)).json()
    first = await client.patch(f"{URL}/{created['id']}", json={"version": 1, "location": "Terminal 1"},
                               headers=headers)
    assert first.status_code == 200 and first.json()["version"] == 2
    second = await client.patch(f"{URL}/{created['id']}", json={"version": 1, "location": "Terminal 2"},
                                headers=headers)
    assert second.status_code == 409
    assert second.json()["current"]["location"] == "Terminal 1"
    assert (await client.get(f"{URL}/{created['id']}", headers=headers)).json()["location"] == "Terminal 1"


async def test_a_correction_keeps_nominal_data_the_editor_cannot_see(client, db, cast, thunder):
    created = (await create(client, await bearer(db, cast.kenya))).json()
    analyst_view = (await client.get(f"{URL}/{created['id']}", headers=await bearer(db, cast.coordinator))).json()
    coordinator = await bearer(db, cast.coordinator)
    suspects = [{"id": s["id"], "nationality": s["nationality"], "sex": s["sex"], "role": "dealer"}
                for s in analyst_view["suspects"]]
    response = await client.patch(f"{URL}/{created['id']}", json={"version": 1, "suspects": suspects,
                                                                   "correction_reason": "role per the file"},
                                  headers=coordinator)
    assert response.status_code == 200, response.text
    assert response.json()["suspects"][0]["name"] == "Tran Van A"
    assert response.json()["suspects"][0]["role"] == "dealer"


async def test_the_validation_loop_keeps_the_status_history(client, db, cast, thunder):
    kenya, coordinator = await bearer(db, cast.kenya), await bearer(db, cast.coordinator)
    created = (await create(client, kenya)).json()
    status = f"{URL}/{created['id']}/status"
    assert (await client.post(status, json={"action": "validate"}, headers=kenya)).status_code == 403
    no_message = await client.post(status, json={"action": "query"}, headers=coordinator)
    assert no_message.status_code == 400
    queried = await client.post(status, json={"action": "query", "message": "Weight or pieces?"}, headers=coordinator)
    assert queried.json()["status"] == "queried"
    answered = await client.post(status, json={"action": "answer", "message": "Both, two items"}, headers=kenya)
    assert answered.json()["status"] == "submitted"
    validated = await client.post(status, json={"action": "validate"}, headers=coordinator)
    assert validated.json()["status"] == "validated"
    history = (await db.execute(select(StatusChange.to_status, StatusChange.message).order_by(StatusChange.id))).all()
    assert history == [("submitted", None), ("queried", "Weight or pieces?"), ("submitted", "Both, two items"),
                       ("validated", None)]


async def test_a_record_is_withdrawn_never_deleted(client, db, cast, thunder):
    kenya = await bearer(db, cast.kenya)
    created = (await create(client, kenya)).json()
    response = await client.post(f"{URL}/{created['id']}/status", json={"action": "withdraw",
                                                                        "message": "duplicate"}, headers=kenya)
    assert response.json()["status"] == "withdrawn"
    assert await db.scalar(select(func.count()).select_from(Seizure)) == 1
    assert await db.scalar(select(func.count()).select_from(Suspect)) == 1


async def test_nil_returns_in_one_call_and_never_for_a_day_with_seizures(client, db, cast, thunder):
    kenya = await bearer(db, cast.kenya)
    url = "/api/v1/operations/THUNDER-2026/nil-returns"
    assert (await client.post(url, json={"date": "2026-10-02"}, headers=kenya)).status_code == 201
    assert (await client.post(url, json={"date": "2026-10-02"}, headers=kenya)).status_code == 201  # idempotent
    await create(client, kenya)
    clash = await client.post(url, json={"date": "2026-10-03"}, headers=kenya)
    assert clash.status_code == 400 and "seizures are logged" in clash.text
    outside = await client.post(url, json={"date": "2026-11-20"}, headers=kenya)
    assert outside.status_code == 400
    assert await db.scalar(select(func.count()).select_from(NilReturn)) == 1


async def test_a_draft_is_not_submitted_until_asked(client, db, cast, thunder):
    kenya = await bearer(db, cast.kenya)
    draft = (await create(client, kenya, status="draft")).json()
    assert draft["status"] == "draft"
    submitted = await client.post(f"{URL}/{draft['id']}/status", json={"action": "submit"}, headers=kenya)
    assert submitted.json()["status"] == "submitted"


async def test_a_country_opens_its_new_records_to_all_participants_by_default(client, db, cast, thunder):
    from tests.conftest import form_post, login

    await login(client, cast.kenya)
    assert (await form_post(client, "/operations/THUNDER-2026/sharing", {"share_by_default": "on"})).status_code == 302
    created = (await create(client, await bearer(db, cast.kenya))).json()
    assert created["shared_with_participants"] is True
    seen = await client.get(f"{URL}/{created['id']}", headers=await bearer(db, cast.tanzania))
    assert seen.status_code == 200
    private = (await create(client, await bearer(db, cast.kenya), seizure_ref="KE-2",
                            shared_with_participants=False)).json()
    assert (await client.get(f"{URL}/{private['id']}", headers=await bearer(db, cast.tanzania))).status_code == 404


async def test_arrests_are_typed_once_the_suspects_listed_give_the_count_and_nationalities(client, db, cast, thunder):
    api = f"/api/v1/operations/{thunder.code}/seizures"
    kenya = await bearer(db, cast.kenya)
    listed = [{"nationality": "VNM", "sex": "male", "role": "courier"}, {"nationality": "CHN", "role": "organiser"},
              {"nationality": "VNM", "role": "courier"}]
    body = {key: value for key, value in IVORY.items() if key not in ("suspects_arrested", "suspect_nationalities")}
    counted = await client.post(api, json={**body, "seizure_ref": "KE-ONCE-1", "suspects": listed}, headers=kenya)
    assert counted.status_code == 201, counted.text
    assert (counted.json()["suspects_arrested"], counted.json()["suspect_nationalities"]) == (3, ["VNM", "CHN"])
    more = await client.post(api, json={**body, "seizure_ref": "KE-ONCE-2", "suspects": listed,
                                        "suspects_arrested": 5}, headers=kenya)
    assert more.status_code == 201 and more.json()["suspects_arrested"] == 5  # not everyone arrested is listed
    fewer = await client.post(api, json={**body, "seizure_ref": "KE-ONCE-3", "suspects": listed,
                                         "suspects_arrested": 1}, headers=kenya)
    assert fewer.status_code == 201 and fewer.json()["suspects_arrested"] == 1  # some listed may be at large


async def test_a_page_of_records_costs_the_same_queries_however_many_it_holds(client, db, cast, thunder):
    """Items, suspects and companies of a page are read together: the 200th record costs no more than the first."""
    headers = await bearer(db, cast.kenya)

    async def statements() -> tuple[int, int]:
        with statements_run() as seen:
            page = await client.get(URL, headers=headers)
        assert page.status_code == 200
        return len(page.json()), len(seen)

    assert (await create(client, headers, seizure_ref="KE-Q-1")).status_code == 201
    one = await statements()
    for n in range(2, 7):
        assert (await create(client, headers, seizure_ref=f"KE-Q-{n}")).status_code == 201
    six = await statements()
    assert (one[0], six[0]) == (1, 6) and six[1] == one[1]


async def test_a_request_works_in_one_database_connection(client, db, cast, thunder):
    """Who asks is read in the request's own session, which the route then works in: one connection checked out
    (one pre-ping, one transaction) per request, not one for the token and another for the route."""
    headers = await bearer(db, cast.kenya)
    assert (await client.get(URL, headers=headers)).status_code == 200  # the token's first use is noted, committed
    checkouts: list[object] = []

    def note(*_args: object) -> None:
        checkouts.append(_args)
    event.listen(Pool, "checkout", note)
    try:
        assert (await create(client, headers, seizure_ref="KE-C-1")).status_code == 201
        assert len(checkouts) == 1
        assert (await client.get(URL, headers=headers)).status_code == 200
        assert len(checkouts) == 2
    finally:
        event.remove(Pool, "checkout", note)


async def test_a_submission_is_a_handful_of_statements_and_takes_no_lock(client, db, cast, thunder):
    """The token, its user, the operation and the user's place in it read together; the reference data from the
    process's cache; the figures added to by upsert, with no lock and no recount; the audit events in one insert;
    the answer built from what was written (the same as reading the record back gives)."""
    headers = await bearer(db, cast.kenya)
    assert (await create(client, headers, seizure_ref="KE-W-1")).status_code == 201  # reference data now cached
    with statements_run() as seen:
        made = await create(client, headers, seizure_ref="KE-W-2")
    assert made.status_code == 201
    assert len(seen) <= 12, "\n".join(s[:90] for s in seen)  # 11 on PostgreSQL; SQLite inserts items one by one
    [who] = [s for s in seen if "FROM users" in s]
    assert "JOIN api_tokens" in who and "JOIN operations" in who and "operation_members" in who, who
    assert not [s for s in seen if "FROM taxa" in s], seen  # the reference data's stamp is asked every few seconds
    assert [s for s in seen if "JOIN suspects" in s]  # a suspect's document number is matched with other records
    assert not [s for s in seen if "advisory" in s or s.startswith("DELETE")], seen
    [audit] = [s for s in seen if s.startswith("INSERT INTO audit_events")]
    assert not audit.many or db.bind.dialect.name == "sqlite"  # SQLite steps one prepared statement in process
    assert [s.startswith(("INSERT INTO daily_figures", "INSERT INTO window_figures")) for s in seen].count(True) == 2
    read = await client.get(f"{URL}/{made.json()['id']}", headers=headers)
    assert read.json() == made.json()
    with statements_run() as seen:  # no suspect with a document number: none to match, two statements fewer
        assert (await create(client, headers, seizure_ref="KE-W-3", suspects=[])).status_code == 201
    assert len(seen) <= 10 and not [s for s in seen if " suspects " in s], "\n".join(s[:90] for s in seen)
