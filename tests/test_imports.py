"""Seizure sheet import: good rows kept, bad rows reported by row and column, re-import never duplicates."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import func, select, update

from opsplatform.errors import InvalidInput
from opsplatform.models.audit import AuditEvent
from opsplatform.models.operations import Participant
from opsplatform.models.seizures import Seizure, SeizureItem, SheetImport
from opsplatform.seizures.imports import import_sheet
from tests.conftest import form_post, login
from tests.results_support import IVORY, active_operation, bearer, member
from tests.test_cli import opsplatform

HEADER = ("seizure_ref;item_no;seizure_date;location;latitude;longitude;transport_mode;origin_country;"
          "transit_countries;taxon;term;quantity;unit;estimated_value;currency;suspects_arrested")
ROWS = [
    "KE-1;1;2026-10-02;JKIA;-1.32;36.93;air_cargo;KEN;ARE;Loxodonta africana;TUS;779.6;kg;;;2",
    "KE-1;2;2026-10-02;JKIA;-1.32;36.93;air_cargo;KEN;ARE;Loxodonta africana;TUS;516;;;;2",
    "KE-2;1;2026-10-05;Mombasa port;;;sea_cargo;TZA;;Manis gigantea;SCA;1200;KIL;50000;USD;0",
    "KE-3;1;2026-10-06;Busia;;;road;UGA;;Psittacus erithacus;LIV;-3;;;;0",
    "KE-4;1;2026-11-30;Namanga;;;road;TZA;;Psittacus erithacus;LIV;12;;;;0",
    "KE-2;2;2026-10-05;Kilindini;;;sea_cargo;TZA;;Manis;SCA;10;KIL;;;0",
]


def semicolon_csv(rows: list[str]) -> bytes:
    """As Excel writes it in much of Europe and Africa: semicolons, a BOM, CRLF."""
    return ("\ufeff" + "\r\n".join([HEADER, *rows]) + "\r\n").encode("utf-8")


@pytest.fixture
async def thunder(db):
    return await active_operation(db)


async def counts(db) -> tuple[int, int]:
    return (await db.scalar(select(func.count()).select_from(Seizure)),
            await db.scalar(select(func.count()).select_from(SeizureItem)))


async def test_good_rows_are_imported_and_each_bad_row_is_reported(db, cast, thunder):
    report = await import_sheet(db, await member(db, cast.kenya, thunder), "KEN", semicolon_csv(ROWS), "kenya.csv")
    assert (report.rows, report.accepted, report.rejected) == (6, 3, 3)
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert report.problems[0].startswith("row 4: taxon: unknown taxon Manis gigantea")
    assert 'row 5: quantity: must be a number greater than 0 (got "-3")' in report.problems
    assert any(p.startswith("row 6: seizure_date: must be inside the operation window") for p in report.problems)
    assert await counts(db) == (2, 3)
    ivory = (await db.execute(select(SeizureItem.normalised_unit, SeizureItem.normalised_quantity)
                              .where(SeizureItem.term_code == "TUS").order_by(SeizureItem.item_no))).all()
    assert ivory == [("kg", 779.6), ("number", 516)]


async def test_a_row_with_several_problems_is_one_line_of_the_report(db, cast, thunder):
    rows = ["KE-9;1;2020-01-01;JKIA;;;road;KEN;;Manis gigantea;TUS;-1;;;;0"]
    report = await import_sheet(db, await member(db, cast.kenya, thunder), "KEN", semicolon_csv(rows), "k.csv",
                                dry_run=True)
    assert report.rejected == 1 and len(report.problems) == 1
    line = report.problems[0]
    assert line.startswith("row 2: ") and all(f"{column}: " in line for column in ("seizure_date", "taxon", "quantity"))
    assert line.count("; ") >= 2 and line.count("row 2") == 1


async def test_an_imported_seizure_is_shared_as_its_country_chose_like_one_logged_by_form(db, cast, thunder):
    await db.execute(update(Participant).where(Participant.operation_id == thunder.id,
                                               Participant.country_code == "KEN").values(share_by_default=True))
    await db.commit()
    await import_sheet(db, await member(db, cast.kenya, thunder), "KEN", semicolon_csv(ROWS[:2]), "kenya.csv")
    assert set((await db.scalars(select(Seizure.shared_with_participants))).all()) == {True}


async def test_reimporting_the_same_sheet_changes_nothing(db, cast, thunder):
    await import_sheet(db, await member(db, cast.kenya, thunder), "KEN", semicolon_csv(ROWS[:2]), "kenya.csv")
    versions = (await db.scalars(select(Seizure.version))).all()
    events = await db.scalar(select(func.count()).select_from(AuditEvent))
    again = await import_sheet(db, await member(db, cast.kenya, thunder), "KEN", semicolon_csv(ROWS[:2]), "kenya.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert await counts(db) == (1, 2)
    assert (await db.scalars(select(Seizure.version))).all() == versions
    assert await db.scalar(select(func.count()).select_from(AuditEvent)) == events


async def test_a_changed_row_updates_its_item_by_seizure_ref_and_item_no(db, cast, thunder):
    await import_sheet(db, await member(db, cast.kenya, thunder), "KEN", semicolon_csv(ROWS[:2]), "kenya.csv")
    changed = [ROWS[0], ROWS[1].replace(";516;", ";520;")]
    report = await import_sheet(db, await member(db, cast.kenya, thunder), "KEN", semicolon_csv(changed), "kenya.csv")
    assert (report.created, report.updated) == (0, 1)
    assert await counts(db) == (1, 2)
    assert 520 in (await db.scalars(select(SeizureItem.quantity))).all()
    assert (await db.scalar(select(Seizure.version))) == 2


async def test_rows_that_contradict_their_seizure_are_refused(db, cast, thunder):
    rows = [ROWS[0], ROWS[1].replace("air_cargo", "air_passenger")]
    report = await import_sheet(db, await member(db, cast.kenya, thunder), "KEN", semicolon_csv(rows), "kenya.csv")
    assert report.problems == ['row 3: transport_mode: differs from row 2 of the same seizure_ref ("air_cargo" there, '
                               '"air_passenger" here)']
    assert await counts(db) == (1, 1)


async def test_a_column_the_sheet_lacks_keeps_the_records_value_and_an_empty_cell_clears_it(client, db, cast, thunder):
    """A record logged through the API, then a sheet of a few columns for it: what the sheet does not carry (the
    place, the route, the suspects' count, an item's unit, value and currency) is kept; an empty cell still clears."""
    sent = await client.post("/api/v1/operations/THUNDER-2026/seizures", headers=await bearer(db, cast.kenya),
                             json={**IVORY, "suspects": [], "notes": "detector dog alerted"})
    assert sent.status_code == 201, sent.text
    few = (b"seizure_ref,item_no,seizure_date,taxon,term,quantity,concealment\r\n"
           b"KE-JKIA-001,1,2026-10-03,Loxodonta africana,TUS,130,\r\n")
    kenya = await member(db, cast.kenya, thunder)
    report = await import_sheet(db, kenya, "KEN", few, "kenya.csv")
    assert (report.updated, report.problems) == (1, [])
    seizure = await db.scalar(select(Seizure))
    await db.refresh(seizure)
    assert seizure.concealment is None  # its column is there, empty
    assert (seizure.location, seizure.latitude, seizure.transport_mode, seizure.origin_country,
            seizure.transit_countries, seizure.suspects_arrested, seizure.suspect_nationalities, seizure.notes) == (
        "JKIA cargo terminal", -1.32, "air_cargo", "KEN", ["ARE"], 2, ["KEN", "VNM"], "detector dog alerted")
    items = (await db.execute(select(SeizureItem.item_no, SeizureItem.quantity, SeizureItem.unit_code,
                                     SeizureItem.normalised_unit, SeizureItem.normalised_quantity,
                                     SeizureItem.estimated_value, SeizureItem.currency)
                              .order_by(SeizureItem.item_no))).all()
    # Item 1's 130 is in the unit it has (kg); item 2, not in the sheet, is as it was.
    assert items == [(1, 130, "KGM", "kg", 130, 90000, "USD"), (2, 14, None, "number", 14, None, None)]
    again = await import_sheet(db, kenya, "KEN", few, "kenya.csv")
    assert (again.updated, again.unchanged) == (0, 1)
    # Coordinates are both or neither: a sheet with an empty latitude says the longitude is gone too.
    coordinates = (b"seizure_ref,seizure_date,taxon,term,quantity,latitude\r\n"
                   b"KE-JKIA-001,2026-10-03,Loxodonta africana,TUS,130,\r\n")
    assert (await import_sheet(db, kenya, "KEN", coordinates, "kenya.csv")).updated == 1
    await db.refresh(seizure)
    assert (seizure.latitude, seizure.longitude, seizure.location) == (None, None, "JKIA cargo terminal")


async def test_a_cell_longer_than_the_csv_reader_takes_rejects_its_row_and_the_others_import(db, cast, thunder):
    """A cell past the CSV reader's limit refused the whole sheet without naming a row; on one line or over many inside
    its quotes, it is now its row's problem, and the rows after it are read as they are."""
    rows = [ROWS[0], ROWS[0].replace("KE-1;", "KE-6;").replace("JKIA", "x" * 200_000),
            ROWS[0].replace("KE-1;", "KE-7;").replace("JKIA", '"' + "shed 3\n" * 20_000 + '"'),
            ROWS[0].replace("KE-1;", "KE-8;")]
    report = await import_sheet(db, await member(db, cast.kenya, thunder), "KEN", semicolon_csv(rows), "kenya.csv")
    too_long = "is longer than 131,072 characters, more than any column takes; shorten it"
    assert report.problems == [f"row 3: location: {too_long}", f"row 4: location: {too_long}"]
    assert (report.rows, report.created) == (4, 2)
    assert set((await db.scalars(select(Seizure.seizure_ref))).all()) == {"KE-1", "KE-8"}


