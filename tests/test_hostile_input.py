"""No input, however absurd, gets a 500: each thing a careless or hostile sender tried, answered with a 400 that names
where, and nothing stored; figures and pages survive values stored before the bounds."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import math

import pytest
from hypothesis import given, strategies as st
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from opsplatform import checks, format
from opsplatform.app import create_app
from opsplatform.auth.services import create_user
from opsplatform.database import upgrade
from opsplatform.errors import InvalidInput
from opsplatform.models.audit import AuditEvent
from opsplatform.models.operations import Operation
from opsplatform.models.seizures import Seizure, SeizureItem
from opsplatform.operations.spec import parse_spec
from opsplatform.reporting.summary import summary
from opsplatform.seizures.imports import import_sheet
from opsplatform.settings import Settings
from tests.conftest import form_post, login, password_hash
from tests.migration_support import operation_as_then, reference_as_then, stored_as_then, upgraded
from tests.pgcluster import free_port
from tests.results_support import IVORY, active_operation, bearer, member
from tests.test_cli import opsplatform
from tests.test_imports import ROWS, semicolon_csv

API = "/api/v1/operations/THUNDER-2026"


@pytest.fixture
async def thunder(db, cast):
    return await active_operation(db)


def seizure(**changes) -> dict:
    return {**copy.deepcopy(IVORY), "suspects": [], **changes}


def item(**changes) -> dict:
    return {"taxon": "Loxodonta africana", "term": "TUS", "quantity": 3, "unit": "kg", **changes}


async def refused(response, *fields: str) -> None:
    assert response.status_code == 400, response.text
    assert {e["field"] for e in response.json()["errors"]} >= set(fields), response.text


@pytest.mark.parametrize("body,field", [
    (seizure(items=[item(quantity=1e308)]), "items[0].quantity"),
    (seizure(items=[item(quantity=1e12)]), "items[0].quantity"),  # within what JSON carries, past the item's bound
    (seizure(items=[item(estimated_value=1e25, currency="USD")]), "items[0].estimated_value"),
    (seizure(items=[item(item_no=1e20)]), "items[0].item_no"),
    (seizure(suspects_arrested=10**7), "suspects_arrested"),
    (seizure(notes="hidden\u000bcharacter"), "notes"),
    (seizure(notes=["a list", {"not": "text"}]), "notes"),
    (seizure(location={"an": "object"}), "location"),
    (seizure(transit_countries=[{"code": "ARE"}]), "transit_countries"),
    (seizure(items=[item(item_no=n + 1) for n in range(501)]), "items"),  # its Ecomessage would take a minute
    (seizure(suspects=[{"nationality": "KEN"}] * 101), "suspects"),
])
async def test_a_number_past_its_bound_or_a_shape_that_is_not_text_is_refused_naming_the_field(client, db, cast,
                                                                                            thunder, body, field):
    await refused(await client.post(f"{API}/seizures", json=body, headers=await bearer(db, cast.kenya)), field)
    assert await db.scalar(select(func.count()).select_from(Seizure)) == 0


async def test_numbers_and_bodies_no_parser_should_see_are_refused_at_the_gate(client, db, cast, thunder):
    headers = {**await bearer(db, cast.kenya), "content-type": "application/json"}
    huge = b'{"seizure_ref": "B", "items": [{"quantity": ' + b"1" * 400 + b"}]}"
    await refused(await client.post(f"{API}/seizures", content=huge, headers=headers), "items[0].quantity")
    deep = b"[" * 100_000 + b"]" * 100_000
    await refused(await client.post(f"{API}/seizures", content=deep, headers=headers), "body")
    await refused(await client.post(f"{API}/seizures", content=b'{"seizure_ref": "\xff\xfe"}', headers=headers), "body")
    await refused(await client.post(f"{API}/seizures", content=b'{"seizure_ref": ', headers=headers), "body")


async def test_impossible_ids_and_pages_are_answered_not_broken(client, db, cast, thunder):
    kenya = await bearer(db, cast.kenya)
    await refused(await client.post(f"{API}/links", headers=kenya, json={
        "seizure_id": 10**20, "kind": "network", "other_country": "TZA", "other_seizure_ref": "x"}), "seizure_id")
    await refused(await client.get(f"{API}/seizures?offset=99999999999999999999", headers=kenya), "offset")
    assert (await client.get(f"{API}/seizures/99999999999", headers=kenya)).status_code == 404
    created = (await client.post(f"{API}/seizures", json=seizure(), headers=kenya)).json()
    await refused(await client.patch(f"{API}/seizures/{created['id']}", headers=kenya, json={
        "version": 1, "suspects": [{"id": [1], "nationality": "VNM"}]}), "suspects[0].id")
    await login(client, cast.kenya)
    assert (await client.get("/operations/THUNDER-2026/seizures?page=99999999999999")).status_code == 400
    client.cookies.clear()
    await login(client, cast.admin)
    assert (await client.get("/admin/audit?page=100000000000000000000")).status_code == 400


async def test_a_control_character_is_refused_in_forms_and_queries_too(client, db, cast, thunder):
    await login(client, cast.kenya)
    form = await form_post(client, "/operations/THUNDER-2026/seizures/new", {"seizure_ref": "K\u0007-1"})
    assert form.status_code == 400 and "U+0007" in form.text
    multipart = await form_post(client, "/operations/THUNDER-2026/imports", {"reporting_country": "KEN\u001b"},
                                files={"file": ("kenya.csv", b"seizure_ref\n", "text/csv")})
    assert multipart.status_code == 400 and "U+001B" in multipart.text
    assert (await client.get("/operations/THUNDER-2026/seizures?countries=K%0BE")).status_code == 400
    assert await db.scalar(select(func.count()).select_from(Seizure)) == 0


async def test_a_preflight_is_answered_by_the_framework(client):
    response = await client.options("/api/v1/me")
    assert response.status_code in (200, 204) and "GET" in response.headers.get("allow", "")


async def test_client_errors_are_logged_in_one_line_without_a_traceback(client, db, cast, thunder, caplog):
    kenya = await bearer(db, cast.kenya)
    with caplog.at_level(logging.INFO):
        await client.post(f"{API}/seizures", json=seizure(items=[]), headers=kenya)  # 400
        await client.get(f"{API}/seizures/999999", headers=kenya)  # 404
        await client.delete(f"{API}/summary", headers=kenya)  # 405
    answered = [r for r in caplog.records if r.name == "opsplatform.requests"]
    assert [r.getMessage().rsplit(" answered ", 1)[1][:3] for r in answered] == ["400", "404", "405"]
    assert all(r.levelno == logging.INFO and r.exc_info is None for r in answered)
    assert not [r for r in caplog.records if r.exc_info]


async def test_percent_and_underscore_are_letters_to_find_not_wildcards(client, db, cast):
    kenya = await bearer(db, cast.kenya)
    assert (await client.get("/api/v1/taxa?q=%25a", headers=kenya)).json() == []
    assert (await client.get("/api/v1/taxa?q=_o", headers=kenya)).json() == []
    assert (await client.get("/api/v1/taxa?q=loxo", headers=kenya)).json()  # a real search still finds


def test_a_number_always_reads_whatever_is_stored():
    assert format.number(1e25) == "1E25" and format.number(1e308) == "1E308"
    assert format.number(math.inf) == "—" and format.number(math.nan) == "—" and format.number(None) == ""
    assert format.number(1234.5) == "1,234.5" and format.number(10.0) == "10"


def test_a_moment_reads_in_its_own_time_zone_however_often_an_equal_instant_was_read():
    from datetime import UTC, date, datetime

    from opsplatform.i18n import language

    assert format.date(datetime(2026, 10, 1, 10, tzinfo=UTC), "short") == "10/1/26, 10:00\u202fAM"
    assert format.date("2026-10-01T12:00:00+02:00", "short") == "10/1/26, 12:00\u202fPM"  # the same instant
    assert format.date(date(2026, 10, 1)) == "Oct 1, 2026" and format.date(datetime(2026, 10, 1)) != "Oct 1, 2026"
    with language("fr"):
        assert format.date(date(2026, 10, 1)) == "1 oct. 2026"


async def test_values_stored_before_the_bounds_are_bounded_by_the_upgrade_and_everything_renders(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path}/old.db"
    settings = Settings(database_url=url, scheduler_enabled=False, smtp_port=free_port())
    async with upgraded(url, "0009") as db:
        await reference_as_then(db)
        people = {role: await create_user(db, email=f"{role}@ops.test", name=role, role=role,
                                          country="KEN" if role == "focal_point" else None)
                  for role in ("coordinator", "focal_point")}
        for person in people.values():
            person.password_hash = password_hash()
        await db.commit()
        operation_id = await operation_as_then(db)
        # As a sender could store them before the bounds: 1e308 kg twice, and a value of 1e25.
        record_id = await stored_as_then(db, operation_id, people["focal_point"].id, quantity=1e308,
                                         estimated_value=1e25)
    async with upgraded(url) as db:
        stored = set((await db.execute(select(SeizureItem.quantity, SeizureItem.estimated_value))).all())
        assert stored == {(1e9, None)}
        changed = (await db.scalars(select(AuditEvent).where(AuditEvent.actor == "migration 0010"))).all()
        assert len(changed) == 2 and "1e+308" in changed[0].before["quantity"]
        figures = await summary(db, await member(db, people["coordinator"], await db.get(Operation, operation_id)))
        assert {(e["term"], e["unit"]): e["quantity"] for e in figures["by_term_unit"]} == {
            ("TUS", "kg"): 1e9, ("TUS", "number"): 1e9}  # the figures were made again from the bounded records
    async with AsyncTestClient(app=create_app(settings)) as client:
        client.follow_redirects = False
        await login(client, people["coordinator"])
        for page in (f"/operations/THUNDER-2026/seizures/{record_id}", "/operations/THUNDER-2026/dashboard",
                     f"/operations/THUNDER-2026/seizures/{record_id}/ecomessage.html",
                     "/operations/THUNDER-2026/release/preview"):
            assert (await client.get(page)).status_code == 200, page


async def test_a_database_made_by_db_upgrade_alone_is_ready(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path}/new.db"
    code, out, err = await opsplatform("db", "upgrade", "--database-url", url)
    assert code == 0, err
    assert "reference data loaded" in out and "countries" in out
    spec = tmp_path / "op.json"
    spec.write_text('{"code": "T-1", "name": "T", "start": "2026-10-01", "end": "2026-10-31", '
                    '"countries": [{"country": "KEN"}]}')
    code, out, err = await opsplatform("operations", "create", "--database-url", url, "--file", str(spec))
    assert (code, out.strip()) == (0, "T-1"), err


async def test_without_reference_data_a_command_says_so(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path}/bare.db"
    await asyncio.to_thread(upgrade, url)  # the migrations alone, as an older `db upgrade` left a database
    spec = tmp_path / "op.json"
    spec.write_text('{"code": "T-1", "name": "T", "start": "2026-10-01", "end": "2026-10-31", '
                    '"countries": [{"country": "KEN"}]}')
    code, _out, err = await opsplatform("operations", "create", "--database-url", url, "--file", str(spec))
    assert code == 1 and "reference data not loaded: run `opsplatform reference load`" in err


# --- what a review of hostile input found ----------------------------------------------------------------------------

async def test_a_character_no_xml_holds_is_refused_wherever_it_is_typed(client, db, cast, thunder):
    """U+FFFF and U+FFFE cannot be written in a workbook or a Word file: refused as the control characters are, in a
    body, a query and a form, so that no export or report of the record can fail on it later."""
    kenya = await bearer(db, cast.kenya)
    await refused(await client.post(f"{API}/seizures", json=seizure(notes="see\uffff"), headers=kenya), "notes")
    report = await client.get("/api/v1/reports/annual-illegal-trade", headers=kenya,
                              params={"country": "KEN", "year": "2026", "agency": "Kenya\ufffe"})
    await refused(report, "agency")
    await login(client, cast.kenya)
    form = await form_post(client, "/operations/THUNDER-2026/seizures/new", {"seizure_ref": "KE-X",
                                                                             "notes": "odd\uffff"})
    assert form.status_code == 400 and "U+FFFF" in form.text
    assert await db.scalar(select(func.count()).select_from(Seizure)) == 0


@pytest.mark.parametrize("content_type", ["text/plain", None, "application/x-json"])
async def test_an_api_body_passes_the_gate_whatever_its_content_type_says(client, db, cast, thunder, content_type):
    headers = {**await bearer(db, cast.kenya), **({"Content-Type": content_type} if content_type else {})}
    sent = json.dumps(seizure(notes="esc\x1b and nul\x00")).encode()
    await refused(await client.post(f"{API}/seizures", content=sent, headers=headers), "notes")
    deep = ("[" * 50_000 + "]" * 50_000).encode()
    assert (await client.post(f"{API}/seizures", content=deep, headers=headers)).status_code == 400
    assert await db.scalar(select(func.count()).select_from(Seizure)) == 0


async def test_a_sheet_row_with_a_character_no_field_takes_is_rejected_and_the_others_imported(db, cast, thunder):
    """A NUL deep in a CSV (past what is looked at to tell a CSV from a binary file) made PostgreSQL refuse the
    whole import; an escape character was stored. Each is now its row's problem, named by column."""
    filler = [f"KE-F{n};1;2026-10-07;Lunga Lunga;;;road;TZA;;Psittacus erithacus;LIV;4;;;;0" for n in range(900)]
    rows = [ROWS[0], ROWS[2].replace("Mombasa port", "Mombasa\x1bport"), *filler,
            "KE-5;1;2026-10-07;Lunga\x00Lunga;;;road;TZA;;Psittacus erithacus;LIV;4;;;;0"]
    report = await import_sheet(db, await member(db, cast.kenya, thunder), "KEN", semicolon_csv(rows), "k.csv")
    assert (report.rows, report.rejected) == (903, 2)
    assert "row 3: location: contains a character (U+001B) that no field accepts; remove it" in report.problems
    assert "row 904: location: contains a character (U+0000) that no field accepts; remove it" in report.problems
    refs = set((await db.scalars(select(Seizure.seizure_ref))).all())
    assert len(refs) == 901 and "KE-1" in refs and not refs & {"KE-2", "KE-5"}


