"""Properties over generated input (hypothesis): the seizure validator and the sheet reader answer anything with a
result or a refusal that names what is wrong, never another exception; and what the validator accepts lies within
the bounds the OpenAPI document gives, which are the bounds it enforces.

Derandomized and without an example database, so every run (and CI) tries the same examples.
"""

from __future__ import annotations

import copy
import csv
import io
import math
import re
import zipfile

import pytest
from hypothesis import HealthCheck, event, example, given, settings, strategies as st
from litestar.openapi.spec import OpenAPIFormat, OpenAPIType, Schema
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import func, select

from opsplatform.checks import LARGEST_NUMBER
from opsplatform.database import LARGEST_ID
from opsplatform.errors import InvalidInput
from opsplatform.models.seizures import Seizure
from opsplatform.seizures import submission
from opsplatform.seizures.imports import ImportReport, import_sheet
from opsplatform.seizures.sheets import COLUMNS, NUMERIC, REQUIRED, SheetError, SheetLimits, read_rows
from opsplatform.seizures.validation import (
    MAX_COUNT,
    MAX_ITEMS,
    MAX_MONEY,
    MAX_QUANTITY,
    MAX_SUSPECTS,
    TEXT_LIMITS,
    Reference,
)
from opsplatform.web.api.seizures import ITEM, NEW_SEIZURE, SUSPECT
from tests.results_support import IVORY, active_operation, member

