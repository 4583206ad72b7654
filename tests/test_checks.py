"""One reader of numbers and codes: a quantity typed with grouping or a decimal comma reads as its writer meant it,
in the form, the sheet and the API alike, and every way in refuses a bad one in the same words."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from opsplatform import checks
from opsplatform.i18n import language
from opsplatform.models.cases import OperationMessage
from opsplatform.models.seizures import SeizureItem
from opsplatform.rendering.templates import environment
from opsplatform.seizures.imports import import_sheet
from tests.results_support import IVORY, active_operation, bearer, member
from tests.test_imports import semicolon_csv

EVERYWHERE = [("12", 12), ("779.6", 779.6), (" 1 234,5 ", 1234.5), ("1,234.5", 1234.5), ("1.234,5", 1234.5),
              ("1,234,567", 1234567), ("1.234.567", 1234567), ("1\u202f234,5", 1234.5), ("1'234.5", 1234.5),
              ("0,5", 0.5), ("12,75", 12.75), ("-3", -3), ("1e3", 1000), (7, 7), (2.5, 2.5),
              ("1,2,3", None), ("1,23,456", None), ("1.234,5.6", None), ("12kg", None), ("", None), ("nan", None),
              ("inf", None), ("1e400", None), (float("inf"), None), (10**400, None), (True, None), ([1], None),
              (None, None), ("1_000", None), ("0x10", None)]


@pytest.mark.parametrize(("typed", "read"), EVERYWHERE)
def test_a_number_reads_the_same_in_every_language(typed, read):
    for code in ("en", "fr", "es"):
        with language(code):
            assert checks.number(typed) == read, code


@pytest.mark.parametrize(("code", "comma", "point"), [("en", 1234, 1.5), ("fr", 1.234, 1.5), ("es", 1.234, 1500)])
def test_one_separator_before_three_digits_reads_as_the_readers_language_writes(code, comma, point):
    with language(code):
        assert (checks.number("1,234"), checks.number("1.500" if code == "es" else "1.5")) == (comma, point)


def test_a_whole_number_in_a_range():
    assert [checks.whole(v, 2, 100) for v in ("2", "100", 50, "1,5", "101", "1", "abc", "")] == \
        [2, 100, 50, None, None, None, None, None]


async def test_a_sheet_reads_its_writers_numbers(db, cast):
    operation = await active_operation(db)
    rows = ["KE-1;1;2026-10-02;JKIA;;;air_cargo;KEN;;Loxodonta africana;TUS;1,234;kg;1 500,50;USD;0",
            "KE-2;1;2026-10-02;JKIA;;;air_cargo;KEN;;Loxodonta africana;TUS;12,5;kg;;;0"]
    kenya = await member(db, cast.kenya, operation)
    with language("en"):
        report = await import_sheet(db, kenya, "KEN", semicolon_csv(rows), "kenya.csv")
    assert report.rejected == 0, report.problems
    read = (await db.execute(select(SeizureItem.quantity, SeizureItem.estimated_value)
                             .order_by(SeizureItem.seizure_id))).all()
    assert read == [(1234, 1500.5), (12.5, None)]


async def test_every_way_in_refuses_a_bad_number_and_code_in_the_same_words(client, db, cast):
    operation = await active_operation(db)
    kenya = await bearer(db, cast.kenya)
    api = f"/api/v1/operations/{operation.code}/seizures"
    item = {**IVORY["items"][0], "quantity": "12 kg"}
    answer = await client.post(api, json={**IVORY, "items": [item], "transport_mode": "camel"}, headers=kenya)
    assert answer.status_code == 400
    errors = {e["field"]: e["message"] for e in answer.json()["errors"]}
    assert errors["items[0].quantity"] == checks.number_problem("12 kg", strict=True)
    assert errors["transport_mode"].startswith('must be one of ') and errors["transport_mode"].endswith('(got "camel")')
    coordinator = await bearer(db, cast.coordinator)
    file = await client.post("/api/v1/operations", headers=coordinator, json={
        "code": "NUM-1", "name": "Numbers", "start": "2026-10-01", "end": "2026-10-31", "grace_days": 400,
        "phase": "over"})
    errors = {e["field"]: e["message"] for e in file.json()["errors"]}
    assert errors["grace_days"] == checks.range_problem(400, 0, 365)
    assert errors["phase"].startswith("must be one of draft") and errors["phase"].endswith('(got "over")')


def test_text_ends_its_lines_in_a_newline_whatever_was_sent():
    assert checks.text("  Ivory\r\n\r\nin cashew sacks\rvia DXB \n") == "Ivory\n\nin cashew sacks\nvia DXB"
    assert checks.text(None) == "" and checks.text(12) == "12"


async def test_line_breaks_typed_in_a_browser_keep_paragraphs_apart(client, db, cast):
    await active_operation(db)
    posted = await client.post("/api/v1/operations/THUNDER-2026/messages", headers=await bearer(db, cast.kenya),
                               json={"kind": "alert", "subject": "Ivory", "body": "Watch NBO-DXB.\r\n\r\nAnd HAN."})
    assert posted.status_code == 201, posted.text
    assert await db.scalar(select(OperationMessage.body)) == "Watch NBO-DXB.\n\nAnd HAN."
    shown = environment().from_string("{{ text | paragraphs }}|{{ text | blocks | length }}").render(
        text="First quote.\r\n\r\nSecond quote.\r\nSame person.")  # as stored before this rule
    assert shown == "<p>First quote.</p><p>Second quote.<br>Same person.</p>|2"


@pytest.mark.parametrize(("locale", "typed", "read"), [
    ("en_US", "1,234", 1234), ("en_US", "1.234", 1.234), ("fr_FR", "1,234", 1.234), ("es_ES", "1.500", 1500),
    ("es_MX", "1,500", 1500), ("de_CH", "1’234.5", 1234.5), ("en_IN", "12,34,567", 1234567),
    ("ru_RU", "1\u00a0234,5", 1234.5), ("fr_FR", "1 234,5", 1234.5), ("fr_FR", "1,234.5", 1234.5),
    ("fr_FR", "0.125", 0.125), ("de_CH", "0,125", 0.125), ("fr_FR", "1234.567", 1234.567), ("fr_FR", "12.5", 12.5),
])
def test_a_sheets_language_reads_its_numbers(locale, typed, read):
    with checks.read_in(locale):
        assert checks.number(typed) == read and not checks.ambiguous(typed)


@pytest.mark.parametrize(("locale", "typed"), [("fr_FR", "1.234"), ("fr_FR", "-12.500"), ("de_CH", "1,234"),
                                                ("en_ZA", "999.000"), ("ru_RU", "1.234")])
def test_one_separator_before_three_digits_that_the_language_never_writes_is_ambiguous(locale, typed):
    with checks.read_in(locale):
        assert checks.number(typed) is None and checks.ambiguous(typed)
        assert checks.number_problem(typed, strict=True).startswith(f'is ambiguous: "{typed}" may be ')


def test_a_country_writes_numbers_in_its_most_spoken_official_language():
    assert [checks.country_locale(code) for code in ("KE", "CI", "US", "MX", "CH", "ZZ")] == \
        ["sw_KE", "fr_CI", "en_US", "es_MX", "de_CH", "en"]
    assert [checks.known_locale(name) for name in ("fr-FR", "fr_FR", "es", "klingon", "", None, "xx_YY")] == \
        ["fr_FR", "fr_FR", "es", None, None, None, None]