FULL_WIDTH = {c: c + 0xFEE0 for c in range(0x21, 0x7F)}  # "KE-1" as an East Asian keyboard may type it: "ＫＥ－１"


def same_reference(ref: str) -> list[str]:
    """A reference as it may arrive: with a zero-width space, typed full-width, after a BOM with a soft hyphen."""
    return [ref.replace("-", "-\u200b"), ref.translate(FULL_WIDTH), "\ufeff" + ref.replace("-", "\u00ad-")]


async def test_a_reference_that_reads_the_same_is_the_same_reference(client, db, cast, thunder):
    """Sent again with a character no one sees, or in full-width letters, a reference was a second record that read
    the same: by the API it was stored twice, and a sheet sent again added its records twice."""
    kenya = await bearer(db, cast.kenya)
    assert (await client.post(f"{API}/seizures", json=seizure(seizure_ref="KE-1"), headers=kenya)).status_code == 201
    for typed in same_reference("KE-1"):
        answer = await client.post(f"{API}/seizures", json=seizure(seizure_ref=typed), headers=kenya)
        assert answer.status_code == 400 and "already used by seizure" in answer.text, (typed, answer.text)
    row = ROWS[0].replace("KE-1;", "{ref};")
    fp = await member(db, cast.kenya, thunder)
    assert (await import_sheet(db, fp, "KEN", semicolon_csv([row.format(ref="KE-2")]), "k.csv")).created == 1
    for typed in same_reference("KE-2"):
        again = await import_sheet(db, fp, "KEN", semicolon_csv([row.format(ref=typed)]), "k.csv")
        assert (again.created, again.rejected, again.unchanged) == (0, 0, 1), typed
    assert sorted((await db.scalars(select(Seizure.seizure_ref))).all()) == ["KE-1", "KE-2"]


