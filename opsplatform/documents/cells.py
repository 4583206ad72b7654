"""Cells of exported files (CSV, XLSX, GeoJSON): text typed by users is data, never a spreadsheet formula.

A note such as `=WEBSERVICE("https://…?"&A2)` runs when the export is opened in a spreadsheet program (OWASP "CSV
injection"); a vertical tab makes openpyxl refuse the whole workbook. Every exported text cell passes here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from openpyxl.cell.cell import WriteOnlyCell

from opsplatform.checks import UNWRITABLE

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet
    from openpyxl.worksheet.worksheet import Worksheet

# Spreadsheet programs start a formula at these (they skip a leading tab or carriage return first).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def exported_text(text: str) -> str:
    """Text as an exported cell holds it: without the characters a workbook cannot hold (input refuses them; a record
    may hold one from before it did), and after a single
    quote when a spreadsheet program would read it as a formula."""
    if not text.isprintable():  # these characters are not printable: most text needs no search for them
        text = UNWRITABLE.sub("", text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def exported_cell(value: Any) -> Any:
    """A value for an exported cell: text made safe by `exported_text`; numbers (-3 too), dates and None as they are."""
    return exported_text(value) if isinstance(value, str) else value


def sheet_row(sheet: Worksheet | WriteOnlyWorksheet, values: Iterable[Any]) -> list[Any]:
    """Values for `sheet.append`, text made safe. After `exported_text` no text starts with "=", which openpyxl
    would type as a formula; were one to, it is typed as a string cell all the same."""
    cells: list[Any] = []
    for value in values:
        value = exported_cell(value)
        if isinstance(value, str) and value.startswith("="):
            cell = WriteOnlyCell(sheet, value)
            cell.data_type = "s"
            value = cell
        cells.append(value)
    return cells
