"""Mentoring sessions: logged by one side, confirmed or disputed by the other.

A pair's page and its sessions are for its mentor, its team (the leader and every member) and
the organizers of the cohort's unit; anyone else gets 404 (a pair's existence is not
revealed). Organizers read the log, they do not write it (403). Each person's own pairs are
on "My mentoring"; the organizers' cohort page adds the hours up and reminds quiet pairs."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.wrappers import Response

from accelerator import bp
from accelerator.cohorts.errors import CohortError
from accelerator.cohorts.forms import ConfirmForm
from accelerator.cohorts.pages import managed_cohort
from accelerator.models import CohortTeam, MatchStatus, MentoringSession, MentorMatch
from accelerator.sessions import hours, labels, services
from accelerator.sessions.forms import AnswerForm, DoneForm, RatingForm, SessionForm
from accelerator.sessions.pages import (
    party_action,
    party_match,
    party_session,
    show_refusal,
    viewable_match,
)
from app.access import login_required, object_check, require
from app.db import db, rollback_request
from app.people.models import User
from app.vietnamese import name_sort_key
from competitions.models import Team, TeamMember

SHOWN = (MatchStatus.PUBLISHED, MatchStatus.RELEASED)


def _me() -> User:
    return current_user._get_current_object()


def _with_people(query):  # noqa: ANN001, ANN202
    return query.options(
        joinedload(MentorMatch.cohort),
        joinedload(MentorMatch.mentor),
        joinedload(MentorMatch.cohort_team).joinedload(CohortTeam.team).joinedload(Team.leader),
    )


def _pair_order(match: MentorMatch) -> tuple:
    return (match.cohort_team.team.name_folded, name_sort_key(match.mentor.full_name), match.id)


def _helpers() -> dict:
    return {
        "as_hours": hours.as_hours,
        "format_label": labels.format_label,
        "side_label": labels.side_label,
        "status_label": labels.status_label,
        "status_badge": labels.status_badge,
    }


# --- each person's own pairs ----------------------------------------------------------------


@bp.route("/mentoring/")
@login_required
def my_sessions() -> str:
    """The pairs the signed-in person mentors, and those of the teams they belong to."""
    me = _me()
    mine = select(TeamMember.team_id).where(TeamMember.user_id == me.id)
    matches = list(
        db.session.scalars(
            _with_people(
                select(MentorMatch)
                .join(CohortTeam, MentorMatch.cohort_team_id == CohortTeam.id)
                .join(Team, CohortTeam.team_id == Team.id)
                .where(
                    MentorMatch.status.in_(SHOWN),
                    or_(
                        MentorMatch.mentor_id == me.id,
                        Team.leader_id == me.id,
                        Team.id.in_(mine),
                    ),
                )
            )
        ).unique()
    )
    matches.sort(key=_pair_order)
    stats = hours.pair_stats(m.id for m in matches)
    mentoring = [m for m in matches if m.mentor_id == me.id]
    teams: dict[int, list[MentorMatch]] = {}
    for match in matches:
        if match.mentor_id != me.id:
            teams.setdefault(match.cohort_team_id, []).append(match)
    return render_template(
        "accelerator/sessions/mine.html",
        mentoring=mentoring,
        mentoring_total=hours.total(stats[m.id] for m in mentoring),
        teams=list(teams.values()),
        team_totals={k: hours.total(stats[m.id] for m in v) for k, v in teams.items()},
        stats=stats,
        **_helpers(),
    )


# --- a pair and its sessions ----------------------------------------------------------------


@bp.route("/mentoring/pairs/<int:match_id>")
@object_check
def pair(match_id: int) -> str:
    match = viewable_match(match_id)
    sessions = list(
        db.session.scalars(
            select(MentoringSession)
            .where(MentoringSession.match_id == match.id)
            .options(selectinload(MentoringSession.actions), joinedload(MentoringSession.author))
            .order_by(MentoringSession.held_on.desc(), MentoringSession.id.desc())
        ).unique()
    )
    return render_template(
        "accelerator/sessions/pair.html",
        match=match,
        team=match.cohort_team.team,
        side=services.side_of(match, current_user),
        sessions=sessions,
        stats=hours.pair_stats([match.id])[match.id],
        confirm=ConfirmForm(),
        answer_form=AnswerForm(),
        rating_form=RatingForm(),
        **_helpers(),
    )


def _session_data(form: SessionForm) -> services.SessionData:
    return services.SessionData(
        held_on=form.held_on.data,
        duration_minutes=form.duration.minutes,
        format=form.format.data or "",
        topics=form.topics.data or "",
        notes=form.notes.data or "",
        actions=[
            services.ActionData(row.form.text.data or "", row.form.due_on.data)
            for row in form.actions
        ],
    )


def _whole(text: str | None) -> int | None:
    """A whole number typed or posted, None for anything else (the service says why)."""
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() else None


def _pair_url(match: MentorMatch) -> str:
    return url_for("accelerator.pair", match_id=match.id)


@bp.route("/mentoring/pairs/<int:match_id>/sessions/new", methods=["GET", "POST"])
@object_check
def session_log(match_id: int) -> str | Response:
    match = party_match(match_id)
    form = SessionForm()
    if form.validate_on_submit():
        try:
            services.log_session(match, _session_data(form), by=_me())
        except CohortError as error:
            rollback_request()
            show_refusal(error, form)
        else:
            flash(_("Session logged: the other side will confirm it."), "success")
            return redirect(_pair_url(match))
    elif request.method == "GET" and match.status != MatchStatus.PUBLISHED:
        show_refusal(CohortError("pair_released"))
    form.offer_blank_row()
    return render_template("accelerator/sessions/form.html", form=form, match=match, session=None)


@bp.route("/mentoring/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@object_check
def session_edit(session_id: int) -> str | Response:
    session = party_session(session_id)
    require(session.author_id == current_user.id)
    form = SessionForm(obj=session)
    if request.method == "GET":
        form.duration.process_data(session.duration_minutes)
    if form.validate_on_submit():
        try:
            services.edit_session(session, _session_data(form), by=_me())
        except CohortError as error:
            rollback_request()
            show_refusal(error, form)
        else:
            flash(_("Saved."), "success")
            return redirect(_pair_url(session.match))
    form.offer_blank_row()
    return render_template(
        "accelerator/sessions/form.html", form=form, match=session.match, session=session
    )


def _post(session: MentoringSession, change, done: str) -> Response:  # noqa: ANN001
    """Run `change` (a service call); say `done` or why it was refused; back to the pair."""
    try:
        change()
    except CohortError as error:
        rollback_request()
        show_refusal(error)
    else:
        flash(done, "success")
    return redirect(_pair_url(session.match))


@bp.route("/mentoring/sessions/<int:session_id>/delete", methods=["POST"])
@object_check
def session_delete(session_id: int) -> Response:
    session = party_session(session_id)
    match = session.match
    if not ConfirmForm().validate_on_submit():
        return redirect(_pair_url(match))
    return _post(
        session,
        lambda: services.delete_session(session, by=_me()),
        _("Session deleted."),
    )


@bp.route("/mentoring/sessions/<int:session_id>/answer", methods=["POST"])
@object_check
def session_answer(session_id: int) -> Response:
    session = party_session(session_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "danger")
        return redirect(_pair_url(session.match))
    if form.answer.data not in ("confirm", "dispute"):
        show_refusal(CohortError("bad_answer"))
        return redirect(_pair_url(session.match))
    confirm = form.answer.data == "confirm"
    return _post(
        session,
        lambda: services.answer_session(
            session, confirm=confirm, note=form.note.data or "", by=_me()
        ),
        _("Session confirmed.") if confirm else _("Session disputed: the other side will see why."),
    )


@bp.route("/mentoring/sessions/<int:session_id>/rate", methods=["POST"])
@object_check
def session_rate(session_id: int) -> Response:
    session = party_session(session_id)
    form = RatingForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "danger")
        return redirect(_pair_url(session.match))
    return _post(
        session,
        lambda: services.rate_session(
            session, _whole(form.rating.data), form.note.data or "", by=_me()
        ),
        _("Thank you: your rating is saved."),
    )


@bp.route("/mentoring/actions/<int:action_id>/done", methods=["POST"])
@object_check
def action_done(action_id: int) -> Response:
    action = party_action(action_id)
    form = DoneForm()
    if not form.validate_on_submit():
        return redirect(_pair_url(action.session.match))
    done = form.done.data == "1"
    return _post(
        action.session,
        lambda: services.mark_action(action, done=done, by=_me()),
        _("Marked done.") if done else _("Marked not done."),
    )


# --- the organizers' view of a cohort -------------------------------------------------------


@bp.route("/cohorts/<int:cohort_id>/sessions")
@object_check
def cohort_sessions(cohort_id: int) -> str:
    """Every pair of the cohort with its hours, per mentor and per team, and the quiet pairs."""
    cohort = managed_cohort(cohort_id)
    matches = list(
        db.session.scalars(
            _with_people(
                select(MentorMatch).where(
                    MentorMatch.cohort_id == cohort.id, MentorMatch.status.in_(SHOWN)
                )
            )
        ).unique()
    )
    matches.sort(key=_pair_order)
    found = hours.activities(matches)
    rows = [found[m.id] for m in matches]
    by_mentor: dict[int, list] = {}
    by_team: dict[int, list] = {}
    for row in rows:
        by_mentor.setdefault(row.match.mentor_id, []).append(row)
        by_team.setdefault(row.match.cohort_team_id, []).append(row)
    mentors = sorted(by_mentor.values(), key=lambda r: name_sort_key(r[0].match.mentor.full_name))
    teams = sorted(by_team.values(), key=lambda r: r[0].match.cohort_team.team.name_folded)
    return render_template(
        "accelerator/sessions/cohort.html",
        cohort=cohort,
        rows=rows,
        inactive=[row for row in rows if row.inactive],
        mentors=[(r[0].match.mentor, hours.total(x.stats for x in r)) for r in mentors],
        teams=[(r[0].match.cohort_team.team, hours.total(x.stats for x in r)) for r in teams],
        confirm=ConfirmForm(),
        **_helpers(),
    )


@bp.route("/cohorts/<int:cohort_id>/pairs/<int:match_id>/remind", methods=["POST"])
@object_check
def pair_remind(cohort_id: int, match_id: int) -> Response:
    cohort = managed_cohort(cohort_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.send_reminder(cohort, match_id, actor=_me())
        except CohortError as error:
            rollback_request()
            show_refusal(error)
        else:
            flash(_("Reminder sent to the mentor and the team leader."), "success")
    return redirect(url_for("accelerator.cohort_sessions", cohort_id=cohort.id) + "#inactive")
