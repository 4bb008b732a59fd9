"""Demonstration data for competitions: this year's call with ~120 entries across the
city's schools and organisations (submitted with real PDF decks, some resubmitted, some
drafts, some withdrawn, a few screened), and last year's call of the former Quảng Nam
province, held in units that no longer exist, with late attempts refused.

Registered as a step of `flask demo seed`; it goes through the same services as the
pages, so every entry has its confirmation code, versions and audit rows.
"""

from __future__ import annotations

import io
import random
import unicodedata
from datetime import datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import delete, select

from app import audit
from app.db import db
from app.demo.seed import DemoContext, register_demo_step
from app.localtime import local_to_utc, to_local
from app.mail.outbox import OutboxMessage
from app.people.models import User
from app.storage import PDF, store_upload
from app.units.models import Unit
from competitions.entries.services import EntryError, withdraw_entry
from competitions.entries.submission import submit_entry
from competitions.models import (
    Audience,
    Competition,
    CompetitionStatus,
    Entry,
    EntryStatus,
    PoolMode,
    Round,
    Sector,
    Stage,
    Team,
    TeamMember,
    Track,
)
from competitions.screening.services import review_entry

CITY = "Thành phố Đà Nẵng"
OLD_PROVINCE = "Tỉnh Quảng Nam"

# (title, sectors, problem) — ideas seen in real provincial contests.
PROJECTS = [
    (
        "Máy sấy nông sản dùng năng lượng mặt trời",
        ("agriculture", "energy"),
        "Nông dân miền núi phơi nông sản ngoài trời, gặp mưa là hỏng.",
    ),
    (
        "Trà túi lọc từ lá sâm Ngọc Linh",
        ("agriculture", "food"),
        "Lá sâm bị bỏ đi sau thu hoạch củ.",
    ),
    (
        "Ứng dụng đặt tour làng nghề Hội An",
        ("tourism", "technology"),
        "Khách khó tìm và đặt trải nghiệm tại làng nghề nhỏ.",
    ),
    (
        "Ống hút từ cỏ bàng Tam Kỳ",
        ("environment", "handicraft"),
        "Ống hút nhựa dùng một lần gây ô nhiễm biển.",
    ),
    (
        "Hệ thống cảnh báo lũ sớm cho xã miền núi",
        ("technology", "environment"),
        "Người dân vùng lũ nhận cảnh báo quá muộn.",
    ),
    (
        "Nước mắm nhĩ Cửa Đại đóng chai thủy tinh",
        ("food", "fisheries"),
        "Nước mắm truyền thống khó vào siêu thị vì bao bì.",
    ),
    (
        "Nền tảng gia sư trực tuyến cho học sinh vùng cao",
        ("education", "technology"),
        "Học sinh vùng cao thiếu giáo viên các môn tự nhiên.",
    ),
    (
        "Gốm Thanh Hà in họa tiết theo yêu cầu",
        ("handicraft", "culture"),
        "Sản phẩm gốm truyền thống khó cạnh tranh về mẫu mã.",
    ),
    (
        "Phân bón hữu cơ từ phụ phẩm thủy sản",
        ("agriculture", "fisheries", "environment"),
        "Phụ phẩm chế biến thủy sản bị thải ra môi trường.",
    ),
    (
        "Thiết bị đo độ mặn nước cho ao nuôi tôm",
        ("fisheries", "technology"),
        "Người nuôi tôm không theo dõi được độ mặn theo giờ.",
    ),
    (
        "Khăn lụa dệt thổ cẩm Cơ Tu",
        ("handicraft", "culture"),
        "Phụ nữ Cơ Tu dệt thổ cẩm nhưng thiếu đầu ra.",
    ),
    (
        "Chatbot tư vấn hướng nghiệp cho học sinh THPT",
        ("education", "technology"),
        "Học sinh chọn ngành theo cảm tính.",
    ),
    (
        "Vườn rau thủy canh trên sân thượng",
        ("agriculture", "services"),
        "Gia đình thành phố lo rau không an toàn.",
    ),
    (
        "Xe điện chở khách trong phố cổ",
        ("tourism", "energy"),
        "Xe máy gây ồn và khói trong khu phố cổ.",
    ),
    ("Bánh tráng đập đóng gói hút chân không", ("food",), "Đặc sản địa phương khó mang đi xa."),
    (
        "Dịch vụ chăm sóc người cao tuổi tại nhà",
        ("health", "social"),
        "Con cái đi làm xa, người già ở nhà một mình.",
    ),
    ("Túi sinh học từ bã mía", ("environment", "manufacturing"), "Túi ni lông khó phân hủy."),
    (
        "Homestay cộng đồng ở làng Bhơ Hôồng",
        ("tourism", "social"),
        "Du khách muốn trải nghiệm văn hóa bản địa.",
    ),
    (
        "Ứng dụng truy xuất nguồn gốc quế Trà My",
        ("agriculture", "technology"),
        "Quế thật khó phân biệt với hàng trộn.",
    ),
    (
        "Mỹ phẩm từ tinh dầu tràm",
        ("health", "manufacturing"),
        "Người tiêu dùng tìm mỹ phẩm thiên nhiên an toàn.",
    ),
    (
        "Robot dọn rác bãi biển",
        ("environment", "technology"),
        "Rác nhựa dạt vào bãi biển sau mùa mưa.",
    ),
    ("Sữa hạt từ đậu phộng Duy Xuyên", ("food", "agriculture"), "Giá đậu phộng thấp khi bán thô."),
    (
        "Nền tảng kết nối lao động thời vụ nông nghiệp",
        ("agriculture", "services"),
        "Mùa thu hoạch thiếu người, ngoài vụ thiếu việc.",
    ),
    (
        "Đèn học thông minh bảo vệ mắt",
        ("education", "manufacturing"),
        "Tỷ lệ cận thị ở học sinh tăng nhanh.",
    ),
]
TEAM_NAMES = [
    "Hạt Mầm", "Tia Nắng", "Sóng Biển", "Ong Vàng", "Lúa Xanh", "Cánh Diều", "Sao Mai",
    "Bình Minh", "Hoa Sen", "Mây Trắng", "Trúc Xinh", "Đồng Xanh", "Phố Hội", "Cửa Đại",
    "Ngọc Linh", "Sông Thu", "Hải Vân", "Mỹ Sơn", "Thu Bồn", "Cù Lao Chàm", "Tre Việt",
    "Gió Lào", "Nắng Hạ", "Hòn Kẽm", "Cầu Rồng", "Sơn Trà", "Non Nước", "Bà Nà",
]  # fmt: skip
SCHOOL_LEVELS = {"high_school", "lower_secondary"}
UNIVERSITY_LEVELS = {"university"}