# Derandomized: the same cases on every run, alone or after other files (every_module_loaded says why).
pytestmark = pytest.mark.usefixtures("every_module_loaded")
QUICK = {"derandomize": True, "database": None, "deadline": None}
WITH_DB = dict(QUICK, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# --- any JSON value, with the numbers and texts that sit on a rule's edge ---------------------------------------------

BOUNDS = (MAX_QUANTITY, MAX_MONEY, MAX_COUNT, 90, 180, LARGEST_NUMBER, LARGEST_ID)
EDGES = [x for b in BOUNDS for x in (b, -b, b + 1, math.nextafter(b, math.inf))] + [
    0, -0.0, 1, 5e-324, 0.1 + 0.2, 1e308, math.inf, -math.inf, math.nan, 2**63, 10**400, -(10**400), True, False]
NUMBERS = st.one_of(st.integers(), st.floats(), st.sampled_from(EDGES))
TEXTS = st.one_of(
    st.text(max_size=20),  # control characters, other scripts, surrogate-free unicode
    st.sampled_from(["", " ", "1e9", "1e400", "1,5", "12 345,6", "1_000", "NaN", "-inf", "0x1A", "١٢٣", "²",
                     "KEN;TZA", "ken", "2026-10-03 00:00", "2026-02-30", "23:59", "24:00", "Loxodonta africana",
                     "TUS", "kg", "usd", "draft", "on", "\x00", "\x1f\x7f", "\r\n"]),
    st.sampled_from(sorted(set(TEXT_LIMITS.values()))).flatmap(lambda n: st.sampled_from(["x" * n, "x" * (n + 1)])),
)
JSON = st.recursive(st.none() | st.booleans() | NUMBERS | TEXTS,
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                    max_leaves=6)


def shaped(schema: Schema) -> st.SearchStrategy:
    """Values of the shape the document gives a field: what a client built from it sends."""
    if schema.enum:
        return st.sampled_from(schema.enum)
    kinds = schema.type if isinstance(schema.type, list) else [schema.type]
    shapes = {
        OpenAPIType.NULL: lambda: st.none(),
        OpenAPIType.BOOLEAN: lambda: st.booleans(),
        OpenAPIType.INTEGER: lambda: st.integers(schema.minimum, schema.maximum),
        OpenAPIType.NUMBER: lambda: st.floats(
            schema.minimum if schema.exclusive_minimum is None else schema.exclusive_minimum, schema.maximum,
            exclude_min=schema.exclusive_minimum is not None, allow_nan=False),
        OpenAPIType.STRING: lambda: (st.from_regex(schema.pattern, fullmatch=True) if schema.pattern
                                     else st.dates().map(str) if schema.format == OpenAPIFormat.DATE
                                     else st.text(max_size=min(schema.max_length or 40, 40))),
        OpenAPIType.ARRAY: lambda: st.lists(shaped(schema.items), max_size=3),
        OpenAPIType.OBJECT: lambda: st.fixed_dictionaries({}, optional={k: shaped(v)
                                                                         for k, v in schema.properties.items()}),
    }
    return st.one_of([shapes[kind]() for kind in kinds])


def changed(base: dict, properties: dict[str, Schema]) -> st.SearchStrategy[dict]:
    """`base` with a few of its fields (or an unknown one) set to a value of their documented shape or to any JSON
    value at all."""
    values = {name: shaped(schema) | JSON for name, schema in properties.items()} | {"unknown": JSON}
    return st.lists(st.sampled_from(sorted(values)), unique=True, max_size=3).flatmap(
        lambda names: st.fixed_dictionaries({name: values[name] for name in names})).map(
        lambda picked: {**copy.deepcopy(base), **picked})


# Most items and suspects as sent in real life, some changed: a seizure is refused for any one bad item.
ITEMS = st.lists(st.sampled_from(IVORY["items"]).map(copy.deepcopy) | changed(IVORY["items"][0], ITEM.properties),
                 min_size=1, max_size=4)
SUSPECTS = st.lists(st.sampled_from(IVORY["suspects"]).map(copy.deepcopy)
                    | changed(IVORY["suspects"][0], SUSPECT.properties), max_size=3)
BODIES = st.builds(lambda items, suspects, body: {"items": items, "suspects": suspects, **body}, ITEMS, SUSPECTS,
                   changed({k: v for k, v in IVORY.items() if k not in ("items", "suspects")}, NEW_SEIZURE.properties))

# Every refusal names a field the document lists: `location`, `items[2].quantity`, `suspects[0].sex`.
FIELD = re.compile("|".join([
    "(?:{})".format("|".join(NEW_SEIZURE.properties)),
    r"items\[\d+\]\.(?:{})".format("|".join(ITEM.properties)),
    r"suspects\[\d+\]\.(?:{})".format("|".join(SUSPECT.properties))]))


def within(value, schema) -> bool:
    """Whether an accepted number lies inside the bounds the document gives for it."""
    return value is None or (math.isfinite(value)
                             and (schema.minimum is None or value >= schema.minimum)
                             and (schema.maximum is None or value <= schema.maximum)
                             and (schema.exclusive_minimum is None or value > schema.exclusive_minimum))


def assert_sound(checked: submission.Checked, body: dict) -> None:
    """An accepted seizure holds what its fields may hold, whatever was sent."""
    values = {**checked.seizure, **checked.publicity}
    for name, limit in TEXT_LIMITS.items():
        assert values.get(name) is None or isinstance(values[name], str) and len(values[name]) <= limit, name
    for name, sent in body.items():  # a list or an object is never stored as its Python spelling
        if isinstance(sent, list | dict) and name in values:
            assert values[name] != str(sent), (name, values[name])
    for name in ("latitude", "longitude", "suspects_arrested"):
        assert within(values[name], NEW_SEIZURE.properties[name]), (name, values[name])
    assert 1 <= len(checked.items) <= MAX_ITEMS
    for item in checked.items:
        for name in ("quantity", "estimated_value", "item_no"):
            assert within(item[name], ITEM.properties[name]), (name, item[name])
    assert checked.suspects is None or len(checked.suspects) <= MAX_SUSPECTS


@pytest.fixture
async def kenya(db, cast):
    """Kenya's focal point in the active operation, and the reference data its submissions are checked against."""
    operation = await active_operation(db)
    return await member(db, cast.kenya, operation), await Reference.load(db)


@settings(max_examples=400, **WITH_DB)
@given(body=BODIES)
@example(body={**IVORY, "items": [{**IVORY["items"][0], "quantity": MAX_QUANTITY}]})
@example(body={**IVORY, "latitude": 10**400})
@example(body={**IVORY, "public_description": ["Ivory"]})
async def test_any_json_in_any_field_is_a_clean_seizure_or_a_refusal_naming_fields(kenya, body: dict):
    who, ref = kenya
    try:
        checked = submission.check_submission(ref, who, body, country="KEN")
    except InvalidInput as refused:
        event("refused")
        assert refused.errors
        for error in refused.errors:
            assert FIELD.fullmatch(error.field) and isinstance(error.message, str) and error.message, error
    else:
        event("accepted")
        assert_sound(checked, body)


async def test_a_number_beyond_any_float_is_refused_not_raised(kenya):
    who, ref = kenya
    with pytest.raises(InvalidInput) as refused:
        submission.check_submission(ref, who, {**IVORY, "latitude": 10**400}, country="KEN")
    assert refused.value.by_field()["latitude"]


async def test_a_public_description_that_is_not_text_is_refused(kenya):
    who, ref = kenya
    with pytest.raises(InvalidInput) as refused:
        submission.check_submission(ref, who, {**IVORY, "publicity_approved": True, "public_description": ["Ivory"]},
                                  country="KEN")
    assert refused.value.by_field()["public_description"]


# --- the document's bounds are the validator's ------------------------------------------------------------------------

def _refused(ref, who, body: dict) -> dict[str, str]:
    try:
        submission.check_submission(ref, who, body, country="KEN")
    except InvalidInput as refused:
        return refused.by_field()
    return {}


def _documented_bounds():
    """(field path, value the document allows at its edge, value just beyond it) for every bound it gives."""
    for where, properties in (("", NEW_SEIZURE.properties), ("items[0].", ITEM.properties)):
        for name, schema in properties.items():
            if schema.max_length:
                yield where + name, "x" * schema.max_length, "x" * (schema.max_length + 1)
            if schema.maximum is not None:
                yield where + name, schema.maximum, math.nextafter(schema.maximum, math.inf) if schema.maximum < 2**53 \
                    else schema.maximum + 1
            if schema.minimum is not None:
                yield where + name, schema.minimum, math.nextafter(schema.minimum, -math.inf)
            if schema.exclusive_minimum is not None:
                yield where + name, math.nextafter(schema.exclusive_minimum, math.inf), schema.exclusive_minimum
    items = [{**IVORY["items"][0], "item_no": n + 1} for n in range(MAX_ITEMS + 1)]
    yield "items", items[:NEW_SEIZURE.properties["items"].max_items], items
    suspects = [IVORY["suspects"][0]] * (MAX_SUSPECTS + 1)
    yield "suspects", suspects[:NEW_SEIZURE.properties["suspects"].max_items], suspects


def _with(path: str, value) -> dict:
    body = copy.deepcopy(IVORY)
    if path.startswith("items[0]."):
        body["items"][0][path.removeprefix("items[0].")] = value
    else:
        body[path] = value
    return body


async def test_the_documented_bounds_are_the_ones_the_validator_keeps(kenya):
    who, ref = kenya
    checked = 0
    for path, edge, beyond in _documented_bounds():
        assert path not in _refused(ref, who, _with(path, edge)), (path, "refused at the documented bound")
        assert path in _refused(ref, who, _with(path, beyond)), (path, "accepted beyond the documented bound")
        checked += 1
    for where, properties in (("", NEW_SEIZURE.properties), ("items[0].", ITEM.properties)):
        for name, schema in properties.items():
            for value in [v for v in schema.enum or () if v is not None]:
                assert not _refused(ref, who, _with(where + name, value)), (name, value)
                checked += 1
    assert checked > 30  # every text limit, number bound and coded value of a seizure and its items


# --- the sheet reader -------------------------------------------------------------------------------------------------

LIMITS = SheetLimits(rows=50, unpacked_mb=1, ratio=100, strings_mb=1)
ROW = {"seizure_ref": "KE-1", "seizure_date": "2026-10-03", "taxon": "Loxodonta africana", "term": "TUS",
       "quantity": "12.5", "unit": "kg", "transit_countries": "ARE;QAT", "notes": 'said "hello", twice'}


def _csv(rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, delimiter=";")
    writer.writeheader()
    writer.writerows([{**ROW, "seizure_ref": f"KE-{n}"} for n in range(rows)])
    return out.getvalue().encode("utf-8-sig")


def _xlsx(rows: int) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMNS))
    for n in range(rows):
        sheet.append([{**ROW, "seizure_ref": f"KE-{n}", "quantity": 12.5 + n}.get(c) for c in COLUMNS])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


