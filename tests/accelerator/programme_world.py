"""A small programme world for YEAR whose figures are counted by hand (see EXPECTED).

Units: the province P; clusters C1, C2, C3 under it; commune X under C1; high school S1
under X; university S2 under C2.

The competition of YEAR (owner P, tracks THPT and SV) has five entries: e1 (THPT, S1,
submitted, science fair, led by a woman with a man), e2 (THPT, S1, accepted, science fair,
led by a man with a woman), e3 (SV, S2, rejected, its leader's gender unknown), e4 (SV, X,
draft) and e5 (SV, S2, withdrawn); only e1–e3 count. Last year's competition has one entry.

Events of YEAR: forums f1, f2 (P) and a workshop f3 (C1) held, a draft forum and a cancelled
one; a province festival (P), two cluster festivals in C1 (one organised by X), a local
festival (X), a training (P). f1 has three registrations, two attended; the province festival
two, one attended.

The cohort of YEAR (P) accepted e1's and e3's teams; e2's team declined. e1's team had two
confirmed sessions (90 + 30 minutes) and a pending one (60); its reports: January (1 job,
1.000.000 đ), March (3 jobs, 5.000.000 đ, 2.000.000 đ raised); e3's team: February (2 jobs,
10.000.000 đ raised). The mentor, of unit P, has an expert profile.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from accelerator.models import (
    Cohort,
    CohortTeam,
    ExpertProfile,
    KpiReport,
    MatchStatus,
    MembershipStatus,
    MentoringSession,
    MentorMatch,
)
from app.db import db
from app.people.models import Role, User
from app.units.models import Unit
from competitions.events.models import Event, EventRegistration
from competitions.models import Competition, Entry, Team
from tests.factories import Factory

YEAR = 2025

EXPECTED = {  # indicator → (actual, target in force, gap)
    "entries": ("3", None, None),
    "science_fair_projects": ("1", "5", "-4"),
    "experts": ("1", None, None),
    "forums": ("3", "5", "-2"),
    "trainings": ("1", "1", "0"),
    "cohort_teams": ("2", None, None),
    "mentoring_hours": ("2.00", None, None),
    "kpi_jobs": ("5", None, None),
    "kpi_revenue": ("5000000", None, None),
    "kpi_funding": ("12000000", None, None),
    "festivals_province": ("1", "1", "0"),
    "festivals_cluster": ("2", "3", "-2"),  # C2 and C3 have none
    "festivals_local": ("1", None, None),
    "attendance": ("3", None, None),
}


@dataclass
class World:
    province: Unit
    clusters: list[Unit]
    commune: Unit
    school: Unit
    university: Unit
    competition: Competition
    entries: list[Entry]
    cohort: Cohort
    admin: User
    organizer: User  # of the province
    cluster_organizer: User  # of C1
    other_organizer: User  # of C2
    participant: User
    mentor: User
    hostile_team: Team


def _at(month: int, day: int = 10) -> datetime:
    return datetime(YEAR, month, day, 2, 0, tzinfo=UTC)


def _event(kind: str, level: str, unit: Unit, title: str, month: int, status: str = "published"):  # noqa: ANN202
    event = Event(
        kind=kind,
        level=level,
        title=title,
        starts_at=_at(month),
        ends_at=_at(month) + timedelta(hours=4),
        year=YEAR,
        place="Hội trường",
        organizer_unit=unit,
        status=status,
    )
    db.session.add(event)
    return event


def _registrations(event: Event, people: list[User], attended: int) -> None:
    for n, person in enumerate(people):
        db.session.add(
            EventRegistration(
                event=event,
                user_id=person.id,
                code=f"r{event.title[:3]}{person.id}-{n}",
                attended_at=event.starts_at if n < attended else None,
            )
        )


def _member(team: Team, user: User, gender: str | None) -> None:
    for member in team.members:
        if member.user_id == user.id:
            member.gender = gender


def build(factory: Factory) -> World:
    province_level = factory.level("province", "Tỉnh", 0)
    cluster_level = factory.level("cluster", "Cụm", 1)
    commune_level = factory.level("commune", "Xã", 2)
    school_level = factory.level("high_school", "Trường THPT", 3)
    university_level = factory.level("university", "Trường Đại học", 3)
    province = factory.unit("Tỉnh Thử", level=province_level)
    clusters = [factory.unit(f"Cụm {n}", parent=province, level=cluster_level) for n in (1, 2, 3)]
    commune = factory.unit("Xã Một", parent=clusters[0], level=commune_level)
    school = factory.unit("Trường THPT Một", parent=commune, level=school_level)
    university = factory.unit("Đại học Hai", parent=clusters[1], level=university_level)

    admin = factory.user("Võ Thị Sáu", roles=(Role.ADMIN,))
    organizer = factory.user("Trần Văn Tổ", roles=(Role.ORGANIZER,), organizer_of=province)
    cluster_organizer = factory.user(
        "Lê Thị Cụm", roles=(Role.ORGANIZER,), organizer_of=clusters[0]
    )
    other_organizer = factory.user(
        "Hoàng Thị Dung", roles=(Role.ORGANIZER,), organizer_of=clusters[1]
    )
    participant = factory.user("Phạm Văn Chiến")
    mentor = factory.user("Ngô Chuyên Gia", roles=(Role.MENTOR,), unit=province)
    db.session.add(ExpertProfile(user_id=mentor.id, organisation="Sở KH&CN"))

    people = {name: factory.user(name) for name in ("An", "Bình", "Dũng", "Em", "Phúc", "Giang")}
    team1 = factory.team(people["An"], '=HYPERLINK("x")', (people["Bình"],), unit=school)
    _member(team1, people["An"], "female")
    _member(team1, people["Bình"], "male")
    team2 = factory.team(people["Dũng"], "Nhóm Hai", (people["Em"],), unit=school)
    _member(team2, people["Dũng"], "male")
    _member(team2, people["Em"], "female")
    team3 = factory.team(people["Phúc"], "Nhóm Ba", unit=university)
    team4 = factory.team(people["Giang"], "Nhóm Bốn", unit=commune)

    competition = factory.competition(owner_unit=province, year=YEAR, status="archived")
    thpt, sv = competition.tracks
    e1 = factory.entry(competition, team1, thpt, "Máy lọc nước", status="submitted")
    e2 = factory.entry(competition, team2, thpt, "Phân bón vi sinh", status="accepted")
    e3 = factory.entry(competition, team3, sv, "Ứng dụng du lịch", status="rejected")
    e4 = factory.entry(competition, team4, sv, "Bản nháp", status="draft")
    e5 = factory.entry(competition, team3, sv, "Rút lui", status="withdrawn")
    e1.from_science_fair = e2.from_science_fair = True
    last_year = factory.competition(owner_unit=province, year=YEAR - 1, code="QN24")
    factory.entry(last_year, factory.team(name="Nhóm Cũ", unit=school), status="submitted")

    f1 = _event("forum", "province", province, "Diễn đàn Nông nghiệp", 3)
    _event("forum", "province", province, "Diễn đàn Du lịch", 5)
    _event("workshop", "cluster", clusters[0], "Hội thảo Cụm Một", 6)
    _event("forum", "province", province, "Diễn đàn nháp", 7, status="draft")
    _event("forum", "province", province, "Diễn đàn hủy", 8, status="cancelled")
    festival = _event("festival", "province", province, "Ngày hội tỉnh", 9)
    _event("festival", "cluster", clusters[0], "Ngày hội Cụm Một", 10)
    _event("festival", "cluster", commune, "Ngày hội liên xã", 11)
    _event("festival", "local", commune, "Ngày hội Xã Một", 4)
    _event("training", "province", province, "Tập huấn tăng tốc", 2)
    db.session.flush()
    _registrations(f1, [people["An"], people["Bình"], people["Dũng"]], attended=2)
    _registrations(festival, [people["Em"], people["Phúc"]], attended=1)

    cohort = Cohort(
        owner_unit=province,
        year=YEAR,
        name="Tăng tốc 2025",
        capacity=10,
        starts_on=date(YEAR, 1, 1),
        ends_on=date(YEAR, 11, 30),
    )
    db.session.add(cohort)
    rows = [
        CohortTeam(cohort=cohort, team=team, entry_id=entry.id, status=status, reason="Giải")
        for team, entry, status in (
            (team1, e1, MembershipStatus.ACCEPTED),
            (team2, e2, MembershipStatus.DECLINED),
            (team3, e3, MembershipStatus.ACCEPTED),
        )
    ]
    db.session.add_all(rows)
    db.session.flush()
    match = MentorMatch(
        cohort=cohort,
        cohort_team=rows[0],
        mentor=mentor,
        status=MatchStatus.PUBLISHED,
        published_at=_at(1),
    )
    db.session.add(match)
    db.session.flush()
    for minutes, status in ((90, "confirmed"), (30, "confirmed"), (60, "pending")):
        db.session.add(
            MentoringSession(
                match=match,
                held_on=date(YEAR, 4, 1),
                duration_minutes=minutes,
                logged_by="mentor",
                author_id=mentor.id,
                status=status,
            )
        )
    for row, month, jobs, revenue, funding in (
        (rows[0], 1, 1, 1_000_000, 0),
        (rows[0], 3, 3, 5_000_000, 2_000_000),
        (rows[2], 2, 2, 0, 10_000_000),
    ):
        db.session.add(
            KpiReport(
                cohort_team_id=row.id,
                period=date(YEAR, month, 1),
                jobs=jobs,
                revenue_vnd=Decimal(revenue),
                funding_vnd=Decimal(funding),
                customers=jobs * 10,
            )
        )
    db.session.flush()
    return World(
        province=province,
        clusters=clusters,
        commune=commune,
        school=school,
        university=university,
        competition=competition,
        entries=[e1, e2, e3, e4, e5],
        cohort=cohort,
        admin=admin,
        organizer=organizer,
        cluster_organizer=cluster_organizer,
        other_organizer=other_organizer,
        participant=participant,
        mentor=mentor,
        hostile_team=team1,
    )


def grow(factory: Factory, w: World, n: int) -> None:
    """One more school of cluster 3 with an entry whose team joins the cohort (a confirmed
    session, a report), and one more held cluster festival with an attendee."""
    school = factory.unit(f"Trường thêm {n}", parent=w.clusters[2], level=w.school.level)
    team = factory.team(name=f"Nhóm thêm {n}", unit=school)
    entry = factory.entry(w.competition, team, w.competition.tracks[1], status="submitted")
    row = CohortTeam(
        cohort=w.cohort, team=team, entry_id=entry.id, status=MembershipStatus.ACCEPTED, reason="-"
    )
    db.session.add(row)
    db.session.flush()
    match = MentorMatch(
        cohort=w.cohort, cohort_team=row, mentor=w.mentor, status=MatchStatus.PUBLISHED
    )
    db.session.add(match)
    db.session.flush()
    db.session.add(
        MentoringSession(
            match=match,
            held_on=date(YEAR, 5, 1),
            duration_minutes=60,
            logged_by="mentor",
            author_id=w.mentor.id,
            status="confirmed",
        )
    )
    db.session.add(KpiReport(cohort_team_id=row.id, period=date(YEAR, 5, 1), jobs=1))
    festival = _event("festival", "cluster", school, f"Ngày hội thêm {n}", 6)
    db.session.flush()
    _registrations(festival, [team.leader], attended=1)
    db.session.flush()
