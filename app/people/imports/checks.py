"""The experts import (judges and mentors): its columns and template, and the check of
an uploaded file against the database, which plans what applying it will do. A check
changes nothing.

One row per person, matched by email. A new email is a new account; a known one keeps its
name, title, unit and phone (a row with another name is refused, never an overwrite) and
only gains the roles and expertise tags it lacks. A file applied twice does nothing the
second time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy import select

from app.db import db
from app.people.imports.extensions import ExpertColumns, RowCheck, registered
from app.people.imports.lookup import UnitIndex, same_person, users_by_email
from app.people.models import ExpertiseTag, Role, User
from app.spreadsheet_imports import (
    CHOICE,
    EMAIL,
    PHONE,
    Column,
    Report,
    Row,
    build_template,
    column_letter,
    problem_at,
    read_report,
    split_list,
)
from app.units.models import Unit
from app.vietnamese import fold

KIND = "experts"
JUDGE, MENTOR, BOTH = "Giám khảo", "Cố vấn", "Giám khảo và cố vấn"
ROLES_OF = {JUDGE: [Role.JUDGE], MENTOR: [Role.MENTOR], BOTH: [Role.JUDGE, Role.MENTOR]}
EXAMPLE_EMAIL = "nguyen.van.a@example.com"

COLUMNS: tuple[Column, ...] = (
    Column("Họ và tên", "full_name", required=True, max_length=120, width=28,
           example="Nguyễn Văn A",
           guide="Họ, tên đệm và tên, có dấu. Với người đã có tài khoản, phải trùng tên "
                 "của tài khoản (hoa thường và dấu không tính)."),
    Column("Email", "email", EMAIL, required=True, max_length=254, width=32,
           example=EXAMPLE_EMAIL,
           guide="Email đăng nhập; người mới nhận thư kích hoạt tài khoản ở địa chỉ này. "
                 "Mỗi người một dòng."),
    Column("Vai trò", "role", CHOICE, required=True, choices=(JUDGE, MENTOR, BOTH), width=22,
           example=JUDGE, guide="Chọn trong danh sách."),
    Column("Chức danh / học hàm", "title", max_length=120, width=24,
           example="TS., Giảng viên chính",
           guide="Ví dụ: PGS.TS., Giám đốc, Chuyên viên. Không đổi với người đã có tài khoản."),
    Column("Đơn vị công tác", "unit", max_length=200, width=30,
           guide="Mã hoặc tên đơn vị đúng như trong hệ thống; để trống nếu không có. "
                 "Không đổi với người đã có tài khoản."),
    Column("Điện thoại", "phone", PHONE, max_length=20, width=16, example="0905123456",
           guide="Số điện thoại Việt Nam. Không đổi với người đã có tài khoản."),
    Column("Lĩnh vực chuyên môn", "expertise", max_length=1000, width=36,
           guide="Mã hoặc tên lĩnh vực, cách nhau bằng dấu chấm phẩy (;). Danh sách ở "
                 "cuối trang này. Lĩnh vực mới được thêm, lĩnh vực cũ được giữ."),
)  # fmt: skip


def template_bytes() -> bytes:
    """The template, with today's expertise tags listed in its guide and in its example,
    and the columns feature packages add after the core's."""
    tags = all_tags()
    specs = registered()
    columns = list(all_columns(specs))
    if tags:
        example = "; ".join(tag.name_vi for tag in tags[:2])
        last = len(COLUMNS) - 1
        columns[last] = _with_example(columns[last], example)
    return build_template(
        columns,
        sheet_title="Chuyên gia",
        guide_lines=[
            "Nhập giám khảo và chuyên gia cố vấn",
            "Mỗi dòng là một người. Cột có tiêu đề màu đậm là bắt buộc.",
            "Dòng 2 là dòng ví dụ: thay bằng người thật hoặc xoá đi.",
            "Người chưa có tài khoản được tạo tài khoản và nhận email kích hoạt (dùng một "
            "lần, có hạn). Người đã có tài khoản chỉ được thêm vai trò và lĩnh vực còn thiếu.",
            "Nhập lại cùng một tệp không tạo thêm gì.",
            *(line for spec in specs for line in spec.guide_lines),
        ],
        guide_tables=[
            ("Lĩnh vực chuyên môn (mã — tên)", [f"{t.code} — {t.name_vi}" for t in tags]),
            *(table for spec in specs for table in spec.guide_tables()),
        ],
    )


def all_columns(specs: Sequence[ExpertColumns]) -> tuple[Column, ...]:
    return (*COLUMNS, *(column for spec in specs for column in spec.columns))


def _with_example(column: Column, example: str) -> Column:
    return replace(column, example=example)


def all_tags() -> list[ExpertiseTag]:
    return list(db.session.scalars(select(ExpertiseTag).order_by(ExpertiseTag.code)))


# --- the check ------------------------------------------------------------------------------


