"""What the assignment page shows, built from a Snapshot without further queries: the pools
with what they lack and their loads, the judges with theirs, and the chosen pool's entries
with their judges."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.people.models import ExpertiseTag, User
from competitions.models import Pool, Sector
from judging.assignment import planning
from judging.assignment.services import Snapshot
from judging.models import AssignmentStatus, JudgeAssignment, PanelMember, RoundEntry

NO_POOL = 0  # the ?pool= value of entries placed in no pool


@dataclass
class PoolLine:
    key: int  # pool id, or NO_POOL
    pool: Pool | None
    status: planning.PoolStatus
    proposed: int = 0
    published: int = 0


@dataclass
class JudgeLine:
    user: User
    member: PanelMember | None  # None: no longer an active panel member
    tags: list[ExpertiseTag]
    cap: int | None
    scope: str | None = None  # pool or track name; None: the whole round
    published: int = 0
    proposed: int = 0

    @property
    def total(self) -> int:
        return self.published + self.proposed

    @property
    def at_cap(self) -> bool:
        return self.cap is not None and self.total >= self.cap


@dataclass
class Seat:
    """One judge on one entry."""

    row: JudgeAssignment
    user: User
    matched: list[ExpertiseTag]
    has_sheet: bool
    stale: bool  # the pair is no longer allowed

    @property
    def proposed(self) -> bool:
        return self.row.status == AssignmentStatus.PROPOSED


@dataclass
class EntryLine:
    round_entry: RoundEntry
    sectors: list[Sector]
    seats: list[Seat] = field(default_factory=list)
    usable: int = 0


@dataclass
class AssignmentPage:
    snapshot: Snapshot
    diagnosis: planning.Diagnosis
    pools: list[PoolLine]
    judges: list[JudgeLine]
    chosen: PoolLine | None
    entries: list[EntryLine]
    pool_judges: list[JudgeLine]  # judges whose scope covers some entry of the chosen pool
    proposed: int
    published: int
    stale: list[Seat]

    @property
    def k(self) -> int:
        return self.snapshot.settings.judges_per_entry

    def judge(self, user_id: int) -> JudgeLine:
        return next(j for j in self.judges if j.user.id == user_id)

    @property
    def short_pools(self) -> list[PoolLine]:
        return [p for p in self.pools if p.status.missing]

    @property
    def saturated(self) -> list[JudgeLine]:
        wanted = set(self.diagnosis.saturated)
        return [j for j in self.judges if j.user.id in wanted]


def build(snap: Snapshot, pool_key: int | None) -> AssignmentPage:
    data = snap.data
    diagnosis = planning.diagnose(data)
    pool_by_id = {p.id: p for p in snap.pools}
    pools = [
        PoolLine(NO_POOL if key is None else key, pool_by_id.get(key) if key else None, status)
        for key, status in diagnosis.pools.items()
    ]
    line_of = {line.status.pool_id: line for line in pools}
    entry_by_id = {re.id: re for re in snap.round_entries}

    track_names = {t.id: t.name for t in snap.round.competition.tracks}
    judges: dict[int, JudgeLine] = {}
    for user_id, member in snap.members.items():
        if member.pool_id is not None:
            scope = pool_by_id[member.pool_id].name if member.pool_id in pool_by_id else "?"
        elif member.track_id is not None:
            scope = track_names.get(member.track_id, "?")
        else:
            scope = None
        judges[user_id] = JudgeLine(
            user=member.user,
            member=member,
            tags=snap.tags.get(user_id, []),
            cap=None if snap.panel_mode else diagnosis.caps[user_id],
            scope=scope,
        )
    seats: dict[int, list[Seat]] = {}
    stale: list[Seat] = []
    tags_by_code = {t.code: t for tags in snap.tags.values() for t in tags}
    for row in snap.rows:
        line = judges.get(row.user_id)
        if line is None:
            line = judges[row.user_id] = JudgeLine(row.user, None, [], None)
        proposed = row.status == AssignmentStatus.PROPOSED
        if proposed:
            line.proposed += 1
        else:
            line.published += 1
        round_entry = entry_by_id.get(row.round_entry_id)
        pool_line = line_of.get(round_entry.pool_id) if round_entry else None
        if pool_line is not None:
            if proposed:
                pool_line.proposed += 1
            else:
                pool_line.published += 1
        entry = data.entry(row.round_entry_id)
        judge = data.judge(row.user_id)
        codes = planning.matched_tags(entry.sectors, judge.expertise) if entry and judge else []
        seat = Seat(
            row=row,
            user=row.user,
            matched=[tags_by_code[c] for c in codes if c in tags_by_code],
            has_sheet=(row.round_entry_id, row.user_id) in snap.sheets,
            stale=not planning.allowed(data, row.round_entry_id, row.user_id),
        )
        seats.setdefault(row.round_entry_id, []).append(seat)
        if seat.stale:
            stale.append(seat)

    chosen = next((p for p in pools if p.key == pool_key), pools[0] if pools else None)
    entries: list[EntryLine] = []
    pool_judges: list[JudgeLine] = []
    if chosen is not None:
        wanted = chosen.status.pool_id
        for re in snap.round_entries:
            if re.pool_id != wanted:
                continue
            line = EntryLine(re, snap.sectors.get(re.entry_id, []))
            line.seats = sorted(
                seats.get(re.id, []), key=lambda s: (s.proposed, s.user.name_sort, s.user.id)
            )
            line.usable = diagnosis.usable[re.id]
            entries.append(line)
        pool_judges = [judges[user_id] for user_id in chosen.status.loads]
    ordered = sorted(judges.values(), key=lambda j: (j.member is None, j.user.name_sort, j.user.id))
    return AssignmentPage(
        snapshot=snap,
        diagnosis=diagnosis,
        pools=pools,
        judges=ordered,
        chosen=chosen,
        entries=entries,
        pool_judges=sorted(pool_judges, key=lambda j: (j.user.name_sort, j.user.id)),
        proposed=sum(j.proposed for j in judges.values()),
        published=sum(j.published for j in judges.values()),
        stale=stale,
    )
