"""Operations: the docs/reference.md operation through web, API and CLI alike; validation; roles; phases; clone."""

from __future__ import annotations

import copy
import json
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from opsplatform.database import utcnow
from opsplatform.models.operations import FocalPoint, Operation, Participant, Route, Target
from opsplatform.models.seizures import Seizure
from opsplatform.operations import services
from opsplatform.operations.focal_points import country_focal_points, directory
from opsplatform.operations.spec import operation_spec, parse_spec
from tests.conftest import body_of, csrf_of, form_post, login
from tests.results_support import bearer, join_everyone, member
from tests.test_cli import opsplatform

EXAMPLE = {
    "code": "THUNDER-2026", "name": "Operation Thunder 2026", "phase": "planning",
    "lead_organisations": ["INTERPOL", "WCO"], "start": "2026-10-01", "end": "2026-10-31", "grace_days": 14,
    "countries": [{"country": "KEN", "publicity": "named"}, {"country": "TZA", "publicity": "aggregate"},
                  {"country": "UGA", "publicity": "none"}],
    "target_taxa": ["Loxodonta africana", "Manis"],
    "routes": [{"name": "East Africa to South-East Asia by air", "origin": ["KEN", "TZA"], "transit": ["ARE"],
                "destination": ["VNM"], "hubs": ["NBO", "DXB", "HAN"], "modes": ["air_cargo"]}],
    "release_embargo": "2027-03-03T09:00:00Z",
}


def comparable(spec: dict) -> dict:
    return {k: v for k, v in spec.items() if k not in ("id", "version")}


@pytest.fixture
async def thunder(db, cast) -> Operation:
    operation = await services.create_operation(db, await parse_spec(db, copy.deepcopy(EXAMPLE)), None)
    await join_everyone(db, operation)
    await db.commit()
    return operation


token_for = bearer


# --- one operation, three ways ---------------------------------------------------------------------------------------

async def test_the_contract_example_is_the_same_through_cli_api_and_web(database_url, db, client, cast, tmp_path):
    path = tmp_path / "thunder.json"
    # The file names its team; the API and the web form make their creator its lead: the same closed group.
    path.write_text(json.dumps({**EXAMPLE, "team": [{"email": cast.coordinator.email, "role": "coordinator"}]}))
    code, out, err = await opsplatform("operations", "create", "--database-url", database_url, "--file", str(path))
    assert (code, out.strip()) == (0, "THUNDER-2026"), err
    by_cli = await operation_spec(db, await db.scalar(select(Operation).where(Operation.code == "THUNDER-2026")))

    headers = await token_for(db, cast.coordinator)
    api_created = await client.post("/api/v1/operations", json={**EXAMPLE, "code": "THUNDER-API"}, headers=headers)
    assert api_created.status_code == 201, api_created.text
    by_api = (await client.get("/api/v1/operations/THUNDER-API", headers=headers)).json()

    await login(client, cast.coordinator)
    form = {"code": "THUNDER-WEB", "name": EXAMPLE["name"], "start": EXAMPLE["start"], "end": EXAMPLE["end"],
            "grace_days": "14", "release_embargo": EXAMPLE["release_embargo"], "objectives": ""}
    created = await client.post("/operations/new", data={**form, "lead_organisations": ["INTERPOL", "WCO"],
                                                         "_csrf_token": await csrf_of(client)})
    assert created.status_code in (302, 303), created.text
    web = "/operations/THUNDER-WEB"
    for country in EXAMPLE["countries"]:
        await form_post(client, f"{web}/participants", {"country": country["country"],
                                                        "publicity": country["publicity"]})
    for taxon in EXAMPLE["target_taxa"]:
        await form_post(client, f"{web}/targets", {"taxon": taxon})
    route = EXAMPLE["routes"][0]
    await client.post(f"{web}/routes", data={"name": route["name"], "origin": route["origin"],
                                             "transit": route["transit"], "destination": route["destination"],
                                             "hubs": ", ".join(route["hubs"]), "modes": route["modes"],
                                             "_csrf_token": await csrf_of(client)})
    await form_post(client, f"{web}/phase", {"phase": "planning"})
    by_web = await operation_spec(db, await db.scalar(select(Operation).where(Operation.code == "THUNDER-WEB")))

    for spec, code in ((by_api, "THUNDER-API"), (by_web, "THUNDER-WEB")):
        assert comparable({**spec, "code": "THUNDER-2026", "series": "THUNDER"}) == comparable(by_cli), code
    assert by_cli["countries"] == EXAMPLE["countries"]
    assert [t["taxon"] for t in by_cli["target_taxa"]] == ["Loxodonta africana", "Manis"]
    assert by_cli["routes"][0]["hubs"] == ["NBO", "DXB", "HAN"]
    assert by_cli["release_embargo"] == "2027-03-03T09:00:00Z" and by_cli["phase"] == "planning"


