"""Seizure sheets (the columns of the sheet contract): read a CSV or XLSX row by row.

Pure functions, no database. `read_rows` streams `(row_number, values)` with the row numbers a spreadsheet program
shows and raises `SheetError` only when the file as a whole cannot be read; checking each value is the importer's job,
but for a row that cannot be read at all (`RowProblem`).
Values are text as typed, but for a workbook's numeric cells in the numeric columns, which stay numbers: they need no
reading, whatever language the sheet's text is written in.
openpyxl is imported only to read a workbook: a worker checking a CSV does without its memory.
"""

from __future__ import annotations

import csv
import io
import sys
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from opsplatform import format
from opsplatform.i18n import _, ngettext
from opsplatform.models.vocabulary import CASE_FIELDS, REPORT_FIELDS, SPECIMEN_FIELDS
from opsplatform.uploads import UTF16_BOMS, text_encoding

COLUMNS: tuple[str, ...] = (
    "seizure_ref", "item_no", "seizure_date", "location", "latitude", "longitude", "location_type",
    "detection_method", "transport_mode", "agency", "origin_country", "export_country", "destination_country",
    "transit_countries", "taxon", "term", "quantity", "unit", "estimated_value", "currency", "concealment",
    "suspects_arrested", "suspect_nationalities", "case_status", "notes",
    # The annual illegal trade report's reason and disposal: optional, an empty cell keeps the record's value.
    *REPORT_FIELDS,
    # The Ecomessage's case file and specimens' description: optional, an empty cell keeps the record's value.
    *CASE_FIELDS, *SPECIMEN_FIELDS,
)
REQUIRED: tuple[str, ...] = ("seizure_ref", "seizure_date", "taxon", "term", "quantity")
NUMERIC: frozenset[str] = frozenset({"item_no", "latitude", "longitude", "quantity", "estimated_value",
                                     "suspects_arrested"})

# A header that would hold a person's identity, kept out of sheets (docs/reference.md): one with any of these words,
NOMINAL_WORDS = frozenset({"passport", "surname", "forename", "firstname", "lastname", "fullname", "birth",
                           "birthdate", "dob", "identity"})
# or "name", "document" or "id" with one of these ("suspect_name", "id_number"; not "common_name", "seizure_id").
PERSON_WORDS = frozenset({"suspect", "offender", "person", "accused", "courier", "driver", "passenger", "first",
                          "last", "full", "given", "family", "middle", "number", "no", "card", "national", "travel"})
