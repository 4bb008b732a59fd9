"""Who judges what: the round's assignment problem over plain data, solved by app.optimiser.

No Flask and no database here (the services load a :class:`RoundData` and write the
:class:`Plan` back), so the rules are tested in milliseconds with hypothesis and an exhaustive
oracle. The choices an organizer may ask about:

* **Allowed pairs.** A judge may be given an entry when they are an active panel member whose
  scope covers it (the whole round, one pool, or one track) and no *active* conflict of interest
  links them: a conflict is a hard exclusion, never a cost.
* **Kept rows.** Published assignments, and assignments an organizer proposed by hand, are kept
  (``fixed`` for the optimiser): they count towards the entry's k judges and the judge's cap.
  Earlier *automatic* proposals are dropped and proposed afresh. A kept row that is no longer
  allowed (a conflict declared since, a judge taken off the panel or out of scope) is *stale*: it
  gives the entry no usable judge, still counts against its judge's cap (caps bound the rows a
  judge holds), and is listed so an organizer removes it.
* **Caps.** ``PanelMember.cap`` when set (0 is a cap: nothing), else the round's ``default_cap``,
  else the judge's fair share plus :data:`DEFAULT_CAP_SLACK`: the sum, over the pools the judge
  covers, of that pool's demand (entries × k) divided by the number of judges covering the pool,
  rounded up. For a panel per pool this is ``ceil(k × entries / judges) + 2``; for a round-wide
  panel ``ceil(k × all entries / judges) + 2``. Even loads come from the optimiser itself; the
  implicit cap only stops coverage from piling work on a few judges when conflicts or scopes
  leave others idle — the preview then names the saturated judges, and a cap can be raised.
* **Costs.** Balance first, then expertise (the optimiser's lexicographic default): for each
  sector of an entry, the judge's best matching expertise tag from :data:`SECTOR_EXPERTISE`
  lowers the pair's cost (−2 for the tag of that very field, −1 for a related one), with the
  reason kept as ``("expertise:<tag>/sector:<sector>", weight)``.
* **Pools and shared caps.** Entries only get judges whose scope covers them, so pools that no
  judge shares are independent problems. Pools linked by judges who cover several of them form
  a group; a group with at most :data:`JOINT_PAIR_LIMIT` allowed pairs is solved at once (the
  exact optimum of the whole group). A bigger group (a round-wide panel of 150 judges over 2,000
  entries is 300,000 pairs, ~5 s for HiGHS) is solved pool by pool in a fixed order (pool id), each
  solve exact given the earlier ones: what a judge already holds elsewhere enters the next pool
  as load the judge already carries (so caps hold over the whole round and the loads stay even
  over the whole round), only the expertise preference is then optimal pool by pool.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from app.optimiser import AssignmentProblem, Reason, solve

PRIMARY = -2.0  # the judge's field is the entry's
RELATED = -1.0  # a neighbouring field

# Sector code of an entry → (expertise tag code of a judge, weight), best first. Sector codes
# are the reference rows of the competitions migration; tag codes those of app/demo/places.py.
# Finance, marketing, legal, fundraising and management help judge any startup: they match
# only where a sector is about them.
SECTOR_EXPERTISE: dict[str, tuple[tuple[str, float], ...]] = {
    "agriculture": (("agriculture", PRIMARY), ("production", RELATED), ("export", RELATED)),
    "food": (("production", PRIMARY), ("agriculture", RELATED), ("export", RELATED)),
    "tourism": (("tourism", PRIMARY), ("marketing", RELATED)),
    "education": (("education", PRIMARY),),
    "health": (("health", PRIMARY),),
    "environment": (("environment", PRIMARY), ("agriculture", RELATED)),
    "technology": (("technology", PRIMARY), ("design", RELATED)),
    "manufacturing": (("production", PRIMARY), ("design", RELATED), ("export", RELATED)),
    "handicraft": (("design", PRIMARY), ("production", RELATED), ("export", RELATED)),
    "services": (("management", PRIMARY), ("marketing", RELATED)),
    "energy": (("technology", RELATED), ("environment", RELATED)),
    "fisheries": (("agriculture", RELATED), ("production", RELATED), ("export", RELATED)),
    "culture": (("tourism", RELATED), ("design", RELATED)),
    "finance": (("finance", PRIMARY), ("fundraising", RELATED)),
    "social": (("management", RELATED), ("education", RELATED)),
    "other": (),
}

DEFAULT_CAP_SLACK = 2
JOINT_PAIR_LIMIT = 20_000

PROPOSED = "proposed"
PUBLISHED = "published"
AUTO = "auto"

PoolKey = int | None  # None: entries placed in no pool


@dataclass(frozen=True)
class EntryData:
    id: int  # the RoundEntry id
    pool_id: PoolKey
    track_id: int | None
    sectors: frozenset[str] = frozenset()


@dataclass(frozen=True)
class JudgeData:
    """An active panel member."""

    user_id: int
    pool_id: int | None = None
    track_id: int | None = None
    cap: int | None = None
    expertise: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Row:
    """An existing assignment."""

    round_entry_id: int
    user_id: int
    status: str = PUBLISHED
    source: str = "manual"

    @property
    def pair(self) -> tuple[int, int]:
        return (self.round_entry_id, self.user_id)

    @property
    def kept(self) -> bool:
        """Kept by a new automatic proposal: published, or proposed by hand."""
        return self.status == PUBLISHED or self.source != AUTO


@dataclass(frozen=True)
class RoundData:
    entries: tuple[EntryData, ...]
    judges: tuple[JudgeData, ...]
    conflicts: frozenset[tuple[int, int]]  # (round entry id, user id), active only
    rows: tuple[Row, ...] = ()
    k: int = 3
    default_cap: int | None = None
    # Panel mode: every judge whose scope covers an entry should score it; k and caps unused.
    panel_mode: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "_entries", {e.id: e for e in self.entries})
        object.__setattr__(self, "_judges", {j.user_id: j for j in self.judges})

    def entry(self, round_entry_id: int) -> EntryData | None:
        return self._entries.get(round_entry_id)  # type: ignore[attr-defined]

    def judge(self, user_id: int) -> JudgeData | None:
        return self._judges.get(user_id)  # type: ignore[attr-defined]

    def pools(self) -> list[PoolKey]:
        """Pools with entries, in the fixed order the planner uses (id; no pool last)."""
        return sorted({e.pool_id for e in self.entries}, key=_pool_order)

    def pools_covered(self, judge: JudgeData) -> set[PoolKey]:
        """The pools in which the judge's scope covers at least one entry."""
        if not hasattr(self, "_scopes"):
            object.__setattr__(self, "_scopes", {(e.pool_id, e.track_id) for e in self.entries})
        return {
            pool
            for pool, track in self._scopes  # type: ignore[attr-defined]
            if covers(judge, EntryData(0, pool, track))
        }


