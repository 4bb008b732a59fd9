"""The world the event tests start from: a province unit with its organizer, another unit's
organizer, a participant and an administrator; a published festival of the province (three
seats, the participant registered), a draft workshop and a cancelled forum, and a published
festival of the other unit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from app.db import db, utcnow
from app.localtime import to_local
from app.people.models import Role, User
from app.units.models import Unit
from competitions.events.models import Event, EventRegistration, EventStatus
from competitions.events.registrations import new_code
from competitions.models import Sector
from tests.factories import Factory
from tests.helpers import csrf_token
from tests.helpers import snapshot as _snapshot
from tests.judging.roles import FLASH, LOGIN, sign_in_as

ROLES = ("anonymous", "participant", "organizer", "other_organizer", "admin")

# fmt: off
#                  anonymous participant organizer other_organizer admin
PUBLIC = dict(zip(ROLES, (200, 200, 200, 200, 200), strict=True))
SIGNED_IN = dict(zip(ROLES, (LOGIN, 200, 200, 200, 200), strict=True))
ANY_ORGANIZER = dict(zip(ROLES, (LOGIN, 403, 200, 200, 200), strict=True))
ORGANIZERS_ONLY = dict(zip(ROLES, (LOGIN, 403, 200, 403, 200), strict=True))
REGISTERED_ONLY = dict(zip(ROLES, (LOGIN, 200, 404, 404, 404), strict=True))
DRAFT_PAGE = dict(zip(ROLES, (404, 404, 200, 404, 200), strict=True))
# fmt: on


@dataclass
class World:
    owner: Unit
    other_unit: Unit
    accounts: dict[str, User]
    sector: Sector
    festival: Event
    draft: Event
    cancelled: Event
    other_festival: Event
    registration: EventRegistration

    @property
    def organizer(self) -> User:
        return self.accounts["organizer"]

    @property
    def participant(self) -> User:
        return self.accounts["participant"]


def sector(code: str = "agriculture") -> Sector:
    found = db.session.scalar(select(Sector).where(Sector.code == code))
    if found is None:
        found = Sector(code=code, name_vi="Nông nghiệp", name_en="Agriculture")
        db.session.add(found)
        db.session.flush()
    return found


def event(
    unit: Unit,
    *,
    title: str = "Ngày hội khởi nghiệp tỉnh",
    kind: str = "festival",
    status: str = EventStatus.PUBLISHED,
    starts: datetime | None = None,
    hours: int = 8,
    capacity: int | None = 3,
    sector_: Sector | None = None,
    level: str = "province",
) -> Event:
    starts = starts or utcnow().replace(microsecond=0) + timedelta(days=10)
    row = Event(
        kind=kind,
        level=level,
        title=title,
        sector=sector_,
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
        year=to_local(starts).year,
        place="Nhà văn hóa tỉnh, 02 Trần Phú",
        organizer_unit=unit,
        description="Gian hàng, thi gọi vốn, giao lưu nhà đầu tư.",
        capacity=capacity,
        status=status,
    )
    db.session.add(row)
    db.session.flush()
    return row


def registration(row: Event, user: User, *, attended: bool = False) -> EventRegistration:
    reg = EventRegistration(event=row, user=user, code=new_code())
    if attended:
        reg.attended_at = utcnow()
        reg.attendance_method = "list"
    db.session.add(reg)
    db.session.flush()
    return reg


def build(factory: Factory) -> World:
    owner = factory.unit(name="Tỉnh Quảng Nam")
    other_unit = factory.unit(name="Tỉnh Khác")
    accounts = {
        "participant": factory.user("Phạm Văn Chiến", roles=(Role.PARTICIPANT,)),
        "organizer": factory.user("Trần Thị Bình", roles=(Role.ORGANIZER,), organizer_of=owner),
        "other_organizer": factory.user(
            "Hoàng Thị Dung", roles=(Role.ORGANIZER,), organizer_of=other_unit
        ),
        "admin": factory.user("Võ Thị Sáu", roles=(Role.ADMIN,)),
    }
    agriculture = sector()
    festival = event(owner)
    return World(
        owner=owner,
        other_unit=other_unit,
        accounts=accounts,
        sector=agriculture,
        festival=festival,
        draft=event(
            owner,
            title="Hội thảo chuyển đổi số nông nghiệp",
            kind="workshop",
            status=EventStatus.DRAFT,
            sector_=agriculture,
        ),
        cancelled=event(
            owner,
            title="Diễn đàn du lịch cộng đồng",
            kind="forum",
            status=EventStatus.CANCELLED,
            sector_=agriculture,
        ),
        other_festival=event(other_unit, title="Ngày hội khởi nghiệp tỉnh bạn"),
        registration=registration(festival, accounts["participant"]),
    )


def sign_in(client, world: World, role: str) -> None:  # noqa: ANN001
    if role != "anonymous":
        sign_in_as(client, world.accounts[role])


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table: a refused change must leave them all as they were."""
    return _snapshot(db)


def flashes(html: str) -> list[tuple[str, str]]:
    """The flashed messages of a page: (kind, text with its white space folded)."""
    return [(kind, " ".join(text.split())) for kind, text in FLASH.findall(html)]


def registrations_of(row: Event) -> list[tuple[int, str | None]]:
    """(user id, attendance method) of every registration for the event, by user id."""
    return [
        (r.user_id, r.attendance_method)
        for r in db.session.scalars(
            select(EventRegistration)
            .where(EventRegistration.event_id == row.id)
            .order_by(EventRegistration.user_id)
        )
    ]


def refused(client, path: str, data: dict, form_page: str):  # noqa: ANN001, ANN201
    """POST like a browser and follow to the page the message lands on."""
    token = csrf_token(client, form_page)
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=True)
