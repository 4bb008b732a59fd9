"""`flask demo seed`: fill an empty database with a realistic Vietnamese programme.

The unit tree of Đà Nẵng after the 2025 merger (with Quảng Nam kept as history), expertise
tags, a few hundred participants, forty experts and one account per role whose password is
printed. Everything is derived from `random.Random(1625)`, so every run gives the same data.

Only adds and flushes: the caller commits. Argon2 is slow on purpose, so the generated people
share one hash and only the demo accounts get hashes of their own.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import click
from flask import current_app
from sqlalchemy import func, select

from app import audit
from app.auth.passwords import hash_password, password_problem
from app.db import db, utcnow
from app.demo import places
from app.demo.identities import IdentityMaker
from app.demo.names import EXPERT_TITLES
from app.people.models import ExpertiseTag, Role, RoleGrant, User
from app.people.services import grant_role
from app.units.models import Unit, UnitLevel
from app.units.services import create_unit

SEED = 1625
SITE_URL = "http://127.0.0.1:5000"
EXPERTS = 40
# Every generated participant and expert signs in with this published password (the seed
# never runs in production).
# A demo login, printed on screen.
SHARED_PASSWORD = "Mam-NguoiDung-2026!"  # noqa: S105  # nosec B105
STUDENT_DOMAIN = "example.edu.vn"
PEOPLE_DOMAIN = "example.vn"

# How likely a participant comes from each kind of organisation, per organisation.
PARTICIPANT_WEIGHTS = {
    "high_school": 3,
    "university": 6,
    "lower_secondary": 2,
    "agency": 1,
    "enterprise": 1,
    "cooperative": 1,
}
SCHOOL_LEVELS = {"high_school", "university", "lower_secondary"}
EXPERT_LEVELS = {"university", "agency", "enterprise", "cooperative"}

REFUSED_ALREADY_SEEDED = "Dữ liệu mẫu đã có: bỏ qua."


class DemoRefused(Exception):
    """The seed must not run here; the message says why."""


@dataclass(frozen=True)
class DemoAccount:
    label: str  # the role, as printed for whoever tries the demo
    email: str
    password: str
    full_name: str
    roles: tuple[str, ...]
    unit: str  # where the person works or studies
    title: str | None
    phone: str
    organizer_of: str | None = None
    expertise: tuple[str, ...] = ()


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(
        "Quản trị viên",
        "admin@sprout.demo",
        "Mam-Admin-2026!",
        "Trần Minh Quân",
        (Role.ADMIN,),
        places.CITY_DEPARTMENT,
        "Quản trị hệ thống",
        "0905112233",
    ),
    DemoAccount(
        "Ban tổ chức – Thành phố Đà Nẵng",
        "btc@sprout.demo",
        "Mam-BanToChuc-2026!",
        "Lê Thị Thu Hà",
        (Role.ORGANIZER,),
        places.CITY_DEPARTMENT,
        "Phó Trưởng phòng Quản lý khoa học",
        "0935224466",
        organizer_of=places.CITY_NAME,
    ),
    DemoAccount(
        "Ban tổ chức – Cụm Tam Kỳ",
        "btc.tamky@sprout.demo",
        "Mam-BtcTamKy-2026!",
        "Nguyễn Thanh Tùng",
        (Role.ORGANIZER,),
        places.STARTUP_CENTRE,
        "Chuyên viên",
        "0914335577",
        organizer_of=places.TAM_KY_CLUSTER,
    ),
    DemoAccount(
        "Giám khảo",
        "giamkhao@sprout.demo",
        "Mam-GiamKhao-2026!",
        "Võ Ngọc Lan",
        (Role.JUDGE,),
        "Trường Đại học Quảng Nam",
        "Giảng viên chính",
        "0975446688",
        expertise=("finance", "marketing", "education"),
    ),
    DemoAccount(
        "Cố vấn",
        "covan@sprout.demo",
        "Mam-CoVan-2026!",
        "Huỳnh Đức Thắng",
        (Role.MENTOR,),
        "Công ty Cổ phần Công nghệ Biển Xanh",
        "Giám đốc",
        "0983557799",
        expertise=("technology", "fundraising", "management"),
    ),
    DemoAccount(
        "Giám khảo và cố vấn",
        "chuyengia@sprout.demo",
        "Mam-ChuyenGia-2026!",
        "Đặng Thị Mỹ Dung",
        (Role.JUDGE, Role.MENTOR),
        "Đại học Đà Nẵng",
        "Phó Giáo sư, Tiến sĩ",
        "0945668800",
        expertise=("agriculture", "export", "production"),
    ),
    DemoAccount(
        "Thí sinh",
        "thisinh@sprout.demo",
        "Mam-ThiSinh-2026!",
        "Hồ Gia Bảo",
        (Role.PARTICIPANT,),
        "Trường THPT chuyên Nguyễn Bỉnh Khiêm",
        None,
        "0906779911",
    ),
)


@dataclass
class DemoContext:
    """What the core seeded, handed to each feature's demo step."""

    rng: random.Random
    now: datetime
    units: dict[str, Unit]  # by name
    participants: list[User]
    experts: list[User]
    accounts: dict[str, User]  # the demo accounts, by email
    genders: dict[str, str]  # "male" or "female", by email, of the generated people


