"""Idempotency-Key: a create repeated with the same key answers the first result and creates nothing more, on every
create route of the API, one at a time and sent together; another request under a used key is refused; a failed
create can be sent again under its key; the kept answer holds no nominal data in clear and is purged after a week."""

from __future__ import annotations

import asyncio
import copy
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from opsplatform.auth.services import purge_expired
from opsplatform.database import utcnow
from opsplatform.models.auth import ANSWERS_KEPT, IdempotentRequest
from opsplatform.models.cases import CaseEvent, OperationMessage, SeizureLink
from opsplatform.models.operations import Operation
from opsplatform.models.seizures import NilReturn, Seizure
from tests.cases_support import logged
from tests.conftest import form_post, login
from tests.results_support import ACTIVE, IVORY, active_operation, bearer
from tests.test_seizure_pages import BASE, FORM

SEIZURES = "/api/v1/operations/THUNDER-2026/seizures"


@pytest.fixture
async def kenya(db, cast):
    await active_operation(db)
    return await bearer(db, cast.kenya)


def keyed(headers: dict[str, str], key: str | bytes) -> dict[str, str | bytes]:
    return {**headers, "Idempotency-Key": key}


async def count(db, model) -> int:
    return await db.scalar(select(func.count()).select_from(model))


async def test_a_repeated_create_answers_the_first_result_and_creates_nothing_more(client, db, kenya):
    first = await client.post(SEIZURES, json=IVORY, headers=keyed(kenya, "3f1c-key"))
    again = await client.post(SEIZURES, json=IVORY, headers=keyed(kenya, "3f1c-key"))
    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await count(db, Seizure) == 1
    # Without a key the same body is a new request: refused, since the reference is taken.
    plain = await client.post(SEIZURES, json=IVORY, headers=kenya)
    assert plain.status_code == 400 and plain.json()["errors"][0]["field"] == "seizure_ref"


