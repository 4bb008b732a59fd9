from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from app.access import roles_required
from app.admin import bp
from app.admin.forms import CreateUserForm, GrantRoleForm, SearchForm
from app.audit import AuditEvent
from app.auth.forms import ConfirmForm
from app.auth.services import ACCOUNT_MESSAGES, AccountError, send_activation
from app.db import db, rollback_request
from app.forms_common import with_none
from app.mail.outbox import OutboxMessage
from app.people import services
from app.people.models import Role, RoleGrant, User
from app.units.queries import unit_choices
from app.vietnamese import fold

PER_PAGE = 50


def _page() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


@bp.route("/users")
@roles_required(Role.ADMIN)
def users() -> str:
    form = SearchForm(request.args)
    query = select(User).options(selectinload(User.roles).joinedload(RoleGrant.unit))
    if form.q.data:
        needle = fold(form.q.data)
        query = query.where(
            or_(
                User.name_folded.contains(needle, autoescape=True),
                User.email.contains(needle, autoescape=True),
            )
        )
    if form.role.data:
        query = query.where(User.roles.any(RoleGrant.role == form.role.data))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page = _page()
    people = db.session.scalars(
        query.order_by(User.name_sort, User.id).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    ).all()
    return render_template(
        "admin/users.html", form=form, people=people, total=total, page=page, per_page=PER_PAGE
    )


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def create_user() -> str | Response:
    form = CreateUserForm()
    choices = unit_choices()
    form.organizer_unit.choices = with_none(choices)
    form.unit.choices = with_none(choices)
    if form.validate_on_submit():
        from app.units.models import Unit

        organizer_unit = db.session.get(Unit, form.organizer_unit.data or 0)
        if Role.ORGANIZER in form.roles.data and organizer_unit is None:
            form.organizer_unit.errors.append(ACCOUNT_MESSAGES["organizer_needs_unit"])
        else:
            try:
                user = services.create_account(
                    full_name=form.full_name.data,
                    email=form.email.data,
                    phone=form.phone.data,
                    roles=form.roles.data,
                    organizer_unit=organizer_unit,
                    unit=db.session.get(Unit, form.unit.data or 0),
                    actor=current_user,
                )
            except AccountError as error:
                rollback_request()
                form.email.errors.append(ACCOUNT_MESSAGES[error.reason])
            else:
                flash(_("Account created; an activation link was emailed."), "success")
                return redirect(url_for("admin.user_detail", user_id=user.id))
    return render_template("admin/create_user.html", form=form)


def _load_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/users/<int:user_id>")
@roles_required(Role.ADMIN)
def user_detail(user_id: int) -> str:
    user = _load_user(user_id)
    grant_form = GrantRoleForm()
    grant_form.unit.choices = with_none(unit_choices())
    return render_template(
        "admin/user_detail.html", user=user, grant_form=grant_form, confirm=ConfirmForm()
    )


@bp.route("/users/<int:user_id>/roles", methods=["POST"])
@roles_required(Role.ADMIN)
def grant_role(user_id: int) -> Response:
    from app.units.models import Unit

    user = _load_user(user_id)
    form = GrantRoleForm()
    form.unit.choices = with_none(unit_choices())
    if not form.validate_on_submit():
        abort(400)
    unit = db.session.get(Unit, form.unit.data or 0) if form.role.data == Role.ORGANIZER else None
    try:
        added = services.grant_role(user, form.role.data, unit, actor=current_user)
    except AccountError as error:
        rollback_request()
        flash(ACCOUNT_MESSAGES[error.reason], "danger")
    else:
        flash(_("Role granted.") if added else _("This person already holds that role."), "info")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/users/<int:user_id>/roles/<int:grant_id>/revoke", methods=["POST"])
@roles_required(Role.ADMIN)
def revoke_role(user_id: int, grant_id: int) -> Response:
    user = _load_user(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.revoke_role(user, grant_id, actor=current_user)
    except AccountError as error:
        rollback_request()
        flash(ACCOUNT_MESSAGES[error.reason], "danger")
    else:
        flash(_("Role removed."), "info")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/users/<int:user_id>/disable", methods=["POST"])
@roles_required(Role.ADMIN)
def disable_user(user_id: int) -> Response:
    user = _load_user(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.disable_user(user, actor=current_user)
    except AccountError as error:
        rollback_request()
        flash(ACCOUNT_MESSAGES[error.reason], "danger")
    else:
        flash(_("The account is disabled and signed out everywhere."), "info")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/users/<int:user_id>/enable", methods=["POST"])
@roles_required(Role.ADMIN)
def enable_user(user_id: int) -> Response:
    user = _load_user(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.enable_user(user, actor=current_user)
    flash(_("The account is enabled again."), "info")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/users/<int:user_id>/activation", methods=["POST"])
@roles_required(Role.ADMIN)
def resend_activation(user_id: int) -> Response:
    user = _load_user(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    send_activation(user)
    flash(_("A new activation link was emailed."), "info")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/outbox")
@roles_required(Role.ADMIN)
def outbox() -> str:
    page = _page()
    messages = db.session.scalars(
        select(OutboxMessage)
        .order_by(OutboxMessage.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    waiting = db.session.scalar(select(func.count()).where(OutboxMessage.sent_at.is_(None)))
    return render_template("admin/outbox.html", messages=messages, waiting=waiting, page=page)


@bp.route("/audit")
@roles_required(Role.ADMIN)
def audit_log() -> str:
    page = _page()
    events = db.session.scalars(
        select(AuditEvent)
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    return render_template("admin/audit.html", events=events, page=page)
