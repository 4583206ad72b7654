"""An operation is a closed group whose countries own their data: each hole seen before teams and scopes, tried as
the person who would try it (another country's focal point, a network coordinator reaching past its network, a press
officer filtering to isolate one country, a coordinator not on the team)."""

from __future__ import annotations

import asyncio
import copy
import io
import logging
from dataclasses import replace
from datetime import date

import httpx
import openpyxl
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from opsplatform.app import create_app
from opsplatform.auth.services import create_user
from opsplatform.briefings.services import generate
from opsplatform.database import utcnow
from opsplatform.errors import ScrubbingFormatter, scrubbed_traceback
from opsplatform.models.audit import AuditEvent
from opsplatform.models.auth import ApiToken, UserSession
from opsplatform.models.notifications import Notification
from opsplatform.models.operations import FocalPoint, Participant
from opsplatform.models.seizures import NilReturn, Seizure, SheetImport
from opsplatform.operations import team
from opsplatform.operations.registers import national_register
from opsplatform.operations.team import TeamEntry
from opsplatform.reporting.filters import ResultFilter
from opsplatform.reporting.summary import breakdowns, summary
from tests.conftest import PASSWORD, csrf_of, form_post, login, password_hash
from tests.live_server import serve
from tests.results_support import IVORY, active_operation, bearer, member
from tests.test_cli import opsplatform

API = "/api/v1/operations/THUNDER-2026"
PAGES = "/operations/THUNDER-2026"
COUNTRIES = [{"country": "KEN", "publicity": "named"}, {"country": "TZA", "publicity": "aggregate"},
             {"country": "UGA", "publicity": "none"}, {"country": "THA", "publicity": "named"},
             {"country": "VNM", "publicity": "named"}]


@pytest.fixture
async def asean(db, cast):
    user = await create_user(db, email="anan@asean.test", name="Anan ASEAN", role="coordinator", network="ASEAN-WEN")
    user.password_hash = password_hash()
    await db.commit()
    return user


@pytest.fixture
async def thunder(db, cast, asean):
    """Thunder with Kenya, Tanzania, Uganda, Thailand and Viet Nam; the cast and ASEAN-WEN's coordinator on its team
    (the coordinator leads); Kenya's and Thailand's records."""
    operation = await active_operation(db, countries=copy.deepcopy(COUNTRIES))
    db.add_all([FocalPoint(operation_id=operation.id, country_code=u.country_code, user_id=u.id)
                for u in (cast.kenya, cast.tanzania)])
    await db.commit()
    return operation


async def log(client, db, user, **changes) -> dict:
    response = await client.post(f"{API}/seizures", json={**copy.deepcopy(IVORY), "suspects": [], **changes},
                                 headers=await bearer(db, user))
    assert response.status_code == 201, response.text
    return response.json()


def csv_sheet(ref: str, country_column: str = "") -> bytes:
    header = "seizure_ref,seizure_date,taxon,term,quantity" + (",reporting_country" if country_column else "")
    row = f"{ref},2026-10-04,Loxodonta africana,TUS,3" + (f",{country_column}" if country_column else "")
    return f"{header}\n{row}\n".encode()


# --- a country's national register is that country's alone -----------------------------------------------------------

