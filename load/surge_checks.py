"""What load/surge.py checks once gunicorn has stopped, and the summary it prints.

(a) Nothing after the deadline: no entry or version submitted after it, no request the
    student started after it acknowledged, no stored deck whose upload started after it;
    every acknowledged upload stored exactly once (size and SHA-256 the student sent) and
    attached to its entry, every refused one stored nowhere; every acknowledged submission
    a submitted entry whose version holds that deck, every refused one still a draft.
(b) The storage folder holds exactly the stored_files rows' files (no `.part`, no orphan, no
    row without its file, each file its row's size and hash); the server's temporary folder
    is empty.
(c) No submitted entry and no version without its deck.
(d) Every refused request was the late refusal (a redirect to the entry and the late message
    in the student's language), never an error; no 5xx answer, nothing in the server log.
"""

from __future__ import annotations

import hashlib
import statistics
from collections import Counter
from datetime import datetime
from pathlib import Path

from surge_client import Student

MB = 1024 * 1024


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(MB):
            digest.update(chunk)
    return digest.hexdigest()


def check(app, students: list[Student], deadline: datetime, uploads: Path,  # noqa: ANN001, PLR0912
          server_tmp: Path) -> list[str]:  # fmt: skip
    from sqlalchemy import select

    from app.db import db
    from app.storage import StoredFile
    from competitions.models import Entry, EntryStatus, EntryVersion

    problems: list[str] = []
    cut = deadline.timestamp()
    with app.app_context():
        files = db.session.scalars(select(StoredFile)).all()
        entries = {e.id: e for e in db.session.scalars(select(Entry))}
        versions = db.session.scalars(select(EntryVersion)).all()
        by_sha = Counter(f.sha256 for f in files)
        file_by_id = {f.id: f for f in files}
        latest: dict[int, EntryVersion] = {}
        for version in versions:
            if version.entry_id not in latest or version.number > latest[version.entry_id].number:
                latest[version.entry_id] = version
        # (a) the deadline
        for entry in entries.values():
            if entry.submitted_at is not None and entry.submitted_at > deadline:
                problems.append(f"entry {entry.id} submitted at {entry.submitted_at}")
        problems += [
            f"version {v.entry_id}/{v.number} submitted at {v.submitted_at}"
            for v in versions
            if v.submitted_at > deadline
        ]
        started_of = {s.sha256: s.upload.started for s in students if s.upload and s.sha256}
        for stored in files:
            if started_of.get(stored.sha256, 0.0) > cut:
                problems.append(
                    f"deck {stored.id} stored from an upload started after the deadline"
                )
        for s in students:
            for name, step in (("upload", s.upload), ("submit", s.submit)):
                if step and step.outcome == "accepted" and step.started > cut:
                    problems.append(f"{s.email}: {name} started after the deadline was accepted")
            entry = entries[s.entry_id]
            deck = file_by_id.get(entry.deck_file_id) if entry.deck_file_id else None
            uploaded = s.upload is not None and s.upload.outcome == "accepted"
            if uploaded:
                if by_sha[s.sha256] != 1:
                    problems.append(f"{s.email}: acknowledged deck stored {by_sha[s.sha256]} times")
                if deck is None or deck.sha256 != s.sha256 or deck.size != s.size:
                    problems.append(
                        f"{s.email}: entry {entry.id} does not hold the acknowledged deck"
                    )
            elif s.upload is not None and s.upload.outcome == "late" and by_sha[s.sha256]:
                problems.append(f"{s.email}: refused deck stored {by_sha[s.sha256]} times")
            submitted = (s.one_step and uploaded) or (s.submit and s.submit.outcome == "accepted")
            version = latest.get(entry.id)
            if submitted and (
                entry.status != EntryStatus.SUBMITTED
                or version is None
                or version.deck_file_id != entry.deck_file_id
            ):
                problems.append(f"{s.email}: acknowledged submission not found as such")
            refused = (s.upload and s.upload.outcome == "late") or (
                s.submit and s.submit.outcome == "late"
            )
            if refused and (entry.status != EntryStatus.DRAFT or version is not None):
                problems.append(f"{s.email}: refused, yet entry {entry.id} is {entry.status}")
        # (c) no submission without its deck
        for entry in entries.values():
            if entry.status == EntryStatus.SUBMITTED and entry.deck_file_id is None:
                problems.append(f"entry {entry.id} submitted without a deck")
        problems += [
            f"version {v.entry_id}/{v.number} without a deck"
            for v in versions
            if v.deck_file_id is None
        ]
        # (b) the disk
        named = {f.stored_name: f for f in files}
        on_disk = {str(p.relative_to(uploads)) for p in uploads.rglob("*") if p.is_file()}
        problems += [f"file without its row: {name}" for name in sorted(on_disk - set(named))]
        problems += [f"row without its file: {name}" for name in sorted(set(named) - on_disk)]
        for name in sorted(on_disk & set(named)):
            path, row = uploads / name, named[name]
            if path.stat().st_size != row.size or sha256_of(path) != row.sha256:
                problems.append(f"{name}: not the size or hash of its row")
        leftovers = [str(p) for p in server_tmp.rglob("*")]
        problems += [f"left in the server's temporary folder: {p}" for p in leftovers]
        submitted_count = sum(e.status == EntryStatus.SUBMITTED for e in entries.values())
        # Rows written after the deadline by requests decided before it (the worker took its
        # clock once the body was in, then wrote the file and committed): reported, not failed.
        overshoot = [(f.created_at - deadline).total_seconds() for f in files]
        overshoot = [x for x in overshoot if x > 0]
        db.session.remove()
        db.engine.dispose()
    print(
        f"  {len(files)} stored files ({sum(f.size for f in files) / MB:,.0f} MB), "
        f"{len(on_disk)} files on disk, {len(leftovers)} left in the server's temporary "
        f"folder; {submitted_count} entries submitted, {len(versions)} versions"
    )
    if overshoot:
        print(f"  {len(overshoot)} stored_files rows dated after the deadline, by at most "
              f"{max(overshoot) * 1000:.0f} ms: uploads decided before it, written and "
              "committed just after")  # fmt: skip
    return problems


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(students: list[Student], deadline: datetime, problems: list[str],
           logged: list[str], worker: list[float]) -> int:  # fmt: skip
    cut = deadline.timestamp()
    uploads = [s.upload for s in students if s.upload]
    submits = [s.submit for s in students if s.submit]
    outcome = Counter(step.outcome for step in uploads)
    one_step = Counter(s.upload.outcome for s in students if s.upload and s.one_step)
    submit_outcome = Counter(step.outcome for step in submits)
    seconds = [u.ended - u.started for u in uploads if u.ended]
    size = statistics.mean([s.size for s in students if s.size] or [0])
    span = (max(u.ended for u in uploads) - min(u.started for u in uploads)) if uploads else 0
    sent = sum(s.size for s in students if s.upload and s.upload.ended)
    straddling = sum(1 for u in uploads if u.started <= cut < u.ended)
    after = [u for u in uploads if u.started > cut]
    fives = sum(1 for s in students for code in s.statuses if code >= 500)
    errors = [e for s in students for e in s.errors]
    print(f"\nuploads: {len(uploads)} ({size / MB:.2f} MB each) — accepted "
          f"{outcome['accepted']}, refused late {outcome['late']}, other {outcome['error']}; "
          f"{len(after)} started after the deadline, {straddling} across it")  # fmt: skip
    print(f"  of which 'Save and submit' in one request: accepted {one_step['accepted']}, "
          f"refused late {one_step['late']}")  # fmt: skip
    print(f"submits after an accepted upload: {len(submits)} — accepted "
          f"{submit_outcome['accepted']}, refused late {submit_outcome['late']}, "
          f"other {submit_outcome['error']}")  # fmt: skip
    if seconds:
        p50, p95 = percentile(seconds, 0.5), percentile(seconds, 0.95)
        print(f"upload time p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max "
              f"{max(seconds) * 1000:.0f} ms; {size / MB / p50:.1f} MB/s per upload at p50, "
              f"{sent / MB / span:.1f} MB/s over the {span:.0f} s of the surge")  # fmt: skip
        w50, w95 = percentile(worker, 0.5), percentile(worker, 0.95)
        print(f"  of which in a gunicorn worker (its access log): p50 {w50 * 1000:.0f} ms, "
              f"p95 {w95 * 1000:.0f} ms over {len(worker)} upload posts")  # fmt: skip
    failures = list(problems)
    if outcome["error"] or submit_outcome["error"]:
        failures += [
            f"{s.email}: {step.outcome} ({step.status}) {step.message}"
            for s in students
            for step in (s.upload, s.submit)
            if step and step.outcome == "error"
        ]
    failures += [
        f"late upload not refused as late: {u.outcome}" for u in after if u.outcome != "late"
    ]
    unanswered = [s.email for s in students for step in (s.upload, s.submit)
                  if step and not step.outcome]  # fmt: skip
    failures += [f"{email}: no answer within the run's bound" for email in unanswered]
    if fives:
        failures.append(f"{fives} answers with a 5xx status")
    failures += [f"client: {e}" for e in errors]
    failures += [f"server: {line}" for line in logged]
    if not outcome["accepted"] or not outcome["late"]:
        failures.append("the surge did not straddle the deadline (no accepted or no late upload)")
    print(f"5xx answers: {fives}; server log errors: {len(logged)}; client errors: {len(errors)}")
    for failure in failures[:30]:
        print(f"✗ {failure}")
    print("✓ every check passed" if not failures else f"{len(failures)} problem(s)")
    return 1 if failures else 0