async def test_a_sheet_saved_as_unicode_text_imports(db, cast, thunder):
    """Excel's "Unicode text": UTF-16 with a BOM, tab-separated (it was refused as not a CSV or XLSX file)."""
    content = ("\ufeff" + "\r\n".join([HEADER, *ROWS[:2]]).replace(";", "\t") + "\r\n").encode("utf-16-le")
    report = await import_sheet(db, await member(db, cast.kenya, thunder), "KEN", content, "kenya.txt")
    assert (report.created, report.problems) == (1, [])
    assert await counts(db) == (1, 2)


async def test_a_dry_run_writes_nothing(db, cast, thunder):
    report = await import_sheet(db, await member(db, cast.kenya, thunder), "KEN", semicolon_csv(ROWS), "kenya.csv",
                                dry_run=True)
    assert (report.created, report.rejected) == (2, 3)
    assert await counts(db) == (0, 0)


async def test_an_xlsx_with_shuffled_columns_imports(db, cast, thunder):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["taxon", "quantity", "term", "seizure_date", "seizure_ref", "unit"])
    sheet.append(["Manis javanica", 250, "SCA", "2026-10-09", "KE-X1", "KIL"])
    sheet.append(["Manis javanica", 3.5, "MEA", "2026-10-09", "KE-X1", "KIL"])
    buffer = io.BytesIO()
    book.save(buffer)
    report = await import_sheet(db, await member(db, cast.kenya, thunder), "KEN", buffer.getvalue(), "kenya.xlsx")
    assert (report.accepted, report.created, report.problems) == (2, 1, [])
    assert sorted((await db.scalars(select(SeizureItem.item_no))).all()) == [1, 2]  # numbered in sheet order


