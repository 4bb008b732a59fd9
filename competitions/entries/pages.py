"""What the entry pages share: loading an entry for the current user, links to other
topics' pages, and the helpers every entry template uses."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response

from app.access import require
from app.db import db, utcnow
from app.people.models import User
from competitions.entries import services
from competitions.entries.forms import stage_label
from competitions.entries.messages import entry_status_badge, entry_status_label, time_left
from competitions.models import Competition, Entry, EntryImage, EntryVersion, Team

Page = str | Response | tuple[str, int]


def optional_url(endpoint: str, **values: Any) -> str | None:
    """A link to a page another topic may not have built yet (None until it exists)."""
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def render(template: str, **context: Any) -> str:
    """render_template with the labels, deadlines and times the entry templates show
    (passed here rather than as app-wide globals, which other topics share)."""
    now = utcnow()
    return render_template(
        template,
        now=now,
        status_label=entry_status_label,
        status_badge=entry_status_badge,
        stage_label=stage_label,
        time_left=lambda deadline: time_left(deadline, now),
        deadline_of=services.submission_deadline,
        optional_url=optional_url,
        **context,
    )


def me() -> User:
    """The signed-in User itself (services keep it; the proxy must not be stored)."""
    return current_user._get_current_object()


def load_entry(entry_id: int) -> Entry:
    """The entry, or 404 for anyone who may not see it (its existence is not revealed)."""
    entry = db.session.scalar(
        select(Entry)
        .where(Entry.id == entry_id)
        .options(
            joinedload(Entry.competition).selectinload(Competition.rounds),
            joinedload(Entry.track),
            joinedload(Entry.team).selectinload(Team.members),
            selectinload(Entry.images).joinedload(EntryImage.file),
            selectinload(Entry.versions).joinedload(EntryVersion.submitted_by),
            selectinload(Entry.sectors),
        )
    )
    require(entry is not None and entry.can_view(current_user), 404)
    return entry
