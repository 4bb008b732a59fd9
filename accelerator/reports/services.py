"""Loading what the accelerator's workbooks show, building them (accelerator.reports.export)
and auditing each export.

Each workbook is loaded in a fixed number of queries whatever the size of the cohort: rows of
plain columns joined in SQL, and the hours from one aggregate query (accelerator.sessions.
hours). A refused period raises CohortError (accelerator.cohorts.errors) before anything is
read or written."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import aliased, joinedload, selectinload

from accelerator.cohorts.errors import refuse_if
from accelerator.models import (
    Cohort,
    CohortTeam,
    ExpertProfile,
    KpiReport,
    MatchStatus,
    MembershipStatus,
    MentoringSession,
    MentorMatch,
    Milestone,
    MilestoneProgress,
    SessionStatus,
)
from accelerator.reports import export
from accelerator.sessions import hours
from app import audit, spreadsheets
from app.db import db
from app.localtime import local_today, wall_clock, wall_clock_now
from app.people.models import ExpertiseTag, User
from app.units.models import Unit
from app.vietnamese import name_sort_key
from competitions.models import Sector, Team

SHOWN = (MatchStatus.PUBLISHED, MatchStatus.RELEASED)
VI = "vi"


def last_month(today: date | None = None) -> tuple[date, date]:
    """The first and last days of the month before `today`'s: the default period."""
    first_of_this = (today or local_today()).replace(day=1)
    last = first_of_this - timedelta(days=1)
    return last.replace(day=1), last


def _a_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return date(day.year + 1, 3, 1)


def check_period(starts_on: date, ends_on: date) -> None:
    """At most a year, end on or after start: "period_reversed", "period_too_long"."""
    problems = []
    if ends_on < starts_on:
        problems.append("period_reversed")
    elif ends_on >= _a_year_after(starts_on):
        problems.append("period_too_long")
    refuse_if(problems)


def _facts(cohort: Cohort, actor: User) -> export.ExportFacts:
    return export.ExportFacts(
        cohort=cohort.name,
        unit=cohort.owner_unit.name,
        exported_at=wall_clock_now(),
        exported_by=f"{actor.full_name} <{actor.email}>",
    )


def _organisation(profile_organisation: str | None, unit: str | None) -> str:
    """The expert profile's organisation, else the account's unit."""
    return (profile_organisation or "").strip() or unit or ""


# --- sessions per mentor ---------------------------------------------------------------------


def load_sessions(
    cohort: Cohort, starts_on: date, ends_on: date, actor: User
) -> export.SessionsReport:
    """The sessions of the cohort held in the period, and its mentors: those with a published
    pair, and those with a session in the period (two queries)."""
    pairs = db.session.execute(
        select(
            MentorMatch.mentor_id,
            MentorMatch.cohort_team_id,
            MentorMatch.status,
            User.full_name,
            User.email,
            ExpertProfile.organisation,
            Unit.name,
        )
        .join(User, MentorMatch.mentor_id == User.id)
        .outerjoin(ExpertProfile, ExpertProfile.user_id == User.id)
        .outerjoin(Unit, User.unit_id == Unit.id)
        .where(MentorMatch.cohort_id == cohort.id, MentorMatch.status.in_(SHOWN))
    ).all()
    mentor, author = aliased(User), aliased(User)
    rows = db.session.execute(
        select(
            MentoringSession.id,
            MentoringSession.held_on,
            MentoringSession.duration_minutes,
            MentoringSession.format,
            MentoringSession.topics,
            MentoringSession.status,
            MentoringSession.answered_at,
            MentoringSession.logged_by,
            MentorMatch.mentor_id,
            mentor.full_name.label("mentor_name"),
            Team.name.label("team_name"),
            author.full_name.label("author_name"),
        )
        .join(MentorMatch, MentoringSession.match_id == MentorMatch.id)
        .join(CohortTeam, MentorMatch.cohort_team_id == CohortTeam.id)
        .join(Team, CohortTeam.team_id == Team.id)
        .join(mentor, MentorMatch.mentor_id == mentor.id)
        .join(author, MentoringSession.author_id == author.id)
        .where(
            MentorMatch.cohort_id == cohort.id,
            MentoringSession.held_on >= starts_on,
            MentoringSession.held_on <= ends_on,
        )
    ).all()
    with_sessions = {row.mentor_id for row in rows}
    people: dict[int, tuple[str, str, str]] = {}
    teams: dict[int, set[int]] = defaultdict(set)
    active: set[int] = set()
    for mentor_id, team_id, status, name, email, organisation, unit in pairs:
        people[mentor_id] = (name, _organisation(organisation, unit), email)
        teams[mentor_id].add(team_id)
        if status == MatchStatus.PUBLISHED:
            active.add(mentor_id)
    mentors = [
        export.MentorLine(mentor_id, name, organisation, email, len(teams[mentor_id]))
        for mentor_id, (name, organisation, email) in people.items()
        if mentor_id in active or mentor_id in with_sessions
    ]
    mentors.sort(key=lambda line: (name_sort_key(line.name), line.mentor_id))
    rows.sort(key=lambda r: (name_sort_key(r.mentor_name), r.mentor_id, r.held_on, r.id))
    sessions = [
        export.SessionLine(
            mentor_id=row.mentor_id,
            mentor=row.mentor_name,
            team=row.team_name,
            held_on=row.held_on,
            minutes=row.duration_minutes,
            format=row.format,
            topics=row.topics,
            status=row.status,
            logged_by=f"{row.author_name} ({export.SIDES_VI.get(row.logged_by, row.logged_by)})",
            confirmed_at=(
                wall_clock(row.answered_at) if row.status == SessionStatus.CONFIRMED else None
            ),
        )
        for row in rows
    ]
    return export.SessionsReport(
        facts=_facts(cohort, actor),
        starts_on=starts_on,
        ends_on=ends_on,
        mentors=mentors,
        sessions=sessions,
    )


