"""Screening pages for the organizers who manage a competition: the entries list with
filters and counts (and its Excel download), an entry's detail with its eligibility
review, bulk review, and paper submissions. Everyone else gets 403; a competition or
entry that does not exist gets 404."""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response

from app import audit, spreadsheets
from app.access import object_check, require
from app.db import db, rollback_request
from app.downloads import xlsx_download
from app.forms_common import choices
from app.localtime import local_today, wall_clock_now
from app.people.models import User
from app.storage import StoredFile
from app.units.queries import unit_choices
from competitions import bp
from competitions.entries.forms import stage_label
from competitions.entries.messages import entry_status_badge, entry_status_label
from competitions.models import (
    Competition,
    Entry,
    EntryStatus,
    EntryVersion,
    Team,
    TeamMember,
)
from competitions.screening import export, listing, services
from competitions.screening.forms import DECISIONS, BulkReviewForm, FilterForm, ReviewForm

FILTER_KEYS = ("q", "round", "pool", "unit", "track", "status", "page")


def _review_message(reason: str) -> str:
    return {
        "not_reviewable": _("Only submitted entries can be reviewed: drafts are still the "
                            "team's and withdrawn entries have left the competition."),
        "unchanged": _("The entry already has this decision."),
        "reason_required": _("Give a reason of at least %(n)d characters: the team will "
                             "read it.", n=services.MIN_REASON_LENGTH),
    }[reason]  # fmt: skip


def managed_competition(competition_id: int) -> Competition:
    competition = db.session.get(Competition, competition_id)
    require(competition is not None, 404)
    require(competition.can_manage(current_user))
    return competition


def me() -> User:
    """The signed-in User itself: services keep it, so not the request-bound proxy."""
    return current_user._get_current_object()


def _page() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


# --- the list ----------------------------------------------------------------------------


def _filters(competition: Competition, form: FilterForm) -> listing.EntryFilters:
    """Fill the filter choices and resolve what was chosen to this competition's rows;
    ids of other competitions' rows are no filter at all."""
    rounds = competition.rounds
    form.round.choices = choices([(r.id, r.name) for r in rounds])
    chosen_round = next((r for r in rounds if r.id == form.round.data), None)
    chosen_round = chosen_round or competition.first_round
    if chosen_round is not None:
        form.round.data = chosen_round.id
    pools = chosen_round.pools if chosen_round is not None else []
    form.pool.choices = choices([(0, _("All pools")), *[(p.id, p.name) for p in pools]])
    form.track.choices = choices(
        [(0, _("All tracks")), *[(t.id, t.name) for t in competition.tracks]]
    )
    units = listing.units_with_entries(competition)
    form.unit.choices = [*choices([(0, _("All units"))]), *unit_choices(units)]
    form.validate()  # a value that is not a choice gets an error and is ignored below

    def valid(field):  # noqa: ANN001, ANN202
        return field.data if not field.errors else None

    return listing.EntryFilters(
        round=chosen_round,
        pool=next((p for p in pools if p.id == valid(form.pool)), None),
        unit=next((u for u in units if u.id == valid(form.unit)), None),
        track=next((t for t in competition.tracks if t.id == valid(form.track)), None),
        status=valid(form.status) or None,
        q=(valid(form.q) or "").strip(),
    )


@bp.route("/<int:competition_id>/entries")
@object_check
def review_list(competition_id: int) -> str:
    competition = managed_competition(competition_id)
    form = FilterForm(request.args)
    filters = _filters(competition, form)
    page = _page()
    entries, total = listing.entry_page(competition, filters, page)
    bulk = BulkReviewForm(formdata=None, back=request.query_string.decode("latin-1"))
    first = competition.first_round
    return render_template(
        "competitions/screening/list.html",
        competition=competition,
        form=form,
        bulk=bulk,
        entries=entries,
        total=total,
        page=page,
        per_page=listing.PER_PAGE,
        unit_counts=listing.counts_by_unit(competition, filters),
        track_counts=listing.counts_by_track(competition, filters),
        later_round=filters.round is not None and first is not None and filters.round != first,
        status_label=entry_status_label,
        status_badge=entry_status_badge,
        export_url=url_for(
            "competitions.review_export", competition_id=competition.id, **_filter_args()
        ),
    )


def _filter_args() -> dict[str, str]:
    """The list's filters of the query string (not its page), for the download button:
    only the list's own keys, so nothing else reaches url_for."""
    return {k: v for k, v in request.args.items() if k in FILTER_KEYS and k != "page"}


@bp.route("/<int:competition_id>/entries/export", methods=["POST"])
@object_check
def review_export(competition_id: int) -> Response:
    """Every entry the list shows with the filters of the query string (all pages) as a
    workbook. A POST, like the ranking download: it writes the audit row, and on SQLite a
    write transaction takes its lock at the start instead of failing at the end."""
    competition = managed_competition(competition_id)
    filters = _filters(competition, FilterForm(request.args))
    entries = listing.all_entries(competition, filters)
    user = me()
    facts = export.ListExport(
        competition=f"{competition.title} ({competition.edition_year})",
        filters=filters,
        exported_at=wall_clock_now(),
        exported_by=f"{user.full_name} <{user.email}>",
    )
    content = export.entries_workbook(entries, facts)
    audit.record(
        "competitions.export",
        competition,
        new={
            "format": "xlsx",
            "what": "entries",
            "filters": _filter_ids(filters),
            "entries": len(entries),
            "destination": "download",
        },
        actor=user,
    )
    name = spreadsheets.download_name(competition.title, export.FILE_PART, date=local_today())
    return xlsx_download(content, name)


