"""What every xlsx import has in common: a column spec, the template built from it, and the
first checks of an uploaded file (its header, then each cell of each row).

An import describes its columns once (`Column`): the Vietnamese header, the key its value
is kept under, whether it is required, its kind (text, email, date, phone, or a choice
among fixed values) and its longest length. From that spec come both the template people
download (styled header, one example row, drop-down lists where the values are fixed, a
"Hướng dẫn" sheet explaining each column) and the reading of what they upload: headers are
compared diacritic- and case-insensitively (Excel users retype them), and each cell is
turned into a value or a `Problem` naming the row, the column letter and header, and what
was wrong. Checks against the database (does this unit exist, is this the same person)
belong to each import; this module only knows cells.

Rules every import shares: a formula is never evaluated, it is a problem of its own; dates
are real date cells or text dd/mm/yyyy (d/m/yyyy too); emails are normalised; the same
email twice in one file is a problem on the later row, naming the first.

No Flask and no database here: plain Python over app.spreadsheets.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from app import spreadsheets
from app.people.models import normalise_email
from app.spreadsheets import ReadCell, column_letter
from app.vietnamese import fold

TEXT, EMAIL, DATE, PHONE, CHOICE = "text", "email", "date", "phone", "choice"

REQUIRED_FILL = PatternFill("solid", fgColor="B6D7A8")  # required columns: a darker green
OPTIONAL_FILL = spreadsheets.HEADER_FILL
GUIDE_SHEET = "Hướng dẫn"
# Rows of the template that carry the drop-down lists and the column formats.
TEMPLATE_ROWS = 2000

_DATE_TEXT = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})$")
_PHONE = re.compile(r"^(\+84|0)\d{8,10}$")
_PHONE_NOISE = re.compile(r"[\s.\-()]")
LIST_SEPARATOR = re.compile(r"[;\n]")


@dataclass(frozen=True)
class Column:
    """One column of an import: what it is headed, how it is read, how it is explained."""

    header: str  # Vietnamese, as in the template
    key: str
    kind: str = TEXT
    required: bool = False
    max_length: int | None = None
    choices: tuple[str, ...] = ()  # the fixed values of a choice column, as shown
    example: object = None  # the value of the template's example row
    guide: str = ""  # how to fill it in, for the "Hướng dẫn" sheet
    width: float = 20


@dataclass
class Problem:
    """One thing wrong with a row. `code` names the rule (see each import's messages);
    `column` and `header` say where, `value` what the cell held."""

    code: str
    column: str | None = None  # "E"
    header: str | None = None  # "Ngày sinh"
    value: str | None = None
    first_row: int | None = None  # duplicate_email and the like: the row that came first
    detail: str | None = None  # anything else the message needs (an account's name…)


@dataclass
class Row:
    """A row of the file: its values by column key, its problems, and what the import
    will do with it (`plan`, set by each import's checks)."""

    number: int  # the row in Excel
    values: dict[str, object] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    plan: object = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def text(self, key: str) -> str:
        value = self.values.get(key)
        return "" if value is None else str(value)


@dataclass
class Report:
    """An uploaded file, read and checked. `file_problem` refuses the whole file:
    too_large, not_xlsx, unsafe, empty, too_many_rows (see app.spreadsheets), bad_header,
    no_rows."""

    rows: list[Row] = field(default_factory=list)
    file_problem: str | None = None
    bad_columns: list[tuple[str, str, str]] = field(default_factory=list)  # letter, wanted, found
    blank_rows: int = 0

    @property
    def error_rows(self) -> list[Row]:
        return [row for row in self.rows if not row.ok]

    @property
    def ok_rows(self) -> list[Row]:
        return [row for row in self.rows if row.ok]

    @property
    def importable(self) -> bool:
        return self.file_problem is None and bool(self.rows) and not self.error_rows


# --- the template ---------------------------------------------------------------------------


def build_template(
    columns: Sequence[Column],
    *,
    sheet_title: str,
    guide_lines: Sequence[str],
    guide_tables: Sequence[tuple[str, Sequence[str]]] = (),
) -> bytes:
    """The workbook to fill in: the header, one example row, drop-down lists for choice
    columns, date and text formats where Excel would otherwise mangle what is typed, and the
    "Hướng dẫn" sheet (the lines, a table explaining each column, then `guide_tables`:
    titled lists of the accepted values, such as expertise tags)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title[:31]
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        spreadsheets.write_value(cell, column.header)
        spreadsheets.style_header(cell, fill=REQUIRED_FILL if column.required else OPTIONAL_FILL)
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=2, column=index)
        spreadsheets.write_value(cell, column.example)
        if column.kind == DATE:
            cell.number_format = spreadsheets.DATE
        elif column.kind == PHONE:
            cell.number_format = "@"
    for index, column in enumerate(columns):
        letter = column_letter(index)
        cells = f"{letter}2:{letter}{TEMPLATE_ROWS + 1}"
        if column.kind == CHOICE:
            listed = ",".join(column.choices)
            check = DataValidation(
                type="list",
                formula1=f'"{listed}"',
                allow_blank=not column.required,
                showErrorMessage=True,
                errorTitle="Giá trị không hợp lệ",
                error=f"Chọn một trong: {', '.join(column.choices)}.",
            )
            check.add(cells)
            sheet.add_data_validation(check)
        elif column.kind == DATE:
            sheet.column_dimensions[letter].number_format = spreadsheets.DATE
        elif column.kind == PHONE:
            sheet.column_dimensions[letter].number_format = "@"  # keep the leading 0
    spreadsheets.set_column_widths(sheet, [column.width for column in columns])
    spreadsheets.freeze_below(sheet, 1)
    _guide(workbook.create_sheet(GUIDE_SHEET), columns, guide_lines, guide_tables)
    return spreadsheets.workbook_bytes(workbook)


KIND_TEXT = {
    TEXT: "Chữ",
    EMAIL: "Địa chỉ email",
    DATE: "Ngày, dạng dd/mm/yyyy (ví dụ 15/03/2008)",
    PHONE: "Số điện thoại Việt Nam (ví dụ 0905 123 456)",
    CHOICE: "Chọn trong danh sách",
}


def _guide(
    sheet: object,
    columns: Sequence[Column],
    lines: Sequence[str],
    tables: Sequence[tuple[str, Sequence[str]]],
) -> None:
    line = 1
    for number, text in enumerate(lines):
        cell = sheet.cell(row=line, column=1)
        spreadsheets.write_value(cell, text)
        if number == 0:
            cell.font = spreadsheets.TITLE_FONT
        line += 1
    line += 1
    headers = ["Cột", "Tiêu đề", "Bắt buộc", "Kiểu", "Cách điền", "Ví dụ"]
    spreadsheets.write_header_row(sheet, line, headers)
    wrap = Alignment(wrap_text=True, vertical="top")
    for index, column in enumerate(columns):
        line += 1
        kind = KIND_TEXT[column.kind]
        if column.kind == CHOICE:
            kind += ": " + " / ".join(column.choices)
        if column.max_length:
            kind += f" (tối đa {column.max_length} ký tự)"
        example = column.example
        if isinstance(example, datetime.date):
            example = example.strftime("%d/%m/%Y")
        values = [
            column_letter(index),
            column.header,
            "Có" if column.required else "Không",
            kind,
            column.guide,
            example,
        ]
        for position, value in enumerate(values, start=1):
            cell = sheet.cell(row=line, column=position)
            spreadsheets.write_value(cell, value)
            cell.alignment = wrap
    for title, values in tables:
        line += 2
        cell = sheet.cell(row=line, column=1)
        spreadsheets.write_value(cell, title)
        cell.font = Font(bold=True)
        for value in values:
            line += 1
            spreadsheets.write_value(sheet.cell(row=line, column=2), value)
    spreadsheets.set_column_widths(sheet, [8, 28, 10, 34, 60, 28])


# --- reading an upload ----------------------------------------------------------------------


def header_key(text: str) -> str:
    """How headers are compared: case, diacritics, spaces and a trailing "*" do not count."""
    return fold(text).rstrip("* ").strip()


def check_header(
    header: Sequence[ReadCell], columns: Sequence[Column]
) -> list[tuple[str, str, str]]:
    """The columns whose header is not the one expected: (letter, wanted, found)."""
    bad = []
    for index, column in enumerate(columns):
        cell = header[index] if index < len(header) else spreadsheets.BLANK
        found = cell.text
        if cell.formula or header_key(found) != header_key(column.header):
            bad.append((column_letter(index), column.header, found))
    return bad


def read_report(data: bytes, columns: Sequence[Column], *, example_row: bool = True) -> Report:
    """Read an uploaded workbook and check each cell against `columns`; nothing else.
    The rows come back with their values by key; the import adds its own problems."""
    report = Report()
    try:
        table = spreadsheets.read_table(data, len(columns))
    except spreadsheets.WorkbookRefused as error:
        report.file_problem = error.reason
        return report
    report.blank_rows = table.blank_rows
    report.bad_columns = check_header(table.header, columns)
    if report.bad_columns:
        report.file_problem = "bad_header"
        return report
    if not table.rows:
        report.file_problem = "no_rows"
        return report
    report.rows = [parse_row(number, cells, columns) for number, cells in table.rows]
    if example_row:
        flag_example_rows(report.rows, columns)
    email_keys = [column.key for column in columns if column.kind == EMAIL]
    for key in email_keys:
        flag_duplicates(report.rows, columns, key)
    return report


def parse_row(number: int, cells: Sequence[ReadCell], columns: Sequence[Column]) -> Row:
    row = Row(number=number)
    for column, cell in zip(columns, cells, strict=False):
        value, code = parse_cell(cell, column)
        row.values[column.key] = value
        if code is not None:
            row.problems.append(problem_at(columns, column.key, code, cell_text(cell)))
    return row


def problem_at(
    columns: Sequence[Column], key: str, code: str, value: str | None = None, **more: object
) -> Problem:
    """A problem in the column `key`, located by its letter and header."""
    index = next(i for i, column in enumerate(columns) if column.key == key)
    return Problem(
        code,
        column=column_letter(index),
        header=columns[index].header,
        value=value or None,
        **more,  # type: ignore[arg-type]
    )


def cell_text(cell: ReadCell) -> str:
    """What the cell showed, as text: a date as dd/mm/yyyy."""
    if isinstance(cell.value, datetime.datetime | datetime.date):
        return cell.value.strftime("%d/%m/%Y")
    return cell.text


def parse_cell(cell: ReadCell, column: Column) -> tuple[object, str | None]:
    """The value of one cell for `column`, or (None, a problem code): formula, missing,
    too_long, not_email, not_date, not_phone, not_choice."""
    if cell.formula:
        return None, "formula"
    if cell.blank:
        return None, ("missing" if column.required else None)
    if column.kind == DATE:
        value = parse_date(cell.value)
        return (value, None) if value is not None else (None, "not_date")
    text = " ".join(cell_text(cell).split())  # a date Excel made of "11/2" reads 11/02/…
    if column.max_length is not None and len(text) > column.max_length:
        return None, "too_long"
    if column.kind == EMAIL:
        return parse_email(text)
    if column.kind == PHONE:
        phone = parse_phone(text)
        return (phone, None) if phone is not None else (None, "not_phone")
    if column.kind == CHOICE:
        chosen = parse_choice(text, column.choices)
        return (chosen, None) if chosen is not None else (None, "not_choice")
    return text, None


def parse_date(value: object) -> datetime.date | None:
    """A real date cell, or text dd/mm/yyyy (d/m/yyyy, with "/", "." or "-" between);
    None for anything else (a number, "2008-13-45", "tháng 3", 31/02/2008)."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if not isinstance(value, str):
        return None
    match = _DATE_TEXT.match(value.strip())
    if match is None:
        return None
    day, month, year = (int(part) for part in match.groups())
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def parse_email(text: str) -> tuple[str | None, str | None]:
    text = text.removeprefix("mailto:")
    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return None, "not_email"
    return normalise_email(text), None


def parse_phone(text: str) -> str | None:
    """Digits only, as the account forms keep them. A number cell lost its leading 0
    ("905123456"): it is put back."""
    digits = _PHONE_NOISE.sub("", text)
    if digits.isdigit() and len(digits) == 9 and not digits.startswith("0"):
        digits = "0" + digits
    return digits if _PHONE.match(digits) else None


def parse_choice(text: str, choices: Iterable[str]) -> str | None:
    """The choice `text` names (case and diacritics do not count), as the spec spells it."""
    wanted = fold(text)
    return next((choice for choice in choices if fold(choice) == wanted), None)


def split_list(text: str) -> list[str]:
    """A cell listing several values, separated by ";" (or line breaks)."""
    return [part.strip() for part in LIST_SEPARATOR.split(text or "") if part.strip()]


def flag_duplicates(rows: Iterable[Row], columns: Sequence[Column], key: str) -> None:
    """The same value of `key` on two rows: a problem on the later row, naming the first."""
    first: dict[object, int] = {}
    for row in rows:
        value = row.values.get(key)
        if not value:
            continue
        if value in first:
            row.problems.append(
                problem_at(columns, key, "duplicate", str(value), first_row=first[value])
            )
        else:
            first[value] = row.number


def flag_example_rows(rows: Iterable[Row], columns: Sequence[Column]) -> None:
    """The template's example row sent back: its email is the example's, not a real
    person's (only the email is compared, so an edited name does not slip through)."""
    examples = {
        column.key: normalise_email(str(column.example))
        for column in columns
        if column.kind == EMAIL and column.example
    }
    for row in rows:
        if any(row.values.get(key) == email for key, email in examples.items()):
            row.problems.insert(0, Problem("example_row"))
