"""The CITES annual illegal trade report export: a country's seizures of one year across operations, one row per item,
valid CITES codes, ISO country codes, no nominal data; by role and country; the page and the command line."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from opsplatform.cases.annual_report import COLUMNS
from opsplatform.models import vocabulary as v
from opsplatform.models.operations import Operation
from opsplatform.models.reference import TradeTerm, Unit
from opsplatform.reference.units import alias_map
from opsplatform.seizures.services import change_status
from tests.cases_support import logged
from tests.conftest import login
from tests.results_support import active_operation, bearer, record_member
from tests.test_cli import opsplatform

URL = "/api/v1/reports/annual-illegal-trade"
SALT = {"taxon": "Psittacus erithacus", "term": "LIV", "quantity": 30}
SCALES = {"taxon": "Manis javanica", "term": "SCA", "quantity": 1.2, "unit": "TON"}
FIXTURE = Path(__file__).resolve().parents[1] / "seed" / "sources" / "aitr-columns-sc71-2019.csv"


@pytest.fixture
async def year_of_records(db, settings, cast):
    """Kenya in two operations of 2026 and one of 2025, Tanzania in 2026; returns the Kenyan 2026 items expected."""
    thunder = await active_operation(db)
    cobra = await active_operation(db, code="COBRA-2026", name="COBRA 2026", start="2026-03-01", end="2026-03-31")
    older = await active_operation(db, code="THUNDER-2025", name="Thunder 2025", start="2025-10-01",
                                   end="2025-10-31")
    expected = []
    code = alias_map((await db.scalars(select(Unit))).all())  # the CITES unit code each spelling stands for
    await logged(db, settings, thunder, cast.kenya, "KE-1")  # IVORY: two tusk items
    expected += [("Loxodonta africana", "TUS", 120.5, code["kg"]), ("Loxodonta africana", "TUS", 14, "")]
    await logged(db, settings, cobra, cast.kenya, "KE-C1", seizure_date="2026-03-12", items=[SALT, SCALES])
    expected += [("Psittacus erithacus", "LIV", 30, ""), ("Manis javanica", "SCA", 1.2, code["ton"])]
    await logged(db, settings, cobra, cast.kenya, "KE-C2", seizure_date="2026-03-13", status="draft", items=[SALT])
    withdrawn = await logged(db, settings, thunder, cast.kenya, "KE-2", items=[SALT])
    await change_status(db, await record_member(db, cast.kenya, withdrawn), withdrawn, "withdraw", "duplicate")
    await db.commit()
    await logged(db, settings, older, cast.kenya, "KE-OLD", seizure_date="2025-10-05", items=[SALT])
    await logged(db, settings, thunder, cast.tanzania, "TZ-1", items=[SCALES])
    return expected


def sheets(content: bytes) -> tuple[list[tuple], list[tuple]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return list(book["Report"].iter_rows(values_only=True)), list(book["Seizures"].iter_rows(values_only=True))


async def test_the_export_has_one_row_per_item_with_valid_codes_and_no_names(client, db, cast, year_of_records):
    response = await client.get(URL, params={"country": "KEN", "year": "2026", "share_with_iccwc": "no"},
                                headers=await bearer(db, cast.kenya))
    assert response.status_code == 200, response.text
    assert 'filename="annual-illegal-trade-report-KEN-2026.xlsx"' in response.headers["content-disposition"]
    cover, [header, *rows] = sheets(response.content)
    assert ("Data may be shared with ICCWC", "no") in cover and ("Party", "Kenya (KEN)") in cover
    column = {name: n for n, name in enumerate(header)}
    got = sorted((r[column["Species"]], r[column["Description of specimen"]],
                  r[column["Quantity"]], r[column["Unit"]] or "")
                 for r in rows)
    assert got == sorted(year_of_records)
    terms = set((await db.scalars(select(TradeTerm.code))).all())
    units = set((await db.scalars(select(Unit.code))).all())
    for row in rows:
        assert row[column["Description of specimen"]] in terms
        assert (row[column["Unit"]] or "") in units | {""}
    ivory = next(r for r in rows if r[column["Quantity"]] == 120.5)
    assert (ivory[column["Alleged country of origin"]], ivory[column["Alleged final destination"]],
            ivory[column["Country(ies) of transit"]], ivory[column["Nationality of offenders"]]) == \
        ("KE", "VN", "AE", "KE;VN")
    cells = " ".join(str(value) for row in rows for value in row)
    for nominal in ("Tran Van A", "C1234567", "1980-02-03"):
        assert nominal not in cells


def fixture_columns() -> list[dict[str, str]]:
    lines = [line for line in FIXTURE.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines))


def test_the_report_writes_the_columns_of_the_format_it_follows():
    """One list of columns: the code's is the fixture's, key for key and word for word, in the same order."""
    rows = fixture_columns()
    assert [int(r["position"]) for r in rows] == list(range(1, len(rows) + 1))
    assert [(r["key"], r["heading_en"]) for r in rows] == list(COLUMNS)
    assert {r["evidence"] for r in rows} <= {"seen", "unconfirmed"}


async def test_the_workbook_reads_back_as_the_format_with_words_dates_and_spp(client, db, settings, cast,
                                                                             year_of_records):
    thunder = await db.scalar(select(Operation).where(Operation.code == "THUNDER-2026"))
    await logged(db, settings, thunder, cast.kenya, "KE-GENUS", seizure_date="2026-10-20",
                 items=[{"taxon": "Manis", "term": "SCA", "quantity": 4, "unit": "kg"}],
                 legislation="Wildlife Conservation and Management Act 2013, s. 92", seizure_reason="no_permit",
                 disposal="held_as_evidence")
    response = await client.get(URL, params={"country": "KEN", "year": "2026"}, headers=await bearer(db, cast.kenya))
    _cover, [header, *rows] = sheets(response.content)
    assert list(header) == [r["heading_en"] for r in fixture_columns()]
    column = {name: n for n, name in enumerate(header)}
    ivory = next(r for r in rows if r[column["Quantity"]] == 120.5)
    assert all(isinstance(r[column["Date of seizure"]], datetime) for r in rows)
    assert ivory[column["Date of seizure"]].date().isoformat() == "2026-10-03"
    assert (ivory[column["Detecting agency"]], ivory[column["Method of detection"]],
            ivory[column["Mode of transport"]]) == ("Customs", "X-ray", "Air cargo")
    assert ivory[column["Method of concealment"]] == "sacks of cashew nuts"
    assert ivory[column["Estimated value in country (amount and currency)"]] == "90,000 USD"
    assert ivory[column["Location of incident"]] == "JKIA cargo terminal, Airport"
    genus = next(r for r in rows if r[column["Quantity"]] == 4)
    assert genus[column["Species"]] == "Manis spp."
    assert genus[column["Law under which charges were brought"]] == (
        "Wildlife Conservation and Management Act 2013, s. 92")  # the record's case file
    assert (genus[column["Reason for seizure"]], genus[column["Disposal of confiscated specimens"]]) == (
        "No CITES permit or certificate", "Held as evidence")
    # No value of ours is written as its code: every coded field reads in words.
    codes = {*v.LOCATION_TYPES, *v.DETECTION_METHODS, *v.TRANSPORT_MODES, *v.AGENCIES, *v.CASE_STAGES,
             *v.SEIZURE_REASONS, *v.DISPOSALS}
    words = [str(cell) for row in rows for cell in row if cell is not None]
    assert [w for w in words if w in codes or any(part.split(" ")[0] in codes for part in w.split("; "))] == []


async def test_who_may_export_which_country(client, db, cast, year_of_records):
    query = {"country": "KEN", "year": "2026"}
    for user, status in ((cast.coordinator, 200), (cast.analyst, 200), (cast.tanzania, 404), (cast.press, 403),
                         (cast.admin, 403)):
        assert (await client.get(URL, params=query, headers=await bearer(db, user))).status_code == status, user.role
    _cover, [_header, *tanzanian] = sheets((await client.get(URL, params={"country": "TZA", "year": "2026"},
                                                             headers=await bearer(db, cast.tanzania))).content)
    assert len(tanzanian) == 1
    bad = await client.get(URL, params={"country": "Kenya", "year": "1492"}, headers=await bearer(db, cast.kenya))
    assert bad.status_code == 400 and {e["field"] for e in bad.json()["errors"]} == {"country", "year"}


PREPARER = {"agency": "Kenya Wildlife Service, Investigations Unit", "contact_name": "Wanjiru Kamau",
            "contact_email": "aitr@kws.go.ke", "contact_phone": "+254 20 2379407"}
# A telephone number starting with "+" is kept from being read as a formula, as any typed text is.
PREPARER_ROWS = {("Agency preparing the report", PREPARER["agency"]), ("Contact person", PREPARER["contact_name"]),
                 ("E-mail", PREPARER["contact_email"]), ("Telephone", "'" + PREPARER["contact_phone"])}


async def test_the_page_and_the_command_line(client, db, database_url, cast, year_of_records, tmp_path):
    await login(client, cast.kenya)
    page = await client.get("/reports/annual-illegal-trade")
    assert page.status_code == 200 and '<option value="KEN" selected>' in page.text and 'value="TZA"' not in page.text
    # The contact is the user's own details until changed.
    assert 'value="Wanjiru Kenya"' in page.text and 'value="wanjiru@kws.test"' in page.text
    download = await client.get("/reports/annual-illegal-trade.xlsx", params={
        "country": "KEN", "year": "2026", "share_with_iccwc": "yes", **PREPARER})
    cover, seizures = sheets(download.content)
    assert download.status_code == 200 and len(seizures) == len(year_of_records) + 1
    assert set(cover) >= PREPARER_ROWS and ("Period covered", "1 January to 31 December 2026") in cover
    refused = await client.get("/reports/annual-illegal-trade.xlsx", params={"country": "KEN", "year": "soon"})
    assert refused.status_code == 400 and "must be a whole number from 1975 to" in refused.text
    output = tmp_path / "ken.xlsx"
    code, out, err = await opsplatform("report", "annual-illegal-trade", "--database-url", database_url,
                                       "--country", "KEN", "--year", "2026", "--output", str(output),
                                       *(f"--{name.replace('_', '-')}={value}" for name, value in PREPARER.items()))
    assert code == 0, err
    cover, seizures = sheets(output.read_bytes())
    assert f"{len(year_of_records)} rows" in out and len(seizures) == len(year_of_records) + 1
    assert set(cover) >= PREPARER_ROWS
    code, _out, err = await opsplatform("report", "annual-illegal-trade", "--database-url", database_url,
                                        "--country", "KEN", "--year", "2026", "--output", str(output),
                                        "--contact-email", "wanjiru at kws")
    assert code == 1 and "contact_email: must be an e-mail address" in err
    code, _out, err = await opsplatform("report", "annual-illegal-trade", "--database-url", database_url,
                                        "--country", "XX", "--year", "2026", "--output", str(output))
    assert code == 1 and "country" in err


async def test_a_refused_request_names_its_field_in_words(client, db, cast, year_of_records):
    await login(client, cast.kenya)
    page = await client.get("/reports/annual-illegal-trade.xlsx", params={"country": "KEN", "year": "1900"})
    assert page.status_code == 400
    assert "Year: must be a whole number from 1975" in page.text and "year: must" not in page.text
    typed = {"country": "KEN", "year": "2026", "agency": "KWS", "contact_email": "wanjiru(at)kws",
             "contact_phone": "call the office"}
    page = await client.get("/reports/annual-illegal-trade.xlsx", params=typed)
    assert page.status_code == 400
    assert "E-mail: must be an e-mail address" in page.text and "Telephone: must be a telephone number" in page.text
    assert 'value="KWS"' in page.text and 'value="wanjiru(at)kws"' in page.text  # what was typed stays
