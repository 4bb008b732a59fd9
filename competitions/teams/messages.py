"""What each refusal of the team rules says to the person (reason code → message)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from competitions.teams.services import MAX_AGE, MAX_TEAM_SIZE, MIN_AGE

MESSAGES = {
    "unit_not_organisation": _l("Choose a school or an organisation from the list."),
    "full_name_required": _l("Enter the full name."),
    "birth_date_future": _l("The date of birth cannot be in the future."),
    "birth_date_age": _l(
        "Check the date of birth: the age must be between %(min)d and %(max)d.",
        min=MIN_AGE,
        max=MAX_AGE,
    ),
    "bad_role": _l("Choose whether you invite a member or the advisor."),
    "already_member": _l("This person is already a member of the team."),
    "already_advisor": _l("This person is already the advisor of the team."),
    "already_invited": _l(
        "This email address already has a pending invitation to the team. "
        "You can send it again from the team page."
    ),
    "has_advisor": _l("The team already has an advisor. Remove the current advisor first."),
    "advisor_invited": _l(
        "An invitation to be the advisor is already pending. Cancel it first to invite someone "
        "else."
    ),
    "team_full": _l(
        "A team can have at most %(max)d members, pending invitations included.",
        max=MAX_TEAM_SIZE,
    ),
    "not_pending": _l("This invitation has already been answered or cancelled."),
    "invalid": _l("This invitation link is not valid. Check that you copied all of it."),
    "accepted": _l("This invitation has already been accepted."),
    "declined": _l("This invitation was declined."),
    "cancelled": _l(
        "This invitation was cancelled or replaced by a newer one. Use the link in the latest "
        "email, or ask the team leader to send a new one."
    ),
    "expired": _l("This invitation has expired. Ask the team leader to send a new one."),
    "wrong_account": _l(
        "This invitation was sent to another email address. Sign out, then sign in with the "
        "address the invitation was sent to."
    ),
    "sign_in": _l("Sign in with the invited email address to accept the invitation."),
    "not_a_member": _l("This person is not a member of the team."),
    "already_leader": _l("This member already leads the team."),
    "cannot_remove_leader": _l(
        "The leader cannot be removed. The leader hands over the leadership first."
    ),
    "leader_must_transfer": _l(
        "You lead this team: hand over the leadership to another member before you leave."
    ),
    "no_advisor": _l("The team has no advisor."),
}
