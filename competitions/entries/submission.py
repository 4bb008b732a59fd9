"""Submitting an entry: the checks, the confirmation code, the immutable version and the
emailed receipt.

`submit_entry` is the one way an entry gets a version, whether the team submits online
or an organizer types in a paper submission (screening calls it with `paper=True`).
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import attributes

from app import audit
from app.db import db, utcnow
from app.links import external_url
from app.localtime import to_local
from app.mail.outbox import queue_mail
from app.people.models import User
from competitions.entries.services import EntryError, bump, image_ids, submission_deadline
from competitions.models import Entry, EntryStatus, EntryVersion, Team, Track

# What a submission cannot do without (the form's field names).
REQUIRED_FIELDS = ("title", "summary", "problem", "solution")


def submit_entry(
    entry: Entry, *, by: User, paper: bool = False, now: datetime | None = None
) -> EntryVersion:
    """Freeze the entry as its next version and email the receipt to every member.

    The first round's window is checked against `now` (UTC; the server's clock unless
    given). For a paper submission `now` is the postmark or receipt time the organizer
    types, which must itself fall within the window; the version is marked as paper.
    Raises EntryError: "not_editable", "competition_closed", "no_window", "not_yet"
    (details: opens), "late" (deadline), "incomplete" (missing: field names),
    "team_size" (count, min, max), "age" (names, min, max), "birth_dates" (names),
    "unchanged"."""
    now = now or utcnow()
    if now.tzinfo is None:
        raise ValueError("submit_entry needs an aware datetime")
    if entry.status not in (EntryStatus.DRAFT, EntryStatus.SUBMITTED):
        raise EntryError("not_editable")
    competition = entry.competition
    if not competition.accepts_entries:
        raise EntryError("competition_closed")
    check_window(entry, now)
    check_complete(entry)
    check_team(entry.team, entry.track, submission_deadline(competition))

    bump(entry)  # serialises submissions of this entry (row lock until the commit)
    db.session.flush()
    # Read the status again under the lock: it may have been withdrawn meanwhile.
    db.session.refresh(entry, ["status"])
    if entry.status not in (EntryStatus.DRAFT, EntryStatus.SUBMITTED):
        raise EntryError("not_editable")
    latest = db.session.scalar(
        select(EntryVersion)
        .where(EntryVersion.entry_id == entry.id)
        .order_by(EntryVersion.number.desc())
        .limit(1)
    )
    if latest is not None and _same(latest, entry):
        raise EntryError("unchanged", number=latest.number)
    if entry.code is None:
        entry.code = confirmation_code(entry)
    version = EntryVersion(
        entry=entry,
        number=(latest.number if latest else 0) + 1,
        submitted_at=now,
        submitted_by_id=by.id,
        content=entry.content(),
        deck_file_id=entry.deck_file_id,
        image_file_ids=image_ids(entry),
        is_paper=paper,
    )
    db.session.add(version)
    entry.status = EntryStatus.SUBMITTED
    entry.submitted_at = now
    entry.is_paper = paper
    entry.unit_id = entry.team.unit_id
    db.session.flush()
    audit.record(
        "entry.submit",
        entry,
        new={"code": entry.code, "version": version.number, "paper": paper},
        actor=by,
    )
    send_receipts(entry, version)
    return version


def check_window(entry: Entry, now: datetime) -> None:
    first = entry.competition.first_round
    state = first.submission_state(now) if first else "not_set"
    if state == "not_set":
        raise EntryError("no_window")
    if state == "not_yet":
        raise EntryError("not_yet", opens=first.submission_opens_at)
    if state == "closed":
        raise EntryError("late", deadline=first.submission_closes_at)


def check_complete(entry: Entry) -> None:
    missing = [name for name in REQUIRED_FIELDS if not (getattr(entry, name) or "").strip()]
    if entry.deck_file_id is None and entry.deck is None:
        missing.append("deck")
    if missing:
        raise EntryError("incomplete", missing=missing)


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def check_team(team: Team, track: Track, deadline: datetime | None) -> None:
    """The track's limits: team size, and the age of every member on the day the window
    closes (a member without a date of birth must fill it in first)."""
    count = len(team.members)
    if not track.min_team_size <= count <= track.max_team_size:
        raise EntryError("team_size", count=count, min=track.min_team_size, max=track.max_team_size)
    if track.min_age is None and track.max_age is None:
        return
    day = to_local(deadline).date() if deadline else to_local(utcnow()).date()
    unknown = [m.full_name for m in team.members if m.date_of_birth is None]
    if unknown:
        raise EntryError("birth_dates", names=unknown)
    outside = [
        m.full_name
        for m in team.members
        if (track.min_age is not None and age_on(m.date_of_birth, day) < track.min_age)
        or (track.max_age is not None and age_on(m.date_of_birth, day) > track.max_age)
    ]
    if outside:
        raise EntryError("age", names=outside, min=track.min_age, max=track.max_age, day=day)


def _same(version: EntryVersion, entry: Entry) -> bool:
    return (
        version.content == entry.content()
        and version.deck_file_id == entry.deck_file_id
        and list(version.image_file_ids or []) == image_ids(entry)
    )


def next_number(track: Track) -> int:
    """The track's next confirmation number, from one atomic UPDATE … RETURNING: two
    parallel first submissions never get the same number."""
    number = db.session.execute(
        update(Track)
        .where(Track.id == track.id)
        .values(last_number=Track.last_number + 1)
        .returning(Track.last_number)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    attributes.set_committed_value(track, "last_number", number)
    return number


def confirmation_code(entry: Entry) -> str:
    """<competition code><yy>-<track code>-<NNNN>, e.g. QN26-THPT-0042."""
    competition = entry.competition
    number = next_number(entry.track)
    return f"{competition.code}{competition.edition_year % 100:02d}-{entry.track.code}-{number:04d}"


def entry_link(entry: Entry) -> str:
    """The entry page's full address for an email (also outside a request)."""
    return external_url("competitions.entry_detail", entry_id=entry.id)


def send_receipts(entry: Entry, version: EntryVersion) -> None:
    """The receipt, to every member in their own language: the proof of submission."""
    link = entry_link(entry)
    for member in entry.team.members:
        user = member.user
        queue_mail(
            user.email,
            _l(
                "Submission received: %(code)s, version %(number)s",
                code=entry.code,
                number=version.number,
            ),
            "competitions/mail/entry_receipt",
            locale=user.locale,
            user_id=user.id,
            member=member,
            entry=entry,
            version=version,
            link=link,
        )
