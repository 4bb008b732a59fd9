"""A round in its judging window, seeded in bulk, and the check afterwards that every save the
server acknowledged is stored exactly once.

Used by load/run.py (200 judges in 20 pools, 3 judges per entry) and by the gunicorn fault
tests (tests/faults/judging_world.py: a few judges in one pool, each scoring every entry).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from flask import Flask
from sqlalchemy import func, insert, select

if TYPE_CHECKING:
    from app.units.models import Unit
    from competitions.models import Pool, Round
    from judging.models import RubricCriterion

# Row ids: the bulk inserts name them, so the rows can point at each other.
JUDGE_BASE, LEADER_BASE, TEAM_BASE = 10_000, 20_000, 30_000
ENTRY_BASE, ROUND_ENTRY_BASE = 40_000, 50_000


@dataclass
class World:
    round_id: int
    judges: list[str]  # emails, in the order of their ids
    round_entries: list[int]
    assigned: Counter[int]  # judge id -> published assignments


def add_round(
    province: Unit,
    *,
    pools: int,
    judges_per_entry: int,
    rubric: Iterable[tuple[str, int]],
    opens_at: datetime,
    closes_at: datetime,
) -> tuple[Round, list[Pool], list[RubricCriterion]]:
    """The province's competition, in judging, with its track "Bảng Sinh viên" and its first
    round (judged from `opens_at` to `closes_at`, `judges_per_entry` judges an entry), that
    round's `pools` pools and its rubric (name, maximum score = weight); added to the session
    and flushed. Also what bench/bench_ranking.py ranks (its judging over)."""
    from app.db import db
    from competitions.models import (
        Audience,
        Competition,
        CompetitionStatus,
        Pool,
        PoolMode,
        Round,
        Track,
    )
    from judging.models import RoundJudging, RubricCriterion

    competition = Competition(
        title="Cuộc thi Khởi nghiệp đổi mới sáng tạo tỉnh Quảng Ninh",
        code="QN",
        edition_year=2026,
        owner_unit=province,
        status=CompetitionStatus.JUDGING,
    )
    competition.tracks.append(
        Track(code="SV", name="Bảng Sinh viên", audience=Audience.OPEN, position=1)
    )
    round_ = Round(
        position=1,
        name="Vòng sơ khảo",
        pool_mode=PoolMode.BY_UNIT,
        judging_opens_at=opens_at,
        judging_closes_at=closes_at,
    )
    competition.rounds.append(round_)
    pool_rows = [Pool(name=f"Cụm trường {p + 1:02d}") for p in range(pools)]
    round_.pools.extend(pool_rows)
    db.session.add_all([competition, RoundJudging(round=round_, judges_per_entry=judges_per_entry)])
    criteria = [
        RubricCriterion(
            round=round_, position=i, name=name, max_score=Decimal(m), weight=Decimal(m)
        )
        for i, (name, m) in enumerate(rubric, start=1)
    ]
    db.session.add_all(criteria)
    db.session.flush()
    return round_, pool_rows, criteria


def seed_round(
    app: Flask,
    *,
    judges: int,
    entries: int,
    rubric: Iterable[tuple[str, int]],
    password: str,
    pools: int = 1,
    judges_per_entry: int | None = None,
) -> World:
    """A province, its competition in judging and one round open for judging since yesterday,
    with `pools` pools and the rubric (name, maximum score = weight). Judge j sits in pool
    j % pools (active, conflicts declared, signing in with `password` at production cost);
    entry n, accepted, is in pool n % pools and assigned to `judges_per_entry` judges of its
    pool in rotation (all of them by default). Committed; no score sheet yet."""
    from app.auth.passwords import hash_password
    from app.db import db
    from app.people.models import User
    from app.units.models import Unit, UnitLevel
    from app.vietnamese import fold, name_sort_string
    from competitions.models import Entry, Team
    from judging.models import JudgeAssignment, PanelMember, RoundEntry

    per_entry = judges_per_entry or judges // pools
    now = datetime.now(UTC)
    with app.app_context():
        level = UnitLevel(code="province", name_vi="Tỉnh", name_en="Province", rank=0)
        province = Unit(name="Tỉnh Quảng Ninh", level=level, path="/")
        db.session.add_all([level, province])
        db.session.flush()
        province.path = f"/{province.id}/"
        round_, pool_rows, _criteria = add_round(
            province,
            pools=pools,
            judges_per_entry=per_entry,
            rubric=rubric,
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=1),
        )
        competition = round_.competition
        track = competition.tracks[0]
        password_hash = hash_password(password)  # production cost: sign-in is real

        def person(prefix: str, n: int, **extra: object) -> dict:
            name = f"{prefix} {n + 1}"
            return {
                "email": f"{fold(prefix).replace(' ', '.')}.{n + 1}@example.vn",
                "full_name": name,
                "name_folded": fold(name),
                "name_sort": name_sort_string(name),
                **extra,
            }

        judge_rows = [
            {
                "id": JUDGE_BASE + j,
                **person("Lê Văn Giám Khảo", j),
                "password_hash": password_hash,
                "email_verified_at": now,
            }
            for j in range(judges)
        ]
        db.session.execute(insert(User), judge_rows)
        db.session.execute(
            insert(User),
            [
                {"id": LEADER_BASE + n, **person("Nguyễn Thị Trưởng Nhóm", n)}
                for n in range(entries)
            ],
        )
        db.session.execute(
            insert(Team),
            [
                {
                    "id": TEAM_BASE + n,
                    "name": f"Nhóm Khởi Nghiệp {n + 1}",
                    "name_folded": fold(f"Nhóm Khởi Nghiệp {n + 1}"),
                    "leader_id": LEADER_BASE + n,
                    "unit_id": province.id,
                }
                for n in range(entries)
            ],
        )
        db.session.execute(
            insert(Entry),
            [
                {
                    "id": ENTRY_BASE + n,
                    "competition_id": competition.id,
                    "track_id": track.id,
                    "team_id": TEAM_BASE + n,
                    "unit_id": province.id,
                    "status": "accepted",
                    "code": f"QN26-SV-{n + 1:04d}",
                    "title": f"Dự án nông nghiệp thông minh số {n + 1}",
                    "title_folded": fold(f"Dự án nông nghiệp thông minh số {n + 1}"),
                }
                for n in range(entries)
            ],
        )
        round_entries = [ROUND_ENTRY_BASE + n for n in range(entries)]
        db.session.execute(
            insert(RoundEntry),
            [
                {
                    "id": round_entries[n],
                    "round_id": round_.id,
                    "entry_id": ENTRY_BASE + n,
                    "pool_id": pool_rows[n % pools].id,
                }
                for n in range(entries)
            ],
        )
        db.session.execute(
            insert(PanelMember),
            [
                {
                    "round_id": round_.id,
                    "user_id": JUDGE_BASE + j,
                    "pool_id": pool_rows[j % pools].id,
                    "status": "active",
                    "invited_at": now,
                    "conflicts_declared_at": now,
                }
                for j in range(judges)
            ],
        )
        # Each pool has its own judges; its entries rotate through them.
        pool_judges = {
            p: [JUDGE_BASE + j for j in range(judges) if j % pools == p] for p in range(pools)
        }
        assignments = []
        for n in range(entries):
            judges_of_pool = pool_judges[n % pools]
            for t in range(per_entry):
                judge = judges_of_pool[(n // pools * per_entry + t) % len(judges_of_pool)]
                assignments.append(
                    {
                        "round_entry_id": round_entries[n],
                        "user_id": judge,
                        "status": "published",
                        "source": "auto",
                    }
                )
        db.session.execute(insert(JudgeAssignment), assignments)
        db.session.commit()
        world = World(
            round_id=round_.id,
            judges=[row["email"] for row in judge_rows],
            round_entries=round_entries,
            assigned=Counter(a["user_id"] for a in assignments),
        )
        db.session.remove()
    return world


@dataclass
class Save:
    """A save the server acknowledged (the redirect after the POST)."""

    judge: str  # email
    round_entry_id: int
    values: dict[str, str]  # criterion id -> value


def _key(values: dict) -> tuple:
    return tuple(sorted((str(k), Decimal(str(v))) for k, v in values.items()))


def stored_exactly_once(app: Flask, round_id: int, saves: Iterable[Save]) -> list[str]:
    """Every acknowledged save has exactly one audit row with its values and no other save
    left one; each judge × entry of the round has one sheet, holding the last acknowledged
    values. Returns the problems found."""
    from app.audit import AuditEvent
    from app.db import db
    from app.people.models import User
    from judging.models import RoundEntry, ScoreSheet

    saves = list(saves)
    problems: list[str] = []
    with app.app_context():
        ids = dict(db.session.execute(select(User.email, User.id)).all())
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("judging.sheet.%"))
        ).all()
        audited: Counter = Counter()
        for event in events:
            new = event.new or {}
            audited[(event.actor_id, new.get("round_entry_id"), _key(new.get("scores", {})))] += 1
        last: dict[tuple[int, int], dict[str, str]] = {}
        for save in saves:
            key = (ids[save.judge], save.round_entry_id, _key(save.values))
            if audited[key] != 1:
                problems.append(f"acknowledged save {key} has {audited[key]} audit rows")
            last[key[:2]] = save.values
        if len(events) != len(saves):
            problems.append(f"{len(events)} sheet audit rows for {len(saves)} acknowledged saves")
        in_round = ScoreSheet.round_entry_id.in_(
            select(RoundEntry.id).where(RoundEntry.round_id == round_id)
        )
        duplicates = db.session.execute(
            select(ScoreSheet.user_id, ScoreSheet.round_entry_id, func.count())
            .where(in_round)
            .group_by(ScoreSheet.user_id, ScoreSheet.round_entry_id)
            .having(func.count() > 1)
        ).all()
        problems += [f"judge {u} entry {e}: {c} sheets" for u, e, c in duplicates]
        sheets = {
            (s.user_id, s.round_entry_id): s
            for s in db.session.scalars(select(ScoreSheet).where(in_round))
        }
        for key, values in last.items():
            sheet = sheets.get(key)
            stored = _key({s.criterion_id: s.value for s in sheet.scores}) if sheet else None
            if stored != _key(values):
                problems.append(f"sheet {key} holds {stored}, last acknowledged {values}")
        if len(sheets) != len(last):
            problems.append(f"{len(sheets)} sheets stored, {len(last)} acknowledged")
        db.session.remove()
    return problems
