"""Result pages: the seizure form keeps what was typed, items come and go, conflicts show both versions,
the validation loop, nil returns and completeness, and sheet upload with preview, progress and report."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from sqlalchemy import func, select

from opsplatform.models.seizures import NilReturn, Seizure, SeizureItem, SheetImport
from tests.conftest import csrf_of, form_post, login, work_off
from tests.results_support import active_operation, record_member, statements_run
from tests.test_imports import ROWS, semicolon_csv

BASE = "/operations/THUNDER-2026"
FORM = {"seizure_ref": "KE-77", "seizure_date": "2026-10-04", "location": "Kilindini port",
        "transport_mode": "sea_cargo", "origin_country": "TZA", "items-0-taxon": "Manis javanica",
        "items-0-term": "SCA", "items-0-quantity": "-3", "items-0-unit": "KIL", "action": "submit"}


@pytest.fixture
async def thunder(db):
    return await active_operation(db)


async def test_a_rejected_form_shows_the_error_by_its_field_and_keeps_everything_typed(client, db, cast, thunder):
    await login(client, cast.kenya)
    response = await form_post(client, f"{BASE}/seizures/new", FORM)
    assert response.status_code == 400
    assert 'must be a number greater than 0 (got &#34;-3&#34;)' in response.text
    assert 'id="e-items-0-quantity"' in response.text
    # The summary at the top names the field as its label reads and links to it.
    assert '<li><a href="#f-items-0-quantity">Item 1: Quantity</a>: must be a number greater than 0' in response.text
    assert response.text.index('id="error-summary"') < response.text.index('id="f-seizure_ref"')
    for value in ("KE-77", "2026-10-04", "Kilindini port", "Manis javanica", 'value="-3"'):
        assert value in response.text
    assert '<option value="sea_cargo" selected>' in response.text
    assert await db.scalar(select(func.count()).select_from(Seizure)) == 0
    fixed = await form_post(client, f"{BASE}/seizures/new", {**FORM, "items-0-quantity": "3"})
    assert fixed.status_code in (302, 303)
    assert await db.scalar(select(SeizureItem.quantity)) == 3


async def test_a_page_under_an_operation_reads_who_asks_and_their_place_there_in_one_query(client, cast, thunder):
    """The login session, its user, the operation the path names and the user's place in it: one read, as for the
    API (tests/test_access_matrix.py tries it as every role)."""
    await login(client, cast.kenya)
    with statements_run() as seen:
        assert (await client.get(f"{BASE}/seizures/new", headers={"HX-Request": "true"})).status_code == 200
    [who] = [s for s in seen if "FROM users" in s]
    assert "JOIN user_sessions" in who and "JOIN operations" in who and "participants" in who, who
    assert [s for s in seen if "operations.code =" in s] == [who]  # the operation is not looked up again
    missing = await client.get("/operations/NO-SUCH/seizures/new")
    assert missing.status_code == 404 and "no operation that you can see with this code" in missing.text


async def test_items_are_added_and_removed_without_losing_input(client, db, cast, thunder):
    await login(client, cast.kenya)
    added = await form_post(client, f"{BASE}/seizures/new", {**FORM, "action": "add_item"})
    assert added.status_code == 200 and 'name="items-1-taxon"' in added.text and "Kilindini port" in added.text
    two = {**FORM, "items-0-quantity": "3", "items-1-taxon": "Loxodonta africana", "items-1-term": "TUS",
           "items-1-quantity": "4"}
    removed = await form_post(client, f"{BASE}/seizures/new", {**two, "action": "remove_item:0"})
    assert 'value="Loxodonta africana"' in removed.text and 'name="items-1-taxon"' not in removed.text
    saved = await form_post(client, f"{BASE}/seizures/new", {**two, "action": "draft"})
    assert saved.status_code in (302, 303)
    seizure = await db.scalar(select(Seizure))
    assert seizure.status == "draft"
    assert await db.scalar(select(func.count()).select_from(SeizureItem)) == 2


async def test_an_edit_that_crossed_another_shows_both_versions(client, db, cast, thunder):
    await login(client, cast.kenya)
    await form_post(client, f"{BASE}/seizures/new", {**FORM, "items-0-quantity": "3"})
    seizure = await db.scalar(select(Seizure))
    edit = {**FORM, "items-0-quantity": "3", "version": "1", "action": "save"}
    first = await form_post(client, f"{BASE}/seizures/{seizure.id}/edit", {**edit, "location": "Terminal A"})
    assert first.status_code in (302, 303), first.text
    second = await form_post(client, f"{BASE}/seizures/{seizure.id}/edit", {**edit, "location": "Terminal B"})
    assert second.status_code == 409
    assert "Terminal A" in second.text and 'value="Terminal B"' in second.text
    await db.refresh(seizure)
    assert seizure.location == "Terminal A"


async def test_a_refused_correction_shows_the_form_again_with_what_was_typed(client, db, cast, thunder):
    """Regression: the page was drawn from the rolled-back record and failed with a server error."""
    await login(client, cast.kenya)
    await form_post(client, f"{BASE}/seizures/new", {**FORM, "items-0-quantity": "3"})
    seizure = await db.scalar(select(Seizure))
    edit = {**FORM, "items-0-quantity": "-1", "location": "Terminal C", "version": "1", "action": "save"}
    response = await form_post(client, f"{BASE}/seizures/{seizure.id}/edit", edit)
    assert response.status_code == 400
    assert "must be a number greater than 0" in response.text and 'value="Terminal C"' in response.text
    await db.refresh(seizure)
    assert (seizure.version, seizure.location) == (1, FORM["location"])


async def test_record_pages_by_role_and_country(client, db, cast, thunder):
    await login(client, cast.kenya)
    await form_post(client, f"{BASE}/seizures/new", {**FORM, "items-0-quantity": "3"})
    seizure = await db.scalar(select(Seizure))
    page = f"{BASE}/seizures/{seizure.id}"
    assert (await client.get(page)).status_code == 200
    for role, expected in (("tanzania", 404), ("coordinator", 200), ("analyst", 200), ("press", 403), ("admin", 404)):
        client.cookies.clear()
        await login(client, getattr(cast, role))
        assert (await client.get(page)).status_code == expected, role
        assert (await client.get(f"{BASE}/seizures/new")).status_code == (200 if role in ("tanzania", "coordinator")
                                                                         else 404 if role == "admin" else 403), role


async def test_a_coordinator_queries_and_the_focal_point_answers_on_the_page(client, db, cast, thunder):
    await login(client, cast.kenya)
    await form_post(client, f"{BASE}/seizures/new", {**FORM, "items-0-quantity": "3"})
    seizure = await db.scalar(select(Seizure))
    status = f"{BASE}/seizures/{seizure.id}/status"
    client.cookies.clear()
    await login(client, cast.coordinator)
    empty = await form_post(client, status, {"action": "query", "message": ""})
    assert empty.status_code == 400 and "say what should be checked" in empty.text
    await form_post(client, status, {"action": "query", "message": "Which port?"})
    client.cookies.clear()
    await login(client, cast.kenya)
    page = (await client.get(f"{BASE}/seizures/{seizure.id}")).text
    top = page.index('class="open-query"')  # the question and its answer box come first, before the record's facts
    assert top < page.index('class="facts"') and page.index("Which port?") > top and "Send the answer" in page
    await form_post(client, status, {"action": "answer", "message": "Kilindini"})
    await db.refresh(seizure)
    assert seizure.status == "submitted"


async def test_a_nil_return_in_one_click_shows_in_the_grid(client, db, cast, thunder):
    from datetime import date

    thunder.start_date, thunder.end_date = date(2026, 10, 1), date(2026, 12, 31)
    await db.commit()
    await login(client, cast.tanzania)
    response = await form_post(client, f"{BASE}/nil-returns", {"date": "2026-10-02"})
    assert response.status_code in (302, 303)
    assert await db.scalar(select(NilReturn.country_code)) == "TZA"
    grid = (await client.get(f"{BASE}/completeness")).text
    assert "Tanzania" in grid and "Kenya" not in grid  # a focal point sees its own row
    client.cookies.clear()
    await login(client, cast.coordinator)
    grid = (await client.get(f"{BASE}/completeness")).text
    assert "Kenya" in grid and "Tanzania" in grid and "Uganda" in grid and "cell-nil" in grid


async def test_the_operation_page_puts_reporting_first_with_nothing_to_report_today(client, db, cast, thunder):
    from datetime import timedelta

    from opsplatform.database import utcnow

    today = utcnow().date()
    thunder.start_date, thunder.end_date = today - timedelta(days=5), today + timedelta(days=20)
    await db.commit()
    await login(client, cast.tanzania)
    page = (await client.get(BASE)).text
    first = page.index('class="actions primary-actions"')
    assert first < page.index(">Log a seizure<") < page.index(">Nothing to report today<") < page.index(">Dashboard<")
    token = re.search(r'name="date" value="([\d-]+)"', page[first:])[1]
    assert token == today.isoformat()
    await form_post(client, f"{BASE}/nil-returns", {"date": token})
    assert await db.scalar(select(NilReturn.day).where(NilReturn.country_code == "TZA")) == today
    client.cookies.clear()
    await login(client, cast.analyst)  # reads results, logs nothing: no reporting buttons
    page = await client.get(BASE)
    assert page.status_code == 200 and "Dashboard" in page.text and "primary-actions" not in page.text


async def test_nil_returns_for_a_range_skip_the_days_with_seizures_and_say_so(client, db, cast, thunder):
    from datetime import date

    thunder.start_date, thunder.end_date = date(2026, 10, 1), date(2026, 10, 31)
    await db.commit()
    await login(client, cast.kenya)
    await form_post(client, f"{BASE}/seizures/new", {**FORM, "items-0-quantity": "3", "seizure_date": "2026-10-03"})
    response = await form_post(client, f"{BASE}/nil-returns", {"date": "2026-10-01", "to": "2026-10-05"})
    assert response.status_code in (302, 303)
    days = (await db.scalars(select(NilReturn.day).where(NilReturn.country_code == "KEN")
                             .order_by(NilReturn.day))).all()
    assert [d.day for d in days] == [1, 2, 4, 5]
    grid = (await client.get(f"{BASE}/completeness")).text
    assert "recorded for 4 days, 2026-10-01 to 2026-10-05" in grid and "seizures logged: 2026-10-03" in grid
    # a day with seizures opens its records
    assert f'href="{BASE}/seizures?countries=KEN&amp;start=2026-10-03&amp;end=2026-10-03"' in grid
    refused = await form_post(client, f"{BASE}/nil-returns", {"date": "2026-10-06", "to": "2027-01-01"})
    assert refused.status_code in (302, 303)
    page = (await client.get(f"{BASE}/completeness")).text
    assert "Last day: must be a day of the window up to today" in page
    assert await db.scalar(select(func.count()).select_from(NilReturn)) == 4  # nothing of the refused range kept


async def test_the_dashboards_returns_rate_is_the_grids_for_each_reader(client, db, cast, thunder):
    """The dashboard counts the reported days without drawing the grid: the same share, the whole grid's for the
    coordinator, the focal point's own row for the focal point."""
    from datetime import date

    from opsplatform.policy import completeness_countries
    from opsplatform.seizures.returns import completeness, reporting_rate
    from tests.results_support import member

    thunder.start_date, thunder.end_date = date(2026, 10, 1), date(2026, 10, 31)
    await db.commit()
    await login(client, cast.kenya)
    for day in ("2026-10-03", "2026-10-09"):
        await form_post(client, f"{BASE}/seizures/new", {**FORM, "items-0-quantity": "3", "seizure_date": day,
                                                           "seizure_ref": f"KE-{day}"})
    await form_post(client, f"{BASE}/nil-returns", {"date": "2026-10-01", "to": "2026-10-05"})  # the 3rd skipped
    client.cookies.clear()
    await login(client, cast.tanzania)
    await form_post(client, f"{BASE}/nil-returns", {"date": "2026-10-02"})
    today = date(2026, 12, 7)
    for user, shown in ((cast.coordinator, "8%"), (cast.kenya, "19%")):  # (6 + 1) of 3 × 31 days; 6 of 31
        reader = await member(db, user, thunder)
        grid = await completeness(db, thunder, today, completeness_countries(reader))
        assert await reporting_rate(db, thunder, today, completeness_countries(reader)) == grid.rate
        client.cookies.clear()
        await login(client, user)
        page = (await client.get(f"{BASE}/dashboard")).text
        assert f"<strong>{shown}</strong><span><a href=\"{BASE}/completeness\">daily returns in" in page
    assert await reporting_rate(db, thunder, date(2026, 9, 30)) == 0.0  # before the window: no day to report
    # A withdrawn record no longer reports its day, in the grid or in the rate.
    from opsplatform.seizures.services import change_status

    withdrawn = await db.scalar(select(Seizure).where(Seizure.seizure_ref == "KE-2026-10-09"))
    await change_status(db, await record_member(db, cast.kenya, withdrawn), withdrawn, "withdraw", "logged twice")
    await db.commit()
    grid = await completeness(db, thunder, today)
    assert await reporting_rate(db, thunder, today) == grid.rate == 6 / 93


