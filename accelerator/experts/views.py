"""The local expert panel's directory and profiles, and what each cohort team needs.

The directory and the profiles are for organizers and administrators (with emails and
phones, to contact the experts) and for the experts themselves (judges and mentors: names,
organisations and fields only). An expert edits their own profile; organizers and
administrators edit anyone's. A team's needs are edited by its leader and members and by the
cohort's organizers; for anyone else the page does not exist (404), so that who is in a
cohort is not revealed.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.wrappers import Response

from accelerator import bp
from accelerator.cohorts.errors import CohortError
from accelerator.cohorts.pages import managed_cohort
from accelerator.experts import directory, profile_import, services  # noqa: F401  (registers)
from accelerator.experts.forms import DirectoryForm, NeedsForm, ProfileForm
from accelerator.experts.pages import (
    NEEDS_FIELDS,
    expert_role_label,
    role_filter_choices,
    sector_choices,
    sees_contacts,
    show_refusal,
    tag_choices,
)
from accelerator.models import CohortTeam
from accelerator.selection.labels import status_badge, status_label
from app.access import object_check, require, roles_required
from app.db import db, rollback_request
from app.forms_common import with_none
from app.people.models import Role, User
from competitions.models import Team

PER_PAGE = 50
PANEL_READERS = (Role.ADMIN, Role.ORGANIZER, Role.JUDGE, Role.MENTOR)


def _me() -> User:
    return current_user._get_current_object()


def _number(name: str) -> int | None:
    """A filter's id from the address, read leniently: anything else is no filter."""
    value = request.args.get(name, "")
    return int(value) if value.isdecimal() else None


@bp.route("/experts/")
@roles_required(*PANEL_READERS)
def expert_directory() -> str:
    form = DirectoryForm(request.args)
    tags, sectors = directory.all_tags(), directory.all_sectors()
    form.tag.choices = with_none(tag_choices(tags))
    form.sector.choices = with_none(sector_choices(sectors))
    form.role.choices = role_filter_choices()
    role = request.args.get("role", "")
    search = directory.Search(
        text=(form.q.data or "")[:120],
        tag_id=_number("tag"),
        sector_id=_number("sector"),
        role=role if role in set(directory.RoleFilter) else "",
    )
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    experts, total = directory.directory(search, page, PER_PAGE)
    return render_template(
        "accelerator/experts/directory.html",
        form=form,
        experts=experts,
        total=total,
        page=page,
        per_page=PER_PAGE,
        contacts=sees_contacts(_me()),
        expert_role=expert_role_label,
    )


def _panel_member(user_id: int) -> directory.Expert:
    expert = directory.expert(user_id)
    require(expert is not None, 404)
    return expert


@bp.route("/experts/<int:user_id>")
@roles_required(*PANEL_READERS)
def expert_profile(user_id: int) -> str:
    expert = _panel_member(user_id)
    me = _me()
    contacts = sees_contacts(me, expert)
    return render_template(
        "accelerator/experts/profile.html",
        expert=expert,
        contacts=contacts,
        # The teams an expert mentors are theirs and the organizers' to know.
        teams=directory.mentored_teams(expert.user) if contacts else [],
        can_edit=services.can_edit_profile(expert.user, me),
        expert_role=expert_role_label,
    )


@bp.route("/experts/<int:user_id>/edit", methods=["GET", "POST"])
@object_check
def expert_edit(user_id: int) -> str | Response:
    expert = _panel_member(user_id)
    me = _me()
    require(services.can_edit_profile(expert.user, me))
    form = ProfileForm()
    form.expertise.choices = tag_choices(directory.all_tags())
    form.sectors.choices = sector_choices(directory.all_sectors())
    if request.method == "GET":
        _fill_profile_form(form, expert)
    if form.validate_on_submit():
        try:
            services.update_profile(expert.user, _profile_data(form), actor=me)
        except CohortError as error:
            rollback_request()
            show_refusal(error, form)
        else:
            flash(_("Profile saved."), "success")
            return redirect(url_for("accelerator.expert_profile", user_id=user_id))
    return render_template("accelerator/experts/edit.html", form=form, expert=expert)


