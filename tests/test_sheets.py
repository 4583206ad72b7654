"""Seizure sheets: reading CSV and XLSX files as spreadsheet programs write them, and the XLSX template."""

from __future__ import annotations

import codecs
import inspect
import io
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from opsplatform.models.vocabulary import DISPOSALS
from opsplatform.seizures.sheets import COLUMNS, REQUIRED, RowProblem, SheetError, read_rows
from opsplatform.seizures.template import build_template

HEADER = ["seizure_ref", "seizure_date", "taxon", "term", "quantity", "unit"]


def xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def filled(values: dict[str, str]) -> dict[str, str]:
    """A row as read_rows gives it: every public column, empty unless given."""
    return {column: values.get(column, "") for column in COLUMNS}


def template(**changes: object) -> bytes:
    arguments: dict[str, object] = {
        "operation_code": "THUNDER-2026", "operation_name": "Operation Thunder 2026",
        "start": date(2026, 10, 1), "end": date(2026, 10, 31),
        "terms": [("TUS", "tusks"), ("SCA", "scales"), ("LIV", "live")],
        "units": [("KIL", "kilograms"), ("PCS", "pieces")],
        "countries": [("KEN", "Kenya"), ("TZA", "Tanzania"), ("VNM", "Viet Nam")],
        "target_taxa": [("Loxodonta africana", "African bush elephant"), ("Manis", "pangolins")],
        "transport_modes": ["air_cargo", "road"], "detection_methods": ["xray", "detector_dog"],
        "agencies": ["customs", "police"], "location_types": ["airport", "seaport"],
        "case_statuses": ["none", "investigation"], "currencies": ["USD", "KES"]}
    arguments.update(changes)
    return build_template(**arguments)  # type: ignore[arg-type]


# --- CSV ------------------------------------------------------------------------------------------------------------

def test_a_semicolon_csv_with_bom_and_crlf_reads_like_any_other() -> None:
    content = ("\ufeffseizure_ref;seizure_date;taxon;term;quantity;unit\r\n"
               "KEN-001;2026-10-03;Loxodonta africana;TUS;12,5;kg\r\n"
               "KEN-002;2026-10-04; Manis ;SCA;3;\r\n").encode()

    assert list(read_rows(content, "results.csv")) == [
        (2, filled({"seizure_ref": "KEN-001", "seizure_date": "2026-10-03", "taxon": "Loxodonta africana",
                    "term": "TUS", "quantity": "12,5", "unit": "kg"})),
        (3, filled({"seizure_ref": "KEN-002", "seizure_date": "2026-10-04", "taxon": "Manis", "term": "SCA",
                    "quantity": "3"})),
    ]


def test_a_comma_csv_with_lf_takes_columns_in_any_order_and_spelling() -> None:
    content = (b"Quantity, Term ,TAXON,Seizure date,Seizure ref,transport_mode\n"
               b"2,LIV,Psittacus erithacus,2026-10-05,TZA/7,air_cargo\n")

    assert list(read_rows(content, "results.csv")) == [
        (2, filled({"seizure_ref": "TZA/7", "seizure_date": "2026-10-05", "taxon": "Psittacus erithacus",
                    "term": "LIV", "quantity": "2", "transport_mode": "air_cargo"})),
    ]


def test_a_cp1252_file_keeps_its_accents() -> None:
    content = ("seizure_ref;seizure_date;taxon;term;quantity;location\r\n"
               "CIV-1;2026-10-06;Manis;SCA;4;Aéroport Félix-Houphouët-Boigny\r\n").encode("cp1252")

    [(number, values)] = read_rows(content, "résultats.csv")

    assert number == 2
    assert values["location"] == "Aéroport Félix-Houphouët-Boigny"


