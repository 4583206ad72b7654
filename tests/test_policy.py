"""The access policy, as SQL filters: who sees which operations and which seizures in full."""

from __future__ import annotations

from datetime import date

import pytest

from opsplatform.auth.services import create_user
from opsplatform.operations.models import Operation, Participant
from opsplatform.policy import can, sees_nominal, visible_operations, visible_seizures
from opsplatform.seizures.models import Seizure


async def seizure(db, operation, country, ref, shared=False) -> Seizure:
    record = Seizure(operation_id=operation.id, reporting_country=country, seizure_ref=ref,
                     seizure_date=date(2026, 10, 5), shared_with_participants=shared)
    db.add(record)
    await db.flush()
    return record


@pytest.fixture
async def world(db, cast):
    """Operation A: Kenya, Tanzania and Viet Nam take part; operation B: only Viet Nam."""
    a = Operation(code="A", name="A", start_date=date(2026, 10, 1), end_date=date(2026, 10, 31))
    b = Operation(code="B", name="B", start_date=date(2026, 10, 1), end_date=date(2026, 10, 31))
    db.add_all([a, b])
    await db.flush()
    db.add_all([Participant(operation_id=a.id, country_code=c) for c in ("KEN", "TZA", "VNM")]
               + [Participant(operation_id=b.id, country_code="VNM")])
    records = {
        "ken": await seizure(db, a, "KEN", "K1"),
        "tza": await seizure(db, a, "TZA", "T1"),
        "tza_shared": await seizure(db, a, "TZA", "T2", shared=True),
        "vnm_b": await seizure(db, b, "VNM", "V1", shared=True),
    }
    asean = await create_user(db, email="asean@ops.test", name="Asean", role="coordinator", network="ASEAN-WEN")
    await db.commit()
    return {"a": a, "b": b, "records": records, "asean": asean}


async def seen(db, query) -> set[str]:
    return {getattr(row, "code", None) or row.seizure_ref for row in (await db.scalars(query)).all()}


async def test_a_focal_point_sees_only_operations_its_country_is_in(db, cast, world):
    assert await seen(db, visible_operations(cast.kenya)) == {"A"}
    assert await seen(db, visible_operations(cast.coordinator)) == {"A", "B"}
    assert await seen(db, visible_operations(world["asean"])) == {"A", "B"}  # Viet Nam is in ASEAN-WEN
    assert await seen(db, visible_operations(cast.admin)) == set()


async def test_a_focal_point_sees_its_own_records_and_those_shared_in_its_operations(db, cast, world):
    assert await seen(db, visible_seizures(cast.kenya)) == {"K1", "T2"}
    assert await seen(db, visible_seizures(cast.tanzania)) == {"T1", "T2"}


async def test_coordinators_and_analysts_see_records_and_others_do_not(db, cast, world):
    assert await seen(db, visible_seizures(cast.coordinator)) == {"K1", "T1", "T2", "V1"}
    assert await seen(db, visible_seizures(cast.analyst)) == {"K1", "T1", "T2", "V1"}
    assert await seen(db, visible_seizures(world["asean"])) == {"V1"}
    assert await seen(db, visible_seizures(cast.press)) == set()
    assert await seen(db, visible_seizures(cast.admin)) == set()


async def test_nominal_data_needs_clearance_and_for_focal_points_their_own_country(db, cast, world):
    assert sees_nominal(cast.kenya, "KEN") and not sees_nominal(cast.kenya, "TZA")
    assert not sees_nominal(cast.tanzania, "TZA")  # not cleared
    assert sees_nominal(cast.coordinator, "TZA")
    assert not sees_nominal(cast.press, "KEN") and not sees_nominal(cast.analyst, "KEN")


def test_capabilities_by_role(cast):
    assert can(cast.admin, "manage_users") and not can(cast.coordinator, "manage_users")
    assert can(cast.kenya, "log_records") and not can(cast.press, "log_records")
    assert can(cast.press, "draft_release") and not can(None, "view_operations")
