"""The demonstration cohort: selected from last year's results, needs, matched mentors, sessions.

This year's acceleration programme of the city (the former Quảng Nam province's call feeds it),
started four months ago: the mentors of the local expert panel fill in their profiles, the
organizer proposes the award winners and top ranks of last year's published results and adds the
demo participant's team by hand, selects up to capacity and invites; one team declines. Teams
state their needs, the engine's proposal is published as it stands (the demo mentor gets a team,
the demo participant's team gets its mentors), and the pairs have met since: sessions logged
mostly by mentors, confirmed and rated by the teams, one disputed, two waiting for an answer,
and one pair gone quiet for longer than the cohort allows, so the organizers' page shows it.

Everything goes through the services the pages use, so every rule (capacity, conflicts, dates
in the past) holds. The services stamp "now" on what they record; the story happened over months,
so those stamps are set back afterwards to the day each step took place.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, select

from accelerator.cohorts.services import CohortData, MilestoneData, add_milestone, create_cohort
from accelerator.experts.services import NeedsData, ProfileData, update_needs, update_profile
from accelerator.matches.services import propose, publish
from accelerator.models import (
    Cohort,
    CohortTeam,
    MatchStatus,
    MembershipStatus,
    MentorMatch,
    MilestoneKind,
    SessionFormat,
)
from accelerator.selection.candidates import proposals, result_competitions
from accelerator.selection.services import add_by_hand, add_from_results, invite, respond
from accelerator.selection.services import select_teams as choose
from accelerator.sessions.services import (
    ActionData,
    SessionData,
    answer_session,
    log_session,
    mark_action,
    rate_session,
)
from app.db import db
from app.demo.places import CITY_NAME
from app.demo.seed import DemoContext, register_demo_step
from app.localtime import local_to_utc, to_local
from app.mail.outbox import OutboxMessage
from app.people.models import ExpertiseTag, Role, User
from app.units.models import Unit
from competitions.models import Entry, Sector, Team
from judging.demo import LAST_YEAR_CODE

ORGANIZER = "btc@sprout.demo"
DEMO_MENTOR = "covan@sprout.demo"
DEMO_EXPERT = "chuyengia@sprout.demo"
DEMO_PARTICIPANT = "thisinh@sprout.demo"
CAPACITY = 10
STARTED_WEEKS_AGO = 16
# Every session's action is due a week or three later; a cadence of about a fortnight.
CADENCE_DAYS = (12, 18)

# An expert's field of expertise → the sector it brings (expert_sectors).
SECTOR_OF_TAG = {
    "agriculture": "agriculture",
    "tourism": "tourism",
    "education": "education",
    "health": "health",
    "environment": "environment",
    "technology": "technology",
    "production": "manufacturing",
    "export": "food",
    "finance": "finance",
    "design": "handicraft",
}
AVAILABILITY = (
    "Tối thứ Ba và thứ Năm, trực tuyến",
    "Sáng thứ Bảy, gặp trực tiếp tại Đà Nẵng",
    "Chiều thứ Sáu; hẹn trước ba ngày",
    "Linh hoạt trong tuần, ưu tiên trực tuyến",
    "Hai buổi mỗi tháng, gặp tại Tam Kỳ hoặc Hội An",
)
BIO_OPENINGS = (
    "{title} tại {organisation}, hơn {years} năm kinh nghiệm về {fields}.",
    "{title}, công tác tại {organisation}; {years} năm làm việc trong lĩnh vực {fields}.",
)
BIO_CLOSINGS = (
    "Từng hỗ trợ các dự án khởi nghiệp của thanh niên và hợp tác xã tại Quảng Nam, Đà Nẵng.",
    "Mong muốn giúp các nhóm trẻ đi từ ý tưởng đến sản phẩm bán được.",
    "Tham gia Tổ chuyên gia khởi nghiệp tại chỗ từ khi thành lập.",
)
# What a team asks for, and what a session on it is about.
NEED_POOL = ("finance", "marketing", "fundraising", "legal", "production", "export", "design")
NEED_PHRASES = {
    "finance": "tính giá thành và lập kế hoạch tài chính",
    "marketing": "xây dựng thương hiệu và kênh bán hàng",
    "fundraising": "chuẩn bị hồ sơ gọi vốn",
    "legal": "thành lập doanh nghiệp và bảo hộ nhãn hiệu",
    "production": "chuẩn hóa quy trình sản xuất",
    "export": "tìm hiểu tiêu chuẩn xuất khẩu",
    "design": "thiết kế bao bì sản phẩm",
    "technology": "hoàn thiện sản phẩm số",
    "management": "tổ chức nhóm và quản trị tiến độ",
    "agriculture": "vùng nguyên liệu và liên kết nông dân",
}
TOPICS = {
    "finance": ("Giá thành và kế hoạch tài chính 12 tháng", "Lập bảng tính giá thành"),
    "marketing": ("Khách hàng mục tiêu và kênh bán hàng trực tuyến", "Mở trang bán hàng thử"),
    "fundraising": ("Bài thuyết trình gọi vốn", "Sửa bài thuyết trình theo góp ý"),
    "legal": ("Thủ tục thành lập doanh nghiệp, đăng ký nhãn hiệu", "Nộp hồ sơ đăng ký nhãn hiệu"),
    "production": ("Quy trình sản xuất và kiểm soát chất lượng", "Viết quy trình sản xuất"),
    "export": ("Tiêu chuẩn xuất khẩu và chứng nhận OCOP", "Liên hệ đơn vị tư vấn OCOP"),
    "design": ("Bao bì và nhận diện thương hiệu", "Làm ba mẫu bao bì"),
    "technology": ("Hoàn thiện bản mẫu sản phẩm", "Thử bản mẫu với 10 khách hàng"),
    "management": ("Phân công trong nhóm và kế hoạch quý", "Lập kế hoạch quý"),
    "agriculture": ("Vùng nguyên liệu và hợp đồng với nông dân", "Khảo sát hai hợp tác xã"),
}
GENERAL_TOPIC = ("Mô hình kinh doanh và khách hàng đầu tiên", "Phỏng vấn 20 khách hàng")
NOTES = (
    "Nhóm chuẩn bị tốt, đã làm xong phần việc của buổi trước.",
    "Thống nhất ưu tiên một sản phẩm chủ lực trong quý này.",
    "Nhóm còn lúng túng về số liệu; hẹn rà soát lại ở buổi sau.",
    "Đã giới thiệu nhóm với một doanh nghiệp phân phối tại Đà Nẵng.",
)
RATING_NOTES = ("Cố vấn góp ý rất cụ thể.", "Buổi làm việc hữu ích.", "")


@dataclass(eq=False)
class Pair:
    """A published match and the sessions planned for it."""

    match: MentorMatch
    mentor: User
    leader: User
    days: list[date] = field(default_factory=list)


def _at(day: date, hour: int) -> datetime:
    return local_to_utc(datetime.combine(day, time(hour)))


def _tag_ids(codes: list[str]) -> list[int]:
    return list(db.session.scalars(select(ExpertiseTag.id).where(ExpertiseTag.code.in_(codes))))


# --- the expert panel -----------------------------------------------------------------------


def _profile(rng: random.Random, expert: User, sectors: dict[str, Sector]) -> ProfileData:
    organisation = expert.unit.name if expert.unit is not None else ""
    fields = ", ".join(tag.name_vi.lower() for tag in expert.expertise)
    bio = " ".join(
        (
            rng.choice(BIO_OPENINGS).format(
                title=expert.title or "Chuyên gia",
                organisation=organisation,
                years=rng.randint(6, 25),
                fields=fields,
            ),
            rng.choice(BIO_CLOSINGS),
        )
    )
    codes = {SECTOR_OF_TAG[t.code] for t in expert.expertise if t.code in SECTOR_OF_TAG}
    codes = codes or {rng.choice(sorted(sectors))}
    return ProfileData(
        title=expert.title or "",
        phone=expert.phone or "",
        organisation=organisation,
        bio=bio,
        mentoring_capacity=rng.randint(1, 3),
        availability=rng.choice(AVAILABILITY),
        sector_ids=[sectors[code].id for code in sorted(codes)],
        tag_ids=[tag.id for tag in expert.expertise],
    )


def _panel(ctx: DemoContext, sectors: dict[str, Sector]) -> None:
    """Every mentor fills in their own profile; the demo mentor's is written out in full."""
    mentor = ctx.accounts[DEMO_MENTOR]
    update_profile(
        mentor,
        ProfileData(
            title=mentor.title or "",
            phone=mentor.phone or "",
            organisation=mentor.unit.name,
            bio=(
                "Giám đốc Công ty Cổ phần Công nghệ Biển Xanh, 15 năm phát triển phần mềm cho "
                "ngành thủy sản và du lịch. Đã gọi vốn thành công hai vòng hạt giống; cố vấn "
                "cho hơn 20 nhóm khởi nghiệp sinh viên tại Đà Nẵng. Thế mạnh: chuyển đổi số, "
                "xây dựng sản phẩm công nghệ, chuẩn bị hồ sơ gọi vốn."
            ),
            mentoring_capacity=3,
            availability="Tối thứ Ba và thứ Năm (trực tuyến); sáng thứ Bảy tại văn phòng",
            sector_ids=[sectors[code].id for code in ("fisheries", "technology", "tourism")],
            tag_ids=[tag.id for tag in mentor.expertise],
        ),
        actor=mentor,
    )
    others = [ctx.accounts[DEMO_EXPERT], *ctx.experts]
    for expert in others:
        if expert.has_role(Role.MENTOR):
            update_profile(expert, _profile(ctx.rng, expert, sectors), actor=expert)