async def test_the_record_list_pages_through_every_record_once_newest_first(client, db, settings, cast, thunder):
    """Two pages of 50 and the status filter: each record the reader sees once, by day newest first, then by number."""
    from opsplatform.reporting.exports import visible_records
    from opsplatform.reporting.filters import ResultFilter
    from tests.results_support import member
    from tests.test_summary import generate, load

    await load(db, settings, cast, thunder, generate(seed=5, count=70))
    visible = (await db.scalars(visible_records(await member(db, cast.coordinator, thunder), ResultFilter())
                                .order_by(Seizure.seizure_date.desc(), Seizure.id.desc()))).all()
    assert len(visible) > 50
    await login(client, cast.coordinator)

    async def refs(query: str) -> list[str]:
        page = (await client.get(f"{BASE}/seizures?{query}")).text
        return re.findall(r'/seizures/\d+">([^<]+)</a></td>', page)

    assert await refs("page=1") + await refs("page=2") == [s.seizure_ref for s in visible]
    assert await refs("status=validated") == [s.seizure_ref for s in visible if s.status == "validated"]
    assert await refs("page=3") == []


async def upload(client, content: bytes, name: str):
    return await client.post(f"{BASE}/imports", files={"file": (name, content, "text/csv")},
                             data={"_csrf_token": await csrf_of(client)})