def export_sessions(
    cohort: Cohort, starts_on: date, ends_on: date, *, actor: User
) -> tuple[bytes, str]:
    """The workbook of the period's sessions per mentor, audited; (bytes, download name).
    Raises CohortError for a refused period, before anything is read or written."""
    check_period(starts_on, ends_on)
    report = load_sessions(cohort, starts_on, ends_on, actor)
    content = export.sessions_workbook(report)
    audit.record(
        "cohort.export",
        cohort,
        new={
            "format": "xlsx",
            "what": "mentor_sessions",
            "from": starts_on,
            "to": ends_on,
            "mentors": len(report.mentors),
            "sessions": len(report.sessions),
            "destination": "download",
        },
        actor=actor,
    )
    name = spreadsheets.download_name(
        cohort.name,
        "Giờ cố vấn",
        f"{starts_on:%d.%m.%Y}-{ends_on:%d.%m.%Y}",
        date=local_today(),
    )
    return content, name


# --- the cohort report -----------------------------------------------------------------------


def _accepted(cohort: Cohort) -> list[CohortTeam]:
    rows = db.session.scalars(
        select(CohortTeam)
        .where(CohortTeam.cohort_id == cohort.id, CohortTeam.status == MembershipStatus.ACCEPTED)
        .options(
            joinedload(CohortTeam.team).options(
                joinedload(Team.leader), joinedload(Team.unit), selectinload(Team.members)
            ),
            joinedload(CohortTeam.sector),
            selectinload(CohortTeam.needs),
        )
    ).unique()
    return sorted(rows, key=lambda row: (row.team.name_folded, row.id))


def _names(model, ids: set[int]) -> dict[int, str]:  # noqa: ANN001
    """Vietnamese names of the tags or sectors a pair's reasons name, by id."""
    if not ids:
        return {}
    rows = db.session.scalars(select(model).where(model.id.in_(ids)))
    return {row.id: row.name(VI) for row in rows}


def _kpis(cohort: Cohort) -> list[export.KpiLine]:
    rows = db.session.execute(
        select(KpiReport, Team.name)
        .join(CohortTeam, KpiReport.cohort_team_id == CohortTeam.id)
        .join(Team, CohortTeam.team_id == Team.id)
        .where(CohortTeam.cohort_id == cohort.id)
        .order_by(Team.name_folded, Team.id, KpiReport.period)
    ).all()
    return [
        export.KpiLine(
            cohort_team_id=kpi.cohort_team_id,
            team=team,
            period=kpi.period,
            customers=kpi.customers,
            revenue_vnd=kpi.revenue_vnd,
            funding_vnd=kpi.funding_vnd,
            jobs=kpi.jobs,
            product_stage=kpi.product_stage,
            note=kpi.note,
            reported_at=wall_clock(kpi.reported_at),
        )
        for kpi, team in rows
    ]