REAL = {"sheet.csv": _csv(3), "sheet.xlsx": _xlsx(3)}
with zipfile.ZipFile(io.BytesIO(REAL["sheet.xlsx"])) as _parts:
    PARTS = {info.filename: _parts.read(info) for info in _parts.infolist()}


@st.composite
def cut(draw, name: str) -> bytes:
    """A real sheet cut short, as an interrupted upload leaves it."""
    return REAL[name][:draw(st.integers(0, len(REAL[name])))]


@st.composite
def overwritten(draw, name: str) -> bytes:
    """A real sheet with a stretch of it overwritten."""
    content, junk = REAL[name], draw(st.binary(min_size=1, max_size=64))
    start = draw(st.integers(0, len(content)))
    return content[:start] + junk + content[start + len(junk):]


@st.composite
def zips(draw) -> bytes:
    """A zip that says it is a workbook: its real parts, some damaged, some missing, some not what they say."""
    out = io.BytesIO()
    method = draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))
    with zipfile.ZipFile(out, "w", method) as archive:
        for name in draw(st.lists(st.sampled_from(sorted(PARTS)), unique=True, max_size=len(PARTS))):
            text = PARTS[name]
            cut_at = draw(st.integers(0, len(text)))
            archive.writestr(name, draw(st.sampled_from([
                text, text[:cut_at], text[:cut_at] + draw(st.binary(max_size=32)) + text[cut_at:]])))
        for name in draw(st.lists(st.sampled_from(["xl/workbook.xml", "[Content_Types].xml", "junk"]), max_size=2,
                                  unique=True)):
            if name not in archive.namelist():
                archive.writestr(name, draw(st.binary(max_size=64)))
    return out.getvalue()