async def test_a_sheet_without_required_columns_is_refused_whole(db, cast, thunder):
    with pytest.raises(InvalidInput, match="taxon"):
        await import_sheet(db, await member(db, cast.kenya, thunder), "KEN",
                           b"seizure_ref,seizure_date,term,quantity\nA,2026-10-02,TUS,1\n", "x.csv")


async def test_the_cli_imports_with_a_report_and_exit_1_on_rejected_rows(database_url, db, thunder, tmp_path):
    path = tmp_path / "kenya.csv"
    path.write_bytes(semicolon_csv(ROWS))
    code, out, err = await opsplatform("import", "seizures", "--database-url", database_url, "--operation",
                                       "THUNDER-2026", "--country", "KEN", "--dry-run", str(path))
    assert code == 1, err
    assert out.splitlines()[0] == "6 rows: 3 accepted, 3 rejected (2 seizures would be created, 0 updated, 0 unchanged)"
    assert 'row 5: quantity: must be a number greater than 0 (got "-3")' in out
    assert await counts(db) == (0, 0)
    code, out, _err = await opsplatform("import", "seizures", "--database-url", database_url, "--operation",
                                        "THUNDER-2026", "--country", "ke", str(path))  # alpha-2, any case
    assert code == 1 and "2 seizures were created" in out
    assert await counts(db) == (2, 3)
    path.write_bytes(semicolon_csv([ROWS[0], ROWS[1], ROWS[5]]))  # only the good rows, again
    code, out, _err = await opsplatform("import", "seizures", "--database-url", database_url, "--operation",
                                        "THUNDER-2026", "--country", "KEN", str(path))
    assert code == 0 and "0 updated, 2 unchanged" in out


