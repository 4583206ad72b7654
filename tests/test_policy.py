"""The access policy: an operation is a closed group (its team and its participants' focal points); within it each
member reaches its countries' records; rules are SQL filters and members' capabilities."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from opsplatform import policy
from opsplatform.auth.services import create_user
from opsplatform.models.auth import User
from opsplatform.models.operations import FocalPoint, Operation, Participant
from opsplatform.models.seizures import Seizure
from opsplatform.operations import team
from opsplatform.operations.team import TeamEntry
from opsplatform.policy import can, may, member_of, records, records_anywhere, sees_nominal, visible_operations


async def seizure(db, operation, country, ref, shared=False) -> Seizure:
    record = Seizure(operation_id=operation.id, reporting_country=country, seizure_ref=ref,
                     seizure_date=date(2026, 10, 5), shared_with_participants=shared)
    db.add(record)
    await db.flush()
    return record


@pytest.fixture
async def world(db, cast):
    """Operation A: Kenya, Tanzania and Viet Nam, its team the coordinator (lead), the analyst, the press officer and
    ASEAN-WEN's coordinator. Operation B: only Viet Nam, led by ASEAN-WEN's coordinator, with no one else."""
    a = Operation(code="A", name="A", start_date=date(2026, 10, 1), end_date=date(2026, 10, 31))
    b = Operation(code="B", name="B", start_date=date(2026, 10, 1), end_date=date(2026, 10, 31))
    db.add_all([a, b])
    await db.flush()
    db.add_all([Participant(operation_id=a.id, country_code=c) for c in ("KEN", "TZA", "VNM")]
               + [Participant(operation_id=b.id, country_code="VNM")])
    asean = await create_user(db, email="asean@ops.test", name="Asean", role="coordinator", network="ASEAN-WEN")
    for user, lead in ((cast.coordinator, True), (cast.analyst, False), (cast.press, False), (asean, False)):
        await team.add(db, a, TeamEntry(user, user.role, lead), None)
    await team.add(db, b, TeamEntry(asean, "coordinator", True), None)
    records_ = {
        "ken": await seizure(db, a, "KEN", "K1"),
        "tza": await seizure(db, a, "TZA", "T1"),
        "tza_shared": await seizure(db, a, "TZA", "T2", shared=True),
        "vnm_a": await seizure(db, a, "VNM", "V0"),
        "vnm_b": await seizure(db, b, "VNM", "V1", shared=True),
    }
    await db.commit()
    return {"a": a, "b": b, "records": records_, "asean": asean}


async def seen(db, query) -> set[str]:
    return {getattr(row, "code", None) or row.seizure_ref for row in (await db.scalars(query)).all()}


async def refs(db, clause) -> set[str]:
    return set((await db.scalars(select(Seizure.seizure_ref).where(clause))).all())


async def test_an_operation_is_seen_by_its_team_and_its_participants_focal_points_only(db, cast, world):
    assert await seen(db, visible_operations(cast.kenya)) == {"A"}
    assert await seen(db, visible_operations(cast.coordinator)) == {"A"}  # not on B's team
    assert await seen(db, visible_operations(world["asean"])) == {"A", "B"}
    assert await seen(db, visible_operations(cast.admin)) == set()
    assert await member_of(db, cast.coordinator, world["b"]) is None


async def test_a_focal_point_taken_off_the_operation_leaves_its_closed_group(db, cast, world):
    db.add(FocalPoint(operation_id=world["a"].id, country_code="KEN", user_id=cast.kenya.id,
                      revoked_at=datetime(2026, 10, 9, tzinfo=UTC)))
    await db.commit()
    assert await seen(db, visible_operations(cast.kenya)) == set()
    assert await member_of(db, cast.kenya, world["a"]) is None


async def test_taken_off_one_operation_a_focal_point_stays_in_the_others(db, cast, world):
    """Being taken off A leaves Viet Nam's focal point in B, whether its place is asked with the operation in hand or
    by the operation's code (as every request under an operation asks it)."""
    vietnam = await create_user(db, email="vn@ops.test", name="Viet Nam", role="focal_point", country="VNM")
    db.add(FocalPoint(operation_id=world["a"].id, country_code="VNM", user_id=vietnam.id,
                      revoked_at=datetime(2026, 10, 9, tzinfo=UTC)))
    await db.commit()
    assert await seen(db, visible_operations(vietnam)) == {"B"}
    assert await member_of(db, vietnam, world["a"]) is None
    assert await member_by_code(db, vietnam, "A") is None
    assert (await member_of(db, vietnam, world["b"])).countries == {"VNM"}
    assert (await member_by_code(db, vietnam, "B")).operation.code == "B"


