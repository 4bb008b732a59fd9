"""Awards of a round (normally the final): organizers define the prizes and their quotas,
the overall ranking proposes who wins the ranked prizes (see ``rules.propose_prizes``), and
organizers grant, change or take back prizes with a reason, then confirm.

An entry holds at most one ranked prize (Nhất, Nhì, Ba or Khuyến khích) and any number of
special prizes; no prize goes to more entries than its quota. Every change is audited, and any
change after confirmation takes the confirmation back. Nothing changes once the results are
published or while judges are still scoring.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from app import audit
from app.db import db, utcnow
from app.people.models import User
from competitions.models import Entry, Round
from judging.advancement import rules
from judging.advancement.services import MIN_REASON_LENGTH, judging_problems
from judging.advancement.standing import Standing, round_standing
from judging.common import JudgingError, refuse_if, settings_for, settings_or_none
from judging.models import Award, AwardKind, AwardWinner, RoundEntry, RoundJudging

RANKED_KINDS = (AwardKind.FIRST, AwardKind.SECOND, AwardKind.THIRD, AwardKind.CONSOLATION)
# The programme's usual prizes: names are the public record, so they are kept in Vietnamese.
STANDARD_SET = (
    (AwardKind.FIRST, "Giải Nhất", 1),
    (AwardKind.SECOND, "Giải Nhì", 2),
    (AwardKind.THIRD, "Giải Ba", 3),
    (AwardKind.CONSOLATION, "Giải Khuyến khích", 4),
)
MAX_QUOTA = 100


def is_ranked(award: Award) -> bool:
    return award.kind in RANKED_KINDS


def awards_of(round_: Round) -> list[Award]:
    return list(
        db.session.scalars(
            select(Award)
            .where(Award.round_id == round_.id)
            .options(selectinload(Award.winners))
            .order_by(Award.position, Award.id)
        )
    )


def _problems(round_: Round, settings: RoundJudging | None) -> list[str]:
    problems = judging_problems(round_, settings)
    if settings is not None and settings.results_published_at is not None:
        problems.append("published")
    return problems


def _changed(round_: Round, settings: RoundJudging | None, by: User) -> None:
    """A change to the awards takes back their confirmation."""
    if settings is not None and settings.awards_confirmed_at is not None:
        audit.record(
            "judging.awards_unconfirm",
            settings,
            old={"confirmed_at": settings.awards_confirmed_at},
            new={"confirmed_at": None},
            actor=by,
        )
        settings.awards_confirmed_at = None


def _award(round_: Round, award_id: int) -> Award:
    award = db.session.get(Award, award_id)
    if award is None or award.round_id != round_.id:
        raise JudgingError("no_award")
    return award


def _round_entry(round_: Round, round_entry_id: int) -> RoundEntry:
    round_entry = db.session.get(RoundEntry, round_entry_id)
    if round_entry is None or round_entry.round_id != round_.id:
        raise JudgingError("no_entry")
    return round_entry


def _reason_problems(reason: str) -> list[str]:
    return ["reason_required"] if len(reason) < MIN_REASON_LENGTH else []


# --- defining the prizes -----------------------------------------------------------------------


def add_standard_awards(round_: Round, *, by: User) -> list[Award]:
    """Giải Nhất 1, Nhì 2, Ba 3, Khuyến khích 4, when the round has no ranked prize yet."""
    settings = settings_or_none(round_)
    problems = _problems(round_, settings)
    existing = awards_of(round_)
    if any(is_ranked(a) for a in existing):
        problems.append("ranked_exist")
    names = {a.name for a in existing}
    if any(name in names for _kind, name, _quota in STANDARD_SET):
        problems.append("name_taken")
    refuse_if(problems)
    start = max((a.position for a in existing), default=0)
    created = [
        Award(round_id=round_.id, kind=kind, name=name, quota=quota, position=start + n)
        for n, (kind, name, quota) in enumerate(STANDARD_SET, start=1)
    ]
    db.session.add_all(created)
    db.session.flush()
    audit.record(
        "judging.awards_standard",
        round_,
        new={"awards": [[a.kind, a.name, a.quota] for a in created]},
        actor=by,
    )
    _changed(round_, settings, by)
    return created


def add_award(round_: Round, kind: str, name: str, quota: int, *, by: User) -> Award:
    settings = settings_or_none(round_)
    name = " ".join((name or "").split())
    problems = _problems(round_, settings)
    if kind not in set(AwardKind):
        problems.append("bad_kind")
    if not name:
        problems.append("name_required")
    elif db.session.scalar(
        select(func.count()).where(Award.round_id == round_.id, Award.name == name)
    ):
        problems.append("name_taken")
    if not 1 <= quota <= MAX_QUOTA:
        problems.append("bad_quota")
    refuse_if(problems)
    position = db.session.scalar(
        select(func.coalesce(func.max(Award.position), 0)).where(Award.round_id == round_.id)
    )
    award = Award(round_id=round_.id, kind=kind, name=name, quota=quota, position=position + 1)
    db.session.add(award)
    db.session.flush()
    audit.record(
        "judging.award_add", award, new={"kind": kind, "name": name, "quota": quota}, actor=by
    )
    _changed(round_, settings, by)
    return award


def update_award(round_: Round, award_id: int, name: str, quota: int, *, by: User) -> Award:
    settings = settings_or_none(round_)
    award = _award(round_, award_id)
    name = " ".join((name or "").split())
    problems = _problems(round_, settings)
    if not name:
        problems.append("name_required")
    elif name != award.name and db.session.scalar(
        select(func.count()).where(Award.round_id == round_.id, Award.name == name)
    ):
        problems.append("name_taken")
    if not 1 <= quota <= MAX_QUOTA:
        problems.append("bad_quota")
    elif quota < len(award.winners):
        problems.append("quota_below_winners")
    if name == award.name and quota == award.quota:
        problems.append("unchanged")
    refuse_if(problems)
    old = {"name": award.name, "quota": award.quota}
    award.name, award.quota = name, quota
    db.session.flush()
    audit.record(
        "judging.award_update", award, old=old, new={"name": name, "quota": quota}, actor=by
    )
    _changed(round_, settings, by)
    return award


def delete_award(round_: Round, award_id: int, *, by: User) -> None:
    settings = settings_or_none(round_)
    award = _award(round_, award_id)
    refuse_if(_problems(round_, settings))
    audit.record(
        "judging.award_delete",
        award,
        old={
            "kind": award.kind,
            "name": award.name,
            "quota": award.quota,
            "winners": [w.round_entry_id for w in award.winners],
        },
        actor=by,
    )
    db.session.delete(award)
    db.session.flush()
    _changed(round_, settings, by)


# --- who wins ------------------------------------------------------------------------------------


@dataclass
class AwardRow:
    round_entry: RoundEntry
    standing: Standing
    proposal: rules.PrizeProposal
    ranked: AwardWinner | None  # the ranked prize the entry holds now
    specials: list[AwardWinner] = field(default_factory=list)

    @property
    def entry_title(self) -> str:
        return self.round_entry.entry.title


@dataclass
class AwardsPlan:
    round: Round
    settings: RoundJudging | None
    problems: list[str]
    awards: list[Award]
    rows: list[AwardRow]

    @property
    def ranked_awards(self) -> list[Award]:
        return [a for a in self.awards if is_ranked(a)]

    @property
    def special_awards(self) -> list[Award]:
        return [a for a in self.awards if not is_ranked(a)]

    @property
    def ties(self) -> list[AwardRow]:
        return [row for row in self.rows if row.proposal.tied_between]

    @property
    def confirmed(self) -> bool:
        return self.settings is not None and self.settings.awards_confirmed_at is not None

    @property
    def published(self) -> bool:
        return self.settings is not None and self.settings.results_published_at is not None


def _proposals(
    awards: list[Award], standing: dict[int, Standing]
) -> dict[int, rules.PrizeProposal]:
    prizes = [rules.Prize(a.id, a.quota) for a in awards if is_ranked(a)]
    ranked = [(re_id, s.overall_rank) for re_id, s in standing.items()]
    return rules.propose_prizes(ranked, prizes)


def awards_plan(round_: Round) -> AwardsPlan:
    """The round's entries in overall rank order, with the proposed and the granted prizes."""
    settings = settings_or_none(round_)
    awards = awards_of(round_)
    standing = round_standing(round_)
    proposals = _proposals(awards, standing)
    round_entries = db.session.scalars(
        select(RoundEntry)
        .where(RoundEntry.round_id == round_.id)
        .options(joinedload(RoundEntry.entry).joinedload(Entry.team))
    ).unique()
    rows = {re.id: AwardRow(re, standing[re.id], proposals[re.id], None) for re in round_entries}
    for award in awards:
        for winner in award.winners:
            row = rows.get(winner.round_entry_id)
            if row is None:
                continue
            if is_ranked(award):
                row.ranked = winner
            else:
                row.specials.append(winner)
    ordered = sorted(
        rows.values(),
        key=lambda r: (
            r.standing.overall_rank is None,
            r.standing.overall_rank or 0,
            r.round_entry.entry.code or "",
            r.round_entry.id,
        ),
    )
    return AwardsPlan(round_, settings, _problems(round_, settings), awards, ordered)


