"""Invitations by email: a single-use link, valid 7 days, of which only a digest is
stored (like the account links of app.auth.tokens). The leader invites a member or the
advisor, may send the link again (the old one dies) or cancel it; the invitee accepts,
signed in with the invited address, or declines.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app import audit
from app.auth.models import token_digest
from app.db import db, utcnow
from app.links import external_url
from app.mail.outbox import queue_mail
from app.people.models import User, normalise_email
from competitions.models import InvitationRole, Team, TeamInvitation, TeamMember
from competitions.teams.services import MAX_TEAM_SIZE, TeamError, lock_team, team_size

INVITATION_TTL = timedelta(days=7)


def _pending_clause() -> list:
    return [TeamInvitation.response.is_(None), TeamInvitation.expires_at > utcnow()]


def _member_with_email(team: Team, email: str) -> bool:
    return (
        db.session.scalar(
            select(TeamMember.id)
            .join(User, User.id == TeamMember.user_id)
            .where(TeamMember.team_id == team.id, User.email == email)
        )
        is not None
    )


def _new_invitation(team: Team, email: str, role: str, actor: User) -> tuple[TeamInvitation, str]:
    token = secrets.token_urlsafe(32)
    ttl = current_app.config.get("TEAM_INVITATION_TTL", INVITATION_TTL)
    invitation = TeamInvitation(
        team=team,
        email=email,
        role=role,
        token_hash=token_digest(token),
        invited_by=actor,
        expires_at=utcnow() + ttl,
    )
    db.session.add(invitation)
    db.session.flush()
    _send_invitation(invitation, token)
    return invitation, token


def _send_invitation(invitation: TeamInvitation, token: str) -> None:
    """In the invitee's language when they have an account, Vietnamese otherwise."""
    recipient = db.session.scalar(select(User).where(User.email == invitation.email))
    subject = (
        _l("Invitation to be the advisor of the team %(team)s", team=invitation.team.name)
        if invitation.role == InvitationRole.ADVISOR
        else _l("Invitation to join the team %(team)s", team=invitation.team.name)
    )
    queue_mail(
        invitation.email,
        subject,
        "competitions/mail/team_invitation",
        locale=recipient.locale if recipient else "vi",
        user_id=recipient.id if recipient else None,
        invitation=invitation,
        team=invitation.team,
        link=external_url("competitions.team_invitation", token=token),
    )


def _check_can_invite(
    team: Team, email: str, role: str, *, replacing: TeamInvitation | None
) -> None:
    if role not in (InvitationRole.MEMBER, InvitationRole.ADVISOR):
        raise TeamError("bad_role")
    if _member_with_email(team, email):
        raise TeamError("already_member")
    if team.advisor is not None and team.advisor.email == email:
        raise TeamError("already_advisor")
    pending = select(TeamInvitation).where(TeamInvitation.team_id == team.id, *_pending_clause())
    if replacing is not None:
        pending = pending.where(TeamInvitation.id != replacing.id)
    others = list(db.session.scalars(pending))
    if any(other.email == email for other in others):
        raise TeamError("already_invited")
    if role == InvitationRole.ADVISOR:
        if team.advisor_id is not None:
            raise TeamError("has_advisor")
        if any(other.role == InvitationRole.ADVISOR for other in others):
            raise TeamError("advisor_invited")
    else:
        pending_members = sum(1 for other in others if other.role == InvitationRole.MEMBER)
        if team_size(team) + pending_members + 1 > MAX_TEAM_SIZE:
            raise TeamError("team_full")


def invite(team: Team, email: str, role: str, *, actor: User) -> TeamInvitation:
    """Email a single-use link (valid 7 days) inviting `email` to join as a member or
    as the advisor. Only the link's digest is stored."""
    lock_team(team)
    email = normalise_email(email)
    _check_can_invite(team, email, role, replacing=None)
    invitation, _token = _new_invitation(team, email, role, actor)
    audit.record(
        "team.invite",
        team,
        new={"invitation_id": invitation.id, "email": email, "role": role},
        actor=actor,
    )
    return invitation


