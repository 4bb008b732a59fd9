"""Assigning judges to the entries of a round: the automatic proposal (through
judging.assignment.planning and app.optimiser), publishing or discarding it, changes by hand,
and panel mode (the whole panel on every entry of its pools).

A proposal is rows in the PROPOSED state, seen by organizers only; publishing turns them
PUBLISHED and tells each newly assigned judge, once, by email. Each function loads what it
needs in a fixed number of queries, refuses with a JudgingError before it changes anything,
changes the session and flushes; the request commits.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select
from sqlalchemy.orm import contains_eager, joinedload

from app import audit
from app.db import db, utcnow
from app.links import external_url
from app.mail.outbox import queue_mail
from app.people.models import ExpertiseTag, User, user_expertise
from competitions.models import Entry, Pool, Round, Sector, entry_sectors
from judging.assignment import planning
from judging.common import JudgingError, settings_for
from judging.models import (
    AssignmentSource,
    AssignmentStatus,
    Conflict,
    ConflictStatus,
    JudgeAssignment,
    JudgingMode,
    PanelMember,
    PanelStatus,
    RoundEntry,
    RoundJudging,
    ScoreSheet,
)

# --- loading -----------------------------------------------------------------------------------


@dataclass
class Snapshot:
    """Everything the assignment page and services need about a round, loaded in a fixed
    number of queries, with the plain data the planner works on."""

    round: Round
    settings: RoundJudging
    pools: list[Pool]
    round_entries: list[RoundEntry]  # by pool, then entry code
    members: dict[int, PanelMember]  # active panel, by user id
    rows: list[JudgeAssignment]
    sectors: dict[int, list[Sector]]  # by entry id
    tags: dict[int, list[ExpertiseTag]]  # by user id
    sheets: set[tuple[int, int]]  # (round entry, judge) with a saved score sheet
    data: planning.RoundData
    former_judges: list[User]  # hold rows, no longer on the panel

    @property
    def panel_mode(self) -> bool:
        return self.settings.mode == JudgingMode.PANEL

    def row(self, round_entry_id: int, user_id: int) -> JudgeAssignment | None:
        return self._by_pair.get((round_entry_id, user_id))

    def __post_init__(self) -> None:
        self._by_pair = {(r.round_entry_id, r.user_id): r for r in self.rows}


def load(round_: Round) -> Snapshot:
    """The round's entries, panel, conflicts, assignments and sheets: ten queries whatever
    the size of the round."""
    settings = settings_for(round_)
    in_round = select(RoundEntry.id).where(RoundEntry.round_id == round_.id)
    entries_in_round = select(RoundEntry.entry_id).where(RoundEntry.round_id == round_.id)
    on_panel = select(PanelMember.user_id).where(
        PanelMember.round_id == round_.id, PanelMember.status == PanelStatus.ACTIVE
    )
    pools = list(
        db.session.scalars(select(Pool).where(Pool.round_id == round_.id).order_by(Pool.id))
    )
    round_entries = list(
        db.session.scalars(
            select(RoundEntry)
            .join(RoundEntry.entry)
            .where(RoundEntry.round_id == round_.id)
            .options(contains_eager(RoundEntry.entry))
            .order_by(RoundEntry.pool_id, Entry.code, RoundEntry.id)
        )
    )
    sectors: dict[int, list[Sector]] = defaultdict(list)
    for entry_id, sector in db.session.execute(
        select(entry_sectors.c.entry_id, Sector)
        .join(Sector, Sector.id == entry_sectors.c.sector_id)
        .where(entry_sectors.c.entry_id.in_(entries_in_round))
        .order_by(Sector.code)
    ):
        sectors[entry_id].append(sector)
    members = {
        m.user_id: m
        for m in db.session.scalars(
            select(PanelMember)
            .where(PanelMember.round_id == round_.id, PanelMember.status == PanelStatus.ACTIVE)
            .options(joinedload(PanelMember.user))
        )
    }
    tags: dict[int, list[ExpertiseTag]] = defaultdict(list)
    for user_id, tag in db.session.execute(
        select(user_expertise.c.user_id, ExpertiseTag)
        .join(ExpertiseTag, ExpertiseTag.id == user_expertise.c.tag_id)
        .where(user_expertise.c.user_id.in_(on_panel))
        .order_by(ExpertiseTag.code)
    ):
        tags[user_id].append(tag)
    conflicts = {
        (entry_id, user_id)
        for entry_id, user_id in db.session.execute(
            select(Conflict.entry_id, Conflict.user_id).where(
                Conflict.status == ConflictStatus.ACTIVE, Conflict.entry_id.in_(entries_in_round)
            )
        )
    }
    rows = list(
        db.session.scalars(
            select(JudgeAssignment)
            .where(JudgeAssignment.round_entry_id.in_(in_round))
            .order_by(JudgeAssignment.id)
        )
    )
    # The judges of these rows are the panel's (loaded above) but for judges taken off it
    # since: load those once, so row.user never costs a query (and keep them: the session
    # holds objects only while someone does).
    former_judges = db.session.scalars(
        select(User).where(
            User.id.in_(
                select(JudgeAssignment.user_id).where(JudgeAssignment.round_entry_id.in_(in_round))
            ),
            User.id.not_in(on_panel),
        )
    ).all()
    sheets = {
        (round_entry_id, user_id)
        for round_entry_id, user_id in db.session.execute(
            select(ScoreSheet.round_entry_id, ScoreSheet.user_id).where(
                ScoreSheet.round_entry_id.in_(in_round)
            )
        )
    }
    round_entry_of = {re.entry_id: re.id for re in round_entries}
    data = planning.RoundData(
        entries=tuple(
            planning.EntryData(
                id=re.id,
                pool_id=re.pool_id,
                track_id=re.entry.track_id,
                sectors=frozenset(s.code for s in sectors[re.entry_id]),
            )
            for re in round_entries
        ),
        judges=tuple(
            planning.JudgeData(
                user_id=m.user_id,
                pool_id=m.pool_id,
                track_id=m.track_id,
                cap=m.cap,
                expertise=frozenset(t.code for t in tags[m.user_id]),
            )
            for m in sorted(members.values(), key=lambda m: m.user_id)
        ),
        conflicts=frozenset(
            (round_entry_of[entry_id], user_id)
            for entry_id, user_id in conflicts
            if entry_id in round_entry_of
        ),
        rows=tuple(_plain(r) for r in rows),
        k=settings.judges_per_entry,
        default_cap=settings.default_cap,
        panel_mode=settings.mode == JudgingMode.PANEL,
    )
    return Snapshot(
        round=round_,
        settings=settings,
        pools=pools,
        round_entries=round_entries,
        members=members,
        rows=rows,
        sectors=dict(sectors),
        tags=dict(tags),
        sheets=sheets,
        data=data,
        former_judges=list(former_judges),
    )


def _plain(row: JudgeAssignment) -> planning.Row:
    return planning.Row(row.round_entry_id, row.user_id, row.status, row.source)


def _pairs(rows: list[tuple[int, int]] | set[tuple[int, int]]) -> list[list[int]]:
    return [[e, j] for e, j in sorted(rows)]


# --- the automatic proposal --------------------------------------------------------------------


@dataclass
class Proposal:
    added: int
    dropped: int
    diagnosis: planning.Diagnosis
    batches: list[list[int | None]]

    @property
    def feasible(self) -> bool:
        return self.diagnosis.missing == 0


def propose_assignments(round_: Round, actor: User) -> Proposal:
    """Propose k judges for every entry of the round, pool by pool, replacing the earlier
    automatic proposal; published assignments and those proposed by hand are kept.

    Refused in panel mode (the whole panel judges every entry), and when the round has no
    entries or no active judges. An infeasible round still gets its best proposal (as many
    judge slots filled as caps and conflicts allow); the diagnosis says what is missing."""
    settings = settings_for(round_)
    if settings.mode == JudgingMode.PANEL:
        raise JudgingError("panel_mode")
    snap = load(round_)
    problems = []
    if not snap.round_entries:
        problems.append("no_entries")
    if not snap.members:
        problems.append("no_judges")
    if problems:
        raise JudgingError(*problems)
    plan = planning.plan(snap.data)
    dropped = {row.pair for row in plan.drop}
    for row in snap.rows:
        if (row.round_entry_id, row.user_id) in dropped:
            db.session.delete(row)
    db.session.flush()  # the deletes first: a new row may take a dropped row's pair
    if plan.add:
        # One executemany, not an INSERT per row: a round-wide proposal is thousands of rows.
        now = utcnow()
        db.session.execute(
            insert(JudgeAssignment),
            [
                {
                    "round_entry_id": entry_id,
                    "user_id": user_id,
                    "status": AssignmentStatus.PROPOSED,
                    "source": AssignmentSource.AUTO,
                    "reasons": [[reason, weight] for reason, weight in reasons],
                    "created_at": now,
                    "created_by_id": actor.id,
                }
                for (entry_id, user_id), reasons in plan.add.items()
            ],
        )
    audit.record(
        "judging.assignments_proposed",
        round_,
        old={"proposed": _pairs(dropped)},
        new={
            "proposed": _pairs(set(plan.add)),
            "missing_slots": plan.diagnosis.missing,
            "saturated": plan.diagnosis.saturated,
        },
        actor=actor,
    )
    return Proposal(
        added=len(plan.add),
        dropped=len(dropped),
        diagnosis=plan.diagnosis,
        batches=plan.batches,
    )


@dataclass
class Published:
    published: int
    notified: list[User] = field(default_factory=list)


def publish_proposal(round_: Round, actor: User, *, accept_shortfall: bool = False) -> Published:
    """Publish every proposed assignment of the round and email each judge who got new
    entries, once.

    Refused when nothing is proposed; when a proposed pair is no longer allowed (a conflict
    declared since, a judge taken off the panel or out of scope) or a judge would hold more
    than their cap — propose again or fix it by hand; and when entries would still lack
    judges, unless the organizer accepts the shortfall."""
    snap = load(round_)
    proposed = [r for r in snap.rows if r.status == AssignmentStatus.PROPOSED]
    if not proposed:
        raise JudgingError("nothing_proposed")
    problems = []
    if any(not planning.allowed(snap.data, r.round_entry_id, r.user_id) for r in proposed):
        problems.append("stale_proposal")
    diagnosis = planning.diagnose(snap.data)
    if not snap.panel_mode:
        with_new = {r.user_id for r in proposed}
        if any(diagnosis.loads.get(j, 0) > diagnosis.caps.get(j, 0) for j in with_new):
            problems.append("proposal_over_cap")
    if diagnosis.missing and not accept_shortfall:
        problems.append("shortfall")
    if problems:
        raise JudgingError(*problems)
    now = utcnow()
    for row in proposed:
        row.status = AssignmentStatus.PUBLISHED
        row.published_at = now
    db.session.flush()
    audit.record(
        "judging.assignments_published",
        round_,
        new={
            "published": _pairs({(r.round_entry_id, r.user_id) for r in proposed}),
            "missing_slots": diagnosis.missing,
        },
        actor=actor,
    )
    notified = _notify(snap, Counter(r.user_id for r in proposed))
    return Published(published=len(proposed), notified=notified)


def discard_proposal(round_: Round, actor: User) -> int:
    """Delete every proposed assignment of the round (automatic or by hand)."""
    snap = load(round_)
    proposed = [r for r in snap.rows if r.status == AssignmentStatus.PROPOSED]
    if not proposed:
        raise JudgingError("nothing_proposed")
    for row in proposed:
        db.session.delete(row)
    db.session.flush()
    audit.record(
        "judging.assignments_discarded",
        round_,
        old={"proposed": _pairs({(r.round_entry_id, r.user_id) for r in proposed})},
        actor=actor,
    )
    return len(proposed)


# --- by hand -----------------------------------------------------------------------------------


def add_assignment(
    round_: Round, round_entry_id: int, user_id: int, actor: User
) -> JudgeAssignment:
    """Propose one judge for one entry by hand (published with the rest of the proposal).

    Refused: an entry not in the round (unknown_entry), a judge not on the panel
    (not_on_panel) or whose scope does not cover the entry (out_of_scope), a conflict of
    interest (conflicted), a judge already on the entry (already_assigned), a judge at their
    cap (over_cap; caps do not apply in panel mode)."""
    snap = load(round_)
    reason = planning.refusal(snap.data, round_entry_id, user_id)
    if reason is not None:
        raise JudgingError(reason)
    if snap.row(round_entry_id, user_id) is not None:
        raise JudgingError("already_assigned")
    if not snap.panel_mode:
        held = sum(1 for r in snap.rows if r.user_id == user_id)
        if held >= planning.capacities(snap.data)[user_id]:
            raise JudgingError("over_cap")
    entry = snap.data.entry(round_entry_id)
    judge = snap.data.judge(user_id)
    reasons = planning.expertise_reasons(entry.sectors, judge.expertise)  # type: ignore[union-attr]
    row = JudgeAssignment(
        round_entry_id=round_entry_id,
        user_id=user_id,
        status=AssignmentStatus.PROPOSED,
        source=AssignmentSource.MANUAL,
        reasons=[[r, w] for r, w in reasons],
        created_by_id=actor.id,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "judging.assignment_added",
        row,
        new={"round_entry_id": round_entry_id, "user_id": user_id, "status": row.status},
        actor=actor,
    )
    return row


def remove_assignment(row: JudgeAssignment, actor: User) -> None:
    """Take a judge off an entry, proposed or published; refused (has_scores) once the judge
    has saved a score sheet for it — those scores would be orphaned."""
    has_sheet = db.session.scalar(
        select(ScoreSheet.id).where(
            ScoreSheet.round_entry_id == row.round_entry_id, ScoreSheet.user_id == row.user_id
        )
    )
    if has_sheet is not None:
        raise JudgingError("has_scores")
    audit.record(
        "judging.assignment_removed",
        row,
        old={
            "round_entry_id": row.round_entry_id,
            "user_id": row.user_id,
            "status": row.status,
            "source": row.source,
        },
        actor=actor,
    )
    db.session.delete(row)
    db.session.flush()


# --- panel mode --------------------------------------------------------------------------------


@dataclass
class PanelAssigned:
    created: int
    published: int  # proposed rows published on the way
    skipped: list[tuple[RoundEntry, PanelMember]]  # pairs left out for a conflict of interest
    notified: list[User] = field(default_factory=list)


def assign_whole_panel(round_: Round, actor: User) -> PanelAssigned:
    """Panel mode: publish an assignment for every active panel judge × entry of their
    scope, skipping conflicted pairs (listed). Existing assignments are kept, proposed ones
    published; caps do not apply (the whole panel scores every entry)."""
    snap = load(round_)
    problems = []
    if not snap.panel_mode:
        problems.append("not_panel_mode")
    if not snap.members:
        problems.append("no_judges")
    if problems:
        raise JudgingError(*problems)
    now = utcnow()
    new: Counter[int] = Counter()
    created: list[tuple[int, int]] = []
    published: list[tuple[int, int]] = []
    skipped: list[tuple[RoundEntry, PanelMember]] = []
    for round_entry in snap.round_entries:
        entry = snap.data.entry(round_entry.id)
        for user_id, member in sorted(snap.members.items()):
            judge = snap.data.judge(user_id)
            if not planning.covers(judge, entry):  # type: ignore[arg-type]
                continue
            if (round_entry.id, user_id) in snap.data.conflicts:
                skipped.append((round_entry, member))
                continue
            row = snap.row(round_entry.id, user_id)
            if row is None:
                db.session.add(
                    JudgeAssignment(
                        round_entry_id=round_entry.id,
                        user_id=user_id,
                        status=AssignmentStatus.PUBLISHED,
                        source=AssignmentSource.PANEL,
                        created_by_id=actor.id,
                        published_at=now,
                    )
                )
                created.append((round_entry.id, user_id))
            elif row.status == AssignmentStatus.PROPOSED:
                row.status = AssignmentStatus.PUBLISHED
                row.published_at = now
                published.append((round_entry.id, user_id))
            else:
                continue
            new[user_id] += 1
    db.session.flush()
    if created or published:
        audit.record(
            "judging.assignments_whole_panel",
            round_,
            new={
                "created": _pairs(created),
                "published": _pairs(published),
                "skipped": _pairs({(e.id, m.user_id) for e, m in skipped}),
            },
            actor=actor,
        )
    notified = _notify(snap, new, Counter(user_id for _, user_id in created))
    return PanelAssigned(
        created=len(created), published=len(published), skipped=skipped, notified=notified
    )


# --- mail --------------------------------------------------------------------------------------


def _notify(snap: Snapshot, new: Counter[int], created: Counter[int] | None = None) -> list[User]:
    """One email per judge with newly published entries, saying how many they now have.

    `new`: entries newly published per judge; `created`: rows made for them that are not in
    the snapshot (the snapshot's own rows were changed in place)."""
    total = Counter(r.user_id for r in snap.rows if r.status == AssignmentStatus.PUBLISHED)
    total.update(created or Counter())
    link = external_url("judging.my")
    notified = []
    for user_id in sorted(new):
        judge = snap.members[user_id].user
        queue_mail(
            judge.email,
            _l("Entries for you to judge in %(round)s", round=snap.round.name),
            "judging/assignment/mail_assigned",
            locale=judge.locale,
            user_id=judge.id,
            judge=judge,
            round=snap.round,
            competition=snap.round.competition,
            total=total[user_id],
            new=new[user_id],
            link=link,
        )
        notified.append(judge)
    return notified
