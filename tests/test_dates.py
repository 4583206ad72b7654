"""One reader of dates: every date a person types (form, sheet, API, operation file, filters, audit search) is read by
opsplatform/dates.py and refused in one wording."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from opsplatform import dates
from opsplatform.checks import read_in
from opsplatform.errors import InvalidInput
from opsplatform.reporting.filters import ResultFilter
from tests.conftest import login
from tests.results_support import IVORY, active_operation, bearer

PACKAGE = Path(__file__).resolve().parent.parent / "opsplatform"
# Values the app wrote itself (stored figures, template values), read back where they are shown.
STORED = {"format.py"}


@pytest.mark.parametrize(("typed", "read"), [
    ("2026-10-03", date(2026, 10, 3)), (" 2026-10-03 ", date(2026, 10, 3)), ("2026-10-03 00:00", date(2026, 10, 3)),
    ("2026-10-03T00:00:00", date(2026, 10, 3)), ("20261003", None), ("2026-02-30", None), ("1 October", None),
    ("2026-10-03 09:30", None), ("", None), (None, None), (20261003, None), (["2026-10-03"], None)])
def test_a_day_is_written_yyyy_mm_dd(typed, read):
    assert dates.day(typed) == read


def test_an_instant_is_iso_8601_in_utc():
    assert dates.moment("2027-03-03T09:00:00Z") == datetime(2027, 3, 3, 9, tzinfo=UTC)
    assert dates.moment("2027-03-03T09:00") == datetime(2027, 3, 3, 9, tzinfo=UTC)
    assert dates.moment("2027-03-03T12:00+03:00") == datetime(2027, 3, 3, 9, tzinfo=UTC)
    assert dates.moment("2027-03-03T12:00+03:00").tzinfo == UTC != timezone(timedelta(hours=3))
    assert [dates.moment(v) for v in ("tomorrow", "", None, 5, "12:00")] == [None] * 5


def test_no_date_typed_by_a_person_is_read_anywhere_else():
    found = [f"{path.relative_to(PACKAGE)}:{n}" for path in sorted(PACKAGE.rglob("*.py"))
             if path.relative_to(PACKAGE).as_posix() not in {"dates.py", *STORED}
             for n, line in enumerate(path.read_text().splitlines(), 1) if re.search(r"fromisoformat|strptime", line)]
    assert not found, found


async def test_every_way_in_refuses_a_bad_day_in_the_same_words(client, db, cast):
    operation = await active_operation(db)
    said = dates.day_problem("1 October")
    with pytest.raises(InvalidInput) as filtered:
        ResultFilter.from_params({"start": "1 October"})
    assert filtered.value.by_field() == {"start": said}
    kenya = await bearer(db, cast.kenya)
    api = f"/api/v1/operations/{operation.code}"
    nil = await client.post(f"{api}/nil-returns", json={"date": "1 October"}, headers=kenya)
    seizure = await client.post(f"{api}/seizures", json={**IVORY, "seizure_date": "1 October"}, headers=kenya)
    coordinator = await bearer(db, cast.coordinator)
    file = await client.post("/api/v1/operations", headers=coordinator,
                             json={"code": "DATES-1", "name": "Dates", "start": "1 October", "end": "2026-10-31"})
    for answer, field in ((nil, "date"), (seizure, "seizure_date"), (file, "start")):
        assert answer.status_code == 400 and {"field": field, "message": said} in answer.json()["errors"], answer.text
    await login(client, cast.admin)
    audit = await client.get("/admin/audit", params={"since": "1 October"})
    assert said.replace('"', "&#34;") in audit.text


async def test_a_page_says_which_field_is_wrong_in_words(client, db, cast):
    await active_operation(db)
    await login(client, cast.coordinator)
    page = await client.get("/operations/THUNDER-2026/seizures", params={"start": "1 October"})
    assert page.status_code == 400
    assert '<a href="#f-start">Start</a>: must be a date as YYYY-MM-DD (got &#34;1 October&#34;)' in page.text
    assert 'id="f-start"' in page.text and 'value="1 October"' in page.text  # the field, with what was typed
    assert "start: must" not in page.text


@pytest.mark.parametrize(("locale", "typed", "read"), [
    ("en_US", "10/2/2026", date(2026, 10, 2)), ("en_GB", "02/10/2026", date(2026, 10, 2)),
    ("fr_FR", "02/10/2026", date(2026, 10, 2)), ("de_DE", "02.10.2026", date(2026, 10, 2)),
    ("es_ES", "2-10-2026", date(2026, 10, 2)), ("en_US", "2026/10/02", date(2026, 10, 2)),
    ("zh_Hans_CN", "2026/10/2", date(2026, 10, 2)), ("zh_Hans_CN", "13/10/2026", date(2026, 10, 13)),
    ("fr_FR", "02/10/2026 00:00", date(2026, 10, 2)), ("fr_FR", "2026-10-02", date(2026, 10, 2)),
    ("en_US", "13/10/2026", None), ("fr_FR", "31/02/2026", None), ("fr_FR", "02/10", None),
])
def test_a_day_reads_as_the_sheets_language_writes_it(locale, typed, read):
    with read_in(locale):
        assert dates.day(typed) == read


@pytest.mark.parametrize(("locale", "typed"), [("fr_FR", "02/10/26"), ("en_US", "10/2/26"),
                                                ("zh_Hans_CN", "02/10/2026")])
def test_a_day_with_two_readings_is_refused_with_its_reason(locale, typed):
    with read_in(locale):
        assert dates.day(typed) is None
        assert dates.day_problem(typed).startswith(f'is ambiguous: "{typed}" could be read as two different days')
        assert typed not in dates.day_problem(typed, quoted=False)


def test_a_long_paste_is_quoted_back_short() -> None:
    said = dates.day_problem("9" * 5000)
    assert said.startswith('must be a date as YYYY-MM-DD (got "') and len(said) < 80