# --- the cohort and its teams ---------------------------------------------------------------


def _cohort(organizer: User, unit: Unit, starts: date, today: date) -> Cohort:
    cohort = create_cohort(
        CohortData(
            owner_unit=unit,
            year=today.year,
            name=f"Chương trình tăng tốc khởi nghiệp Quảng Nam {today.year}",
            capacity=CAPACITY,
            starts_on=starts,
            ends_on=starts + timedelta(weeks=36),
            description=(
                "Chín tháng đồng hành cùng các dự án xuất sắc của Cuộc thi Khởi nghiệp đổi mới "
                "sáng tạo tỉnh Quảng Nam năm trước: mỗi nhóm có hai chuyên gia cố vấn của Tổ "
                "chuyên gia khởi nghiệp tại chỗ, các buổi tập huấn và ngày trình diễn trước nhà "
                "đầu tư."
            ),
            mentors_per_team=2,
            inactive_weeks=3,
        ),
        actor=organizer,
    )
    steps = (
        (MilestoneKind.TRAINING, "Tập huấn khởi động: mô hình kinh doanh tinh gọn", 1),
        (MilestoneKind.TRAINING, "Tập huấn tài chính và gọi vốn", 5),
        (MilestoneKind.CHECK_IN, "Kiểm tra tiến độ lần 1", 9),
        (MilestoneKind.TRAINING, "Tập huấn pháp lý và sở hữu trí tuệ", 13),
        (MilestoneKind.CHECK_IN, "Kiểm tra tiến độ lần 2", 18),
        (MilestoneKind.TRAINING, "Tập huấn thuyết trình trước nhà đầu tư", 24),
        (MilestoneKind.DEMO_DAY, "Ngày trình diễn (Demo Day) và kết nối nhà đầu tư", 32),
    )
    for kind, title, week in steps:
        add_milestone(
            cohort,
            MilestoneData(kind=kind, title=title, due_on=starts + timedelta(weeks=week)),
            actor=organizer,
        )
    cohort.created_at = _at(starts - timedelta(days=45), 9)
    return cohort


