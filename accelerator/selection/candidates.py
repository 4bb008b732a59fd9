"""Proposals for a cohort read from published results: award winners first, then the top
ranks of each competition's last published round.

Only what the public may read is used: rounds whose results are published
(RoundJudging.results_published_at), in competitions whose results are out (published or
archived), through the frozen RoundEntry.published_rank / published_score and the awards
given. A team is proposed once however many prizes and ranks it holds (its best reason
first), and a team already in the cohort says so instead of being proposed again. Four
queries whatever the number of competitions and entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from sqlalchemy import exists, func, select

from accelerator.models import CohortTeam
from app.db import db
from app.units.models import Unit
from competitions.models import Competition, CompetitionStatus, Entry, Pool, Round, Team
from judging.models import Award, AwardWinner, RoundEntry, RoundJudging

RESULT_STATUSES: Final = (CompetitionStatus.PUBLISHED, CompetitionStatus.ARCHIVED)
DEFAULT_TOP_N: Final = 10
MAX_TOP_N: Final = 100


@dataclass
class Proposal:
    """One team proposed from published results, with the reason it comes with."""

    source: str  # CandidateSource.AWARD or RANK
    round_entry_id: int
    competition_id: int
    competition_title: str
    round_name: str
    entry_id: int
    entry_title: str
    entry_code: str
    team_id: int
    team_name: str
    unit_name: str
    pool_name: str
    rank: int | None
    score: Decimal | None
    award_id: int | None = None
    award_name: str = ""
    in_cohort: str | None = None  # the team's status in the cohort, when it is in it


def _published_round(round_id_column) -> object:  # noqa: ANN001
    return exists().where(
        RoundJudging.round_id == round_id_column, RoundJudging.results_published_at.is_not(None)
    )


def result_competitions() -> list[Competition]:
    """Competitions with published results to choose from, newest edition first."""
    return list(
        db.session.scalars(
            select(Competition)
            .where(
                Competition.status.in_(RESULT_STATUSES),
                exists()
                .where(Round.competition_id == Competition.id)
                .where(_published_round(Round.id)),
            )
            .order_by(Competition.edition_year.desc(), Competition.title_folded, Competition.id)
        )
    )


def _columns() -> tuple:
    return (
        RoundEntry.id,
        Competition.id,
        Competition.title,
        Round.name,
        Entry.id,
        Entry.title,
        Entry.code,
        Team.id,
        Team.name,
        Unit.name,
        Pool.name,
        RoundEntry.published_rank,
        RoundEntry.published_score,
    )


def _joined(statement):  # noqa: ANN001, ANN202
    return (
        statement.join(Round, RoundEntry.round_id == Round.id)
        .join(Competition, Round.competition_id == Competition.id)
        .join(Entry, RoundEntry.entry_id == Entry.id)
        .join(Team, Entry.team_id == Team.id)
        .outerjoin(Unit, Entry.unit_id == Unit.id)
        .outerjoin(Pool, RoundEntry.pool_id == Pool.id)
        .where(Competition.status.in_(RESULT_STATUSES), _published_round(Round.id))
    )


def _proposal(source: str, row, award_id: int | None = None, award: str = "") -> Proposal:  # noqa: ANN001
    return Proposal(
        source=source,
        round_entry_id=row[0],
        competition_id=row[1],
        competition_title=row[2],
        round_name=row[3],
        entry_id=row[4],
        entry_title=row[5],
        entry_code=row[6] or "",
        team_id=row[7],
        team_name=row[8],
        unit_name=row[9] or "",
        pool_name=row[10] or "",
        rank=row[11],
        score=row[12],
        award_id=award_id,
        award_name=award,
    )


def last_published_rounds(competition_ids: list[int]) -> dict[int, int]:
    """competition id → id of its last round (by position) whose results are published."""
    last_position = (
        select(Round.competition_id, func.max(Round.position).label("position"))
        .where(Round.competition_id.in_(competition_ids), _published_round(Round.id))
        .group_by(Round.competition_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Round.competition_id, Round.id).join(
            last_position,
            (Round.competition_id == last_position.c.competition_id)
            & (Round.position == last_position.c.position),
        )
    )
    return dict(rows.all())


def proposals(cohort_id: int, competition_ids: list[int], top_n: int) -> list[Proposal]:
    """Award winners of the chosen competitions (in the order given, each by its prizes'
    order), then the entries ranked 1 to `top_n` in each one's last published round."""
    if not competition_ids:
        return []
    order = {competition_id: n for n, competition_id in enumerate(competition_ids)}
    found: list[Proposal] = []
    award_rows = db.session.execute(
        _joined(
            select(*_columns(), Award.id, Award.name, Award.position)
            .select_from(AwardWinner)
            .join(Award, AwardWinner.award_id == Award.id)
            .join(RoundEntry, AwardWinner.round_entry_id == RoundEntry.id)
        ).where(Competition.id.in_(competition_ids))
    ).all()
    award_rows.sort(key=lambda r: (order[r[1]], r[15], r[13], r[7]))
    found += [_proposal("award", row, row[13], row[14]) for row in award_rows]

    last_rounds = last_published_rounds(competition_ids)
    if last_rounds:
        rank_rows = db.session.execute(
            _joined(select(*_columns()).select_from(RoundEntry)).where(
                RoundEntry.round_id.in_(last_rounds.values()),
                RoundEntry.published_rank.is_not(None),
                RoundEntry.published_rank <= top_n,
            )
        ).all()
        rank_rows.sort(key=lambda r: (order[r[1]], r[11], r[10] or "", r[6] or "", r[0]))
        found += [_proposal("rank", row) for row in rank_rows]

    proposed: list[Proposal] = []
    seen: set[int] = set()
    for proposal in found:
        if proposal.team_id not in seen:
            seen.add(proposal.team_id)
            proposed.append(proposal)
    if proposed:
        statuses = dict(
            db.session.execute(
                select(CohortTeam.team_id, CohortTeam.status).where(
                    CohortTeam.cohort_id == cohort_id, CohortTeam.team_id.in_(seen)
                )
            ).all()
        )
        for proposal in proposed:
            proposal.in_cohort = statuses.get(proposal.team_id)
    return proposed
