"""How the states and kinds of a call read on screen (other topics may show them too)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from competitions.models import Audience, CompetitionStatus, PoolMode

STATUS_LABELS = {
    CompetitionStatus.DRAFT: _l("Draft"),
    CompetitionStatus.OPEN: _l("Open for entries"),
    CompetitionStatus.JUDGING: _l("Judging"),
    CompetitionStatus.PUBLISHED: _l("Results published"),
    CompetitionStatus.ARCHIVED: _l("Archived"),
}

# Bootstrap badge classes, so a state looks the same on every page.
STATUS_BADGES = {
    CompetitionStatus.DRAFT: "text-bg-secondary",
    CompetitionStatus.OPEN: "text-bg-success",
    CompetitionStatus.JUDGING: "text-bg-warning",
    CompetitionStatus.PUBLISHED: "text-bg-primary",
    CompetitionStatus.ARCHIVED: "text-bg-light border",
}

# What the button that moves a competition into each state says.
STATUS_ACTIONS = {
    CompetitionStatus.DRAFT: _l("Back to draft"),
    CompetitionStatus.OPEN: _l("Open the call"),
    CompetitionStatus.JUDGING: _l("Close entries and start judging"),
    CompetitionStatus.PUBLISHED: _l("Publish the results"),
    CompetitionStatus.ARCHIVED: _l("Archive"),
}

AUDIENCE_LABELS = {
    Audience.HIGH_SCHOOL: _l("High-school students"),
    Audience.UNIVERSITY: _l("University and college students"),
    Audience.YOUTH: _l("Young people"),
    Audience.WOMEN: _l("Women"),
    Audience.FARMERS: _l("Farmers"),
    Audience.OPEN: _l("Open to everyone"),
}

POOL_MODE_LABELS = {
    PoolMode.SINGLE: _l("One pool for all entries"),
    PoolMode.BY_UNIT: _l("One pool per unit"),
    PoolMode.BY_TRACK: _l("One pool per track"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def audience_label(audience: str) -> str:
    return str(AUDIENCE_LABELS.get(audience, audience))


def pool_mode_label(mode: str) -> str:
    return str(POOL_MODE_LABELS.get(mode, mode))