def test_a_utf16_csv_as_excel_saves_unicode_text_reads_like_utf8() -> None:
    """Excel's "Unicode text" is UTF-16 with a BOM, tab-separated; UTF-16 with commas, and tabs in UTF-8, read too."""
    tabs = ("seizure_ref\tseizure_date\ttaxon\tterm\tquantity\tnotes\r\n"
            "KEN-001\t2026-10-03\tLoxodonta africana\tTUS\t12.5\tCôte d'Ivoire\r\n"
            'KEN-002\t2026-10-04\tManis\tSCA\t3\t"seen at\r\nthe gate"\r\n')
    commas = tabs.replace("\t", ",")
    as_utf8 = list(read_rows(commas.encode(), "results.csv"))
    assert [values["notes"] for __, values in as_utf8] == ["Côte d'Ivoire", "seen at\r\nthe gate"]

    for content in (codecs.BOM_UTF16_LE + tabs.encode("utf-16-le"), codecs.BOM_UTF16_BE + commas.encode("utf-16-be"),
                    tabs.encode()):
        assert list(read_rows(content, "unicode text.txt")) == as_utf8


def test_a_quoted_field_may_hold_the_delimiter_and_a_line_break() -> None:
    content = (b'seizure_ref;seizure_date;taxon;term;quantity;concealment\r\n'
               b'KEN-1;2026-10-03;Manis;SCA;4;"in a false bottom; under\r\ndried fish"\r\n'
               b'KEN-2;2026-10-04;Manis;SCA;1;\r\n')

    rows = list(read_rows(content, "results.csv"))

    assert rows[0][1]["concealment"] == "in a false bottom; under\r\ndried fish"
    # The quoted line break is inside one spreadsheet row, so the next row is row 3.
    assert [number for number, __ in rows] == [2, 3]


OPENED = (b'seizure_ref,seizure_date,taxon,term,quantity,notes\r\n'
          b'KE-1,2026-10-01,Loxodonta africana,TUS,2,"found in a crate\r\n'
          b'KE-2,2026-10-02,Loxodonta africana,TUS,3,ok\r\n')


@pytest.mark.parametrize("rest", [
    b'KE-3,2026-10-03,Loxodonta africana,TUS,1,one 30" tusk',  # a quote in the last row's text
    b'KE-3,2026-10-03,Loxodonta africana,TUS,1,one 30" tusk\r\nKE-4,2026-10-04,Manis,SCA,4,\r\n',  # and rows after
    b'KE-3,2026-10-03,Loxodonta africana,TUS,1,a ""quote""',  # "" is a quote inside the cell, never its end
])
def test_a_quote_never_closed_refuses_the_sheet_wherever_a_later_quote_seems_to_close_it(rest: bytes) -> None:
    """The reader takes a later row's quote for the closing one: the rows between were read into one cell, without
    an error, and lost (the file's end was looked at only, and only for a quote)."""
    with pytest.raises(SheetError, match=r"row 2 opens a quote \(\"\) that is never closed"):
        list(read_rows(OPENED + rest, "results.csv"))


def test_blank_lines_are_skipped_but_keep_the_row_numbers_the_user_sees() -> None:
    content = (b"seizure_ref,seizure_date,taxon,term,quantity\n\n"
               b"KEN-1,2026-10-03,Manis,SCA,4\n,,,,\nKEN-2,2026-10-04,Manis,SCA,1\n")

    assert [number for number, __ in read_rows(content, "results.csv")] == [3, 5]


# --- XLSX -----------------------------------------------------------------------------------------------------------

def test_an_xlsx_gives_numbers_and_dates_as_a_spreadsheet_shows_them() -> None:
    content = xlsx([
        HEADER + ["suspects_arrested", "latitude"],
        ["KEN-1", date(2026, 10, 3), "Loxodonta africana", "TUS", 779.6, "KIL", 2, -1.319167],
        [1234, datetime(2026, 10, 4, 13, 30), " Manis ", "SCA", 12.0, None, 0, 0.1 + 0.2],
        ["KEN-3", "2026-10-05", "Manis", "SCA", 0.00001, "GRM", None, None],
    ])

    rows = [values for __, values in read_rows(content, "results.xlsx")]

    # A numeric cell of a numeric column stays a number (no language reads it); elsewhere it is text as shown.
    assert rows[0] == filled({"seizure_ref": "KEN-1", "seizure_date": "2026-10-03", "taxon": "Loxodonta africana",
                              "term": "TUS", "quantity": 779.6, "unit": "KIL", "suspects_arrested": 2,
                              "latitude": -1.319167})
    assert rows[1] == filled({"seizure_ref": "1234", "seizure_date": "2026-10-04", "taxon": "Manis", "term": "SCA",
                              "quantity": 12, "suspects_arrested": 0, "latitude": 0.3})
    assert rows[2]["quantity"] == 0.00001


