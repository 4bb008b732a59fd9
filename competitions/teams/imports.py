"""The participants import: teams and their members from a workbook, one row per person.
Its columns and template, and the check of an uploaded file against the database, which
plans what applying it will do. A check changes nothing.

Rows are grouped into teams by the team's name (case and diacritics aside); each team has
exactly one leader row. A team is the existing one with the same name and the same leader
(by email), else a new one; a person is the account with the row's email, else a new
account. An existing account with another name is refused, never renamed. Applying the
same file twice does nothing the second time: the people are members already.

Organizers who are not administrators import teams for the units they organise: a team's
unit must be one of theirs, and they add members only to existing teams of their units."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.db import db
from app.people.imports.lookup import UnitIndex, same_person, users_by_email
from app.people.models import Role, User
from app.spreadsheet_imports import (
    CHOICE,
    DATE,
    EMAIL,
    PHONE,
    Column,
    Report,
    Row,
    build_template,
    problem_at,
    read_report,
)
from app.units.models import Unit
from app.vietnamese import fold
from competitions.models import Gender, Team
from competitions.teams.services import MAX_TEAM_SIZE, birth_date_problem

KIND = "teams"
# The gender column's cells and what each records.
GENDER_CELLS = {"Nữ": Gender.FEMALE, "Nam": Gender.MALE, "Khác": Gender.OTHER}
LEADER, MEMBER = "Trưởng nhóm", "Thành viên"
EXAMPLE_EMAIL = "nguyen.van.a@example.com"

COLUMNS: tuple[Column, ...] = (
    Column("Tên nhóm", "team", required=True, max_length=120, width=28,
           example="Nhóm Hạt Mầm Xanh",
           guide="Các thành viên của một nhóm ghi cùng một tên nhóm (hoa thường và dấu "
                 "không tính)."),
    Column("Vai trò trong nhóm", "role", CHOICE, required=True, choices=(LEADER, MEMBER),
           width=20, example=LEADER, guide="Mỗi nhóm có đúng một trưởng nhóm."),
    Column("Họ và tên", "full_name", required=True, max_length=120, width=26,
           example="Nguyễn Văn A",
           guide="Họ, tên đệm và tên, có dấu. Với người đã có tài khoản, phải trùng tên "
                 "của tài khoản."),
    Column("Email", "email", EMAIL, required=True, max_length=254, width=30,
           example=EXAMPLE_EMAIL,
           guide="Mỗi người một email, một dòng. Người mới nhận thư kích hoạt tài khoản ở "
                 "địa chỉ này."),
    Column("Ngày sinh", "date_of_birth", DATE, width=14, example=datetime.date(2008, 3, 15),
           guide="Ô kiểu ngày, hoặc chữ dạng dd/mm/yyyy."),
    Column("Trường / đơn vị", "school", max_length=200, width=30,
           example="Trường THPT Phan Châu Trinh", guide="Nơi người này học hoặc làm việc."),
    Column("Lớp / ngành", "class_or_major", max_length=120, width=16, example="11A1"),
    Column("Điện thoại", "phone", PHONE, max_length=20, width=16, example="0905123456",
           guide="Số điện thoại Việt Nam."),
    Column("Đơn vị của nhóm", "team_unit", max_length=200, width=30,
           guide="Mã hoặc tên trường / tổ chức mà nhóm đại diện, đúng như trong hệ thống; "
                 "để trống nếu không có. Ghi ở dòng trưởng nhóm là đủ."),
    Column("Giới tính", "gender", CHOICE, choices=tuple(GENDER_CELLS), width=12, example="Nữ",
           guide="Nữ, Nam hoặc Khác; có thể để trống. Chỉ dùng cho số liệu tổng hợp của "
                 "chương trình."),
)  # fmt: skip


def template_bytes() -> bytes:
    return build_template(
        COLUMNS,
        sheet_title="Thí sinh",
        guide_lines=[
            "Nhập thí sinh và nhóm",
            "Mỗi dòng là một người; các thành viên cùng nhóm ghi cùng tên nhóm, mỗi nhóm có "
            "đúng một dòng trưởng nhóm. Cột có tiêu đề màu đậm là bắt buộc.",
            "Dòng 2 là dòng ví dụ: thay bằng người thật hoặc xoá đi.",
            "Người chưa có tài khoản được tạo tài khoản thí sinh và nhận email kích hoạt "
            "(dùng một lần, có hạn). Nhóm trùng tên và trùng trưởng nhóm với nhóm đã có là "
            "nhóm đó: chỉ thành viên còn thiếu được thêm.",
            "Nhập lại cùng một tệp không tạo thêm gì.",
        ],
    )


# --- the plan -------------------------------------------------------------------------------


@dataclass
class MemberPlan:
    """What applying a row does for its person."""

    user: User | None  # the existing account; None: one is made
    leader: bool
    joins: bool = True  # False: already a member of the (existing) team
    grant_participant: bool = False

    @property
    def action(self) -> str:
        if self.user is None:
            return "create"
        return "update" if self.joins or self.grant_participant else "unchanged"


@dataclass
class TeamPlan:
    name: str
    rows: list[Row]
    leader_row: Row
    unit: Unit | None
    team: Team | None  # the existing team; None: a new one

    @property
    def joining(self) -> list[Row]:
        return [row for row in self.rows if row.plan.joins]


@dataclass
class TeamReport(Report):
    teams: list[TeamPlan] = field(default_factory=list)

    @property
    def plans(self) -> list[MemberPlan]:
        return [row.plan for row in self.rows if row.plan is not None]

    def count(self, action: str) -> int:
        return sum(1 for plan in self.plans if plan.action == action)

    @property
    def new_teams(self) -> int:
        return sum(1 for team in self.teams if team.team is None)

    @property
    def new_members(self) -> int:
        return sum(len(team.joining) for team in self.teams)

    @property
    def role_grants(self) -> int:
        return sum(1 for plan in self.plans if plan.grant_participant)

    @property
    def has_changes(self) -> bool:
        return any(plan.action != "unchanged" for plan in self.plans)


# --- the check ------------------------------------------------------------------------------


def check_teams(data: bytes, *, actor: User) -> TeamReport:
    """Read the file, check every row and every team against the database, plan what
    applying does. Queries: the accounts, the units named, the matching teams."""
    base = read_report(data, COLUMNS)
    report = TeamReport(
        rows=base.rows,
        file_problem=base.file_problem,
        bad_columns=base.bad_columns,
        blank_rows=base.blank_rows,
    )
    if report.file_problem:
        return report
    users = users_by_email(row.text("email") for row in report.rows)
    units = UnitIndex(row.text("team_unit") for row in report.rows)
    row_units = {row.number: _row_unit(row, units, actor) for row in report.rows}
    for row in report.rows:
        _check_person(row, users)
    groups: dict[str, list[Row]] = {}
    for row in report.rows:
        if row.text("team"):
            groups.setdefault(fold(row.text("team")), []).append(row)
    drafts = [_team_draft(rows, row_units) for rows in groups.values()]
    existing = _existing_teams(
        [(key, leader) for key, leader, _unit in drafts if leader is not None], users
    )
    for (key, leader, unit), rows in zip(drafts, groups.values(), strict=True):
        if leader is None:
            continue
        team = existing.get((key, leader.text("email")))
        plan = _plan_team(rows, leader, unit, team, users, actor)
        if plan is not None:
            report.teams.append(plan)
    return report


def _row_unit(row: Row, units: UnitIndex, actor: User) -> Unit | None:
    text = row.text("team_unit")
    if not text:
        return None
    unit, code = units.find(text)
    if unit is not None and not unit.level.is_organisation:
        unit, code = None, "unit_not_organisation"
    if unit is not None and not actor.organizes(unit):
        unit, code = None, "unit_not_yours"
    if code:
        row.problems.append(problem_at(COLUMNS, "team_unit", code, text))
    return unit


def _check_person(row: Row, users: dict[str, User]) -> None:
    email = row.text("email")
    user = users.get(email) if email else None
    if user is not None:
        if row.text("full_name") and not same_person(user, row.text("full_name")):
            row.problems.append(
                problem_at(COLUMNS, "email", "name_differs", email, detail=user.full_name)
            )
        if not user.is_active:
            row.problems.append(problem_at(COLUMNS, "email", "disabled", email))
    born = row.values.get("date_of_birth")
    if isinstance(born, datetime.date) and (code := birth_date_problem(born)):
        row.problems.append(problem_at(COLUMNS, "date_of_birth", code, born.strftime("%d/%m/%Y")))


def _team_draft(
    rows: list[Row], row_units: dict[int, Unit | None]
) -> tuple[str, Row | None, Unit | None]:
    """The team's key, its one leader row (None when it has none or several: the rows
    say why) and its unit (the first one given; a different one later is a problem)."""
    key = fold(rows[0].text("team"))
    leaders = [row for row in rows if row.text("role") == LEADER]
    unit = None
    unit_row = None
    for row in rows:
        found = row_units[row.number]
        if found is None:
            continue
        if unit is None:
            unit, unit_row = found, row
        elif found.id != unit.id:
            row.problems.append(
                problem_at(
                    COLUMNS,
                    "team_unit",
                    "unit_conflict",
                    row.text("team_unit"),
                    first_row=unit_row.number,
                )  # fmt: skip
            )
    if not leaders:
        for row in rows:
            if row.text("role"):  # a row without a role says so already
                row.problems.append(problem_at(COLUMNS, "role", "no_leader", row.text("team")))
        return key, None, unit
    for extra in leaders[1:]:
        extra.problems.append(
            problem_at(
                COLUMNS, "role", "second_leader", extra.text("team"), first_row=leaders[0].number
            )  # fmt: skip
        )
    if len(leaders) > 1 or not leaders[0].text("email"):
        return key, None, unit
    return key, leaders[0], unit


def _existing_teams(
    drafts: Iterable[tuple[str, Row]], users: dict[str, User]
) -> dict[tuple[str, str], Team]:
    """Existing teams with the same name and leader as a team of the file, in one query
    (members included); the oldest wins if two are alike."""
    leaders = {users[row.text("email")].id for _key, row in drafts if row.text("email") in users}
    names = {key for key, _row in drafts}
    if not leaders:
        return {}
    found: dict[tuple[str, str], Team] = {}
    teams = db.session.scalars(
        select(Team)
        .where(Team.leader_id.in_(leaders), Team.name_folded.in_(names))
        .options(selectinload(Team.members), selectinload(Team.leader), selectinload(Team.unit))
        .order_by(Team.id)
    )
    for team in teams:
        found.setdefault((team.name_folded, team.leader.email), team)
    return found


def _plan_team(
    rows: list[Row],
    leader: Row,
    unit: Unit | None,
    team: Team | None,
    users: dict[str, User],
    actor: User,
) -> TeamPlan | None:
    members = {member.user_id for member in team.members} if team is not None else set()
    for row in rows:
        user = users.get(row.text("email"))
        row.plan = MemberPlan(
            user=user,
            leader=row is leader,
            joins=user is None or user.id not in members,
            grant_participant=user is not None and not user.has_role(Role.PARTICIPANT),
        )
    joining = [row for row in rows if row.plan.joins]
    if team is not None:
        if unit is not None and team.unit_id != unit.id:
            for row in rows:
                if row.text("team_unit"):
                    row.problems.append(
                        problem_at(
                            COLUMNS,
                            "team_unit",
                            "team_unit_differs",
                            row.text("team_unit"),
                            detail=_unit_name(team),
                        )  # fmt: skip
                    )
        if joining and not actor.organizes(team.unit):
            for row in joining:
                row.problems.append(problem_at(COLUMNS, "team", "team_not_yours", team.name))
    if len(members) + len(joining) > MAX_TEAM_SIZE:
        for row in rows:
            row.problems.append(
                problem_at(
                    COLUMNS,
                    "team",
                    "team_too_large",
                    row.text("team"),
                    detail=str(len(members) + len(joining)),
                )  # fmt: skip
            )
    if any(row.problems for row in rows):
        for row in rows:
            row.plan = None
        return None
    return TeamPlan(name=leader.text("team"), rows=rows, leader_row=leader, unit=unit, team=team)


def _unit_name(team: Team) -> str:
    return team.unit.name if team.unit is not None else "—"
