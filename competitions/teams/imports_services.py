"""Applying a participants import: the kept file is checked again against the database as
it is now, then every row is applied, or none (a refusal raises before anything changes).

New people get a participant account with the activation email and its single-use,
expiring link (app.people.imports.accounts: what create_account does, for thousands at
once); known people gain the participant role if they lack it. New teams are made led by
their leader row, who is their first member; existing teams gain the members they lack.
Each team made or completed is audited, and the import once with its counts.

Functions change the session and flush; they never commit."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert

from app import audit
from app.db import db
from app.people.imports.accounts import (
    NewPerson,
    column_values,
    create_accounts,
    grant_missing_role,
)
from app.people.imports.flow import ImportRefused
from app.people.imports.uploads import read_kept
from app.people.models import Role, User
from app.spreadsheet_imports import Row
from app.storage import StoredFile
from competitions.models import Team, TeamMember
from competitions.teams.imports import GENDER_CELLS, KIND, TeamPlan, check_teams

IMPORT_ACTION = "import.teams"


@dataclass
class Applied:
    accounts_created: int = 0
    role_grants: int = 0
    teams_created: int = 0
    members_added: int = 0
    unchanged: int = 0


def apply_teams(stored: StoredFile, *, by: User) -> Applied:
    report = check_teams(read_kept(stored), actor=by)
    if not report.importable:
        raise ImportRefused(report)
    applied = Applied(unchanged=report.count("unchanged"))
    people = _people(report.rows, applied, by)
    changed = [plan for plan in report.teams if plan.joining]
    made = _new_teams([plan for plan in changed if plan.team is None], people)
    members = []
    created: list[tuple[Team, dict]] = []
    completed: list[tuple[Team, dict]] = []
    for plan in changed:
        team = plan.team or made[plan.leader_row.number]
        # The leader is the first member of a new team, as when a participant makes one.
        rows = sorted(plan.joining, key=lambda row: row is not plan.leader_row)
        members += [_member(row, people[row.number], plan, team.id) for row in rows]
        member_ids = [people[row.number].id for row in rows]
        if plan.team is None:
            created.append((team, {"name": team.name, "unit_id": team.unit_id,
                                   "leader_id": team.leader_id, "member_ids": member_ids,
                                   "source": "import"}))  # fmt: skip
        else:
            db.session.expire(team, ["members"])
            completed.append((team, {"member_ids": member_ids}))
    audit.record_many("team.create", created, actor=by)
    audit.record_many("team.import_members", completed, actor=by)
    # One statement: thousands of members through the ORM's unit of work take seconds.
    if members:
        db.session.execute(insert(TeamMember), members)
    applied.teams_created = len(made)
    applied.members_added = len(members)
    audit.record(
        IMPORT_ACTION,
        stored,
        new={"kind": KIND, "file_id": stored.id, "sha256": stored.sha256,
             "rows": len(report.rows), **applied.__dict__},
        actor=by,
    )  # fmt: skip
    db.session.flush()
    return applied


def _new_teams(plans: list[TeamPlan], people: dict[int, User]) -> dict[int, Team]:
    """The new teams, inserted at once; by their leader's row number."""
    if not plans:
        return {}
    values = [
        column_values(
            Team(
                name=plan.name,
                leader_id=people[plan.leader_row.number].id,
                unit_id=plan.unit.id if plan.unit is not None else None,
            )
        )
        for plan in plans
    ]
    teams = db.session.scalars(insert(Team).returning(Team, sort_by_parameter_order=True), values)
    return {plan.leader_row.number: team for plan, team in zip(plans, teams, strict=True)}


def _people(rows: list[Row], applied: Applied, by: User) -> dict[int, User]:
    """The account of every row (row number → user): the new ones made in one go."""
    people: dict[int, User] = {}
    new_rows = [row for row in rows if row.plan.user is None]
    for row in rows:
        if row.plan.user is not None:
            people[row.number] = row.plan.user
    applied.role_grants = grant_missing_role(
        [row.plan.user for row in rows if row.plan.grant_participant], Role.PARTICIPANT, by=by
    )
    new_people = [
        NewPerson(row.text("full_name"), row.text("email"), row.text("phone") or None)
        for row in new_rows
    ]
    created = create_accounts(new_people, Role.PARTICIPANT, by=by)
    people.update((row.number, user) for row, user in zip(new_rows, created, strict=True))
    applied.accounts_created = len(created)
    return people


def _member(row: Row, user: User, plan: TeamPlan, team_id: int) -> dict:
    school = row.text("school") or (plan.unit.name if plan.unit is not None else None)
    return column_values(
        TeamMember(
            team_id=team_id,
            user_id=user.id,
            full_name=row.text("full_name"),
            date_of_birth=row.values.get("date_of_birth"),
            gender=GENDER_CELLS.get(row.text("gender")),
            school=school or None,
            class_or_major=row.text("class_or_major") or None,
            phone=row.text("phone") or None,
        )
    )
