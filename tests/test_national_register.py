"""A country's national register: the seizures its focal points log outside any operation, one register a calendar
year, opened on demand; the annual illegal trade report covers it as it covers operations, so a Party's report holds
its whole year. It takes no part in reminders, nil returns, teams or releases (who may see it: test_closed_groups)."""

from __future__ import annotations

import copy
import io
from datetime import UTC, date, datetime

import openpyxl
import pytest
from sqlalchemy import func, select

from opsplatform.database import utcnow
from opsplatform.models.operations import FocalPoint, Operation, OperationMember, Participant
from opsplatform.models.seizures import Reminder
from opsplatform.operations.registers import national_register, register_code, register_years
from opsplatform.seizures.reminders import send_reminders
from tests.conftest import form_post, login
from tests.results_support import IVORY, active_operation, bearer
from tests.test_cli import opsplatform

AITR = "/api/v1/reports/annual-illegal-trade"
JUNE = date(2026, 6, 1)  # the day the register of 2026 is opened in these tests


def record(ref: str, day: str) -> dict:
    return {**copy.deepcopy(IVORY), "seizure_ref": ref, "seizure_date": day, "suspects": []}


@pytest.fixture
async def register_2026(db, cast):
    register = await national_register(db, "KEN", 2026, JUNE, cast.kenya.id)
    await db.commit()
    return register


def test_a_register_is_opened_for_this_year_and_for_last_year_until_its_report_is_due():
    assert register_years(date(2027, 10, 31)) == [2027, 2026]
    assert register_years(date(2027, 11, 1)) == [2027]
    assert register_code("KEN", 2026) == "REG-KEN-2026"


async def test_the_home_page_opens_the_register_once_at_its_seizure_form(client, db, cast):
    await login(client, cast.kenya)
    year = utcnow().year
    home = (await client.get("/")).text
    assert "Log a seizure outside an operation" in home
    for _attempt in range(2):
        opened = await form_post(client, "/register", {"year": str(year)})
        assert opened.status_code in (302, 303)
        assert opened.headers["location"] == f"/operations/REG-KEN-{year}/seizures/new"
    register = await db.scalar(select(Operation).where(Operation.register_country == "KEN"))
    assert (register.code, register.start_date, register.end_date) == (
        f"REG-KEN-{year}", date(year, 1, 1), date(year, 12, 31))
    assert register.grace_end == date(year + 1, 10, 31)  # corrections open until the report is due
    assert (await db.execute(select(Participant.country_code, Participant.publicity)
                             .where(Participant.operation_id == register.id))).all() == [("KEN", "none")]
    assert await db.scalar(select(func.count()).select_from(OperationMember)
                           .where(OperationMember.operation_id == register.id)) == 0  # no team
    assert await db.scalar(select(FocalPoint.user_id).where(FocalPoint.operation_id == register.id)) == cast.kenya.id
    assert f"REG-KEN-{year}" in (await client.get("/")).text  # listed apart from the operations
    page = await client.get(f"/operations/REG-KEN-{year}")
    assert page.status_code == 200 and "Your country's national register" in page.text
    for absent in ("Nothing to report today", "Daily returns", "Participating countries", 'name="share_by_default"'):
        assert absent not in page.text, absent
    refused = await form_post(client, "/register", {"year": str(year - 5)})
    assert refused.status_code in (302, 303)
    assert "a national register is opened for" in (await client.get("/")).text
    assert await db.scalar(select(func.count()).select_from(Operation)) == 1


