"""The organizers' panel page of a round: the judges with their scope, cap, expertise,
declaration and load; inviting existing accounts or new people by email; changing a judge's
settings; taking a judge off the panel. Organizers of the competition only (admins too);
a round that does not exist is 404.

The judges' declaration page and the organizers' conflicts page are in conflict_views."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.access import object_check, require
from app.auth.forms import ConfirmForm
from app.db import db, rollback_request
from app.people.models import ExpertiseTag, User
from competitions.models import Round
from judging import bp
from judging.common import JudgingError, managed_round, me
from judging.models import PanelStatus
from judging.panels import queries, services
from judging.panels.forms import InviteExistingForm, InviteNewForm, MemberForm, scope_value

Page = str | Response | tuple[str, int]


def panel_message(error: JudgingError, member_name: str = "") -> str:
    return {
        "bad_scope": _("Choose the whole round, one of its pools or one of its tracks."),
        "bad_cap": _("The cap must be a whole number from 0 to %(n)d.", n=services.MAX_CAP),
        "disabled": _("A disabled account cannot judge: enable it first."),
        "name_required": _("Enter the person's full name."),
        "not_active": _("This judge is no longer on the panel."),
        "has_sheets": _("%(name)s has score sheets in this round and stays on the panel: "
                        "deal with the sheets first.", name=member_name),
        "sheets_outside_scope": _("%(name)s has score sheets outside the new scope: the "
                                  "scope was not changed.", name=member_name),
    }[error.reason]  # fmt: skip


def _locale() -> str:
    return str(get_locale() or "vi")


def _chosen_tags(ids: list[int] | None, tags: list[ExpertiseTag]) -> list[ExpertiseTag]:
    wanted = set(ids or [])
    return [t for t in tags if t.id in wanted]


def _render_panel(
    round_: Round,
    tags: list[ExpertiseTag],
    invite: InviteExistingForm | None = None,
    invite_new: InviteNewForm | None = None,
) -> str:
    # The search stays on screen when an invitation comes back with an error.
    q = (request.values.get("q") or "").strip()[:100]
    members = queries.panel_of(round_)
    on_panel = {m.user_id for m in members if m.status == PanelStatus.ACTIVE}
    if invite is None:
        invite = InviteExistingForm(formdata=None)
        invite.fill(round_, tags, _locale())
    if invite_new is None:
        invite_new = InviteNewForm(formdata=None)
        invite_new.fill(round_, tags, _locale())
    return render_template(
        "judging/panels/panel.html",
        round=round_,
        competition=round_.competition,
        members=members,
        counts=queries.panel_counts(round_),
        q=q,
        found=queries.search_users(q) if q else [],
        on_panel=on_panel,
        invite=invite,
        invite_new=invite_new,
        locale=_locale(),
    )


@bp.route("/rounds/<int:round_id>/panel")
@object_check
def panel(round_id: int) -> Page:
    round_ = managed_round(round_id)
    return _render_panel(round_, queries.all_tags())


def _flash_invitation(result: services.Invitation) -> None:
    if result.created_account is not None:
        flash(
            _("An account was made for %(name)s; the invitation with a single-use activation "
              "link was emailed.", name=result.created_account.full_name),
            "success",
        )  # fmt: skip
    elif result.found_account is not None and result.added:
        flash(
            _("This email belongs to an existing account: %(name)s was invited.",
              name=result.found_account.full_name),
            "info",
        )  # fmt: skip
    elif result.added:
        flash(
            ngettext(
                "%(num)d judge invited; they were told by email.",
                "%(num)d judges invited; they were told by email.",
                len(result.added),
            ),
            "success",
        )
    if result.already:
        names = ", ".join(u.full_name for u in result.already)
        flash(_("Already on the panel, nothing changed: %(names)s.", names=names), "warning")


@bp.route("/rounds/<int:round_id>/panel/invite", methods=["POST"])
@object_check
def panel_invite(round_id: int) -> Page:
    round_ = managed_round(round_id)
    tags = queries.all_tags()
    form = InviteExistingForm()
    form.fill(round_, tags, _locale())
    if not form.validate_on_submit():
        return _render_panel(round_, tags, invite=form)
    users = list(
        db.session.scalars(
            select(User).where(User.id.in_(form.user_ids.data), User.disabled_at.is_(None))
        )
    )
    if not users:
        form.user_ids.errors.append(_("Tick at least one person."))
        return _render_panel(round_, tags, invite=form)
    try:
        result = services.invite_existing(
            round_,
            users,
            scope=form.chosen_scope,
            cap=form.cap.data,
            tags=_chosen_tags(form.tags.data, tags),
            by=me(),
        )
    except JudgingError as error:
        rollback_request()
        flash(panel_message(error), "danger")
        return redirect(url_for("judging.panel", round_id=round_.id))
    _flash_invitation(result)
    return redirect(url_for("judging.panel", round_id=round_.id))


@bp.route("/rounds/<int:round_id>/panel/new", methods=["POST"])
@object_check
def panel_invite_new(round_id: int) -> Page:
    round_ = managed_round(round_id)
    tags = queries.all_tags()
    form = InviteNewForm()
    form.fill(round_, tags, _locale())
    if not form.validate_on_submit():
        return _render_panel(round_, tags, invite_new=form)
    try:
        result = services.invite_new(
            round_,
            full_name=form.full_name.data,
            email=form.email.data,
            scope=form.chosen_scope,
            cap=form.cap.data,
            tags=_chosen_tags(form.tags.data, tags),
            by=me(),
        )
    except JudgingError as error:
        rollback_request()
        form.email.errors.append(panel_message(error))
        return _render_panel(round_, tags, invite_new=form)
    _flash_invitation(result)
    return redirect(url_for("judging.panel", round_id=round_.id))


def _member_of(round_: Round, member_id: int):  # noqa: ANN202
    member = queries.panel_member(round_, member_id)
    require(member is not None, 404)
    return member


@bp.route("/rounds/<int:round_id>/panel/<int:member_id>", methods=["GET", "POST"])
@object_check
def panel_member(round_id: int, member_id: int) -> Page:
    round_ = managed_round(round_id)
    member = _member_of(round_, member_id)
    tags = queries.all_tags()
    if request.method == "POST":
        form = MemberForm()
    else:
        form = MemberForm(
            formdata=None,
            scope=scope_value(services.Scope.of(member)),
            cap=member.cap,
            tags=[t.id for t in member.user.expertise],
        )
    form.fill(round_, tags, _locale())
    if request.method == "POST":
        if member.status != PanelStatus.ACTIVE:
            flash(_("This judge is no longer on the panel."), "danger")
        elif form.validate_on_submit():
            try:
                dropped = services.update_member(
                    member,
                    scope=form.chosen_scope,
                    cap=form.cap.data,
                    tags=_chosen_tags(form.tags.data, tags),
                    by=me(),
                )
            except JudgingError as error:
                rollback_request()
                flash(panel_message(error, member.user.full_name), "danger")
            else:
                flash(_("Saved."), "success")
                if member.conflicts_declared_at is None:
                    flash(_("The scope changed: the judge must declare conflicts again before "
                            "opening entries."), "info")  # fmt: skip
                if dropped:
                    flash(
                        ngettext(
                            "%(num)d assignment outside the new scope was removed.",
                            "%(num)d assignments outside the new scope were removed.",
                            dropped,
                        ),
                        "info",
                    )
                return redirect(url_for("judging.panel", round_id=round_.id))
    counts = queries.panel_counts(round_).get(member.user_id, queries.PanelCounts())
    return render_template(
        "judging/panels/member.html",
        round=round_,
        competition=round_.competition,
        member=member,
        counts=counts,
        form=form,
        confirm=ConfirmForm(formdata=None),
    )


@bp.route("/rounds/<int:round_id>/panel/<int:member_id>/remove", methods=["POST"])
@object_check
def panel_remove(round_id: int, member_id: int) -> Response:
    round_ = managed_round(round_id)
    member = _member_of(round_, member_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("The form expired: try again."), "danger")
        return redirect(url_for("judging.panel_member", round_id=round_.id, member_id=member.id))
    try:
        dropped = services.remove_member(member, by=me())
    except JudgingError as error:
        rollback_request()
        flash(panel_message(error, member.user.full_name), "danger")
        return redirect(url_for("judging.panel_member", round_id=round_.id, member_id=member.id))
    flash(
        ngettext(
            "%(name)s is off the panel; %(num)d assignment was removed.",
            "%(name)s is off the panel; %(num)d assignments were removed.",
            dropped,
            name=member.user.full_name,
        ),
        "success",
    )
    return redirect(url_for("judging.panel", round_id=round_.id))


# The judges' declaration and the organizers' conflicts pages register on the blueprint too.
from judging.panels import conflict_views  # noqa: E402,F401