def _demo_team(participant: User) -> Team | None:
    return db.session.scalar(
        select(Team).where(Team.leader_id == participant.id).order_by(Team.id).limit(1)
    )


def _candidates(ctx: DemoContext, cohort: Cohort, competition_id: int, organizer: User) -> None:
    """Last year's winners and top ranks, then the demo participant's team by hand; the
    organizer selects up to capacity (that team among them) and invites."""
    found = proposals(cohort.id, [competition_id], top_n=10)
    rows = [
        add_from_results(cohort, p.round_entry_id, p.award_id, actor=organizer)
        for p in found[: CAPACITY + 3]
    ]
    demo_team = _demo_team(ctx.accounts[DEMO_PARTICIPANT])
    ours = next((r for r in rows if demo_team is not None and r.team_id == demo_team.id), None)
    if demo_team is not None and ours is None:
        ours = add_by_hand(
            cohort,
            demo_team,
            "Nhóm học sinh đạt giải Nhất Cuộc thi Khoa học kỹ thuật cấp thành phố, đã có sản "
            "phẩm mẫu; Trung tâm Hỗ trợ khởi nghiệp đề cử bổ sung.",
            actor=organizer,
        )
    chosen = ([ours] if ours is not None else []) + [r for r in rows if r is not ours]
    chosen = chosen[:CAPACITY]
    ids = [r.id for r in chosen]
    choose(cohort, ids, actor=organizer)
    invite(cohort, ids, actor=organizer)
    declining = chosen[-1] if len(chosen) > 1 else None
    invited = cohort.starts_on - timedelta(days=35)
    for number, row in enumerate(chosen):
        accept = row is not declining
        respond(
            row,
            accept=accept,
            note="" if accept else "Nhóm đang tập trung thi tốt nghiệp, xin hẹn năm sau.",
            by=row.team.leader,
        )
        row.added_at = row.decided_at = _at(invited - timedelta(days=5), 10)
        row.invited_at = _at(invited, 15)
        row.responded_at = _at(invited + timedelta(days=1 + number % 9), 20)


