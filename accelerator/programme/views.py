"""The programme's pages: the yearly dashboard (admins for every unit, organizers for their
own units' subtrees), the targets form (admins) and the yearly report workbook.

A unit that does not exist answers 404 and a unit outside the organizer's own 403, the same on
the dashboard and the workbook (a POST to /programme/report.xlsx?year=&unit=). A year outside
2000–2100 (or not a year) is refused with a message, and nothing is read or written for it."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from accelerator.cohorts.forms import ConfirmForm
from accelerator.programme import bp, export, pages, targets
from accelerator.programme.indicators import BY_CODE, parse_year
from app.access import require, roles_required
from app.db import db, rollback_request
from app.downloads import xlsx_download
from app.localtime import local_today
from app.people.models import Role, User
from app.units.models import Unit
from competitions.events.labels import kind_label, level_label

MESSAGES = {
    "not_a_number": _l("Enter a number of zero or more, e.g. 5 or 2,5."),
    "negative": _l("A target cannot be negative."),
    "too_many_places": _l("Use at most 2 decimal places."),
    "too_large": _l("This target is too large."),
    "unknown_indicator": _l("This indicator is not in the programme's plan."),
}


def _me() -> User:
    return current_user._get_current_object()


def _year() -> int | None:
    """The year asked for (this year by default); None, with a message, for anything else."""
    this_year = local_today().year
    year = parse_year(request.args.get("year"), this_year)
    if year is None:
        flash(_("Choose a year between 2000 and 2100, e.g. %(year)d.", year=this_year), "danger")
    return year


def _unit() -> Unit | None:
    """The unit filter: none (the whole programme) for admins by default, an organizer's own
    unit otherwise; 404 for a unit that does not exist, 403 for one not the reader's."""
    raw = request.args.get("unit", "").strip()
    me = _me()
    if not raw:
        if me.is_admin:
            return None
        own = sorted(me.organizer_units(), key=lambda unit: (len(unit.path), unit.name))
        require(bool(own))
        return own[0]
    if not raw.isascii() or not raw.isdigit():
        abort(404)
    unit = db.session.get(Unit, int(raw))
    require(unit is not None, 404)
    require(me.organizes(unit))
    return unit


@bp.route("/")
@roles_required(Role.ADMIN, Role.ORGANIZER)
def dashboard() -> str | Response:
    """The year's indicators against their targets, the breakdowns and the trends."""
    unit = _unit()
    year = _year()
    if year is None:
        return redirect(url_for("programme.dashboard", unit=unit.id if unit else None))
    board = pages.dashboard(year, unit, _me())
    return render_template(
        "programme/dashboard.html",
        board=board,
        form=ConfirmForm(),
        indicator_label=lambda code: BY_CODE[code].label,
        kind_label=kind_label,
        level_label=level_label,
    )


@bp.route("/report.xlsx", methods=["POST"])
@roles_required(Role.ADMIN, Role.ORGANIZER)
def report() -> Response:
    """The yearly report workbook. A POST, as every download here: it writes its audit row
    (a GET never changes anything), and on SQLite takes its write lock at the start."""
    unit = _unit()
    year = _year()
    if year is None:
        return redirect(url_for("programme.dashboard", unit=unit.id if unit else None))
    if not ConfirmForm().validate_on_submit():
        flash(_("The form has expired: try again."), "danger")
        return redirect(url_for("programme.dashboard", year=year, unit=unit.id if unit else None))
    content, name = export.export_year(year, unit, actor=_me())
    return xlsx_download(content, name)


@bp.route("/targets", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def targets_form() -> tuple[str, int] | Response:
    """Every indicator's target for a year: the plan's default until one is saved."""
    year = _year()
    if year is None:
        return redirect(url_for("programme.targets_form"))
    form = ConfirmForm()
    errors: dict[str, str] = {}
    typed: dict[str, str] = {}
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(_("The form has expired: try again."), "danger")
            return redirect(url_for("programme.targets_form", year=year))
        typed = {k: v for k, v in request.form.items() if k.startswith(targets.FIELD_PREFIX)}
        try:
            changed = targets.save(year, typed, _me())
        except targets.TargetError as error:
            rollback_request()
            errors = {name: str(MESSAGES[reason]) for name, reason in error.problems}
            flash(_("Nothing was saved: correct the figures marked below."), "danger")
            for reason in sorted({r for _n, r in error.problems if r == "unknown_indicator"}):
                flash(str(MESSAGES[reason]), "danger")
        else:
            flash(_("Targets saved (%(num)d changed).", num=changed), "success")
            return redirect(url_for("programme.targets_form", year=year))
    return render_template(
        "programme/targets.html",
        year=year,
        lines=targets.lines(year),
        form=form,
        errors=errors,
        typed=typed,
    ), (400 if errors else 200)


@bp.route("/targets/reset", methods=["POST"])
@roles_required(Role.ADMIN)
def reset_target() -> Response:
    """One target back to the plan's default."""
    year = _year()
    if year is None:
        return redirect(url_for("programme.targets_form"))
    if not ConfirmForm().validate_on_submit():
        flash(_("The form has expired: try again."), "danger")
        return redirect(url_for("programme.targets_form", year=year))
    code = request.form.get("indicator", "")
    qualifier = request.form.get("qualifier", "")
    try:
        done = targets.reset(year, code, qualifier, _me())
    except targets.TargetError:
        rollback_request()
        flash(str(MESSAGES["unknown_indicator"]), "danger")
    else:
        if done:
            flash(_("The target is back to the plan's default."), "success")
    return redirect(url_for("programme.targets_form", year=year))
