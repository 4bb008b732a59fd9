"""The ranking workbook: downloaded from the ranking page and written by
`flask rankings export`, read back with openpyxl."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.audit import AuditEvent
from app.db import db
from app.localtime import local_today
from competitions.models import Entry
from tests.helpers import csrf_token, login
from tests.judging import world as w
from tests.judging.test_results import EXAMPLE, SHEETS

HOSTILE = (
    '=HYPERLINK("http://evil.example","Bấm vào")',
    "+1+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "#N/A",
)


@pytest.fixture()
def world(db, factory) -> w.World:
    """The worked example of test_results (A 70, B 66, D 66, C 65.33), A's team hostile."""
    world = w.build(factory, entries=4, judges=3)
    for index, totals in EXAMPLE.items():
        for judge, total in zip(world.judges, totals, strict=True):
            w.assign(world, judge, world.entries[index])
            w.score(world, judge, world.entries[index], SHEETS[total])
    entry = db.session.get(Entry, world.entries[0].entry_id)
    entry.team.name, entry.title = HOSTILE[0], HOSTILE[1]
    db.session.get(Entry, world.entries[1].entry_id).team.name = HOSTILE[2]
    db.session.get(Entry, world.entries[2].entry_id).title = HOSTILE[3]
    db.session.flush()
    return world


def exports() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "judging.export")))


def download(client, world: w.World, method: str | None = None):  # noqa: ANN201
    assert login(client, world.organizer.email).status_code == 302
    page = f"/judging/rounds/{world.round.id}/ranking"
    token = csrf_token(client, page)
    data = {"csrf_token": token, "export-method": method or ""}
    return client.post(f"/judging/rounds/{world.round.id}/ranking/export", data=data)


def rows_of(ws) -> list[tuple]:  # noqa: ANN001
    return [tuple(c.value for c in row) for row in ws.iter_rows()]


def test_download_is_a_printable_workbook_with_every_number_a_number(client, world):
    response = download(client, world)
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    today = local_today()
    name = f"Cuộc-thi-Khởi-nghiệp-đổi-mới-sáng-tạo_Vòng-sơ-khảo_{today.isoformat()}.xlsx"
    disposition = response.headers["Content-Disposition"]
    assert (
        disposition.startswith("attachment;") and f"filename*=UTF-8''{quote(name)}" in disposition
    )

    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Tất cả bài dự thi", "Toàn vòng", "Giám khảo"]
    ws = book["Tất cả bài dự thi"]
    rows = rows_of(ws)
    assert rows[0][0] == "Cuộc thi: Cuộc thi Khởi nghiệp đổi mới sáng tạo"
    assert rows[1][0] == "Vòng sơ khảo — Bảng: Tất cả bài dự thi"
    assert rows[2][0] == f"Ngày xuất: {today:%d/%m/%Y}"
    assert rows[3][0] == "Phương pháp tính điểm: Trung bình cộng điểm của các giám khảo"
    assert rows[4][0].startswith("Khi bằng điểm, xét lần lượt: điểm trung bình từng tiêu chí")
    assert rows[6] == (
        "Hạng", "Mã bài", "Tên dự án", "Nhóm", "Đơn vị",
        "Tính đổi mới sáng tạo (TB)", "Tính khả thi (TB)", "Thị trường (TB)", "Đội ngũ (TB)",
        "Tác động xã hội (TB)", "Trình bày (TB)", "Số giám khảo", "Điểm", "Ghi chú",
    )  # fmt: skip
    table = rows[7:11]
    assert [(r[0], r[12]) for r in table] == [(1, 70.0), (2, 66.0), (2, 66.0), (4, 65.33)]
    assert table[0][1:5] == (
        "QN26-THPT-0001", HOSTILE[1], HOSTILE[0], "Trường THPT Số 1",
    )  # fmt: skip
    # A: criterion means (23 + 15 + 16) / 3 = 18 …, three judges, judges disagree.
    assert table[0][5] == 18.0 and table[0][11] == 3
    assert table[0][13] == "Giám khảo chênh lệch lớn"
    score = ws.cell(row=8, column=13)
    assert score.data_type == "n" and score.number_format == "0.00"
    assert ws.cell(row=8, column=6).number_format == "0.00"

    assert ws.freeze_panes == "A8"
    assert ws.print_title_rows == "$7:$7"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9  # A4
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    after = [v for r in rows[11:] for v in r if v]
    assert after == [
        f"Ngày ...... tháng ...... năm {today.year}",
        "TRƯỞNG BAN GIÁM KHẢO",
        "THƯ KÝ",
        "(Ký, ghi rõ họ tên)",
        "(Ký, ghi rõ họ tên)",
    ]


def test_the_overall_and_judges_sheets(client, world):
    book = load_workbook(io.BytesIO(download(client, world).data))
    overall = rows_of(book["Toàn vòng"])
    assert overall[1][0] == "Vòng sơ khảo — Toàn vòng thi"
    assert [(r[0], r[12]) for r in overall[7:11]] == [(1, 70.0), (2, 66.0), (2, 66.0), (4, 65.33)]
    judges = rows_of(book["Giám khảo"])
    assert judges[6][:6] == (
        "Giám khảo", "Số phiếu đã chấm", "Điểm trung bình", "Độ lệch chuẩn",
        "Chênh lệch so với các giám khảo khác", "Nhận xét",
    )  # fmt: skip
    first = judges[7]
    # J1: 90 66 64 66, mean 71.5, 7 points above the others on the same entries.
    assert first[:3] == ("Lê Văn Giám Khảo 1", 4, 71.5)
    assert first[4] == pytest.approx(7.0)
    assert first[5] == "cho điểm cao hơn mặt bằng 7,0 điểm"
    agreement = [r for r in judges if r[0] == "Tất cả bài dự thi"]
    assert agreement and agreement[0][1] == "ICC(1,1) / ICC(1,k)"


