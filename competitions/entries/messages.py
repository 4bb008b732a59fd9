"""How entry states and refusals read on screen, in the reader's language."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from app.localtime import format_date, format_datetime
from competitions.entries.services import EntryError
from competitions.models import EntryStatus

STATUS_LABELS = {
    EntryStatus.DRAFT: _l("Draft"),
    EntryStatus.SUBMITTED: _l("Submitted"),
    EntryStatus.WITHDRAWN: _l("Withdrawn"),
    EntryStatus.ACCEPTED: _l("Accepted after screening"),
    EntryStatus.REJECTED: _l("Not accepted after screening"),
}

STATUS_BADGES = {
    EntryStatus.DRAFT: "text-bg-secondary",
    EntryStatus.SUBMITTED: "text-bg-primary",
    EntryStatus.WITHDRAWN: "text-bg-light border",
    EntryStatus.ACCEPTED: "text-bg-success",
    EntryStatus.REJECTED: "text-bg-danger",
}

FIELD_LABELS = {
    "title": _l("Project title"),
    "summary": _l("Summary"),
    "problem": _l("Problem"),
    "solution": _l("Solution"),
    "deck": _l("Pitch deck (PDF)"),
}


def entry_status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def entry_status_badge(status: str) -> str:
    return STATUS_BADGES.get(status, "text-bg-secondary")


def deadline_text(deadline: datetime | None) -> str:
    return format_datetime(deadline) if deadline else "—"


def time_left(deadline: datetime | None, now: datetime) -> str | None:
    """ "còn 3 ngày 4 giờ": what is left before `deadline`, computed on the server in whole
    units (None once it has passed)."""
    if deadline is None or deadline <= now:
        return None
    seconds = int((deadline - now).total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = []
    if days:
        parts.append(ngettext("%(num)d day", "%(num)d days", days))
    if hours:
        parts.append(ngettext("%(num)d hour", "%(num)d hours", hours))
    if not days and minutes:
        parts.append(ngettext("%(num)d minute", "%(num)d minutes", minutes))
    if not parts:
        return _("less than a minute left")
    return _("%(duration)s left", duration=" ".join(parts))


def error_message(error: EntryError) -> str:
    """The sentence a refusal shows the person who asked."""
    details = error.details
    reason = error.reason
    if reason == "file_refused":
        return details["message"]
    if reason == "late":
        return _(
            "Too late: the submission window closed on %(deadline)s (Vietnam time). "
            "Nothing was changed.",
            deadline=deadline_text(details.get("deadline")),
        )
    if reason == "not_yet":
        return _(
            "Submissions open on %(opens)s (Vietnam time). Your draft is kept; "
            "submit it once the window is open.",
            opens=deadline_text(details.get("opens")),
        )
    if reason == "incomplete":
        return _(
            "Before submitting, fill in: %(fields)s.",
            fields=", ".join(str(FIELD_LABELS[name]) for name in details["missing"]),
        )
    if reason == "team_size":
        return _(
            "This track takes teams of %(min)s to %(max)s members; your team has %(count)s.",
            min=details["min"],
            max=details["max"],
            count=details["count"],
        )
    if reason == "birth_dates":
        return _(
            "This track has an age limit: these members must first fill in their date of "
            "birth on the team page: %(names)s.",
            names=", ".join(details["names"]),
        )
    if reason == "age":
        return _(
            "These members are outside the track's age limit (%(range)s on %(day)s): %(names)s.",
            range=_age_range(details.get("min"), details.get("max")),
            day=format_date(details["day"]),
            names=", ".join(details["names"]),
        )
    if reason == "too_many_images":
        return ngettext(
            "An entry has at most %(num)d image.",
            "An entry has at most %(num)d images.",
            details["limit"],
        )
    if reason == "team_has_entry":
        return _(
            "This team already has an entry in this competition. Withdraw it first to start "
            "another."
        )
    return str(SIMPLE_MESSAGES.get(reason, SIMPLE_MESSAGES["not_editable"]))


def _age_range(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return _("%(low)s to %(high)s years old", low=low, high=high)
    if low is not None:
        return _("at least %(low)s years old", low=low)
    return _("at most %(high)s years old", high=high)


SIMPLE_MESSAGES = {
    "stale": _l(
        "Nothing was saved: this entry was changed in another tab or window, or has just "
        "been submitted. Here is its current state; make your changes again if needed."
    ),
    "not_editable": _l("This entry can no longer be changed."),
    "not_withdrawable": _l("This entry cannot be withdrawn."),
    "competition_closed": _l("This competition does not take entries now."),
    "no_window": _l("The organizers have not set the submission dates yet."),
    "unchanged": _l(
        "Nothing has changed since your last submitted version, so no new version was made."
    ),
    "bad_track": _l("Choose one of this competition's tracks."),
    "not_member": _l("Only a member of the team can do this."),
    "bad_video_url": _l("Enter a web link starting with http:// or https://."),
}
