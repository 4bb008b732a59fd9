"""The import scaffold on its own: reading cells (dates, phones, choices, formulas), headers,
duplicates, the example row, and the template it builds. No app, no database."""

from __future__ import annotations

import datetime
import io

import pytest
from openpyxl import Workbook, load_workbook

from app.spreadsheet_imports import (
    CHOICE,
    DATE,
    EMAIL,
    PHONE,
    Column,
    build_template,
    check_header,
    parse_date,
    parse_phone,
)
from app.spreadsheets import ReadCell

COLUMNS = (
    Column("Họ và tên", "full_name", required=True, max_length=20, example="Nguyễn Văn A"),
    Column("Email", "email", EMAIL, required=True, example="a@example.com"),
    Column("Ngày sinh", "born", DATE, example=datetime.date(2008, 3, 15)),
    Column("Điện thoại", "phone", PHONE, example="0905123456"),
    Column("Vai trò", "role", CHOICE, required=True, choices=("Trưởng nhóm", "Thành viên"),
           example="Thành viên"),
)  # fmt: skip


def xlsx(rows: list[list], heading: list | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(heading or [c.header for c in COLUMNS])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime.datetime(2008, 3, 15, 0, 0), datetime.date(2008, 3, 15)),
        (datetime.date(2008, 3, 15), datetime.date(2008, 3, 15)),
        ("15/03/2008", datetime.date(2008, 3, 15)),
        ("5/3/2008", datetime.date(2008, 3, 5)),
        (" 05.03.2008 ", datetime.date(2008, 3, 5)),
        ("05-03-2008", datetime.date(2008, 3, 5)),
        ("2008-13-45", None),
        ("2008-03-15", None),  # year first is refused: 03/04 would be ambiguous elsewhere
        ("31/02/2008", None),
        ("15/03/08", None),
        ("tháng 3", None),
        (39522, None),  # a bare number is not a date
        ("", None),
    ],
)
def test_dates_are_date_cells_or_day_first_text(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0905 123 456", "0905123456"),
        ("0905.123.456", "0905123456"),
        ("+84 905 123 456", "+84905123456"),
        ("905123456", "0905123456"),  # a number cell lost its leading 0
        ("12345", None),
        ("09051234567890", None),
        ("số máy bàn", None),
    ],
)
def test_phones(text, expected):
    assert parse_phone(text) == expected


def test_headers_are_compared_without_case_diacritics_or_a_star():
    header = [ReadCell("HO VA TEN *"), ReadCell("e-mail"), ReadCell("ngay sinh"),
              ReadCell("=A1"), None]  # fmt: skip
    header = [cell or ReadCell(None) for cell in header]
    assert check_header(header, COLUMNS) == [
        ("B", "Email", "e-mail"),
        ("D", "Điện thoại", "=A1"),  # a formula never passes for a header
        ("E", "Vai trò", ""),
    ]


def test_cells_become_values_or_located_problems():
    report = read_report(
        xlsx([
            ["Trần Thị Bình", " Binh@Example.VN ", "1/2/2009", 905123456, "thanh vien"],
            ["=HYPERLINK(\"x\")", "binh@example.vn", "tháng 3", "12", "Cố vấn"],
            ["A" * 21, "khong-phai-email", None, None, None],
        ])
    )  # fmt: skip
    first, second, third = report.rows
    assert first.ok
    assert first.values == {"full_name": "Trần Thị Bình", "email": "binh@example.vn",
                            "born": datetime.date(2009, 2, 1), "phone": "0905123456",
                            "role": "Thành viên"}  # fmt: skip
    assert [(p.code, p.column, p.header, p.value, p.first_row) for p in second.problems] == [
        ("formula", "A", "Họ và tên", '=HYPERLINK("x")', None),
        ("not_date", "C", "Ngày sinh", "tháng 3", None),
        ("not_phone", "D", "Điện thoại", "12", None),
        ("not_choice", "E", "Vai trò", "Cố vấn", None),
        ("duplicate", "B", "Email", "binh@example.vn", 2),
    ]
    assert [(p.code, p.column) for p in third.problems] == [
        ("too_long", "A"), ("not_email", "B"), ("missing", "E")
    ]  # fmt: skip


def test_the_example_row_sent_back_is_a_problem_even_edited():
    report = read_report(xlsx([["Nguyễn Văn B", "A@example.com", None, None, "Thành viên"]]))
    assert [p.code for p in report.rows[0].problems] == ["example_row"]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "not_xlsx"),
        (b"Ho va ten,Email\n", "not_xlsx"),
        (xlsx([]), "no_rows"),
        (xlsx([["x"]], heading=["Tên"]), "bad_header"),
    ],
)
def test_whole_files_refused(data, problem):
    assert read_report(data, COLUMNS).file_problem == problem


def read_report(data: bytes, columns=COLUMNS):  # noqa: ANN001, ANN201
    from app import spreadsheet_imports

    return spreadsheet_imports.read_report(data, columns)


def test_the_template_reads_back_with_its_example_drop_down_and_guide():
    data = build_template(
        COLUMNS,
        sheet_title="Thí sinh",
        guide_lines=["Nhập thí sinh", "Mỗi dòng một người."],
        guide_tables=[("Danh mục", ["a — A", "b — B"])],
    )
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Thí sinh", "Hướng dẫn"]
    sheet = book["Thí sinh"]
    assert [c.value for c in sheet[1]] == [c.header for c in COLUMNS]
    assert sheet["C2"].value == datetime.datetime(2008, 3, 15)
    assert sheet["C2"].number_format == "dd/mm/yyyy"
    assert sheet["D2"].value == "0905123456" and sheet["D2"].data_type == "s"
    assert sheet.freeze_panes == "A2"
    (listed,) = sheet.data_validations.dataValidation
    assert listed.type == "list" and listed.formula1 == '"Trưởng nhóm,Thành viên"'
    assert "E2" in listed.sqref and "E2001" in listed.sqref
    assert sheet["A1"].fill.fgColor.rgb != sheet["C1"].fill.fgColor.rgb  # required stands out
    guide = [[c.value for c in row] for row in book["Hướng dẫn"].iter_rows()]
    assert guide[0][0] == "Nhập thí sinh"
    assert guide[6][:3] == ["C", "Ngày sinh", "Không"]
    assert "15/03/2008" in guide[6]
    assert ["Danh mục", None] in [row[:2] for row in guide]
    assert [None, "a — A"] in [row[:2] for row in guide]
    # The template itself is read back as one example row, refused as such.
    assert [p.code for p in read_report(data).rows[0].problems] == ["example_row"]