DemoStep = Callable[[DemoContext], None]
_feature_steps: list[DemoStep] = []


def register_demo_step(step: DemoStep) -> DemoStep:
    """Feature packages add their demonstration data after the core's (the core
    imports no feature package)."""
    if step not in _feature_steps:
        _feature_steps.append(step)
    return step


def seed_demo(only_if_empty: bool = False, participants: int = 300) -> list[tuple[str, str, str]]:
    """Seed an empty database; returns (role, email, password) of the demo accounts."""
    _refuse_unless_allowed(only_if_empty)
    _check_passwords()
    # Demo data, not secrets: a seeded generator makes every run the same.
    rng = random.Random(SEED)  # nosec B311
    now = utcnow()

    levels = _create_levels()
    units = _create_units(levels)
    tags = _create_tags()
    _create_demo_accounts(units, tags, now)

    people = IdentityMaker(rng, {account.email for account in DEMO_ACCOUNTS})
    people.phones.update(account.phone for account in DEMO_ACCOUNTS)
    shared_hash = hash_password(SHARED_PASSWORD)
    organisations = [unit for unit in units.values() if _is_current_organisation(unit)]
    generated = [
        *_make_participants(rng, people, organisations, participants, shared_hash, now),
        *_make_experts(rng, people, organisations, tags, shared_hash, now),
    ]
    db.session.add_all(generated)
    db.session.flush()

    context = DemoContext(
        rng=rng,
        now=now,
        units=units,
        participants=[u for u in generated if u.has_role(Role.PARTICIPANT)],
        experts=[u for u in generated if u.has_role(Role.JUDGE, Role.MENTOR)],
        accounts={
            user.email: user
            for user in db.session.scalars(
                select(User).where(User.email.in_([a.email for a in DEMO_ACCOUNTS]))
            )
        },
        genders=people.genders,
    )
    for step in _feature_steps:
        step(context)

    audit.record(
        "demo.seed",
        new={"units": len(units), "people": len(generated) + len(DEMO_ACCOUNTS)},
    )
    return [(account.label, account.email, account.password) for account in DEMO_ACCOUNTS]


def existing_logins() -> list[tuple[str, str, str]]:
    """The demo logins whose accounts are in the database (for later `make run`s)."""
    emails = set(
        db.session.scalars(
            select(User.email).where(User.email.in_([a.email for a in DEMO_ACCOUNTS]))
        )
    )
    return [(a.label, a.email, a.password) for a in DEMO_ACCOUNTS if a.email in emails]