def test_blank_xlsx_rows_are_skipped_but_keep_the_row_numbers_the_user_sees() -> None:
    content = xlsx([HEADER, [], ["KEN-1", "2026-10-03", "Manis", "SCA", 1, None], [None] * 6,
                    ["KEN-2", "2026-10-04", "Manis", "SCA", 2, None]])

    assert [number for number, __ in read_rows(content, "results.xlsx")] == [3, 5]


def test_columns_the_contract_does_not_know_are_ignored() -> None:
    content = xlsx([["Remarks"] + HEADER + ["Common name", "Officer on duty"],
                    ["checked twice", "KEN-1", "2026-10-03", "Manis", "SCA", 1, None, "pangolins", "Desk 4"]])

    [(__, values)] = read_rows(content, "results.xlsx")

    assert set(values) == set(COLUMNS)
    assert values["seizure_ref"] == "KEN-1"
    assert "pangolins" not in values.values()


def test_the_content_decides_over_the_file_name() -> None:
    content = xlsx([HEADER, ["KEN-1", "2026-10-03", "Manis", "SCA", 1, None]])

    assert [number for number, __ in read_rows(content, "results.csv")] == [2]


# --- Files refused as a whole ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("missing", REQUIRED)
def test_a_sheet_without_a_required_column_is_refused_naming_it(missing: str) -> None:
    header = [column for column in HEADER if column != missing]
    content = ",".join(header).encode() + b"\nKEN-1,2026-10-03,Manis,SCA\n"

    with pytest.raises(SheetError) as refused:
        list(read_rows(content, "results.csv"))

    assert f'no column "{missing}" (required)' in str(refused.value)


def test_every_missing_required_column_is_named_at_once() -> None:
    with pytest.raises(SheetError, match='"taxon", "term"'):
        list(read_rows(xlsx([["seizure_ref", "seizure_date", "quantity"], ["KEN-1", "2026-10-03", 1]]), "r.xlsx"))


@pytest.mark.parametrize("second", ["taxon", "Taxon ", "TAXON"])
def test_a_column_given_twice_is_refused(second: str) -> None:
    content = xlsx([HEADER + [second], ["KEN-1", "2026-10-03", "Manis", "SCA", 1, None, "Pholidota"]])

    with pytest.raises(SheetError, match='"taxon" appears twice'):
        list(read_rows(content, "results.xlsx"))


@pytest.mark.parametrize("header", ["name", "Suspect name", "passport", "Passport number", "document_number",
                                    "date_of_birth", "ID number", "surname", "offender_full_name"])
def test_a_column_for_a_persons_name_or_document_is_refused(header: str) -> None:
    content = ";".join(HEADER + [header]).encode() + b"\nKEN-1;2026-10-03;Manis;SCA;1;;X\n"

    with pytest.raises(SheetError) as refused:
        list(read_rows(content, "results.csv"))

    assert header in str(refused.value)
    assert "only through the secure form or the API, never in a sheet" in str(refused.value)


def test_names_of_places_and_species_are_not_taken_for_a_persons_name() -> None:
    content = xlsx([HEADER + ["common_name", "Location name", "seizure_id", "cites_permit"],
                    ["KEN-1", "2026-10-03", "Manis", "SCA", 1, None, "pangolins", "JKIA", 7, "KE-123"]])

    assert len(list(read_rows(content, "results.xlsx"))) == 1


@pytest.mark.parametrize(("content", "filename"), [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >>", "results.pdf"),
    (b"%PDF-1.7\n1 0 obj << /Type /Catalog >>", "results.csv"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200), "results.xls"),
    (b"\x00\x01\x02garbage\xff\xfe" * 50, "results"),
    ("seizure_ref,seizure_date\n".encode("utf-16-le"), "unicode text without its BOM.txt"),
])
def test_a_file_that_is_not_a_sheet_is_refused(content: bytes, filename: str) -> None:
    with pytest.raises(SheetError, match="not a CSV or XLSX file"):
        list(read_rows(content, filename))


def test_a_zip_that_is_not_a_workbook_is_refused() -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("photo.txt", "not a workbook")

    with pytest.raises(SheetError, match="cannot be opened as an Excel workbook"):
        list(read_rows(archive.getvalue(), "results.xlsx"))


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(SheetError, match="the file is empty"):
        list(read_rows(b"\r\n\r\n", "results.csv"))


