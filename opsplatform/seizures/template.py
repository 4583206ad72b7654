"""The XLSX seizure sheet template of an operation: the sheet's columns with dropdowns, its target taxa, the codes
and instructions, in the reader's language (the column names stay the contract's in every language)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from opsplatform.i18n import _
from opsplatform.labels import value_label
from opsplatform.models.vocabulary import DISPOSALS, SEIZURE_REASONS, SPECIMEN_SEXES, SPECIMEN_STATES
from opsplatform.seizures.sheets import COLUMNS, REQUIRED

TEMPLATE_ROWS = 5000
WIDE_COLUMNS = {"location": 24, "taxon": 30, "concealment": 30, "notes": 40, "transit_countries": 20,
                "offence_description": 40, "legislation": 30, "modus_operandi": 30, "specimen_description": 30}


def build_template(*, operation_code: str, operation_name: str, start: date, end: date,
                   terms: list[tuple[str, str]], units: list[tuple[str, str]], countries: list[tuple[str, str]],
                   target_taxa: list[tuple[str, str]], transport_modes: list[str], detection_methods: list[str],
                   agencies: list[str], location_types: list[str], case_statuses: list[str],
                   currencies: list[str]) -> bytes:
    """The XLSX seizure sheet of one operation: the public sheet columns (docs/reference.md) with dropdowns, target
    taxa, codes, instructions.

    Everything but the column names (the reference's, the same in every language) is in the current language."""
    names = {"seizures": _("Seizures"), "lists": _("Lists"), "taxa": _("Target taxa"), "codes": _("Codes"),
             "instructions": _("Instructions")}
    workbook = Workbook()
    seizures = workbook.active
    seizures.title = names["seizures"]
    seizures.append(COLUMNS)
    for index, column in enumerate(COLUMNS, 1):
        seizures.cell(1, index).font = Font(bold=True)
        seizures.column_dimensions[_letter(column)].width = WIDE_COLUMNS.get(column, max(12, len(column) + 3))
    seizures.freeze_panes = "A2"
    seizures.column_dimensions[_letter("seizure_ref")].number_format = "@"  # keep "007" from becoming 7
    seizures.column_dimensions[_letter("seizure_date")].number_format = "yyyy-mm-dd"

    lists = workbook.create_sheet(names["lists"])
    source = names["lists"] if names["lists"].isalnum() else quote_sheetname(names["lists"])  # as Excel writes it
    lists.sheet_state = "hidden"  # dropdown sources: inline lists are limited to 255 characters
    # Strict lists refuse anything else; units and countries only warn, as aliases and alpha-2 codes are accepted.
    dropdowns = [(("term",), [code for code, __ in terms], True), (("unit",), [code for code, __ in units], False),
                 (("location_type",), location_types, True), (("detection_method",), detection_methods, True),
                 (("transport_mode",), transport_modes, True), (("agency",), agencies, True),
                 (("origin_country", "export_country", "destination_country", "customs_origin_country",
                   "real_destination_country"), [c for c, __ in countries], False),
                 (("currency",), currencies, True), (("case_status",), case_statuses, True),
                 (("specimen_state",), list(SPECIMEN_STATES), True), (("specimen_sex",), list(SPECIMEN_SEXES), True),
                 (("origin_at_sea", "documents_fraudulent"), ["yes", "no"], True),
                 (("seizure_reason",), list(SEIZURE_REASONS), True), (("disposal",), list(DISPOSALS), True)]
    for index, (columns, values, strict) in enumerate(dropdowns, 1):
        for row, value in enumerate([", ".join(columns), *values], 1):
            lists.cell(row, index, value)
        letter = get_column_letter(index)
        # No dropdown for an empty list: a range ending above its start would make Excel repair the file.
        # The formula is stored without the "=" typed in Excel, as Excel itself writes it.
        if values:
            _validate(seizures, columns, DataValidation(
                type="list", formula1=f"{source}!${letter}$2:${letter}${len(values) + 1}",
                errorStyle="stop" if strict else "warning", errorTitle=_("Not in the list"),
                error=_("Choose a value from the dropdown list.")))

    window = _("The seizure date must be between %(start)s and %(end)s, the operation window (YYYY-MM-DD).",
               start=start.isoformat(), end=end.isoformat())
    rules = [("seizure_date", "date", "between", f"DATE({start.year},{start.month},{start.day})",
              f"DATE({end.year},{end.month},{end.day})", window),
             ("quantity", "decimal", "greaterThan", "0", None, _("The quantity must be a number greater than 0.")),
             ("suspects_arrested", "whole", "greaterThanOrEqual", "0", None,
              _("The number of suspects arrested must be a whole number, 0 or more.")),
             ("estimated_value", "decimal", "greaterThanOrEqual", "0", None, _("The value must be 0 or more.")),
             ("latitude", "decimal", "between", "-90", "90", _("The latitude must be between -90 and 90.")),
             ("longitude", "decimal", "between", "-180", "180", _("The longitude must be between -180 and 180."))]
    for column, kind, operator, low, high, error in rules:
        _validate(seizures, (column,), DataValidation(type=kind, operator=operator, formula1=low, formula2=high,
                                                      errorTitle=_("Not accepted"), error=error))

    taxa = workbook.create_sheet(names["taxa"])
    _write_pairs(taxa, 1, (_("Scientific name (copy it into the taxon column)"), _("Common name")), target_taxa)
    codes = workbook.create_sheet(names["codes"])  # what the codes in the dropdowns mean
    worded = {column: [(code, value_label(code)) for code in codes]
              for column, codes in (("seizure_reason", SEIZURE_REASONS), ("disposal", DISPOSALS))}
    for offset, (title, pairs) in enumerate((("term", terms), ("unit", units), (_("country"), countries),
                                             *worded.items())):
        _write_pairs(codes, offset * 3 + 1, (title, _("meaning")), pairs)
    _write_instructions(workbook.create_sheet(names["instructions"]), names, operation_code, operation_name, start, end)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _letter(column: str) -> str:
    return get_column_letter(COLUMNS.index(column) + 1)


def _validate(sheet: Worksheet, columns: Iterable[str], validation: DataValidation) -> None:
    validation.allow_blank = validation.showErrorMessage = True
    for column in columns:
        validation.add(f"{_letter(column)}2:{_letter(column)}{TEMPLATE_ROWS + 1}")
    sheet.add_data_validation(validation)


def _write_pairs(sheet: Worksheet, column: int, titles: tuple[str, str], pairs: list[tuple[str, str]]) -> None:
    """A two-column table (a code or name, and what it means) under a bold, frozen title row."""
    for row, pair in enumerate([titles, *pairs], 1):
        for offset, text in enumerate(pair):
            sheet.cell(row, column + offset, text)
    for offset, width in enumerate((max([12] + [len(code) + 2 for code, __ in pairs]), 40)):
        sheet.cell(1, column + offset).font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(column + offset)].width = width
    sheet.freeze_panes = "A2"