async def member_by_code(db, user, code):
    """The user's place in the operation with this code, read with the user in one query, as every request under an
    operation reads it (see auth.services)."""
    row = (await db.execute(policy.with_standing(select(User).where(User.id == user.id)), {"code": code})).one()
    return await policy.member_in(db, row.User, row)


async def test_the_place_read_with_the_user_is_the_place_asked_with_the_operation(db, cast, world):
    for user in (cast.coordinator, cast.analyst, cast.press, cast.kenya, cast.admin, world["asean"]):
        for operation in (world["a"], world["b"]):
            assert (await member_by_code(db, user, operation.code)) == await member_of(db, user, operation)
    assert await member_by_code(db, cast.coordinator, "NO-SUCH") is None


async def test_a_focal_point_sees_its_own_records_and_those_shared_in_its_operations(db, cast, world):
    kenya = await member_of(db, cast.kenya, world["a"])
    assert await refs(db, records(kenya)) == {"K1", "T2"}
    assert await refs(db, records_anywhere(cast.tanzania)) == {"T1", "T2"}


async def test_members_reach_their_countries_records_and_others_none(db, cast, world):
    a = world["a"]
    assert await refs(db, records(await member_of(db, cast.coordinator, a))) == {"K1", "T1", "T2", "V0"}
    assert await refs(db, records(await member_of(db, cast.analyst, a))) == {"K1", "T1", "T2", "V0"}
    assert await refs(db, records(await member_of(db, world["asean"], a))) == {"V0"}  # its network's only
    assert await refs(db, records(await member_of(db, cast.press, a))) == set()
    assert await refs(db, records_anywhere(world["asean"])) == {"V0", "V1"}
    assert await refs(db, records_anywhere(cast.coordinator)) == {"K1", "T1", "T2", "V0"}  # not B's
    assert await refs(db, records_anywhere(cast.admin)) == set()


async def test_a_team_member_may_hold_a_role_that_reaches_less_than_its_account(db, cast, world):
    await team.add(db, world["b"], TeamEntry(cast.coordinator, "analyst"), None)
    await db.commit()
    as_analyst = await member_of(db, cast.coordinator, world["b"])
    assert as_analyst.role == "analyst" and may(as_analyst, "view_records")
    assert not may(as_analyst, "validate_records") and not may(as_analyst, "edit_operation")
    assert policy.team_problem(cast.analyst, "coordinator") is not None  # never more than the account


async def test_leads_edit_and_only_coordinators_of_every_country_approve_the_release(db, cast, world):
    lead = await member_of(db, cast.coordinator, world["a"])
    network = await member_of(db, world["asean"], world["a"])
    assert may(lead, "edit_operation") and may(lead, "manage_team") and may(lead, "approve_release")
    assert not may(network, "edit_operation") and not may(network, "approve_release")
    assert may(await member_of(db, world["asean"], world["b"]), "edit_operation")  # it leads B


async def test_nominal_data_needs_clearance_and_reach(db, cast, world):
    a = world["a"]
    kenya, tanzania = await member_of(db, cast.kenya, a), await member_of(db, cast.tanzania, a)
    assert sees_nominal(kenya, "KEN") and not sees_nominal(kenya, "TZA")
    assert not sees_nominal(tanzania, "TZA")  # not cleared
    assert sees_nominal(await member_of(db, cast.coordinator, a), "TZA")
    assert not sees_nominal(await member_of(db, cast.press, a), "KEN")
    assert not sees_nominal(await member_of(db, cast.analyst, a), "KEN")


def test_account_capabilities_by_role(cast):
    assert can(cast.admin, "administer") and not can(cast.coordinator, "administer")
    assert can(cast.coordinator, "create_operations") and not can(cast.analyst, "create_operations")
    assert can(cast.kenya, "annual_report") and not can(cast.press, "annual_report")
    assert not can(None, "join_operations")
