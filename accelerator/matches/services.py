"""A cohort's mentor matches: the database read into the engine's plain data
(accelerator.matches.loading), the engine's proposal written back, pairs added and removed by hand,
publishing and releasing, with the emails they send.

Proposed pairs are the organizers' draft; publishing tells both sides and lets them log
sessions; a released pair is ended for good (its sessions stay, the engine never proposes it
again). Every function locks the cohort, checks its rules before it changes anything (raising
`MatchError` with the reason), changes the session, flushes and writes its audit row; the
request commits.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from accelerator import matching
from accelerator.cohorts.errors import CohortError, refuse_if
from accelerator.cohorts.services import lock_cohort
from accelerator.matches.loading import Panel, load_matching_data
from accelerator.models import (
    Cohort,
    CohortTeam,
    ExpertProfile,
    MatchSource,
    MatchStatus,
    MentorMatch,
)
from app import audit
from app.db import db, utcnow
from app.links import external_url
from app.mail.outbox import queue_mail
from app.people.models import ExpertiseTag, User
from app.vietnamese import name_sort_key
from competitions.models import Sector, Team, TeamMember

MAX_REASON_LENGTH = 1000
HOLDING = (MatchStatus.PROPOSED, MatchStatus.PUBLISHED)


class MatchError(CohortError):
    """A refused change to the matches, with what its message needs (names, numbers)."""

    def __init__(self, reason: str, **details: object) -> None:
        super().__init__(reason)
        self.details = details


def _explain(panel: Panel, cohort_team_id: int, mentor_ids: set[int]) -> dict[int, tuple]:
    """(fit, reasons) of each of these mentors of the team, as the engine explains them: asked
    for exactly these mentors (one slot each, conflicts set aside) it credits each need as a
    full run does — published mentors first, then by id."""
    known = sorted(m for m in mentor_ids if m in panel.mentor_data)
    if not known:
        return {}
    team = replace(
        panel.team_data[cohort_team_id],
        organisations=frozenset(),
        unit_ids=frozenset(),
        excluded=frozenset(),
    )
    result = matching.match(
        matching.MatchingData(
            teams=(team,),
            mentors=tuple(replace(panel.mentor_data[m], capacity=1) for m in known),
            mentors_per_team=len(known),
            kept=frozenset(
                (cohort_team_id, m) for m in known if (cohort_team_id, m) in panel.data.kept
            ),
        )
    )
    return {m.mentor_id: (m.fit, list(m.reasons)) for m in result.teams[0].mentors}


def _reexplain(panel: Panel, cohort_team_id: int, rows: list[MentorMatch]) -> None:
    """Explain the team's proposed pairs again once its mentors changed by hand: a need the
    removed mentor covered is credited to another, a new mentor only "also covers" what another
    already covers."""
    explained = _explain(panel, cohort_team_id, {r.mentor_id for r in rows})
    for row in rows:
        if row.status == MatchStatus.PROPOSED and row.mentor_id in explained:
            fit, reasons = explained[row.mentor_id]
            row.fit, row.reasons = Decimal(fit), reasons


def _holding_rows(panel: Panel, cohort_team_id: int) -> list[MentorMatch]:
    return [m for m in panel.matches if m.cohort_team_id == cohort_team_id and m.status in HOLDING]


def _pair(row: MentorMatch) -> list[int]:
    return [row.cohort_team_id, row.mentor_id]


def _snapshot(row: MentorMatch) -> dict:
    return {
        "cohort_id": row.cohort_id,
        "cohort_team_id": row.cohort_team_id,
        "mentor_id": row.mentor_id,
        "status": row.status,
        "source": row.source,
        "fit": row.fit,
        "reasons": row.reasons,
    }


# --- the engine's proposal ------------------------------------------------------------------


def propose(cohort: Cohort, *, actor: User) -> matching.MatchingResult:
    """Run the engine and put its new pairs in place of its earlier proposal. Published pairs
    and pairs an organizer added by hand are kept as they are, and count against m and the
    capacities: proposing again never undoes a decision a person took."""
    lock_cohort(cohort)
    panel = load_matching_data(cohort)
    problems = []
    if not panel.teams:
        problems.append("no_teams")
    if not panel.assignable:
        problems.append("no_mentors")
    refuse_if(problems)
    by_hand = [
        m
        for m in panel.matches
        if m.status == MatchStatus.PROPOSED
        and m.source == MatchSource.HAND
        and m.cohort_team_id in panel.team_data
        and m.mentor_id in panel.mentor_data
    ]
    kept = panel.data.kept | {(m.cohort_team_id, m.mentor_id) for m in by_hand}
    result = matching.match(replace(panel.data, kept=frozenset(kept)))
    dropped = [m for m in panel.matches if m.status == MatchStatus.PROPOSED and m not in by_hand]
    for row in dropped:
        db.session.delete(row)
    db.session.flush()  # the deletes first: the engine may propose a dropped pair again
    proposed = result.proposed()
    if proposed:
        now = utcnow()
        db.session.execute(
            insert(MentorMatch),
            [
                {
                    "cohort_id": cohort.id,
                    "cohort_team_id": team_id,
                    "mentor_id": mentor.mentor_id,
                    "status": MatchStatus.PROPOSED,
                    "source": MatchSource.OPTIMISER,
                    "fit": Decimal(mentor.fit),
                    "reasons": list(mentor.reasons),
                    "note": "",
                    "released_reason": "",
                    "created_at": now,
                    "created_by_id": actor.id,
                }
                for team_id, mentor in proposed
            ],
        )
    audit.record(
        "matches.proposed",
        cohort,
        old={"proposed": sorted(_pair(r) for r in dropped)},
        new={
            "proposed": sorted([team_id, mentor.mentor_id] for team_id, mentor in proposed),
            "lacking": result.lacking,
            "total_fit": result.total_fit,
        },
        actor=actor,
    )
    return result


# --- by hand --------------------------------------------------------------------------------


def add_pair(cohort: Cohort, cohort_team_id: int, mentor_id: int, *, actor: User) -> MentorMatch:
    """Propose a mentor for a team by hand (published with the rest of the proposal).

    Refused: a team that is not accepted in this cohort, someone who is not an active mentor,
    a pair that exists already (or was released), a conflict of interest, and a mentor whose
    proposed and published teams here plus published teams elsewhere would pass the capacity
    they offered."""
    lock_cohort(cohort)
    panel = load_matching_data(cohort)
    membership = panel.team_by_id.get(cohort_team_id)
    if membership is None:
        raise MatchError("team_not_accepted")
    if mentor_id not in panel.assignable:
        raise MatchError("not_a_mentor")
    mentor = panel.mentors[mentor_id]
    existing = panel.pairs.get((cohort_team_id, mentor_id))
    if existing is not None:
        reason = "pair_released" if existing.status == MatchStatus.RELEASED else "pair_exists"
        raise MatchError(reason, mentor=mentor.full_name, team=membership.team.name)
    kinds = matching.conflict_kinds(panel.team_data[cohort_team_id], panel.mentor_data[mentor_id])
    if kinds:
        raise MatchError(
            "conflict", mentor=mentor.full_name, team=membership.team.name, kinds=kinds
        )
    held = panel.held_here(mentor_id)
    here = held[MatchStatus.PROPOSED] + held[MatchStatus.PUBLISHED]
    elsewhere = panel.held_elsewhere[mentor_id]
    if here + elsewhere + 1 > panel.offered(mentor_id):
        raise MatchError(
            "over_capacity",
            mentor=mentor.full_name,
            capacity=panel.offered(mentor_id),
            here=here,
            elsewhere=elsewhere,
        )
    row = MentorMatch(
        cohort_id=cohort.id,
        cohort_team_id=cohort_team_id,
        mentor_id=mentor_id,
        status=MatchStatus.PROPOSED,
        source=MatchSource.HAND,
        created_by_id=actor.id,
    )
    try:
        # Two tabs adding the same pair: the unique key decides, the second is told.
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError as error:
        raise MatchError(
            "pair_exists", mentor=mentor.full_name, team=membership.team.name
        ) from error
    _reexplain(panel, cohort_team_id, [*_holding_rows(panel, cohort_team_id), row])
    db.session.flush()
    audit.record("matches.pair_added", row, new=_snapshot(row), actor=actor)
    return row


def _match_of(cohort: Cohort, match_id: int) -> MentorMatch:
    row = db.session.get(MentorMatch, match_id)
    if row is None or row.cohort_id != cohort.id:
        raise MatchError("unknown_pair")
    return row


def remove_pair(cohort: Cohort, match_id: int, *, actor: User) -> None:
    """Take a proposed pair out of the proposal (a published one is released instead)."""
    lock_cohort(cohort)
    panel = load_matching_data(cohort)
    row = _match_of(cohort, match_id)
    if row.status != MatchStatus.PROPOSED:
        raise MatchError("not_proposed")
    old = _snapshot(row)
    db.session.delete(row)
    db.session.flush()
    if row.cohort_team_id in panel.team_by_id:
        rest = [r for r in _holding_rows(panel, row.cohort_team_id) if r.id != match_id]
        _reexplain(panel, row.cohort_team_id, rest)
        db.session.flush()
    audit.record("matches.pair_removed", row, old=old, actor=actor)


# --- publishing and releasing ---------------------------------------------------------------


def publish(cohort: Cohort, *, actor: User) -> list[MentorMatch]:
    """Publish every proposed pair and tell both sides by email.

    Refused when nothing is proposed, and when a proposed pair is no longer possible (its team
    left the cohort, the mentor lost the role, a conflict or a capacity changed since): propose
    again or remove it."""
    lock_cohort(cohort)
    panel = load_matching_data(cohort)
    proposed = [m for m in panel.matches if m.status == MatchStatus.PROPOSED]
    if not proposed:
        raise MatchError("nothing_proposed")
    if any(not _still_possible(panel, row) for row in proposed):
        raise MatchError("stale_proposal")
    now = utcnow()
    for row in proposed:
        row.status = MatchStatus.PUBLISHED
        row.published_at = now
    db.session.flush()
    audit.record(
        "matches.published",
        cohort,
        new={"published": sorted(_pair(r) for r in proposed)},
        actor=actor,
    )
    for row in proposed:
        _tell(
            panel.team_by_id[row.cohort_team_id],
            panel.mentors[row.mentor_id],
            panel.profiles.get(row.mentor_id),
            "published",
        )
    return proposed


def _still_possible(panel: Panel, row: MentorMatch) -> bool:
    if row.cohort_team_id not in panel.team_by_id or row.mentor_id not in panel.assignable:
        return False
    team, mentor = panel.team_data[row.cohort_team_id], panel.mentor_data[row.mentor_id]
    if matching.conflict_kinds(team, mentor):
        return False
    held = panel.held_here(row.mentor_id)
    load = held[MatchStatus.PROPOSED] + held[MatchStatus.PUBLISHED]
    return load + panel.held_elsewhere[row.mentor_id] <= panel.offered(row.mentor_id)


def release(cohort: Cohort, match_id: int, reason: str, *, actor: User) -> MentorMatch:
    """End a published pair, with the organizer's reason (kept on the pair and in the audit
    log); both sides are told. The engine never proposes the pair again."""
    lock_cohort(cohort)
    reason = " ".join((reason or "").split())
    if not reason:
        raise MatchError("reason_required")
    if len(reason) > MAX_REASON_LENGTH:
        raise MatchError("reason_too_long")
    row = _match_of(cohort, match_id)
    if row.status != MatchStatus.PUBLISHED:
        raise MatchError("not_published")
    old = _snapshot(row)
    row.status = MatchStatus.RELEASED
    row.released_at = utcnow()
    row.released_reason = reason
    db.session.flush()
    audit.record(
        "matches.released", row, old=old, new={**_snapshot(row), "reason": reason}, actor=actor
    )
    membership = db.session.scalar(
        select(CohortTeam)
        .where(CohortTeam.id == row.cohort_team_id)
        .options(
            joinedload(CohortTeam.team).joinedload(Team.leader),
            joinedload(CohortTeam.team).selectinload(Team.members).joinedload(TeamMember.user),
            selectinload(CohortTeam.needs),
        )
    )
    _tell(membership, row.mentor, db.session.get(ExpertProfile, row.mentor_id), "released")
    return row


# --- emails ---------------------------------------------------------------------------------


def _subject(event: str, side: str, team: str, mentor: str) -> object:
    """Lazy: rendered in the recipient's language when the mail is."""
    if event == "published":
        if side == "mentor":
            return _l("You are now the mentor of %(team)s", team=team)
        return _l("Your team's mentor: %(mentor)s", mentor=mentor)
    if side == "mentor":
        return _l("Your mentoring of %(team)s has ended", team=team)
    return _l("Your team's mentoring with %(mentor)s has ended", mentor=mentor)


