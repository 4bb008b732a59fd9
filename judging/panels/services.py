"""A round's judge panel: organizers invite experts (existing accounts, or new people who get
an account and a single-use activation link), set each judge's scope (the whole round, one
pool or one track), cap and expertise, and take judges off the panel.

Each function refuses with JudgingError before it changes anything, changes the session and
flushes; the request commits once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app import audit
from app.auth.models import TokenPurpose
from app.auth.services import find_user
from app.auth.tokens import issue_token
from app.db import db, utcnow
from app.links import external_url
from app.mail.outbox import queue_mail
from app.people.models import ExpertiseTag, Role, User
from app.people.services import grant_role
from competitions.models import Round
from judging.common import JudgingError, refuse_if
from judging.models import (
    JudgeAssignment,
    PanelMember,
    PanelStatus,
    RoundEntry,
    ScoreSheet,
)
from judging.panels.detection import detect_conflicts
from judging.panels.exclusion import drop_assignments

MAX_CAP = 10_000


@dataclass(frozen=True)
class Scope:
    """Where a judge judges: the whole round (both None), one pool or one track."""

    pool_id: int | None = None
    track_id: int | None = None

    @classmethod
    def of(cls, member: PanelMember) -> Scope:
        return cls(pool_id=member.pool_id, track_id=member.track_id)


@dataclass
class Invitation:
    """What an invitation did: judges added (or back on the panel), people already on it,
    and whether an account was made for a new person."""

    added: list[PanelMember] = field(default_factory=list)
    already: list[User] = field(default_factory=list)
    created_account: User | None = None
    found_account: User | None = None  # "a new person" whose email already had an account


# --- checks ---------------------------------------------------------------------------------


def _scope_problems(round_: Round, scope: Scope, cap: int | None) -> list[str]:
    problems = []
    pools = {p.id for p in round_.pools}
    tracks = {t.id for t in round_.competition.tracks}
    if not (
        (scope.pool_id is None or scope.track_id is None)
        and (scope.pool_id is None or scope.pool_id in pools)
        and (scope.track_id is None or scope.track_id in tracks)
    ):
        problems.append("bad_scope")
    if cap is not None and not 0 <= cap <= MAX_CAP:
        problems.append("bad_cap")
    return problems


def _set_expertise(user: User, tags: Iterable[ExpertiseTag], *, by: User, replace: bool) -> None:
    old = sorted(t.code for t in user.expertise)
    wanted = list(tags) if replace else [*user.expertise, *tags]
    unique = {t.id: t for t in wanted}
    new = sorted(t.code for t in unique.values())
    if new != old:
        user.expertise = sorted(unique.values(), key=lambda t: t.code)
        audit.record("user.expertise", user, old={"tags": old}, new={"tags": new}, actor=by)


def _member_snapshot(member: PanelMember) -> dict:
    return {
        "user_id": member.user_id,
        "status": member.status,
        "pool_id": member.pool_id,
        "track_id": member.track_id,
        "cap": member.cap,
    }


# --- inviting -------------------------------------------------------------------------------


def _join_panel(
    round_: Round, user: User, scope: Scope, cap: int | None, *, by: User
) -> PanelMember | None:
    """Put the person on the panel; None when they already are on it (nothing changes).
    Someone taken off earlier comes back with the new scope and declares again."""
    member = db.session.scalar(
        select(PanelMember).where(PanelMember.round_id == round_.id, PanelMember.user_id == user.id)
    )
    if member is not None and member.status == PanelStatus.ACTIVE:
        return None
    old = _member_snapshot(member) if member is not None else None
    if member is None:
        member = PanelMember(round_id=round_.id, user_id=user.id)
        try:
            # A double-clicked invitation: the second insert meets the unique key.
            with db.session.begin_nested():
                db.session.add(member)
                db.session.flush()
        except IntegrityError:
            return None
    member.status = PanelStatus.ACTIVE
    member.pool_id, member.track_id, member.cap = scope.pool_id, scope.track_id, cap
    member.invited_at = utcnow()
    member.invited_by_id = by.id
    member.conflicts_declared_at = None
    db.session.flush()
    audit.record("judging.panel_invite", member, old=old, new=_member_snapshot(member), actor=by)
    return member


def _notify(round_: Round, member: PanelMember, *, activation: str | None) -> None:
    """Tell the judge in their language; a new account's mail carries the activation link."""
    user = member.user
    ttl = current_app.config["ACTIVATION_TOKEN_TTL"]
    queue_mail(
        user.email,
        _l(
            "You are invited to judge “%(round)s” of %(competition)s",
            round=round_.name,
            competition=round_.competition.title,
        ),
        "judging/panels/mail/invitation",
        locale=user.locale,
        user_id=user.id,
        user=user,
        round=round_,
        competition=round_.competition,
        member=member,
        declare_link=external_url("judging.declare", round_id=round_.id),
        activation_link=(external_url("auth.activate", token=activation) if activation else None),
        activation_expires=utcnow() + ttl,
    )


