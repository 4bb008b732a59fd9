"""Applying an experts import: the kept file is checked again against the database as it
is now, then every row is applied, or none (a refusal raises before anything changes).

New people get their account through app.people.services.create_account (the activation
email with its single-use, expiring link included); known people only gain the roles and
expertise tags they lack. The columns a feature adds (app.people.imports.extensions) are
applied by the feature, row by row, in the same transaction. One audit event names the
import and its counts, beside those create_account and grant_role write for each person.

Functions change the session and flush; they never commit."""

from __future__ import annotations

from dataclasses import dataclass

from app import audit
from app.people.imports.checks import KIND, ExpertPlan, check_experts
from app.people.imports.flow import ImportRefused
from app.people.imports.uploads import read_kept
from app.people.models import ExpertiseTag, User
from app.people.services import create_account, grant_role
from app.storage import StoredFile

IMPORT_ACTION = "import.experts"


@dataclass
class Applied:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    role_grants: int = 0
    tags_added: int = 0
    extras_applied: int = 0  # rows whose features' columns changed something


def apply_experts(stored: StoredFile, *, by: User) -> Applied:
    report = check_experts(read_kept(stored))
    if not report.importable:
        raise ImportRefused(report)
    applied = Applied()
    for row in report.rows:
        plan: ExpertPlan = row.plan
        action = plan.action
        if action == "create":
            user = create_account(
                full_name=row.text("full_name"),
                email=row.text("email"),
                roles=plan.new_roles,
                unit=plan.unit,
                phone=row.text("phone") or None,
                actor=by,
            )
            user.title = row.text("title") or None
            applied.created += 1
        elif action == "update":
            user = plan.user
            for role in plan.new_roles:
                applied.role_grants += grant_role(user, role, actor=by)
            applied.updated += 1
        else:
            applied.unchanged += 1
            continue
        applied.tags_added += add_expertise(user, plan.new_tags, by=by)
        for spec, extra in plan.extras:
            spec.apply(user, extra, by)
        applied.extras_applied += bool(plan.extras)
    audit.record(
        IMPORT_ACTION,
        stored,
        new={"kind": KIND, "file_id": stored.id, "sha256": stored.sha256,
             "rows": len(report.rows), **applied.__dict__},
        actor=by,
    )  # fmt: skip
    return applied


def add_expertise(user: User, tags: list[ExpertiseTag], *, by: User) -> int:
    """Add the tags the person lacks (none is taken away); how many were added."""
    missing = [tag for tag in tags if tag not in user.expertise]
    if not missing:
        return 0
    old = sorted(tag.code for tag in user.expertise)
    user.expertise = sorted([*user.expertise, *missing], key=lambda tag: tag.code)
    audit.record(
        "user.expertise",
        user,
        old={"tags": old},
        new={"tags": sorted(tag.code for tag in user.expertise)},
        actor=by,
    )
    return len(missing)