# --- Streaming ------------------------------------------------------------------------------------------------------

def test_rows_come_one_at_a_time_before_the_rest_of_the_file_is_read() -> None:
    good = b"KEN-1,2026-10-03,Manis,SCA,1,\n" * 100_000
    # A field too big for the CSV reader at the very end: reading it first would stop before any row came.
    content = ",".join(HEADER).encode() + b"\n" + good + b"KEN-2,2026-10-03,Manis,SCA,1," + b"x" * 200_000

    rows = read_rows(content, "results.csv")

    assert inspect.isgenerator(rows)
    assert next(rows)[0] == 2
    assert list(rows)[-1] == (100_002, RowProblem("unit", TOO_LONG))


TOO_LONG = "is longer than 131,072 characters, more than any column takes; shorten it"


def test_a_cell_longer_than_the_csv_reader_takes_is_its_rows_problem_naming_the_column() -> None:
    content = (",".join([*HEADER, "remarks"]) + "\n"
               "KEN-1,2026-10-03,Manis,SCA,1,,\n"
               "KEN-2,2026-10-03," + "M" * 200_000 + ",SCA,1,,\n"
               'KEN-3,2026-10-03,Manis,SCA,1,,"' + 'a ""b""\r\n' * 20_000 + '",\n'
               "KEN-4,2026-10-03,Manis,SCA,1,,,," + "x" * 140_000 + "\n"
               "KEN-5,2026-10-03,Manis,SCA,1,,\n").encode()

    rows = list(read_rows(content, "results.csv"))

    assert [(number, values if isinstance(values, RowProblem) else values["seizure_ref"])
            for number, values in rows] == [
        (2, "KEN-1"), (3, RowProblem("taxon", TOO_LONG)), (4, RowProblem("remarks", TOO_LONG)),
        (5, RowProblem("column 9", TOO_LONG)), (6, "KEN-5")]


def test_a_header_cell_longer_than_the_csv_reader_takes_refuses_the_sheet_naming_it() -> None:
    with pytest.raises(SheetError, match=f"row 1: column 2: {TOO_LONG}"):
        list(read_rows(("seizure_ref," + "x" * 200_000 + "\nKEN-1,\n").encode(), "results.csv"))


def test_the_first_row_of_a_big_xlsx_comes_without_reading_the_rest() -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADER)
    for number in range(20_000):
        sheet.append([f"KEN-{number}", date(2026, 10, 3), "Manis", "SCA", 1, None])
    output = io.BytesIO()
    workbook.save(output)

    rows = read_rows(output.getvalue(), "results.xlsx")

    assert inspect.isgenerator(rows)
    assert next(rows) == (2, filled({"seizure_ref": "KEN-0", "seizure_date": "2026-10-03", "taxon": "Manis",
                                     "term": "SCA", "quantity": 1}))
    rows.close()


# --- Template -------------------------------------------------------------------------------------------------------

def test_the_template_header_is_every_contract_column() -> None:
    sheet = load_workbook(io.BytesIO(template()))["Seizures"]

    assert tuple(cell.value for cell in sheet[1]) == COLUMNS
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold


def test_the_template_dropdowns_take_their_values_from_the_hidden_lists_sheet() -> None:
    workbook = load_workbook(io.BytesIO(template()))
    seizures, lists = workbook["Seizures"], workbook["Lists"]
    dropdowns = {str(rule.sqref): rule.formula1 for rule in seizures.data_validations.dataValidation
                 if rule.type == "list"}

    def listed(formula: str) -> list[str]:
        cells = lists[formula.removeprefix("Lists!").replace("$", "")]
        return [row[0].value for row in cells]

    assert lists.sheet_state == "hidden"
    assert listed(dropdowns["P2:P5001"]) == ["TUS", "SCA", "LIV"]  # term
    assert listed(dropdowns["R2:R5001"]) == ["KIL", "PCS"]  # unit
    # The countries of origin, export and destination, and the Ecomessage's Customs origin and real destination.
    countries = next(sqref for sqref in dropdowns if sqref.startswith("K2:K5001 L2:L5001 M2:M5001 "))
    assert listed(dropdowns[countries]) == ["KEN", "TZA", "VNM"] and len(countries.split()) == 5
    state = get_column_letter(COLUMNS.index("specimen_state") + 1)
    assert listed(dropdowns[f"{state}2:{state}5001"]) == ["live", "dead"]
    disposal = get_column_letter(COLUMNS.index("disposal") + 1)
    assert listed(dropdowns[f"{disposal}2:{disposal}5001"]) == list(DISPOSALS)  # the annual report's disposal
    assert all(formula.startswith("Lists!$") for formula in dropdowns.values())
    assert len(dropdowns) == 14


