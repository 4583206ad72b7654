"""The demo: accounts for every role, two Thunder operations with realistic results, deterministic and re-runnable.

The demo is loaded once per database for this module (it takes seconds); the tests read it, and the one that loads
it again checks that nothing changes.
"""

from __future__ import annotations

from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from opsplatform.app import create_app
from opsplatform.crypto import decrypt
from opsplatform.demo.generator import DEMO_ACCOUNTS, demo_window, load_demo
from opsplatform.models.auth import User
from opsplatform.models.cases import CaseEvent, OperationMessage, SeizureLink, SuspectMatch
from opsplatform.models.documents import Artifact
from opsplatform.models.operations import FocalPoint, Operation, OperationMember, Participant, Route, Target
from opsplatform.models.reference import NetworkMember
from opsplatform.models.releases import Release
from opsplatform.models.seizures import NilReturn, Seizure, SeizureItem, Suspect
from tests.conftest import DEMO_SEIZURES, DEMO_TODAY, form_post


async def count(db, model, *where) -> int:
    return await db.scalar(select(func.count()).select_from(model).where(*where))


async def test_the_demo_loads_two_thunder_operations_with_results(demo):
    current, previous = (await demo.scalars(select(Operation).where(Operation.series == "THUNDER")
                                            .order_by(Operation.start_date.desc()))).all()
    assert (current.code, current.phase) == ("THUNDER-2026", "active")
    assert (current.start_date, current.end_date) == demo_window(DEMO_TODAY)
    assert (previous.code, previous.phase) == ("THUNDER-2025", "closed")
    assert 100 <= await count(demo, Participant, Participant.operation_id == current.id) <= 130
    assert await count(demo, Seizure, Seizure.operation_id == current.id) == DEMO_SEIZURES
    assert await count(demo, Seizure, Seizure.operation_id == previous.id) == DEMO_SEIZURES * 3 // 5
    assert await count(demo, Seizure, Seizure.seizure_date > DEMO_TODAY) == 0
    assert await count(demo, SeizureItem) >= 240
    assert await count(demo, NilReturn) > 0
    # Ivory is reported both by weight and by number, as countries do.
    ivory_units = set((await demo.scalars(select(SeizureItem.normalised_unit)
                                          .where(SeizureItem.term_code == "TUS"))).all())
    assert {"kg", "number"} <= ivory_units


async def test_the_demo_shows_the_case_exchange(demo):
    previous = await demo.scalar(select(Operation).where(Operation.code == "THUNDER-2025"))
    assert await count(demo, CaseEvent, CaseEvent.seizure_id.in_(
        select(Seizure.id).where(Seizure.operation_id == previous.id))) >= 10
    assert await count(demo, CaseEvent, CaseEvent.day > DEMO_TODAY) == 0
    assert set((await demo.scalars(select(SeizureLink.status))).all()) == {"accepted", "pending"}
    assert await count(demo, Seizure, Seizure.same_shipment_as_id.is_not(None)) == 1
    assert await count(demo, SuspectMatch) == 1
    assert await count(demo, OperationMessage) == 3


async def test_the_demo_has_briefings_sitreps_and_a_published_release(demo):
    documents = set((await demo.execute(select(Operation.code, Artifact.kind).join(
        Artifact, Artifact.operation_id == Operation.id))).all())
    assert {("THUNDER-2026", "pre"), ("THUNDER-2026", "sitrep"), ("THUNDER-2025", "pre"),
            ("THUNDER-2025", "post")} <= documents
    assert await count(demo, Artifact, Artifact.kind == "sitrep") == 6  # three days of two running operations
    published = await demo.scalar(select(Operation.code).join(Release, Release.operation_id == Operation.id)
                                  .where(Release.status == "published"))
    assert published == "THUNDER-2025"


async def test_each_operation_has_its_team_and_asean_wen_leads_its_own(demo):
    teams = {(code, email, role, lead) for code, email, role, lead in (await demo.execute(
        select(Operation.code, User.email, OperationMember.role, OperationMember.lead)
        .join(OperationMember, OperationMember.operation_id == Operation.id)
        .join(User, User.id == OperationMember.user_id))).all()}
    asean = DEMO_ACCOUNTS[2].email
    assert ("THUNDER-2026", DEMO_ACCOUNTS[1].email, "coordinator", True) in teams
    assert ("THUNDER-2026", asean, "coordinator", False) in teams
    assert ("COBRA-ASEAN-2026", asean, "coordinator", True) in teams
    assert not any(code == "COBRA-ASEAN-2026" and email == DEMO_ACCOUNTS[1].email for code, email, _r, _l in teams)
    cobra = await demo.scalar(select(Operation).where(Operation.code == "COBRA-ASEAN-2026"))
    members = set((await demo.scalars(select(NetworkMember.country_code)
                                      .where(NetworkMember.network_code == "ASEAN-WEN"))).all())
    participants = set((await demo.scalars(select(Participant.country_code)
                                           .where(Participant.operation_id == cobra.id))).all())
    assert participants == members and await count(demo, Seizure, Seizure.operation_id == cobra.id) > 0


async def test_suspects_names_are_stored_encrypted(demo, demo_settings):
    suspect = await demo.scalar(select(Suspect).where(Suspect.name_encrypted.is_not(None)).limit(1))
    assert suspect.name_encrypted.startswith("gAAAA")  # a Fernet token, not a name
    assert " " in decrypt(demo_settings, suspect.name_encrypted)


async def test_the_demo_operations_have_targets_routes_and_focal_points(demo):
    current = await demo.scalar(select(Operation).where(Operation.code == "THUNDER-2026"))
    assert await count(demo, Target, Target.operation_id == current.id) >= 20
    assert await count(demo, Route, Route.operation_id == current.id) >= 3
    assert await count(demo, FocalPoint, FocalPoint.operation_id == current.id) == \
        await count(demo, Participant, Participant.operation_id == current.id)


async def test_every_demo_account_logs_in_and_sees_its_operations(demo_settings):
    async with AsyncTestClient(app=create_app(demo_settings)) as client:
        client.follow_redirects = False
        for account in DEMO_ACCOUNTS:
            client.cookies.clear()
            response = await form_post(client, "/login", {"email": account.email, "password": account.password})
            assert response.status_code in (302, 303), account.email
            home = await client.get("/")
            assert home.status_code == 200
            if account.role != "admin":
                assert "THUNDER-2026" in home.text, account.email


async def test_the_demo_is_deterministic_and_loading_again_changes_nothing(demo, demo_settings):
    refs = (await demo.scalars(select(Seizure.seizure_ref).order_by(Seizure.id))).all()
    users, documents = await count(demo, User), await count(demo, Artifact)
    await load_demo(demo, demo_settings, seizures=DEMO_SEIZURES, today=DEMO_TODAY, echo=lambda _: None,
                    reload_reference=False)
    assert (await demo.scalars(select(Seizure.seizure_ref).order_by(Seizure.id))).all() == refs
    assert (await count(demo, User), await count(demo, Artifact)) == (users, documents)
    assert await count(demo, User, User.email.in_([a.email for a in DEMO_ACCOUNTS])) == len(DEMO_ACCOUNTS)