@given(st.text())
def test_a_reference_reads_the_same_once_kept(typed):
    kept = checks.reference(typed)
    assert checks.reference(kept) == kept and kept == kept.strip()


def test_an_invisible_character_between_a_letter_and_its_accent_does_not_keep_them_apart():
    assert checks.reference("Caf" + "e\u200b\u0301") == checks.reference("Café") == "Café"


async def test_a_quote_never_closed_refuses_the_sheet_naming_its_row(db, cast, thunder):
    rows = [ROWS[0], ROWS[2].replace("Mombasa port", '"Mombasa port'), "KE-5;1;2026-10-07;Lunga Lunga;;;road;TZA;;"
            "Psittacus erithacus;LIV;4;;;;0"]
    with pytest.raises(InvalidInput) as refusal:
        await import_sheet(db, await member(db, cast.kenya, thunder), "KEN", semicolon_csv(rows), "k.csv")
    assert "row 3 opens a quote (\") that is never closed" in str(refusal.value.errors)
    assert await db.scalar(select(func.count()).select_from(Seizure)) == 0


async def test_the_same_reference_sent_twice_at_once_stores_one_and_refuses_the_other(settings, db, cast, thunder):
    """Without an Idempotency-Key, two sends of one reference race to the unique index: one is stored, the other
    answered 409 (never 500); two nil returns for one day likewise."""
    kenya = await bearer(db, cast.kenya)
    for _round in range(3):
        async with AsyncTestClient(app=create_app(settings)) as one, AsyncTestClient(app=create_app(settings)) as two:
            ref = f"KE-RACE-{_round}"
            answers = await asyncio.gather(*(c.post(f"{API}/seizures", json=seizure(seizure_ref=ref), headers=kenya)
                                             for c in (one, two)))
            assert sorted(a.status_code for a in answers) in ([201, 400], [201, 409]), [a.text for a in answers]
    assert await db.scalar(select(func.count()).select_from(Seizure)) == 3