def _tracks() -> list[Track]:
    return [
        Track(
            position=1,
            code="THPT",
            name="Bảng Học sinh trung học",
            audience=Audience.HIGH_SCHOOL,
            min_team_size=1,
            max_team_size=5,
            min_age=11,
            max_age=19,
            eligibility="Học sinh THCS, THPT đang học tại thành phố.",
        ),
        Track(
            position=2,
            code="SV",
            name="Bảng Sinh viên",
            audience=Audience.UNIVERSITY,
            min_team_size=1,
            max_team_size=6,
            eligibility="Sinh viên các trường đại học, cao đẳng trên địa bàn.",
        ),
        Track(
            position=3,
            code="TN",
            name="Bảng Thanh niên",
            audience=Audience.YOUTH,
            min_team_size=1,
            max_team_size=5,
            min_age=16,
            max_age=35,
            eligibility="Thanh niên từ 16 đến 35 tuổi.",
        ),
        Track(
            position=4,
            code="PN",
            name="Bảng Phụ nữ khởi nghiệp",
            audience=Audience.WOMEN,
            min_team_size=1,
            max_team_size=5,
            eligibility="Nhóm do phụ nữ làm trưởng nhóm.",
        ),
        Track(
            position=5,
            code="ND",
            name="Bảng Nông dân",
            audience=Audience.FARMERS,
            min_team_size=1,
            max_team_size=5,
            eligibility="Hội viên Hội Nông dân, hợp tác xã nông nghiệp.",
        ),
    ]


