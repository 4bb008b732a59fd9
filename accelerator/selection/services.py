"""Writes to a cohort's teams: candidates added from published results or by hand, the
selection up to capacity, invitations, the leader's answer and withdrawals.

Every function checks its rules before it changes anything, raising `CohortError` with the
reason; it flushes and adds an audit row per team changed; the request commits. A team is in
a cohort at most once: the database's unique key (cohort, team) decides between two tabs or
two requests racing, and the loser is told "already in this cohort".
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from accelerator.cohorts.errors import CohortError, refuse_if
from accelerator.cohorts.services import lock_cohort, places_held
from accelerator.models import CandidateSource, Cohort, CohortTeam, MembershipStatus
from accelerator.selection.candidates import RESULT_STATUSES
from app import audit
from app.db import db, utcnow
from app.links import external_url
from app.mail.outbox import queue_mail
from app.people.models import User
from competitions.models import Entry, Round, Team
from judging.models import Award, AwardWinner, RoundEntry, RoundJudging

MAX_REASON_LENGTH = 1000
MAX_NOTE_LENGTH = 2000

# Who may be withdrawn: everyone still in the running or in the cohort.
WITHDRAWABLE = (
    MembershipStatus.CANDIDATE,
    MembershipStatus.SELECTED,
    MembershipStatus.INVITED,
    MembershipStatus.ACCEPTED,
)


def _snapshot(membership: CohortTeam) -> dict:
    return {
        "cohort_id": membership.cohort_id,
        "team_id": membership.team_id,
        "entry_id": membership.entry_id,
        "source": membership.source,
        "reason": membership.reason,
        "status": membership.status,
    }


def membership_of(cohort: Cohort, team_id: int) -> CohortTeam | None:
    return db.session.scalar(
        select(CohortTeam).where(CohortTeam.cohort_id == cohort.id, CohortTeam.team_id == team_id)
    )


def _add(
    cohort: Cohort,
    team: Team,
    *,
    entry: Entry | None,
    source: str,
    reason: str,
    actor: User,
) -> CohortTeam:
    if membership_of(cohort, team.id) is not None:
        raise CohortError("already_in_cohort")
    membership = CohortTeam(
        cohort_id=cohort.id,
        team_id=team.id,
        entry_id=entry.id if entry is not None else None,
        source=source,
        reason=reason,
        status=MembershipStatus.CANDIDATE,
        sector_id=entry.sectors[0].id if entry is not None and entry.sectors else None,
        added_by_id=actor.id,
    )
    try:
        # Two tabs, or two requests at once: the second insert meets the unique key (on
        # PostgreSQL it waits for the first to commit), and is told.
        with db.session.begin_nested():
            db.session.add(membership)
            db.session.flush()
    except IntegrityError as error:
        raise CohortError("already_in_cohort") from error
    audit.record("cohort.team_add", membership, new=_snapshot(membership), actor=actor)
    return membership


def add_from_results(
    cohort: Cohort, round_entry_id: int, award_id: int | None, *, actor: User
) -> CohortTeam:
    """A candidate from published results: an award winner (with the prize and the
    competition as its reason) or a ranked entry (with its rank and round)."""
    row = db.session.execute(
        select(RoundEntry, Round)
        .join(Round, RoundEntry.round_id == Round.id)
        .join(RoundJudging, RoundJudging.round_id == Round.id)
        .where(RoundEntry.id == round_entry_id, RoundJudging.results_published_at.is_not(None))
        .options(joinedload(RoundEntry.entry).joinedload(Entry.team))
    ).one_or_none()
    if row is None:
        raise CohortError("not_published")
    round_entry, round_ = row
    competition = round_.competition
    if competition.status not in RESULT_STATUSES:
        raise CohortError("not_published")
    if award_id:
        award = db.session.scalar(
            select(Award)
            .join(AwardWinner, AwardWinner.award_id == Award.id)
            .where(
                Award.id == award_id,
                Award.round_id == round_.id,
                AwardWinner.round_entry_id == round_entry.id,
            )
        )
        if award is None:
            raise CohortError("not_a_winner")
        source, reason = CandidateSource.AWARD, f"{award.name} — {competition.title}"
    else:
        if round_entry.published_rank is None:
            raise CohortError("not_ranked")
        # Stored in Vietnamese, like the award names it sits beside: it is the record of
        # why the team was proposed, read by everyone in the same words.
        source = CandidateSource.RANK
        reason = f"Hạng {round_entry.published_rank} — {round_.name} — {competition.title}"
    entry = round_entry.entry
    return _add(cohort, entry.team, entry=entry, source=source, reason=reason, actor=actor)


def add_by_hand(cohort: Cohort, team: Team | None, reason: str, *, actor: User) -> CohortTeam:
    """Any team, with the organizer's reason for it."""
    reason = " ".join((reason or "").split())
    problems = []
    if team is None:
        problems.append("no_team")
    if not reason:
        problems.append("reason_required")
    elif len(reason) > MAX_REASON_LENGTH:
        problems.append("reason_too_long")
    refuse_if(problems)
    return _add(cohort, team, entry=None, source=CandidateSource.MANUAL, reason=reason, actor=actor)