def apply_award_proposal(round_: Round, *, by: User) -> int:
    """Replace the ranked prizes' winners by the proposal (ties at a boundary stay empty for
    the organizer); special prizes are left as they are. Returns the winners set."""
    settings = settings_or_none(round_)
    problems = _problems(round_, settings)
    awards = awards_of(round_)
    ranked = [a for a in awards if is_ranked(a)]
    if not ranked:
        problems.append("no_ranked_awards")
    refuse_if(problems)
    proposals = _proposals(awards, round_standing(round_))
    old = {a.id: sorted(w.round_entry_id for w in a.winners) for a in ranked}
    for award in ranked:
        award.winners.clear()
    db.session.flush()
    now = utcnow()
    by_id = {a.id: a for a in ranked}
    granted = 0
    for re_id, proposal in sorted(proposals.items()):
        if proposal.prize is not None:
            by_id[proposal.prize].winners.append(
                AwardWinner(round_entry_id=re_id, reason="", granted_by_id=by.id, granted_at=now)
            )
            granted += 1
    db.session.flush()
    audit.record(
        "judging.awards_propose",
        round_,
        old={"winners": old},
        new={"winners": {a.id: sorted(w.round_entry_id for w in a.winners) for a in ranked}},
        actor=by,
    )
    _changed(round_, settings, by)
    return granted


