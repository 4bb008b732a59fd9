"""The world and the vocabulary of the cross-feature access tests (tests/test_access_matrix.py,
tests/test_access_objects.py).

One world holds a competition with a judged round, a cohort with mentored pairs and an account
for each way a person can stand next to those rows: a judge on the panel and one off it, the
mentor of a pair and of another pair, a team's leader, member and advisor and the leader of
another team, an organizer of the unit and of another unit. It is the accelerator's progress
world (built on the judging world) with one row of every kind a URL names: for the events, a
published training of the unit with the participant registered and a draft; for the
programme's dashboard and report, the unit in the query string.

Beside them, `Setting.elsewhere` holds the same kinds of rows of the other organizer's unit (an
event with a registration, the unit itself): the ids an organizer of the first unit must not
reach through its own URLs (tests/test_access_objects.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache

from flask import Flask, url_for
from sqlalchemy import MetaData, Select, func, literal, select, union_all

from accelerator.models import SessionAction
from app.access import declared_rules
from app.auth.models import UserSession, token_digest
from app.db import utcnow
from app.localtime import local_today
from app.people.models import Role, RoleGrant, User
from competitions.events.models import EventStatus
from judging.models import Conflict
from tests.accelerator import progress_world as pw
from tests.accelerator import sessions_world as sw
from tests.competitions.events import world as ew
from tests.competitions.test_teams import make_invitation
from tests.factories import Factory
from tests.helpers import csrf_token, login
from tests.judging import world as jw

BLUEPRINTS = (
    "main", "auth", "admin", "units", "competitions", "judging", "accelerator", "events",
    "programme",
)  # fmt: skip

ROLES = (
    "anonymous",
    "participant",  # nobody's teammate
    "judge",  # on the round's panel
    "outsider_judge",  # a judge, not on the panel
    "mentor",  # mentor of the pair with the leader's team
    "other_mentor",  # mentor of the other pair
    "leader",  # leads the team whose rows the URLs name
    "member",  # a member of that team
    "advisor",  # that team's advisor
    "other_team",  # leads the other team of the cohort
    "organizer",  # organizer of the unit owning the competition and the cohort
    "other_organizer",  # organizer of another unit
    "admin",
)
SIGNED_IN = frozenset(ROLES) - {"anonymous"}
ORGANIZERS = frozenset({"organizer", "admin"})
ANY_ORGANIZER = frozenset({"organizer", "other_organizer", "admin"})
TEAM = frozenset({"leader", "member"})
PAIR = TEAM | {"mentor"}
EXPERT_PANEL = frozenset({"judge", "outsider_judge", "mentor", "other_mentor"}) | ANY_ORGANIZER

REFUSALS = (403, 404)


@dataclass
class Setting:
    accounts: dict[str, User]
    ids: dict[str, int | str]  # URL argument → the id of the row a sample URL names
    # the same arguments naming the other organizer's rows (an event, its code, the unit)
    elsewhere: dict[str, int | str] = field(default_factory=dict)


# Arguments the sample URLs carry in the query string: the unit the programme reads.
QUERY: dict[str, tuple[str, ...]] = {
    "programme.dashboard": ("unit",),
    "programme.report": ("unit",),
}


def build(factory: Factory, db, *, prefix: str = "") -> Setting:  # noqa: ANN001
    """The progress world (competition, round, cohort, pairs, milestones) and one row of
    every kind a POST URL names."""
    setting = pw.build(factory)
    base = setting.sessions.base
    world = base.world
    people = dict(setting.accounts)
    ours, theirs = setting.ours, setting.theirs
    people["advisor"] = factory.user(f"{prefix}Ngô Văn Cố Vấn Đội", roles=(Role.PARTICIPANT,))
    ours.team.advisor = people["advisor"]
    people["outsider_judge"] = factory.user(f"{prefix}Hoàng Văn Ngoài", roles=(Role.JUDGE,))
    member = next(m for m in ours.team.members if m.user_id == people["member"].id)
    round_entry = world.entries[1]  # the leader's entry
    assignment = jw.assign(world, world.judges[0], round_entry)
    conflict = Conflict(
        user_id=world.judges[0].id, entry_id=world.entries[3].entry_id, source="declared",
        reason="Người nhà",
    )  # fmt: skip
    session = sw.logged(setting.sessions.match, people["mentor"])
    action = SessionAction(session=session, text="Gửi bản kế hoạch tài chính")
    db.session.add_all([conflict, action])
    invitation = make_invitation(
        db, ours.team, f"{prefix}moi@example.vn", f"{prefix}a-pending-invitation"
    )
    target = people["member"]
    own_session = UserSession(
        user_id=target.id,
        token_hash=token_digest(f"{prefix}a-session-of-the-member"),
        expires_at=utcnow() + timedelta(hours=1),
    )
    db.session.add(own_session)
    level = factory.level(f"{prefix}ward", "Phường", 2)
    # A training, so that a cohort can be registered for it too (accelerator).
    training = ew.event(
        world.owner, title=f"{prefix}Tập huấn gọi vốn", kind="training", capacity=None
    )
    registration = ew.registration(training, people["participant"])
    draft = ew.event(world.owner, title=f"{prefix}Ngày hội cụm", status=EventStatus.DRAFT)
    other_unit = people["other_organizer"].organizer_units()[0]
    theirs_event = ew.event(other_unit, title=f"{prefix}Tập huấn tỉnh bạn", kind="training")
    their_registration = ew.registration(theirs_event, people["other_team"])
    db.session.flush()
    grant = db.session.scalar(select(RoleGrant).where(RoleGrant.user_id == target.id))
    ids = {
        "competition_id": world.competition.id,
        "round_id": world.round.id,
        "track_id": world.competition.tracks[0].id,
        "entry_id": round_entry.entry_id,
        "round_entry_id": round_entry.id,
        "team_id": ours.team_id,
        "competitions.member_id": member.id,
        "invitation_id": invitation.id,
        "target": "judging",
        "assignment_id": assignment.id,
        "award_id": base.first_prize.id,
        "winner_id": base.first_prize.winners[0].id,
        "conflict_id": conflict.id,
        "criterion_id": world.criteria[0].id,
        "judging.member_id": world.panel[0].id,
        "cohort_id": setting.cohort.id,
        "match_id": setting.sessions.match.id,
        "milestone_id": setting.milestones[0].id,
        "membership_id": ours.id,
        "cohort_team_id": ours.id,
        "session_id": session.id,
        "action_id": action.id,
        "accelerator.user_id": people["mentor"].id,
        "auth.session_id": own_session.id,
        "admin.user_id": target.id,
        "grant_id": grant.id,
        "unit_id": world.entries[0].entry.team.unit_id,
        "level_id": level.id,
        "number": 1,
        "file_id": 0,
        "event_id": training.id,
        "events.publish.event_id": draft.id,  # a draft: others do not even see it
        "code": registration.code,
        "programme.unit": world.owner.id,
    }
    elsewhere = {
        "event_id": theirs_event.id,
        "code": their_registration.code,
        "programme.unit": other_unit.id,
    }
    assert ours.team_id != theirs.team_id
    assert not other_unit.contains(world.owner) and not world.owner.contains(other_unit)
    return Setting(accounts=people, ids=ids, elsewhere=elsewhere)


def post_endpoints(app: Flask) -> dict[str, list[str]]:
    """Endpoint → URL arguments, for every rule of BLUEPRINTS that takes a POST and is not
    public (signing in, a token link, the language: anyone may post there)."""
    return {
        rule.endpoint: sorted(rule.arguments)
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods
        and rule.endpoint.rsplit(".", 1)[0] in BLUEPRINTS
        and not is_public(app, rule.endpoint)
    }


def is_public(app: Flask, endpoint: str) -> bool:
    return "public" in declared_rules(endpoint, app.view_functions[endpoint])


def argument_key(ids: dict, endpoint: str, name: str) -> str:
    """Where `ids` keeps the value of an argument: under the endpoint's own key
    (`events.publish.event_id`), its blueprint's (`judging.member_id`) or the common one."""
    own, blueprint = f"{endpoint}.{name}", f"{endpoint.split('.')[0]}.{name}"
    return next((key for key in (own, blueprint) if key in ids), name)