def test_a_list_longer_than_an_inline_list_allows_still_gets_a_dropdown() -> None:
    countries = [(f"C{number:02d}", f"Country {number}") for number in range(100)]
    workbook = load_workbook(io.BytesIO(template(countries=countries)))
    [rule] = [rule for rule in workbook["Seizures"].data_validations.dataValidation if "K2:K5001" in str(rule.sqref)]

    assert rule.formula1.endswith("$101")
    assert workbook["Lists"][rule.formula1.removeprefix("Lists!").split(":")[1].replace("$", "")].value == "C99"


def test_the_template_numbers_and_date_are_checked_as_typed() -> None:
    rules = {str(rule.sqref): rule for rule in
             load_workbook(io.BytesIO(template()))["Seizures"].data_validations.dataValidation}

    assert (rules["C2:C5001"].type, rules["C2:C5001"].operator) == ("date", "between")
    assert (rules["C2:C5001"].formula1, rules["C2:C5001"].formula2) == ("DATE(2026,10,1)", "DATE(2026,10,31)")
    assert "2026-10-01" in rules["C2:C5001"].error and "2026-10-31" in rules["C2:C5001"].error
    assert (rules["Q2:Q5001"].type, rules["Q2:Q5001"].operator, rules["Q2:Q5001"].formula1) == (
        "decimal", "greaterThan", "0")  # quantity
    assert (rules["V2:V5001"].type, rules["V2:V5001"].operator, rules["V2:V5001"].formula1) == (
        "whole", "greaterThanOrEqual", "0")  # suspects_arrested


def test_the_template_lists_the_target_taxa_and_explains_itself() -> None:
    workbook = load_workbook(io.BytesIO(template()))
    instructions = " ".join(str(row[0].value or "") for row in workbook["Instructions"].iter_rows())

    assert [[cell.value for cell in row] for row in workbook["Target taxa"].iter_rows(min_row=2)] == [
        ["Loxodonta africana", "African bush elephant"], ["Manis", "pangolins"]]
    assert "THUNDER-2026" in instructions and "2026-10-01" in instructions and "2026-10-31" in instructions
    assert "seizure_ref and item_no" in instructions
    assert "never put the names" in instructions.lower()


def test_a_filled_template_reads_back() -> None:
    workbook = load_workbook(io.BytesIO(template()))
    sheet = workbook["Seizures"]
    position = {column: index for index, column in enumerate(COLUMNS, 1)}
    for row, values in ((2, {"seizure_ref": "KEN-001", "item_no": 1, "seizure_date": date(2026, 10, 3),
                             "taxon": "Loxodonta africana", "term": "TUS", "quantity": 779.6, "unit": "KIL",
                             "origin_country": "KEN", "suspects_arrested": 2}),
                        (3, {"seizure_ref": "KEN-001", "item_no": 2, "seizure_date": date(2026, 10, 3),
                             "taxon": "Manis", "term": "SCA", "quantity": 12, "unit": "KIL"})):
        for column, value in values.items():
            sheet.cell(row, position[column], value)
    output = io.BytesIO()
    workbook.save(output)

    assert list(read_rows(output.getvalue(), "THUNDER-2026 KEN.xlsx")) == [
        (2, filled({"seizure_ref": "KEN-001", "item_no": 1, "seizure_date": "2026-10-03",
                    "taxon": "Loxodonta africana", "term": "TUS", "quantity": 779.6, "unit": "KIL",
                    "origin_country": "KEN", "suspects_arrested": 2})),
        (3, filled({"seizure_ref": "KEN-001", "item_no": 2, "seizure_date": "2026-10-03", "taxon": "Manis",
                    "term": "SCA", "quantity": 12, "unit": "KIL"})),
    ]
