"""Registering a cohort for a training, from the cohort's overview.

Organizers of the cohort's owner unit who also organise the training's unit; a cohort or an
event that does not exist is 404, someone else's cohort is 403."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from accelerator import bp
from accelerator.cohorts import trainings
from accelerator.cohorts.errors import CohortError
from accelerator.cohorts.forms import ConfirmForm
from accelerator.cohorts.pages import managed_cohort, show_refusal
from app.access import object_check, require
from app.db import db, rollback_request
from competitions.events.models import Event


@bp.route("/cohorts/<int:cohort_id>/trainings/<int:event_id>/register", methods=["POST"])
@object_check
def cohort_training_register(cohort_id: int, event_id: int) -> Response:
    cohort = managed_cohort(cohort_id)
    event = db.session.get(Event, event_id)
    require(event is not None, 404)
    overview = url_for("accelerator.cohort_overview", cohort_id=cohort.id, _anchor="trainings")
    if not ConfirmForm().validate_on_submit():
        return redirect(overview)
    try:
        done = trainings.register_cohort(cohort, event, actor=current_user._get_current_object())
    except trainings.NotEnoughSeats as error:
        rollback_request()
        flash(
            _(
                "This training has %(left)d seats left for the %(needed)d people of the cohort "
                "not registered yet. Nobody was registered.",
                left=error.left,
                needed=error.needed,
            ),
            "danger",
        )
    except CohortError as error:
        rollback_request()
        show_refusal(error)
    else:
        if done.registered:
            flash(
                ngettext(
                    "%(num)d person of the cohort registered for %(title)s; they get their "
                    "code by mail.",
                    "%(num)d people of the cohort registered for %(title)s; each gets their "
                    "code by mail.",
                    done.registered,
                    title=event.title,
                ),
                "success",
            )
        if done.skipped:
            flash(
                ngettext(
                    "%(num)d person was registered already and was left as they were.",
                    "%(num)d people were registered already and were left as they were.",
                    done.skipped,
                ),
                "info",
            )
    return redirect(overview)