def _filter_ids(filters: listing.EntryFilters) -> dict[str, object]:
    """The filters as the audit log keeps them: ids, the status and the search text."""
    return {
        "round": filters.round.id if filters.round else None,
        "pool": filters.pool.id if filters.pool else None,
        "unit": filters.unit.id if filters.unit else None,
        "track": filters.track.id if filters.track else None,
        "status": filters.status,
        "q": filters.q or None,
    }


def _back_to_list(competition: Competition, back: str | None) -> Response:
    """Back to the list with the filters it had; only the list's own keys are kept, so
    the address is always ours."""
    kept = {k: v for k, v in parse_qsl(back or "") if k in FILTER_KEYS}
    return redirect(url_for("competitions.review_list", competition_id=competition.id, **kept))


@bp.route("/<int:competition_id>/entries/bulk", methods=["POST"])
@object_check
def review_bulk(competition_id: int) -> Response:
    competition = managed_competition(competition_id)
    form = BulkReviewForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "danger")
        return _back_to_list(competition, form.back.data)
    decision = DECISIONS[form.decision.data]
    result = services.bulk_review(
        competition, form.entry_ids.data, decision, form.reason.data, by=me()
    )
    if decision == EntryStatus.ACCEPTED:
        done = ngettext("%(num)d entry accepted.", "%(num)d entries accepted.", result.done)
    else:
        done = ngettext("%(num)d entry rejected.", "%(num)d entries rejected.", result.done)
    flash(done, "success" if result.done else "info")
    if result.not_reviewable:
        flash(
            ngettext(
                "%(num)d entry skipped: drafts and withdrawn entries cannot be reviewed.",
                "%(num)d entries skipped: drafts and withdrawn entries cannot be reviewed.",
                result.not_reviewable,
            ),
            "warning",
        )
    if result.unchanged:
        flash(
            ngettext(
                "%(num)d entry already had this decision.",
                "%(num)d entries already had this decision.",
                result.unchanged,
            ),
            "info",
        )
    if result.reason_required:
        flash(
            ngettext(
                "%(num)d entry skipped: changing a decision needs a reason of at least "
                "%(n)d characters.",
                "%(num)d entries skipped: changing a decision needs a reason of at least "
                "%(n)d characters.",
                result.reason_required,
                n=services.MIN_REASON_LENGTH,
            ),
            "warning",
        )
    return _back_to_list(competition, form.back.data)


# --- one entry ---------------------------------------------------------------------------


def _file_link(entry: Entry, stored: StoredFile | None) -> str | None:
    """The download link of the entries feature, when it serves this file."""
    if stored is None or "competitions.entry_file" not in current_app.view_functions:
        return None
    try:
        return url_for("competitions.entry_file", entry_id=entry.id, file_id=stored.id)
    except BuildError:
        return None


def _load_entry(entry_id: int) -> Entry:
    entry = db.session.scalar(
        select(Entry)
        .where(Entry.id == entry_id)
        .options(
            joinedload(Entry.competition),
            joinedload(Entry.track),
            joinedload(Entry.unit),
            joinedload(Entry.team).joinedload(Team.advisor),
            joinedload(Entry.team).joinedload(Team.unit),
            joinedload(Entry.team).selectinload(Team.members).joinedload(TeamMember.user),
            selectinload(Entry.versions).joinedload(EntryVersion.submitted_by),
            selectinload(Entry.versions).joinedload(EntryVersion.deck),
        )
    )
    require(entry is not None, 404)
    require(entry.competition.can_manage(current_user))
    # A draft is the team's until they submit it: organizers do not see it.
    require(entry.status != EntryStatus.DRAFT, 404)
    return entry


@bp.route("/entries/<int:entry_id>/review", methods=["GET", "POST"])
@object_check
def review_detail(entry_id: int) -> str | Response:
    entry = _load_entry(entry_id)
    form = ReviewForm(current_status=entry.status)
    if request.method == "POST":
        if entry.status not in services.REVIEWABLE:
            flash(_review_message("not_reviewable"), "danger")
        elif form.validate_on_submit():
            try:
                services.review_entry(
                    entry, DECISIONS[form.decision.data], form.reason.data, by=me()
                )
            except services.ReviewError as error:
                rollback_request()
                form.reason.errors.append(_review_message(error.reason))
            else:
                if entry.status == EntryStatus.ACCEPTED:
                    flash(_("Entry accepted; the team has been told by email."), "success")
                else:
                    flash(_("Entry rejected; the team has been told by email."), "success")
                return redirect(url_for("competitions.review_detail", entry_id=entry.id))
    content = services.submitted_content(entry)
    return render_template(
        "competitions/screening/detail.html",
        entry=entry,
        competition=entry.competition,
        content=content,
        form=form,
        reviewable=entry.status in services.REVIEWABLE,
        reviewed_by=db.session.get(User, entry.reviewed_by_id) if entry.reviewed_by_id else None,
        file_link=lambda stored: _file_link(entry, stored),
        status_label=entry_status_label,
        status_badge=entry_status_badge,
        stage_label=stage_label,
    )


# The paper submission pages register on the blueprint too.
from competitions.screening import paper_views  # noqa: E402,F401
