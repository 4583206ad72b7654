"""Suspect matching without sharing names: the same document number recorded by two countries is found by its keyed
hash, both countries' cleared users are told whom to contact, and no plain identifier is stored or shown."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from sqlalchemy import func, select, text

from opsplatform.auth.services import create_user
from opsplatform.database import utcnow
from opsplatform.models.cases import SuspectMatch
from opsplatform.models.notifications import Notification
from opsplatform.models.operations import FocalPoint
from opsplatform.models.seizures import Suspect
from tests.cases_support import invite, logged
from tests.conftest import login, password_hash
from tests.results_support import active_operation, bearer

# Kenya writes the passport number one way, Tanzania another.
KENYAN_WAY, TANZANIAN_WAY = "C1234567", "c-123 456/7"


@pytest.fixture
async def neema(db):
    """A Tanzanian focal point cleared for nominal data (the cast's Tanzanian is not)."""
    user = await create_user(db, email="neema@tz.test", name="Neema Cleared", role="focal_point", country="TZA",
                             cleared_for_nominal=True)
    user.password_hash = password_hash()
    await db.commit()
    return user


def suspect(document: str) -> list[dict]:
    return [{"nationality": "VNM", "sex": "male", "role": "courier", "name": "Tran Van A",
             "date_of_birth": "1980-02-03", "document_number": document}]


async def test_a_document_number_match_across_countries_is_found_and_told_to_the_cleared(db, settings, cast, neema):
    operation = await active_operation(db)
    await invite(db, operation, cast.kenya, cast.tanzania, neema)
    kenyan = await logged(db, settings, operation, cast.kenya, "KE-1", suspects=suspect(KENYAN_WAY))
    tanzanian = await logged(db, settings, operation, neema, "TZ-1", suspects=suspect(TANZANIAN_WAY))
    [match] = (await db.scalars(select(SuspectMatch))).all()
    assert (match.seizure_id, match.other_seizure_id) == (kenyan.id, tanzanian.id)
    told = dict((await db.execute(select(Notification.user_id, Notification.params)
                                  .where(Notification.kind == "match"))).all())
    assert set(told) == {cast.kenya.id, neema.id}  # the uncleared Tanzanian focal point is not told
    assert "Neema Cleared <neema@tz.test>" in told[cast.kenya.id]["contacts"]
    assert "Wanjiru Kenya <wanjiru@kws.test>" in told[neema.id]["contacts"]
    assert told[neema.id]["country"] == "KEN" and told[neema.id]["ref"] == "TZ-1"
    # The same hash on both suspects, keyed: not the plain number, not an unkeyed digest of it.
    hashes = set((await db.scalars(select(Suspect.document_hash))).all())
    keyed = hmac.new(settings.effective_match_key, KENYAN_WAY.encode(), hashlib.sha256).hexdigest()
    assert hashes == {keyed} and keyed != hashlib.sha256(KENYAN_WAY.encode()).hexdigest()


async def test_no_plain_identifier_is_stored_anywhere(db, settings, cast, neema):
    operation = await active_operation(db)
    await invite(db, operation, cast.kenya, neema)
    await logged(db, settings, operation, cast.kenya, "KE-1", suspects=suspect(KENYAN_WAY))
    await logged(db, settings, operation, neema, "TZ-1", suspects=suspect(TANZANIAN_WAY))
    assert await db.scalar(select(func.count()).select_from(SuspectMatch)) == 1
    for table in ("suspects", "suspect_matches", "notifications", "audit_events", "seizures", "outbox"):
        rows = (await db.execute(text(f"SELECT * FROM {table}"))).all()  # the raw rows, as the database holds them
        dump = " ".join(str(value) for row in rows for value in row).upper().replace(" ", "").replace("-", "")
        assert "1234567" not in dump, table
        assert "TRANVANA" not in dump, table


async def test_the_same_countrys_duplicate_is_not_a_match(db, settings, cast):
    operation = await active_operation(db)
    await invite(db, operation, cast.kenya)
    await logged(db, settings, operation, cast.kenya, "KE-1", suspects=suspect(KENYAN_WAY))
    await logged(db, settings, operation, cast.kenya, "KE-2", suspects=suspect("C 1234567"))
    assert await db.scalar(select(func.count()).select_from(SuspectMatch)) == 0
    assert await db.scalar(select(func.count()).select_from(Notification)) == 0


async def test_matches_are_shown_to_the_cleared_with_contacts_and_never_the_others_record(client, db, settings, cast,
                                                                                            neema):
    operation = await active_operation(db)
    await invite(db, operation, cast.kenya, neema)
    kenyan = await logged(db, settings, operation, cast.kenya, "KE-1", suspects=suspect(KENYAN_WAY))
    await logged(db, settings, operation, neema, "TZ-1", suspects=suspect(TANZANIAN_WAY))
    [seen] = (await client.get("/api/v1/matches", headers=await bearer(db, neema))).json()
    kenya_side = next(s for s in seen["sides"] if s["country"] == "KEN")
    assert "seizure_ref" not in kenya_side and kenya_side["contacts"] == [{"name": "Wanjiru Kenya",
                                                                           "email": "wanjiru@kws.test"}]
    assert next(s for s in seen["sides"] if s["country"] == "TZA")["seizure_ref"] == "TZ-1"
    both = (await client.get("/api/v1/matches", headers=await bearer(db, cast.coordinator))).json()
    assert {s.get("seizure_ref") for s in both[0]["sides"]} == {"KE-1", "TZ-1"}
    for outsider in (cast.tanzania, cast.analyst, cast.press):  # not cleared, or not a role told of matches
        assert (await client.get("/api/v1/matches", headers=await bearer(db, outsider))).status_code == 403
    await login(client, cast.kenya)
    page = await client.get("/matches")
    assert page.status_code == 200 and f"/seizures/{kenyan.id}" in page.text and "neema@tz.test" in page.text
    assert "TZ-1" not in page.text and KENYAN_WAY not in page.text


async def test_a_focal_point_taken_off_the_operation_is_no_longer_shown_its_matches(client, db, settings, cast,
                                                                                     neema):
    operation = await active_operation(db)
    await invite(db, operation, cast.kenya, neema)
    await logged(db, settings, operation, cast.kenya, "KE-1", suspects=suspect(KENYAN_WAY))
    await logged(db, settings, operation, neema, "TZ-1", suspects=suspect(TANZANIAN_WAY))
    assert len((await client.get("/api/v1/matches", headers=await bearer(db, neema))).json()) == 1
    taken_off = await db.scalar(select(FocalPoint).where(FocalPoint.user_id == neema.id))
    taken_off.revoked_at = utcnow()
    await db.commit()
    assert (await client.get("/api/v1/matches", headers=await bearer(db, neema))).json() == []
    assert len((await client.get("/api/v1/matches", headers=await bearer(db, cast.kenya))).json()) == 1


async def test_without_a_cleared_focal_point_only_the_coordinators_reaching_the_country_are_told(db, settings, cast):
    """Neither country has a cleared focal point: the cleared coordinators are told in their place, but a network's
    coordinator only of its network's countries (Kenya and Tanzania are not in ASEAN-WEN's)."""
    asean = await create_user(db, email="anan@asean.test", name="Anan ASEAN", role="coordinator", network="ASEAN-WEN",
                              cleared_for_nominal=True)
    operation = await active_operation(db, countries=[{"country": c, "publicity": "named"}
                                                      for c in ("KEN", "TZA", "THA")])
    await logged(db, settings, operation, cast.coordinator, "KE-1", suspects=suspect(KENYAN_WAY))
    await logged(db, settings, operation, cast.coordinator, "TZ-1", reporting_country="TZA",
                 suspects=suspect(TANZANIAN_WAY))
    assert await db.scalar(select(func.count()).select_from(SuspectMatch)) == 1
    told = set((await db.scalars(select(Notification.user_id).where(Notification.kind == "match"))).all())
    assert cast.coordinator.id in told and asean.id not in told