def _needs(rng: random.Random, cohort: Cohort, sectors: dict[str, Sector], mentor: User) -> None:
    """Each accepted team states what it needs; the demo participant's team asks for the demo
    mentor by name."""
    participant_team = _demo_team_row(cohort)
    for row in _accepted(cohort):
        ours = participant_team is not None and row.id == participant_team.id
        codes = ["technology", "fundraising", "marketing"] if ours else _need_codes(rng, row)
        sector = row.sector or _entry_sector(row.team)
        update_needs(
            row,
            NeedsData(
                tag_ids=_tag_ids(codes),
                sector_id=(sector or sectors["other"]).id,
                mentor_ids=[mentor.id] if ours else [],
                note="Nhóm cần hỗ trợ " + " và ".join(NEED_PHRASES[c] for c in codes[:2]) + ".",
            ),
            actor=row.team.leader,
        )


def _need_codes(rng: random.Random, row: CohortTeam) -> list[str]:
    sector = row.sector.code if row.sector is not None else ""
    codes = rng.sample(NEED_POOL, rng.randint(2, 3))
    if sector == "agriculture":
        codes.append("agriculture")
    return codes


def _entry_sector(team: Team) -> Sector | None:
    entry = db.session.scalar(
        select(Entry).where(Entry.team_id == team.id).order_by(Entry.id.desc()).limit(1)
    )
    return entry.sectors[0] if entry is not None and entry.sectors else None


def _accepted(cohort: Cohort) -> list[CohortTeam]:
    return list(
        db.session.scalars(
            select(CohortTeam)
            .where(
                CohortTeam.cohort_id == cohort.id,
                CohortTeam.status == MembershipStatus.ACCEPTED,
            )
            .order_by(CohortTeam.id)
        )
    )


def _demo_team_row(cohort: Cohort) -> CohortTeam | None:
    return db.session.scalar(
        select(CohortTeam)
        .join(Team, CohortTeam.team_id == Team.id)
        .join(User, Team.leader_id == User.id)
        .where(CohortTeam.cohort_id == cohort.id, User.email == DEMO_PARTICIPANT)
    )


# --- the mentoring log ----------------------------------------------------------------------


def _plan(rng: random.Random, pairs: list[Pair], published: date, today: date) -> None:
    """Session days of each pair, a fortnight or so apart; one pair (neither demo account's)
    stopped after its first month and has been quiet since."""
    quiet = next(
        (
            p
            for p in reversed(pairs)
            if p.mentor.email != DEMO_MENTOR and p.leader.email != DEMO_PARTICIPANT
        ),
        None,
    )
    for pair in pairs:
        last = today - timedelta(days=1)
        if pair is quiet:
            last = published + timedelta(weeks=4)
        day = published + timedelta(days=rng.randint(2, 6))
        while day <= last:
            pair.days.append(day)
            day += timedelta(days=rng.randint(*CADENCE_DAYS))


def _session_data(rng: random.Random, pair: Pair, day: date, needs: list[str]) -> SessionData:
    mine = [c for c in needs if c in {t.code for t in pair.mentor.expertise}] or needs
    topic, action = TOPICS.get(rng.choice(mine), GENERAL_TOPIC) if mine else GENERAL_TOPIC
    return SessionData(
        held_on=day,
        duration_minutes=rng.choice((45, 60, 60, 90, 90, 120)),
        format=SessionFormat.ONLINE if rng.random() < 0.4 else SessionFormat.IN_PERSON,
        topics=topic,
        notes=rng.choice(NOTES),
        actions=[ActionData(action, day + timedelta(days=rng.choice((7, 10, 14, 21))))],
    )