def _tell(membership: CohortTeam, mentor: User, profile: ExpertProfile | None, event: str) -> None:
    """The mentor is told about the team (its needs, the leader's contact), each member about
    the mentor (name, organisation, email, phone), each in their own language."""
    team = membership.team
    leader = team.leader
    leader_member = team.member_for(leader)
    context = {
        "cohort": membership.cohort,
        "team": team,
        "needs": membership.needs,
        "leader": leader,
        "leader_phone": (leader_member.phone if leader_member else None) or leader.phone or "",
        "mentor": mentor,
        "organisation": profile.organisation if profile is not None else "",
    }
    queue_mail(
        mentor.email,
        _subject(event, "mentor", team.name, mentor.full_name),
        f"accelerator/matches/mail/{event}_mentor",
        locale=mentor.locale,
        user_id=mentor.id,
        link=external_url("accelerator.my_matched_teams"),
        **context,
    )
    people = {m.user_id: m.user for m in team.members}
    people.setdefault(leader.id, leader)
    for person in sorted(people.values(), key=lambda u: name_sort_key(u.full_name)):
        queue_mail(
            person.email,
            _subject(event, "team", team.name, mentor.full_name),
            f"accelerator/matches/mail/{event}_team",
            locale=person.locale,
            user_id=person.id,
            link=external_url("accelerator.my_mentors"),
            member=person,
            **context,
        )