def _local(day: datetime, hour: int, minute: int = 0) -> datetime:
    return local_to_utc(datetime.combine(to_local(day).date(), time(hour, minute)))


def demo_competition(
    title: str, code: str, year: int, owner: Unit, opens: datetime, closes: datetime
) -> Competition:
    competition = Competition(
        title=title,
        code=code,
        edition_year=year,
        owner_unit=owner,
        status=CompetitionStatus.OPEN,
        description=(
            "Cuộc thi tìm kiếm ý tưởng, dự án khởi nghiệp đổi mới sáng tạo của học sinh, "
            "sinh viên, thanh niên, phụ nữ và nông dân. Các dự án xuất sắc được chọn vào "
            "chương trình tăng tốc khởi nghiệp."
        ),
        rules=(
            "1. Mỗi nhóm nộp một dự án cho mỗi cuộc thi.\n"
            "2. Hồ sơ gồm bản mô tả dự án và bài thuyết trình (PDF, tối đa 20 MB).\n"
            "3. Dự án chưa đoạt giải nhất, nhì, ba tại cuộc thi cấp thành phố trước đó."
        ),
    )
    competition.tracks.extend(_tracks())
    competition.rounds.extend(
        [
            Round(
                position=1,
                name="Vòng sơ khảo",
                submission_opens_at=opens,
                submission_closes_at=closes,
                judging_opens_at=_local(closes + timedelta(days=2), 8),
                judging_closes_at=_local(closes + timedelta(days=16), 17),
                pool_mode=PoolMode.BY_TRACK,
                advance_top_n=5,
                pass_mark=Decimal("50"),
                no_zero_criterion=True,
                per_unit_cap=3,
            ),
            Round(
                position=2,
                name="Vòng chung kết",
                # Festival day: live pitches scored by the whole panel, 08:00–17:00.
                judging_opens_at=_local(closes + timedelta(days=30), 8),
                judging_closes_at=_local(closes + timedelta(days=30), 17),
                pool_mode=PoolMode.SINGLE,
                carry_over_weight=Decimal("0.30"),
            ),
        ]
    )
    db.session.add(competition)
    db.session.flush()
    return competition


def track_for(unit: Unit, rng: random.Random) -> str:
    level = unit.level.code
    if level in SCHOOL_LEVELS:
        return "THPT"
    if level in UNIVERSITY_LEVELS:
        return "SV"
    if "Phụ nữ" in unit.name:
        return "PN"
    if "Nông dân" in unit.name or level == "cooperative":
        return "ND"
    return rng.choice(["TN", "TN", "PN"])


def _birth_date(rng: random.Random, track: str, year: int) -> datetime:
    age = {"THPT": rng.randint(15, 17), "SV": rng.randint(19, 23)}.get(track, rng.randint(22, 33))
    return datetime(year - age, rng.randint(1, 12), rng.randint(1, 28)).date()


def _teams(ctx: DemoContext, count: int, year: int) -> list[tuple[Team, str]]:
    """Teams of 1–4 participants of one school or organisation, with members' details."""
    by_unit: dict[int, list[User]] = {}
    for person in ctx.participants:
        by_unit.setdefault(person.unit_id, []).append(person)
    groups: list[list[User]] = []
    for people in by_unit.values():
        people = list(people)
        ctx.rng.shuffle(people)
        while people and len(groups) < count:
            size = min(len(people), ctx.rng.choice([1, 2, 3, 3, 4]))
            groups.append(people[:size])
            people = people[size:]
    made = []
    for number, members in enumerate(groups[:count], start=1):
        unit = members[0].unit
        track = track_for(unit, ctx.rng)
        name = TEAM_NAMES[(number - 1) % len(TEAM_NAMES)]
        if number > len(TEAM_NAMES):
            name = f"{name} {number // len(TEAM_NAMES) + 1}"
        team = Team(name=f"Nhóm {name}", leader=members[0], unit=unit)
        for person in members:
            team.members.append(
                TeamMember(
                    user=person,
                    full_name=person.full_name,
                    date_of_birth=_birth_date(ctx.rng, track, year),
                    gender=ctx.genders.get(person.email),
                    school=unit.name,
                    class_or_major="Lớp 11A" if track == "THPT" else None,
                    phone=person.phone,
                )
            )
        db.session.add(team)
        made.append((team, track))
    db.session.flush()
    return made


