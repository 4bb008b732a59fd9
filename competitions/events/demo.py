"""Three years of the programme's events, so the yearly figures have a history to show.

Before the 1 July 2025 merger the province (Quảng Nam) held its festival and the district
festivals (huyện); since then the city holds the province-level festival and the clusters of
communes theirs. Forums and workshops on the sectors the plan favours, four or five a year,
and each year's training for the cohort. The past events were held: people registered and most
came (ticked on the list or scanned at the door). This year's Tam Kỳ cluster festival, where the
festival's final is pitched, and the city's festival are still ahead: the demo participant has
registered for both and carries their QR codes.

Rows are written directly: these are the records of events already held, with their
registration and attendance stamped on the days they happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from app.db import db
from app.demo import places
from app.demo.seed import DemoContext, register_demo_step
from app.localtime import local_to_utc, to_local
from app.people.models import User
from app.units.models import Unit
from competitions.events.models import (
    AttendanceMethod,
    Event,
    EventKind,
    EventLevel,
    EventRegistration,
    EventStatus,
)
from competitions.events.registrations import new_code
from competitions.models import Sector

DEMO_PARTICIPANT = "thisinh@sprout.demo"
FORUM_TOPICS = (
    ("agriculture", "Diễn đàn khởi nghiệp nông nghiệp công nghệ cao"),
    ("tourism", "Diễn đàn khởi nghiệp du lịch cộng đồng"),
    ("technology", "Hội thảo chuyển đổi số cho doanh nghiệp khởi nghiệp"),
    ("education", "Diễn đàn khởi nghiệp trong trường học"),
    ("food", "Hội thảo sản phẩm OCOP và thương mại điện tử"),
    ("health", "Diễn đàn khởi nghiệp dược liệu và chăm sóc sức khoẻ"),
)
# Forums held each year, counted back from this year: the plan asks for five.
FORUMS_PER_YEAR = (3, 5, 4)


@dataclass
class Plan:
    kind: EventKind
    level: EventLevel
    title: str
    starts: datetime  # local wall clock
    hours: int
    place: str
    unit: Unit
    capacity: int | None = None
    sector: Sector | None = None


def _event(plan: Plan, creator: User) -> Event:
    starts = local_to_utc(plan.starts)
    event = Event(
        kind=plan.kind,
        level=plan.level,
        title=plan.title,
        sector=plan.sector,
        starts_at=starts,
        ends_at=starts + timedelta(hours=plan.hours),
        year=plan.starts.year,
        place=plan.place,
        organizer_unit=plan.unit,
        description=_description(plan.kind),
        capacity=plan.capacity,
        status=EventStatus.PUBLISHED,
        created_by_id=creator.id,
        created_at=starts - timedelta(days=30),
        published_at=starts - timedelta(days=28),
    )
    db.session.add(event)
    return event


def _description(kind: EventKind) -> str:
    return {
        EventKind.FESTIVAL: (
            "Trưng bày, kết nối các dự án khởi nghiệp; chung kết cuộc thi khởi nghiệp; "
            "tư vấn của chuyên gia khởi nghiệp tại chỗ."
        ),
        EventKind.FORUM: "Chia sẻ của chuyên gia và doanh nghiệp, thảo luận cùng các nhóm dự án.",
        EventKind.WORKSHOP: "Hội thảo chuyên đề với chuyên gia và doanh nghiệp trong lĩnh vực.",
        EventKind.TRAINING: (
            "Đào tạo tăng tốc cho các dự án của khoá: mô hình kinh doanh, tài chính, gọi vốn."
        ),
    }[kind]


def _register(ctx: DemoContext, event: Event, people: list[User], now: datetime) -> None:
    """People registered in the month before; most of those who registered came."""
    count = ctx.rng.randint(len(people) // 3, len(people) // 2)
    if event.capacity is not None:
        count = min(count, event.capacity)
    held = event.starts_at <= now
    for person in ctx.rng.sample(people, count):
        registration = EventRegistration(
            event=event,
            user=person,
            code=new_code(),
            registered_at=event.starts_at - timedelta(days=ctx.rng.randint(1, 25)),
        )
        if held and ctx.rng.random() < 0.78:
            registration.attended_at = event.starts_at + timedelta(minutes=ctx.rng.randint(0, 90))
            registration.attendance_method = ctx.rng.choice(list(AttendanceMethod))
        db.session.add(registration)


def _plans(ctx: DemoContext, sectors: dict[str, Sector]) -> list[Plan]:
    units, now = ctx.units, to_local(ctx.now)
    year = now.year
    old, city = units[places.OLD_PROVINCE_NAME], units[places.CITY_NAME]
    clusters = [units[name] for name in places.CLUSTERS]
    old_seat, old_district = units[places.OLD_PROVINCE_SEAT], units[places.OLD_DISTRICTS[1]]
    centre = units[places.STARTUP_CENTRE]
    plans = [
        # Two years ago: the province and two districts, before the merger.
        Plan(EventKind.FESTIVAL, EventLevel.PROVINCE,
             f"Ngày hội Khởi nghiệp đổi mới sáng tạo tỉnh Quảng Nam năm {year - 2}",
             datetime(year - 2, 10, 12, 7, 30), 9, "Quảng trường 24/3, Tam Kỳ", old, 400),
        Plan(EventKind.FESTIVAL, EventLevel.LOCAL,
             f"Ngày hội Khởi nghiệp {old_seat.name} năm {year - 2}",
             datetime(year - 2, 5, 18, 7, 30), 8, "Nhà Văn hoá Thanh niên Tam Kỳ", old_seat, 150),
        Plan(EventKind.FESTIVAL, EventLevel.LOCAL,
             f"Ngày hội Khởi nghiệp {old_district.name} năm {year - 2}",
             datetime(year - 2, 6, 8, 7, 30), 8, "Trung tâm Văn hoá huyện", old_district, 120),
        # Last year: the city's first festival after the merger, and two clusters'.
        Plan(EventKind.FESTIVAL, EventLevel.PROVINCE,
             f"Ngày hội Khởi nghiệp đổi mới sáng tạo thành phố Đà Nẵng năm {year - 1}",
             datetime(year - 1, 10, 18, 7, 30), 9, "Cung Thể thao Tiên Sơn", city, 500),
        Plan(EventKind.FESTIVAL, EventLevel.CLUSTER,
             f"Ngày hội Khởi nghiệp {clusters[0].name} năm {year - 1}",
             datetime(year - 1, 11, 8, 7, 30), 8, "Trường Đại học Duy Tân", clusters[0], 200),
        Plan(EventKind.FESTIVAL, EventLevel.CLUSTER,
             f"Ngày hội Khởi nghiệp {clusters[2].name} năm {year - 1}",
             datetime(year - 1, 11, 22, 7, 30), 8, "Trường Đại học Quảng Nam", clusters[2], 200),
        # This year: two clusters held theirs; Tam Kỳ's and the city's are ahead.
        Plan(EventKind.FESTIVAL, EventLevel.CLUSTER,
             f"Ngày hội Khởi nghiệp {clusters[0].name} năm {year}",
             datetime(year, 4, 19, 7, 30), 8, "Trường Đại học Duy Tân", clusters[0], 200),
        Plan(EventKind.FESTIVAL, EventLevel.CLUSTER,
             f"Ngày hội Khởi nghiệp {clusters[1].name} năm {year}",
             datetime(year, 5, 24, 7, 30), 8, "Nhà Văn hoá Điện Bàn", clusters[1], 150),
        Plan(EventKind.FESTIVAL, EventLevel.CLUSTER,
             f"Ngày hội Khởi nghiệp {clusters[2].name} năm {year}",
             (now + timedelta(days=4)).replace(hour=7, minute=30, tzinfo=None), 9,
             "Trường Đại học Quảng Nam", clusters[2], 250),
        Plan(EventKind.FESTIVAL, EventLevel.PROVINCE,
             f"Ngày hội Khởi nghiệp đổi mới sáng tạo thành phố Đà Nẵng năm {year}",
             (now + timedelta(days=24)).replace(hour=7, minute=30, tzinfo=None), 9,
             "Cung Thể thao Tiên Sơn", city, 500),
    ]  # fmt: skip
    for back, forums in enumerate(FORUMS_PER_YEAR):
        held_in = year - back
        owner = old if held_in < places.MERGER_DATE.year else centre
        for number, (sector, title) in enumerate(FORUM_TOPICS[:forums]):
            day = datetime(held_in, 3 + 2 * number, 10 + back, 8, 0)
            kind = EventKind.WORKSHOP if "Hội thảo" in title else EventKind.FORUM
            plans.append(Plan(kind, EventLevel.PROVINCE, f"{title} năm {held_in}", day, 4,
                              "Trung tâm Hỗ trợ khởi nghiệp sáng tạo", owner, 120,
                              sectors.get(sector)))  # fmt: skip
        plans.append(Plan(EventKind.TRAINING, EventLevel.PROVINCE,
                          f"Đào tạo tăng tốc khởi nghiệp năm {held_in}",
                          datetime(held_in, 8, 5, 8, 0), 8,
                          "Trung tâm Hỗ trợ khởi nghiệp sáng tạo", owner, 60))  # fmt: skip
    # Only what has happened by now, and the two festivals ahead.
    return [
        p for p in plans if p.starts <= now.replace(tzinfo=None) or p.kind == EventKind.FESTIVAL
    ]


@register_demo_step
def seed_events(ctx: DemoContext) -> None:
    if not ctx.participants:
        return  # a seed cut down for a quick test
    creator = ctx.accounts["btc@sprout.demo"]
    sectors = {s.code: s for s in db.session.scalars(select(Sector))}
    people = [*ctx.participants, *ctx.experts]
    events = [_event(plan, creator) for plan in _plans(ctx, sectors)]
    db.session.flush()
    for event in events:
        _register(ctx, event, people, ctx.now)
    participant = ctx.accounts[DEMO_PARTICIPANT]
    for event in events:
        if event.starts_at > ctx.now:
            db.session.add(EventRegistration(event=event, user=participant, code=new_code()))
    db.session.flush()
