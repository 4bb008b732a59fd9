from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.access import object_check, require, roles_required
from app.db import db, rollback_request
from app.forms_common import choices, with_none
from app.people.models import Role
from app.units import bp, services
from app.units.forms import LevelForm, UnitForm
from app.units.models import Unit, UnitLevel
from app.units.queries import all_units, build_forest, subtree, unit_choices


def _visible_units() -> list[Unit]:
    if current_user.is_admin:
        return all_units()
    seen: dict[int, Unit] = {}
    for own in current_user.organizer_units():
        for unit in subtree(own):
            seen[unit.id] = unit
    return sorted(seen.values(), key=lambda unit: unit.path)


@bp.route("/")
@roles_required(Role.ADMIN, Role.ORGANIZER)
def index() -> str:
    return render_template("units/index.html", forest=build_forest(_visible_units()))


def _levels() -> list[UnitLevel]:
    return list(db.session.scalars(select(UnitLevel).order_by(UnitLevel.rank, UnitLevel.id)))


def _prepare(form: UnitForm) -> None:
    form.level.choices = choices([(lv.id, lv.name(str(get_locale()))) for lv in _levels()])
    form.successor.choices = with_none(unit_choices(all_units()))


def _unit_messages(reason: str) -> str:
    messages = {
        "dates": _("The end date must come after the start date."),
        "bad_successor": _("A unit cannot be merged into itself or a unit below it."),
    }
    return messages[reason]


@bp.route("/new", methods=["GET", "POST"])
@object_check
def create() -> str | Response:
    parent_id = request.args.get("parent", type=int)
    parent = db.session.get(Unit, parent_id) if parent_id else None
    if parent_id and parent is None:
        abort(404)
    # Top-level units are the admins'; organizers add below the units they run.
    require(current_user.is_admin or (parent is not None and current_user.organizes(parent)))
    form = UnitForm()
    _prepare(form)
    if form.validate_on_submit():
        try:
            unit = services.create_unit(
                name=form.name.data,
                level=db.session.get(UnitLevel, form.level.data),
                parent=parent,
                code=form.code.data,
                valid_from=form.valid_from.data,
                valid_until=form.valid_until.data,
            )
        except services.UnitError as error:
            rollback_request()
            form.valid_until.errors.append(_unit_messages(error.reason))
        else:
            flash(_("Unit “%(name)s” added.", name=unit.name), "success")
            return redirect(url_for("units.index"))
    return render_template("units/form.html", form=form, parent=parent, unit=None)


@bp.route("/<int:unit_id>/edit", methods=["GET", "POST"])
@object_check
def edit(unit_id: int) -> str | Response:
    unit = db.session.get(Unit, unit_id)
    require(unit is not None, 404)
    require(unit.can_manage(current_user))
    form = UnitForm(obj=unit)
    _prepare(form)
    if request.method == "GET":
        form.level.data = unit.level_id
        form.successor.data = unit.successor_id or 0
    if form.validate_on_submit():
        try:
            services.update_unit(
                unit,
                name=form.name.data,
                level=db.session.get(UnitLevel, form.level.data),
                code=form.code.data,
                valid_from=form.valid_from.data,
                valid_until=form.valid_until.data,
                successor=db.session.get(Unit, form.successor.data or 0),
            )
        except services.UnitError as error:
            rollback_request()
            form.valid_until.errors.append(_unit_messages(error.reason))
        else:
            flash(_("Unit “%(name)s” saved.", name=unit.name), "success")
            return redirect(url_for("units.index"))
    return render_template("units/form.html", form=form, parent=unit.parent, unit=unit)


@bp.route("/levels")
@roles_required(Role.ADMIN)
def levels() -> str:
    return render_template("units/levels.html", levels=_levels())


@bp.route("/levels/<int:level_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_level(level_id: int) -> str | Response:
    level = db.session.get(UnitLevel, level_id)
    require(level is not None, 404)
    form = LevelForm(obj=level)
    if form.validate_on_submit():
        services.update_level(
            level, name_vi=form.name_vi.data, name_en=form.name_en.data, rank=form.rank.data
        )
        flash(_("Saved."), "success")
        return redirect(url_for("units.levels"))
    return render_template("units/level_form.html", form=form, level=level)
