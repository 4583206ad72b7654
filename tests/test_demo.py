"""The demo: accounts for every role, two Thunder operations with realistic results, deterministic and re-runnable."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from opsplatform.auth.models import User
from opsplatform.demo.generator import DEMO_ACCOUNTS, demo_window, load_demo
from opsplatform.operations.models import Operation, Participant
from opsplatform.seizures.models import NilReturn, Seizure, SeizureItem, Suspect
from tests.conftest import form_post

TODAY = date(2026, 10, 22)


async def count(db, model, *where) -> int:
    return await db.scalar(select(func.count()).select_from(model).where(*where))


async def test_the_demo_loads_two_operations_with_results_and_the_case_exchange(db, settings):
    from opsplatform.cases.models import CaseEvent, OperationMessage, SeizureLink, SuspectMatch

    await load_demo(db, settings, seizures=150, today=TODAY, echo=lambda _: None)  # once: the slowest step
    current, previous = (await db.scalars(select(Operation).order_by(Operation.start_date.desc()))).all()
    assert (current.code, current.phase) == ("THUNDER-2026", "active")
    assert (current.start_date, current.end_date) == demo_window(TODAY)
    assert (previous.code, previous.phase) == ("THUNDER-2025", "closed")
    assert 100 <= await count(db, Participant, Participant.operation_id == current.id) <= 130
    assert await count(db, Seizure, Seizure.operation_id == current.id) == 150
    assert await count(db, Seizure, Seizure.operation_id == previous.id) == 90
    assert await count(db, Seizure, Seizure.seizure_date > TODAY) == 0
    assert await count(db, SeizureItem) >= 240
    assert await count(db, NilReturn) > 0
    # Ivory is reported both by weight and by number, as countries do.
    ivory_units = set((await db.scalars(select(SeizureItem.normalised_unit).where(SeizureItem.term_code == "TUS"))).all())
    assert {"kg", "number"} <= ivory_units
    # The case exchange: follow-up on the closed operation, links, a suspect match, messages.
    assert await count(db, CaseEvent, CaseEvent.seizure_id.in_(
        select(Seizure.id).where(Seizure.operation_id == previous.id))) >= 10
    assert await count(db, CaseEvent, CaseEvent.day > TODAY) == 0
    assert {s for s in (await db.scalars(select(SeizureLink.status))).all()} == {"accepted", "pending"}
    assert await count(db, Seizure, Seizure.same_shipment_as_id.is_not(None)) == 1
    assert await count(db, SuspectMatch) == 1
    assert await count(db, OperationMessage) == 3


async def test_the_demo_is_deterministic_and_loading_again_changes_nothing(db, settings):
    await load_demo(db, settings, seizures=40, today=TODAY, echo=lambda _: None, reload_reference=False)
    refs = (await db.scalars(select(Seizure.seizure_ref).order_by(Seizure.id))).all()
    users = await count(db, User)
    await load_demo(db, settings, seizures=40, today=TODAY, echo=lambda _: None, reload_reference=False)
    assert (await db.scalars(select(Seizure.seizure_ref).order_by(Seizure.id))).all() == refs
    assert await count(db, User) == users
    assert await count(db, User, User.email.in_([a.email for a in DEMO_ACCOUNTS])) == len(DEMO_ACCOUNTS)


async def test_suspects_names_are_stored_encrypted(db, settings):
    from opsplatform.crypto import decrypt

    await load_demo(db, settings, seizures=80, today=TODAY, echo=lambda _: None, reload_reference=False)
    suspect = await db.scalar(select(Suspect).where(Suspect.name_encrypted.is_not(None)).limit(1))
    assert suspect.name_encrypted.startswith("gAAAA")  # a Fernet token, not a name
    assert " " in decrypt(settings, suspect.name_encrypted)


async def test_the_demo_operations_have_targets_routes_and_focal_points(db, settings):
    from opsplatform.operations.models import FocalPoint, Route, Target

    await load_demo(db, settings, seizures=20, today=TODAY, echo=lambda _: None, reload_reference=False)
    current = await db.scalar(select(Operation).where(Operation.code == "THUNDER-2026"))
    assert await count(db, Target, Target.operation_id == current.id) >= 20
    assert await count(db, Route, Route.operation_id == current.id) >= 3
    assert await count(db, FocalPoint, FocalPoint.operation_id == current.id) == \
        await count(db, Participant, Participant.operation_id == current.id)


async def test_every_demo_account_logs_in_and_sees_its_operations(client, db, settings):
    await load_demo(db, settings, seizures=20, today=TODAY, echo=lambda _: None, reload_reference=False)
    for account in DEMO_ACCOUNTS:
        client.cookies.clear()
        response = await form_post(client, "/login", {"email": account.email, "password": account.password})
        assert response.status_code in (302, 303), account.email
        home = await client.get("/")
        assert home.status_code == 200
        if account.role != "admin":
            assert "THUNDER-2026" in home.text, account.email