def _write_instructions(sheet: Worksheet, names: dict[str, str], code: str, name: str, start: date, end: date) -> None:
    window = {"start": start.isoformat(), "end": end.isoformat()}
    lines = [
        _("Seizure sheet for %(name)s (%(code)s), seizures from %(start)s to %(end)s.", name=name, code=code, **window),
        _("Fill in the sheet \"%(sheet)s\", one row per item seized. Keep the header row; the order of the columns "
          "does not matter and other columns are ignored. Required: %(columns)s.", sheet=names["seizures"],
          columns=", ".join(REQUIRED)),
        _("Rows with the same seizure_ref form one seizure (item_no 1, 2, …); their date, place, transport, "
          "suspects and case status must agree."),
        _("Uploading the sheet again updates the rows with the same seizure_ref and item_no, never duplicates them."),
        _("seizure_date: YYYY-MM-DD, between %(start)s and %(end)s.", **window),
        _("taxon: the scientific name of the species, genus, family or order (target taxa: sheet \"%(sheet)s\").",
          sheet=names["taxa"]),
        _("unit: empty for a number of specimens; CITES unit codes (sheet \"%(sheet)s\") and kg, g, t, m3, l accepted.",
          sheet=names["codes"]),
        _("Countries: ISO 3166-1 alpha-3 codes such as KEN; separate several with \";\"."),
        _("The columns from offence_description to specimen_description complete the INTERPOL Ecomessage: they may "
          "be left out, and an empty cell keeps what the record already holds."),
        _("seizure_reason and disposal complete the CITES annual illegal trade report (codes: sheet \"%(sheet)s\"): "
          "they may be left out too, and an empty cell keeps what the record already holds.", sheet=names["codes"]),
        _("Never put the names, passport or other document numbers of suspects in this sheet: enter them only "
          "through the secure form or the API."),
    ]
    for line in lines:
        sheet.append([line])
        sheet.cell(sheet.max_row, 1).alignment = Alignment(wrap_text=True, vertical="top")
    sheet["A1"].font = Font(bold=True)
    sheet.column_dimensions["A"].width = 110