@pytest.mark.parametrize("embargo", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "5000-01-01T00:00Z"])
async def test_an_embargo_past_any_calendar_is_refused(client, db, cast, thunder, embargo):
    answer = await client.patch(API, json={"version": thunder.version, "release_embargo": embargo},
                                headers=await bearer(db, cast.coordinator))
    await refused(answer, "release_embargo")


@pytest.mark.parametrize("word,shared", [("yes", True), ("on", True), (True, True), (1, True), ("no", False),
                                         (False, False), ("off", False)])
async def test_a_flag_is_read_in_any_of_its_words(client, db, cast, thunder, word, shared):
    answer = await client.post(f"{API}/seizures", json=seizure(shared_with_participants=word),
                               headers=await bearer(db, cast.kenya))
    assert answer.status_code == 201 and answer.json()["shared_with_participants"] is shared


async def test_a_flag_in_no_word_of_yes_or_no_is_refused(client, db, cast, thunder):
    kenya = await bearer(db, cast.kenya)
    await refused(await client.post(f"{API}/seizures", json=seizure(shared_with_participants="maybe"),
                                    headers=kenya), "shared_with_participants")
    await refused(await client.post(f"{API}/seizures", json=seizure(publicity_approved=["yes"],
                                                                    public_description="ivory"), headers=kenya),
                  "publicity_approved")


