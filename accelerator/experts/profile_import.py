"""The expert panel's columns in the experts import (app.people.imports): organisation,
mentoring capacity, availability, bio and sectors of each expert's profile.

The profile is the expert's own: an import fills in only what is still empty (a new
person's profile is created from the row; an existing profile keeps every field already
set, the capacity included), so importing the same file again changes nothing. Registered
when accelerator.experts.views is imported; the core never imports this module.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from accelerator.experts.services import (
    CAPACITY,
    MAX_AVAILABILITY_LENGTH,
    MAX_BIO_LENGTH,
    MAX_ORGANISATION_LENGTH,
    PROFILE_COLUMNS,
)
from accelerator.models import ExpertProfile
from app import audit
from app.db import db, utcnow
from app.people.imports.extensions import (
    ExpertColumns,
    ExtraCheck,
    RowCheck,
    register_expert_columns,
)
from app.people.models import User
from app.spreadsheet_imports import Column, Problem, Row, problem_at, split_list
from app.vietnamese import fold
from competitions.models import Sector

_WHOLE = re.compile(r"^\d+([.,]0+)?$")
TEXT_FIELDS = ("organisation", "availability", "bio")
KEEP = " Với người đã có hồ sơ chuyên gia, chỉ điền khi hồ sơ chưa có; không ghi đè."

COLUMNS: tuple[Column, ...] = (
    Column("Tổ chức", "organisation", max_length=MAX_ORGANISATION_LENGTH, width=28,
           example="Trường Đại học Bách khoa",
           guide="Nơi làm việc, hiện trong danh bạ tổ chuyên gia." + KEEP),
    Column("Số nhóm có thể cố vấn", "mentoring_capacity", max_length=10, width=14, example=2,
           guide=f"Số nguyên từ {CAPACITY[0]} đến {CAPACITY[1]}: số nhóm cố vấn cùng lúc. "
                 "Để trống: 2. Hồ sơ đã có thì giữ số cũ."),
    Column("Thời gian có thể tham gia", "availability", max_length=MAX_AVAILABILITY_LENGTH,
           width=28, example="Tối thứ Năm, sáng thứ Bảy",
           guide="Khi nào có thể gặp các nhóm." + KEEP),
    Column("Giới thiệu", "bio", max_length=MAX_BIO_LENGTH, width=40,
           guide="Vài dòng giới thiệu kinh nghiệm." + KEEP),
    Column("Lĩnh vực (ngành)", "sectors", max_length=1000, width=30,
           guide="Mã hoặc tên lĩnh vực dự án, cách nhau bằng dấu chấm phẩy (;). Danh sách ở "
                 "cuối trang này." + KEEP),
)  # fmt: skip


@dataclass
class ProfileValues:
    """The profile fields a row fills in, and only those."""

    organisation: str = ""
    availability: str = ""
    bio: str = ""
    mentoring_capacity: int | None = None
    sectors: list[Sector] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.organisation or self.availability or self.bio or self.sectors) and (
            self.mentoring_capacity is None
        )


def _labels() -> dict[str, str]:
    return {
        "organisation": _("organisation"),
        "mentoring_capacity": _("mentoring capacity"),
        "availability": _("availability"),
        "bio": _("introduction"),
        "sectors": _("sectors"),
    }


def _missing(profile: ExpertProfile | None, values: ProfileValues) -> list[str]:
    """The fields the row sets: all it fills for a new profile, only the empty ones of an
    existing profile (its capacity is always set, so it is kept)."""
    if values.empty:
        return []
    filled = [
        column.key
        for column in COLUMNS
        if (column.key == "mentoring_capacity" and values.mentoring_capacity is not None)
        or (column.key != "mentoring_capacity" and getattr(values, column.key))
    ]
    if profile is None:
        return filled
    return [
        name
        for name in filled
        if name != "mentoring_capacity"
        and not (profile.sectors if name == "sectors" else getattr(profile, name))
    ]


def _fields(profile: ExpertProfile) -> dict:
    return {
        "organisation": profile.organisation,
        "bio": profile.bio,
        "mentoring_capacity": profile.mentoring_capacity,
        "availability": profile.availability,
        "sectors": [sector.code for sector in profile.sectors],
    }


class SectorIndex:
    def __init__(self, sectors: Sequence[Sector]) -> None:
        self.by_key: dict[str, Sector] = {}
        for sector in sectors:
            for key in (sector.code, sector.name_vi):
                self.by_key.setdefault(fold(key), sector)

    def find(self, text: str) -> Sector | None:
        return self.by_key.get(fold(text))


def start_check(columns: Sequence[Column]) -> RowCheck:
    sectors = SectorIndex(list(db.session.scalars(select(Sector).order_by(Sector.code))))

    def check(row: Row, user: User | None) -> ExtraCheck:
        result = ExtraCheck()
        values = ProfileValues(**{name: row.text(name) for name in TEXT_FIELDS})
        capacity = row.text("mentoring_capacity")
        if capacity:
            number = int(re.split("[.,]", capacity)[0]) if _WHOLE.match(capacity) else None
            if number is None or not CAPACITY[0] <= number <= CAPACITY[1]:
                result.problems.append(
                    problem_at(columns, "mentoring_capacity", "bad_capacity", capacity)
                )
            values.mentoring_capacity = number
        for name in split_list(row.text("sectors")):
            sector = sectors.find(name)
            if sector is None:
                result.problems.append(problem_at(columns, "sectors", "unknown_sector", name))
            elif sector not in values.sectors:
                values.sectors.append(sector)
        if result.problems:
            return result
        profile = db.session.get(ExpertProfile, user.id) if user is not None else None
        missing = _missing(profile, values)
        if missing:
            labels = _labels()
            fields = ", ".join(labels[name] for name in missing)
            result.changes = [
                _("Expert profile created: %(fields)s", fields=fields)
                if profile is None
                else _("Expert profile completed: %(fields)s", fields=fields)
            ]
            result.plan = values
        return result

    return check


def apply(user: User, plan: object, by: User) -> None:
    """Fill in what the profile still lacks, as it is now (read under a lock, so that a
    profile saved meanwhile is not overwritten); audited like a profile page's save."""
    if not isinstance(plan, ProfileValues):  # what start_check planned, nothing else
        raise TypeError(plan)
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    profile = db.session.get(ExpertProfile, user.id)
    if profile is not None:
        db.session.refresh(profile, [*PROFILE_COLUMNS, "sectors"])
    missing = _missing(profile, plan)
    if not missing:
        return
    created = profile is None
    old = None if profile is None else _fields(profile)
    if profile is None:
        profile = ExpertProfile(user_id=user.id, user=user, mentoring_capacity=2)
        db.session.add(profile)
    for name in missing:
        setattr(profile, name, getattr(plan, name))
    profile.updated_at = utcnow()
    db.session.flush()
    audit.record(
        "expert.profile_create" if created else "expert.profile_update",
        user,
        old=old,
        new={**_fields(profile), "source": "import"},
        actor=by,
    )