def _memberships(cohort: Cohort, ids: list[int]) -> list[CohortTeam]:
    found = list(
        db.session.scalars(
            select(CohortTeam)
            .where(CohortTeam.cohort_id == cohort.id, CohortTeam.id.in_(ids))
            .options(joinedload(CohortTeam.team).joinedload(Team.leader))
            .order_by(CohortTeam.id)
        )
    )
    if not ids or len(found) != len(set(ids)):
        raise CohortError("nothing_chosen" if not ids else "unknown_team")
    return found


def _move(
    membership: CohortTeam, status: str, action: str, *, actor: User, **extra: object
) -> None:
    old = _snapshot(membership)
    membership.status = status
    membership.decided_at = utcnow()
    membership.decided_by_id = actor.id
    db.session.flush()
    audit.record(action, membership, old=old, new={**_snapshot(membership), **extra}, actor=actor)


def select_teams(cohort: Cohort, ids: list[int], *, actor: User) -> list[CohortTeam]:
    """Candidates chosen for the cohort, all or none: never beyond its capacity (selected,
    invited and accepted teams hold a place)."""
    lock_cohort(cohort)
    memberships = _memberships(cohort, ids)
    if any(m.status != MembershipStatus.CANDIDATE for m in memberships):
        raise CohortError("not_candidate")
    if places_held(cohort) + len(memberships) > cohort.capacity:
        raise CohortError("over_capacity")
    for membership in memberships:
        _move(membership, MembershipStatus.SELECTED, "cohort.team_select", actor=actor)
    return memberships


def deselect(cohort: Cohort, membership_id: int, *, actor: User) -> None:
    """A selection made by mistake, before the invitation: back to the candidates."""
    lock_cohort(cohort)
    [membership] = _memberships(cohort, [membership_id])
    if membership.status != MembershipStatus.SELECTED:
        raise CohortError("not_selected")
    _move(membership, MembershipStatus.CANDIDATE, "cohort.team_deselect", actor=actor)


def invite(cohort: Cohort, ids: list[int], *, actor: User) -> int:
    """Ask the selected teams: each leader gets an email with the link to answer.
    Returns the number of invitations sent."""
    lock_cohort(cohort)
    memberships = _memberships(cohort, ids)
    if any(m.status != MembershipStatus.SELECTED for m in memberships):
        raise CohortError("not_selected")
    now = utcnow()
    for membership in memberships:
        membership.invited_at = now
        _move(membership, MembershipStatus.INVITED, "cohort.team_invite", actor=actor)
        _send_invitation(cohort, membership)
    return len(memberships)


def _send_invitation(cohort: Cohort, membership: CohortTeam) -> None:
    leader = membership.team.leader
    queue_mail(
        leader.email,
        _invitation_subject(cohort),
        "accelerator/selection/mail/invitation",
        locale=leader.locale,
        user_id=leader.id,
        cohort=cohort,
        team=membership.team,
        leader=leader,
        link=external_url("accelerator.invitation", membership_id=membership.id),
    )


def _invitation_subject(cohort: Cohort) -> str:
    return _l("Your team is invited to join %(cohort)s", cohort=cohort.name)


def withdraw(cohort: Cohort, membership_id: int, reason: str, *, actor: User) -> None:
    """Take a team off the cohort (it left, or the organizers decided so); its place is freed."""
    lock_cohort(cohort)
    [membership] = _memberships(cohort, [membership_id])
    if membership.status not in WITHDRAWABLE:
        raise CohortError("not_withdrawable")
    reason = " ".join((reason or "").split())
    if len(reason) > MAX_REASON_LENGTH:
        raise CohortError("reason_too_long")
    _move(membership, MembershipStatus.WITHDRAWN, "cohort.team_withdraw", actor=actor, why=reason)


def respond(membership: CohortTeam, *, accept: bool, note: str, by: User) -> None:
    """The team leader's answer to the invitation, once.

    A conditional UPDATE on the status just read: of two answers posted at once (two tabs, a
    double click) only the first changes the row; the second is told it was answered."""
    note = (note or "").strip()
    if not membership.team.is_leader(by):
        raise CohortError("not_leader")
    if membership.status in (MembershipStatus.ACCEPTED, MembershipStatus.DECLINED):
        raise CohortError("already_answered")
    if membership.status != MembershipStatus.INVITED:
        raise CohortError("not_invited")
    if len(note) > MAX_NOTE_LENGTH:
        raise CohortError("note_too_long")
    target = MembershipStatus.ACCEPTED if accept else MembershipStatus.DECLINED
    old = _snapshot(membership)
    now = utcnow()
    moved = db.session.execute(
        update(CohortTeam)
        .where(CohortTeam.id == membership.id, CohortTeam.status == MembershipStatus.INVITED)
        .values(status=target, responded_at=now, response_note=note)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        raise CohortError("already_answered")
    db.session.refresh(membership)
    audit.record(
        "cohort.team_accept" if accept else "cohort.team_decline",
        membership,
        old=old,
        new={**_snapshot(membership), "note": note},
        actor=by,
    )