# --- the people's own pages -----------------------------------------------------------------


def mentor_matches(user: User) -> list[MentorMatch]:
    """The mentor's published pairs: the teams, their needs, members and leader."""
    return list(
        db.session.scalars(
            select(MentorMatch)
            .where(MentorMatch.mentor_id == user.id, MentorMatch.status == MatchStatus.PUBLISHED)
            .options(
                joinedload(MentorMatch.cohort),
                joinedload(MentorMatch.cohort_team).joinedload(CohortTeam.sector),
                joinedload(MentorMatch.cohort_team)
                .joinedload(CohortTeam.team)
                .joinedload(Team.leader),
                joinedload(MentorMatch.cohort_team)
                .joinedload(CohortTeam.team)
                .selectinload(Team.members),
                joinedload(MentorMatch.cohort_team).selectinload(CohortTeam.needs),
            )
            .order_by(MentorMatch.published_at.desc(), MentorMatch.id)
        ).unique()
    )


def team_matches(user: User) -> list[MentorMatch]:
    """The published mentors of the teams the person leads or belongs to."""
    mine = select(TeamMember.team_id).where(TeamMember.user_id == user.id)
    teams = (
        select(CohortTeam.id)
        .join(Team, CohortTeam.team_id == Team.id)
        .where(or_(Team.id.in_(mine), Team.leader_id == user.id))
    )
    return list(
        db.session.scalars(
            select(MentorMatch)
            .where(
                MentorMatch.cohort_team_id.in_(teams),
                MentorMatch.status == MatchStatus.PUBLISHED,
            )
            .options(
                joinedload(MentorMatch.cohort),
                joinedload(MentorMatch.mentor),
                joinedload(MentorMatch.cohort_team).joinedload(CohortTeam.team),
                joinedload(MentorMatch.cohort_team).joinedload(CohortTeam.sector),
                joinedload(MentorMatch.cohort_team).selectinload(CohortTeam.needs),
            )
            .order_by(MentorMatch.published_at.desc(), MentorMatch.id)
        ).unique()
    )


def profiles_of(user_ids: set[int]) -> dict[int, ExpertProfile]:
    return {
        p.user_id: p
        for p in db.session.scalars(
            select(ExpertProfile).where(ExpertProfile.user_id.in_(list(user_ids)))
        )
    }


def lookups(matches: list[MentorMatch]) -> tuple[dict[int, ExpertiseTag], dict[int, Sector]]:
    """The tags and sectors the explanations of these pairs name, from what is loaded."""
    tags = {tag.id: tag for m in matches for tag in m.cohort_team.needs}
    sectors = {
        m.cohort_team.sector.id: m.cohort_team.sector for m in matches if m.cohort_team.sector
    }
    return tags, sectors