def set_ranked_prize(
    round_: Round, round_entry_id: int, award_id: int | None, reason: str | None, *, by: User
) -> None:
    """Give an entry a ranked prize, another one, or none (award_id None), with a reason."""
    settings = settings_or_none(round_)
    round_entry = _round_entry(round_, round_entry_id)
    reason = (reason or "").strip()
    awards = awards_of(round_)
    problems = _problems(round_, settings) + _reason_problems(reason)
    award = None
    if award_id is not None:
        award = next((a for a in awards if a.id == award_id and is_ranked(a)), None)
        if award is None:
            raise JudgingError("no_award")
    current = next(
        (
            (a, w)
            for a in awards
            if is_ranked(a)
            for w in a.winners
            if w.round_entry_id == round_entry.id
        ),
        None,
    )
    current_award = current[0] if current else None
    if current_award is award:
        problems.append("unchanged")
    elif award is not None and len(award.winners) >= award.quota:
        problems.append("quota_full")
    refuse_if(problems)
    if current is not None:
        current[0].winners.remove(current[1])
    if award is not None:
        award.winners.append(
            AwardWinner(round_entry_id=round_entry.id, reason=reason, granted_by_id=by.id)
        )
    db.session.flush()
    audit.record(
        "judging.award_grant",
        round_entry,
        old={"award": current_award.name if current_award else None},
        new={"award": award.name if award else None, "reason": reason},
        actor=by,
    )
    _changed(round_, settings, by)


def grant_special(
    round_: Round, round_entry_id: int, award_id: int, reason: str | None, *, by: User
) -> AwardWinner:
    settings = settings_or_none(round_)
    round_entry = _round_entry(round_, round_entry_id)
    award = _award(round_, award_id)
    reason = (reason or "").strip()
    problems = _problems(round_, settings) + _reason_problems(reason)
    if is_ranked(award):
        problems.append("not_special")
    elif any(w.round_entry_id == round_entry.id for w in award.winners):
        problems.append("unchanged")
    elif len(award.winners) >= award.quota:
        problems.append("quota_full")
    refuse_if(problems)
    winner = AwardWinner(round_entry_id=round_entry.id, reason=reason, granted_by_id=by.id)
    award.winners.append(winner)
    db.session.flush()
    audit.record(
        "judging.award_grant",
        round_entry,
        old={"award": None},
        new={"award": award.name, "reason": reason},
        actor=by,
    )
    _changed(round_, settings, by)
    return winner


def revoke_special(round_: Round, winner_id: int, reason: str | None, *, by: User) -> None:
    settings = settings_or_none(round_)
    winner = db.session.get(AwardWinner, winner_id)
    if winner is None or winner.award.round_id != round_.id or is_ranked(winner.award):
        raise JudgingError("no_award")
    reason = (reason or "").strip()
    refuse_if(_problems(round_, settings) + _reason_problems(reason))
    award = winner.award
    audit.record(
        "judging.award_revoke",
        winner.round_entry,
        old={"award": award.name},
        new={"award": None, "reason": reason},
        actor=by,
    )
    award.winners.remove(winner)
    db.session.flush()
    _changed(round_, settings, by)


def confirm_awards(round_: Round, *, by: User) -> None:
    settings = settings_or_none(round_)
    problems = _problems(round_, settings)
    awards = awards_of(round_)
    if not any(a.winners for a in awards):
        problems.append("no_winners")
    if settings is not None and settings.awards_confirmed_at is not None:
        problems.append("unchanged")
    refuse_if(problems)
    settings = settings or settings_for(round_)
    settings.awards_confirmed_at = utcnow()
    db.session.flush()
    audit.record(
        "judging.awards_confirm",
        settings,
        old={"confirmed_at": None},
        new={
            "confirmed_at": settings.awards_confirmed_at,
            "winners": {a.name: sorted(w.round_entry_id for w in a.winners) for a in awards},
        },
        actor=by,
    )
