"""The demo seed's judging, told through two competitions.

* Last year's Quảng Nam call, judged from start to finish: a panel with detected, declared
  and overridden conflicts, optimal assignments, complete scores for the first round (one
  lenient and one harsh judge among honest ones, so the trust page has something to show),
  advancement, a live final scored by the whole panel with carried-over scores, awards, and
  published results that teams read.
* This year's Tam Kỳ cluster festival, being judged now: the demo judge has sheets submitted,
  one draft and some still to do, other judges are behind, so monitoring has missing scores.

Everything goes through the same services the pages use, so the demo shows what the product
does, not what a script could write into tables.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import delete, func, select

from app.db import db
from app.demo.places import TAM_KY_CLUSTER
from app.demo.seed import DemoContext, register_demo_step
from app.localtime import local_to_utc, to_local
from app.mail.outbox import OutboxMessage
from app.people.models import Role, User
from competitions.calls.rounds import regenerate_pools
from competitions.demo import demo_competition, demo_entries, track_for
from competitions.models import Competition, CompetitionStatus, Entry, EntryStatus, Round, Team
from competitions.screening.services import review_entry
from judging.advancement.awards import add_standard_awards, apply_award_proposal, confirm_awards
from judging.advancement.publish import publish_results
from judging.advancement.services import adjust_decision, advancement_plan, confirm_advancement
from judging.assignment.services import assign_whole_panel, propose_assignments, publish_proposal
from judging.common import criteria_of, settings_for
from judging.models import (
    Conflict,
    ConflictStatus,
    JudgeAssignment,
    JudgingMode,
    PanelMember,
    RoundEntry,
    RubricCriterion,
)
from judging.panels.conflicts import declare_conflicts, override
from judging.panels.services import Scope, invite_existing
from judging.rubric.placement import place_entries
from judging.rubric.services import apply_template
from judging.scoring.services import save_sheet

LAST_YEAR_CODE = "QN"
FESTIVAL_CODE = "TK"
DEMO_JUDGE = "giamkhao@sprout.demo"
DEMO_EXPERT = "chuyengia@sprout.demo"
# The stories below need pools of a dozen entries and more: the full seed makes 120 teams.
MIN_TEAMS = 60

COMMENTS = (
    "Ý tưởng có tính mới, cần làm rõ khách hàng mục tiêu và kênh phân phối.",
    "Nhóm trình bày tốt; mô hình kinh doanh cần số liệu chi phí cụ thể hơn.",
    "Sản phẩm giải quyết đúng vấn đề địa phương. Nên thử nghiệm với người dùng thật sớm.",
    "Cần tính toán lại giá thành và nguồn vốn ban đầu.",
    "Đội ngũ đa dạng kỹ năng, kế hoạch triển khai còn chung chung.",
    "Tác động xã hội rõ ràng; nên tìm đối tác hợp tác xã để mở rộng.",
    "Dự án khả thi, cần bảo hộ sở hữu trí tuệ trước khi gọi vốn.",
    "Nên thu hẹp phạm vi thị trường ban đầu để tập trung nguồn lực.",
)
NOTES = (
    "Nhóm từng dự thi năm trước với ý tưởng tương tự.",
    "Đề nghị ban tổ chức kiểm tra số liệu doanh thu.",
)


@dataclass(frozen=True)
class Persona:
    """How a judge scores: `bias` shifts every score (share of the maximum), `noise` spreads."""

    bias: float
    noise: float


HONEST = Persona(0.0, 0.06)
LENIENT = Persona(0.14, 0.05)
HARSH = Persona(-0.15, 0.05)


def _rounded(value: float, maximum: Decimal, step: Decimal) -> str:
    clamped = min(max(value, 0.0), float(maximum))
    steps = (Decimal(str(clamped)) / step).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return str(min(steps * step, maximum)).replace(".", ",")


def _values(
    rng: random.Random,
    criteria: list[RubricCriterion],
    quality: float,
    persona: Persona,
    step: Decimal,
) -> dict[int, str]:
    """What a judge types: the entry's quality seen through the judge's habits."""
    return {
        c.id: _rounded(
            float(c.max_score) * (quality + persona.bias + rng.gauss(0, persona.noise)),
            c.max_score,
            step,
        )
        for c in criteria
    }


def _judges(ctx: DemoContext, count: int, *must: str) -> list[User]:
    named = [ctx.accounts[email] for email in must]
    # By id: Flask-Login's UserMixin compares users by session id, None for all of these.
    taken = {u.id for u in named}
    others = [u for u in ctx.experts if u.has_role(Role.JUDGE) and u.id not in taken]
    return named + ctx.rng.sample(others, count - len(named))


def _members(round_: Round) -> list[PanelMember]:
    return list(
        db.session.scalars(
            select(PanelMember).where(PanelMember.round_id == round_.id).order_by(PanelMember.id)
        )
    )


def _round_entries(round_: Round) -> list[RoundEntry]:
    return list(
        db.session.scalars(
            select(RoundEntry).where(RoundEntry.round_id == round_.id).order_by(RoundEntry.id)
        )
    )


def _accept_submitted(entries: list[Entry], organizer: User) -> None:
    for entry in entries:
        if entry.status == EntryStatus.SUBMITTED:
            review_entry(entry, EntryStatus.ACCEPTED, None, by=organizer)


def _seat_panel(
    ctx: DemoContext, round_: Round, judges: list[User], organizer: User, declared: int
) -> None:
    """Invite the judges (their likely conflicts are detected on the way); every judge then
    declares, the first `declared` of them naming one conflict of their own."""
    invite_existing(round_, judges, scope=Scope(), cap=None, by=organizer)
    entries = _round_entries(round_)
    for number, member in enumerate(_members(round_)):
        reasons = {}
        if number < declared:
            entry = ctx.rng.choice(entries).entry
            reasons[entry.id] = "Tôi từng hướng dẫn nhóm này ở một cuộc thi khác."
        declare_conflicts(member, reasons, by=member.user)


def _override_one(round_: Round, organizer: User) -> None:
    """An organizer judges one detected conflict harmless (a big school: same unit only)."""
    entry_ids = [re.entry_id for re in _round_entries(round_)]
    detected = db.session.scalars(
        select(Conflict)
        .where(
            Conflict.entry_id.in_(entry_ids),
            Conflict.source == "detected",
            Conflict.status == ConflictStatus.ACTIVE,
            Conflict.reason == "same_unit",
        )
        .order_by(Conflict.id)
    ).first()
    if detected is not None:
        override(
            detected,
            "Giám khảo công tác ở khoa khác, không quen biết nhóm; trường có hơn 20.000 sinh viên.",
            by=organizer,
        )


def _personas(judges: list[User]) -> dict[int, Persona]:
    """The last two judges are the lenient and the harsh one."""
    personas = {judge.id: HONEST for judge in judges}
    personas[judges[-2].id] = LENIENT
    personas[judges[-1].id] = HARSH
    return personas


def _score(
    ctx: DemoContext,
    round_: Round,
    quality: dict[int, float],
    personas: dict[int, Persona],
    until: datetime,
    *,
    skip: float = 0.0,
    drafts: float = 0.0,
) -> None:
    """Every published assignment gets a sheet, except a share `skip` left to do and a
    share `drafts` saved but not submitted."""
    step = settings_for(round_).score_step
    criteria = criteria_of(round_.id)
    rows = db.session.execute(
        select(JudgeAssignment, RoundEntry)
        .join(RoundEntry, JudgeAssignment.round_entry_id == RoundEntry.id)
        .where(RoundEntry.round_id == round_.id, JudgeAssignment.status == "published")
        .order_by(JudgeAssignment.id)
    ).all()
    for assignment, round_entry in rows:
        chance = ctx.rng.random()
        if chance < skip:
            continue
        values = _values(
            ctx.rng, criteria, quality[round_entry.entry_id], personas[assignment.user_id], step
        )
        save_sheet(
            assignment.user,
            round_entry,
            values,
            ctx.rng.choice(COMMENTS),
            ctx.rng.choice(NOTES) if ctx.rng.random() < 0.1 else "",
            0,
            submit=chance >= skip + drafts,
            now=_moment(ctx, round_.judging_opens_at, until),
        )


def _moment(ctx: DemoContext, start: datetime, end: datetime) -> datetime:
    return start + (end - start) * ctx.rng.random()


def _settle_ties(round_: Round, organizer: User) -> None:
    """Entries tied at the cut-off are the organizer's call: the demo lets them all through."""
    for row in advancement_plan(round_).undecided:
        adjust_decision(
            round_,
            row.round_entry.id,
            "advance",
            "Bằng điểm ở vị trí cuối: ban tổ chức cho cả hai dự án vào chung kết.",
            by=organizer,
        )


