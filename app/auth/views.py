from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.access import login_required, public
from app.auth import bp, services
from app.auth.forms import (
    ChangePasswordForm,
    ConfirmForm,
    EmailForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    SetPasswordForm,
)
from app.auth.models import TokenPurpose, UserSession
from app.auth.redirects import safe_next
from app.auth.sessions import end_session
from app.auth.tokens import TokenError, peek_token
from app.db import db, rollback_request, utcnow

Page = str | Response | tuple[str, int]


@bp.route("/register", methods=["GET", "POST"])
@public
def register() -> Page:
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            services.register(
                form.full_name.data,
                form.email.data,
                form.password.data,
                form.phone.data,
                locale=str(get_locale()),
            )
        except services.AccountError as error:
            form.email.errors.append(services.ACCOUNT_MESSAGES[error.reason])
        else:
            return render_template("auth/check_email.html", email=form.email.data)
    return render_template("auth/register.html", form=form)


@bp.route("/verify/<token>", methods=["GET", "POST"])
@public
def verify_email(token: str) -> Page:
    """GET shows a button; only the POST uses the link (mail scanners follow GETs)."""
    form = ConfirmForm()
    try:
        peek_token(token, TokenPurpose.VERIFY_EMAIL)
    except TokenError as error:
        return _token_problem(error)
    if form.validate_on_submit():
        services.verify_email(token)
        flash(_("Your email address is confirmed. You can sign in now."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/verify_email.html", form=form)


@bp.route("/verify/resend", methods=["GET", "POST"])
@public
def resend_verification() -> Page:
    form = EmailForm()
    if form.validate_on_submit():
        user = services.find_user(form.email.data)
        if user is not None and not user.is_verified and user.is_active:
            services.send_verification(user)
        return render_template("auth/check_email.html", email=form.email.data)
    return render_template("auth/email_form.html", form=form, title=_("Send a new link"))


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Page:
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if request.args.get("expired") and request.method == "GET":
        flash(_("Your session ended after a long time without activity. Sign in again."), "info")
    if form.validate_on_submit():
        try:
            services.sign_in(
                form.email.data,
                form.password.data,
                request.remote_addr or "",
                remember=form.remember.data,
            )
        except services.AccountError as error:
            form.password.errors.append(services.ACCOUNT_MESSAGES[error.reason])
            status = 429 if error.reason == "throttled" else 200
            if status == 429:
                rollback_request()
            return render_template(
                "auth/login.html", form=form, unverified=error.reason == "unverified"
            ), status
        return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form, unverified=False)


@bp.route("/logout", methods=["POST"])
@public
def logout() -> Response:
    if current_user.is_authenticated:
        from app import audit

        user = current_user._get_current_object()  # the User, not the proxy
        audit.record("logout", user)
        end_session(user)
    flash(_("You have signed out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
def forgot_password() -> Page:
    form = EmailForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        return render_template("auth/check_email.html", email=form.email.data, reset=True)
    return render_template("auth/email_form.html", form=form, title=_("Forgot your password?"))


def _token_problem(error: TokenError) -> tuple[str, int]:
    return render_template(
        "auth/token_problem.html", message=services.TOKEN_MESSAGES[error.reason]
    ), 410 if error.reason in ("used", "expired") else 404


def _set_password_page(token: str, purpose: TokenPurpose, title: str) -> Page:
    try:
        row = peek_token(token, purpose)
    except TokenError as error:
        return _token_problem(error)
    form = SetPasswordForm()
    form._email = row.user.email
    if form.validate_on_submit():
        action = services.activate if purpose == TokenPurpose.ACTIVATE else services.reset_password
        try:
            action(token, form.password.data)
        except TokenError as error:
            rollback_request()
            return _token_problem(error)
        except services.AccountError as error:
            rollback_request()
            flash(services.ACCOUNT_MESSAGES[error.reason], "danger")
            return redirect(url_for("auth.login"))
        flash(_("Your password is set. Sign in with it now."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, title=title, user=row.user)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str) -> Page:
    return _set_password_page(token, TokenPurpose.RESET_PASSWORD, _("Choose a new password"))


@bp.route("/activate/<token>", methods=["GET", "POST"])
@public
def activate(token: str) -> Page:
    return _set_password_page(token, TokenPurpose.ACTIVATE, _("Activate your account"))


@bp.route("/password/change", methods=["GET", "POST"])
@login_required
def change_password() -> Page:
    form = ChangePasswordForm()
    form._email = current_user.email
    if form.validate_on_submit():
        try:
            # The User itself: given the proxy, login_user() would store `current_user`
            # as its own target and the next access would recurse until the process dies.
            services.change_password(
                current_user._get_current_object(), form.current.data, form.password.data
            )
        except services.AccountError as error:
            form.current.errors.append(services.ACCOUNT_MESSAGES[error.reason])
        else:
            flash(_("Your password is changed. Every other device has been signed out."), "success")
            return redirect(url_for("auth.profile"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile() -> Page:
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        from app.people.services import update_profile

        update_profile(
            current_user._get_current_object(),
            full_name=form.full_name.data,
            phone=form.phone.data,
            title=form.title.data,
            locale=form.locale.data,
        )
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("auth.profile"))
    sessions = db.session.scalars(
        select(UserSession)
        .where(
            UserSession.user_id == current_user.id,
            UserSession.revoked_at.is_(None),
            UserSession.expires_at > utcnow(),
        )
        .order_by(UserSession.created_at.desc())
    ).all()
    return render_template(
        "auth/profile.html", form=form, sessions=sessions, revoke_form=ConfirmForm()
    )


@bp.route("/sessions/<int:session_id>/revoke", methods=["POST"])
@login_required
def revoke_session(session_id: int) -> Response:
    form = ConfirmForm()
    record = db.session.get(UserSession, session_id)
    if record is None or record.user_id != current_user.id or not form.validate_on_submit():
        abort(404)
    record.revoked_at = utcnow()
    if current_user.current_session is not None and record.id == current_user.current_session.id:
        end_session(current_user)
        return redirect(url_for("auth.login"))
    flash(_("That device has been signed out."), "success")
    return redirect(url_for("auth.profile"))