def _ascii(text: str) -> str:
    """Vietnamese text without its marks, case kept (for the PDF's standard font)."""
    text = text.replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def deck_pdf(title: str, team: str) -> bytes:
    """A one-page PDF deck: a real file any reader opens (the standard PDF fonts have no
    Vietnamese letters, so the page text is written without diacritics)."""
    lines = [_ascii(title).upper(), f"Nhom: {_ascii(team)}", "Ho so du thi - Bai thuyet trinh"]
    text = "".join(
        f"BT /F1 {size} Tf 60 {y} Td ({line.replace('(', '[').replace(')', ']')}) Tj ET\n"
        for line, size, y in zip(lines, (20, 14, 12), (480, 440, 410), strict=True)
    ).encode("latin-1", "replace")
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 842 595]/Resources<</Font<</F1 5 0 R>>>>"
        b"/Contents 4 0 R>>",
        b"<</Length %d>>stream\n" % len(text) + text + b"endstream",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def _fill(entry: Entry, rng: random.Random, sectors: dict[str, Sector], with_deck: bool) -> None:
    title, sector_codes, problem = rng.choice(PROJECTS)
    entry.title = title
    entry.sectors = [sectors[code] for code in sector_codes if code in sectors]
    entry.summary = f"{title}: giải pháp của nhóm cho bài toán tại địa phương."
    entry.problem = problem
    entry.solution = "Nhóm thiết kế sản phẩm đơn giản, giá thấp, dùng nguyên liệu tại chỗ."
    entry.customers = "Hộ gia đình, hợp tác xã và doanh nghiệp nhỏ trong thành phố."
    entry.business_model = "Bán trực tiếp và qua hợp tác xã; dịch vụ bảo trì theo năm."
    entry.stage = rng.choice([Stage.IDEA, Stage.IDEA, Stage.PROTOTYPE, Stage.EARLY_REVENUE])
    entry.traction = "Đã thử nghiệm với 10 hộ dân." if entry.stage != Stage.IDEA else ""
    entry.funding_needs = f"{rng.choice([50, 100, 150, 300])} triệu đồng cho sản xuất thử."
    entry.from_science_fair = entry.track.code == "THPT" and rng.random() < 0.25
    entry.science_fair_note = (
        "Phát triển từ dự án Cuộc thi KHKT cấp thành phố" if entry.from_science_fair else None
    )
    if with_deck:
        entry.deck = store_upload(
            io.BytesIO(deck_pdf(title, entry.team.name)),
            f"Bài thuyết trình – {title}.pdf"[:150],
            PDF,
            entry.team.leader_id,
        )


def demo_entries(
    ctx: DemoContext, competition: Competition, teams: list[tuple[Team, str]], at: datetime
) -> list[Entry]:
    sectors = {s.code: s for s in db.session.scalars(select(Sector))}
    tracks = {track.code: track for track in competition.tracks}
    opens = competition.first_round.submission_opens_at
    made = []
    for team, track_code in teams:
        entry = Entry(competition=competition, track=tracks[track_code], team=team,
                      unit=team.unit, title="", created_by_id=team.leader_id)  # fmt: skip
        db.session.add(entry)
        draft = ctx.rng.random() < 0.1
        _fill(entry, ctx.rng, sectors, with_deck=not draft or ctx.rng.random() < 0.5)
        db.session.flush()
        if not draft:
            span = max((at - opens).total_seconds(), 3600)
            when = opens + timedelta(seconds=ctx.rng.uniform(0.1, 0.9) * span)
            submit_entry(entry, by=team.leader, now=when)
            if ctx.rng.random() < 0.2:  # improved and resubmitted
                entry.traction = "Đã bán thử 200 sản phẩm trong tháng đầu."
                submit_entry(entry, by=team.leader, now=when + timedelta(days=2))
        made.append(entry)
    return made