def test_the_export_is_audited_with_its_method(client, world):
    response = download(client, world, method="median")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book["Toàn vòng"]["A4"].value == "Phương pháp tính điểm: Trung vị điểm của các giám khảo"
    [event] = exports()
    assert event.actor_id == world.organizer.id
    assert (event.object_type, event.object_id) == ("Round", str(world.round.id))
    assert event.new["method"] == "median" and event.new["destination"] == "download"


def test_no_live_formula_whatever_the_teams_typed(client, world):
    data = download(client, world).data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert sheets
        for sheet in sheets:
            assert b"<f>" not in archive.read(sheet) and b"<f " not in archive.read(sheet)
    ws = load_workbook(io.BytesIO(data))["Toàn vòng"]
    cells = {c.value: c.data_type for row in ws.iter_rows() for c in row if c.value in HOSTILE}
    assert cells == dict.fromkeys(HOSTILE, "s")


def test_one_sheet_per_pool(client, db, factory):
    world = w.build(factory, entries=4, judges=2, by_track=True)
    for index, total in enumerate((90, 70, 64, 95)):
        for judge in world.judges:
            w.score(world, judge, world.entries[index], SHEETS[total])
    book = load_workbook(io.BytesIO(download(client, world).data))
    assert book.sheetnames == ["Bảng Học sinh THPT", "Bảng Sinh viên", "Toàn vòng", "Giám khảo"]
    assert [r[12] for r in rows_of(book["Bảng Sinh viên"])[7:9]] == [95.0, 70.0]
    assert [r[12] for r in rows_of(book["Toàn vòng"])[7:11]] == [95.0, 90.0, 70.0, 64.0]


def test_a_round_without_rubric_is_refused_and_not_audited(client, db, factory):
    world = w.build(factory, entries=2, judges=1)
    for criterion in world.criteria:
        db.session.delete(criterion)
    db.session.flush()
    response = download(client, world)
    assert response.status_code == 302 and response.headers["Location"].endswith("/ranking")
    assert exports() == []


def test_export_without_csrf_token_changes_nothing(client, world):
    assert login(client, world.organizer.email).status_code == 302
    response = client.post(f"/judging/rounds/{world.round.id}/ranking/export")
    assert response.status_code == 400
    assert exports() == []


# --- the command line ---------------------------------------------------------------------


def export_cli(runner, *args: str):  # noqa: ANN002, ANN201
    return runner.invoke(args=["rankings", "export", *args])


def test_cli_writes_the_workbook_and_audits_it(runner, world, tmp_path: Path):
    output = tmp_path / "xếp hạng vòng 1.xlsx"
    result = export_cli(runner, "--round", str(world.round.id), "--output", str(output))
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output
    book = load_workbook(output)
    assert book.sheetnames == ["Tất cả bài dự thi", "Toàn vòng", "Giám khảo"]
    assert [r[0] for r in rows_of(book["Toàn vòng"])[7:11]] == [1, 2, 2, 4]
    [event] = exports()
    assert event.actor_id is None and event.new["destination"] == str(output.resolve())


def test_cli_method_option(runner, world, tmp_path: Path):
    output = tmp_path / "trung-vi.xlsx"
    args = ("--round", str(world.round.id), "--output", str(output), "--method", "median")
    assert export_cli(runner, *args).exit_code == 0
    ranks = [(r[0], r[12]) for r in rows_of(load_workbook(output)["Toàn vòng"])[7:11]]
    assert ranks == [(1, 66.0), (1, 66.0), (3, 64.0), (4, 62.0)]


@pytest.mark.parametrize(
    ("make_output", "message"),
    [
        (lambda tmp: tmp / "không có" / "x.xlsx", "no such directory"),
        (lambda tmp: tmp / "bảng.csv", "must end in .xlsx"),
    ],
)
def test_cli_refuses_an_unusable_output(runner, world, tmp_path, make_output, message):
    output = make_output(tmp_path)
    result = export_cli(runner, "--round", str(world.round.id), "--output", str(output))
    assert result.exit_code != 0 and message in result.output
    assert not output.exists() and exports() == []


def test_cli_refuses_an_output_it_cannot_write(runner, world, tmp_path: Path):
    output = tmp_path / "đã có.xlsx"
    output.mkdir()  # a directory where the file should go
    result = export_cli(runner, "--round", str(world.round.id), "--output", str(output))
    assert result.exit_code != 0 and "directory" in result.output
    assert output.is_dir() and exports() == []


def test_cli_unknown_round(runner, world, tmp_path: Path):
    output = tmp_path / "x.xlsx"
    result = export_cli(runner, "--round", "999999", "--output", str(output))
    assert result.exit_code == 1
    assert "Round 999999 does not exist." in result.output
    assert not output.exists() and exports() == []


def test_cli_round_without_rubric(runner, db, factory, tmp_path: Path):
    world = w.build(factory, entries=1, judges=1)
    for criterion in world.criteria:
        db.session.delete(criterion)
    db.session.flush()
    output = tmp_path / "x.xlsx"
    result = export_cli(runner, "--round", str(world.round.id), "--output", str(output))
    assert result.exit_code == 1 and "no rubric" in result.output
    assert not output.exists() and exports() == []
