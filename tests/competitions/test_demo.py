"""The demo seed's competitions: this year's open call and last year's archived one."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from app.audit import AuditEvent
from app.demo.seed import seed_demo
from app.storage import StoredFile
from competitions.models import Competition, CompetitionStatus, Entry, EntryStatus

ACCESS: dict = {}
POST_ENDPOINTS: set = set()


def test_demo_seed_has_a_realistic_call_with_entries_in_every_state(app, db):
    seed_demo()
    db.session.flush()
    current = db.session.scalar(select(Competition).where(Competition.code == "DN"))
    assert current.status == CompetitionStatus.OPEN
    assert len(current.rounds) == 2 and len(current.tracks) >= 4
    counts = dict(
        db.session.execute(
            select(Entry.status, func.count())
            .where(Entry.competition_id == current.id)
            .group_by(Entry.status)
        ).all()
    )
    assert sum(counts.values()) >= 100
    for status in (EntryStatus.DRAFT, EntryStatus.SUBMITTED, EntryStatus.WITHDRAWN,
                   EntryStatus.ACCEPTED, EntryStatus.REJECTED):  # fmt: skip
        assert counts.get(status, 0) > 0, status
    submitted = db.session.scalars(
        select(Entry).where(Entry.competition_id == current.id, Entry.code.is_not(None))
    ).all()
    assert all(e.code.startswith(f"DN{current.edition_year % 100:02d}-") for e in submitted)
    assert all(e.versions and e.deck_file_id for e in submitted)

    # Decks are real PDFs on disk.
    deck = db.session.get(StoredFile, submitted[0].deck_file_id)
    assert Path(deck.path).read_bytes().startswith(b"%PDF-")
    assert deck.original_name.endswith(".pdf")

    # Last year's call, held in units that have since ceased to exist, refused late attempts.
    old = db.session.scalar(
        select(Competition)
        .where(Competition.code == "QN")
        .order_by(Competition.edition_year.desc())
        .limit(1)
    )
    assert old.status == CompetitionStatus.ARCHIVED
    assert old.owner_unit.valid_until is not None
    refused = db.session.scalar(
        select(func.count()).where(AuditEvent.action == "entry.submit_refused")
    )
    assert refused >= 1
