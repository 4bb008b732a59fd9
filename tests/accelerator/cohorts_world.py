"""The world the cohort and selection tests start from: a competition of the province whose
final results are published (six ranked entries, a first and a second prize), a cohort of its
unit, and an account per role — the leader of the first-prize team among them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from flask.testing import FlaskClient
from sqlalchemy import select

from accelerator.models import Cohort
from app.db import db
from app.people.models import Role, User
from competitions.models import CompetitionStatus, Sector
from judging.models import Award, AwardKind, AwardWinner, RoundEntry
from tests.factories import Factory
from tests.judging import world as w
from tests.judging.roles import LOGIN, sign_in_as

ROLES = (
    "anonymous",
    "participant",
    "judge",
    "mentor",
    "leader",
    "organizer",
    "other_organizer",
    "admin",
)

# fmt: off
#                  anonymous participant judge mentor leader organizer other_organizer admin
ORGANIZERS_ONLY = dict(zip(ROLES, (LOGIN, 403, 403, 403, 403, 200, 403, 200), strict=True))
ANY_ORGANIZER = dict(zip(ROLES, (LOGIN, 403, 403, 403, 403, 200, 200, 200), strict=True))
LEADER_ONLY = dict(zip(ROLES, (LOGIN, 404, 404, 404, 200, 404, 404, 404), strict=True))
SIGNED_IN = dict(zip(ROLES, (LOGIN, 200, 200, 200, 200, 200, 200, 200), strict=True))
# fmt: on

SCORES = ("91.5", "88", "80.25", "75", "70", "62.5")  # then 2 points less each rank


@dataclass
class Setting:
    world: w.World
    cohort: Cohort
    accounts: dict[str, User]
    first_prize: Award
    second_prize: Award

    @property
    def organizer(self) -> User:
        return self.world.organizer

    @property
    def entries(self) -> list[RoundEntry]:
        return self.world.entries


def publish(world: w.World) -> None:
    """Results out as judging.advancement.publish leaves them: ranks and scores frozen."""
    world.competition.status = CompetitionStatus.PUBLISHED
    world.settings.results_published_at = datetime.now(UTC)
    for rank, round_entry in enumerate(world.entries, 1):
        round_entry.published_rank = rank
        round_entry.published_score = (
            Decimal(SCORES[rank - 1]) if rank <= len(SCORES) else Decimal(62 - 2 * rank)
        )
    db.session.flush()


def award(world: w.World, name: str, kind: str, position: int, *winners: RoundEntry) -> Award:
    prize = Award(round=world.round, kind=kind, name=name, position=position, quota=len(winners))
    prize.winners = [AwardWinner(round_entry=winner) for winner in winners]
    db.session.add(prize)
    db.session.flush()
    return prize


def cohort(owner, *, capacity: int = 3, name: str = "Chương trình tăng tốc 2026") -> Cohort:  # noqa: ANN001
    row = Cohort(
        owner_unit=owner,
        year=2026,
        name=name,
        capacity=capacity,
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 11, 30),
        description="Ba tháng ươm tạo, chín tháng đồng hành.",
    )
    db.session.add(row)
    db.session.flush()
    return row


def build(factory: Factory, *, capacity: int = 3) -> Setting:
    """Entry 2 wins the first prize and entry 3 the second; entries rank 1 to 6 in order."""
    world = w.build(factory, entries=6, judges=1)
    publish(world)
    first = award(world, "Giải Nhất", AwardKind.FIRST, 1, world.entries[1])
    second = award(world, "Giải Nhì", AwardKind.SECOND, 2, world.entries[2])
    agriculture = db.session.scalar(select(Sector).where(Sector.code == "agriculture"))
    if agriculture is None:
        agriculture = Sector(code="agriculture", name_vi="Nông nghiệp", name_en="Agriculture")
        db.session.add(agriculture)
    world.entries[1].entry.sectors.append(agriculture)
    other_unit = factory.unit(name="Tỉnh Khác")
    people = {
        "participant": factory.user("Phạm Văn Chiến", roles=(Role.PARTICIPANT,)),
        "judge": world.judges[0],
        "mentor": factory.user("Đỗ Văn Cố Vấn", roles=(Role.MENTOR,)),
        "leader": world.entries[1].entry.team.leader,
        "organizer": world.organizer,
        "other_organizer": factory.user(
            "Hoàng Thị Dung", roles=(Role.ORGANIZER,), organizer_of=other_unit
        ),
        "admin": factory.user("Võ Thị Sáu", roles=(Role.ADMIN,)),
    }
    db.session.flush()
    return Setting(
        world=world,
        cohort=cohort(world.owner, capacity=capacity),
        accounts=people,
        first_prize=first,
        second_prize=second,
    )


def sign_in(client: FlaskClient, people: Mapping[str, User], role: str) -> None:
    if role != "anonymous":
        sign_in_as(client, people[role])


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table: a refused change must leave them all as they were."""
    return {
        table.name: [
            tuple(r) for r in db.session.execute(select(table).order_by(*table.primary_key.columns))
        ]
        for table in db.metadata.sorted_tables
    }