def _close(invitation: TeamInvitation, response: str) -> None:
    """Mark an unanswered invitation; the update only succeeds once, so two parallel
    requests with the same link cannot both go through."""
    result = db.session.execute(
        update(TeamInvitation)
        .where(TeamInvitation.id == invitation.id, TeamInvitation.response.is_(None))
        .values(response=response, responded_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.expire(invitation)
    if result.rowcount != 1:
        raise TeamError("not_pending")


def resend_invitation(invitation: TeamInvitation, *, actor: User) -> TeamInvitation:
    """A new link for the same person (also after the first one expired); the old link
    stops working."""
    team = invitation.team
    lock_team(team)
    db.session.refresh(invitation)
    if invitation.response is not None:
        raise TeamError("not_pending")
    _check_can_invite(team, invitation.email, invitation.role, replacing=invitation)
    _close(invitation, "cancelled")
    fresh, _token = _new_invitation(team, invitation.email, invitation.role, actor)
    audit.record(
        "team.invitation_resend",
        team,
        old={"invitation_id": invitation.id},
        new={"invitation_id": fresh.id, "email": fresh.email, "role": fresh.role},
        actor=actor,
    )
    return fresh


def cancel_invitation(invitation: TeamInvitation, *, actor: User) -> None:
    _close(invitation, "cancelled")
    audit.record(
        "team.invitation_cancel",
        invitation.team,
        old={"invitation_id": invitation.id, "email": invitation.email},
        actor=actor,
    )


def peek_invitation(token: str) -> TeamInvitation:
    """The invitation behind a link, if it can still be answered; nothing is changed.
    Reasons: invalid, accepted, declined, cancelled, expired."""
    invitation = db.session.scalar(
        select(TeamInvitation).where(TeamInvitation.token_hash == token_digest(token))
    )
    if invitation is None:
        raise TeamError("invalid")
    if invitation.response is not None:
        raise TeamError(invitation.response)
    if invitation.expires_at <= utcnow():
        raise TeamError("expired")
    return invitation


def _check_can_accept(invitation: TeamInvitation, user: User) -> None:
    team = invitation.team
    if normalise_email(user.email) != invitation.email:
        raise TeamError("wrong_account")
    if team.member_for(user) is not None:
        raise TeamError("already_member")
    if team.advisor_id == user.id:
        raise TeamError("already_advisor")
    if invitation.role == InvitationRole.ADVISOR:
        if team.advisor_id is not None:
            raise TeamError("has_advisor")
    elif team_size(team) >= MAX_TEAM_SIZE:
        raise TeamError("team_full")


def acceptance_problem(invitation: TeamInvitation, user: User) -> str | None:
    """Why `user` cannot accept the invitation now (a reason code), or None."""
    try:
        _check_can_accept(invitation, user)
    except TeamError as error:
        return error.reason
    return None


def respond_to_invitation(token: str, user: User | None, *, accept: bool) -> TeamInvitation:
    """Accept (signed in with the invited address) or decline (whoever holds the link:
    the invitee need not have an account to say no)."""
    invitation = peek_invitation(token)
    team = invitation.team
    lock_team(team)
    if accept:
        if user is None:
            raise TeamError("sign_in")
        _check_can_accept(invitation, user)
    try:
        _close(invitation, "accepted" if accept else "declined")
    except TeamError:
        peek_invitation(token)  # raises the reason another request got there first with
        raise
    if accept and invitation.role == InvitationRole.ADVISOR:
        team.advisor = user
    elif accept:
        team.members.append(TeamMember(user=user, full_name=user.full_name, phone=user.phone))
    db.session.flush()
    audit.record(
        "team.invitation_accept" if accept else "team.invitation_decline",
        team,
        new={"invitation_id": invitation.id, "email": invitation.email, "role": invitation.role},
        actor=user,
    )
    return invitation