async def test_a_countrys_national_register_is_seen_by_its_own_focal_points_alone(client, db, cast, asean, thunder):
    """The seizures Kenya logs outside any operation: no coordinator (not even Thunder's lead), analyst, press
    officer or other country's focal point learns the register exists, reads its records or finds them."""
    register = await national_register(db, "KEN", 2026, date(2026, 6, 1), cast.kenya.id)
    await db.commit()
    kenya = await bearer(db, cast.kenya)
    record = await client.post(f"/api/v1/operations/{register.code}/seizures", headers=kenya, json={
        **copy.deepcopy(IVORY), "seizure_ref": "KE-OUT-1", "seizure_date": "2026-02-14", "suspects": []})
    assert record.status_code == 201, record.text
    seizure = f"/operations/{register.code}/seizures/{record.json()['id']}"
    for user in (cast.tanzania, cast.coordinator, asean, cast.analyst, cast.press):
        headers = await bearer(db, user)
        assert (await client.get(f"/api/v1/operations/{register.code}", headers=headers)).status_code == 404
        assert (await client.get(f"/api/v1{seizure}", headers=headers)).status_code == 404, user.email
        assert register.code not in {o["code"] for o in (await client.get("/api/v1/operations",
                                                                          headers=headers)).json()}
        client.cookies.clear()
        await login(client, user)
        assert (await client.get(seizure)).status_code == 404
        assert register.code not in (await client.get("/")).text
        if user is not cast.press:
            assert "KE-OUT-1" not in (await client.get("/records", params={"q": "KE-OUT"})).text
    assert (await client.get(f"/api/v1{seizure}", headers=kenya)).status_code == 200
    client.cookies.clear()
    await login(client, cast.kenya)
    assert "KE-OUT-1" in (await client.get("/records", params={"q": "KE-OUT"})).text


# --- a network coordinator reaches its network's countries only -------------------------------------------------------

async def test_a_network_coordinator_cannot_log_for_a_country_outside_its_network(client, db, cast, asean, thunder):
    headers = await bearer(db, asean)
    kenya = await client.post(f"{API}/seizures", json={**copy.deepcopy(IVORY), "suspects": [],
                                                      "reporting_country": "KEN"}, headers=headers)
    assert kenya.status_code == 400 and kenya.json()["errors"][0]["field"] == "reporting_country"
    nil = await client.post(f"{API}/nil-returns", json={"date": "2026-10-02", "reporting_country": "KEN"},
                            headers=headers)
    assert nil.status_code == 400 and nil.json()["errors"][0]["field"] == "reporting_country"
    assert await db.scalar(select(func.count()).select_from(Seizure)) == 0
    assert await db.scalar(select(func.count()).select_from(NilReturn)) == 0
    thailand = await log(client, db, asean, reporting_country="THA", seizure_ref="TH-1")
    assert thailand["reporting_country"] == "THA"


async def test_a_dry_run_for_another_countrys_sheet_tells_a_network_coordinator_nothing(client, db, cast, asean,
                                                                                       thunder):
    await log(client, db, cast.kenya, seizure_ref="KE-9")
    await login(client, asean)
    response = await form_post(client, f"{PAGES}/imports", {"reporting_country": "KEN"},
                               files={"file": ("kenya.csv", csv_sheet("KE-9"), "text/csv")})
    assert response.status_code == 400
    assert "KEN is not one of the countries you log for" in response.text
    assert "unchanged" not in response.text and await db.scalar(select(func.count()).select_from(SheetImport)) == 0


async def test_a_network_coordinator_neither_reads_nor_runs_another_countrys_upload(client, db, cast, asean, thunder):
    await login(client, cast.kenya)
    uploaded = await form_post(client, f"{PAGES}/imports", files={"file": ("kenya.csv", csv_sheet("KE-5"), "text/csv")})
    assert uploaded.status_code in (302, 303), uploaded.text
    upload = await db.scalar(select(SheetImport))
    client.cookies.clear()
    await login(client, asean)
    for path in ("", "/file", "/report.txt"):
        assert (await client.get(f"{PAGES}/imports/{upload.id}{path}")).status_code == 404, path
    assert (await form_post(client, f"{PAGES}/imports/{upload.id}/run")).status_code == 404
    await db.refresh(upload)
    assert upload.status == "checking" and await db.scalar(select(func.count()).select_from(Seizure)) == 0