def _pool_order(pool: PoolKey) -> tuple[bool, int]:
    return (pool is None, pool or 0)


def covers(judge: JudgeData, entry: EntryData) -> bool:
    """The scope rule of PanelMember.covers, on plain data."""
    if judge.pool_id is not None and entry.pool_id != judge.pool_id:
        return False
    return judge.track_id is None or entry.track_id == judge.track_id


def refusal(data: RoundData, round_entry_id: int, user_id: int) -> str | None:
    """Why this judge may not be given this entry (None: they may), caps aside."""
    judge, entry = data.judge(user_id), data.entry(round_entry_id)
    if entry is None:
        return "unknown_entry"
    if judge is None:
        return "not_on_panel"
    if not covers(judge, entry):
        return "out_of_scope"
    if (round_entry_id, user_id) in data.conflicts:
        return "conflicted"
    return None


def allowed(data: RoundData, round_entry_id: int, user_id: int) -> bool:
    return refusal(data, round_entry_id, user_id) is None


def expertise_reasons(sectors: Iterable[str], expertise: frozenset[str]) -> tuple[Reason, ...]:
    """For each sector, the judge's best matching tag: the cost components of a pair."""
    reasons: list[Reason] = []
    for sector in sorted(sectors):
        for tag, weight in SECTOR_EXPERTISE.get(sector, ()):
            if tag in expertise:
                reasons.append((f"expertise:{tag}/sector:{sector}", weight))
                break
    return tuple(reasons)


def matched_tags(sectors: Iterable[str], expertise: frozenset[str]) -> list[str]:
    """The judge's tags that match the entry, for display."""
    reasons = expertise_reasons(sectors, expertise)
    return sorted({reason.split("/")[0].removeprefix("expertise:") for reason, _ in reasons})