def _withdraw_and_screen(ctx: DemoContext, entries: list[Entry], organizer: User) -> None:
    submitted = [e for e in entries if e.status == EntryStatus.SUBMITTED]
    for entry in ctx.rng.sample(submitted, min(6, len(submitted) // 10)):
        withdraw_entry(entry, by=entry.team.leader, reason="Nhóm tạm dừng dự án.")
    remaining = [e for e in submitted if e.status == EntryStatus.SUBMITTED]
    for entry in ctx.rng.sample(remaining, min(20, len(remaining) // 4)):
        if ctx.rng.random() < 0.2:
            review_entry(
                entry,
                EntryStatus.REJECTED,
                "Dự án đã đoạt giải cấp thành phố năm trước, không đủ điều kiện dự thi.",
                by=organizer,
            )
        else:
            review_entry(entry, EntryStatus.ACCEPTED, None, by=organizer)


def _late_attempts(entries: list[Entry], after: datetime) -> int:
    """Teams that came back after the deadline: the server refused them."""
    refused = 0
    for entry in entries:
        entry.funding_needs += " (cập nhật)"
        try:
            submit_entry(entry, by=entry.team.leader, now=after)
        except EntryError as error:
            if error.reason != "late":
                raise
            refused += 1
            audit.record("entry.submit_refused", entry, new={"reason": "late"},
                         actor=entry.team.leader)  # fmt: skip
    return refused


@register_demo_step
def seed_competitions(ctx: DemoContext) -> None:
    now = ctx.now
    organizer = ctx.accounts["btc@sprout.demo"]
    # This year's call: open now, closing in two weeks at 17:00.
    current = demo_competition(
        f"Cuộc thi Khởi nghiệp đổi mới sáng tạo thành phố Đà Nẵng năm {to_local(now).year}",
        "DN",
        to_local(now).year,
        ctx.units[CITY],
        opens=_local(now - timedelta(days=45), 7),
        closes=_local(now + timedelta(days=14), 17),
    )
    teams = _teams(ctx, 120, to_local(now).year)
    # The demo participant leads one of them.
    demo_participant = ctx.accounts["thisinh@sprout.demo"]
    teams[0][0].members.append(
        TeamMember(
            user=demo_participant,
            full_name=demo_participant.full_name,
            date_of_birth=_birth_date(ctx.rng, "THPT", to_local(now).year),
            school=teams[0][0].unit.name if teams[0][0].unit else None,
        )  # fmt: skip
    )
    teams[0][0].leader = demo_participant
    entries = demo_entries(ctx, current, teams[:110], at=now)
    _withdraw_and_screen(ctx, entries, organizer)

    # Last year's call of the former province, held in units that no longer exist.
    last_year = to_local(now).year - 1
    old = demo_competition(
        f"Cuộc thi Khởi nghiệp đổi mới sáng tạo tỉnh Quảng Nam năm {last_year}",
        "QN",
        last_year,
        ctx.units[OLD_PROVINCE],
        opens=local_to_utc(datetime(last_year, 3, 1, 7, 0)),
        closes=local_to_utc(datetime(last_year, 5, 31, 17, 0)),
    )
    # Many of last year's teams came back this year: half the teams entered both calls.
    old_entries = demo_entries(
        ctx, old, teams[60:], at=local_to_utc(datetime(last_year, 5, 31, 16, 0))
    )
    late = [e for e in old_entries if e.status == EntryStatus.SUBMITTED][:3]
    _late_attempts(late, after=local_to_utc(datetime(last_year, 5, 31, 17, 0, 1)))
    old.status = CompetitionStatus.ARCHIVED
    # The receipts belong to the story, not to an outbox that would send them today.
    db.session.execute(delete(OutboxMessage))
    db.session.flush()
