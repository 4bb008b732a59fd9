"""Eligibility review: organizers accept or reject submitted entries, one by one or in
bulk, and every member of the team is told by email in their own language.

Each function changes the session and flushes nothing behind the caller's back; the
request commits once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import audit
from app.db import db, utcnow
from app.links import external_url
from app.mail.outbox import queue_mail
from app.people.models import User
from app.storage import StoredFile
from competitions.models import (
    Competition,
    Entry,
    EntryStatus,
    Sector,
    Team,
    TeamMember,
)

MIN_REASON_LENGTH = 10
# Only entries a team has submitted are the organizers' to judge eligible; a draft is
# still the team's, a withdrawn entry is out of the competition.
REVIEWABLE = (EntryStatus.SUBMITTED, EntryStatus.ACCEPTED, EntryStatus.REJECTED)
DECIDED = (EntryStatus.ACCEPTED, EntryStatus.REJECTED)
MAX_BULK = 500


class ReviewError(Exception):
    """A review the rules refuse: `reason` is not_reviewable, unchanged or reason_required."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def review_entry(entry: Entry, decision: str, reason: str | None, *, by: User) -> None:
    """Accept or reject `entry`, or change an earlier decision.

    A rejection, and any change of a decision, needs a reason the team can read; an
    acceptance may carry a note. The old and new status are audited and every member of
    the team gets an email."""
    if decision not in DECIDED:
        raise ValueError(decision)
    if entry.status not in REVIEWABLE:
        raise ReviewError("not_reviewable")
    if entry.status == decision:
        raise ReviewError("unchanged")
    reason = (reason or "").strip()
    changing = entry.status in DECIDED
    if (decision == EntryStatus.REJECTED or changing) and len(reason) < MIN_REASON_LENGTH:
        raise ReviewError("reason_required")
    old = {"status": entry.status, "reason": entry.review_reason}
    entry.status = decision
    entry.review_reason = reason or None
    entry.reviewed_by_id = by.id
    entry.reviewed_at = utcnow()
    audit.record(
        "entry.review",
        entry,
        old=old,
        new={"status": entry.status, "reason": entry.review_reason},
        actor=by,
    )
    notify_team(entry, changed=changing)


def notify_team(entry: Entry, *, changed: bool) -> None:
    """One email per member, in the member's language."""
    link = external_url("main.dashboard")
    for member in entry.team.members:
        person = member.user
        queue_mail(
            person.email,
            _l("Eligibility decision on your entry “%(title)s”", title=entry.title),
            "competitions/mail/review_decision",
            locale=person.locale,
            user_id=person.id,
            member=member,
            entry=entry,
            competition=entry.competition,
            accepted=entry.status == EntryStatus.ACCEPTED,
            changed=changed,
            reason=entry.review_reason,
            link=link,
        )


@dataclass
class BulkResult:
    """What a bulk review did: entries decided, and the ones left as they were."""

    done: int = 0
    not_reviewable: int = 0  # drafts and withdrawn entries
    unchanged: int = 0  # already had this decision
    reason_required: int = 0  # a decision changed without a reason long enough
    reviewed_ids: list[int] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return self.not_reviewable + self.unchanged + self.reason_required


def bulk_review(
    competition: Competition,
    entry_ids: Iterable[int],
    decision: str,
    reason: str | None,
    *,
    by: User,
) -> BulkResult:
    """Review the chosen entries of `competition` with one decision and reason.

    Ids of entries in another competition are ignored: a tampered form cannot reach
    them. Entries the rules refuse are skipped and counted."""
    ids = sorted({int(i) for i in entry_ids})[:MAX_BULK]
    entries = db.session.scalars(
        select(Entry)
        .where(Entry.competition_id == competition.id, Entry.id.in_(ids))
        .options(selectinload(Entry.team).selectinload(Team.members).joinedload(TeamMember.user))
        .order_by(Entry.id)
    ).all()
    result = BulkResult()
    for entry in entries:
        try:
            review_entry(entry, decision, reason, by=by)
        except ReviewError as error:
            setattr(result, error.reason, getattr(result, error.reason) + 1)
        else:
            result.done += 1
            result.reviewed_ids.append(entry.id)
    return result


@dataclass
class SubmittedContent:
    """What the team submitted last (the standing version), as the organizers read it."""

    fields: dict[str, Any]
    sectors: list[Sector]
    deck: StoredFile | None
    images: list[StoredFile]
    from_version: bool


def submitted_content(entry: Entry) -> SubmittedContent:
    """The latest submitted version's content, not the team's edits since: those stay
    the team's until they submit again. An entry without versions (entered before
    versions existed) shows its own fields."""
    version = entry.latest_version
    if version is None:
        return SubmittedContent(
            fields=entry.content(),
            sectors=list(entry.sectors),
            deck=entry.deck,
            images=[image.file for image in entry.images],
            from_version=False,
        )
    content = dict(version.content or {})
    codes = content.get("sectors") or []
    sectors = (
        list(db.session.scalars(select(Sector).where(Sector.code.in_(codes)).order_by(Sector.code)))
        if codes
        else []
    )
    image_ids = [int(i) for i in version.image_file_ids or []]
    images_by_id = (
        {
            f.id: f
            for f in db.session.scalars(select(StoredFile).where(StoredFile.id.in_(image_ids)))
        }
        if image_ids
        else {}
    )
    return SubmittedContent(
        fields=content,
        sectors=sectors,
        deck=version.deck,
        images=[images_by_id[i] for i in image_ids if i in images_by_id],
        from_version=True,
    )