async def test_a_record_stored_with_such_a_character_before_it_was_refused_still_exports(client, db, cast, thunder):
    """A record may hold such a character from a sheet imported before rows were checked for them: its Word file, a
    workbook of it and its country's annual report leave the character out rather than fail."""
    created = (await client.post(f"{API}/seizures", json=seizure(), headers=await bearer(db, cast.kenya))).json()
    stored = await db.get(Seizure, created["id"])
    stored.notes, stored.location = "back\x08space", "end\uffff"
    await db.commit()
    await login(client, cast.coordinator)
    for url in (f"/operations/THUNDER-2026/seizures/{created['id']}/ecomessage.docx",
                "/operations/THUNDER-2026/export.xlsx", "/operations/THUNDER-2026/export.csv",
                "/reports/annual-illegal-trade.xlsx?country=KEN&year=2026"):
        assert (await client.get(url)).status_code == 200, url
    exported = (await client.get("/operations/THUNDER-2026/export.csv")).content.decode("utf-8-sig")
    assert "backspace" in exported and "\x08" not in exported and "\uffff" not in exported


async def test_a_form_of_thousands_of_rows_is_refused_before_they_are_checked_or_drawn(client, db, cast, thunder):
    await login(client, cast.kenya)
    rows = {f"items-{n}-{field}": value for n in range(3000)
            for field, value in (("taxon", "Loxodonta africana"), ("term", "TUS"), ("quantity", "1"))}
    for action in ("submit", "add_item"):
        answer = await form_post(client, "/operations/THUNDER-2026/seizures/new",
                                 {"seizure_ref": "KE-MANY", "seizure_date": "2026-10-04", "action": action, **rows})
        assert answer.status_code == 400 and "a seizure has at most 500 items" in answer.text
        assert len(answer.content) < 100_000  # the rows are not drawn again
    assert await db.scalar(select(func.count()).select_from(Seizure)) == 0


