"""How the kinds, levels and states of an event read on screen."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from competitions.events.models import EventKind, EventLevel, EventStatus

KIND_LABELS = {
    EventKind.FESTIVAL: _l("Startup festival"),
    EventKind.FORUM: _l("Specialised forum"),
    EventKind.WORKSHOP: _l("Workshop"),
    EventKind.TRAINING: _l("Training"),
}

LEVEL_LABELS = {
    EventLevel.LOCAL: _l("Local"),
    EventLevel.CLUSTER: _l("Cluster"),
    EventLevel.PROVINCE: _l("Province"),
}

STATUS_LABELS = {
    EventStatus.DRAFT: _l("Draft"),
    EventStatus.PUBLISHED: _l("Published"),
    EventStatus.CANCELLED: _l("Cancelled"),
}

# Bootstrap badge classes, so a state looks the same on every page.
STATUS_BADGES = {
    EventStatus.DRAFT: "text-bg-secondary",
    EventStatus.PUBLISHED: "text-bg-success",
    EventStatus.CANCELLED: "text-bg-danger",
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def level_label(level: str) -> str:
    return str(LEVEL_LABELS.get(level, level))


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))
