"""Writes to entries: start a draft, save it (with its files), withdraw it.

Submitting is in `competitions.entries.submission`. Each function changes the session and
flushes; the request commits. Access (who may call what) is the views' job; these
functions hold the rules that are true whoever calls them and raise `EntryError` with a
reason code the view turns into a message.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import select, update
from sqlalchemy.orm import attributes

from app import audit
from app.db import after_commit, db, utcnow
from app.people.models import User
from app.storage import IMAGE, PDF, FileKind, StoredFile, UploadError, store_upload
from competitions.models import (
    Competition,
    Entry,
    EntryImage,
    EntryStatus,
    EntryVersion,
    Sector,
    Stage,
    Team,
    Track,
)

MAX_IMAGES = 5
MAX_VIDEO_URL = 500

# States a team may still work on, and states it may withdraw from.
EDITABLE_STATES = (EntryStatus.DRAFT, EntryStatus.SUBMITTED)
WITHDRAWABLE_STATES = (EntryStatus.DRAFT, EntryStatus.SUBMITTED, EntryStatus.ACCEPTED)


class EntryError(Exception):
    """A request the entry rules refuse; `reason` says which rule, `details` what to show
    (a deadline, the names of members, the fields that are missing…)."""

    def __init__(self, reason: str, **details: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


class FileRefused(EntryError):
    """An upload refused by its content or name; `field` is the form field it came in."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__("file_refused", field=field_name, message=message)
        self.field = field_name
        self.message = message


class Upload(Protocol):
    """What a file field gives (werkzeug's FileStorage)."""

    filename: str | None
    stream: IO[bytes]


@dataclass
class EntryContent:
    """What the entry form edits. `track` None keeps the track (it is fixed once the entry
    has its confirmation code, which names it)."""

    title: str
    summary: str = ""
    problem: str = ""
    solution: str = ""
    customers: str = ""
    business_model: str = ""
    stage: str = Stage.IDEA
    traction: str = ""
    funding_needs: str = ""
    video_url: str | None = None
    from_science_fair: bool = False
    science_fair_note: str | None = None
    sectors: Sequence[Sector] = ()
    track: Track | None = None
    deck: Upload | None = None
    new_images: Sequence[Upload] = ()
    remove_image_ids: Sequence[int] = field(default_factory=tuple)


# --- links -------------------------------------------------------------------------------


def normalise_video_url(text: str | None) -> str | None:
    """An http(s) link with a host, scheme and host in lower case; None when empty.

    Anything else (`javascript:`, `data:`, a link without a scheme, credentials in the
    link, spaces or control characters) raises EntryError("bad_video_url"): the link is
    shown to judges as a clickable link and must lead to a web page."""
    text = (text or "").strip()
    if not text:
        return None
    if len(text) > MAX_VIDEO_URL or any(
        ch.isspace() or unicodedata.category(ch).startswith("C") for ch in text
    ):
        raise EntryError("bad_video_url")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as error:
        raise EntryError("bad_video_url") from error
    host = parts.hostname
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise EntryError("bad_video_url")
    if parts.username is not None or parts.password is not None:
        raise EntryError("bad_video_url")  # "https://youtube.com@evil.example/" misleads
    host = f"[{host}]" if ":" in host else host
    netloc = f"{host}:{port}" if port is not None else host
    return urlunsplit(
        (parts.scheme.lower(), netloc.lower(), parts.path, parts.query, parts.fragment)
    )


# --- state -------------------------------------------------------------------------------


def submission_deadline(competition: Competition) -> datetime | None:
    first = competition.first_round
    return first.submission_closes_at if first else None


def window_state(competition: Competition, now: datetime | None = None) -> str:
    """The first round's submission window: "not_set", "not_yet", "open" or "closed"."""
    first = competition.first_round
    if first is None:
        return "not_set"
    return first.submission_state(now or utcnow())


