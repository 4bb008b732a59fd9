"""Exporting a round's ranking workbook: load what the workbook shows beyond the ranking
(leaders, members, tracks, decisions, awards, the judges' comments), build it
(judging.results.workbook) and audit the export."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from app import audit, spreadsheets
from app.db import db
from app.localtime import local_today, wall_clock, wall_clock_now
from app.people.models import User
from competitions.models import Entry, Round, Team, TeamMember, Track
from judging.common import JudgingError
from judging.models import Award, AwardWinner, RoundEntry, ScoreSheet, SheetOrigin, SheetStatus
from judging.results.services import OVERALL, RoundRanking, rank_round, trust_report
from judging.results.workbook import EntryDetails, ExportFacts, SheetDetails, ranking_workbook

COMMAND_LINE = "Dòng lệnh máy chủ (flask rankings export)"


def _rows(statement) -> list:  # noqa: ANN001
    return db.session.connection().execute(statement).all()


def entry_details(round_id: int) -> dict[int, EntryDetails]:
    """Leader, other members, track, decision and awards of every entry of the round, by
    RoundEntry id, in three queries."""
    entries = _rows(
        select(RoundEntry.id, Entry.team_id, User.full_name, Track.name, RoundEntry.decision)
        .join(Entry, RoundEntry.entry_id == Entry.id)
        .join(Team, Entry.team_id == Team.id)
        .join(User, Team.leader_id == User.id)
        .join(Track, Entry.track_id == Track.id)
        .where(RoundEntry.round_id == round_id)
    )
    teams = {team_id for _, team_id, *_ in entries}
    members: dict[int, list[str]] = defaultdict(list)
    for team_id, name in _rows(
        select(TeamMember.team_id, TeamMember.full_name)
        .join(Team, TeamMember.team_id == Team.id)
        .where(TeamMember.team_id.in_(teams), TeamMember.user_id != Team.leader_id)
        .order_by(TeamMember.team_id, TeamMember.id)
    ):
        members[team_id].append(name)
    awards: dict[int, list[str]] = defaultdict(list)
    for round_entry_id, name in _rows(
        select(AwardWinner.round_entry_id, Award.name)
        .join(Award, AwardWinner.award_id == Award.id)
        .where(Award.round_id == round_id)
        .order_by(Award.position, Award.id)
    ):
        awards[round_entry_id].append(name)
    return {
        round_entry_id: EntryDetails(
            leader=leader,
            members=tuple(members.get(team_id, ())),
            track=track,
            decision=decision,
            awards=tuple(awards.get(round_entry_id, ())),
        )
        for round_entry_id, team_id, leader, track, decision in entries
    }


def sheet_details(round_id: int) -> dict[tuple[int, int], SheetDetails]:
    """The comment, submission time and origin of every submitted sheet of the round."""
    rows = _rows(
        select(
            ScoreSheet.round_entry_id,
            ScoreSheet.user_id,
            ScoreSheet.comment_for_team,
            ScoreSheet.submitted_at,
            ScoreSheet.origin,
        )
        .join(RoundEntry, RoundEntry.id == ScoreSheet.round_entry_id)
        .where(RoundEntry.round_id == round_id, ScoreSheet.status == SheetStatus.SUBMITTED)
    )
    return {
        (entry, judge): SheetDetails(
            comment=comment or "",
            submitted_at=wall_clock(submitted_at),
            paper=origin != SheetOrigin.ONLINE,
        )
        for entry, judge, comment, submitted_at, origin in rows
    }


def download_name(ranking: RoundRanking, scope_name: str | None = None) -> str:
    """`<competition>_<round>_<yyyy-mm-dd>.xlsx` (with the pool when one pool is exported),
    Vietnamese kept (the response encodes it)."""
    data = ranking.data
    return spreadsheets.download_name(
        data.competition_title, data.round_name, scope_name, date=local_today()
    )


def export_round(
    round_: Round,
    method: str | None = None,
    *,
    actor: User | None,
    destination: str,
    scope: str = OVERALL,
) -> tuple[bytes, str]:
    """Build the round's workbook and audit the export; returns (bytes, download name).

    `scope` is a pool id (as text) or OVERALL; `destination` says where the file went
    ("download" or the CLI's output path), for the audit log. Raises JudgingError
    (no_rubric, bad_method, scores_outside_rubric, no_pool) before auditing."""
    ranking = rank_round(round_.id, method)
    if len(ranking.data.pools) == 1:
        scope = OVERALL  # one pool is the whole round
    shown = ranking.scope(scope)
    if shown is None:
        raise JudgingError("no_pool")
    facts = ExportFacts(
        scope=shown,
        exported_at=wall_clock_now(),
        exported_by=f"{actor.full_name} <{actor.email}>" if actor else COMMAND_LINE,
        entries=entry_details(round_.id),
        sheets=sheet_details(round_.id),
    )
    content = ranking_workbook(ranking, trust_report(ranking), facts)
    pool_name = None if shown.is_overall else (shown.pool.name or "Chua-xep-bang")
    audit.record(
        "judging.export",
        round_,
        new={
            "format": "xlsx",
            "what": "ranking",
            "method": ranking.method,
            "scope": scope,
            "entries": len(shown.rows),
            "destination": destination,
        },
        actor=actor,
    )
    return content, download_name(ranking, pool_name)