# Old Excel, PDF and images are read by no CSV reader; say so rather than report a page of bad rows.
BINARY_SIGNATURES = (b"%PDF", b"\xd0\xcf\x11\xe0", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")
DELIMITERS = (",", ";", "\t")
SHARED_LENGTH = 64


@dataclass(frozen=True)
class SheetLimits:
    """What a sheet may be (settings `OPSPLATFORM_SHEET_*`): more rows are refused, and an XLSX is measured before it
    is opened, since a 1 MB file can unpack to gigabytes of repeated text (a "zip bomb")."""

    rows: int = 200_000
    unpacked_mb: int = 500  # all the workbook's parts, unpacked (200,000 rows written with inline text: 250 MB)
    ratio: int = 100  # unpacked size over packed size of any part over 1 MB (sheets are 10-20)
    strings_mb: int = 100  # the shared text, which is read whole (others are read as a stream)


DEFAULT_LIMITS = SheetLimits()


class SheetError(Exception):
    """The file as a whole cannot be read; str(exc) says what to do.

    For example: 'the sheet has no column "taxon" (required); add it to the header row and upload the sheet again'.
    """


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A row that cannot be read, given in place of its values: the importer rejects it, naming the column."""

    column: str
    problem: str


@dataclass(frozen=True, slots=True)
class _TooLong:
    """A CSV record with a cell longer than the CSV reader takes: its position."""

    cell: int


def read_rows(content: bytes, filename: str, limits: SheetLimits = DEFAULT_LIMITS,
              columns: set[str] | None = None) -> Iterator[tuple[int, dict[str, str | float] | RowProblem]]:
    """Each non-empty data row as (row number a spreadsheet shows, stripped text by public sheet column, empty for a
    column the sheet lacks; a number for a workbook's numeric cell in a NUMERIC column), or a RowProblem. `columns`,
    when given, receives the public columns the header row has."""
    positions: dict[str, int] | None = None
    header: list[str] = []
    rows = _xlsx_rows(content, limits) if _is_xlsx(content, filename) else _csv_rows(content)
    count = 0
    for number, cells in enumerate(rows, 1):
        too_long = cells.__class__ is _TooLong
        if not too_long and all(cell == "" for cell in cells):
            continue
        if positions is None and too_long:
            raise SheetError(_("row %(row)s: %(column)s: %(problem)s", row=number,
                               column=_column_name([], {}, cells.cell), problem=_too_long()))
        if positions is None:  # the first non-empty row is the header
            header = [_text(cell) for cell in cells]
            positions = _header_positions(header)
            if columns is not None:
                columns.update(positions)
            continue
        count += 1
        if count > limits.rows:
            raise SheetError(_("the sheet has more than %(n)s rows, more than one upload may hold; split it into "
                               "sheets of at most %(n)s rows and upload each", n=format.number(limits.rows)))
        if too_long:
            yield number, RowProblem(_column_name(header, positions, cells.cell), _too_long())
            continue
        values: dict[str, str | float] = dict.fromkeys(COLUMNS, "")
        for column, index in positions.items():
            if index < len(cells):
                cell = cells[index]
                values[column] = cell if cell.__class__ is str or column in NUMERIC else _text(cell)
        yield number, values
    if positions is None:
        raise SheetError(_("the file is empty; fill in the seizure sheet template and upload it again"))


def _too_long() -> str:
    return _("is longer than %(n)s characters, more than any column takes; shorten it",
             n=format.number(csv.field_size_limit()))


def _column_name(header: list[str], positions: dict[str, int], index: int) -> str:
    """The column at a position: its public name, or its header as typed, or its number."""
    known = next((column for column, at in positions.items() if at == index), None)
    typed = header[index].strip() if index < len(header) else ""
    return known or typed or _("column %(n)s", n=index + 1)


def _is_xlsx(content: bytes, filename: str) -> bool:
    if content.startswith(b"PK\x03\x04"):  # every XLSX is a zip, whatever its name
        return True
    name = filename.lower()
    if (b"\x00" in content[:4096] and not content.startswith(UTF16_BOMS) or content.startswith(BINARY_SIGNATURES)
            or name.endswith((".xls", ".xlsx", ".xlsm", ".ods", ".pdf", ".doc", ".docx"))):
        raise SheetError(_('"%(filename)s" is not a CSV or XLSX file; save the sheet from your spreadsheet program '
                           'as Excel workbook (.xlsx) or CSV and upload it again', filename=filename))
    return False


def _column_key(header: str) -> str:
    return "_".join(header.strip().lower().split())


def _is_nominal(key: str) -> bool:
    words = set(key.split("_"))
    return bool(words & NOMINAL_WORDS or key in ("name", "names")
                or words & {"name", "names", "document", "id"} and words & PERSON_WORDS)


def _header_positions(cells: list[str]) -> dict[str, int]:
    """Where each public sheet column is in the header row; SheetError for nominal, repeated or missing columns."""
    positions: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = _column_key(cell)
        if _is_nominal(key):
            raise SheetError(_('the column "%(column)s" would hold a person\'s name or document: nominal data is '
                               'accepted only through the secure form or the API, never in a sheet; delete the '
                               'column and upload the sheet again', column=cell))
        if key in positions:
            raise SheetError(_('the column "%(column)s" appears twice in the header row; keep one and upload the '
                               'sheet again', column=key))
        if key in COLUMNS:
            positions[key] = index
    missing = [column for column in REQUIRED if column not in positions]
    if missing:
        raise SheetError(ngettext('the sheet has no column %(columns)s (required); add it to the header row and '
                                  'upload the sheet again',
                                  'the sheet has no columns %(columns)s (required); add them to the header row and '
                                  'upload the sheet again', len(missing),
                                  columns=", ".join(f'"{column}"' for column in missing)))
    return positions


def _csv_rows(content: bytes) -> Iterator[list[str] | _TooLong]:
    encoding = text_encoding(content)
    head = content[:65536].decode(encoding, errors="replace").splitlines()
    first_line = next((line for line in head if line.strip()), "")
    delimiter = max(DELIMITERS, key=lambda d: (sum(_column_key(cell.strip().strip('"')) in COLUMNS
                                                   for cell in first_line.split(d)), first_line.count(d)))
    # Decoded as it is read, so a large file is never held twice as text.
    record: list[str] = []  # the lines of the record being read
    lines = _kept(io.TextIOWrapper(io.BytesIO(content), encoding=encoding, errors="replace", newline=""), record)
    reader = csv.reader(lines, delimiter=delimiter)
    rows = 0
    while True:
        try:
            for last in reader:
                # A quote never closed takes the rows after it into its cell without an error, up to the end of the
                # file or to a quote in the text of a later row: a record over several lines is measured again.
                if len(record) > 1 and _opened(record, delimiter):
                    raise _unclosed(rows + 1)
                record.clear()
                rows += 1
                yield [_shared(cell.strip()) for cell in last]
            break
        except csv.Error as exc:
            # A cell longer than the reader takes (csv.field_size_limit: 128 K characters, 26 times the longest
            # field) is its row's problem: the row's other lines are skipped and the next row is read as it is.
            cells = _Cells(delimiter, csv.field_size_limit())
            for line in record:
                cells.feed(line)
            while cells.quoted and (line := next(lines, None)) is not None:
                cells.feed(line)
            if cells.open:
                raise _unclosed(rows + 1) from exc
            if cells.too_long is None:
                raise SheetError(_("the file cannot be read as CSV (%(problem)s); save the sheet again as CSV or "
                                   "Excel workbook (.xlsx) and upload it again", problem=exc)) from exc
            record.clear()
            rows += 1
            yield _TooLong(cells.too_long)


def _opened(lines: list[str], delimiter: str) -> bool:
    """Whether a record read from these lines ends in a quote never closed (`_Cells.open`)."""
    cells = _Cells(delimiter, csv.field_size_limit())
    for line in lines:
        cells.feed(line)
    return cells.open


def _unclosed(row: int) -> SheetError:
    return SheetError(_("row %(row)s opens a quote (\") that is never closed, so every row after it was read into "
                        "its last cell; close or remove the quote and upload the sheet again", row=row))


def _kept(text: Iterator[str], record: list[str]) -> Iterator[str]:
    """A text's lines as the CSV reader takes them, each kept in `record` until the reader's caller clears it."""
    for line in text:
        record.append(line)
        yield line


class _Cells:
    """A CSV record's cells measured line by line as the csv module splits them, their text not kept: a quote opens a
    cell only at its start, "" in a quoted cell is a quote, and a line break in one is part of it. `open` tells
    whether the record ends in a quote never closed: still quoted, or closed only by a quote inside the text of a cell
    that took in a line break (`"found in a crate⏎…⏎one 30" tusk`), which the reader takes for the closing one."""

    def __init__(self, delimiter: str, limit: int) -> None:
        self.delimiter, self.limit = delimiter, limit
        self.cell = self.length = 0
        self.quoted, self.starting, self.spread, self.stray = False, True, False, False
        self.too_long: int | None = None  # the first cell longer than the limit

    @property
    def open(self) -> bool:
        return self.quoted or self.stray

    def feed(self, line: str) -> None:
        end, at = len(line.rstrip("\r\n")), 0
        while at < len(line):
            if self.quoted:
                quote = line.find('"', at)
                if quote < 0:  # the cell goes on in the next line
                    self._grow(len(line) - at)
                    self.spread = True
                    return
                self._grow(quote - at)
                if line.startswith('"', quote + 1):
                    self._grow(1)
                    at = quote + 2
                else:
                    self.stray |= self.spread and line[quote + 1:quote + 2] not in (self.delimiter, "\r", "\n", "")
                    self.quoted, self.spread, at = False, False, quote + 1
            elif self.starting and line.startswith('"', at):
                self.quoted, self.starting, at = True, False, at + 1
            else:
                self.starting = False
                delimiter = line.find(self.delimiter, at, end)
                if delimiter < 0:  # the record ends with the line
                    self._grow(max(end - at, 0))
                    return
                self._grow(delimiter - at)
                self.cell, self.length, self.starting, at = self.cell + 1, 0, True, delimiter + 1

    def _grow(self, length: int) -> None:
        self.length += length
        if self.length > self.limit and self.too_long is None:
            self.too_long = self.cell


# What a damaged workbook raises while it is opened or read. The zip module raises these few; openpyxl, reading
# parts damaged inside, raises nearly anything (XML syntax errors, TypeError, NotImplementedError, …), and only its
# code runs where DAMAGED is caught, so there any exception means the file cannot be read.
UNREADABLE = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError)
DAMAGED = Exception


def _unreadable() -> SheetError:
    return SheetError(_("the file cannot be opened as an Excel workbook (it may be damaged or cut short); save the "
                        "sheet again as Excel workbook (.xlsx) or CSV and upload it again"))


def _measure(content: bytes, limits: SheetLimits) -> None:
    """Refuse a workbook whose parts unpack beyond the limits, from the sizes its zip declares, before reading it.
    (A part that declares less than it holds fails its CRC check while read: the zip module stops at the size.)"""
    try:
        parts = zipfile.ZipFile(io.BytesIO(content)).infolist()
    except UNREADABLE as exc:
        raise _unreadable() from exc
    unpacked = sum(part.file_size for part in parts)
    swollen = any(part.file_size > 2**20 and part.file_size > limits.ratio * max(part.compress_size, 1)
                  or part.filename.endswith("sharedStrings.xml") and part.file_size > limits.strings_mb * 2**20
                  for part in parts)
    if unpacked > limits.unpacked_mb * 2**20 or swollen:
        raise SheetError(_("the workbook unpacks to %(size)s MB, more than a seizure sheet holds (at most "
                           "%(limit)s MB, and no part over %(ratio)s times its packed size); save the seizures alone "
                           "as a new workbook or CSV and upload it again", size=format.number(unpacked // 2**20),
                           limit=limits.unpacked_mb, ratio=limits.ratio))


def _xlsx_rows(content: bytes, limits: SheetLimits) -> Iterator[list[str | float]]:
    from openpyxl import load_workbook

    _measure(content, limits)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except DAMAGED as exc:
        raise _unreadable() from exc
    try:
        if not workbook.worksheets:
            raise SheetError(_("the workbook has no worksheet; put the seizures on its first sheet"))
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some programs record a wrong size; read up to the last row actually there
        # Missing rows come back as empty tuples, so counting from 1 gives the row numbers the user sees.
        rows = sheet.iter_rows(min_row=1, values_only=True)
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except DAMAGED as exc:  # cut short or damaged after its first rows
                raise _unreadable() from exc
            yield [_cell(value) for value in row]
    finally:
        workbook.close()


def _shared(text: str) -> str:
    """A short cell's text as one string for all the rows that repeat it (places, codes, references): a sheet of
    200,000 rows is held whole while it is compared, and these are most of its cells."""
    return sys.intern(text) if len(text) <= SHARED_LENGTH else text


def _cell(value: object) -> str | float:
    """A workbook cell as text, but a number as the number it is."""
    if isinstance(value, str):  # most cells: checked first as it runs for every cell of every row
        return _shared(value.strip())
    if value is None:
        return ""
    if isinstance(value, float):
        return float(f"{value:.15g}")  # the 15 significant digits Excel shows (not 0.30000000000000004)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, date):  # datetime too: Excel has no date-only type
        return f"{value:%Y-%m-%d}"
    return str(value)


def _text(value: str | float) -> str:
    """A cell as text: a number without an exponent or a ".0", as a spreadsheet shows it."""
    if isinstance(value, float):
        return f"{Decimal(repr(value)):f}".removesuffix(".0") if value.is_integer() or "e" in repr(value) \
            else repr(value)
    return str(value)