def invite_existing(
    round_: Round,
    users: Iterable[User],
    *,
    scope: Scope,
    cap: int | None,
    tags: Iterable[ExpertiseTag] = (),
    by: User,
) -> Invitation:
    """Invite existing accounts: the judge role is granted when missing, the chosen tags
    are added to their expertise, likely conflicts are detected and each gets an email
    with the link to declare their conflicts. People already on the panel are reported,
    nothing is doubled."""
    refuse_if(_scope_problems(round_, scope, cap))
    people = {u.id: u for u in users}
    if any(not u.is_active for u in people.values()):
        raise JudgingError("disabled")
    tags = list(tags)
    result = Invitation()
    for user in sorted(people.values(), key=lambda u: (u.name_sort, u.id)):
        member = _join_panel(round_, user, scope, cap, by=by)
        if member is None:
            result.already.append(user)
            continue
        grant_role(user, Role.JUDGE, actor=by)
        _set_expertise(user, tags, by=by, replace=False)
        result.added.append(member)
    if result.added:
        detect_conflicts(round_, user_ids=[m.user_id for m in result.added], by=by)
        for member in result.added:
            _notify(round_, member, activation=None)
    return result


def invite_new(
    round_: Round,
    *,
    full_name: str,
    email: str,
    scope: Scope,
    cap: int | None,
    tags: Iterable[ExpertiseTag] = (),
    by: User,
) -> Invitation:
    """Invite a person by email. A known email invites that account (reported in
    `found_account`); otherwise an account is made without a password, with the judge
    role, and its owner gets one email: the invitation with a single-use, expiring
    activation link."""
    refuse_if(_scope_problems(round_, scope, cap))
    full_name = " ".join((full_name or "").split())
    refuse_if([] if len(full_name) >= 2 else ["name_required"])
    existing = find_user(email)
    if existing is not None:
        result = invite_existing(round_, [existing], scope=scope, cap=cap, tags=tags, by=by)
        result.found_account = existing
        return result
    user = User(full_name=full_name, email=email)
    db.session.add(user)
    db.session.flush()
    grant_role(user, Role.JUDGE, actor=by)
    audit.record("user.create", user, new={"email": user.email, "roles": [Role.JUDGE]}, actor=by)
    _set_expertise(user, tags, by=by, replace=False)
    member = _join_panel(round_, user, scope, cap, by=by)
    detect_conflicts(round_, user_ids=[user.id], by=by)
    _notify(round_, member, activation=issue_token(user, TokenPurpose.ACTIVATE))
    return Invitation(added=[member], created_account=user)


# --- changing and removing -----------------------------------------------------------------


def _assignments_in_round(member: PanelMember) -> list[JudgeAssignment]:
    return list(
        db.session.scalars(
            select(JudgeAssignment)
            .join(RoundEntry, RoundEntry.id == JudgeAssignment.round_entry_id)
            .where(
                RoundEntry.round_id == member.round_id, JudgeAssignment.user_id == member.user_id
            )
            .options(joinedload(JudgeAssignment.round_entry).joinedload(RoundEntry.entry))
        )
    )


def _sheet_round_entries(member: PanelMember) -> list[RoundEntry]:
    """The round's entries this judge has a score sheet for."""
    return list(
        db.session.scalars(
            select(RoundEntry)
            .join(ScoreSheet, ScoreSheet.round_entry_id == RoundEntry.id)
            .where(RoundEntry.round_id == member.round_id, ScoreSheet.user_id == member.user_id)
            .options(joinedload(RoundEntry.entry))
        )
    )


def _covers(scope: Scope, round_entry: RoundEntry) -> bool:
    if scope.pool_id is not None and round_entry.pool_id != scope.pool_id:
        return False
    return scope.track_id is None or round_entry.entry.track_id == scope.track_id


def update_member(
    member: PanelMember,
    *,
    scope: Scope,
    cap: int | None,
    tags: Iterable[ExpertiseTag],
    by: User,
) -> int:
    """Change a judge's scope, cap and expertise (the tags replace the judge's own).

    A new scope drops the judge's assignments outside it and asks the judge to declare
    conflicts again (the new entries were never shown to them); refused while the judge has
    a score sheet outside the new scope (sheets_outside_scope). Returns the number of
    assignments dropped."""
    if member.status != PanelStatus.ACTIVE:
        raise JudgingError("not_active")
    refuse_if(_scope_problems(member.round, scope, cap))
    scope_changed = scope != Scope.of(member)
    outside: list[JudgeAssignment] = []
    if scope_changed:
        if any(not _covers(scope, re) for re in _sheet_round_entries(member)):
            raise JudgingError("sheets_outside_scope")
        outside = [a for a in _assignments_in_round(member) if not _covers(scope, a.round_entry)]
    old = _member_snapshot(member)
    member.pool_id, member.track_id, member.cap = scope.pool_id, scope.track_id, cap
    if scope_changed:
        member.conflicts_declared_at = None
    dropped = drop_assignments(outside, "scope", by=by)
    _set_expertise(member.user, tags, by=by, replace=True)
    new = _member_snapshot(member)
    if new != old:
        db.session.flush()
        audit.record("judging.panel_update", member, old=old, new=new, actor=by)
    if scope_changed:
        detect_conflicts(member.round, user_ids=[member.user_id], by=by)
    return dropped


def remove_member(member: PanelMember, *, by: User) -> int:
    """Take a judge off the panel with their assignments in the round (proposed and
    published). Refused when the judge has any score sheet in the round (has_sheets): the
    scores would lose their judge. Returns the number of assignments dropped."""
    if member.status != PanelStatus.ACTIVE:
        raise JudgingError("not_active")
    if _sheet_round_entries(member):
        raise JudgingError("has_sheets")
    old = _member_snapshot(member)
    dropped = drop_assignments(_assignments_in_round(member), "removed", by=by)
    member.status = PanelStatus.REMOVED
    db.session.flush()
    audit.record(
        "judging.panel_remove",
        member,
        old=old,
        new={**_member_snapshot(member), "assignments_dropped": dropped},
        actor=by,
    )
    return dropped