def print_logins(rows: Iterable[tuple[str, str, str]]) -> None:
    rows = list(rows)
    headers = ("Vai trò / Role", "Email", "Mật khẩu / Password")
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=False)]

    def line(cells: Iterable[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))

    click.echo()
    click.echo("Tài khoản mẫu / Demo accounts")
    click.echo(f"Mở / Open: {SITE_URL}")
    click.echo()
    click.echo(line(headers).rstrip())
    click.echo(line("-" * width for width in widths))
    for row in rows:
        click.echo(line(row).rstrip())
    click.echo()
    click.echo("Mọi thí sinh, chuyên gia khác / every other participant and expert")
    click.echo(f"(…@{STUDENT_DOMAIN}, …@{PEOPLE_DOMAIN}): {SHARED_PASSWORD}")


# --- Guards ----------------------------------------------------------------------------------


def _refuse_unless_allowed(only_if_empty: bool) -> None:
    if current_app.config["ENV_NAME"] == "production":
        raise DemoRefused(
            "Không nạp dữ liệu mẫu trên hệ thống thật (production). "
            "/ The demo seed never runs in production."
        )
    users = db.session.scalar(select(func.count()).select_from(User))
    if users and only_if_empty:
        raise DemoRefused(REFUSED_ALREADY_SEEDED)
    if users:
        raise DemoRefused(
            f"Cơ sở dữ liệu đã có {users} người dùng: dữ liệu mẫu chỉ nạp vào cơ sở dữ liệu "
            f"trống. / The database already has {users} users: the demo seed only fills an "
            "empty database."
        )
    other_rows = sum(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (UnitLevel, Unit, ExpertiseTag)
    )
    if other_rows:
        raise DemoRefused(
            "Cơ sở dữ liệu đã có đơn vị hoặc lĩnh vực chuyên môn: dữ liệu mẫu chỉ nạp vào cơ "
            "sở dữ liệu trống. / The database already has units or expertise tags: the demo "
            "seed only fills an empty database."
        )


def _check_passwords() -> None:
    """The printed passwords must be ones the sign-up form itself would accept."""
    for account in DEMO_ACCOUNTS:
        problem = password_problem(account.password, email=account.email, name=account.full_name)
        if problem is not None:
            raise RuntimeError(f"demo password of {account.email} is refused: {problem}")
    if password_problem(SHARED_PASSWORD) is not None:
        raise RuntimeError("the shared demo password is refused by the password policy")


# --- Units and tags --------------------------------------------------------------------------


def _create_levels() -> dict[str, UnitLevel]:
    levels = {
        spec.code: UnitLevel(
            code=spec.code,
            name_vi=spec.name_vi,
            name_en=spec.name_en,
            rank=spec.rank,
            is_organisation=spec.is_organisation,
        )
        for spec in places.LEVELS
    }
    db.session.add_all(levels.values())
    db.session.flush()
    return levels


def _create_units(levels: dict[str, UnitLevel]) -> dict[str, Unit]:
    """Both trees, keyed by unit name (names are unique in the demo data)."""
    units: dict[str, Unit] = {}

    def add(name: str, level: str, parent: Unit | None, **fields: Any) -> Unit:
        if name in units:
            raise ValueError(f"unit {name!r} twice in the demo data")
        units[name] = create_unit(name=name, level=levels[level], parent=parent, **fields)
        return units[name]

    city = add(places.CITY_NAME, "municipality", None, code=places.CITY_CODE)
    for cluster_name, communes in places.CLUSTERS.items():
        cluster = add(cluster_name, "cluster", city, valid_from=places.MERGER_DATE)
        for commune_spec in communes:
            commune = add(
                commune_spec.name, commune_spec.level, cluster, valid_from=places.MERGER_DATE
            )
            for level, name in commune_spec.organisations:
                add(name, level, commune)
    for zone in places.SPECIAL_ZONES:
        add(zone, "special_zone", city, valid_from=places.MERGER_DATE)

    ended = {"valid_until": places.MERGER_DATE}
    province = add(
        places.OLD_PROVINCE_NAME,
        "province",
        None,
        code=places.OLD_PROVINCE_CODE,
        valid_from=places.OLD_PROVINCE_FROM,
        **ended,
    )
    province.successor = city
    for district in places.OLD_DISTRICTS:
        add(district, "district", province, **ended)
    old_department = add(places.OLD_DEPARTMENT, "agency", units[places.OLD_PROVINCE_SEAT], **ended)
    old_department.successor = units[places.CITY_DEPARTMENT]
    return units


