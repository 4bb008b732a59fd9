"""The paper score sheets workbook: the template organizers fill in from the judges' paper
sheets. What comes back is read by app.spreadsheets.read_table, which refuses unsafe files
and keeps whether a cell held a formula: what a judge wrote on paper is a number, not a
calculation.

No Flask and no database here: the texts of the template come translated from the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from app import spreadsheets

XLSX_TYPE = spreadsheets.XLSX_MIMETYPE

# The fixed columns, before one column per criterion and the comment.
FIXED_COLUMNS = 4  # judge email, judge name, entry code, entry title
EMAIL, NAME, CODE, TITLE = range(FIXED_COLUMNS)

HEADER_FILL = PatternFill("solid", fgColor="D1E7DD")
_HEADER_STYLE = {
    "fill": HEADER_FILL,
    "border": None,
    "alignment": Alignment(wrap_text=True, vertical="top"),
}
column_letter = spreadsheets.column_letter


# --- the template ------------------------------------------------------------------------


@dataclass
class CriterionColumn:
    header: str  # "Tính khả thi (tối đa 20)"
    maximum: Decimal


@dataclass
class TemplateTexts:
    """Everything the template says, already in the reader's language."""

    sheet_title: str
    fixed_headers: list[str]  # email, name, code, title
    comment_header: str
    guide_title: str
    guide_lines: list[str]
    guide_headers: list[str]  # criterion, maximum, step, weight
    value_error_title: str
    value_error: str
    header_note: str


def _text(cell: object, value: object) -> None:
    """A string stays a string: openpyxl would make "=…" a live formula."""
    spreadsheets.write_value(cell, value)


def build_template(
    texts: TemplateTexts,
    criteria: list[CriterionColumn],
    guide_rows: list[list[object]],
    rows: list[list[object]],
) -> bytes:
    """One row per judge × entry to fill in, and a second sheet that explains the columns."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = texts.sheet_title[:31]
    headers = [*texts.fixed_headers, *(c.header for c in criteria), texts.comment_header]
    spreadsheets.write_header_row(sheet, 1, headers, **_HEADER_STYLE)
    note = sheet.cell(row=1, column=FIXED_COLUMNS + 1)
    note.comment = Comment(texts.header_note, "Sprout")
    for row_number, values in enumerate(rows, start=2):
        for index, value in enumerate(values):
            _text(sheet.cell(row=row_number, column=index + 1), value)
    last_row = max(len(rows) + 1, 2)
    for position, criterion in enumerate(criteria):
        letter = column_letter(FIXED_COLUMNS + position)
        check = DataValidation(
            type="decimal",
            operator="between",
            formula1="0",
            formula2=str(criterion.maximum.normalize()),
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=texts.value_error_title,
            error=texts.value_error,
        )
        check.add(f"{letter}2:{letter}{last_row}")
        sheet.add_data_validation(check)
    spreadsheets.set_column_widths(sheet, [32, 26, 18, 40, *([16] * len(criteria)), 50])
    spreadsheets.freeze_below(sheet, 1)

    guide = workbook.create_sheet(texts.guide_title[:31])
    line = 1
    for text in texts.guide_lines:
        _text(guide.cell(row=line, column=1), text)
        line += 1
    line += 1
    spreadsheets.write_header_row(
        guide, line, texts.guide_headers, fill=HEADER_FILL, border=None, alignment=None
    )
    for values in guide_rows:
        line += 1
        for index, value in enumerate(values):
            _text(guide.cell(row=line, column=index + 1), value)
    spreadsheets.set_column_widths(guide, [40, 14, 14, 14])
    return spreadsheets.workbook_bytes(workbook)