async def test_a_network_coordinator_may_lead_an_operation_of_its_network_only(client, db, cast, asean):
    headers = await bearer(db, asean)
    spec = {"code": "COBRA-ASEAN", "name": "COBRA ASEAN", "start": "2026-10-01", "end": "2026-10-31",
            "countries": [{"country": "THA"}, {"country": "VNM"}]}
    refused = await client.post("/api/v1/operations", json={**spec, "code": "COBRA-X",
                                                            "countries": [{"country": "THA"}, {"country": "KEN"}]},
                                headers=headers)
    assert refused.status_code == 400 and "KEN" in refused.json()["errors"][0]["message"]
    created = await client.post("/api/v1/operations", json=spec, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["team"] == [{"email": asean.email, "role": "coordinator", "lead": True}]
    await login(client, asean)
    beyond = await form_post(client, "/operations/COBRA-ASEAN/participants", {"country": "KEN"})
    assert beyond.status_code == 400 and "outside ASEAN-WEN" in beyond.text
    assert (await form_post(client, "/operations/COBRA-ASEAN/participants",
                            {"country": "MYS"})).status_code in (302, 303)
    # The global coordinator is not in this operation's closed group.
    assert (await client.get("/api/v1/operations/COBRA-ASEAN",
                             headers=await bearer(db, cast.coordinator))).status_code == 404


# --- only the team and the participants' focal points ---------------------------------------------------------------

async def test_only_the_team_sees_the_operation_and_its_lead_manages_the_team(client, db, cast, thunder, database_url):
    otto = await create_user(db, email="otto@ops.test", name="Otto", role="coordinator")
    otto.password_hash = password_hash()
    await db.commit()
    headers = await bearer(db, otto)
    for path in ("", "/summary", "/seizures"):
        assert (await client.get(f"{API}{path}", headers=headers)).status_code == 404, path
    assert "THUNDER-2026" not in (await client.get("/api/v1/operations", headers=headers)).text
    await login(client, cast.coordinator)
    added = await form_post(client, f"{PAGES}/team", {"email": "otto@ops.test", "role": "analyst"})
    assert added.status_code in (302, 303), added.text
    assert (await client.get(f"{API}/seizures", headers=headers)).status_code == 200
    assert (await client.post(f"{API}/seizures", json=IVORY, headers=headers)).status_code == 403  # as an analyst
    code, out, err = await opsplatform("operations", "team", "list", "--database-url", database_url,
                                       "--operation", "THUNDER-2026")
    assert code == 0, err
    assert "otto@ops.test\tanalyst" in out and f"{cast.coordinator.email}\tcoordinator\tlead" in out
    code, out, err = await opsplatform("operations", "team", "remove", "--database-url", database_url,
                                       "--operation", "THUNDER-2026", "--email", "otto@ops.test")
    assert code == 0, err
    assert (await client.get(f"{API}", headers=headers)).status_code == 404
    last = await form_post(client, f"{PAGES}/team/{cast.coordinator.id}/remove")
    assert last.status_code == 400 and "only lead" in last.text  # someone must lead it


async def test_a_press_officer_cannot_be_made_a_coordinator_through_the_team(client, db, cast, database_url):
    await active_operation(db)
    code, _out, err = await opsplatform("operations", "team", "add", "--database-url", database_url,
                                        "--operation", "THUNDER-2026", "--email", cast.press.email,
                                        "--role", "coordinator")
    assert code == 1 and "cannot act as coordinator" in err


# --- messages reach their audience ----------------------------------------------------------------------------------

async def test_a_message_to_a_network_is_read_by_that_networks_countries_and_the_leads_only(client, db, cast, asean,
                                                                                          thunder):
    global_member = await create_user(db, email="gina@ops.test", name="Gina", role="coordinator",
                                      cleared_for_nominal=True)
    await team.add(db, thunder, TeamEntry(global_member, "coordinator"), None)  # on the team, not a lead
    await db.commit()
    sent = await client.post(f"{API}/messages", headers=await bearer(db, cast.coordinator), json={
        "kind": "alert", "subject": "Couriers", "body": "Two couriers", "audience": "network",
        "audience_code": "HA-WEN", "nominal": "Names: Tran Van A, passport C1234567"})
    assert sent.status_code == 201, sent.text
    url = f"{API}/messages/{sent.json()['id']}"
    kenya = await client.get(url, headers=await bearer(db, cast.kenya))  # Kenya is in HA-WEN; its focal point cleared
    assert kenya.status_code == 200 and "C1234567" in kenya.json()["nominal"]
    for outsider in (cast.tanzania, asean, cast.analyst, global_member):
        assert (await client.get(url, headers=await bearer(db, outsider))).status_code == 404, outsider.email
    assert (await client.get(url, headers=await bearer(db, cast.coordinator))).status_code == 200


async def test_a_network_coordinator_writes_to_its_network_only(client, db, asean, thunder):
    body = {"kind": "alert", "subject": "x", "body": "y"}
    refused = await client.post(f"{API}/messages", json=body, headers=await bearer(db, asean))
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "audience"
    own = await client.post(f"{API}/messages", json={**body, "audience": "network", "audience_code": "ASEAN-WEN"},
                            headers=await bearer(db, asean))
    assert own.status_code == 201


# --- documents carry their scope --------------------------------------------------------------------------------------

async def test_a_network_coordinator_gets_its_networks_sitrep_not_the_whole_operations(client, db, settings, cast,
                                                                                      asean, thunder):
    await log(client, db, cast.kenya, seizure_ref="KE-1")
    await log(client, db, asean, seizure_ref="TH-1", reporting_country="THA")
    whole = await generate(db, settings, await member(db, cast.coordinator, thunder), kind="sitrep", fmt="html",
                           lang="en", now=utcnow())
    edition = await generate(db, settings, await member(db, asean, thunder), kind="sitrep", fmt="html", lang="en",
                             now=utcnow())
    await db.commit()
    assert (whole.scope, whole.countries) == ("operation", None)
    assert edition.scope == "network:ASEAN-WEN" and "THA" in edition.countries and "KEN" not in edition.countries
    assert "TH-1" in edition.content.decode() and "KE-1" not in edition.content.decode()
    await login(client, asean)
    assert (await client.get(f"/documents/{whole.id}")).status_code == 404
    assert (await client.get(f"/documents/{edition.id}")).status_code == 200
    listed = (await client.get(f"{PAGES}/documents")).text
    assert f"/documents/{edition.id}" in listed and f"/documents/{whole.id}" not in listed
    client.cookies.clear()
    await login(client, cast.coordinator)
    assert (await client.get(f"/documents/{edition.id}")).status_code == 200  # inside the whole operation's scope


# --- aggregate consent holds everywhere -------------------------------------------------------------------------------

async def test_a_press_officer_cannot_isolate_a_country_that_agreed_only_to_count_in_the_totals(client, db, cast,
                                                                                             thunder):
    await log(client, db, cast.kenya, seizure_ref="KE-1")
    await log(client, db, cast.tanzania, seizure_ref="TZ-1", origin_country="TZA", destination_country="CHN")
    headers = await bearer(db, cast.press)
    everyone = (await client.get(f"{API}/summary", headers=headers)).json()
    assert everyone["seizures"] == 2 and {e["country"] for e in everyone["by_country"]} == {"KEN", "other"}
    for narrowed in ("countries=TZA", "countries=TZA,KEN", "networks=LATF", "regions=002"):
        figures = (await client.get(f"{API}/summary?{narrowed}", headers=headers)).json()
        assert all(e["country"] == "KEN" for e in figures["by_country"]), narrowed
        assert figures["seizures"] == (0 if narrowed == "countries=TZA" else 1), narrowed
    press = await member(db, cast.press, thunder)
    flows = await breakdowns(db, press, ResultFilter(countries=("TZA",)), utcnow())
    assert flows["legs"] == [] and flows["flows"] == []
    await login(client, cast.press)
    page = await client.get(f"{PAGES}/dashboard?countries=TZA")
    assert page.status_code == 200 and "agreed only to count in the totals" in page.text
    coordinator = await summary(db, await member(db, cast.coordinator, thunder), ResultFilter(countries=("TZA",)))
    assert coordinator["seizures"] == 1  # those who handle records still see each country
    # Nor does the count of countries that reported tell whether Tanzania did (here by a nil return).
    nil = await client.post(f"{API}/nil-returns", json={"date": "2026-10-09"}, headers=await bearer(db, cast.tanzania))
    assert nil.status_code == 201, nil.text
    alone = (await client.get(f"{API}/summary?countries=TZA", headers=headers)).json()["countries"]
    assert (alone["participating"], alone["reporting"]) == (0, 0)


async def test_the_approval_page_warns_when_fewer_than_three_countries_count_without_their_name(client, db, cast,
                                                                                              thunder):
    await login(client, cast.coordinator)
    page = (await client.get(f"{PAGES}/release")).text
    assert "Only 1 country agreed to count in the totals without its name (TZA)" in page
    assert "countries have not confirmed their consent yet" in page


# --- the country's word stands ---------------------------------------------------------------------------------------

async def test_a_countrys_publicity_consent_is_set_by_its_own_focal_points(client, db, cast, thunder):
    await login(client, cast.coordinator)
    assert (await form_post(client, f"{PAGES}/participants/KEN/publicity", {"publicity": "none"})).status_code == 403
    client.cookies.clear()
    await login(client, cast.tanzania)
    assert (await form_post(client, f"{PAGES}/participants/KEN/publicity", {"publicity": "none"})).status_code == 403
    client.cookies.clear()
    await login(client, cast.kenya)
    assert (await form_post(client, f"{PAGES}/participants/KEN/publicity",
                            {"publicity": "aggregate"})).status_code in (302, 303)
    kenya = await db.scalar(select(Participant).where(Participant.country_code == "KEN")
                            .execution_options(populate_existing=True))
    assert (kenya.publicity, kenya.publicity_set_by) == ("aggregate", cast.kenya.id)


async def test_only_the_reporting_country_approves_its_record_for_the_release(client, db, cast, asean, thunder):
    refused = await client.post(f"{API}/seizures", headers=await bearer(db, cast.coordinator), json={
        **copy.deepcopy(IVORY), "suspects": [], "reporting_country": "KEN", "publicity_approved": True,
        "public_description": "Kenya seized ivory"})
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "publicity_approved"
    by_network = await client.post(f"{API}/seizures", headers=await bearer(db, asean), json={
        **copy.deepcopy(IVORY), "suspects": [], "reporting_country": "KEN", "publicity_approved": True,
        "public_description": "Kenya seized ivory"})
    assert by_network.status_code == 400
    assert await db.scalar(select(func.count()).select_from(Seizure)) == 0
    own = await log(client, db, cast.kenya, publicity_approved=True, public_description="120 kg of ivory at JKIA")
    assert own["publicity_approved"] is True


async def test_only_the_reporting_country_opens_its_record_to_the_other_participants(client, db, cast, thunder):
    """Sharing a record in full with the other countries is the country's word: a coordinator neither opens one it
    corrects nor logs one open against the country's default; the country's focal point does."""
    record = await log(client, db, cast.kenya)
    coordinator = await bearer(db, cast.coordinator)
    url = f"{API}/seizures/{record['id']}"
    opened = await client.patch(url, json={"version": 1, "shared_with_participants": True,
                                           "correction_reason": "for the region"}, headers=coordinator)
    assert opened.status_code == 400 and opened.json()["errors"][0]["field"] == "shared_with_participants"
    tanzania = await bearer(db, cast.tanzania)
    assert (await client.get(url, headers=tanzania)).status_code == 404
    kept = await client.patch(url, json={"version": 1, "location": "Mombasa port", "shared_with_participants": False,
                                         "correction_reason": "the port"}, headers=coordinator)
    assert kept.status_code == 200, kept.text  # left as it stands: nothing to refuse
    logged_open = await client.post(f"{API}/seizures", headers=coordinator, json={
        **copy.deepcopy(IVORY), "suspects": [], "seizure_ref": "KE-BY-COORD", "reporting_country": "KEN",
        "shared_with_participants": True})
    assert logged_open.status_code == 400
    own = await client.patch(url, json={"version": 2, "shared_with_participants": True},
                             headers=await bearer(db, cast.kenya))
    assert own.status_code == 200 and (await client.get(url, headers=tanzania)).status_code == 200


async def test_a_coordinators_correction_carries_a_reason_the_country_is_told(client, db, cast, thunder):
    record = await log(client, db, cast.kenya)
    coordinator = await bearer(db, cast.coordinator)
    url = f"{API}/seizures/{record['id']}"
    silent = await client.patch(url, json={"version": 1, "location": "Mombasa port"}, headers=coordinator)
    assert silent.status_code == 400 and silent.json()["errors"][0]["field"] == "correction_reason"
    said = await client.patch(url, json={"version": 1, "location": "Mombasa port",
                                         "correction_reason": "the port, per the customs file"}, headers=coordinator)
    assert said.status_code == 200, said.text
    note = await db.scalar(select(Notification).where(Notification.user_id == cast.kenya.id,
                                                      Notification.kind == "correction"))
    assert note is not None and "the port, per the customs file" in str(note.params)
    await login(client, cast.kenya)
    page = (await client.get(f"{PAGES}/seizures/{record['id']}")).text
    assert "the port, per the customs file" in page
    assert "1 change of the record" in page and "JKIA cargo terminal" in page  # the value before, to its readers


# --- integrity -----------------------------------------------------------------------------------------------------

async def test_of_two_patches_made_on_the_same_version_exactly_one_wins(settings, db, cast, thunder):
    async with AsyncTestClient(app=create_app(settings)) as one, AsyncTestClient(app=create_app(settings)) as two:
        record = await log(one, db, cast.kenya)
        headers = await bearer(db, cast.kenya)
        url = f"{API}/seizures/{record['id']}"
        answers = await asyncio.gather(*(client.patch(url, json={"version": 1, "location": place}, headers=headers)
                                         for client, place in ((one, "Terminal 1"), (two, "Terminal 2"))))
    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    winner = next(a for a in answers if a.status_code == 200).json()
    stored = await db.scalar(select(Seizure).where(Seizure.id == record["id"])
                             .execution_options(populate_existing=True))
    assert (stored.location, stored.version) == (winner["location"], 2)


async def test_a_sheet_import_audits_each_record_with_its_values_before_and_after(client, db, cast, thunder):
    from opsplatform.seizures.imports import import_sheet

    kenya = await member(db, cast.kenya, thunder)
    await import_sheet(db, kenya, "KEN", csv_sheet("KE-7"), "kenya.csv")
    await import_sheet(db, kenya, "KEN", csv_sheet("KE-7").replace(b",3\n", b",4\n"), "kenya.csv")
    events = (await db.scalars(select(AuditEvent).where(AuditEvent.entity == "seizures").order_by(AuditEvent.id))).all()
    assert [e.action for e in events] == ["create", "update"]
    assert events[0].before is None and events[0].after["items"]["1"]["quantity"] == 3
    assert events[1].before["items"]["1"]["quantity"] == 3 and events[1].after["items"]["1"]["quantity"] == 4


async def test_nominal_values_never_reach_a_log_line(client, db, cast, thunder, caplog):
    record = await log(client, db, cast.kenya)
    secret = "1971-13-45-Tran"
    with caplog.at_level(logging.DEBUG):
        for suspects in ([{"nationality": "VNM", "name": "Tran Van A", "date_of_birth": secret}],
                         [{"date_of_birth": [secret]}], [{"date_of_birth": {"y": secret}}]):
            response = await client.patch(f"{API}/seizures/{record['id']}", headers=await bearer(db, cast.kenya),
                                          json={"version": 1, "suspects": suspects})
            assert response.status_code == 400 and secret not in response.text
    formatter = ScrubbingFormatter()
    logged = "\n".join(formatter.format(r) for r in caplog.records)
    assert secret not in logged and "Tran Van A" not in logged
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    try:
        raise ValueError(f"Invalid isoformat string: {secret!r}")
    except ValueError as exc:
        assert secret not in scrubbed_traceback(exc) and "ValueError" in scrubbed_traceback(exc)


# --- sessions and logins --------------------------------------------------------------------------------------------

async def test_an_administrators_password_reset_ends_the_users_other_sessions(client, db, settings, cast):
    async with AsyncTestClient(app=create_app(settings)) as kenya:
        kenya.follow_redirects = False
        await login(kenya, cast.kenya)
        assert (await kenya.get("/account")).status_code == 200
        await login(client, cast.admin)
        changed = await form_post(client, f"/admin/users/{cast.kenya.id}", {
            "email": cast.kenya.email, "name": cast.kenya.name, "role": "focal_point", "country": "KEN",
            "language": "en", "is_active": "on", "password": "a brand new long password"})
        assert changed.status_code in (302, 303), changed.text
        assert (await kenya.get("/account")).headers["location"].startswith("/login")


async def test_deactivation_ends_sessions_and_revokes_tokens_for_good(client, db, cast):
    token = await bearer(db, cast.analyst)
    await login(client, cast.admin)
    fields = {"email": cast.analyst.email, "name": cast.analyst.name, "role": "analyst", "language": "en"}
    assert (await form_post(client, f"/admin/users/{cast.analyst.id}", fields)).status_code in (302, 303)
    assert await db.scalar(select(func.count()).select_from(UserSession).where(
        UserSession.user_id == cast.analyst.id)) == 0
    assert await db.scalar(select(func.count()).select_from(ApiToken).where(
        ApiToken.user_id == cast.analyst.id, ApiToken.revoked_at.is_(None))) == 0
    await form_post(client, f"/admin/users/{cast.analyst.id}", {**fields, "is_active": "on"})
    assert (await client.get("/api/v1/me", headers=token)).status_code == 401


async def test_the_login_forms_csrf_token_is_bound_to_its_browser(settings, cast):
    async with AsyncTestClient(app=create_app(settings)) as mine, AsyncTestClient(app=create_app(settings)) as theirs:
        mine.follow_redirects = theirs.follow_redirects = False
        stolen = await csrf_of(mine)
        await theirs.get("/login")  # a browser of its own, with its own pre-session cookie
        forged = await theirs.post("/login", data={"email": cast.kenya.email, "password": PASSWORD,
                                                   "_csrf_token": stolen})
        assert forged.status_code == 403 and "opsp_session" not in theirs.cookies
        own = await theirs.post("/login", data={"email": cast.kenya.email, "password": PASSWORD,
                                                "_csrf_token": await csrf_of(theirs)})
        assert own.status_code in (302, 303)
        # Logged in, the session has a token of its own: the one from before the login no longer serves.
        before = stolen
        assert (await theirs.post("/account/tokens", data={"name": "x", "_csrf_token": before})).status_code == 403


async def test_parallel_wrong_passwords_get_no_more_checks_than_the_limit(client, settings, cast):
    token = await csrf_of(client)
    answers = await asyncio.gather(*(client.post("/login", data={"email": cast.kenya.email, "password": f"wrong {n}",
                                                                 "_csrf_token": token}) for n in range(40)))
    checked = [a for a in answers if "Wrong e-mail address or password" in a.text]
    throttled = [a for a in answers if "Too many failed attempts" in a.text]
    assert (len(checked), len(throttled)) == (settings.login_max_failures, 40 - settings.login_max_failures)
    right = await client.post("/login", data={"email": cast.kenya.email, "password": PASSWORD, "_csrf_token": token})
    assert "Too many failed attempts" in right.text  # the account waits out the window, right password or not


async def test_one_address_is_throttled_across_accounts(client, db, settings, cast):
    token = await csrf_of(client)
    for n in range(settings.login_max_failures_per_address):
        await client.post("/login", data={"email": f"guess{n}@nowhere.test", "password": "x", "_csrf_token": token})
    answer = await client.post("/login", data={"email": cast.kenya.email, "password": PASSWORD, "_csrf_token": token})
    assert "Too many failed attempts" in answer.text


@pytest.mark.parametrize("trusted,expected", [("", "127.0.0.1"), ("127.0.0.1", "203.0.113.9")])
async def test_forwarded_for_is_believed_only_from_the_proxies_named_in_settings(db, settings, cast, trusted,
                                                                                expected):
    with serve(create_app(replace(settings, trusted_proxies=trusted))) as base:
        async with httpx.AsyncClient(base_url=base, follow_redirects=False) as browser:
            page = await browser.get("/login")
            token = page.text.split('name="csrf-token" content="')[1].split('"')[0]
            logged = await browser.post("/login", headers={"X-Forwarded-For": "203.0.113.9"}, data={
                "email": cast.kenya.email, "password": PASSWORD, "_csrf_token": token})
            assert logged.status_code in (302, 303), logged.text
    assert await db.scalar(select(UserSession.ip).where(UserSession.user_id == cast.kenya.id)) == expected


async def test_linking_by_reference_answers_alike_for_another_countrys_record_and_a_missing_one(client, db, cast,
                                                                                              thunder):
    mine = await log(client, db, cast.kenya, seizure_ref="KE-1")
    theirs = await log(client, db, cast.tanzania, seizure_ref="TZ-1")
    headers = await bearer(db, cast.kenya)
    answers = [await client.post(f"{API}/links", headers=headers, json={
        "seizure_id": mine["id"], "kind": "network", "other_country": "TZA", "other_seizure_ref": ref})
        for ref in ("TZ-1", "TZ-404")]
    assert [a.status_code for a in answers] == [201, 201]
    shapes = [{k: v for k, v in a.json().items() if k not in ("id", "other_seizure_ref", "requested_at")}
              for a in answers]
    assert shapes[0] == shapes[1] and shapes[0]["other_seizure_id"] is None
    by_id = [await client.post(f"{API}/links", headers=headers, json={
        "seizure_id": mine["id"], "kind": "network", "other_seizure_id": other}) for other in (theirs["id"], 999999)]
    assert [a.status_code for a in by_id] == [400, 400] and by_id[0].json() == by_id[1].json()


async def test_the_audit_page_tells_the_admin_who_changed_a_record_but_not_its_values(client, db, cast, thunder):
    record = await log(client, db, cast.kenya)
    await login(client, cast.admin)
    page = (await client.get("/admin/audit?entity=seizures")).text
    assert f"seizures {record['id']}" in page and "JKIA cargo terminal" not in page
    assert "Values shown only to those who may read this record" in page
    users = (await client.get("/admin/audit?entity=users")).text
    assert cast.kenya.email in users  # accounts are the administrator's own to read


async def test_a_focal_point_taken_off_an_operation_finds_none_of_its_records_anywhere(client, db, cast, thunder):
    """Taken off Thunder, Kenya's focal point no longer finds Thunder's records through the search across its
    operations, its annual report or its suspect matches: only those of the operations it is still in."""
    cobra = await active_operation(db, code="COBRA-2026", name="COBRA 2026")
    await log(client, db, cast.kenya, seizure_ref="KE-THUNDER")
    await log(client, db, cast.kenya, seizure_ref="KE-THUNDER-SHARED", shared_with_participants=True)
    cobra_record = await client.post("/api/v1/operations/COBRA-2026/seizures", headers=await bearer(db, cast.kenya),
                                     json={**copy.deepcopy(IVORY), "suspects": [], "seizure_ref": "KE-COBRA"})
    assert cobra_record.status_code == 201, cobra_record.text
    await login(client, cast.kenya)
    found = (await client.get("/records?q=KE-")).text
    assert "KE-COBRA" in found and "KE-THUNDER" in found

    kenya_in_thunder = await db.scalar(select(FocalPoint).where(FocalPoint.operation_id == thunder.id,
                                                                FocalPoint.user_id == cast.kenya.id))
    kenya_in_thunder.revoked_at = utcnow()
    await db.commit()
    found = (await client.get("/records?q=KE-")).text
    assert "KE-COBRA" in found and "KE-THUNDER" not in found
    report = await client.get("/api/v1/reports/annual-illegal-trade", headers=await bearer(db, cast.kenya),
                              params={"country": "KEN", "year": "2026", "share_with_iccwc": "no"})
    assert report.status_code == 200 and cobra.id
    cells = " ".join(str(value) for sheet in openpyxl.load_workbook(io.BytesIO(report.content))
                     for row in sheet.iter_rows(values_only=True) for value in row)
    assert "KE-COBRA" in cells and "KE-THUNDER" not in cells