def capacities(data: RoundData) -> dict[int, int]:
    """Every judge's cap (see the module docstring)."""
    demand: Counter[PoolKey] = Counter()
    for entry in data.entries:
        demand[entry.pool_id] += data.k
    covering: dict[PoolKey, int] = Counter()
    pools_of: dict[int, set[PoolKey]] = defaultdict(set)
    for judge in data.judges:
        for pool in data.pools_covered(judge):
            covering[pool] += 1
            pools_of[judge.user_id].add(pool)
    caps: dict[int, int] = {}
    for judge in data.judges:
        if judge.cap is not None:
            caps[judge.user_id] = judge.cap
        elif data.default_cap is not None:
            caps[judge.user_id] = data.default_cap
        else:
            share = sum(demand[pool] / covering[pool] for pool in pools_of[judge.user_id])
            caps[judge.user_id] = math.ceil(share - 1e-9) + DEFAULT_CAP_SLACK
    return caps


def demand(data: RoundData, entry: EntryData) -> int:
    """How many judges the entry should have: k, or in panel mode every judge it may have."""
    if data.panel_mode:
        return sum(1 for j in data.judges if allowed(data, entry.id, j.user_id))
    return data.k


# --- diagnosis ---------------------------------------------------------------------------------


@dataclass
class PoolStatus:
    """How one pool stands: what it lacks, and the judges' loads on it."""

    pool_id: PoolKey
    entries: int = 0
    # Judge slots missing: the sum over entries of k − usable judges.
    missing: int = 0
    # Usable judges → how many entries have only so many.
    short: dict[int, int] = field(default_factory=dict)
    # Judges at their cap whom a short entry could have used.
    saturated: list[int] = field(default_factory=list)
    # Judge → rows held on this pool's entries.
    loads: dict[int, int] = field(default_factory=dict)

    @property
    def load_range(self) -> tuple[int, int] | None:
        return (min(self.loads.values()), max(self.loads.values())) if self.loads else None


@dataclass
class Diagnosis:
    pools: dict[PoolKey, PoolStatus]
    loads: dict[int, int]  # every active judge → rows held in the round (any status)
    caps: dict[int, int]
    usable: dict[int, int]  # entry → usable judges (allowed rows, any status)
    stale: list[Row]  # rows whose pair is no longer allowed

    @property
    def missing(self) -> int:
        return sum(p.missing for p in self.pools.values())

    @property
    def saturated(self) -> list[int]:
        return sorted({j for p in self.pools.values() for j in p.saturated})

    @property
    def load_range(self) -> tuple[int, int] | None:
        return (min(self.loads.values()), max(self.loads.values())) if self.loads else None


def diagnose(data: RoundData, rows: Iterable[Row] | None = None) -> Diagnosis:
    """Where the round stands with these rows (default: the data's own rows)."""
    rows = list(data.rows if rows is None else rows)
    caps = capacities(data)
    held = {row.pair for row in rows}
    loads = {j.user_id: 0 for j in data.judges}
    usable: dict[int, int] = {e.id: 0 for e in data.entries}
    stale: list[Row] = []
    pool_loads: dict[PoolKey, Counter[int]] = defaultdict(Counter)
    for row in rows:
        if row.user_id in loads:
            loads[row.user_id] += 1
        entry = data.entry(row.round_entry_id)
        if entry is not None and row.user_id in loads:
            pool_loads[entry.pool_id][row.user_id] += 1
        if allowed(data, *row.pair):
            usable[row.round_entry_id] += 1
        else:
            stale.append(row)
    pools: dict[PoolKey, PoolStatus] = {p: PoolStatus(p) for p in data.pools()}
    judges_of: dict[PoolKey, list[JudgeData]] = defaultdict(list)
    for judge in data.judges:
        for pool in data.pools_covered(judge):
            judges_of[pool].append(judge)
    for pool, status in pools.items():
        status.loads = {j.user_id: pool_loads[pool][j.user_id] for j in judges_of[pool]}
    for entry in data.entries:
        status = pools[entry.pool_id]
        status.entries += 1
        lacking = demand(data, entry) - usable[entry.id]
        if lacking <= 0:
            continue
        status.missing += lacking
        status.short[usable[entry.id]] = status.short.get(usable[entry.id], 0) + 1
        if data.panel_mode:
            continue  # no caps: nobody is saturated
        for judge in judges_of[entry.pool_id]:
            if (
                loads[judge.user_id] >= caps[judge.user_id]
                and (entry.id, judge.user_id) not in held
                and allowed(data, entry.id, judge.user_id)
                and judge.user_id not in status.saturated
            ):
                status.saturated.append(judge.user_id)
    for status in pools.values():
        status.short = dict(sorted(status.short.items()))
        status.saturated.sort()
    return Diagnosis(pools=pools, loads=loads, caps=caps, usable=usable, stale=stale)


