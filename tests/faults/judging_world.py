"""The judging world of the gunicorn fault tests, as load/run.py builds it for the load
test but small: one round in its judging window, judges who may each score every entry,
and the check, afterwards, that every acknowledged save is stored exactly once."""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from flask import Flask
from sqlalchemy import func, insert, select

PASSWORD = "Hạt giống " + secrets.token_urlsafe(12)
RUBRIC = (("Tính đổi mới sáng tạo", 10), ("Tính khả thi", 10), ("Đội ngũ", 10))


@dataclass
class World:
    round_id: int
    judges: list[str]  # emails
    round_entries: list[int]  # every judge holds a published assignment for each


@dataclass
class Ack:
    """A save the server acknowledged (the redirect after the POST)."""

    judge: str
    round_entry_id: int
    values: dict[str, str]  # criterion id -> value
    attempts: int  # POSTs it took: more than one when an answer never came or was a 503
    unchanged: bool = False  # the retry found it already stored ("already saved" notice)
    problems: list[str] = field(default_factory=list)


def seed_round(app: Flask, judges: int, entries: int) -> World:
    from app.auth.passwords import hash_password
    from app.db import db
    from app.people.models import User
    from app.units.models import Unit, UnitLevel
    from app.vietnamese import fold, name_sort_string
    from competitions.models import (
        Audience,
        Competition,
        CompetitionStatus,
        Entry,
        Pool,
        PoolMode,
        Round,
        Team,
        Track,
    )
    from judging.models import (
        JudgeAssignment,
        PanelMember,
        RoundEntry,
        RoundJudging,
        RubricCriterion,
    )

    now = datetime.now(UTC)
    with app.app_context():
        level = UnitLevel(code="province", name_vi="Tỉnh", name_en="Province", rank=0)
        province = Unit(name="Tỉnh Quảng Ninh", level=level, path="/")
        db.session.add_all([level, province])
        db.session.flush()
        province.path = f"/{province.id}/"
        competition = Competition(
            title="Cuộc thi Khởi nghiệp tỉnh Quảng Ninh",
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
            judging_opens_at=now - timedelta(days=1),
            judging_closes_at=now + timedelta(days=1),
        )
        competition.rounds.append(round_)
        pool = Pool(name="Cụm trường 01")
        round_.pools.append(pool)
        db.session.add_all([competition, RoundJudging(round=round_, judges_per_entry=judges)])
        db.session.add_all(
            RubricCriterion(
                round=round_, position=i, name=name, max_score=Decimal(m), weight=Decimal(m)
            )
            for i, (name, m) in enumerate(RUBRIC, start=1)
        )
        db.session.flush()

        def person(name: str, email: str, **extra: object) -> dict:
            return {
                "email": email,
                "full_name": name,
                "name_folded": fold(name),
                "name_sort": name_sort_string(name),
                **extra,
            }

        emails = [f"giam.khao.{j + 1}@example.vn" for j in range(judges)]
        password_hash = hash_password(PASSWORD)
        judge_ids = [10_000 + j for j in range(judges)]
        db.session.execute(
            insert(User),
            [
                {
                    "id": judge_ids[j],
                    **person(f"Lê Văn Giám Khảo {j + 1}", emails[j]),
                    "password_hash": password_hash,
                    "email_verified_at": now,
                }
                for j in range(judges)
            ],
        )
        db.session.execute(
            insert(User),
            [
                {"id": 20_000 + n, **person(f"Nguyễn Thị Trưởng Nhóm {n + 1}", f"t{n}@example.vn")}
                for n in range(entries)
            ],
        )
        db.session.execute(
            insert(Team),
            [
                {
                    "id": 30_000 + n,
                    "name": f"Nhóm Khởi Nghiệp {n + 1}",
                    "name_folded": fold(f"Nhóm Khởi Nghiệp {n + 1}"),
                    "leader_id": 20_000 + n,
                    "unit_id": province.id,
                }
                for n in range(entries)
            ],
        )
        db.session.execute(
            insert(Entry),
            [
                {
                    "id": 40_000 + n,
                    "competition_id": competition.id,
                    "track_id": competition.tracks[0].id,
                    "team_id": 30_000 + n,
                    "unit_id": province.id,
                    "status": "accepted",
                    "code": f"QN26-SV-{n + 1:04d}",
                    "title": f"Dự án nông nghiệp thông minh số {n + 1}",
                    "title_folded": fold(f"Dự án nông nghiệp thông minh số {n + 1}"),
                }
                for n in range(entries)
            ],
        )
        round_entries = [50_000 + n for n in range(entries)]
        db.session.execute(
            insert(RoundEntry),
            [
                {
                    "id": round_entries[n],
                    "round_id": round_.id,
                    "entry_id": 40_000 + n,
                    "pool_id": pool.id,
                }
                for n in range(entries)
            ],
        )
        db.session.execute(
            insert(PanelMember),
            [
                {
                    "round_id": round_.id,
                    "user_id": judge,
                    "pool_id": pool.id,
                    "status": "active",
                    "invited_at": now,
                    "conflicts_declared_at": now,
                }
                for judge in judge_ids
            ],
        )
        db.session.execute(
            insert(JudgeAssignment),
            [
                {"round_entry_id": re, "user_id": judge, "status": "published", "source": "auto"}
                for re in round_entries
                for judge in judge_ids
            ],
        )
        db.session.commit()
        world = World(round_id=round_.id, judges=emails, round_entries=round_entries)
        db.session.remove()
    return world


def _key(values: dict[str, object]) -> tuple:
    return tuple(sorted((str(k), Decimal(str(v))) for k, v in values.items()))


def exactly_once(app: Flask, world: World, acks: list[Ack]) -> list[str]:
    """Every acknowledged save has exactly one audit row with its values, no other save
    left one, each judge × entry has one sheet, holding the last acknowledged values."""
    from app.audit import AuditEvent
    from app.db import db
    from app.people.models import User
    from judging.models import RoundEntry, ScoreSheet

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
        for ack in acks:
            key = (ids[ack.judge], ack.round_entry_id, _key(ack.values))
            if audited[key] != 1:
                problems.append(f"acknowledged save {key} has {audited[key]} audit rows")
            last[key[:2]] = ack.values
        if len(events) != len(acks):
            problems.append(f"{len(events)} sheet audit rows for {len(acks)} acknowledged saves")
        in_round = ScoreSheet.round_entry_id.in_(
            select(RoundEntry.id).where(RoundEntry.round_id == world.round_id)
        )
        duplicates = db.session.execute(
            select(ScoreSheet.user_id, ScoreSheet.round_entry_id, func.count())
            .where(in_round)
            .group_by(ScoreSheet.user_id, ScoreSheet.round_entry_id)
            .having(func.count() > 1)
        ).all()
        problems += [f"judge {u} entry {e}: {c} sheets" for u, e, c in duplicates]
        sheets = {(s.user_id, s.round_entry_id): s for s in db.session.scalars(select(ScoreSheet))}
        for key, values in last.items():
            sheet = sheets.get(key)
            stored = _key({s.criterion_id: s.value for s in sheet.scores}) if sheet else None
            if stored != _key(values):
                problems.append(f"sheet {key} holds {stored}, last acknowledged {values}")
        if len(sheets) != len(last):
            problems.append(f"{len(sheets)} sheets stored, {len(last)} acknowledged")
        db.session.remove()
    return problems
