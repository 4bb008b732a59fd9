"""How formats, sides and statuses of mentoring sessions read on screen."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from accelerator.models import LoggedBy, SessionFormat, SessionStatus

FORMAT_LABELS = {
    SessionFormat.IN_PERSON: _l("In person"),
    SessionFormat.ONLINE: _l("Online"),
}

SIDE_LABELS = {
    LoggedBy.MENTOR: _l("the mentor"),
    LoggedBy.TEAM: _l("the team"),
}

STATUS_LABELS = {
    SessionStatus.PENDING: _l("Waiting for confirmation"),
    SessionStatus.CONFIRMED: _l("Confirmed"),
    SessionStatus.DISPUTED: _l("Disputed"),
}

STATUS_BADGES = {
    SessionStatus.PENDING: "text-bg-warning",
    SessionStatus.CONFIRMED: "text-bg-success",
    SessionStatus.DISPUTED: "text-bg-danger",
}


def format_label(value: str) -> str:
    return str(FORMAT_LABELS.get(value, value))


def side_label(value: str) -> str:
    return str(SIDE_LABELS.get(value, value))


def status_label(value: str) -> str:
    return str(STATUS_LABELS.get(value, value))


def status_badge(value: str) -> str:
    return STATUS_BADGES.get(value, "text-bg-light")
