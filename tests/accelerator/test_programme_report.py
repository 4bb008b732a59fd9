"""The yearly report workbook read back with openpyxl: the summary in the plan's order, a
sheet per group, the facts sheet, print setup, no formula anywhere (a team named "=…"), the
export audited."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from accelerator.programme import workbook
from app.audit import AuditEvent
from tests.accelerator import programme_world as pw
from tests.accelerator.test_programme import people
from tests.helpers import csrf_token, snapshot
from tests.judging.roles import sign_in

URL = f"/programme/report.xlsx?year={pw.YEAR}"


@pytest.fixture()
def w(db, factory) -> pw.World:  # noqa: ARG001
    return pw.build(factory)


def download(client, w: pw.World, query: str = "", role: str = "admin") -> bytes:  # noqa: ANN001
    sign_in(client, people(w), role)
    token = csrf_token(client, f"/programme/?year={pw.YEAR}{query}")
    response = client.post(URL + query, data={"csrf_token": token})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    return response.data


def rows(sheet) -> list[tuple]:  # noqa: ANN001
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_the_sheets_and_the_summary_in_the_plans_order(client, db, w):
    book = load_workbook(io.BytesIO(download(client, w)))
    assert book.sheetnames == [
        "Tổng hợp",
        "Cuộc thi",
        "Dự án từ KHKT",
        "Sự kiện",
        "Tăng tốc",
        "Thông tin",
    ]
    summary = rows(book["Tổng hợp"])
    header = summary.index(
        ("STT", "Chỉ tiêu", "Chỉ tiêu năm", "Thực hiện", "Chênh lệch", "Đánh giá", "Ghi chú")
    )
    table = [r for r in summary[header + 1 :] if isinstance(r[0], int)]
    labels = [r[1] for r in table]
    assert labels[0] == workbook.INDICATOR_VI["entries"]
    assert labels[3] == workbook.INDICATOR_VI["science_fair_projects"]
    assert labels[-1] == workbook.INDICATOR_VI["attendance"]
    forums = next(r for r in table if r[1] == workbook.INDICATOR_VI["forums"])
    assert forums[2:6] == (5, 3, -2, "Chưa đạt")
    cluster = next(r for r in table if r[1] == workbook.INDICATOR_VI["festivals_cluster"])
    assert cluster[2:6] == (3, 2, -2, "Chưa đạt")
    assert "Cụm 2" in cluster[6] and "Cụm 3" in cluster[6]
    sheet = book["Tổng hợp"]
    assert sheet.page_setup.paperSize == "9" or sheet.page_setup.paperSize == 9
    assert sheet.page_setup.fitToWidth == 1
    assert sheet.print_title_rows.replace("$", "") == f"{header + 1}:{header + 1}"
    assert db.session.scalar(
        select(AuditEvent.new).where(AuditEvent.action == "programme.report_export")
    ) == {"year": pw.YEAR, "unit_id": None}


def test_the_group_sheets(client, w):
    book = load_workbook(io.BytesIO(download(client, w)))
    competition = rows(book["Cuộc thi"])
    assert ("Cụm 1", 2) in [r[1:3] for r in competition]
    assert ("THPT", "Bảng Học sinh THPT", 2) in [r[:3] for r in competition]
    assert ("Nữ", 2) in [r[:2] for r in competition]
    assert ("Dự án do nữ làm trưởng nhóm", 1) in [r[:2] for r in competition]
    projects = rows(book["Dự án từ KHKT"])
    assert [r[1] for r in projects if isinstance(r[0], int)] == ["Máy lọc nước"]
    events = [r for r in rows(book["Sự kiện"]) if isinstance(r[0], int)]
    assert len(events) == 8  # held ones only: not the draft nor the cancelled forum
    forum = next(r for r in events if r[1] == "Diễn đàn Nông nghiệp")
    assert forum[6:8] == (3, 2)
    teams = [r for r in rows(book["Tăng tốc"]) if isinstance(r[0], int)]
    assert [(r[1], r[4], r[6]) for r in teams] == [('=HYPERLINK("x")', 2, 3), ("Nhóm Ba", 0, 2)]
    facts = dict(r[:2] for r in rows(book["Thông tin"]) if r[0])
    assert facts["Năm"] == pw.YEAR
    assert facts["Người xuất"].startswith("Võ Thị Sáu")


def test_no_formula_anywhere(client, w):
    content = download(client, w)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)


def test_an_organizer_gets_their_own_unit(client, w):
    book = load_workbook(io.BytesIO(download(client, w, role="cluster_organizer")))
    facts = dict(r[:2] for r in rows(book["Thông tin"]) if r[0])
    assert facts["Đơn vị"] == "Cụm 1"
    summary = [r for r in rows(book["Tổng hợp"]) if isinstance(r[0], int)]
    assert summary[0][3] == 2  # entries of C1


def test_an_expired_form_downloads_nothing_and_writes_nothing(client, db, w):
    sign_in(client, people(w), "admin")
    before = snapshot(db)
    response = client.post(URL, data={"csrf_token": "stale"}, follow_redirects=True)
    assert "The form has expired" in response.get_data(as_text=True)
    assert snapshot(db) == before


def test_a_get_is_not_a_download(client, w):
    sign_in(client, people(w), "admin")
    assert client.get(URL).status_code == 405
