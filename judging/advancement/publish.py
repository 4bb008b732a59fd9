"""Publishing a round's results, and reading them back: the public results page and what
each team sees of its own entry.

Publishing freezes each entry's score and rank in its pool (RoundEntry.published_score /
published_rank), so what the public and the teams read never moves afterwards, and emails every
member and the advisor of each team of the round. It cannot be undone: published results are
a public record. What a team reads of the judges is their comments for the team, numbered
"Judge 1, 2, …" in the order the sheets were opened: never a judge's name, score sheet or
private note (the queries here never select them).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app import audit
from app.db import db, utcnow
from app.links import external_url
from app.mail.outbox import queue_mail
from app.people.models import User
from app.vietnamese import name_sort_key
from competitions.models import Competition, CompetitionStatus, Entry, Pool, Round, Team, TeamMember
from judging.advancement.services import judging_problems, next_round
from judging.advancement.standing import round_standing
from judging.common import refuse_if, settings_for, settings_or_none
from judging.models import (
    AdvancementDecision,
    Award,
    AwardWinner,
    RoundEntry,
    RoundJudging,
    ScoreSheet,
    SheetStatus,
)


def publish_problems(round_: Round, settings: RoundJudging | None) -> list[str]:
    problems = judging_problems(round_, settings)
    if settings is not None and settings.results_published_at is not None:
        problems.append("already_published")
    elif next_round(round_) is not None:
        if settings is None or settings.advancement_confirmed_at is None:
            problems.append("advancement_unconfirmed")
    elif settings is None or settings.awards_confirmed_at is None:
        problems.append("awards_unconfirmed")
    return problems


def publish_results(round_: Round, *, by: User) -> int:
    """Freeze the scores and ranks, make the results public and tell every team; returns the
    number of emails queued."""
    settings = settings_or_none(round_)
    refuse_if(publish_problems(round_, settings))
    standing = round_standing(round_)
    round_entries = list(
        db.session.scalars(
            select(RoundEntry)
            .where(RoundEntry.round_id == round_.id)
            .options(
                joinedload(RoundEntry.entry)
                .joinedload(Entry.team)
                .selectinload(Team.members)
                .joinedload(TeamMember.user),
                joinedload(RoundEntry.entry).joinedload(Entry.team).joinedload(Team.advisor),
                joinedload(RoundEntry.pool),
            )
        ).unique()
    )
    for re in round_entries:
        re.published_score = standing[re.id].score
        re.published_rank = standing[re.id].rank
    settings = settings or settings_for(round_)
    settings.results_published_at = utcnow()
    settings.results_published_by_id = by.id
    db.session.flush()
    audit.record(
        "judging.results_publish",
        settings,
        old={"published_at": None},
        new={
            "published_at": settings.results_published_at,
            "results": {
                re.entry_id: [re.published_score, re.published_rank] for re in round_entries
            },
        },
        actor=by,
    )
    return _notify(round_, round_entries)


def _notify(round_: Round, round_entries: list[RoundEntry]) -> int:
    """One email per person and entry, in the person's language: members, then the advisor."""
    prizes = _prizes_by_entry(round_.id)
    pool_sizes = _pool_sizes(round_.id)
    final = next_round(round_) is None
    sent = 0
    for re in round_entries:
        entry = re.entry
        people: dict[int, tuple[User, str]] = {}
        for member in entry.team.members:
            people.setdefault(member.user_id, (member.user, member.full_name))
        if entry.team.advisor is not None:
            people.setdefault(
                entry.team.advisor_id, (entry.team.advisor, entry.team.advisor.full_name)
            )
        link = external_url("judging.entry_result", entry_id=entry.id)
        for person, name in people.values():
            queue_mail(
                person.email,
                _l("Results of %(round)s: “%(title)s”", round=round_.name, title=entry.title),
                "judging/advancement/mail/results",
                locale=person.locale,
                user_id=person.id,
                name=name,
                entry=entry,
                round=round_,
                competition=round_.competition,
                round_entry=re,
                pool_size=pool_sizes.get(re.pool_id),
                prizes=prizes.get(re.id, []),
                final=final,
                advanced=re.decision == AdvancementDecision.ADVANCE,
                link=link,
            )
            sent += 1
    return sent


def _prizes_by_entry(round_id: int) -> dict[int, list[str]]:
    prizes: dict[int, list[str]] = defaultdict(list)
    for re_id, name in db.session.execute(
        select(AwardWinner.round_entry_id, Award.name)
        .join(Award, AwardWinner.award_id == Award.id)
        .where(Award.round_id == round_id)
        .order_by(Award.position, Award.id)
    ):
        prizes[re_id].append(name)
    return prizes


def _pool_sizes(round_id: int) -> dict[int | None, int]:
    return dict(
        db.session.execute(
            select(RoundEntry.pool_id, func.count())
            .where(RoundEntry.round_id == round_id)
            .group_by(RoundEntry.pool_id)
        ).all()
    )


# --- the public results page -------------------------------------------------------------------


@dataclass
class ResultRow:
    round_entry: RoundEntry
    members: list[str]  # full names in Vietnamese order (given name first)
    prizes: list[str]