async def test_a_seizure_is_logged_in_the_register_as_in_an_operation_inside_its_year(client, db, cast,
                                                                                     register_2026):
    url = f"/api/v1/operations/{register_2026.code}/seizures"
    kenya = await bearer(db, cast.kenya)
    logged = await client.post(url, json=record("KE-OUT-1", "2026-02-14"), headers=kenya)
    assert logged.status_code == 201, logged.text
    outside = await client.post(url, json=record("KE-OUT-2", "2025-12-31"), headers=kenya)
    assert outside.status_code == 400
    assert outside.json()["errors"][0]["message"].startswith("must be inside the operation window, 2026-01-01 to")
    nil = await client.post(f"/api/v1/operations/{register_2026.code}/nil-returns", json={"date": "2026-02-15"},
                            headers=kenya)
    assert nil.status_code == 400 and "takes no nil returns" in nil.json()["errors"][0]["message"]


async def test_the_annual_report_covers_the_register_beside_the_operations(client, db, cast, register_2026,
                                                                           database_url, tmp_path):
    await active_operation(db)  # Thunder 2026, where Kenya logs too
    kenya = await bearer(db, cast.kenya)
    for code, ref, day in (("THUNDER-2026", "KE-T-1", "2026-10-03"), (register_2026.code, "KE-OUT-1", "2026-02-14")):
        response = await client.post(f"/api/v1/operations/{code}/seizures", json=record(ref, day), headers=kenya)
        assert response.status_code == 201, response.text

    def references(content: bytes) -> set[str]:
        sheet = openpyxl.load_workbook(io.BytesIO(content))["Seizures"]
        [header, *rows] = list(sheet.iter_rows(values_only=True))
        return {row[header.index("Additional information")].split(";")[0] for row in rows}

    own = await client.get(AITR, params={"country": "KEN", "year": "2026"}, headers=kenya)
    assert references(own.content) == {"THUNDER-2026 KE-T-1", "REG-KEN-2026 KE-OUT-1"}
    output = tmp_path / "ken.xlsx"
    code, _out, err = await opsplatform("report", "annual-illegal-trade", "--database-url", database_url,
                                        "--country", "KEN", "--year", "2026", "--output", str(output))
    assert code == 0, err
    assert references(output.read_bytes()) == {"THUNDER-2026 KE-T-1", "REG-KEN-2026 KE-OUT-1"}
    # A coordinator reports on the records of its operations: a country's register is not one of them.
    coordinator = await client.get(AITR, params={"country": "KEN", "year": "2026"},
                                   headers=await bearer(db, cast.coordinator))
    assert references(coordinator.content) == {"THUNDER-2026 KE-T-1"}


async def test_no_reminder_and_no_team_for_a_register(db, settings, cast, register_2026, database_url):
    assert await send_reminders(db, settings, datetime(2026, 6, 3, 9, 0, tzinfo=UTC)) == 0
    assert await db.scalar(select(func.count()).select_from(Reminder)) == 0
    code, _out, err = await opsplatform("operations", "team", "add", "--database-url", database_url,
                                        "--operation", register_2026.code, "--email", cast.coordinator.email)
    assert code == 1 and "a national register has no team" in err


async def test_the_command_line_opens_a_register_and_names_it(db, cast, database_url):
    year = utcnow().year
    code, out, err = await opsplatform("operations", "register", "--database-url", database_url, "--country", "tza")
    assert code == 0, err
    assert out.strip() == f"REG-TZA-{year}"
    code, _out, err = await opsplatform("operations", "register", "--database-url", database_url, "--country", "TZA",
                                        "--year", str(year + 1))
    assert code == 1 and "year: a national register is opened for" in err


@pytest.mark.parametrize("year", ["0", "-1", "1899", "3000", "99999"])
async def test_the_command_line_refuses_a_year_off_the_calendar_naming_the_option_and_its_range(db, cast,
                                                                                               database_url, year):
    """--year 0 opened this year's register, as if no year were given."""
    code, out, err = await opsplatform("operations", "register", "--database-url", database_url, "--country", "KEN",
                                       "--year", year)
    assert code == 2 and not out, out
    assert f"Invalid value for '--year': {year} is not in the range 1900<=x<=2999" in err
    assert await db.scalar(select(func.count()).select_from(Operation)) == 0