@pytest.mark.parametrize("query,field", [("regions=zzz", "regions"), ("networks=BOGUS", "networks"),
                                         ("taxon_groups=dragons", "taxon_groups"), ("regions=002,999", "regions")])
async def test_a_filter_value_nobody_knows_is_refused_not_matched_to_nothing(client, db, cast, thunder, query, field):
    coordinator = await bearer(db, cast.coordinator)
    await refused(await client.get(f"{API}/summary?{query}", headers=coordinator), field)


async def test_known_regions_and_networks_are_read_in_any_case(client, db, cast, thunder):
    coordinator = await bearer(db, cast.coordinator)
    for query in ("regions=002", "networks=asean-wen", "networks=ASEAN-WEN", "taxon_groups=mammals"):
        assert (await client.get(f"{API}/summary?{query}", headers=coordinator)).status_code == 200, query


async def test_a_status_message_is_text_of_a_bounded_length(client, db, cast, thunder):
    created = (await client.post(f"{API}/seizures", json=seizure(), headers=await bearer(db, cast.kenya))).json()
    url, coordinator = f"{API}/seizures/{created['id']}/status", await bearer(db, cast.coordinator)
    await refused(await client.post(url, json={"action": "query", "message": {"why": ["x"]}}, headers=coordinator),
                  "message")
    await refused(await client.post(url, json={"action": "query", "message": "?" * 2001}, headers=coordinator),
                  "message")
    asked = await client.post(url, json={"action": "query", "message": "Which port?"}, headers=coordinator)
    assert asked.status_code == 200, asked.text


@pytest.mark.parametrize("said,priority", [("no", False), ("false", False), (False, False), ("yes", True),
                                           (True, True), (None, False)])
async def test_a_target_taxons_priority_is_read_in_any_word_of_yes_or_no(db, cast, said, priority):
    target = {"taxon": "Loxodonta africana", **({} if said is None else {"priority": said})}
    spec = await parse_spec(db, {"code": "PRIO-2026", "name": "Priority", "start": "2026-10-01", "end": "2026-10-31",
                                 "countries": ["KEN"], "target_taxa": [target]})
    assert spec.targets[0].priority is priority


async def test_a_target_taxons_priority_in_no_word_of_yes_or_no_is_refused(db, cast):
    with pytest.raises(InvalidInput) as refusal:
        await parse_spec(db, {"code": "PRIO-2026", "name": "Priority", "start": "2026-10-01", "end": "2026-10-31",
                              "countries": ["KEN"], "target_taxa": [{"taxon": "Loxodonta africana",
                                                                     "priority": "maybe"}]})
    assert [e.field for e in refusal.value.errors] == ["target_taxa[0].priority"]


async def test_a_time_of_day_in_other_digits_is_kept_in_ascii_digits(client, db, cast, thunder):
    answer = await client.post(f"{API}/seizures", json=seizure(seizure_time="٢٣:٠٥"),
                               headers=await bearer(db, cast.kenya))
    assert answer.status_code == 201 and answer.json()["seizure_time"] == "23:05"
