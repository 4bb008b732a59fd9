"""The demo seed's cohort: selected from last year's published results, matched by the engine,
a few months of mentoring since, all through the services the pages use."""

from __future__ import annotations

from sqlalchemy import func, select

from accelerator.matches.services import mentor_matches, team_matches
from accelerator.models import (
    CandidateSource,
    Cohort,
    CohortTeam,
    ExpertProfile,
    MatchStatus,
    MembershipStatus,
    MentoringSession,
    MentorMatch,
    MilestoneKind,
    SessionStatus,
)
from accelerator.programme import figures as programme
from accelerator.sessions import hours
from app.demo.seed import DEMO_ACCOUNTS, seed_demo
from app.localtime import local_today
from app.mail.outbox import OutboxMessage
from app.people.models import Role, RoleGrant, User
from competitions.models import Round
from tests.helpers import login

ACCESS: dict = {}
POST_ENDPOINTS: set = set()


PASSWORDS = {account.email: account.password for account in DEMO_ACCOUNTS}


def _user(db, email: str) -> User:  # noqa: ANN001
    return db.session.scalars(select(User).where(User.email == email)).one()


def _page(client, email: str, path: str) -> str:  # noqa: ANN001
    """The page as the demo account sees it, signed in with its printed password (a new
    browser each time, of the fixture's kind)."""
    client = client.application.test_client()
    assert login(client, email, PASSWORDS[email]).status_code == 302
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_demo_cohort_is_selected_matched_and_mentored_for_months(app, db, client):
    with app.test_request_context():  # as `flask demo seed` runs it
        seed_demo()
    db.session.flush()
    today = local_today()
    # This year's; the two before it are the programme's history.
    cohort = db.session.scalars(select(Cohort).where(Cohort.year == today.year)).one()
    assert db.session.scalars(select(Cohort.year).order_by(Cohort.year)).all() == [
        today.year - 2,
        today.year - 1,
        today.year,
    ]
    assert cohort.name == f"Chương trình tăng tốc khởi nghiệp Quảng Nam {today.year}"
    assert cohort.year == today.year and cohort.starts_on < today < cohort.ends_on
    assert (cohort.capacity, cohort.mentors_per_team) == (10, 2)
    kinds = {m.kind for m in cohort.milestones}
    assert {MilestoneKind.TRAINING, MilestoneKind.CHECK_IN, MilestoneKind.DEMO_DAY} <= kinds
    assert all(m.due_on > today for m in cohort.milestones if m.kind == MilestoneKind.DEMO_DAY)
    assert any(m.due_on < today for m in cohort.milestones)

    # Selection: last year's winners and ranks plus one by hand, within capacity, one said no.
    rows = db.session.scalars(select(CohortTeam).where(CohortTeam.cohort_id == cohort.id)).all()
    by_status = {s: [r for r in rows if r.status == s] for s in MembershipStatus}
    accepted = by_status[MembershipStatus.ACCEPTED]
    assert 5 <= len(accepted) < cohort.capacity
    assert len(by_status[MembershipStatus.DECLINED]) == 1
    assert by_status[MembershipStatus.CANDIDATE], "proposals left unselected"
    assert {CandidateSource.AWARD, CandidateSource.MANUAL} <= {r.source for r in rows}
    assert all(r.reason for r in rows)
    assert all(r.needs and r.sector_id and r.needs_note for r in accepted)

    # The panel: every mentor has a profile, the demo mentor's written out in full.
    mentors = db.session.scalars(
        select(User).where(User.roles.any(RoleGrant.role == Role.MENTOR))
    ).all()
    profiles = {p.user_id: p for p in db.session.scalars(select(ExpertProfile))}
    assert {m.id for m in mentors} <= set(profiles)
    covan = _user(db, "covan@sprout.demo")
    mine = profiles[covan.id]
    assert mine.organisation and mine.bio and mine.availability and mine.sectors
    assert all(1 <= p.mentoring_capacity <= 3 for p in profiles.values())

    # Matching published as proposed: the demo mentor mentors, the participant's team has two.
    published = db.session.scalars(
        select(MentorMatch).where(
            MentorMatch.cohort_id == cohort.id, MentorMatch.status == MatchStatus.PUBLISHED
        )
    ).all()
    assert len(published) == 2 * len(accepted)
    assert mentor_matches(covan)
    theirs = team_matches(_user(db, "thisinh@sprout.demo"))
    assert len(theirs) == 2 and theirs[0].cohort_team.status == MembershipStatus.ACCEPTED
    for match in published:
        load = sum(m.mentor_id == match.mentor_id for m in published)
        assert load <= profiles[match.mentor_id].mentoring_capacity

    # Months of sessions: in the past and after the start, mostly confirmed and rated.
    sessions = db.session.scalars(
        select(MentoringSession).join(MentorMatch).where(MentorMatch.cohort_id == cohort.id)
    ).all()
    assert all(cohort.starts_on <= s.held_on < today for s in sessions)
    statuses = [s.status for s in sessions]
    assert statuses.count(SessionStatus.DISPUTED) == 1
    assert statuses.count(SessionStatus.PENDING) == 2
    assert statuses.count(SessionStatus.CONFIRMED) > len(published) * 3
    assert {s.logged_by for s in sessions} == {"mentor", "team"}
    assert any(s.rating for s in sessions)
    done = sum(1 for s in sessions for action in s.actions if action.done_at is not None)
    assert 0 < done < len(sessions)
    activity = hours.activities(published, today)
    assert sum(a.stats.confirmed_minutes for a in activity.values()) > 60 * len(published)
    quiet = [a for a in activity.values() if a.inactive]
    assert len(quiet) == 1
    assert quiet[0].match.mentor_id != covan.id
    # Nothing the story queued is waiting to be sent today.
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0

    # What the demo accounts see: the mentor's teams, the participant's mentors, and the
    # organizers' page with the quiet pair among the inactive ones.
    page = _page(client, "covan@sprout.demo", "/accelerator/matches/my-teams")
    assert all(m.cohort_team.team.name in page for m in mentor_matches(covan))
    page = _page(client, "thisinh@sprout.demo", "/accelerator/matches/my-mentors")
    assert all(m.mentor.full_name in page for m in theirs)
    page = _page(client, "btc@sprout.demo", f"/accelerator/cohorts/{cohort.id}/sessions")
    assert page.count('class="list-group-item') == 1
    assert f'inactive-pair" data-match-id="{quiet[0].match.id}"' in page

    # Three years of the programme, so that its yearly figures show trends: entries, events,
    # cohort teams and mentoring hours in each year, and two rounds held at festivals.
    figures = programme.load(today.year, None)
    years = range(today.year - 2, today.year + 1)
    assert all(figures.entries[year] > 0 for year in years)
    assert all(figures.minutes[year] > 0 for year in years)
    assert {row.year for row in figures.events} >= set(years)
    assert {row.year for row in figures.cohort_teams} == set(years)
    assert {row.year for row in figures.projects} >= {today.year - 2, today.year - 1}
    assert db.session.scalar(select(func.count()).where(Round.event_id.is_not(None))) == 2
    page = _page(client, "admin@sprout.demo", f"/programme/?year={today.year - 1}")
    assert "<svg" in page


def test_a_seed_without_last_years_results_has_no_cohort(app, db):
    seed_demo(participants=10)
    db.session.flush()
    assert db.session.scalar(select(func.count()).select_from(Cohort)) == 0