# --- validation ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("change,field,message", [
    ({"end": "2026-09-01"}, "end", "must be on or after the start"),
    ({"countries": [{"country": "KEN"}, {"country": "XYZ"}]}, "countries[1].country", "unknown country code XYZ"),
    ({"release_embargo": "2026-10-15T09:00:00Z"}, "release_embargo", "must be after the window ends"),
    ({"target_taxa": ["Manis javnica"]}, "target_taxa[0]", "did you mean Manis javanica"),
    ({"routes": [{"name": "x", "hubs": ["ZZZ"]}]}, "routes[0].hubs[0]", "unknown IATA airport code ZZZ"),
    ({"start": "1 October"}, "start", "must be a date as YYYY-MM-DD"),
    ({"lead_organisations": ["ACME"]}, "lead_organisations[0]", "unknown organisation or network ACME"),
    ({"phase": "ongoing"}, "phase", "must be one of"),
])
async def test_bad_operations_are_refused_with_field_errors_and_nothing_is_created(db, cast, client, change, field,
                                                                                   message):
    headers = await token_for(db, cast.coordinator)
    response = await client.post("/api/v1/operations", json={**EXAMPLE, **change}, headers=headers)
    assert response.status_code == 400
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert message in errors[field], errors
    assert await db.scalar(select(func.count()).select_from(Operation)) == 0


async def test_a_duplicate_code_is_refused(db, cast, client, thunder):
    response = await client.post("/api/v1/operations", json=EXAMPLE, headers=await token_for(db, cast.coordinator))
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "code",
                                          "message": "an operation with the code THUNDER-2026 already exists"}]


async def test_the_cli_rejects_a_bad_file_with_exit_1(database_url, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({**EXAMPLE, "end": "2026-01-01"}))
    code, _out, err = await opsplatform("operations", "create", "--database-url", database_url, "--file", str(path))
    assert code == 1 and "end: must be on or after the start" in err


