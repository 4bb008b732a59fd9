"""The programme's figures of a year, computed from the data in a fixed number of aggregate
queries whatever its size, optionally for one unit's subtree (Unit.path prefix): entries by
their entry's unit, events by their organizer unit, cohorts by their owner unit, science-fair
projects by their entry's unit (the school they grew in), experts by their account's unit.

Each query covers the trend years at once (grouped by year), so the trends cost nothing more.
Rows of the year (projects, events, cohort teams) are loaded as plain tuples; the workbook and
the dashboard read the same `Figures`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from accelerator.models import (
    Cohort,
    CohortTeam,
    KpiReport,
    MembershipStatus,
    MentoringSession,
    MentorMatch,
    SessionStatus,
)
from accelerator.programme.indicators import trend_years
from accelerator.programme.models import ProgrammeTarget
from accelerator.programme.rows import CohortTeamRow, EventRow, ProjectRow
from app.db import db, utcnow
from app.people.models import Role, RoleGrant, User
from app.units.models import Unit, UnitLevel
from competitions.events.models import Event, EventRegistration, EventStatus
from competitions.models import Competition, Entry, EntryStatus, Team, TeamMember, Track

# Entries that reached the organizers: drafts and withdrawn ones are not counted.
COUNTED = (EntryStatus.SUBMITTED, EntryStatus.ACCEPTED, EntryStatus.REJECTED)
CLUSTER_LEVEL = "cluster"
NO_GENDER = "unknown"


@dataclass
class Figures:
    year: int
    years: list[int]
    unit: Unit | None
    targets: dict[tuple[int, str, str], Decimal]  # (year, indicator, qualifier) → value
    entries: Counter  # year → entries
    # (unit id or None, name, entries) for the units just below the filter, most entries first;
    # None gathers the entries of the filter unit itself and those without a unit.
    by_unit: list[tuple[int | None, str, int]]
    by_track: list[tuple[str, str, int]]  # code, name, entries
    by_gender: dict[str, int]  # members of the counted entries' teams
    led_by_women: int
    # The level of the entry's unit (a high school, a university…): (Vietnamese name, English
    # name, entries); empty names for the entries without a unit.
    by_level: list[tuple[str, str, int]]
    projects: list[ProjectRow]  # science-fair projects in a cohort, every trend year
    experts: int
    events: list[EventRow]  # held, every trend year
    clusters: list[tuple[str, str]]  # (name, path) of the clusters in the filter
    cohort_teams: list[CohortTeamRow]  # accepted, every trend year
    minutes: Counter  # year → confirmed mentoring minutes

    def of_year(self, rows: list, year: int | None = None) -> list:
        wanted = self.year if year is None else year
        return [row for row in rows if row.year == wanted]


def _within(column: object, path: str | None) -> object:
    """A condition on a unit's path: in the filter unit's subtree (always true without one)."""
    return column.startswith(path) if path else True  # type: ignore[attr-defined]


def targets(years: list[int]) -> dict[tuple[int, str, str], Decimal]:
    rows = db.session.execute(
        select(
            ProgrammeTarget.year,
            ProgrammeTarget.indicator,
            ProgrammeTarget.qualifier,
            ProgrammeTarget.value,
        ).where(ProgrammeTarget.year.in_(years))
    )
    return {(y, code, qualifier): value for y, code, qualifier, value in rows}


def _entries_by_unit(years: list[int], path: str | None) -> list:
    """(year, unit path or None, (level names) or None, entries)."""
    rows = db.session.execute(
        select(
            Competition.edition_year,
            Unit.path,
            UnitLevel.name_vi,
            UnitLevel.name_en,
            func.count(Entry.id),
        )
        .join(Competition, Entry.competition_id == Competition.id)
        .outerjoin(Unit, Entry.unit_id == Unit.id)
        .outerjoin(UnitLevel, Unit.level_id == UnitLevel.id)
        .where(Competition.edition_year.in_(years), Entry.status.in_(COUNTED))
        .where(_within(Unit.path, path))
        .group_by(Competition.edition_year, Unit.path, UnitLevel.name_vi, UnitLevel.name_en)
    )
    return [
        (year, unit_path, (vi, en) if vi is not None else None, n)
        for year, unit_path, vi, en, n in rows
    ]


def _group_below(base: str, rows: list, year: int) -> Counter:
    """Entries of `year` per id of the unit just below `base` (a path, "/" for the roots);
    the entries of `base` itself and those without a unit under "" ."""
    groups: Counter = Counter()
    for row_year, unit_path, _level, count in rows:
        if row_year != year:
            continue
        rest = unit_path[len(base) :] if unit_path and unit_path.startswith(base) else ""
        groups[rest.strip("/").split("/")[0] if rest.strip("/") else ""] += count
    return groups


def _grouping_base(unit: Unit | None, rows: list, year: int) -> str:
    """The filter unit's path; without a filter, the deepest unit holding every entry of the
    year with something below it (the province rather than "every unit", so its clusters
    show), "/" when the entries lie under several roots."""
    if unit is not None:
        return unit.path
    base = "/"
    while True:
        groups = _group_below(base, rows, year)
        if len(groups) != 1 or "" in groups:
            return base
        below = f"{base}{next(iter(groups))}/"
        if set(_group_below(below, rows, year)) == {""}:
            return base
        base = below


def _named_groups(groups: Counter, base: str) -> list[tuple[int | None, str, int]]:
    """(unit id, name, entries); the base unit's own entries (or, from the roots, those
    without a unit) under None, named after the base unit."""
    base_id = int(base.strip("/").split("/")[-1]) if base.strip("/") else None
    ids = [int(key) for key in groups if key] + ([base_id] if base_id else [])
    names = {}
    if ids:
        names = dict(db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(ids))).all())
    others = names.get(base_id, "") if base_id else ""
    named = [
        (int(key), names.get(int(key), key), n) if key else (None, others, n)
        for key, n in groups.items()
    ]
    return sorted(named, key=lambda item: (-item[2], item[1]))


def _entry_in(path: str | None) -> object:
    return Entry.unit_id.in_(select(Unit.id).where(_within(Unit.path, path))) if path else True


def _by_track(year: int, path: str | None) -> list[tuple[str, str, int]]:
    rows = db.session.execute(
        select(Track.code, func.min(Track.name), func.count(Entry.id))
        .join(Competition, Track.competition_id == Competition.id)
        .outerjoin(
            Entry,
            and_(Entry.track_id == Track.id, Entry.status.in_(COUNTED), _entry_in(path)),
        )
        .where(Competition.edition_year == year)
        .group_by(Track.code)
        .order_by(Track.code)
    )
    return [(code, name, count) for code, name, count in rows]


def _counted_entries(year: int, path: str | None):  # noqa: ANN202
    return (
        select(Entry.id, Entry.team_id)
        .join(Competition, Entry.competition_id == Competition.id)
        .where(Competition.edition_year == year, Entry.status.in_(COUNTED), _entry_in(path))
        .subquery()
    )


def _by_gender(year: int, path: str | None) -> tuple[dict[str, int], int]:
    """Members of the teams behind the year's entries by gender (each person once), and the
    entries whose leader (a member too) is a woman."""
    counted = _counted_entries(year, path)
    gender = func.coalesce(TeamMember.gender, NO_GENDER)
    members = dict(
        db.session.execute(
            select(gender, func.count(func.distinct(TeamMember.user_id)))
            .join(counted, counted.c.team_id == TeamMember.team_id)
            .group_by(gender)
        ).all()
    )
    led = db.session.scalar(
        select(func.count(counted.c.id))
        .join(Team, Team.id == counted.c.team_id)
        .join(
            TeamMember,
            and_(TeamMember.team_id == Team.id, TeamMember.user_id == Team.leader_id),
        )
        .where(TeamMember.gender == "female")
    )
    return members, led or 0


def _projects(years: list[int], path: str | None) -> list[ProjectRow]:
    school = aliased(Unit)
    rows = db.session.execute(
        select(Cohort.year, Entry.title, Team.name, school.name, Cohort.name)
        .join(CohortTeam, CohortTeam.cohort_id == Cohort.id)
        .join(Entry, CohortTeam.entry_id == Entry.id)
        .join(Team, Entry.team_id == Team.id)
        .outerjoin(school, Entry.unit_id == school.id)
        .where(
            Cohort.year.in_(years),
            CohortTeam.status == MembershipStatus.ACCEPTED,
            Entry.from_science_fair.is_(True),
            _within(school.path, path),
        )
        .distinct()
        .order_by(Cohort.year, Entry.title)
    )
    return [ProjectRow(y, title, team, name or "", cohort) for y, title, team, name, cohort in rows]


def _experts(path: str | None) -> int:
    """The panel as its directory lists it: active accounts that judge or mentor."""
    query = select(func.count(User.id)).where(
        User.disabled_at.is_(None),
        User.roles.any(RoleGrant.role.in_((Role.JUDGE, Role.MENTOR))),
    )
    if path:
        query = query.join(Unit, User.unit_id == Unit.id).where(_within(Unit.path, path))
    return db.session.scalar(query) or 0


def _events(years: list[int], path: str | None, now: datetime) -> list[EventRow]:
    attended = func.count(EventRegistration.attended_at)
    rows = db.session.execute(
        select(
            Event.year,
            Event.title,
            Event.kind,
            Event.level,
            Event.starts_at,
            Unit.name,
            Unit.path,
            func.count(EventRegistration.id),
            attended,
        )
        .join(Unit, Event.organizer_unit_id == Unit.id)
        .outerjoin(EventRegistration, EventRegistration.event_id == Event.id)
        .where(
            Event.year.in_(years),
            Event.status == EventStatus.PUBLISHED,
            Event.starts_at <= now,
            _within(Unit.path, path),
        )
        .group_by(Event.id, Unit.name, Unit.path)
        .order_by(Event.starts_at, Event.id)
    )
    return [EventRow(*row) for row in rows]


def _clusters(year: int, path: str | None) -> list[tuple[str, str]]:
    """The clusters in the filter that existed during `year`."""
    starts, ends = date(year, 1, 1), date(year, 12, 31)
    rows = db.session.execute(
        select(Unit.name, Unit.path)
        .join(UnitLevel, Unit.level_id == UnitLevel.id)
        .where(
            UnitLevel.code == CLUSTER_LEVEL,
            _within(Unit.path, path),
            (Unit.valid_from.is_(None)) | (Unit.valid_from <= ends),
            (Unit.valid_until.is_(None)) | (Unit.valid_until > starts),
        )
        .order_by(Unit.name_folded)
    )
    return [(name, unit_path) for name, unit_path in rows]


def _cohort_teams(years: list[int], path: str | None) -> list[CohortTeamRow]:
    rows = db.session.execute(
        select(CohortTeam.id, Cohort.year, Team.name, Cohort.name, Unit.name)
        .join(Cohort, CohortTeam.cohort_id == Cohort.id)
        .join(Team, CohortTeam.team_id == Team.id)
        .join(Unit, Cohort.owner_unit_id == Unit.id)
        .where(
            Cohort.year.in_(years),
            CohortTeam.status == MembershipStatus.ACCEPTED,
            _within(Unit.path, path),
        )
        .order_by(Cohort.year, Cohort.name, Team.name_folded)
    )
    return [CohortTeamRow(*row) for row in rows]


def _minutes(years: list[int], path: str | None) -> tuple[Counter, dict[int, int]]:
    """Confirmed mentoring minutes per year (teams that left included) and per cohort team."""
    rows = db.session.execute(
        select(Cohort.year, MentorMatch.cohort_team_id, func.sum(MentoringSession.duration_minutes))
        .join(MentorMatch, MentoringSession.match_id == MentorMatch.id)
        .join(Cohort, MentorMatch.cohort_id == Cohort.id)
        .join(Unit, Cohort.owner_unit_id == Unit.id)
        .where(
            Cohort.year.in_(years),
            MentoringSession.status == SessionStatus.CONFIRMED,
            _within(Unit.path, path),
        )
        .group_by(Cohort.year, MentorMatch.cohort_team_id)
    )
    per_year: Counter = Counter()
    per_team: dict[int, int] = {}
    for year, cohort_team_id, minutes in rows:
        per_year[year] += int(minutes or 0)
        per_team[cohort_team_id] = int(minutes or 0)
    return per_year, per_team


def _latest_kpis(ids: list[int]) -> dict[int, tuple]:
    """The latest monthly report of each cohort team."""
    if not ids:
        return {}
    latest = (
        select(KpiReport.cohort_team_id, func.max(KpiReport.period).label("period"))
        .where(KpiReport.cohort_team_id.in_(ids))
        .group_by(KpiReport.cohort_team_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            KpiReport.cohort_team_id,
            KpiReport.period,
            KpiReport.jobs,
            KpiReport.revenue_vnd,
            KpiReport.funding_vnd,
            KpiReport.customers,
        ).join(
            latest,
            and_(
                latest.c.cohort_team_id == KpiReport.cohort_team_id,
                latest.c.period == KpiReport.period,
            ),
        )
    )
    return {row[0]: tuple(row[1:]) for row in rows}


def load(year: int, unit: Unit | None, now: datetime | None = None) -> Figures:
    """Everything the dashboard and the workbook show for `year` (and the trend years)."""
    years = trend_years(year)
    path = unit.path if unit is not None else None
    unit_rows = _entries_by_unit(years, path)
    entries: Counter = Counter()
    levels: Counter = Counter()
    for row_year, _unit_path, level, count in unit_rows:
        entries[row_year] += count
        if row_year == year:
            levels[level or ("", "")] += count
    base = _grouping_base(unit, unit_rows, year)
    groups = _group_below(base, unit_rows, year)
    members, led = _by_gender(year, path)
    per_year, per_team = _minutes(years, path)
    teams = _cohort_teams(years, path)
    kpis = _latest_kpis([row.cohort_team_id for row in teams if row.year == year])
    for index, row in enumerate(teams):
        kpi = kpis.get(row.cohort_team_id)
        figures: dict = {"minutes": per_team.get(row.cohort_team_id, 0)}
        if kpi is not None:
            period, jobs, revenue, funding, customers = kpi
            figures |= {
                "kpi_period": period,
                "jobs": jobs,
                "revenue_vnd": Decimal(revenue),
                "funding_vnd": Decimal(funding),
                "customers": customers,
            }
        teams[index] = replace(row, **figures)
    return Figures(
        year=year,
        years=years,
        unit=unit,
        targets=targets(years),
        entries=entries,
        by_unit=_named_groups(groups, base),
        by_track=_by_track(year, path),
        by_gender=members,
        led_by_women=led,
        by_level=[
            (vi, en, n) for (vi, en), n in sorted(levels.items(), key=lambda i: (-i[1], i[0]))
        ],
        projects=_projects(years, path),
        experts=_experts(path),
        events=_events(years, path, now or utcnow()),
        clusters=_clusters(year, path),
        cohort_teams=teams,
        minutes=per_year,
    )