def load_cohort(cohort: Cohort, actor: User) -> export.CohortReport:
    """Everything the cohort report shows, in a fixed number of queries."""
    teams = _accepted(cohort)
    matches = db.session.execute(
        select(MentorMatch, Team.name, Team.name_folded, User.full_name, User.name_sort,
               ExpertProfile.organisation, Unit.name)
        .join(CohortTeam, MentorMatch.cohort_team_id == CohortTeam.id)
        .join(Team, CohortTeam.team_id == Team.id)
        .join(User, MentorMatch.mentor_id == User.id)
        .outerjoin(ExpertProfile, ExpertProfile.user_id == User.id)
        .outerjoin(Unit, User.unit_id == Unit.id)
        .where(MentorMatch.cohort_id == cohort.id)
        .order_by(Team.name_folded, User.name_sort, MentorMatch.id)
    ).all()  # fmt: skip
    stats = hours.pair_stats(match.id for match, *_ in matches)
    reasons = [r for match, *_ in matches for r in match.reasons or []]
    tag_names = _names(ExpertiseTag, {r["tag_id"] for r in reasons if "tag_id" in r})
    sector_names = _names(Sector, {r["sector_id"] for r in reasons if "sector_id" in r})
    kpis = _kpis(cohort)
    milestones = list(
        db.session.scalars(
            select(Milestone).where(Milestone.cohort_id == cohort.id)
            .order_by(Milestone.due_on, Milestone.id)
        )
    )  # fmt: skip
    done = {
        (p.milestone_id, p.cohort_team_id): p
        for p in db.session.scalars(
            select(MilestoneProgress)
            .join(Milestone, MilestoneProgress.milestone_id == Milestone.id)
            .where(Milestone.cohort_id == cohort.id)
        )
    }

    pairs, shown = [], []
    per_team: dict[int, hours.PairStats] = defaultdict(hours.PairStats)
    mentors_of: dict[int, list[str]] = defaultdict(list)
    for match, team, _folded, mentor, _sort, organisation, unit in matches:
        one = stats[match.id]
        pairs.append(
            export.PairLine(
                team=team,
                mentor=mentor,
                organisation=_organisation(organisation, unit),
                status=match.status,
                source=match.source,
                fit=match.fit,
                explanation=export.explanation_vi(match.reasons or [], tag_names, sector_names),
                sessions=one.confirmed,
                minutes=one.confirmed_minutes,
                pending=one.pending,
                published_on=wall_clock(match.published_at).date() if match.published_at else None,
                released_reason=match.released_reason,
            )
        )
        if match.status in SHOWN:
            shown.append(match)
            per_team[match.cohort_team_id] += one
        if match.status == MatchStatus.PUBLISHED:
            mentors_of[match.cohort_team_id].append(mentor)

    latest = {kpi.cohort_team_id: kpi for kpi in kpis}  # ordered by period: the last wins
    team_lines = [
        export.TeamLine(
            cohort_team_id=row.id,
            name=row.team.name,
            leader=row.team.leader.full_name,
            members=tuple(m.full_name for m in row.team.members if m.user_id != row.team.leader_id),
            unit=row.team.unit.name if row.team.unit is not None else "",
            sector=row.sector.name(VI) if row.sector is not None else "",
            needs=tuple(tag.name(VI) for tag in row.needs),
            mentors=tuple(mentors_of.get(row.id, ())),
            sessions=per_team[row.id].confirmed,
            minutes=per_team[row.id].confirmed_minutes,
            milestones_done=sum(1 for m in milestones if (m.id, row.id) in done),
            latest_kpi=latest.get(row.id),
        )
        for row in teams
    ]
    milestone_lines = []
    for milestone in milestones:
        marks = []
        for row in teams:
            progress = done.get((milestone.id, row.id))
            marks.append(
                (
                    row.team.name,
                    progress.completed_on if progress else None,
                    progress.note if progress else "",
                )
            )
        milestone_lines.append(
            export.MilestoneLine(milestone.title, milestone.kind, milestone.due_on, tuple(marks))
        )
    everything = hours.total(stats[m.id] for m in shown)
    return export.CohortReport(
        facts=_facts(cohort, actor),
        year=cohort.year,
        starts_on=cohort.starts_on,
        ends_on=cohort.ends_on,
        capacity=cohort.capacity,
        teams=team_lines,
        pairs=pairs,
        kpis=kpis,
        milestones=milestone_lines,
        mentors=len({m.mentor_id for m in shown}),
        sessions=everything.confirmed,
        minutes=everything.confirmed_minutes,
        pending_sessions=everything.pending,
    )


def export_cohort(cohort: Cohort, *, actor: User) -> tuple[bytes, str]:
    """The cohort report workbook, audited; (bytes, download name)."""
    report = load_cohort(cohort, actor)
    content = export.cohort_workbook(report)
    audit.record(
        "cohort.export",
        cohort,
        new={
            "format": "xlsx",
            "what": "cohort_report",
            "teams": len(report.teams),
            "pairs": len(report.pairs),
            "kpi_reports": len(report.kpis),
            "destination": "download",
        },
        actor=actor,
    )
    name = spreadsheets.download_name(cohort.name, "Báo cáo", date=local_today())
    return content, name