def _fill_profile_form(form: ProfileForm, expert: directory.Expert) -> None:
    user, profile = expert.user, expert.profile
    form.title.data = user.title or ""
    form.phone.data = user.phone or ""
    form.expertise.data = [tag.id for tag in user.expertise]
    if profile is not None:
        form.organisation.data = profile.organisation
        form.bio.data = profile.bio
        form.mentoring_capacity.data = profile.mentoring_capacity
        form.availability.data = profile.availability
        form.sectors.data = [sector.id for sector in profile.sectors]


def _profile_data(form: ProfileForm) -> services.ProfileData:
    return services.ProfileData(
        title=form.title.data or "",
        phone=form.phone.data or "",
        organisation=form.organisation.data or "",
        bio=form.bio.data or "",
        mentoring_capacity=form.mentoring_capacity.data,
        availability=form.availability.data or "",
        sector_ids=form.sectors.data or [],
        tag_ids=form.expertise.data or [],
    )


# --- a cohort team's needs ------------------------------------------------------------------


@bp.route("/cohorts/<int:cohort_id>/needs")
@object_check
def cohort_needs(cohort_id: int) -> str:
    """The chosen teams of a cohort with what each needs, for the organizers."""
    cohort = managed_cohort(cohort_id)
    memberships = list(
        db.session.scalars(
            select(CohortTeam)
            .where(
                CohortTeam.cohort_id == cohort.id,
                CohortTeam.status.in_(services.NEEDS_STATUSES),
            )
            .options(
                joinedload(CohortTeam.team),
                joinedload(CohortTeam.sector),
                selectinload(CohortTeam.needs),
                selectinload(CohortTeam.preferred_mentors),
            )
        )
    )
    memberships.sort(key=lambda m: (m.team.name_folded, m.id))
    return render_template(
        "accelerator/experts/cohort_needs.html",
        cohort=cohort,
        memberships=memberships,
        status_label=status_label,
        status_badge=status_badge,
    )


def _membership(cohort_id: int, membership_id: int) -> CohortTeam:
    """A chosen team of the cohort, for those who may edit its needs; 404 for anyone else."""
    membership = db.session.scalar(
        select(CohortTeam)
        .where(CohortTeam.id == membership_id, CohortTeam.cohort_id == cohort_id)
        .options(
            joinedload(CohortTeam.cohort),
            joinedload(CohortTeam.team).selectinload(Team.members),
        )
    )
    require(
        membership is not None
        and membership.status in services.NEEDS_STATUSES
        and services.can_edit_needs(membership, _me()),
        404,
    )
    return membership


@bp.route("/cohorts/<int:cohort_id>/teams/<int:membership_id>/needs", methods=["GET", "POST"])
@object_check
def team_needs(cohort_id: int, membership_id: int) -> str | Response:
    membership = _membership(cohort_id, membership_id)
    me = _me()
    form = NeedsForm()
    form.needs.choices = tag_choices(directory.all_tags())
    form.sector.choices = with_none(sector_choices(directory.all_sectors()))
    form.preferred_mentors.choices = directory.mentor_choices()
    if request.method == "GET":
        form.needs.data = [tag.id for tag in membership.needs]
        form.sector.data = membership.sector_id or 0
        form.preferred_mentors.data = [user.id for user in membership.preferred_mentors]
        form.note.data = membership.needs_note
    if form.validate_on_submit():
        try:
            services.update_needs(membership, _needs_data(form), actor=me)
        except CohortError as error:
            rollback_request()
            show_refusal(error, form, NEEDS_FIELDS)
        else:
            flash(_("The team's needs are saved."), "success")
            return redirect(request.path)
    return render_template(
        "accelerator/experts/team_needs.html",
        form=form,
        membership=membership,
        cohort=membership.cohort,
        organizer=membership.cohort.can_manage(me),
        status_label=status_label,
    )


def _needs_data(form: NeedsForm) -> services.NeedsData:
    return services.NeedsData(
        tag_ids=form.needs.data or [],
        sector_id=form.sector.data or None,
        mentor_ids=form.preferred_mentors.data or [],
        note=form.note.data or "",
    )