async def test_repeats_sent_together_create_one_record_and_all_answer_it(client, db, kenya):
    answers = await asyncio.gather(*(client.post(SEIZURES, json=IVORY, headers=keyed(kenya, "together"))
                                     for _ in range(5)))
    assert [a.status_code for a in answers] == [201] * 5, [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert sum(a.headers.get("idempotent-replayed") == "true" for a in answers) == 4
    assert await count(db, Seizure) == 1


async def test_another_request_under_a_used_key_is_refused(client, db, kenya):
    await client.post(SEIZURES, json=IVORY, headers=keyed(kenya, "used"))
    other = await client.post(SEIZURES, json={**IVORY, "seizure_ref": "KE-2"}, headers=keyed(kenya, "used"))
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "Idempotency-Key", other.text
    elsewhere = await client.post("/api/v1/operations/THUNDER-2026/nil-returns", json={"date": "2026-10-02"},
                                  headers=keyed(kenya, "used"))
    assert elsewhere.status_code == 422
    assert await count(db, Seizure) == 1 and await count(db, NilReturn) == 0


async def test_a_failed_create_can_be_sent_again_under_its_key(client, db, kenya):
    refused = await client.post(SEIZURES, json={**IVORY, "seizure_date": "2020-01-01"}, headers=keyed(kenya, "k"))
    assert refused.status_code == 400
    fixed = await client.post(SEIZURES, json=IVORY, headers=keyed(kenya, "k"))
    assert fixed.status_code == 201 and await count(db, Seizure) == 1


async def test_keys_are_each_users_own(client, db, cast, kenya):
    await client.post(SEIZURES, json=IVORY, headers=keyed(kenya, "shared"))
    tanzania = await bearer(db, cast.tanzania)
    theirs = await client.post(SEIZURES, json={**IVORY, "seizure_ref": "TZ-1", "suspects": []},
                               headers=keyed(tanzania, "shared"))
    assert theirs.status_code == 201 and theirs.json()["reporting_country"] == "TZA"


@pytest.mark.parametrize("key", ["", "x" * 256, "clé".encode(), "a\tb"])
async def test_a_key_that_cannot_be_one_is_refused_naming_the_header(client, db, kenya, key):
    answer = await client.post(SEIZURES, json=IVORY, headers=keyed(kenya, key))
    assert answer.status_code == 400 and answer.json()["errors"][0]["field"] == "Idempotency-Key", answer.text
    assert await count(db, Seizure) == 0


async def test_the_kept_answer_holds_no_nominal_data_in_clear_and_goes_after_a_week(client, db, settings, kenya):
    created = await client.post(SEIZURES, json=IVORY, headers=keyed(kenya, "nominal"))
    assert created.json()["suspects"][0]["name"] == "Tran Van A"  # Kenya's focal point is cleared
    kept = await db.scalar(select(IdempotentRequest.answer))
    assert kept and "Tran Van A" not in kept and "KE-JKIA-001" not in kept
    now = utcnow()
    await purge_expired(db, settings, now)
    assert await count(db, IdempotentRequest) == 1
    await db.execute(update(IdempotentRequest).values(created_at=now - ANSWERS_KEPT - timedelta(minutes=1)))
    await db.commit()
    await purge_expired(db, settings, now)
    assert await count(db, IdempotentRequest) == 0


async def test_every_create_of_the_api_takes_a_key(client, db, cast, settings, kenya):
    """Each create route, sent twice with one key: one record, the same answer."""
    operation = await db.scalar(select(Operation))
    seizure = await logged(db, settings, operation, cast.kenya, "KE-LINK-1")
    other = await logged(db, settings, operation, cast.tanzania, "TZ-LINK-1")
    await db.execute(update(Operation).values(phase="reporting"))  # case events are open once the window closed
    await db.commit()
    code = ACTIVE["code"]
    coordinator = await bearer(db, cast.coordinator)
    creates = [
        (kenya, f"/api/v1/operations/{code}/nil-returns", {"date": "2026-10-02"}, NilReturn),
        (kenya, f"/api/v1/operations/{code}/links", {"seizure_id": seizure.id, "kind": "same_shipment",
                                                      "other_country": "TZA", "other_seizure_ref": other.seizure_ref},
         SeizureLink),
        (kenya, f"/api/v1/operations/{code}/seizures/{seizure.id}/case-events",
         {"stage": "investigation", "date": "2026-11-02", "note": "Opened"}, CaseEvent),
        (kenya, f"/api/v1/operations/{code}/messages", {"kind": "alert", "subject": "Ivory", "body": "Watch"},
         OperationMessage),
        (coordinator, "/api/v1/operations", {**copy.deepcopy(ACTIVE), "code": "COBRA-2027", "team": []}, Operation),
    ]
    for n, (headers, url, body, model) in enumerate(creates):
        before = await count(db, model)
        first = await client.post(url, json=body, headers=keyed(headers, f"route-{n}"))
        again = await client.post(url, json=body, headers=keyed(headers, f"route-{n}"))
        assert first.status_code == 201 and again.json() == first.json(), (url, first.text, again.text)
        assert await count(db, model) == before + 1, url
    document = (await client.get("/schema/openapi.json")).json()
    keyed_routes = {path for path, item in document["paths"].items() for method, operation in item.items()
                    if any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", []))}
    assert {url.replace(f"/{seizure.id}/", "/{seizure_id}/").replace(code, "{code}") for _, url, *_ in creates} \
        <= keyed_routes


async def test_the_seizure_form_sent_twice_saves_one_record(client, db, cast):
    """A double tap, or a send repeated after its answer was lost (even after logging in again): one record."""
    await active_operation(db)
    await login(client, cast.kenya)
    page = (await client.get(f"{BASE}/seizures/new")).text
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page)[1]
    sent = {**FORM, "items-0-quantity": "3", "idempotency_key": key}
    first = await form_post(client, f"{BASE}/seizures/new", sent)
    client.cookies.clear()
    await login(client, cast.kenya)  # a new session: another form token, the same form
    again = await form_post(client, f"{BASE}/seizures/new", sent)
    assert first.status_code == again.status_code == 302
    assert first.headers["location"] == again.headers["location"]
    assert await db.scalar(select(func.count()).select_from(Seizure)) == 1
    shown = await client.get(again.headers["location"].split("#")[0])
    assert "was already saved" in shown.text
    other = await form_post(client, f"{BASE}/seizures/new", {**sent, "seizure_ref": "KE-78"})
    assert other.status_code == 409 and "already used for another record" in other.text
    assert await db.scalar(select(func.count()).select_from(Seizure)) == 1