@dataclass
class ExpertPlan:
    """What applying a row does: make the account (`user` None) or complete an existing
    one with the roles and tags it lacks."""

    user: User | None
    roles: list[str]
    unit: Unit | None = None
    new_roles: list[str] = field(default_factory=list)
    tags: list[ExpertiseTag] = field(default_factory=list)
    new_tags: list[ExpertiseTag] = field(default_factory=list)
    # What the features' columns change: (feature, its plan) for `apply`, and in words.
    extras: list[tuple[ExpertColumns, object]] = field(default_factory=list)
    extra_changes: list[str] = field(default_factory=list)

    @property
    def action(self) -> str:
        if self.user is None:
            return "create"
        return "update" if self.new_roles or self.new_tags or self.extras else "unchanged"


@dataclass
class ExpertReport(Report):
    @property
    def plans(self) -> list[ExpertPlan]:
        return [row.plan for row in self.rows if row.plan is not None]

    def count(self, action: str) -> int:
        return sum(1 for plan in self.plans if plan.action == action)

    @property
    def role_grants(self) -> int:
        return sum(len(plan.new_roles) for plan in self.plans if plan.user is not None)

    @property
    def has_changes(self) -> bool:
        return any(plan.action != "unchanged" for plan in self.plans)


class TagIndex:
    def __init__(self, tags: Sequence[ExpertiseTag]) -> None:
        self.by_key: dict[str, ExpertiseTag] = {}
        for tag in tags:
            for key in (tag.code, tag.name_vi, tag.name_en):
                self.by_key.setdefault(fold(key), tag)

    def find(self, text: str) -> ExpertiseTag | None:
        return self.by_key.get(fold(text))


def check_experts(data: bytes) -> ExpertReport:
    """Read the file, check every row against the database, plan what applying does."""
    base, columns, specs = _read(data, registered())
    report = ExpertReport(
        rows=base.rows,
        file_problem=base.file_problem,
        bad_columns=base.bad_columns,
        blank_rows=base.blank_rows,
    )
    if report.file_problem:
        return report
    users = users_by_email((row.text("email") for row in report.rows), expertise=True)
    units = UnitIndex(row.text("unit") for row in report.rows)
    tags = TagIndex(all_tags())
    extras = [(spec, spec.start_check(columns)) for spec in specs]
    for row in report.rows:
        _check_row(row, users, units, tags, extras)
    return report


def _read(
    data: bytes, specs: Sequence[ExpertColumns]
) -> tuple[Report, tuple[Column, ...], tuple[ExpertColumns, ...]]:
    """Read the file with every column. The features' columns are optional: a file
    without a feature's first heading where it belongs (made from an older template) is read
    again without that feature's columns and those after it, and imports as before."""
    columns = all_columns(specs)
    report = read_report(data, columns)
    if report.file_problem != "bad_header" or not specs:
        return report, columns, tuple(specs)
    index = {column_letter(i): i for i in range(len(columns))}
    bad = {index[letter] for letter, _wanted, _found in report.bad_columns}
    cut, present = len(COLUMNS), []
    for spec in specs:
        if cut in bad:
            break  # the file lacks this feature's columns (what follows is ignored, as before)
        present.append(spec)
        cut += len(spec.columns)
    if min(bad) < cut:
        # A wrong heading among the columns the file has: name those only.
        report.bad_columns = [item for item in report.bad_columns if index[item[0]] < cut]
        return report, columns, tuple(specs)
    columns = all_columns(present)
    return read_report(data, columns), columns, tuple(present)


def _check_row(
    row: Row,
    users: dict[str, User],
    units: UnitIndex,
    tags: TagIndex,
    extras: Sequence[tuple[ExpertColumns, RowCheck]] = (),
) -> None:
    unit = None
    if row.text("unit"):
        unit, code = units.find(row.text("unit"))
        if code:
            row.problems.append(problem_at(COLUMNS, "unit", code, row.text("unit")))
    chosen: list[ExpertiseTag] = []
    for name in split_list(row.text("expertise")):
        tag = tags.find(name)
        if tag is None:
            row.problems.append(problem_at(COLUMNS, "expertise", "unknown_tag", name))
        elif tag not in chosen:
            chosen.append(tag)
    email = row.text("email")
    user = users.get(email) if email else None
    if user is not None:
        if row.text("full_name") and not same_person(user, row.text("full_name")):
            row.problems.append(
                problem_at(COLUMNS, "email", "name_differs", email, detail=user.full_name)
            )
        if not user.is_active:
            row.problems.append(problem_at(COLUMNS, "email", "disabled", email))
    checked = [(spec, check(row, user)) for spec, check in extras]
    for _spec, extra in checked:
        row.problems.extend(extra.problems)
    if row.problems:
        return
    roles = [str(role) for role in ROLES_OF[row.text("role")]]
    plan = ExpertPlan(user=user, roles=roles, unit=unit, tags=chosen)
    if user is None:
        plan.new_roles = roles
        plan.new_tags = chosen
    else:
        held = user.role_names()
        plan.new_roles = [role for role in roles if role not in held]
        plan.new_tags = [tag for tag in chosen if tag not in user.expertise]
    for spec, extra in checked:
        if extra.changes:
            plan.extras.append((spec, extra.plan))
            plan.extra_changes.extend(extra.changes)
    row.plan = plan