# Any cell value a sheet may hold (text with control characters only in a CSV: openpyxl cannot write them).
CELLS = st.one_of(TEXTS, st.integers(-2**63, 2**63 - 1), st.floats(),
                  st.sampled_from([e for e in EDGES if isinstance(e, float) or abs(e) < 2**63]), st.dates(),
                  st.datetimes(), st.booleans(), st.none())


@st.composite
def filled(draw) -> bytes:
    """A sheet with the real header (its columns in any order, optional ones left out) and rows of any values."""
    dropped = draw(st.sets(st.sampled_from([c for c in COLUMNS if c not in REQUIRED])))
    header = draw(st.permutations([c for c in COLUMNS if c not in dropped]))
    rows = draw(st.lists(st.lists(CELLS, min_size=len(header), max_size=len(header)), max_size=6))
    if draw(st.booleans()):
        out = io.StringIO()
        csv.writer(out, delimiter=draw(st.sampled_from([",", ";"]))).writerows([header, *rows])
        return out.getvalue().encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"])), errors="replace")
    workbook = Workbook()
    for row in [header, *rows]:
        workbook.active.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# Random bytes, real sheets cut short or overwritten, zip-shaped garbage.
FILES = st.one_of(st.binary(max_size=512), *(cut(name) for name in REAL), overwritten("sheet.csv"),
                  st.binary(max_size=256).map(lambda rest: b"PK\x03\x04" + rest))
# Whole zips whose parts are damaged inside (openpyxl fails on them in its own ways).
DAMAGED_WORKBOOKS = st.one_of(overwritten("sheet.xlsx"), zips())
NAMES = st.sampled_from(["sheet.csv", "sheet.xlsx", "sheet.txt", "sheet", "sheet.xls", "Sheet.XLSX"])


def _read(content: bytes, filename: str) -> list | None:
    """The rows, each with every column as text, but a workbook's numeric cell in a numeric column as a number; None
    when the file is refused as a whole (saying why)."""
    try:
        rows = list(read_rows(content, filename, LIMITS))
    except SheetError as refused:
        assert str(refused)
        return None
    for number, values in rows:
        assert number >= 2 and list(values) == list(COLUMNS)
        assert all(isinstance(v, str) or column in NUMERIC and type(v) in (int, float) for column, v in values.items())
    return rows


@settings(max_examples=400, **QUICK)
@given(content=FILES | filled(), filename=NAMES)
@example(content=REAL["sheet.csv"], filename="sheet.csv")
@example(content=REAL["sheet.xlsx"], filename="sheet.xlsx")
def test_any_bytes_are_rows_or_a_sheet_error(content: bytes, filename: str) -> None:
    rows = _read(content, filename)
    event("refused" if rows is None else f"read, {'some' if rows else 'no'} rows")


@settings(max_examples=400, **QUICK)
@given(content=DAMAGED_WORKBOOKS, filename=NAMES)
def test_a_workbook_damaged_inside_is_rows_or_a_sheet_error(content: bytes, filename: str) -> None:
    _read(content, filename)


def test_the_real_sheets_behind_the_damaged_ones_read_whole() -> None:
    assert len(_read(REAL["sheet.csv"], "sheet.csv") or []) == len(_read(REAL["sheet.xlsx"], "sheet.xlsx") or []) == 3


@settings(max_examples=100, **WITH_DB)
@given(content=FILES | filled(), filename=NAMES)
@example(content=REAL["sheet.csv"], filename="sheet.csv")
async def test_a_dry_run_of_any_file_is_a_report_or_a_refusal_and_changes_nothing(db, kenya, content: bytes,
                                                                                  filename: str):
    who, _ref = kenya
    before = await db.scalar(select(func.count()).select_from(Seizure))
    try:
        report = await import_sheet(db, who, "KEN", content, filename, limits=LIMITS, dry_run=True)
    except InvalidInput as refused:
        event("refused")
        assert [e.field for e in refused.errors] == ["file"] and refused.errors[0].message
    else:
        event(f"reported, {'some' if report.rows else 'no'} rows")
        assert isinstance(report, ImportReport)
        assert 0 <= report.rejected <= report.rows and report.created + report.updated + report.unchanged <= report.rows
    assert await db.scalar(select(func.count()).select_from(Seizure)) == before