def _create_tags() -> dict[str, ExpertiseTag]:
    tags = {
        spec.code: ExpertiseTag(code=spec.code, name_vi=spec.name_vi, name_en=spec.name_en)
        for spec in places.EXPERTISE_TAGS
    }
    db.session.add_all(tags.values())
    return tags


def _is_current_organisation(unit: Unit) -> bool:
    return unit.level.is_organisation and unit.valid_until is None


# --- People ----------------------------------------------------------------------------------


def _create_demo_accounts(
    units: dict[str, Unit], tags: dict[str, ExpertiseTag], now: datetime
) -> None:
    for account in DEMO_ACCOUNTS:
        user = User(
            full_name=account.full_name,
            email=account.email,
            phone=account.phone,
            title=account.title,
            unit=units[account.unit],
            password_hash=hash_password(account.password),
            email_verified_at=now,
        )
        user.expertise = [tags[code] for code in account.expertise]
        db.session.add(user)
        for role in account.roles:
            scope = units[account.organizer_of] if role == Role.ORGANIZER else None
            grant_role(user, role, scope)


def _make_participants(
    rng: random.Random,
    people: IdentityMaker,
    organisations: list[Unit],
    count: int,
    password_hash: str,
    now: datetime,
) -> list[User]:
    pool = [unit for unit in organisations if unit.name != places.CITY_DEPARTMENT]
    weights = [PARTICIPANT_WEIGHTS[unit.level.code] for unit in pool]
    made = []
    for unit in rng.choices(pool, weights=weights, k=count):
        domain = STUDENT_DOMAIN if unit.level.code in SCHOOL_LEVELS else PEOPLE_DOMAIN
        person = people.person("young", domain, places.ORGANISATION_GENDER.get(unit.name))
        user = User(
            full_name=person.full_name,
            email=person.email,
            phone=person.phone,
            unit=unit,
            password_hash=password_hash,
            email_verified_at=now,
        )
        user.roles.append(RoleGrant(role=Role.PARTICIPANT))
        made.append(user)
    return made


def _make_experts(
    rng: random.Random,
    people: IdentityMaker,
    organisations: list[Unit],
    tags: dict[str, ExpertiseTag],
    password_hash: str,
    now: datetime,
) -> list[User]:
    """About half judge only, a quarter mentor only, the rest do both."""
    pool = [unit for unit in organisations if unit.level.code in EXPERT_LEVELS]
    judges_only, mentors_only = EXPERTS // 2, EXPERTS // 4
    plans = (
        [(Role.JUDGE,)] * judges_only
        + [(Role.MENTOR,)] * mentors_only
        + [(Role.JUDGE, Role.MENTOR)] * (EXPERTS - judges_only - mentors_only)
    )
    rng.shuffle(plans)
    made = []
    for roles in plans:
        unit = rng.choice(pool)
        person = people.person("older", PEOPLE_DOMAIN, places.ORGANISATION_GENDER.get(unit.name))
        titles = places.ORGANISATION_TITLES.get(unit.name) or EXPERT_TITLES[unit.level.code]
        user = User(
            full_name=person.full_name,
            email=person.email,
            phone=person.phone,
            title=rng.choice(titles),
            unit=unit,
            password_hash=password_hash,
            email_verified_at=now,
        )
        user.expertise = _pick_expertise(rng, tags, places.ORGANISATION_FOCUS.get(unit.name))
        user.roles.extend(RoleGrant(role=role) for role in roles)
        made.append(user)
    return made


def _pick_expertise(
    rng: random.Random, tags: dict[str, ExpertiseTag], focus: str | None
) -> list[ExpertiseTag]:
    count = rng.randint(2, 4)
    codes = [focus] if focus else []
    others = [code for code in tags if code != focus]
    codes += rng.sample(others, count - len(codes))
    return [tags[code] for code in codes]