def argument(ids: dict, endpoint: str, name: str) -> int | str | None:
    return ids.get(argument_key(ids, endpoint, name))


def sample_url(app: Flask, endpoint: str, arguments: list[str], ids: dict) -> str:
    """The URL with the world's ids, the query-string arguments (QUERY) included."""
    names = [*arguments, *QUERY.get(endpoint, ())]
    with app.test_request_context():
        return url_for(endpoint, **{a: argument(ids, endpoint, a) for a in names})


def refused(response, role: str) -> bool:
    if role == "anonymous":
        return response.status_code == 302 and "/auth/login" in response.headers["Location"]
    return response.status_code in REFUSALS


def changed_tables(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


# Every change goes through a service that records an audit event, and mail through the
# outbox: counted after every request of the big matrix, where counting every table costs
# too much on PostgreSQL. The whole snapshot, compared once per role, catches the rest.
WITNESSES = ("audit_events", "outbox_messages")


@cache
def _count_rows_query(metadata: MetaData, only: tuple[str, ...] | None) -> Select:
    return union_all(
        *(
            select(literal(table.name).label("name"), func.count().label("n")).select_from(table)
            for table in metadata.sorted_tables
            if only is None or table.name in only
        )
    )


def row_counts(db, only: tuple[str, ...] | None = None) -> dict[str, int]:  # noqa: ANN001
    """The number of rows of every table (or of those named), in one query."""
    query = _count_rows_query(db.metadata, only)
    return {name: n for name, n in db.session.execute(query)}


# What a forged request sends: a valid value for every field the POST forms read, so that a
# missing check would act rather than fail on the form.
FORGED = {
    "confirm": "y",
    "reason": "Lý do giả mạo, đủ dài để hợp lệ",
    "note": "Giả mạo",
    "comment": "Giả mạo",
    "email": "ke.gia.mao@example.vn",
    "name": "Giả mạo",
    "title": "Giả mạo",
    "status": "accepted",
    "role": "admin",
    "rating": "5",
    "quota": "1",
    "decision": "stop",
    "direction": "down",
    "answer": "accept",
    "done": "1",
    "completed_on": sw.day(local_today()),
}


def sign_in(client, s: Setting, role: str) -> str:
    """Signed in as `role` (signing in writes rows: before any snapshot); a CSRF token."""
    if role == "anonymous":
        return csrf_token(client, "/auth/login")
    assert login(client, s.accounts[role].email).status_code == 302, role
    return csrf_token(client, "/auth/profile")