def check_still_open(competition: Competition, now: datetime | None = None) -> None:
    """Drafts may be written before the window opens, never after it closes: what
    stands at the deadline is what the judges see."""
    if not competition.accepts_entries:
        raise EntryError("competition_closed")
    if window_state(competition, now) == "closed":
        raise EntryError("late", deadline=submission_deadline(competition))


def is_editable(entry: Entry, now: datetime | None = None) -> bool:
    """The entry's state and its competition's window still allow changes."""
    if entry.status not in EDITABLE_STATES:
        return False
    try:
        check_still_open(entry.competition, now)
    except EntryError:
        return False
    return True


def claim(entry: Entry, lock_version: int | None) -> None:
    """Take the entry for this request if it is still as the form saw it.

    One compare-and-set UPDATE: of two posts of the same form (a double click, a second
    tab) only the first finds its lock_version; the other raises EntryError("stale")
    and must change nothing. On PostgreSQL the row lock also makes the second wait for
    the first to commit before comparing."""
    if lock_version is None:
        raise EntryError("stale")
    result = db.session.execute(
        update(Entry)
        .where(Entry.id == entry.id, Entry.lock_version == lock_version)
        .values(lock_version=Entry.lock_version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise EntryError("stale")
    attributes.set_committed_value(entry, "lock_version", lock_version + 1)


def bump(entry: Entry) -> None:
    """Mark the entry changed (forms opened before now become stale) and hold its row
    lock until the commit."""
    new = db.session.execute(
        update(Entry)
        .where(Entry.id == entry.id)
        .values(lock_version=Entry.lock_version + 1)
        .returning(Entry.lock_version)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    attributes.set_committed_value(entry, "lock_version", new)


# --- start ---------------------------------------------------------------------------------


def active_entry_of(team: Team, competition: Competition) -> Entry | None:
    return db.session.scalar(
        select(Entry).where(
            Entry.team_id == team.id,
            Entry.competition_id == competition.id,
            Entry.status != EntryStatus.WITHDRAWN,
        )
    )


def start_entry(
    competition: Competition, team: Team, track: Track, title: str, *, by: User
) -> Entry:
    """A new draft. A team has at most one entry in a competition that it has not
    withdrawn. `by` is a member of the team, or an organizer typing in a paper entry."""
    if not (team.is_member(by) or competition.can_manage(by)):
        raise EntryError("not_member")
    if track.competition_id != competition.id:
        raise EntryError("bad_track")
    check_still_open(competition)
    # Serialise starts for one team, so two tabs cannot both pass the check below.
    db.session.execute(select(Team.id).where(Team.id == team.id).with_for_update())
    existing = active_entry_of(team, competition)
    if existing is not None:
        raise EntryError("team_has_entry", entry=existing)
    entry = Entry(
        competition=competition,
        track=track,
        team=team,
        unit_id=team.unit_id,
        title=title,
        status=EntryStatus.DRAFT,
        created_by_id=by.id,
    )
    db.session.add(entry)
    db.session.flush()
    audit.record(
        "entry.create",
        entry,
        new={"competition_id": competition.id, "team_id": team.id, "track": track.code},
        actor=by,
    )
    return entry


# --- save ----------------------------------------------------------------------------------


def save_entry(
    entry: Entry,
    content: EntryContent,
    *,
    by: User,
    lock_version: int | None,
    now: datetime | None = None,
) -> None:
    """Save the form onto the entry (draft or submitted alike: a submitted entry keeps
    its status; the next submission makes the next version).

    Files are checked and written last; if one is refused the caller rolls the request
    back, which also removes any file this request wrote (app.storage)."""
    if entry.status not in EDITABLE_STATES:
        raise EntryError("not_editable")
    check_still_open(entry.competition, now)
    kept_images = [image for image in entry.images if image.id not in content.remove_image_ids]
    if len(kept_images) + len(content.new_images) > MAX_IMAGES:
        raise EntryError("too_many_images", limit=MAX_IMAGES)
    if content.track is not None and content.track.competition_id != entry.competition_id:
        raise EntryError("bad_track")
    claim(entry, lock_version)

    for name in (
        "title",
        "summary",
        "problem",
        "solution",
        "customers",
        "business_model",
        "stage",
        "traction",
        "funding_needs",
    ):
        setattr(entry, name, getattr(content, name))
    entry.video_url = normalise_video_url(content.video_url)
    entry.from_science_fair = content.from_science_fair
    note = (content.science_fair_note or "").strip()
    entry.science_fair_note = note if content.from_science_fair and note else None
    entry.sectors = list(content.sectors)
    if content.track is not None and entry.code is None:
        entry.track = content.track

    replaced: list[StoredFile] = []
    if content.deck is not None:
        if entry.deck is not None:
            replaced.append(entry.deck)
        entry.deck = _store(content.deck, PDF, "deck", by)
    for image in entry.images:
        if image.id in content.remove_image_ids:
            replaced.append(image.file)
    entry.images = kept_images
    position = max((image.position for image in kept_images), default=0)
    for upload in content.new_images:
        position += 1
        entry.images.append(EntryImage(file=_store(upload, IMAGE, "images", by), position=position))
    entry.updated_at = utcnow()
    db.session.flush()
    for stored in replaced:
        discard_if_unused(entry, stored)


def _store(upload: Upload, kind: FileKind, field_name: str, by: User) -> StoredFile:
    try:
        return store_upload(upload.stream, upload.filename, kind, by.id)
    except UploadError as error:
        raise FileRefused(field_name, error.message) from error


def discard_if_unused(entry: Entry, stored: StoredFile) -> None:
    """Delete a replaced or removed file that no version of the entry keeps (a version is
    immutable, and its files with it). The file leaves the disk once the deletion is
    committed."""
    rows = db.session.execute(
        select(EntryVersion.deck_file_id, EntryVersion.image_file_ids).where(
            EntryVersion.entry_id == entry.id
        )
    ).all()
    for deck_id, image_ids in rows:
        if stored.id == deck_id or stored.id in (image_ids or []):
            return
    path = stored.path
    db.session.delete(stored)
    db.session.flush()
    after_commit(lambda: path.unlink(missing_ok=True))


# --- withdraw ------------------------------------------------------------------------------


def withdraw_entry(entry: Entry, *, by: User, reason: str | None = None) -> None:
    """The team steps back; the entry stays (with its versions) but can no longer be
    edited, and the team may start a new entry."""
    if entry.status not in WITHDRAWABLE_STATES:
        raise EntryError("not_withdrawable")
    bump(entry)
    # Under the row lock, read the status again: a second post of the same form that
    # waited for the first must not withdraw (and audit) twice.
    db.session.refresh(entry, ["status"])
    if entry.status not in WITHDRAWABLE_STATES:
        raise EntryError("not_withdrawable")
    old_status = entry.status
    entry.status = EntryStatus.WITHDRAWN
    entry.withdrawn_at = utcnow()
    audit.record(
        "entry.withdraw",
        entry,
        old={"status": old_status},
        new={"status": EntryStatus.WITHDRAWN, "reason": (reason or "").strip() or None},
        actor=by,
    )
    db.session.flush()


# --- reading -------------------------------------------------------------------------------


def file_ids_of(entry: Entry) -> set[int]:
    """Every stored file the entry or one of its versions holds: the files its viewers
    may download."""
    ids = {image.file_id for image in entry.images}
    if entry.deck_file_id:
        ids.add(entry.deck_file_id)
    for version in entry.versions:
        if version.deck_file_id:
            ids.add(version.deck_file_id)
        ids.update(int(i) for i in version.image_file_ids or [])
    return ids


def image_ids(entry: Entry) -> list[int]:
    return [image.file_id for image in entry.images]


def differs_from_latest(entry: Entry) -> bool:
    """The entry holds changes its latest version does not (True before any version)."""
    latest = entry.latest_version
    if latest is None:
        return True
    return (
        latest.content != entry.content()
        or latest.deck_file_id != entry.deck_file_id
        or list(latest.image_file_ids or []) != image_ids(entry)
    )
