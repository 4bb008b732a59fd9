"""The paper score sheets workbook: the template organizers fill in from the judges' paper
sheets, and a careful reader for what comes back.

The reader refuses what is not a real xlsx before openpyxl parses it: a file that is not a
zip, a zip without a workbook, members that would expand past a few megabytes (a zip bomb:
Python's zipfile never inflates a member past its declared size, so the declared sizes are
a real bound). DTDs and entities are refused by defusedxml, which openpyxl uses when it is
installed. Rows are read as they stream, up to a cap. Cells keep whether they held a
formula: what a judge wrote on paper is a number, not a calculation.

No Flask and no database here: the texts of the template come translated from the caller.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal

from defusedxml import DefusedXmlException
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP_SIGNATURE = b"PK\x03\x04"

MAX_FILE_BYTES = 5 * 1024 * 1024
# A round of 2,000 entries × 3 judges is 6,000 rows, about 2 MB of sheet XML.
MAX_UNCOMPRESSED = 40 * 1024 * 1024
MAX_MEMBERS = 300
MAX_RATIO = 200  # XML compresses well, but not 200 to 1 unless it was made to
MAX_ROWS = 10_000  # filled rows
MAX_SCANNED_ROWS = 100_000  # rows looked at, blank ones included

# The fixed columns, before one column per criterion and the comment.
FIXED_COLUMNS = 4  # judge email, judge name, entry code, entry title
EMAIL, NAME, CODE, TITLE = range(FIXED_COLUMNS)

HEADER_FILL = PatternFill("solid", fgColor="D1E7DD")


class WorkbookError(Exception):
    """The file as a whole is refused: too_large, not_xlsx, unsafe, empty, too_many_rows."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Cell:
    value: object
    formula: bool = False

    @property
    def blank(self) -> bool:
        return self.value is None or (isinstance(self.value, str) and not self.value.strip())


BLANK = Cell(None)


@dataclass
class Sheet:
    header: list[Cell]
    rows: list[tuple[int, list[Cell]]]  # (row number in Excel, cells), blank rows left out
    blank_rows: int


def check_container(data: bytes) -> None:
    """Refuse what is not an xlsx, or would take too long or too much memory to open."""
    if len(data) > MAX_FILE_BYTES:
        raise WorkbookError("too_large")
    if not data.startswith(ZIP_SIGNATURE):
        raise WorkbookError("not_xlsx")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as error:
        raise WorkbookError("not_xlsx") from error
    with archive:
        members = archive.infolist()
    names = {member.filename for member in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise WorkbookError("not_xlsx")
    if len(members) > MAX_MEMBERS or sum(m.file_size for m in members) > MAX_UNCOMPRESSED:
        raise WorkbookError("unsafe")
    for member in members:
        if member.file_size > 1024 * 1024 and member.file_size > MAX_RATIO * max(
            member.compress_size, 1
        ):
            raise WorkbookError("unsafe")


def read_sheet(data: bytes, columns: int) -> Sheet:
    """The first worksheet's header and filled rows, `columns` cells each."""
    check_container(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as error:  # noqa: BLE001  (openpyxl fails in many ways on a bad file)
        raise _refusal(error) from error
    try:
        return _rows(workbook, columns)
    except WorkbookError:
        raise
    except Exception as error:  # noqa: BLE001  (a broken sheet is found while streaming)
        raise _refusal(error) from error
    finally:
        workbook.close()


def _refusal(error: BaseException) -> WorkbookError:
    """Unsafe XML (openpyxl wraps defusedxml's refusal in its own errors), or not an xlsx."""
    seen: BaseException | None = error
    for _ in range(10):  # a chain of causes is short; never follow a cycle for ever
        if seen is None:
            break
        if isinstance(seen, DefusedXmlException):
            return WorkbookError("unsafe")
        seen = seen.__cause__ or seen.__context__
    return WorkbookError("not_xlsx")


def _rows(workbook: Workbook, columns: int) -> Sheet:
    if not workbook.worksheets:
        raise WorkbookError("empty")
    sheet = workbook.worksheets[0]
    if hasattr(sheet, "reset_dimensions"):
        sheet.reset_dimensions()  # the stored dimensions may lie; read what is there
    header: list[Cell] | None = None
    rows: list[tuple[int, list[Cell]]] = []
    blank_rows = 0
    for number, row in enumerate(sheet.iter_rows(max_col=columns), start=1):
        if number > MAX_SCANNED_ROWS:
            raise WorkbookError("too_many_rows")
        cells = [_cell(c) for c in row][:columns]
        cells += [BLANK] * (columns - len(cells))
        if header is None:
            header = cells
            continue
        if all(cell.blank for cell in cells):
            blank_rows += 1
            continue
        rows.append((number, cells))
        if len(rows) > MAX_ROWS:
            raise WorkbookError("too_many_rows")
    if header is None or all(cell.blank for cell in header):
        raise WorkbookError("empty")
    return Sheet(header=header, rows=rows, blank_rows=blank_rows)


def _cell(cell: object) -> Cell:
    value = getattr(cell, "value", None)
    return Cell(value, getattr(cell, "data_type", None) == "f")


def column_letter(index: int) -> str:
    """0 → "A"."""
    return get_column_letter(index + 1)


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
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


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
    for index, header in enumerate(headers):
        cell = sheet.cell(row=1, column=index + 1)
        _text(cell, header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
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
    widths = [32, 26, 18, 40, *([16] * len(criteria)), 50]
    for index, width in enumerate(widths):
        sheet.column_dimensions[column_letter(index)].width = width
    sheet.freeze_panes = "A2"

    guide = workbook.create_sheet(texts.guide_title[:31])
    line = 1
    for text in texts.guide_lines:
        _text(guide.cell(row=line, column=1), text)
        line += 1
    line += 1
    for index, header in enumerate(texts.guide_headers):
        cell = guide.cell(row=line, column=index + 1)
        _text(cell, header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for values in guide_rows:
        line += 1
        for index, value in enumerate(values):
            _text(guide.cell(row=line, column=index + 1), value)
    guide.column_dimensions["A"].width = 40
    for letter in "BCD":
        guide.column_dimensions[letter].width = 14

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