# --- numbers and dates as the sender's spreadsheet wrote them -------------------------------------------------------

TYPED_HEADER = ["seizure_ref", "item_no", "seizure_date", "latitude", "longitude", "taxon", "term", "quantity", "unit",
                "estimated_value", "currency", "suspects_arrested"]
# The same three items as Excel writes them with its cells formatted as text, set to English (United States) and to
# French (France): grouping, decimal signs and the order of day and month each language's way.
AS_ENGLISH = [["KE-20", "1", "10/2/2026", "-1.319167", "36.927778", "Loxodonta africana", "TUS", "1,234.5", "KGM",
               "15,000.75", "USD", "2"],
              ["KE-20", "2", "10/2/2026", "-1.319167", "36.927778", "Loxodonta africana", "TUS", "1,234", "", "", "",
               "2"],
              ["KE-21", "1", "10/13/2026", "", "", "Manis javanica", "SCA", "0.125", "kg", "1,250,000", "KES", "0"]]
AS_FRENCH = [["KE-20", "1", "02/10/2026", "-1,319167", "36,927778", "Loxodonta africana", "TUS", "1\u202f234,5", "KGM",
              "15\u202f000,75", "USD", "2"],
             ["KE-20", "2", "02/10/2026", "-1,319167", "36,927778", "Loxodonta africana", "TUS", "1\u202f234", "", "",
              "", "2"],
             ["KE-21", "1", "13/10/2026", "", "", "Manis javanica", "SCA", "0,125", "kg", "1\u00a0250\u00a0000", "KES",
              "0"]]