def _sessions(rng: random.Random, pairs: list[Pair], today: date) -> None:
    """Log every planned session through the services, answered by the other side: the
    latest one of the demo mentor's and of the demo participant's pairs waits for them, one
    session is disputed, the teams rate most of the rest and tick off past-due actions."""
    for_mentor = next((p for p in pairs if p.mentor.email == DEMO_MENTOR), None)
    for_team = next(
        (p for p in pairs if p.leader.email == DEMO_PARTICIPANT and p is not for_mentor), None
    )
    waiting = [p for p in (for_mentor, for_team) if p is not None]
    disputed = next((p for p in pairs if p not in waiting and len(p.days) > 2), None)
    for pair in pairs:
        needs = [tag.code for tag in pair.match.cohort_team.needs]
        for number, day in enumerate(pair.days):
            latest = number == len(pair.days) - 1
            pending = latest and pair in waiting
            dispute = pair is disputed and number == 1
            by_team = rng.random() < 0.2
            if pending:  # logged by the side that is not the demo account, waiting for it
                by_team = pair is for_mentor
            elif dispute:  # the team disputes what the mentor logged
                by_team = False
            author = pair.leader if by_team else pair.mentor
            answerer = pair.mentor if by_team else pair.leader
            session = log_session(pair.match, _session_data(rng, pair, day, needs), by=author)
            session.created_at = _at(day, 20)
            if pending:
                continue
            answer_session(
                session,
                confirm=not dispute,
                note=(
                    "Buổi này nhóm không tham dự: cố vấn ghi nhầm, hai bên đã hẹn lại tuần sau."
                    if dispute
                    else ""
                ),
                by=answerer,
            )
            session.answered_at = _at(day, 22)
            if dispute:
                continue
            if rng.random() < 0.75:
                rate_session(
                    session,
                    rng.choice((4, 4, 5, 5, 5, 3)),
                    rng.choice(RATING_NOTES),
                    by=pair.leader,
                )
            for action in session.actions:
                if action.due_on is not None and action.due_on < today and rng.random() < 0.7:
                    mark_action(action, done=True, by=pair.leader)
                    action.done_at = _at(action.due_on, 17)


def _mentoring(ctx: DemoContext, cohort: Cohort, organizer: User, today: date) -> None:
    """The engine's proposal published as it stands two weeks into the programme, then the
    sessions the pairs have held since."""
    proposed_on = cohort.starts_on + timedelta(days=10)
    published_on = cohort.starts_on + timedelta(days=14)
    propose(cohort, actor=organizer)
    matches = publish(cohort, actor=organizer)
    for match in matches:
        match.created_at = _at(proposed_on, 10)
        match.published_at = _at(published_on, 9)
    pairs = [
        Pair(match=m, mentor=m.mentor, leader=m.cohort_team.team.leader)
        for m in sorted(matches, key=lambda m: m.id)
        if m.status == MatchStatus.PUBLISHED
    ]
    _plan(ctx.rng, pairs, published_on, today)
    _sessions(ctx.rng, pairs, today)


@register_demo_step
def seed_accelerator(ctx: DemoContext) -> None:
    competition = next((c for c in result_competitions() if c.code == LAST_YEAR_CODE), None)
    if competition is None:
        return  # a seed cut down for a quick test: no published results to select from
    organizer = ctx.accounts[ORGANIZER]
    today = to_local(ctx.now).date()
    starts = today - timedelta(weeks=STARTED_WEEKS_AGO)
    sectors = {s.code: s for s in db.session.scalars(select(Sector))}
    _panel(ctx, sectors)
    cohort = _cohort(organizer, ctx.units[CITY_NAME], starts, today)
    _candidates(ctx, cohort, competition.id, organizer)
    _needs(ctx.rng, cohort, sectors, ctx.accounts[DEMO_MENTOR])
    _mentoring(ctx, cohort, organizer, today)
    # Invitations and match notices belong to the story, not to an outbox that would send
    # them today.
    db.session.execute(delete(OutboxMessage))
    db.session.flush()
