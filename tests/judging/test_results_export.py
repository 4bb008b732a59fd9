"""The ranking workbook: downloaded from the ranking page and written by
`flask rankings export`, read back with openpyxl."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.audit import AuditEvent
from app.db import db
from app.localtime import local_today
from competitions.models import Entry, TeamMember
from judging.models import (
    AdvancementDecision,
    Award,
    AwardKind,
    AwardWinner,
    ScoreSheet,
    SheetOrigin,
)
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


def download(client, world: w.World, method: str | None = None, pool: str = ""):  # noqa: ANN201
    assert login(client, world.organizer.email).status_code == 302
    page = f"/judging/rounds/{world.round.id}/ranking"
    token = csrf_token(client, page)
    data = {"csrf_token": token, "export-method": method or "", "export-pool": pool}
    return client.post(f"/judging/rounds/{world.round.id}/ranking/export", data=data)


def rows_of(ws) -> list[tuple]:  # noqa: ANN001
    return [tuple(c.value for c in row) for row in ws.iter_rows()]


SHEETS_OF_THE_BOOK = ["Xếp hạng", "Điểm chi tiết", "Giám khảo", "Thông tin"]
CRITERIA = (
    "Tính đổi mới sáng tạo", "Tính khả thi", "Thị trường", "Đội ngũ", "Tác động xã hội",
    "Trình bày",
)  # fmt: skip


def table(ws, header_row: int = 6) -> list[tuple]:  # noqa: ANN001
    """The rows under the header down to the first empty row."""
    rows = rows_of(ws)[header_row:]
    end = next((i for i, r in enumerate(rows) if all(v is None for v in r)), len(rows))
    return rows[:end]


def test_download_is_a_printable_ranking_to_sign(client, world):
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
    assert book.sheetnames == SHEETS_OF_THE_BOOK
    ws = book["Xếp hạng"]
    rows = rows_of(ws)
    assert rows[0][0] == "Cuộc thi: Cuộc thi Khởi nghiệp đổi mới sáng tạo"
    assert rows[1][0] == "Vòng sơ khảo — Tất cả bài dự thi"
    assert rows[2][0] == "Phương pháp tính điểm: Trung bình cộng điểm của các giám khảo"
    assert rows[3][0].startswith(f"Xuất lúc: {today:%d/%m/%Y} ")
    assert rows[5] == (
        "Hạng", "Mã bài", "Tên dự án", "Nhóm", "Trưởng nhóm", "Thành viên", "Trường / đơn vị",
        "Lĩnh vực", *(f"{c} (TB)" for c in CRITERIA), "Tổng điểm", "Số giám khảo", "Lưu ý",
        "Kết quả",
    )  # fmt: skip
    ranked = table(ws)
    assert [(r[0], r[14]) for r in ranked] == [(1, 70.0), (2, 66.0), (2, 66.0), (4, 65.33)]
    assert ranked[0][1:8] == (
        "QN26-THPT-0001", HOSTILE[1], HOSTILE[0], "Nguyễn Văn An", None, "Trường THPT Số 1",
        "Bảng Học sinh THPT",
    )  # fmt: skip
    # A: criterion means (23 + 15 + 16) / 3 = 18 …, three judges, judges disagree.
    assert ranked[0][8] == 18.0 and ranked[0][15] == 3
    assert ranked[0][16] == "Giám khảo chênh lệch lớn"
    score = ws.cell(row=7, column=15)
    assert score.data_type == "n" and score.number_format == "0.00"
    assert ws.cell(row=7, column=9).number_format == "0.00"

    assert ws.freeze_panes == "A7"
    assert ws.row_dimensions[6].height == 60  # wrapped criterion names are not cut off
    assert ws.auto_filter.ref == "A6:R10"
    assert ws.print_title_rows == "$6:$6"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9  # A4
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    after = [v for r in rows[10:] for v in r if v]
    assert after == [
        f"Ngày ...... tháng ...... năm {today.year}",
        "TRƯỞNG BAN GIÁM KHẢO",
        "BAN TỔ CHỨC",
        "(Ký, ghi rõ họ tên)",
        "(Ký, ghi rõ họ tên)",
    ]
    assert ws["D14"].font.b and ws["N14"].font.b  # the signers' titles, bold, apart


def test_every_judges_sheet_with_its_scores_and_comment(client, db, world):
    sheet = db.session.scalar(
        select(ScoreSheet).where(
            ScoreSheet.round_entry_id == world.entries[0].id,
            ScoreSheet.user_id == world.judges[1].id,
        )
    )
    sheet.comment_for_team = "-Cần thêm số liệu thị trường"
    sheet.submitted_at = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)  # 09:30 in Việt Nam
    sheet.origin = SheetOrigin.PAPER_IMPORT
    db.session.flush()
    ws = load_workbook(io.BytesIO(download(client, world).data))["Điểm chi tiết"]
    rows = rows_of(ws)
    assert rows[1][0] == "Vòng sơ khảo — Điểm chi tiết từng giám khảo"
    assert rows[5] == (
        "Mã bài", "Tên dự án", "Giám khảo", "Tính đổi mới sáng tạo (tối đa 25)",
        "Tính khả thi (tối đa 20)", "Thị trường (tối đa 20)", "Đội ngũ (tối đa 15)",
        "Tác động xã hội (tối đa 10)", "Trình bày (tối đa 10)", "Tổng điểm (thang 100)",
        "Hình thức", "Nộp lúc", "Nhận xét cho nhóm",
    )  # fmt: skip
    sheets = table(ws)
    assert len(sheets) == 12  # 4 entries × 3 judges, in the ranking's order
    assert [r[0] for r in sheets[::3]] == [
        "QN26-THPT-0001", "QN26-SV-0002", "QN26-SV-0004", "QN26-THPT-0003",
    ]  # fmt: skip
    second = sheets[1]
    assert second[:3] == ("QN26-THPT-0001", HOSTILE[1], "Lê Văn Giám Khảo 2")
    assert second[3:10] == (15, 12, 12, 9, 5, 5, 58)  # the 58-point sheet of the example
    assert second[10:] == (
        "Phiếu giấy", datetime(2026, 11, 20, 9, 30), "-Cần thêm số liệu thị trường",
    )  # fmt: skip
    submitted = ws.cell(row=8, column=12)
    assert submitted.is_date and submitted.number_format == "dd/mm/yyyy hh:mm"
    assert ws.cell(row=8, column=13).data_type == "s"  # "-…" stays text
    assert sheets[0][10] == "Trực tuyến"
    assert ws.auto_filter.ref == "A6:M18" and ws.freeze_panes == "A7"


def test_the_judges_sheet(client, world):
    judges = rows_of(load_workbook(io.BytesIO(download(client, world).data))["Giám khảo"])
    assert judges[5][:6] == (
        "Giám khảo", "Số phiếu đã chấm", "Điểm trung bình", "Độ lệch chuẩn",
        "Chênh lệch so với các giám khảo khác", "Nhận xét",
    )  # fmt: skip
    first = judges[6]
    # J1: 90 66 64 66, mean 71.5, 7 points above the others on the same entries.
    assert first[:3] == ("Lê Văn Giám Khảo 1", 4, 71.5)
    assert first[4] == pytest.approx(7.0)
    assert first[5] == "cho điểm cao hơn mặt bằng 7,0 điểm"
    agreement = [r for r in judges if r[0] == "Tất cả bài dự thi"]
    assert agreement and agreement[0][1] == "ICC(1,1) / ICC(1,k)"


def test_the_information_sheet_says_what_how_when_and_who(client, world):
    book = load_workbook(io.BytesIO(download(client, world, method="median").data))
    ws = book["Thông tin"]
    facts = {r[0]: r[1] for r in rows_of(ws)[2:] if r[0]}
    assert facts["Cuộc thi"] == "Cuộc thi Khởi nghiệp đổi mới sáng tạo"
    assert facts["Vòng thi"] == "Vòng sơ khảo"
    assert facts["Phạm vi xuất (bộ lọc)"] == "Tất cả bài dự thi"
    assert facts["Phương pháp tính điểm"] == "Trung vị điểm của các giám khảo"
    assert facts["Là phương pháp của vòng thi"] == "Không"
    assert facts["Khi bằng điểm, xét lần lượt"].startswith("điểm trung bình từng tiêu chí")
    assert (facts["Số bài dự thi"], facts["Số phiếu chấm đã nộp"]) == (4, 12)
    exported = facts["Xuất lúc (giờ Việt Nam)"]
    assert isinstance(exported, datetime) and exported.date() == local_today()
    cell = next(c for c in ws["B"] if c.value == exported)
    assert cell.is_date and cell.number_format == "dd/mm/yyyy hh:mm"
    assert facts["Người xuất"] == f"{world.organizer.full_name} <{world.organizer.email}>"


def test_members_decisions_and_awards(client, db, factory, world):
    entry = db.session.get(Entry, world.entries[0].entry_id)
    for name in ("Phạm Thị Bình", "Võ Minh Châu"):
        person = factory.user(full_name=name)
        entry.team.members.append(TeamMember(user=person, full_name=name))
    world.entries[0].decision = AdvancementDecision.ADVANCE
    world.entries[1].decision = AdvancementDecision.STOP
    award = Award(round=world.round, kind=AwardKind.FIRST, name="Giải Nhất")
    db.session.add(AwardWinner(award=award, round_entry=world.entries[0]))
    db.session.flush()
    ranked = table(load_workbook(io.BytesIO(download(client, world).data))["Xếp hạng"])
    assert ranked[0][5] == "Phạm Thị Bình, Võ Minh Châu"
    assert ranked[0][17] == "Vào vòng sau; Giải Nhất"
    assert ranked[1][17] == "Dừng"
    assert ranked[2][17] is None


def test_the_export_is_audited_with_its_method_and_scope(client, world):
    response = download(client, world, method="median")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book["Xếp hạng"]["A3"].value == "Phương pháp tính điểm: Trung vị điểm của các giám khảo"
    [event] = exports()
    assert event.actor_id == world.organizer.id
    assert (event.object_type, event.object_id) == ("Round", str(world.round.id))
    assert event.new["method"] == "median" and event.new["destination"] == "download"
    assert event.new["scope"] == "overall" and event.new["entries"] == 4


def test_no_live_formula_whatever_the_teams_typed(client, world):
    data = download(client, world).data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert len(sheets) == 4
        for sheet in sheets:
            assert b"<f>" not in archive.read(sheet) and b"<f " not in archive.read(sheet)
    ws = load_workbook(io.BytesIO(data))["Xếp hạng"]
    cells = {c.value: c.data_type for row in ws.iter_rows() for c in row if c.value in HOSTILE}
    assert cells == dict.fromkeys(HOSTILE, "s")


@pytest.fixture()
def pooled(db, factory) -> w.World:
    world = w.build(factory, entries=4, judges=2, by_track=True)
    for index, total in enumerate((90, 70, 64, 95)):
        for judge in world.judges:
            w.score(world, judge, world.entries[index], SHEETS[total])
    return world


def test_the_whole_round_shows_each_pool_and_the_rank_in_it(client, pooled):
    book = load_workbook(io.BytesIO(download(client, pooled, pool="overall").data))
    ws = book["Xếp hạng"]
    assert rows_of(ws)[1][0] == "Vòng sơ khảo — Toàn vòng thi"
    assert rows_of(ws)[5][:4] == ("Hạng", "Bảng", "Hạng trong bảng", "Mã bài")
    assert [(r[0], r[1], r[2], r[16]) for r in table(ws)] == [
        (1, "Bảng Sinh viên", 1, 95.0),
        (2, "Bảng Học sinh THPT", 1, 90.0),
        (3, "Bảng Sinh viên", 2, 70.0),
        (4, "Bảng Học sinh THPT", 2, 64.0),
    ]
    assert rows_of(book["Điểm chi tiết"])[5][2] == "Bảng"


def test_one_pool_exports_only_its_entries_and_says_so(client, db, pooled):
    pool = next(p for p in pooled.pools if p.name == "Bảng Sinh viên")
    response = download(client, pooled, pool=str(pool.id))
    name = f"Cuộc-thi-Khởi-nghiệp-đổi-mới-sáng-tạo_Vòng-sơ-khảo_Bảng-Sinh-viên_{local_today()}"
    assert quote(name) in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    ranked = table(book["Xếp hạng"])
    assert [(r[0], r[14]) for r in ranked] == [(1, 95.0), (2, 70.0)]
    assert len(table(book["Điểm chi tiết"])) == 4  # two entries × two judges
    facts = {r[0]: r[1] for r in rows_of(book["Thông tin"]) if r[0]}
    assert facts["Phạm vi xuất (bộ lọc)"] == "Bảng: Bảng Sinh viên"
    [event] = exports()
    assert event.new["scope"] == str(pool.id) and event.new["entries"] == 2


@pytest.mark.parametrize("pool", ["999999", "abc"])
def test_a_pool_not_of_the_round_is_refused_and_not_audited(client, pooled, pool):
    response = download(client, pooled, pool=pool)
    assert response.status_code == 302 and response.headers["Location"].endswith("/ranking")
    assert exports() == []


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
    assert book.sheetnames == SHEETS_OF_THE_BOOK
    assert [r[0] for r in table(book["Xếp hạng"])] == [1, 2, 2, 4]
    facts = {r[0]: r[1] for r in rows_of(book["Thông tin"]) if r[0]}
    assert facts["Người xuất"] == "Dòng lệnh máy chủ (flask rankings export)"
    [event] = exports()
    assert event.actor_id is None and event.new["destination"] == str(output.resolve())


def test_cli_pool_option(runner, pooled, tmp_path: Path):
    pool = next(p for p in pooled.pools if p.name == "Bảng Học sinh THPT")
    output = tmp_path / "thpt.xlsx"
    args = ("--round", str(pooled.round.id), "--output", str(output), "--pool", str(pool.id))
    assert export_cli(runner, *args).exit_code == 0
    assert [(r[0], r[14]) for r in table(load_workbook(output)["Xếp hạng"])] == [
        (1, 90.0), (2, 64.0),
    ]  # fmt: skip


def test_cli_method_option(runner, world, tmp_path: Path):
    output = tmp_path / "trung-vi.xlsx"
    args = ("--round", str(world.round.id), "--output", str(output), "--method", "median")
    assert export_cli(runner, *args).exit_code == 0
    ranks = [(r[0], r[14]) for r in table(load_workbook(output)["Xếp hạng"])]
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