def text_workbook(rows: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    for row in [TYPED_HEADER, *rows]:
        book.active.append(row)
    for line in book.active.iter_rows():
        for cell in line:
            cell.number_format = "@"  # cells formatted as text: what is typed stays text
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def excel_csv(rows: list[list[str]], delimiter: str) -> bytes:
    """As Excel saves "CSV UTF-8": a BOM, CRLF, cells holding the delimiter quoted."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows([TYPED_HEADER, *rows])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


async def stored_items(db) -> list[tuple]:
    return (await db.execute(
        select(Seizure.seizure_ref, Seizure.seizure_date, Seizure.latitude, Seizure.longitude,
               Seizure.suspects_arrested, SeizureItem.item_no, SeizureItem.term_code, SeizureItem.quantity,
               SeizureItem.unit_code, SeizureItem.estimated_value, SeizureItem.currency)
        .join(SeizureItem, SeizureItem.seizure_id == Seizure.id)
        .order_by(Seizure.seizure_ref, SeizureItem.item_no))).all()


async def test_a_sheet_saved_by_excel_in_english_or_in_french_gives_the_same_records(db, cast, thunder):
    kenya = await member(db, cast.kenya, thunder)
    first = await import_sheet(db, kenya, "KEN", text_workbook(AS_ENGLISH), "kenya-en.xlsx", locale="en_US")
    assert (first.created, first.problems) == (2, [])
    records = await stored_items(db)
    assert records == [
        ("KE-20", date(2026, 10, 2), -1.319167, 36.927778, 2, 1, "TUS", 1234.5, "KGM", 15000.75, "USD"),
        ("KE-20", date(2026, 10, 2), -1.319167, 36.927778, 2, 2, "TUS", 1234, None, None, None),
        ("KE-21", date(2026, 10, 13), None, None, 0, 1, "SCA", 0.125, "KGM", 1250000, "KES")]
    # Each other way of saving the same sheet finds every record as it is: nothing created, nothing changed.
    for content, name, locale in ((excel_csv(AS_ENGLISH, ","), "kenya-en.csv", "en_US"),
                                  (text_workbook(AS_FRENCH), "kenya-fr.xlsx", "fr_FR"),
                                  (excel_csv(AS_FRENCH, ";"), "kenya-fr.csv", "fr_FR")):
        again = await import_sheet(db, kenya, "KEN", content, name, locale=locale)
        assert (again.created, again.updated, again.unchanged, again.problems) == (0, 0, 2, []), name
    assert await stored_items(db) == records


async def test_a_number_with_two_readings_in_the_sheets_language_is_reported_not_guessed(db, cast, thunder):
    kenya = await member(db, cast.kenya, thunder)
    french = [row[:] for row in AS_FRENCH[:1]]
    french[0][7] = "1.234"  # French groups with a space and writes decimals with a comma: a point says neither
    report = await import_sheet(db, kenya, "KEN", excel_csv(french, ";"), "kenya.csv", locale="fr_FR")
    assert report.problems == ['row 2: quantity: is ambiguous: "1.234" may be 1\u202f234 or 1,234; write 1234 or '
                               '1,234, or choose the language the sheet was written in']
    swiss = [row[:] for row in AS_ENGLISH[:1]]
    swiss[0][2], swiss[0][7] = "02.10.2026", "1,234"  # Swiss German groups with ’ and writes decimals with a point
    report = await import_sheet(db, kenya, "KEN", excel_csv(swiss, ";"), "kenya.csv", locale="de_CH")
    assert len(report.problems) == 1 and report.problems[0].startswith('row 2: quantity: is ambiguous: "1,234"')
    short_year = [row[:] for row in AS_ENGLISH[:1]]
    short_year[0][2] = "10/2/26"
    report = await import_sheet(db, kenya, "KEN", excel_csv(short_year, ","), "kenya.csv", locale="en_US")
    assert report.problems == ['row 2: seizure_date: is ambiguous: "10/2/26" could be read as two different days (day '
                               'and month, or the century); write it as YYYY-MM-DD']
    assert await counts(db) == (0, 0)


async def test_a_sheet_is_read_as_its_reporting_country_writes_unless_told_otherwise(db, cast, thunder):
    kenya = await member(db, cast.kenya, thunder)
    rows = [["KE-30", "1", "02/10/2026", "", "", "Loxodonta africana", "TUS", "1,234", "KGM", "", "", "0"]]
    report = await import_sheet(db, kenya, "KEN", excel_csv(rows, ","), "kenya.csv")  # Kenya: 1,234.5; day first
    assert report.problems == []
    assert (await stored_items(db))[0][1:8] == (date(2026, 10, 2), None, None, 0, 1, "TUS", 1234)
    rows[0][7] = "1,5"
    await import_sheet(db, kenya, "KEN", excel_csv(rows, ";"), "kenya.csv", locale="fr_FR")
    assert (await stored_items(db))[0][7] == 1.5


async def test_a_workbooks_numeric_cells_are_numbers_in_every_language(db, cast, thunder):
    book = openpyxl.Workbook()
    book.active.append(["seizure_ref", "seizure_date", "taxon", "term", "quantity", "unit"])
    book.active.append(["KE-40", date(2026, 10, 9), "Manis javanica", "SCA", 1.234, "KGM"])  # a typed 1.234 kg
    buffer = io.BytesIO()
    book.save(buffer)
    report = await import_sheet(db, await member(db, cast.kenya, thunder), "KEN", buffer.getvalue(), "kenya.xlsx",
                                locale="fr_FR")
    assert report.problems == []
    assert (await stored_items(db))[0][7] == 1.234


async def test_the_cli_and_the_imports_page_take_the_sheets_language(database_url, db, cast, client, thunder, tmp_path):
    path = tmp_path / "kenya-fr.csv"
    path.write_bytes(excel_csv(AS_FRENCH, ";"))
    code, out, err = await opsplatform("import", "seizures", "--database-url", database_url, "--operation",
                                       "THUNDER-2026", "--country", "KEN", "--locale", "fr_FR", str(path))
    assert code == 0, out + err
    assert [row[7] for row in await stored_items(db)] == [1234.5, 1234, 0.125]
    code, _out, err = await opsplatform("import", "seizures", "--database-url", database_url, "--operation",
                                        "THUNDER-2026", "--country", "KEN", "--locale", "klingon", str(path))
    assert code == 1 and "locale" in err
    await login(client, cast.kenya)
    page = (await client.get("/operations/THUNDER-2026/imports")).text
    assert '<option value="fr_FR">' in page and '<option value="sw_KE">' in page
    response = await form_post(client, "/operations/THUNDER-2026/imports", {"locale": "fr_FR"},
                               files={"file": ("kenya-fr.csv", path.read_bytes(), "text/csv")})
    assert response.status_code in (302, 303), response.text
    assert (await db.scalars(select(SheetImport.locale).order_by(SheetImport.id))).all() == ["fr_FR", "fr_FR"]
    refused = await form_post(client, "/operations/THUNDER-2026/imports", {"locale": "xx_XX"},
                              files={"file": ("kenya-fr.csv", path.read_bytes(), "text/csv")})
    assert refused.status_code == 400 and "choose one of the languages listed" in refused.text