async def test_upload_preview_then_import_with_progress_and_report(client, db, cast, thunder, settings):
    await login(client, cast.kenya)
    preview = await upload(client, semicolon_csv(ROWS), "kenya.csv")
    assert preview.status_code in (302, 303), preview.text
    page = await client.get(preview.headers["location"])
    assert "Checking every row" in page.text and 'hx-trigger="every 2s"' in page.text  # the request only queued it
    [check] = await work_off(settings)
    assert check.outcome == "ok" and check.memory_mb > 0
    page = await client.get(preview.headers["location"])
    assert "Checked, nothing saved yet" in page.text and "hx-trigger" not in page.text
    assert 'row 5: quantity: must be a number greater than 0 (got &#34;-3&#34;)' in page.text
    assert await db.scalar(select(func.count()).select_from(Seizure)) == 0
    upload_id = await db.scalar(select(SheetImport.id))
    await form_post(client, f"{BASE}/imports/{upload_id}/run")
    await form_post(client, f"{BASE}/imports/{upload_id}/run")  # a second click queues nothing more
    status = await client.get(f"{BASE}/imports/{upload_id}", headers={"HX-Request": "true"})
    assert "Waiting for its turn" in status.text
    [run] = await work_off(settings)
    status = await client.get(f"{BASE}/imports/{upload_id}", headers={"HX-Request": "true"})
    assert "Imported:" in status.text and "2 new" in status.text and run.done == 2
    assert await db.scalar(select(func.count()).select_from(Seizure)) == 2
    assert (await client.get(f"{BASE}/imports/{upload_id}/file")).content == semicolon_csv(ROWS)
    report = (await client.get(f"{BASE}/imports/{upload_id}/report.txt")).text
    assert 'row 5: quantity: must be a number greater than 0 (got "-3")' in report
    client.cookies.clear()
    await login(client, cast.tanzania)
    assert (await client.get(f"{BASE}/imports/{upload_id}")).status_code == 404