# --- planning ----------------------------------------------------------------------------------


@dataclass
class Plan:
    """A new automatic proposal: the rows to add, the earlier rows it replaces, and how the
    round stands once it is in place."""

    add: dict[tuple[int, int], tuple[Reason, ...]]  # (round entry, judge) → reasons
    drop: list[Row]  # earlier automatic proposals and proposals no longer allowed
    diagnosis: Diagnosis
    batches: list[list[PoolKey]]  # how the pools were solved (together or one by one)

    @property
    def feasible(self) -> bool:
        return self.diagnosis.missing == 0

    def rows(self, data: RoundData) -> list[Row]:
        """The round's rows once the plan is in place."""
        return _rows_after(data, self.add, self.drop)


def _rows_after(data: RoundData, add: Iterable[tuple[int, int]], drop: list[Row]) -> list[Row]:
    dropped = {row.pair for row in drop}
    kept = [row for row in data.rows if row.pair not in dropped]
    return kept + [Row(e, j, PROPOSED, AUTO) for e, j in add]


def plan(data: RoundData, *, joint_pair_limit: int = JOINT_PAIR_LIMIT) -> Plan:
    """Propose judges for every entry (see the module docstring for the rules)."""
    caps = capacities(data)
    kept = [r for r in data.rows if r.kept and (r.status == PUBLISHED or allowed(data, *r.pair))]
    drop = [r for r in data.rows if r not in kept]
    fixed = {r.pair for r in kept if allowed(data, *r.pair)}
    # Load a judge carries that no batch may move: stale rows, and kept rows everywhere.
    held: Counter[int] = Counter(r.user_id for r in kept)

    judges_of: dict[PoolKey, list[JudgeData]] = defaultdict(list)
    entries_of: dict[PoolKey, list[EntryData]] = defaultdict(list)
    for entry in data.entries:
        entries_of[entry.pool_id].append(entry)
    for judge in data.judges:
        for pool in data.pools_covered(judge):
            judges_of[pool].append(judge)
    # An upper bound (conflicts aside) is enough to decide how to batch.
    pair_count = {pool: len(entries_of[pool]) * len(judges_of[pool]) for pool in data.pools()}
    batches = _batches(data.pools(), judges_of, pair_count, joint_pair_limit)

    add: dict[tuple[int, int], tuple[Reason, ...]] = {}
    # (entry sectors, judge expertise) → reasons, cost: few distinct pairs of sets.
    cache: tuple[dict, dict] = ({}, {})
    for batch in batches:
        entries = [e for pool in batch for e in entries_of[pool]]
        judges = {j.user_id: j for pool in batch for j in judges_of[pool]}
        chosen = _solve_batch(data, entries, judges, fixed, held, caps, cache)
        for pair, reasons in chosen.items():
            add[pair] = reasons
            held[pair[1]] += 1
    after = _rows_after(data, add, drop)
    return Plan(add=add, drop=drop, diagnosis=diagnose(data, after), batches=batches)


def _batches(
    pools: list[PoolKey],
    judges_of: Mapping[PoolKey, list[JudgeData]],
    pair_count: Mapping[PoolKey, int],
    limit: int,
) -> list[list[PoolKey]]:
    """Groups of pools linked by shared judges, each solved at once when small enough, else
    split into single pools; in the fixed pool order."""
    parent = {pool: pool for pool in pools}

    def find(pool: PoolKey) -> PoolKey:
        while parent[pool] != pool:
            parent[pool] = parent[parent[pool]]
            pool = parent[pool]
        return pool

    first_pool_of: dict[int, PoolKey] = {}
    for pool in pools:
        for judge in judges_of[pool]:
            if judge.user_id in first_pool_of:
                a, b = find(first_pool_of[judge.user_id]), find(pool)
                if a != b:
                    parent[b] = a
            else:
                first_pool_of[judge.user_id] = pool
    groups: dict[PoolKey, list[PoolKey]] = defaultdict(list)
    for pool in pools:
        groups[find(pool)].append(pool)
    batches: list[list[PoolKey]] = []
    for group in sorted(groups.values(), key=lambda g: _pool_order(g[0])):
        if sum(pair_count[pool] for pool in group) <= limit:
            batches.append(group)
        else:
            batches.extend([pool] for pool in group)
    return batches


