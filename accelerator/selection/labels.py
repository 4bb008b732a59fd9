"""How the statuses and sources of a cohort's teams read on screen."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from accelerator.models import CandidateSource, MembershipStatus

STATUS_LABELS = {
    MembershipStatus.CANDIDATE: _l("Candidate"),
    MembershipStatus.SELECTED: _l("Selected"),
    MembershipStatus.INVITED: _l("Invited"),
    MembershipStatus.ACCEPTED: _l("Accepted"),
    MembershipStatus.DECLINED: _l("Declined"),
    MembershipStatus.WITHDRAWN: _l("Withdrawn"),
}

# Bootstrap badge classes, so a status looks the same on every page.
STATUS_BADGES = {
    MembershipStatus.CANDIDATE: "text-bg-light border",
    MembershipStatus.SELECTED: "text-bg-info",
    MembershipStatus.INVITED: "text-bg-warning",
    MembershipStatus.ACCEPTED: "text-bg-success",
    MembershipStatus.DECLINED: "text-bg-secondary",
    MembershipStatus.WITHDRAWN: "text-bg-secondary",
}

SOURCE_LABELS = {
    CandidateSource.AWARD: _l("Award"),
    CandidateSource.RANK: _l("Rank"),
    CandidateSource.MANUAL: _l("Added by hand"),
}


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def status_badge(status: str) -> str:
    return STATUS_BADGES.get(status, "text-bg-light")


def source_label(source: str) -> str:
    return str(SOURCE_LABELS.get(source, source))
