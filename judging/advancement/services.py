"""Advancement: the round's rule proposes, an organizer adjusts and confirms, and the
advanced entries enter the next round; then the results are published.

Decisions live on RoundEntry: ``decision`` is empty until an organizer adjusts an entry or
confirms the round. On confirmation every entry gets the decision it shows, rule-made ones with
a ``decision_reason`` of ``rule:{json}`` (the rule's reason code and its numbers, so the page
can still say it in the reader's language); an organizer's adjustment keeps their own words.

The per-unit cap counts entries by the *administrative unit* they come from: the nearest unit at
or above the entry's unit (its school or organisation) whose level is not an organisation and
which lies below the competition's owner unit — the school's ward or commune today, its district
for editions before July 2025, as the province's rule is per district or ward. An entry whose
unit has no such ancestor counts for its own unit; an entry without a unit is not capped.

Every function checks first and changes after (a refusal raises JudgingError with nothing
changed), flushes, and never commits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload

from app import audit
from app.db import db, utcnow
from app.people.models import User
from app.units.models import Unit, UnitLevel
from competitions.models import Entry, Pool, PoolMode, Round
from judging.advancement import rules
from judging.advancement.standing import NO_POOL, Standing, round_standing
from judging.common import (
    JudgingError,
    judging_state,
    refuse_if,
    settings_for,
    settings_or_none,
)
from judging.models import (
    AdvancementDecision,
    EntrySource,
    RoundEntry,
    RoundJudging,
    ScoreSheet,
)

MIN_REASON_LENGTH = 10
RULE_PREFIX = "rule:"


def next_round(round_: Round) -> Round | None:
    return db.session.scalar(
        select(Round).where(
            Round.competition_id == round_.competition_id, Round.position == round_.position + 1
        )
    )


def judging_problems(
    round_: Round, settings: RoundJudging | None, now: datetime | None = None
) -> list[str]:
    """Why the round's outcome cannot be decided yet: judges are (or will be) scoring. A round
    whose window was never set (paper judging) is not held back."""
    state = judging_state(round_, settings, now)
    return {"open": ["judging_open"], "not_yet": ["judging_not_started"]}.get(state, [])


# --- the unit an entry counts for under the cap ----------------------------------------------


def cap_units(round_: Round, entry_units: dict[int, int | None]) -> dict[int, int | None]:
    """RoundEntry id → the unit id it counts for under the per-unit cap (module docstring)."""
    unit_ids = {u for u in entry_units.values() if u is not None}
    if not unit_ids:
        return dict(entry_units)
    own = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(unit_ids)))}
    chain_ids = {int(p) for u in own.values() for p in u.path.strip("/").split("/") if p}
    administrative = set(
        db.session.scalars(
            select(Unit.id)
            .join(UnitLevel, Unit.level_id == UnitLevel.id)
            .where(Unit.id.in_(chain_ids), UnitLevel.is_organisation.is_(False))
        )
    )
    owner_chain = {int(p) for p in round_.competition.owner_unit.path.strip("/").split("/") if p}

    def counts_for(unit_id: int) -> int:
        chain = [int(p) for p in own[unit_id].path.strip("/").split("/") if p]
        for ancestor in reversed(chain):  # the unit itself first, then up the tree
            if ancestor in owner_chain:
                break
            if ancestor in administrative:
                return ancestor
        return unit_id

    cache = {u: counts_for(u) for u in own}
    return {re_id: cache.get(u) if u is not None else None for re_id, u in entry_units.items()}


# --- the proposal ------------------------------------------------------------------------------


@dataclass
class Row:
    """One entry on the advancement page."""

    round_entry: RoundEntry
    standing: Standing
    proposal: rules.Proposal
    cap_unit_id: int | None

    @property
    def decision(self) -> str | None:
        """What stands now: the stored decision, else the proposal (None for a tie)."""
        if self.round_entry.decision is not None:
            return self.round_entry.decision
        return None if self.proposal.decision == rules.TIE else self.proposal.decision

    @property
    def adjusted(self) -> bool:
        reason = self.round_entry.decision_reason or ""
        return self.round_entry.decision is not None and not reason.startswith(RULE_PREFIX)


@dataclass
class Plan:
    round: Round
    settings: RoundJudging | None
    next_round: Round | None
    problems: list[str]  # why no proposal is made now (judging not finished)
    pools: list[tuple[Pool | None, list[Row]]] = field(default_factory=list)
    units: dict[int, Unit] = field(default_factory=dict)  # cap units by id, for the reasons

    @property
    def rows(self) -> list[Row]:
        return [row for _pool, rows in self.pools for row in rows]

    @property
    def undecided(self) -> list[Row]:
        return [row for row in self.rows if row.decision is None]

    @property
    def advancing(self) -> list[Row]:
        return [row for row in self.rows if row.decision == AdvancementDecision.ADVANCE]

    @property
    def is_final(self) -> bool:
        return self.next_round is None

    @property
    def confirmed(self) -> bool:
        return self.settings is not None and self.settings.advancement_confirmed_at is not None

    @property
    def published(self) -> bool:
        return self.settings is not None and self.settings.results_published_at is not None


def rule_of(round_: Round) -> rules.Rule:
    return rules.Rule(
        top_n=round_.advance_top_n,
        pass_mark=round_.pass_mark,
        no_zero=round_.no_zero_criterion,
        unit_cap=round_.per_unit_cap,
    )


def _round_entries(round_: Round) -> list[RoundEntry]:
    return list(
        db.session.scalars(
            select(RoundEntry)
            .where(RoundEntry.round_id == round_.id)
            .options(
                joinedload(RoundEntry.entry).joinedload(Entry.team),
                joinedload(RoundEntry.entry).joinedload(Entry.unit),
            )
        ).unique()
    )


def advancement_plan(round_: Round, *, now: datetime | None = None) -> Plan:
    """The round's entries per pool in rank order, each with the rule's proposal."""
    settings = settings_or_none(round_)
    plan = Plan(
        round=round_,
        settings=settings,
        next_round=next_round(round_),
        problems=judging_problems(round_, settings, now),
    )
    round_entries = _round_entries(round_)
    standing = round_standing(round_)
    cap_of = cap_units(round_, {re.id: re.entry.unit_id for re in round_entries})
    candidates = [
        rules.Candidate(
            key=re.id,
            pool=standing[re.id].pool_id,
            score=standing[re.id].score,
            rank=standing[re.id].rank,
            merit=standing[re.id].merit,
            zero_criterion=standing[re.id].zero_criterion,
            unit=cap_of[re.id],
        )
        for re in round_entries
    ]
    proposals = rules.propose_advancement(candidates, rule_of(round_))
    pools = {p.id: p for p in round_.pools}
    by_pool: dict[int, list[Row]] = {}
    for re in round_entries:
        row = Row(re, standing[re.id], proposals[re.id], cap_of[re.id])
        by_pool.setdefault(standing[re.id].pool_id, []).append(row)
    for pool_id in sorted(
        by_pool, key=lambda p: (p == NO_POOL, pools[p].name if p in pools else "")
    ):
        rows = sorted(
            by_pool[pool_id],
            key=lambda r: (
                r.standing.rank is None,
                r.standing.rank or 0,
                r.round_entry.entry.code or "",
                r.round_entry.id,
            ),
        )
        plan.pools.append((pools.get(pool_id), rows))
    unit_ids = {u for u in cap_of.values() if u is not None}
    if unit_ids:
        plan.units = {
            u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(unit_ids)))
        }
    return plan


def rule_reason(round_entry: RoundEntry) -> rules.Proposal | None:
    """The rule's reason stored with a confirmed decision, or None for an organizer's."""
    reason = round_entry.decision_reason or ""
    if not reason.startswith(RULE_PREFIX):
        return None
    data = json.loads(reason[len(RULE_PREFIX) :])
    return rules.Proposal(round_entry.decision or "", data.pop("code"), data)


def _rule_text(proposal: rules.Proposal) -> str:
    params = {k: str(v) if not isinstance(v, int) else v for k, v in proposal.params.items()}
    return RULE_PREFIX + json.dumps({"code": proposal.reason, **params}, ensure_ascii=False)


# --- adjust ------------------------------------------------------------------------------------


def _common_problems(round_: Round, settings: RoundJudging | None) -> list[str]:
    problems = judging_problems(round_, settings)
    if settings is not None and settings.results_published_at is not None:
        problems.append("published")
    if next_round(round_) is None:
        problems.append("final_round")
    return problems


def adjust_decision(
    round_: Round, round_entry_id: int, decision: str, reason: str | None, *, by: User
) -> RoundEntry:
    """Set one entry's decision against (or to settle) the rule's proposal, with a reason.

    An adjustment after confirmation takes the confirmation back: the organizer confirms
    again, which brings the next round in line."""
    settings = settings_or_none(round_)
    round_entry = db.session.get(RoundEntry, round_entry_id)
    if round_entry is None or round_entry.round_id != round_.id:
        raise JudgingError("no_entry")
    reason = (reason or "").strip()
    problems = _common_problems(round_, settings)
    if decision not in (AdvancementDecision.ADVANCE, AdvancementDecision.STOP):
        problems.append("bad_decision")
    if len(reason) < MIN_REASON_LENGTH:
        problems.append("reason_required")
    if round_entry.decision == decision and round_entry.decision_reason == reason:
        problems.append("unchanged")
    refuse_if(problems)
    old = {"decision": round_entry.decision, "reason": round_entry.decision_reason}
    round_entry.decision = decision
    round_entry.decision_reason = reason
    round_entry.decided_by_id = by.id
    round_entry.decided_at = utcnow()
    audit.record(
        "judging.advancement_adjust",
        round_entry,
        old=old,
        new={"decision": decision, "reason": reason},
        actor=by,
    )
    if settings is not None and settings.advancement_confirmed_at is not None:
        audit.record(
            "judging.advancement_unconfirm",
            settings,
            old={"confirmed_at": settings.advancement_confirmed_at},
            new={"confirmed_at": None},
            actor=by,
        )
        settings.advancement_confirmed_at = None
    db.session.flush()
    return round_entry


# --- confirm -----------------------------------------------------------------------------------


@dataclass
class Confirmation:
    added: list[int] = field(default_factory=list)  # entry ids that entered the next round
    removed: list[int] = field(default_factory=list)  # entry ids taken out of it again
    kept: list[int] = field(default_factory=list)  # already there


def _pool_for(entry: Entry, target: Round) -> Pool | None:
    """The next round's pool for an entry: same track, else same unit (as its pools are made),
    else the only pool; None when the organizer must place it."""
    pools = list(target.pools)
    for pool in pools:
        if pool.track_id is not None and pool.track_id == entry.track_id:
            return pool
    for pool in pools:
        if pool.unit_id is not None and pool.unit_id == entry.unit_id:
            return pool
    if target.pool_mode == PoolMode.BY_UNIT and entry.unit_id is None:
        for pool in pools:
            if pool.unit_id is None and pool.track_id is None:
                return pool
    return pools[0] if len(pools) == 1 else None


def confirm_advancement(round_: Round, *, by: User) -> Confirmation:
    """Confirm every entry's decision and bring the next round in line: advanced entries
    enter it (source "advanced", with the carried score when it carries scores over), entries
    no longer advanced leave it. Running it twice changes nothing the second time."""
    settings = settings_or_none(round_)
    target = next_round(round_)
    problems = _common_problems(round_, settings)
    refuse_if(problems)
    plan = advancement_plan(round_)
    if plan.undecided:
        raise JudgingError("undecided")
    advancing = {row.round_entry.entry_id: row for row in plan.advancing}
    existing = {
        re.entry_id: re
        for re in db.session.scalars(
            select(RoundEntry)
            .where(RoundEntry.round_id == target.id)
            .options(joinedload(RoundEntry.entry))
        )
    }
    leaving = [
        re
        for entry_id, re in existing.items()
        if entry_id not in advancing and re.source == EntrySource.ADVANCED
    ]
    if leaving and db.session.scalar(
        select(exists().where(ScoreSheet.round_entry_id.in_([re.id for re in leaving])))
    ):
        raise JudgingError("next_round_scored")

    now = utcnow()
    for row in plan.rows:
        re = row.round_entry
        if re.decision is None:
            re.decision = row.proposal.decision
            re.decision_reason = _rule_text(row.proposal)
            re.decided_by_id = by.id
            re.decided_at = now
    result = Confirmation()
    carry = target.carry_over_weight and target.carry_over_weight > 0
    for entry_id, row in sorted(advancing.items()):
        carried = row.standing.score if carry else None
        present = existing.get(entry_id)
        if present is None:
            db.session.add(
                RoundEntry(
                    round=target,
                    entry=row.round_entry.entry,
                    pool=_pool_for(row.round_entry.entry, target),
                    source=EntrySource.ADVANCED,
                    carried_score=carried,
                )
            )
            result.added.append(entry_id)
        else:
            if present.source == EntrySource.ADVANCED:
                present.carried_score = carried
            result.kept.append(entry_id)
    for re in leaving:
        result.removed.append(re.entry_id)
        db.session.delete(re)
    old = settings.advancement_confirmed_at if settings else None
    settings = settings or settings_for(round_)
    settings.advancement_confirmed_at = now
    db.session.flush()
    audit.record(
        "judging.advancement_confirm",
        settings,
        old={"confirmed_at": old},
        new={
            "confirmed_at": now,
            "next_round": target.id,
            "advanced": sorted(advancing),
            "added": result.added,
            "removed": sorted(result.removed),
        },
        actor=by,
    )
    return result