def message(problem: Problem) -> str | None:
    if problem.code == "bad_capacity":
        return _("“%(value)s” is not a whole number of teams from %(low)d to %(high)d.",
                 value=problem.value or "", low=CAPACITY[0], high=CAPACITY[1])  # fmt: skip
    if problem.code == "unknown_sector":
        return _("No sector has the code or name “%(value)s”.", value=problem.value or "")
    return None


def _sector_table() -> list[tuple[str, list[str]]]:
    sectors = db.session.scalars(select(Sector).order_by(Sector.code))
    return [("Lĩnh vực (ngành) (mã — tên)", [f"{s.code} — {s.name_vi}" for s in sectors])]


register_expert_columns(
    ExpertColumns(
        name="accelerator.expert_profile",
        columns=COLUMNS,
        start_check=start_check,
        apply=apply,
        message=message,
        guide_lines=(
            "Các cột từ “Tổ chức” đến “Lĩnh vực (ngành)” là hồ sơ tổ chuyên gia, không bắt "
            "buộc (tệp không có các cột này vẫn nhập được). Người mới được tạo hồ sơ từ các ô "
            "đã điền; hồ sơ đã có chỉ được điền thêm mục còn trống, không bao giờ ghi đè điều "
            "chuyên gia đã viết.",
        ),
        guide_tables=_sector_table,
    )
)
