"""The small openpyxl toolkit every export and import uses.

Writing: cells that never become formulas, the header row, frozen panes, autofilter, column
widths, the A4 print setup, the signature block and the download name, for normal and
write-only sheets alike.

Reading untrusted files: `read_table` refuses what is not a real xlsx before openpyxl parses
it: a file too large, one that is not a zip (an .xls or a CSV renamed .xlsx), a zip without a
workbook, one whose members would expand past a few tens of megabytes (a zip bomb: Python's
zipfile never inflates a member past its declared size, so the declared sizes are a real
bound). DTDs and entities are refused by defusedxml, which openpyxl uses when it is
installed. Rows are read as they stream (read-only mode), up to a cap. A cell holding a
formula is read as the formula's text, and says it was one.

No Flask and no database here: plain openpyxl.

No live formulas, ever. openpyxl turns any text starting with "=" into a formula and a few
texts ("#N/A", "#REF!"…) into error values; Excel and LibreOffice evaluate what follows "=",
"+", "-" or "@" when a cell is typed. Text from users (team names, comments) is therefore
written as an explicit string cell whenever it could be read as anything but text: the
workbook holds the same characters, with no `<f>` element anywhere.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from defusedxml import DefusedXmlException
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Text a spreadsheet may take for a formula (CSV-injection characters, tab and CR included).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="D9EAD3")
_THIN = Side(style="thin", color="999999")
HEADER_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="top", wrap_text=True)

MIN_WIDTH = 8
MAX_WIDTH = 60

# Number formats. Excel shows them with the reader's decimal separator (a comma in Vietnam).
TWO_DECIMALS = "0.00"
PERCENT = "0%"
DATE = "dd/mm/yyyy"
DATE_TIME = "dd/mm/yyyy hh:mm"

TITLE_FONT = Font(bold=True, size=14)
BOLD = Font(bold=True)
SIGN_HERE = "(Ký, ghi rõ họ tên)"

_NATIVE = (bool, int, float, Decimal, datetime.date, datetime.time, datetime.timedelta)
# What a file system refuses, white space, controls, and the invisible and bidi marks that
# could make "gpj.exe" read "exe.jpg".
_FILENAME_BAD = re.compile(
    r"[\\/:*?\"<>|\s\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]+"
)


def needs_text_cell(text: str) -> bool:
    """Whether openpyxl or a spreadsheet could read `text` as something other than text."""
    return text.startswith(FORMULA_TRIGGERS) or text in ERROR_CODES


def text_cell(sheet: Any, value: object) -> Cell:
    """A cell of `sheet` holding `value` as text, whatever it starts with."""
    cell = Cell(sheet, row=1, column=1, value="" if value is None else str(value))
    cell.data_type = "s"  # never a formula nor an error value
    return cell


def safe_cell_value(value: object, sheet: Any) -> object:
    """What to put in a row for `value` (for `append`, normal and write-only sheets alike).

    Numbers, booleans, dates and times go as they are, so they stay numbers and dates. Text
    goes as it is when it is plainly text, and as an explicit string cell (`text_cell`) when
    it starts with = + - @ tab or CR, or reads as an error value. None and "" give an empty
    cell. Anything else is written as its text."""
    if value is None:
        return None
    if isinstance(value, _NATIVE):
        return value
    text = value if isinstance(value, str) else str(value)
    if not text:
        return None
    return text_cell(sheet, text) if needs_text_cell(text) else text


def write_value(cell: Cell, value: object) -> None:
    """Set an existing cell (a normal sheet's) safely: text is always stored as text;
    numbers, dates and None as they are."""
    if value is not None and not isinstance(value, _NATIVE):
        value = str(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula nor an error value


def style_header(
    cell: Cell,
    *,
    fill: PatternFill = HEADER_FILL,
    border: Border | None = HEADER_BORDER,
    alignment: Alignment | None = HEADER_ALIGNMENT,
) -> Cell:
    """Bold, shaded, boxed and wrapped: the look of every table's header cells."""
    cell.font = HEADER_FONT
    cell.fill = fill
    if border is not None:
        cell.border = border
    if alignment is not None:
        cell.alignment = alignment
    return cell


def header_cells(sheet: Any, headers: Iterable[object], **style: Any) -> list[Cell]:
    """The header row as styled text cells, ready to `append` (write-only sheets included)."""
    return [style_header(text_cell(sheet, header), **style) for header in headers]


class RowWriter:
    """Appends rows to a write-only sheet: text safely (`safe_cell_value`), and the values of
    a column given a number format as numbers or dates in that format.

    One styled cell per formatted column is refilled row after row: a write-only sheet writes
    each row as it is appended, and styling a fresh cell costs more than writing it."""

    def __init__(self, sheet: Any, formats: Sequence[str | None]) -> None:
        self.sheet = sheet
        self.cells: list[WriteOnlyCell | None] = []
        for number_format in formats:
            cell = None
            if number_format is not None:
                cell = WriteOnlyCell(sheet)
                cell.number_format = number_format
            self.cells.append(cell)

    def append(self, values: Sequence[object]) -> None:
        row: list[object] = []
        for index, value in enumerate(values):
            cell = self.cells[index] if index < len(self.cells) else None
            if value is None:
                row.append(None)
            elif cell is not None and _fits(value, cell.number_format):
                cell.value = float(value) if isinstance(value, Decimal) else value
                row.append(cell)
            else:
                row.append(safe_cell_value(value, self.sheet))
        self.sheet.append(row)


def _fits(value: object, number_format: str) -> bool:
    """Whether a column's format is meant for `value`: dates for a date format, numbers for
    the others (a count in a column of dates is written as it is)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, datetime.date | datetime.time):
        return "yy" in number_format or "hh" in number_format
    return isinstance(value, int | float | Decimal) and "yy" not in number_format


def title_rows(sheet: Any, lines: Sequence[str]) -> list[list[object]]:
    """The lines above a table: the first large and bold, the others bold."""
    rows: list[list[object]] = []
    for position, line in enumerate(lines):
        cell = text_cell(sheet, line)
        cell.font = TITLE_FONT if position == 0 else BOLD
        rows.append([cell])
    return rows


def signature_rows(
    sheet: Any, width: int, signers: Sequence[str], *, date_line: str
) -> list[list[object]]:
    """The block under a printed table: two blank rows, the place-and-date line on the right,
    then each signer's title (bold) with "(Ký, ghi rõ họ tên)" under it, spread across the
    table's `width` columns, and room to sign."""
    count = max(len(signers), 1)
    span = max(width, 2 * count)
    columns = [round((2 * i + 1) * span / (2 * count)) - 1 for i in range(count)]

    def line(texts: Sequence[object], font: Font | None = None) -> list[object]:
        row: list[object] = [None] * (max(columns) + 1)
        for column, text in zip(columns, texts, strict=False):
            cell = text_cell(sheet, text)
            if font is not None:
                cell.font = font
            row[column] = cell
        return row

    dated: list[object] = [None] * (columns[-1] + 1)
    dated[columns[-1]] = text_cell(sheet, date_line)
    return [[], [], dated, line(signers, BOLD), line([SIGN_HERE] * count), [], [], []]


def write_header_row(sheet: Any, row: int, headers: Iterable[object], **style: Any) -> None:
    """Write and style the header row of a normal sheet in place, from column A."""
    for column, header in enumerate(headers, start=1):
        cell = sheet.cell(row=row, column=column)
        write_value(cell, header)
        style_header(cell, **style)


def freeze_below(sheet: Any, header_row: int) -> None:
    """Keep the rows down to the header in view while scrolling."""
    sheet.freeze_panes = f"A{header_row + 1}"


def autofilter(sheet: Any, header_row: int, columns: int, last_row: int) -> None:
    """Filter buttons on the header over the table (header row to `last_row`)."""
    last = get_column_letter(max(columns, 1))
    sheet.auto_filter.ref = f"A{header_row}:{last}{max(last_row, header_row)}"


def fitted_widths(
    rows: Iterable[Sequence[object]], *, minimum: float = MIN_WIDTH, maximum: float = MAX_WIDTH
) -> list[float]:
    """Column widths that fit the longest line of each column, between the two bounds."""
    widths: list[float] = []
    for row in rows:
        for index, value in enumerate(row):
            if isinstance(value, Cell):
                value = value.value
            if value is None:
                length = 0
            elif isinstance(value, datetime.datetime):
                length = 16  # dd/mm/yyyy hh:mm
            elif isinstance(value, datetime.date):
                length = 10  # dd/mm/yyyy
            else:
                length = max((len(line) for line in str(value).splitlines()), default=0)
            if index >= len(widths):
                widths.extend([minimum] * (index + 1 - len(widths)))
            widths[index] = max(widths[index], min(length + 2, maximum))
    return widths


def set_column_widths(sheet: Any, widths: Iterable[float]) -> None:
    """Widths of columns A, B, … in character units (before any row of a write-only sheet)."""
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def print_setup(sheet: Any, header_row: int | None = None) -> None:
    """A4 landscape, fitted to the page width (as many pages down as needed), centred, the
    header row repeated on every printed page."""
    if header_row is not None:
        sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = 9  # A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.5


def table_layout(
    sheet: Any,
    *,
    header_row: int,
    widths: Iterable[float],
    columns: int | None = None,
    last_row: int | None = None,
) -> None:
    """The usual table: column widths, panes frozen under the header, the print setup, and
    an autofilter when the table's size is known (`columns` and `last_row`)."""
    set_column_widths(sheet, widths)
    freeze_below(sheet, header_row)
    print_setup(sheet, header_row)
    if columns is not None and last_row is not None:
        autofilter(sheet, header_row, columns, last_row)


def table_sheet(
    workbook: Workbook,
    title: str,
    lines: Sequence[str],
    columns: Sequence[tuple[str, float, str | None]],
    rows: int,
) -> tuple[Any, RowWriter]:
    """A write-only sheet for a table of `rows` rows under title lines: its layout set, the
    titles, a blank row and the header row written; returns it and the writer of its rows.
    `columns` are (header, width, number format or None)."""
    sheet = workbook.create_sheet(title)
    header_row = len(lines) + 2  # one blank row between the titles and the table
    table_layout(
        sheet,
        header_row=header_row,
        widths=[width for _, width, _ in columns],
        columns=len(columns),
        last_row=header_row + rows,
    )
    for row in title_rows(sheet, lines):
        sheet.append(row)
    sheet.append([])
    sheet.append(header_cells(sheet, [header for header, _, _ in columns]))
    return sheet, RowWriter(sheet, [number_format for _, _, number_format in columns])


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _filename_part(text: str) -> str:
    return _FILENAME_BAD.sub(" ", text).strip().replace(" ", "-")


def download_name(*parts: object, date: datetime.date) -> str:
    """`<a>_<b>_<yyyy-mm-dd>.xlsx`: characters a file system refuses and white space are
    dropped (spaces become "-"), Vietnamese letters are kept (the response encodes them)."""
    cleaned = [_filename_part(str(part)) for part in parts if part is not None]
    return "_".join([*(part for part in cleaned if part), date.isoformat()]) + ".xlsx"


# --- reading untrusted workbooks --------------------------------------------------------

ZIP_SIGNATURE = b"PK\x03\x04"
MAX_FILE_BYTES = 5 * 1024 * 1024
# 6,000 rows of a dozen columns is about 2 MB of sheet XML: forty is room to spare.
MAX_UNCOMPRESSED = 40 * 1024 * 1024
MAX_MEMBERS = 300
MAX_RATIO = 200  # XML compresses well, but not 200 to 1 unless it was made to
MAX_ROWS = 10_000  # filled rows
MAX_SCANNED_ROWS = 100_000  # rows looked at, blank ones included


class WorkbookRefused(Exception):
    """The file as a whole is refused. `reason`: too_large, not_xlsx, unsafe, empty,
    too_many_rows."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ReadCell:
    value: object
    formula: bool = False  # the cell held a formula; `value` is its text ("=A1+1")

    @property
    def blank(self) -> bool:
        return self.value is None or (isinstance(self.value, str) and not self.value.strip())

    @property
    def text(self) -> str:
        """The value as trimmed text ("" when blank); numbers as they were typed in."""
        if self.value is None:
            return ""
        if isinstance(self.value, float) and self.value.is_integer():
            return str(int(self.value))
        return str(self.value).strip()


BLANK = ReadCell(None)


@dataclass
class Table:
    header: list[ReadCell]
    rows: list[tuple[int, list[ReadCell]]]  # (row number in Excel, cells); blank rows left out
    blank_rows: int


def check_container(data: bytes) -> None:
    """Refuse what is not an xlsx, or would take too long or too much memory to open."""
    if len(data) > MAX_FILE_BYTES:
        raise WorkbookRefused("too_large")
    if not data:
        raise WorkbookRefused("empty")
    if not data.startswith(ZIP_SIGNATURE):
        raise WorkbookRefused("not_xlsx")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as error:
        raise WorkbookRefused("not_xlsx") from error
    with archive:
        members = archive.infolist()
        names = {member.filename for member in members}
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise WorkbookRefused("not_xlsx")
        if len(members) > MAX_MEMBERS or sum(m.file_size for m in members) > MAX_UNCOMPRESSED:
            raise WorkbookRefused("unsafe")
        for member in members:
            if member.file_size > 1024 * 1024 and member.file_size > MAX_RATIO * max(
                member.compress_size, 1
            ):
                raise WorkbookRefused("unsafe")
            if _declares_doctype(archive, member):
                raise WorkbookRefused("unsafe")


# Excel and LibreOffice never write a DTD; entity bombs and external entities need one.
# Refused here whichever XML parser openpyxl then uses (defusedxml refuses it too).
_DOCTYPE = tuple("<!DOCTYPE".encode(encoding) for encoding in ("utf-8", "utf-16-le", "utf-16-be"))


def _declares_doctype(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    """Whether the part declares a DTD anywhere (a comment may push it past any prolog
    length). Streamed: the sizes were bounded before."""
    if member.is_dir():
        return False
    tail = b""
    try:
        with archive.open(member) as part:
            while chunk := part.read(1 << 16):
                window = tail + chunk
                if any(marker in window for marker in _DOCTYPE):
                    return True
                tail = window[-32:]
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError) as error:
        raise WorkbookRefused("not_xlsx") from error
    return False


def read_table(data: bytes, columns: int) -> Table:
    """The first worksheet's header row and its filled rows, `columns` cells each."""
    check_container(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as error:  # noqa: BLE001  (openpyxl fails in many ways on a bad file)
        raise _refusal(error) from error
    try:
        return _table(workbook, columns)
    except WorkbookRefused:
        raise
    except Exception as error:  # noqa: BLE001  (a broken sheet is found while streaming)
        raise _refusal(error) from error
    finally:
        workbook.close()


def _refusal(error: BaseException) -> WorkbookRefused:
    """Unsafe XML (openpyxl wraps defusedxml's refusal in its own errors), or not an xlsx."""
    seen: BaseException | None = error
    for _ in range(10):  # a chain of causes is short; never follow a cycle for ever
        if seen is None:
            break
        if isinstance(seen, DefusedXmlException):
            return WorkbookRefused("unsafe")
        seen = seen.__cause__ or seen.__context__
    return WorkbookRefused("not_xlsx")


def _table(workbook: Workbook, columns: int) -> Table:
    if not workbook.worksheets:
        raise WorkbookRefused("empty")
    sheet = workbook.worksheets[0]
    if hasattr(sheet, "reset_dimensions"):
        sheet.reset_dimensions()  # the stored dimensions may lie; read what is there
    header: list[ReadCell] | None = None
    rows: list[tuple[int, list[ReadCell]]] = []
    blank_rows = 0
    for number, row in enumerate(sheet.iter_rows(max_col=columns), start=1):
        if number > MAX_SCANNED_ROWS:
            raise WorkbookRefused("too_many_rows")
        cells = [_read_cell(c) for c in row][:columns]
        cells += [BLANK] * (columns - len(cells))
        if header is None:
            header = cells
            continue
        if all(cell.blank for cell in cells):
            blank_rows += 1
            continue
        rows.append((number, cells))
        if len(rows) > MAX_ROWS:
            raise WorkbookRefused("too_many_rows")
    if header is None or all(cell.blank for cell in header):
        raise WorkbookRefused("empty")
    return Table(header=header, rows=rows, blank_rows=blank_rows)


def _read_cell(cell: object) -> ReadCell:
    return ReadCell(getattr(cell, "value", None), getattr(cell, "data_type", None) == "f")


def column_letter(index: int) -> str:
    """0 → "A"."""
    return get_column_letter(index + 1)