async def test_the_template_has_the_contract_columns_and_the_target_taxa(client, db, cast, thunder):
    from opsplatform.operations.services import add_target
    from opsplatform.seizures.sheets import COLUMNS

    await add_target(db, thunder, "Manis javanica", True, None)
    await db.commit()
    await login(client, cast.kenya)
    response = await client.get(f"{BASE}/template.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert tuple(c.value for c in book["Seizures"][1]) == COLUMNS
    assert "Manis javanica" in [c.value for c in book["Target taxa"]["A"]]


async def test_a_focal_point_sees_its_open_queries_on_the_operation_page(client, db, cast, thunder):
    from opsplatform.seizures.services import change_status

    await login(client, cast.kenya)
    await form_post(client, f"{BASE}/seizures/new", {**FORM, "items-0-quantity": "3"})
    seizure = await db.scalar(select(Seizure))
    await change_status(db, await record_member(db, cast.coordinator, seizure), seizure, "query", "Which port?")
    await db.commit()
    page = (await client.get(BASE)).text
    assert "1 record has an open query" in page and "KE-77" in page


async def test_a_coordinator_logs_and_corrects_a_countrys_record_through_the_form(client, db, cast, thunder):
    """The form leaves out what is the country's word (sharing, the release highlight) for a coordinator, who logs
    and corrects the record with everything else; the country's focal point is offered both."""
    await login(client, cast.coordinator)
    page = (await client.get(f"{BASE}/seizures/new")).text
    assert 'name="public_description"' not in page and 'name="shared_with_participants"' not in page
    assert "is the country's word" in page
    fixed = {**FORM, "items-0-quantity": "3", "reporting_country": "KEN"}
    logged = await form_post(client, f"{BASE}/seizures/new", fixed)
    assert logged.status_code in (302, 303), logged.text
    seizure = await db.scalar(select(Seizure).where(Seizure.seizure_ref == "KE-77"))
    corrected = await form_post(client, f"{BASE}/seizures/{seizure.id}/edit", {
        **fixed, "location": "Mombasa port", "version": "1", "correction_reason": "the port, per customs",
        "action": "save"})
    assert corrected.status_code in (302, 303), corrected.text
    await db.refresh(seizure)
    assert (seizure.location, seizure.shared_with_participants) == ("Mombasa port", False)
    client.cookies.clear()
    await login(client, cast.kenya)
    page = (await client.get(f"{BASE}/seizures/{seizure.id}/edit")).text
    assert 'name="public_description"' in page and 'name="shared_with_participants"' in page
