"""Two earlier years of the programme, so the yearly figures show a trend.

Two years ago the former province ran its call (entries only: its judging was done on paper
and is not in the system); its best projects filled that year's cohort, which started in the
autumn, and the next year's, which started in the spring. Both cohorts are over: their pairs
met through the year, the teams confirmed the sessions and reported their figures every month.
Among them are projects grown out of high-school science fairs, as the plan asks. The rounds
held at festivals are tied to their festival day: last year's final and this year's Tam Kỳ
round.

These are records of the past: rows are written with the dates they happened on, except the
call's entries and the KPI reports, which go through the services the pages use.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import delete, func, select

from accelerator.models import (
    CandidateSource,
    Cohort,
    CohortTeam,
    LoggedBy,
    MatchStatus,
    MembershipStatus,
    MentoringSession,
    MentorMatch,
    SessionFormat,
    SessionStatus,
)
from accelerator.progress.demo import report_months
from accelerator.progress.services import cohort_months
from app.db import db
from app.demo import places
from app.demo.seed import DemoContext, register_demo_step
from app.localtime import local_to_utc, to_local
from app.mail.outbox import OutboxMessage
from app.people.models import Role, User
from competitions.demo import demo_competition, demo_entries, track_for
from competitions.events.models import Event, EventKind, EventLevel
from competitions.models import Competition, CompetitionStatus, Entry, EntryStatus, Round, Team
from judging.demo import FESTIVAL_CODE, LAST_YEAR_CODE, MIN_TEAMS

TOPICS = (
    "Mô hình kinh doanh",
    "Định giá sản phẩm",
    "Kênh bán hàng trực tuyến",
    "Hồ sơ gọi vốn",
    "Đăng ký sở hữu trí tuệ",
    "Chuẩn bị thuyết trình",
)


@dataclass
class PastCohort:
    starts: date
    weeks: int
    teams: int
    science_fair: int  # of them, projects grown out of a high-school science fair


def _local(day: date, hour: int) -> datetime:
    return local_to_utc(datetime.combine(day, time(hour)))


def _old_call(ctx: DemoContext, year: int) -> list[Entry]:
    competition = demo_competition(
        f"Cuộc thi Khởi nghiệp đổi mới sáng tạo tỉnh Quảng Nam năm {year}",
        LAST_YEAR_CODE,
        year,
        ctx.units[places.OLD_PROVINCE_NAME],
        opens=local_to_utc(datetime(year, 3, 1, 7, 0)),
        closes=local_to_utc(datetime(year, 5, 31, 17, 0)),
    )
    teams = list(db.session.scalars(select(Team).order_by(Team.id)))
    chosen = ctx.rng.sample(teams, min(75, len(teams)))
    entries = demo_entries(
        ctx,
        competition,
        [(team, track_for(team.unit, ctx.rng)) for team in chosen if team.unit is not None],
        at=local_to_utc(datetime(year, 5, 31, 16, 0)),
    )
    competition.status = CompetitionStatus.ARCHIVED
    return [e for e in entries if e.status == EntryStatus.SUBMITTED]


def _cohort(ctx: DemoContext, plan: PastCohort, entries: list[Entry], by: User) -> Cohort:
    year = plan.starts.year
    cohort = Cohort(
        owner_unit=ctx.units[places.OLD_PROVINCE_NAME],
        year=year,
        name=f"Chương trình tăng tốc khởi nghiệp Quảng Nam {year}",
        capacity=plan.teams,
        starts_on=plan.starts,
        ends_on=plan.starts + timedelta(weeks=plan.weeks),
        description="Khoá tăng tốc cho các dự án xuất sắc của Cuộc thi khởi nghiệp tỉnh.",
        created_by_id=by.id,
        created_at=_local(plan.starts - timedelta(days=40), 9),
    )
    db.session.add(cohort)
    grown = [e for e in entries if e.from_science_fair][: plan.science_fair]
    others = [e for e in entries if not e.from_science_fair]
    for entry in grown + others[: plan.teams - len(grown)]:
        decided = _local(plan.starts - timedelta(days=20), 10)
        db.session.add(
            CohortTeam(
                cohort=cohort,
                team=entry.team,
                entry=entry,
                source=CandidateSource.RANK,
                status=MembershipStatus.ACCEPTED,
                added_at=decided - timedelta(days=5),
                added_by_id=by.id,
                decided_at=decided,
                decided_by_id=by.id,
                invited_at=decided,
                responded_at=decided + timedelta(days=3),
            )
        )
    db.session.flush()
    return cohort


def _sessions(rng: random.Random, match: MentorMatch, starts: date, ends: date) -> None:
    day = starts + timedelta(days=rng.randint(7, 20))
    leader = match.cohort_team.team.leader
    while day <= ends:
        by_mentor = rng.random() < 0.7
        author = match.mentor if by_mentor else leader
        answered = _local(day + timedelta(days=rng.randint(1, 4)), 20)
        db.session.add(
            MentoringSession(
                match=match,
                held_on=day,
                duration_minutes=rng.choice((45, 60, 60, 90, 90, 120)),
                format=rng.choice(list(SessionFormat)),
                topics=rng.choice(TOPICS),
                logged_by=LoggedBy.MENTOR if by_mentor else LoggedBy.TEAM,
                author_id=author.id,
                status=SessionStatus.CONFIRMED,
                answered_by_id=(leader if by_mentor else match.mentor).id,
                answered_at=answered,
                rating=rng.choice((4, 5, 5)) if by_mentor else None,
                created_at=_local(day, 21),
            )
        )
        day += timedelta(days=rng.randint(12, 24))


def _mentoring(ctx: DemoContext, cohort: Cohort, mentors: list[User], by: User) -> None:
    published = cohort.starts_on + timedelta(days=14)
    rows = db.session.scalars(select(CohortTeam).where(CohortTeam.cohort_id == cohort.id)).all()
    # Two mentors a team, each mentor with one team at most (there are enough of them).
    chosen = iter(ctx.rng.sample(mentors, min(len(mentors), 2 * len(rows))) * 2)
    for row in rows:
        for mentor in (next(chosen), next(chosen)):
            match = MentorMatch(
                cohort=cohort,
                cohort_team=row,
                mentor=mentor,
                status=MatchStatus.PUBLISHED,
                fit=Decimal(ctx.rng.randint(40, 95)),
                created_at=_local(published - timedelta(days=4), 10),
                created_by_id=by.id,
                published_at=_local(published, 9),
            )
            db.session.add(match)
            _sessions(ctx.rng, match, published, cohort.ends_on)
        report_months(ctx.rng, row, cohort_months(cohort, cohort.ends_on)[::-1])
    db.session.flush()


def _festival_rounds(year: int) -> None:
    """Last year's final and this year's Tam Kỳ round were held at festivals."""
    festivals = db.session.scalars(select(Event).where(Event.kind == EventKind.FESTIVAL)).all()

    def festival(held_in: int, level: EventLevel) -> Event | None:
        return next((e for e in festivals if e.year == held_in and e.level == level), None)

    final = db.session.scalar(
        select(Round)
        .join(Competition)
        .where(Competition.code == LAST_YEAR_CODE, Competition.edition_year == year - 1)
        .where(Round.position == 2)
    )
    tam_ky = db.session.scalar(
        select(Round).join(Competition).where(Competition.code == FESTIVAL_CODE)
    )
    if final is not None:
        final.event = festival(year - 1, EventLevel.PROVINCE)
    if tam_ky is not None:
        tam_ky.event = next(
            (e for e in festivals if e.year == year and places.TAM_KY_CLUSTER in e.title), None
        )


@register_demo_step
def seed_programme_history(ctx: DemoContext) -> None:
    if db.session.scalar(select(func.count()).select_from(Team)) < MIN_TEAMS:
        return  # a seed cut down for a quick test
    year = to_local(ctx.now).year
    organizer = ctx.accounts["btc@sprout.demo"]
    mentors = [u for u in ctx.experts if u.has_role(Role.MENTOR)]
    # A team goes through the programme once: this year's cohort keeps its teams.
    this_year = set(db.session.scalars(select(CohortTeam.team_id)))
    entries = [e for e in _old_call(ctx, year - 2) if e.team_id not in this_year]
    ctx.rng.shuffle(entries)
    plans = (
        PastCohort(date(year - 2, 9, 2), 30, 6, 2),
        PastCohort(date(year - 1, 2, 17), 32, 8, 3),
    )
    for plan in plans:
        cohort = _cohort(ctx, plan, entries, organizer)
        entries = [e for e in entries if e.team_id not in {t.team_id for t in _teams(cohort)}]
        _mentoring(ctx, cohort, mentors, organizer)
    _festival_rounds(year)
    # Receipts of the old call belong to the story, not to an outbox that would send them today.
    db.session.execute(delete(OutboxMessage))
    db.session.flush()


def _teams(cohort: Cohort) -> list[CohortTeam]:
    return list(db.session.scalars(select(CohortTeam).where(CohortTeam.cohort_id == cohort.id)))