def _local(year: int, month: int, day: int, hour: int) -> datetime:
    return local_to_utc(datetime(year, month, day, hour, 0))


def _last_year(ctx: DemoContext, organizer: User) -> None:
    competition = db.session.scalar(select(Competition).where(Competition.code == LAST_YEAR_CODE))
    year = competition.edition_year
    first, final = competition.rounds
    entries = list(db.session.scalars(select(Entry).where(Entry.competition_id == competition.id)))
    quality = {e.id: min(max(ctx.rng.gauss(0.62, 0.13), 0.2), 0.95) for e in entries}
    competition.status = CompetitionStatus.JUDGING
    _accept_submitted(entries, organizer)

    first.judging_opens_at = _local(year, 6, 3, 8)
    first.judging_closes_at = _local(year, 6, 17, 17)
    final.judging_opens_at = _local(year, 7, 5, 8)
    final.judging_closes_at = _local(year, 7, 5, 17)
    regenerate_pools(first, now=_local(year, 6, 1, 8))
    regenerate_pools(final, now=_local(year, 6, 1, 8))
    apply_template(first, "standard", by=organizer)
    place_entries(first, by=organizer)
    judges = _judges(ctx, 10, DEMO_JUDGE, DEMO_EXPERT)
    _seat_panel(ctx, first, judges, organizer, declared=2)
    _override_one(first, organizer)
    propose_assignments(first, organizer)
    publish_proposal(first, organizer, accept_shortfall=True)
    _score(ctx, first, quality, _personas(judges), first.judging_closes_at)
    _settle_ties(first, organizer)
    confirm_advancement(first, by=organizer)

    # The live final: five judges score every finalist's pitch on festival day.
    settings = settings_for(final)
    settings.mode = JudgingMode.PANEL
    apply_template(final, "pitch_final", by=organizer)
    _seat_panel(ctx, final, judges[:5], organizer, declared=0)
    assign_whole_panel(final, organizer)
    _score(ctx, final, quality, _personas(judges[:5]), final.judging_closes_at)
    add_standard_awards(final, by=organizer)
    apply_award_proposal(final, by=organizer)
    confirm_awards(final, by=organizer)
    publish_results(first, by=organizer)
    publish_results(final, by=organizer)
    competition.status = CompetitionStatus.ARCHIVED


