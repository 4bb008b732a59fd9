"""A round ready for judging, built straight from the models so each topic's tests start
from the same place: a competition being judged, its first round with an open judging
window, pools, the standard six-criterion rubric, accepted entries placed in the round,
and judges on its panel. Services under test then change it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from app.db import db
from app.people.models import Role, User
from app.units.models import Unit
from competitions.models import Competition, CompetitionStatus, Entry, Pool, PoolMode, Round
from judging.models import (
    AssignmentSource,
    AssignmentStatus,
    JudgeAssignment,
    PanelMember,
    RoundEntry,
    RoundJudging,
    RubricCriterion,
    Score,
    ScoreSheet,
    SheetStatus,
)
from tests.factories import Factory

# (name, max, weight): the programme's usual rubric, 100 points in all.
STANDARD_RUBRIC = (
    ("Tính đổi mới sáng tạo", 25, 25),
    ("Tính khả thi", 20, 20),
    ("Thị trường", 20, 20),
    ("Đội ngũ", 15, 15),
    ("Tác động xã hội", 10, 10),
    ("Trình bày", 10, 10),
)


@dataclass
class World:
    competition: Competition
    round: Round
    settings: RoundJudging
    organizer: User
    criteria: list[RubricCriterion]
    pools: list[Pool]
    entries: list[RoundEntry]
    judges: list[User]
    panel: list[PanelMember] = field(default_factory=list)

    @property
    def owner(self) -> Unit:
        return self.competition.owner_unit


def build(
    factory: Factory,
    *,
    entries: int = 6,
    judges: int = 4,
    by_track: bool = False,
    window: str = "open",
    step: str = "0.5",
    k: int = 3,
) -> World:
    """`window`: "open" (judging now), "not_yet" or "closed"."""
    now = datetime.now(UTC)
    owner = factory.unit(name="Tỉnh Thử Nghiệm")
    organizer = factory.user(
        full_name="Trần Thị Tổ Chức", roles=(Role.ORGANIZER,), organizer_of=owner
    )
    competition = factory.competition(
        owner_unit=owner,
        status=CompetitionStatus.JUDGING,
        opens=now - timedelta(days=40),
        closes=now - timedelta(days=20),
    )
    round_ = competition.rounds[0]
    opens, closes = {
        "open": (now - timedelta(days=5), now + timedelta(days=5)),
        "not_yet": (now + timedelta(days=5), now + timedelta(days=10)),
        "closed": (now - timedelta(days=10), now - timedelta(days=1)),
    }[window]
    round_.judging_opens_at, round_.judging_closes_at = opens, closes
    round_.pool_mode = PoolMode.BY_TRACK if by_track else PoolMode.SINGLE
    if by_track:
        pools = [Pool(name=track.name, track=track) for track in competition.tracks]
    else:
        pools = [Pool(name="Tất cả bài dự thi")]
    round_.pools.extend(pools)
    settings = RoundJudging(round=round_, score_step=Decimal(step), judges_per_entry=k)
    db.session.add(settings)
    criteria = [
        RubricCriterion(
            round=round_,
            position=position,
            name=name,
            description=f"Mô tả tiêu chí {name.lower()}.",
            max_score=Decimal(maximum),
            weight=Decimal(weight),
        )
        for position, (name, maximum, weight) in enumerate(STANDARD_RUBRIC, start=1)
    ]
    db.session.add_all(criteria)
    round_entries = []
    for number in range(entries):
        track = competition.tracks[number % len(competition.tracks)]
        school = factory.unit(name=f"Trường THPT Số {number + 1}", parent=owner)
        team = factory.team(name=f"Nhóm {number + 1}", unit=school)
        entry: Entry = factory.entry(
            competition=competition,
            team=team,
            track=track,
            title=f"Dự án số {number + 1}",
            status="accepted",
        )
        entry.code = f"QN26-{track.code}-{number + 1:04d}"
        pool = pools[competition.tracks.index(track)] if by_track else pools[0]
        round_entries.append(RoundEntry(round=round_, entry=entry, pool=pool))
    db.session.add_all(round_entries)
    judge_users = [
        factory.user(full_name=f"Lê Văn Giám Khảo {n + 1}", roles=(Role.JUDGE,))
        for n in range(judges)
    ]
    panel = [
        PanelMember(round=round_, user=judge, invited_by_id=organizer.id, conflicts_declared_at=now)
        for judge in judge_users
    ]
    db.session.add_all(panel)
    db.session.flush()
    return World(
        competition=competition,
        round=round_,
        settings=settings,
        organizer=organizer,
        criteria=criteria,
        pools=pools,
        entries=round_entries,
        judges=judge_users,
        panel=panel,
    )


def assign(world: World, judge: User, round_entry: RoundEntry, *, published: bool = True):
    row = JudgeAssignment(
        round_entry=round_entry,
        user=judge,
        status=AssignmentStatus.PUBLISHED if published else AssignmentStatus.PROPOSED,
        source=AssignmentSource.MANUAL,
        created_by_id=world.organizer.id,
    )
    db.session.add(row)
    db.session.flush()
    return row


def assign_all(world: World) -> None:
    """Every judge on every entry (published)."""
    for round_entry in world.entries:
        for judge in world.judges:
            assign(world, judge, round_entry)


def score(
    world: World,
    judge: User,
    round_entry: RoundEntry,
    values: list[float | str],
    *,
    submitted: bool = True,
) -> ScoreSheet:
    """A sheet with one value per criterion, in rubric order."""
    sheet = ScoreSheet(
        round_entry=round_entry,
        user=judge,
        status=SheetStatus.SUBMITTED if submitted else SheetStatus.DRAFT,
        comment_for_team="Ý tưởng tốt, cần làm rõ thị trường.",
        submitted_at=datetime.now(UTC) if submitted else None,
    )
    for criterion, value in zip(world.criteria, values, strict=True):
        sheet.scores.append(Score(criterion=criterion, value=Decimal(str(value))))
    db.session.add(sheet)
    db.session.flush()
    return sheet