@pytest.mark.parametrize("content,problem", [
    ('{"code": "T-1", "name": "Opération"}'.encode("latin-1"),
     "is not UTF-8 text (byte 0xe9 at position 27); save it as UTF-8"),
    (b'{"code": "T-1", "objectives": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "is nested more than 16 levels deep"),
    (b'{"code": "T-1", "objectives": ' + b"[" * 20 + b"]" * 20 + b"}", "is nested more than 16 levels deep"),
    (b"", "is not valid JSON: Expecting value: line 1 column 1 (char 0)"),
])
async def test_the_cli_names_a_file_it_cannot_read_in_one_line_with_exit_1(database_url, db, tmp_path, content,
                                                                           problem):
    path = tmp_path / "thunder.json"
    path.write_bytes(content)
    code, _out, err = await opsplatform("operations", "create", "--database-url", database_url, "--file", str(path))
    assert code == 1 and "Traceback" not in err, err
    assert [line for line in err.splitlines() if line.startswith("file: ")] == [f"file: {path} {problem}"]
    assert await db.scalar(select(func.count()).select_from(Operation)) == 0


async def test_the_cli_names_a_value_under_a_key_called_file_by_its_key(database_url, tmp_path):
    path = tmp_path / "thunder.json"
    path.write_text(json.dumps({**EXAMPLE, "file": "\x00"}))
    code, _out, err = await opsplatform("operations", "create", "--database-url", database_url, "--file", str(path))
    assert code == 1 and "file: contains a character (U+0000) that no field accepts; remove it" in err.splitlines()


async def test_the_cli_refuses_in_an_operation_file_what_the_api_refuses_naming_each_value(database_url, db,
                                                                                          tmp_path):
    path = tmp_path / "thunder.json"
    path.write_text(json.dumps({**EXAMPLE, "name": "Thunder\x00", "objectives": "Stop \x1b[31m trafficking",
                                "grace_days": 1e308}))
    code, _out, err = await opsplatform("operations", "create", "--database-url", database_url, "--file", str(path))
    assert code == 1 and "Traceback" not in err, err
    assert sorted(line.split(":")[0] for line in err.splitlines()) == ["grace_days", "name", "objectives"], err
    assert "U+0000" in err and "U+001B" in err and "10^15" in err
    assert await db.scalar(select(func.count()).select_from(Operation)) == 0


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16-le", "utf-16-be"])
async def test_the_cli_reads_an_operation_file_with_a_bom_in_utf8_or_utf16(database_url, db, tmp_path, encoding):
    path = tmp_path / "thunder.json"
    text = json.dumps({**EXAMPLE, "name": "Opération Tonnerre"}, ensure_ascii=False)
    path.write_bytes(("\ufeff" + text).encode(encoding))
    code, out, err = await opsplatform("operations", "create", "--database-url", database_url, "--file", str(path))
    assert (code, out.strip()) == (0, "THUNDER-2026"), err
    assert await db.scalar(select(Operation.name)) == "Opération Tonnerre"


async def test_the_web_form_keeps_what_was_typed_when_refused(client, cast, db):
    await login(client, cast.coordinator)
    response = await form_post(client, "/operations/new", {"code": "COBRA-4", "name": "Cobra IV",
                                                           "start": "2026-05-10", "end": "2026-05-01",
                                                           "objectives": "Disrupt networks"})
    assert response.status_code == 400
    assert 'value="COBRA-4"' in response.text and "Disrupt networks" in response.text
    assert "must be on or after the start" in response.text
    assert await db.scalar(select(func.count()).select_from(Operation)) == 0


async def test_a_bad_trade_term_in_a_new_operation_is_named_in_the_summary(client, cast, db):
    await login(client, cast.coordinator)
    response = await form_post(client, "/operations/new", {"code": "COBRA-5", "name": "Cobra V",
                                                           "start": "2026-05-01", "end": "2026-05-31",
                                                           "grace_days": "14", "target_terms": "TUS, XYZ"})
    assert response.status_code == 400
    summary = response.text[response.text.index('id="error-summary"'):]
    assert '<a href="#f-target_terms">Target trade terms</a>: ' in summary and "XYZ" in summary
    assert "Please correct the fields marked below" not in response.text
    field = re.search(r'<input id="f-target_terms"[^>]*>', response.text)[0]  # and the field itself is marked
    assert 'aria-invalid="true"' in field and 'value="TUS, XYZ"' in field


# --- who may see and do what -----------------------------------------------------------------------------------------

VIEW = ["/operations/THUNDER-2026", "/operations/THUNDER-2026/routes-map", "/api/v1/operations/THUNDER-2026"]
MANAGE_PAGES = ["/operations/THUNDER-2026/edit", "/operations/THUNDER-2026/clone", "/operations/new"]


@pytest.mark.parametrize("role,expected", [("coordinator", 200), ("kenya", 200), ("analyst", 200), ("press", 200),
                                           ("tanzania", 200), ("admin", 404)])
async def test_viewing_an_operation_by_role(client, db, cast, thunder, role, expected):
    user = getattr(cast, role)
    headers = await token_for(db, user)
    await login(client, user)
    for path in VIEW:
        response = await client.get(path, headers=headers if path.startswith("/api") else None)
        assert response.status_code == expected, (path, response.status_code)


async def test_each_countrys_consent_reads_in_words_as_a_choice_for_the_coordinator_and_as_text_for_others(
        client, db, cast, thunder):
    await login(client, cast.coordinator)
    page = (await client.get("/operations/THUNDER-2026")).text
    consent = re.search(r'<select id="pub-TZA".*?</select>', page, re.S)[0]
    assert re.findall(r'<option value="(\w+)" ?(selected)?>([^<]+)</option>', consent) == [
        ("named", "", "named in the release"), ("aggregate", "selected", "in totals only"),
        ("none", "", "not in the release")]
    client.cookies.clear()
    await login(client, cast.analyst)
    page = (await client.get("/operations/THUNDER-2026")).text
    assert '<span class="consent consent-named">named in the release</span>' in page
    assert '<span class="consent consent-none">not in the release</span>' in page and "<select id=\"pub-" not in page


async def test_a_focal_point_gets_404_for_an_operation_its_country_is_not_in(client, db, cast, thunder):
    other = await services.create_operation(db, await parse_spec(db, {
        **EXAMPLE, "code": "COBRA-5", "countries": [{"country": "VNM"}], "routes": []}), None)
    await db.commit()
    headers = await token_for(db, cast.kenya)
    await login(client, cast.kenya)
    for path in ("/operations/COBRA-5", "/operations/COBRA-5/routes-map"):
        assert (await client.get(path)).status_code == 404
    assert (await client.get("/api/v1/operations/COBRA-5", headers=headers)).status_code == 404
    listed = (await client.get("/api/v1/operations", headers=headers)).json()
    assert [o["code"] for o in listed] == ["THUNDER-2026"]
    assert other.code not in (await client.get("/")).text


@pytest.mark.parametrize("role", ["kenya", "tanzania", "analyst", "press", "admin"])
async def test_only_coordinators_manage_operations(client, db, cast, thunder, role):
    user = getattr(cast, role)
    await login(client, user)
    outside = 404 if role == "admin" else 403  # the administrator is not in the operation's closed group
    for path in MANAGE_PAGES:
        assert (await client.get(path)).status_code == (403 if path == "/operations/new" else outside), path
    for path, data in (("/operations/THUNDER-2026/phase", {"phase": "active"}),
                       ("/operations/THUNDER-2026/participants", {"country": "BRA"}),
                       ("/operations/THUNDER-2026/targets", {"taxon": "Panthera tigris"}),
                       ("/operations/THUNDER-2026/focal-points", {"country": "KEN", "email": "x@y.test"})):
        assert (await form_post(client, path, data)).status_code == outside, path
    headers = await token_for(db, user)
    assert (await client.post("/api/v1/operations", json={**EXAMPLE, "code": "X-1"},
                              headers=headers)).status_code == 403
    assert (await client.post("/api/v1/operations/THUNDER-2026/phase", json={"phase": "active"},
                              headers=headers)).status_code in (403, 404)
    await db.refresh(thunder)
    assert thunder.phase == "planning"
    assert await db.scalar(select(func.count()).select_from(Participant)) == 3


async def test_the_directory_is_for_members_only(client, db, cast, thunder, settings):
    from opsplatform.operations.focal_points import invite

    await invite(db, settings, await member(db, cast.coordinator, thunder), country="KEN", email=cast.kenya.email,
                 name="", now=utcnow())
    await db.commit()
    await login(client, cast.tanzania)
    assert cast.kenya.email in (await client.get("/operations/THUNDER-2026")).text
    client.cookies.clear()
    await login(client, cast.press)
    page = await client.get("/operations/THUNDER-2026")
    assert page.status_code == 200 and cast.kenya.email not in page.text


# --- focal points ----------------------------------------------------------------------------------------------------

async def test_an_invitation_arrives_and_its_link_sets_a_password_once(client, db, cast, thunder, settings, smtp):
    from opsplatform.mail.outbox import deliver_due
    from opsplatform.settings import replace

    await login(client, cast.coordinator)
    response = await form_post(client, "/operations/THUNDER-2026/focal-points",
                               {"country": "UGA", "email": "okello@uwa.test", "name": "Okello"})
    assert response.status_code in (302, 303), response.text
    assert await deliver_due(db, replace(settings, smtp_port=smtp.port), utcnow()) == 1
    [message] = smtp.to("okello@uwa.test")
    assert "Operation Thunder 2026" in message["Subject"]
    token = re.search(r"/password/set/(\S+)", body_of(message)).group(1)
    page = (await client.get("/operations/THUNDER-2026")).text
    assert "okello@uwa.test" in page and "not yet" in page

    client.cookies.clear()
    assert "Welcome" in (await client.get(f"/password/set/{token}")).text
    done = await form_post(client, f"/password/set/{token}", {"password": "uganda focal 2026",
                                                             "password_confirm": "uganda focal 2026"})
    assert done.status_code in (302, 303)
    again = await form_post(client, f"/password/set/{token}", {"password": "another password",
                                                              "password_confirm": "another password"})
    assert again.status_code == 400
    focal_point = await db.scalar(select(FocalPoint).where(FocalPoint.country_code == "UGA"))
    await db.refresh(focal_point)
    assert focal_point.accepted_at is not None
    login_page = await form_post(client, "/login", {"email": "okello@uwa.test", "password": "uganda focal 2026"})
    assert login_page.status_code in (302, 303)
    assert (await client.get("/operations/THUNDER-2026")).status_code == 200


async def test_resend_and_revoke(client, db, cast, thunder, settings):
    from opsplatform.models.mail import OutboxMessage

    await login(client, cast.coordinator)
    await form_post(client, "/operations/THUNDER-2026/focal-points", {"country": "UGA", "email": "o@uwa.test",
                                                                      "name": "O"})
    focal_point = await db.scalar(select(FocalPoint))
    await form_post(client, f"/operations/THUNDER-2026/focal-points/{focal_point.id}/resend")
    assert await db.scalar(select(func.count()).select_from(OutboxMessage)) == 2
    await form_post(client, f"/operations/THUNDER-2026/focal-points/{focal_point.id}/revoke")
    await db.refresh(focal_point)
    assert focal_point.revoked_at is not None
    assert "o@uwa.test" not in (await client.get("/operations/THUNDER-2026")).text


@pytest.mark.parametrize("data,message", [
    ({"country": "BRA", "email": "a@b.test", "name": "A"}, "BRA does not take part in this operation"),
    ({"country": "KEN", "email": "not-an-address", "name": "A"}, "must be an e-mail address"),
    ({"country": "UGA", "email": "wanjiru@kws.test", "name": ""}, "not a focal point of UGA"),
    ({"country": "UGA", "email": "new@uwa.test", "name": ""}, "is required for a new account"),
])
async def test_bad_invitations_are_refused_and_keep_the_form(client, db, cast, thunder, data, message):
    await login(client, cast.coordinator)
    response = await form_post(client, "/operations/THUNDER-2026/focal-points", data)
    assert response.status_code == 400 and message in response.text
    assert f'value="{data["email"]}"' in response.text
    assert await db.scalar(select(func.count()).select_from(FocalPoint)) == 0


# --- participants, targets, routes ----------------------------------------------------------------------------------

async def test_countries_are_added_by_region_or_network_in_one_step(client, db, cast, thunder):
    await login(client, cast.coordinator)
    await form_post(client, "/operations/THUNDER-2026/participants", {"network": "ASEAN-WEN", "publicity": "named"})
    await form_post(client, "/operations/THUNDER-2026/participants", {"region": "014"})  # Eastern Africa
    countries = dict((await db.execute(select(Participant.country_code, Participant.publicity)
                                       .where(Participant.operation_id == thunder.id))).all())
    assert {"VNM", "THA", "IDN", "ETH", "MOZ", "KEN"} <= set(countries)
    assert countries["VNM"] == "named" and countries["UGA"] == "none"  # existing consent kept
    page = (await client.get("/operations/THUNDER-2026")).text
    assert '<summary>Asia <span class="count">10</span></summary>' in page  # grouped by region, with counts


async def test_countries_can_be_removed_only_before_the_window_opens(client, db, cast, thunder):
    today = utcnow().date()
    await login(client, cast.coordinator)
    thunder.start_date, thunder.end_date = date(today.year + 1, 1, 1), date(today.year + 1, 1, 31)
    thunder.release_embargo = None
    await db.commit()
    assert (await form_post(client, "/operations/THUNDER-2026/participants/UGA/remove")).status_code in (302, 303)
    thunder.phase = "active"
    await db.commit()
    refused = await form_post(client, "/operations/THUNDER-2026/participants/TZA/remove")
    assert refused.status_code == 400 and "only before the window opens" in refused.text
    assert set((await db.scalars(select(Participant.country_code))).all()) == {"KEN", "TZA"}


async def test_targets_by_scientific_or_common_name_search(client, db, cast, thunder):
    await login(client, cast.coordinator)
    options = (await client.get("/taxa/search", params={"q": "pangolin"})).text
    assert "Manis javanica" in options
    french = (await client.get("/taxa/search", params={"q": "éléphant"})).text
    assert "Loxodonta" in french
    added = await form_post(client, "/operations/THUNDER-2026/targets",
                            {"taxon": "Psittacus erithacus", "priority": "on", "notes": "Red tail"})
    assert added.status_code in (302, 303)
    target = await db.scalar(select(Target).where(Target.notes == "Red tail"))
    assert target.priority
    refused = await form_post(client, "/operations/THUNDER-2026/targets", {"taxon": "Psittacus erithacuss"})
    assert refused.status_code == 400 and "did you mean Psittacus erithacus" in refused.text


async def test_the_routes_map_works_offline(client, db, cast, thunder):
    await login(client, cast.kenya)
    response = await client.get("/operations/THUNDER-2026/routes-map")
    assert response.status_code == 200
    assert "L.polyline" in response.text and "/static/vendor/leaflet-1.9.4/leaflet.js" in response.text
    assert re.findall(r"https?://[^\"' )]+", response.text) == []
    assert "'unsafe-inline'" in response.headers["content-security-policy"]


async def test_a_route_with_a_bad_hub_is_refused_and_keeps_the_form(client, db, cast, thunder):
    await login(client, cast.coordinator)
    response = await client.post("/operations/THUNDER-2026/routes", data={
        "name": "Sea route", "origin": ["NGA"], "destination": ["CHN"], "hubs": "LOS, Nowhere",
        "_csrf_token": await csrf_of(client)})
    assert response.status_code == 400 and "unknown IATA airport code Nowhere" in response.text
    assert 'value="Sea route"' in response.text
    assert await db.scalar(select(func.count()).select_from(Route)) == 1


# --- phases, edits, clone ---------------------------------------------------------------------------------------------

async def test_results_can_be_logged_only_in_the_phases_that_allow_it(db, cast, thunder):
    kenya, coordinator = await member(db, cast.kenya, thunder), await member(db, cast.coordinator, thunder)
    for phase in ("draft", "planning"):
        thunder.phase = phase
        assert "once the operation is active" in services.logging_refusal(kenya)
    for phase in ("active", "reporting"):
        thunder.phase = phase
        assert services.logging_refusal(kenya) is None
    thunder.phase = "closed"
    assert "ask a coordinator" in services.logging_refusal(kenya)
    assert "give the reason" in services.logging_refusal(coordinator)
    assert services.logging_refusal(coordinator, correction_reason="typo in quantity") is None


async def test_set_phase_by_hand_from_the_cli(database_url, db, thunder):
    code, out, err = await opsplatform("operations", "set-phase", "--database-url", database_url,
                                       "--operation", "THUNDER-2026", "active")
    assert code == 0, err
    await db.refresh(thunder)
    assert thunder.phase == "active"
    code, _out, err = await opsplatform("operations", "set-phase", "--database-url", database_url,
                                        "--operation", "NOPE", "active")
    assert code == 1 and "no operation with the code NOPE" in err


async def test_a_concurrent_edit_is_refused_with_both_versions_shown(client, db, cast, thunder):
    await login(client, cast.coordinator)
    form = {"code": "THUNDER-2026", "start": "2026-10-01", "end": "2026-10-31", "grace_days": "14",
            "release_embargo": "2027-03-03T09:00:00Z", "version": str(thunder.version)}
    first = await form_post(client, "/operations/THUNDER-2026/edit", {**form, "name": "Thunder (first)"})
    assert first.status_code in (302, 303), first.text
    stale = await form_post(client, "/operations/THUNDER-2026/edit", {**form, "name": "Thunder (second)"})
    assert stale.status_code == 409
    assert "Thunder (first)" in stale.text and 'value="Thunder (second)"' in stale.text
    await db.refresh(thunder)
    assert thunder.name == "Thunder (first)"
    headers = await token_for(db, cast.coordinator)
    api = await client.patch("/api/v1/operations/THUNDER-2026", json={"name": "x", "version": 1}, headers=headers)
    assert api.status_code == 409 and api.json()["current"]["name"] == "Thunder (first)"


async def test_clone_copies_setup_but_not_results(client, db, cast, thunder, settings):
    from opsplatform.operations.focal_points import invite

    await invite(db, settings, await member(db, cast.coordinator, thunder), country="KEN", email=cast.kenya.email,
                 name="", now=utcnow())
    db.add(Seizure(operation_id=thunder.id, reporting_country="KEN", seizure_ref="K-1", seizure_date=date(2026, 10, 2)))
    await db.commit()
    await login(client, cast.coordinator)
    form = (await client.get("/operations/THUNDER-2026/clone")).text
    assert 'value="THUNDER-2027"' in form and 'value="2027-10-01"' in form
    response = await form_post(client, "/operations/THUNDER-2026/clone", {
        "code": "THUNDER-2027", "name": "Operation Thunder 2027", "start": "2027-10-01", "end": "2027-10-31"})
    assert response.status_code in (302, 303), response.text
    clone = await db.scalar(select(Operation).where(Operation.code == "THUNDER-2027"))
    spec, source = await operation_spec(db, clone), await operation_spec(db, thunder)
    for key in ("countries", "target_taxa", "routes", "lead_organisations", "grace_days"):
        assert spec[key] == source[key], key
    assert (spec["phase"], spec["start"], spec["release_embargo"]) == ("draft", "2027-10-01", "2028-03-03T09:00:00Z")
    assert await db.scalar(select(func.count()).select_from(FocalPoint).where(FocalPoint.operation_id == clone.id)) == 1
    assert await db.scalar(select(func.count()).select_from(Seizure).where(Seizure.operation_id == clone.id)) == 0
    assert clone.cloned_from_id == thunder.id


async def test_the_launch_panel_lists_what_is_missing(client, db, cast, thunder):
    await login(client, cast.coordinator)
    page = (await client.get("/operations/THUNDER-2026")).text
    assert "Before launch" in page and "3 countries have no focal point" in page


async def test_route_names_cannot_inject_script_into_the_map(client, db, cast, thunder):
    await login(client, cast.coordinator)
    await client.post("/operations/THUNDER-2026/routes", data={
        "name": "x`;alert(1);`<img src=x onerror=alert(2)>", "origin": ["NGA"], "destination": ["CHN"],
        "_csrf_token": await csrf_of(client)})
    html = (await client.get("/operations/THUNDER-2026/routes-map")).text
    assert "<img src=x" not in html and "`;alert(1)" not in html and "&lt;img src=x" in html


async def test_removing_a_route_or_target_is_in_the_audit_log(client, db, cast, thunder):
    from opsplatform.models.audit import AuditEvent

    await login(client, cast.coordinator)
    route = await db.scalar(select(Route))
    target = await db.scalar(select(Target))
    await form_post(client, f"/operations/THUNDER-2026/routes/{route.id}/remove")
    await form_post(client, f"/operations/THUNDER-2026/targets/{target.id}/remove")
    removed = (await db.execute(select(AuditEvent.entity, AuditEvent.actor).where(AuditEvent.action == "delete"))).all()
    assert ("routes", cast.coordinator.email) in removed and ("targets", cast.coordinator.email) in removed


async def test_an_account_moved_to_another_country_no_longer_hears_for_the_one_it_left(client, db, cast, thunder,
                                                                                        settings):
    """Tanzania's focal point account is moved to Uganda: its invitation for Tanzania still stands in the table, but
    Tanzania's notices and directory entry no longer go to it (nor to an account no longer a focal point)."""
    db.add_all([FocalPoint(operation_id=thunder.id, country_code=u.country_code, user_id=u.id)
                for u in (cast.kenya, cast.tanzania)])
    await db.commit()
    assert set((await db.scalars(country_focal_points(thunder.id, "TZA"))).all()) == {cast.tanzania.id}
    cast.tanzania.country_code = "UGA"
    cast.kenya.role = "analyst"
    await db.commit()
    assert (await db.scalars(country_focal_points(thunder.id, "TZA"))).all() == []
    assert (await db.scalars(country_focal_points(thunder.id, "KEN"))).all() == []
    assert await directory(db, thunder) == []