def _festival(ctx: DemoContext, organizer: User) -> None:
    """This year's cluster festival: submissions closed ten days ago, judging open now."""
    now = ctx.now
    owner = ctx.units[TAM_KY_CLUSTER]
    competition = demo_competition(
        f"Ngày hội Khởi nghiệp Cụm Tam Kỳ năm {to_local(now).year}",
        FESTIVAL_CODE,
        to_local(now).year,
        owner,
        opens=now - timedelta(days=40),
        closes=now - timedelta(days=10),
    )
    teams = list(db.session.scalars(select(Team).order_by(Team.id).limit(30)))
    first = competition.rounds[0]
    entries = demo_entries(
        ctx,
        competition,
        [(team, track_for(team.unit, ctx.rng)) for team in teams],
        at=now - timedelta(days=11),
    )
    competition.status = CompetitionStatus.JUDGING
    _accept_submitted(entries, organizer)
    first.judging_opens_at = now - timedelta(days=3)
    first.judging_closes_at = now + timedelta(days=4)
    regenerate_pools(first, now=now - timedelta(days=4))
    apply_template(first, "standard", by=organizer)
    place_entries(first, by=organizer)
    judges = _judges(ctx, 7, DEMO_JUDGE)
    _seat_panel(ctx, first, judges, organizer, declared=1)
    propose_assignments(first, organizer)
    publish_proposal(first, organizer, accept_shortfall=True)
    quality = {e.id: min(max(ctx.rng.gauss(0.6, 0.12), 0.2), 0.95) for e in entries}
    _score(ctx, first, quality, _personas(judges), now, skip=0.35, drafts=0.1)


@register_demo_step
def seed_judging(ctx: DemoContext) -> None:
    if db.session.scalar(select(func.count()).select_from(Team)) < MIN_TEAMS:
        return  # a seed cut down for a quick test: too few teams to judge anything
    organizer = ctx.accounts["btc@sprout.demo"]
    _last_year(ctx, organizer)
    _festival(ctx, ctx.accounts["btc.tamky@sprout.demo"])
    # Invitations and results belong to the story, not to an outbox that would send them today.
    db.session.execute(delete(OutboxMessage))
    db.session.flush()