@dataclass
class PublicResults:
    round: Round
    competition: Competition
    published_at: object
    is_final: bool
    pools: list[tuple[Pool | None, list[ResultRow]]] = field(default_factory=list)


def published_round(round_id: int) -> Round | None:
    """The round when its results are public: published, in a competition past its draft."""
    return db.session.scalar(
        select(Round)
        .join(RoundJudging, RoundJudging.round_id == Round.id)
        .join(Competition, Round.competition_id == Competition.id)
        .where(
            Round.id == round_id,
            RoundJudging.results_published_at.is_not(None),
            Competition.status != CompetitionStatus.DRAFT,
        )
        .options(joinedload(Round.competition))
    )


def public_results(round_: Round) -> PublicResults:
    """Everything the public page lists, in a fixed number of queries."""
    settings = settings_or_none(round_)
    round_entries = db.session.scalars(
        select(RoundEntry)
        .where(RoundEntry.round_id == round_.id)
        .options(
            joinedload(RoundEntry.entry).joinedload(Entry.team).selectinload(Team.members),
            joinedload(RoundEntry.entry).joinedload(Entry.unit),
        )
    ).unique()
    prizes = _prizes_by_entry(round_.id)
    pools = {p.id: p for p in db.session.scalars(select(Pool).where(Pool.round_id == round_.id))}
    by_pool: dict[int | None, list[ResultRow]] = defaultdict(list)
    for re in round_entries:
        members = sorted((m.full_name for m in re.entry.team.members), key=name_sort_key)
        by_pool[re.pool_id].append(ResultRow(re, members, prizes.get(re.id, [])))
    result = PublicResults(
        round=round_,
        competition=round_.competition,
        published_at=settings.results_published_at,
        is_final=next_round(round_) is None,
    )
    for pool_id in sorted(
        by_pool, key=lambda p: (p is None, pools[p].name if p in pools else "", p or 0)
    ):
        rows = sorted(
            by_pool[pool_id],
            key=lambda r: (
                r.round_entry.published_rank is None,
                r.round_entry.published_rank or 0,
                r.round_entry.entry.code or "",
                r.round_entry.id,
            ),
        )
        result.pools.append((pools.get(pool_id), rows))
    return result


# --- what a team sees -----------------------------------------------------------------------------


@dataclass
class RoundResult:
    round: Round
    round_entry: RoundEntry
    pool_size: int
    is_final: bool
    prizes: list[str]
    comments: list[tuple[int, str]]  # (judge number, comment)

    @property
    def advanced(self) -> bool:
        return self.round_entry.decision == AdvancementDecision.ADVANCE

    @property
    def score(self) -> Decimal | None:
        return self.round_entry.published_score


def entry_results(entry: Entry) -> list[RoundResult]:
    """The entry's published rounds in order, with the judges' comments for the team."""
    round_entries = list(
        db.session.scalars(
            select(RoundEntry)
            .join(RoundJudging, RoundJudging.round_id == RoundEntry.round_id)
            .join(Round, Round.id == RoundEntry.round_id)
            .where(RoundEntry.entry_id == entry.id, RoundJudging.results_published_at.is_not(None))
            .options(joinedload(RoundEntry.round), joinedload(RoundEntry.pool))
            .order_by(Round.position)
        )
    )
    if not round_entries:
        return []
    ids = [re.id for re in round_entries]
    comments: dict[int, list[str]] = defaultdict(list)
    # Only the comment column: the judge and the private note never leave the database here.
    for re_id, comment in db.session.execute(
        select(ScoreSheet.round_entry_id, ScoreSheet.comment_for_team)
        .where(
            ScoreSheet.round_entry_id.in_(ids),
            ScoreSheet.status == SheetStatus.SUBMITTED,
            ScoreSheet.comment_for_team != "",
        )
        .order_by(ScoreSheet.round_entry_id, ScoreSheet.id)
    ):
        if comment.strip():
            comments[re_id].append(comment.strip())
    prizes: dict[int, list[str]] = defaultdict(list)
    for re_id, name in db.session.execute(
        select(AwardWinner.round_entry_id, Award.name)
        .join(Award, AwardWinner.award_id == Award.id)
        .where(AwardWinner.round_entry_id.in_(ids))
        .order_by(Award.position, Award.id)
    ):
        prizes[re_id].append(name)
    sizes = {
        (round_id, pool_id): n
        for round_id, pool_id, n in db.session.execute(
            select(RoundEntry.round_id, RoundEntry.pool_id, func.count())
            .where(RoundEntry.round_id.in_({re.round_id for re in round_entries}))
            .group_by(RoundEntry.round_id, RoundEntry.pool_id)
        )
    }
    last_position = db.session.scalar(
        select(func.max(Round.position)).where(Round.competition_id == entry.competition_id)
    )
    return [
        RoundResult(
            round=re.round,
            round_entry=re,
            pool_size=sizes.get((re.round_id, re.pool_id), 0),
            is_final=re.round.position == last_position,
            prizes=prizes.get(re.id, []),
            comments=list(enumerate(comments.get(re.id, []), start=1)),
        )
        for re in round_entries
    ]