def _solve_batch(
    data: RoundData,
    entries: list[EntryData],
    judges: Mapping[int, JudgeData],
    fixed: set[tuple[int, int]],
    held: Counter[int],
    caps: Mapping[int, int],
    cache: tuple[dict, dict],
) -> dict[tuple[int, int], tuple[Reason, ...]]:
    """One exact solve over some pools; returns the new pairs and their reasons.

    Items are the round entry ids (positive); the load a judge carries outside this batch
    enters as fixed pairs on placeholder items (negative ids) — the optimiser's way to know it,
    so caps and balance are counted over the whole round."""
    pairs: dict[tuple[int, int], float] = {}
    batch_fixed: set[tuple[int, int]] = set()
    inside: Counter[int] = Counter()
    items: dict[int, int] = {}
    conflicts = data.conflicts
    reasons_of, cost_of = cache
    covering: dict[tuple[PoolKey, int | None], list[tuple[int, JudgeData]]] = {}
    for entry in entries:
        scope = (entry.pool_id, entry.track_id)
        if scope not in covering:
            covering[scope] = [(u, j) for u, j in judges.items() if covers(j, entry)]
        have = 0
        for user_id, judge in covering[scope]:
            pair = (entry.id, user_id)
            if pair in conflicts:
                continue
            key = (entry.sectors, judge.expertise)
            if key not in cost_of:
                reasons_of[key] = expertise_reasons(*key)
                cost_of[key] = float(sum(weight for _, weight in reasons_of[key]))
            # A plain cost is much cheaper for the optimiser than reasons to carry.
            pairs[pair] = cost_of[key]
            if pair in fixed:
                batch_fixed.add(pair)
                inside[user_id] += 1
                have += 1
        items[entry.id] = max(data.k, have)
    providers: dict[int, int] = {}
    placeholder = 0
    for user_id in judges:
        outside = held[user_id] - inside[user_id]
        providers[user_id] = max(caps[user_id], outside + inside[user_id])
        for _ in range(outside):
            placeholder -= 1
            items[placeholder] = 1
            pairs[(placeholder, user_id)] = 0.0
            batch_fixed.add((placeholder, user_id))
    if not any(i > 0 for i in items):
        return {}
    problem = AssignmentProblem(items, providers, pairs, frozenset(batch_fixed))
    result = solve(problem)
    if any(i > 0 for i in result.shortfall):
        result = solve(_spreading_shortfall(problem, {e.id for e in entries}))
    entry_of = {e.id: e for e in entries}
    return {
        pair: reasons_of[(entry_of[pair[0]].sectors, judges[pair[1]].expertise)]
        for pair in sorted(result.pairs - batch_fixed)
        if pair[0] > 0 and pair[1] > 0  # not a placeholder, not a stand-in
    }


def _spreading_shortfall(
    problem: AssignmentProblem[int, int], entry_ids: set[int]
) -> AssignmentProblem[int, int]:
    """The same problem, where the judges an infeasible batch lacks are spread over its entries
    as evenly as possible (3 entries with 2 of 3 judges rather than one entry with none).

    The optimiser leaves uncovered demand at a constant cost per slot. Here each entry gets
    stand-in providers (negative ids) for its 1st, 2nd, … missing judge, whose costs rise
    linearly (t × step): the sum of squared shortfalls is minimised. The weights keep the
    order lexicographic — real judges first, then an even shortfall, then even loads, then
    expertise: ``balance`` exceeds any pair-cost swing of a residual cycle (the optimiser's own
    bound) and ``step`` exceeds any swing of balance and cost together (a cycle changes at most
    two loads, each by at most the highest marginal); the optimiser's slack then costs more
    than every stand-in."""
    fixed_per_item = Counter(i for i, _ in problem.fixed)
    stand_ins = {
        (entry_id, -(entry_id * (problem.items[entry_id] + 1) + t)): t
        for entry_id in sorted(entry_ids)
        for t in range(1, problem.items[entry_id] - fixed_per_item[entry_id] + 1)
    }
    providers = dict(problem.providers)
    providers.update({provider: 1 for _, provider in stand_ins})
    longest_cycle = 2 * (min(len(problem.items), len(providers)) + 1)
    cost_swing = longest_cycle * max((abs(c) for c in problem.pairs.values()), default=0.0)
    balance = cost_swing + 1.0
    step = balance * (max(problem.providers.values(), default=0) + 1) + cost_swing + 1.0
    pairs = dict(problem.pairs)
    pairs.update({pair: t * step for pair, t in stand_ins.items()})
    return AssignmentProblem(problem.items, providers, pairs, problem.fixed, balance_weight=balance)
