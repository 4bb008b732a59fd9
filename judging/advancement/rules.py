"""The round's advancement rule and the awards proposal: pure Python over ranked entries.

No Flask and no database, so each rule an organizer may be asked to defend is tested in
milliseconds. The services feed it the round's ranking and store what the organizer decides.

**Advancement** (a round with a next round). Every entry gets one proposal:

1. An entry with no complete score sheet does not advance (``not_scored``).
2. Under the no-zero rule, an entry with a criterion scored 0 does not advance (``zero_criterion``).
3. An entry below the pass mark (0–100 scale) does not advance (``below_pass_mark``).
4. The others are *candidates*. Each pool has ``top_n`` places (no limit when unset), filled in rank
   order by candidates only: an entry stopped by a rule frees its place for the next one.
5. A unit may forward at most ``unit_cap`` entries over the whole round (all pools together). The
   unit an entry counts for is given by the caller (see ``services.cap_unit_of``). Candidates are
   taken best first across pools (by score, then the round's tie-breaks, the same merit the ranking
   uses); once a unit has forwarded ``unit_cap`` entries, its next candidates stop (``unit_cap``)
   and their places go to the next candidates of their pools.
6. Ties are never cut silently. Candidates of equal merit are considered together: if a pool has
   fewer places left than tied candidates (``tie_top_n``), or a unit has fewer forwarding places
   left than its tied candidates (``tie_unit_cap``), all of them are marked ``tie`` and the
   organizer decides. A later candidate whose unit's last place depends on such an undecided tie
   is marked ``tie`` too (``depends_on_tie``). Places a tie may fill are counted as taken.

**Awards** (normally the final round): ranked prizes (Nhất, Nhì, Ba, Khuyến khích in their
``position`` order) are proposed from the *overall* ranking of the round, one prize per entry:
the prizes' quotas make a row of places, and entries fill them in rank order. Tied entries
(equal rank) whose places would fall under two different prizes, or past the last place, get no
proposal and are flagged: the organizer decides between the prizes named. Special prizes are
never proposed: they are the organizer's to grant.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

ADVANCE = "advance"
STOP = "stop"
TIE = "tie"


@dataclass(frozen=True)
class Candidate:
    """A ranked entry of a pool. ``merit`` orders entries across pools (higher is better);
    entries of one pool with equal merit share a rank."""

    key: Hashable
    pool: Hashable
    score: Decimal | None
    rank: int | None
    merit: tuple = ()
    zero_criterion: bool = False
    unit: Hashable | None = None  # the unit the entry counts for under the cap (None: no cap)


@dataclass(frozen=True)
class Rule:
    top_n: int | None = None
    pass_mark: Decimal | None = None
    no_zero: bool = False
    unit_cap: int | None = None


@dataclass(frozen=True)
class Proposal:
    decision: str  # ADVANCE, STOP or TIE
    reason: str  # a code the page turns into words
    params: dict = field(default_factory=dict)


def propose_advancement(candidates: Sequence[Candidate], rule: Rule) -> dict[Hashable, Proposal]:
    """One proposal per candidate key; see the module docstring for every rule."""
    proposals: dict[Hashable, Proposal] = {}
    eligible: list[Candidate] = []
    for c in candidates:
        if c.score is None or c.rank is None:
            proposals[c.key] = Proposal(STOP, "not_scored")
        elif rule.no_zero and c.zero_criterion:
            proposals[c.key] = Proposal(STOP, "zero_criterion")
        elif rule.pass_mark is not None and c.score < rule.pass_mark:
            proposals[c.key] = Proposal(STOP, "below_pass_mark", {"mark": rule.pass_mark})
        else:
            eligible.append(c)

    top_n = math.inf if rule.top_n is None else rule.top_n
    cap = math.inf if rule.unit_cap is None else rule.unit_cap
    # Places taken for sure (ties count as filling the places they compete for) and places
    # an undecided tie may or may not take.
    pool_taken: Counter = Counter()
    pool_maybe: Counter = Counter()
    unit_taken: Counter = Counter()
    unit_maybe: Counter = Counter()
    advance = Proposal(ADVANCE, *_advance_reason(rule))

    def capped(c: Candidate) -> bool:
        return rule.unit_cap is not None and c.unit is not None

    for level in _levels(eligible):
        live: list[Candidate] = []
        for c in level:
            if pool_taken[c.pool] >= top_n:
                proposals[c.key] = Proposal(STOP, "outside_top_n", {"n": rule.top_n})
            elif capped(c) and unit_taken[c.unit] >= cap:
                proposals[c.key] = Proposal(STOP, "unit_cap", {"cap": cap, "unit": c.unit})
            else:
                live.append(c)
        pool_need = Counter(c.pool for c in live)
        unit_need = Counter(c.unit for c in live if capped(c))
        pool_fits = {p: pool_taken[p] + n <= top_n for p, n in pool_need.items()}
        unit_fits = {u: unit_taken[u] + n <= cap for u, n in unit_need.items()}
        for c in live:
            if not pool_fits[c.pool]:
                proposals[c.key] = Proposal(TIE, "tie_top_n", {"n": rule.top_n})
            elif capped(c) and not unit_fits[c.unit]:
                proposals[c.key] = Proposal(TIE, "tie_unit_cap", {"cap": cap, "unit": c.unit})
            elif pool_taken[c.pool] + pool_maybe[c.pool] + pool_need[c.pool] > top_n or (
                capped(c) and unit_taken[c.unit] + unit_maybe[c.unit] + unit_need[c.unit] > cap
            ):
                proposals[c.key] = Proposal(TIE, "depends_on_tie")
            else:
                proposals[c.key] = advance

        # Bookkeeping for the levels below, from the room there was before this one.
        pool_room = {p: top_n - pool_taken[p] for p in pool_need}
        unit_room = {u: cap - unit_taken[u] for u in unit_need}
        for c in live:
            decision = proposals[c.key]
            if decision.decision == ADVANCE:
                pool_taken[c.pool] += 1
                if capped(c):
                    unit_taken[c.unit] += 1
            elif decision.reason != "tie_top_n":
                pool_maybe[c.pool] += 1
            if capped(c) and decision.decision == TIE and unit_fits[c.unit]:
                unit_maybe[c.unit] += 1
        for p, fits in pool_fits.items():
            if not fits:  # the tied entries compete for the pool's last places
                pool_taken[p] += pool_room[p]
        for u, fits in unit_fits.items():
            if not fits:  # … or for the unit's last places
                unit_taken[u] += unit_room[u]
    return proposals


def _advance_reason(rule: Rule) -> tuple[str, dict]:
    if rule.top_n is not None:
        return "top_n", {"n": rule.top_n}
    if rule.pass_mark is not None:
        return "passed", {"mark": rule.pass_mark}
    return "no_limit", {}


def _levels(eligible: Sequence[Candidate]) -> list[list[Candidate]]:
    """Candidates grouped by equal merit, best first; within a level in pool and key order."""
    ordered = sorted(eligible, key=lambda c: (_neg(c.merit or (c.score,)), str(c.pool), str(c.key)))
    levels: list[list[Candidate]] = []
    for c in ordered:
        merit = c.merit or (c.score,)
        if levels and (levels[-1][0].merit or (levels[-1][0].score,)) == merit:
            levels[-1].append(c)
        else:
            levels.append([c])
    return levels


def _neg(merit: tuple) -> tuple:
    return tuple(-value for value in merit)


# --- awards -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prize:
    key: Hashable
    quota: int


@dataclass(frozen=True)
class PrizeProposal:
    """``prize`` is the proposed prize, or None; ``tied_between`` names the prizes a tie at a
    boundary leaves to the organizer (None stands for "no prize")."""

    prize: Hashable | None
    tied_between: tuple = ()


def propose_prizes(
    ranked: Sequence[tuple[Hashable, int | None]], prizes: Sequence[Prize]
) -> dict[Hashable, PrizeProposal]:
    """``ranked``: (entry key, overall rank) with None for unranked; ``prizes`` in order."""
    slots: list[Hashable] = [p.key for p in prizes for _ in range(p.quota)]
    groups: dict[int, list[Hashable]] = defaultdict(list)
    result: dict[Hashable, PrizeProposal] = {}
    for key, rank in ranked:
        if rank is None:
            result[key] = PrizeProposal(None)
        else:
            groups[rank].append(key)
    cursor = 0
    for rank in sorted(groups):
        members = groups[rank]
        span = [slots[i] if i < len(slots) else None for i in range(cursor, cursor + len(members))]
        cursor += len(members)
        distinct = tuple(dict.fromkeys(span))
        for key in members:
            if len(distinct) == 1:
                result[key] = PrizeProposal(distinct[0])
            else:
                result[key] = PrizeProposal(None, tied_between=distinct)
    return result
