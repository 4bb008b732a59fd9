"""Sessions a stolen or forgotten cookie cannot outlive: revocation on logout and on
disabling, cookie flags, idle and absolute timeouts, fixation and `next=` redirects
(SECURITY.md items 1–3 and 8).

Replays copy a browser's cookies into a fresh client, as an attacker holding them would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from sqlalchemy import func, select

from app.auth.models import UserSession
from app.people.models import Role
from tests.factories import DEFAULT_PASSWORD
from tests.helpers import login, post_form

SESSION = "sprout_session"
REMEMBER = "sprout_remember"


def _fresh(app, cookies: dict[str, str]):  # noqa: ANN001, ANN202
    """A browser that never signed in, holding exactly these cookie values."""
    browser = app.test_client()
    for name, value in cookies.items():
        browser.set_cookie(name, value)
    return browser


def _cookies(client, *names: str) -> dict[str, str]:  # noqa: ANN001
    found = {}
    for name in names:
        cookie = client.get_cookie(name)
        assert cookie is not None, f"no {name} cookie"
        found[name] = cookie.value
    return found


def _lands_on_login(response) -> bool:  # noqa: ANN001
    return response.status_code == 302 and response.headers["Location"].startswith("/auth/login")


def _live_sessions(db, user) -> int:  # noqa: ANN001
    return db.session.scalar(
        select(func.count()).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    )


def _logout(client):  # noqa: ANN001, ANN202
    response = post_form(client, "/auth/logout", {}, form_page="/dashboard")
    assert response.status_code == 302
    return response


# --- revocation -------------------------------------------------------------------------


def test_logout_revokes_the_session_cookie(client, app, db, factory):
    user = factory.user()
    assert login(client, user.email).status_code == 302
    stolen = _cookies(client, SESSION)
    # The copy works while the session is live: the replay below is a fair test.
    assert _fresh(app, stolen).get("/dashboard").status_code == 200

    _logout(client)
    assert _lands_on_login(client.get("/dashboard"))
    assert _lands_on_login(_fresh(app, stolen).get("/dashboard"))
    assert _live_sessions(db, user) == 0


def test_logout_revokes_the_remember_me_cookie(client, app, db, factory):
    user = factory.user()
    assert login(client, user.email, remember=True).status_code == 302
    both = _cookies(client, SESSION, REMEMBER)
    remember_only = {REMEMBER: both[REMEMBER]}
    # A browser reopened with only the remember-me cookie is signed in again…
    assert _fresh(app, remember_only).get("/dashboard").status_code == 200

    _logout(client)
    assert client.get_cookie(REMEMBER) is None
    # …but not once its owner has signed out, whichever cookies are replayed.
    assert _lands_on_login(_fresh(app, remember_only).get("/dashboard"))
    assert _lands_on_login(_fresh(app, both).get("/dashboard"))
    assert _live_sessions(db, user) == 0


def test_logout_ends_only_this_device(client, app, db, factory):
    user = factory.user()
    phone = app.test_client()
    assert login(client, user.email).status_code == 302
    assert login(phone, user.email).status_code == 302
    _logout(client)
    assert phone.get("/dashboard").status_code == 200
    assert _live_sessions(db, user) == 1


def test_disabling_an_account_ends_its_sessions_and_remember_cookie(client, app, db, factory):
    judge = factory.user(full_name="Lý Văn Kiên", roles=(Role.JUDGE,))
    admin = factory.user(full_name="Võ Thị Sáu", roles=(Role.ADMIN,))
    laptop = app.test_client()
    assert login(laptop, judge.email).status_code == 302
    assert login(client, judge.email, remember=True).status_code == 302
    remember_only = _cookies(client, REMEMBER)
    assert laptop.get("/dashboard").status_code == 200
    assert _fresh(app, remember_only).get("/dashboard").status_code == 200

    admin_browser = app.test_client()
    assert login(admin_browser, admin.email).status_code == 302
    response = post_form(
        admin_browser,
        f"/admin/users/{judge.id}/disable",
        {},
        form_page=f"/admin/users/{judge.id}",
    )
    assert response.status_code == 302

    assert _lands_on_login(laptop.get("/dashboard"))
    assert _lands_on_login(client.get("/dashboard"))
    assert _lands_on_login(_fresh(app, remember_only).get("/dashboard"))
    assert _live_sessions(db, judge) == 0
    # Nor can the account sign in again.
    again = app.test_client()
    assert login(again, judge.email).status_code == 200
    assert _lands_on_login(again.get("/dashboard"))
    # The admin is untouched.
    assert admin_browser.get("/dashboard").status_code == 200


# --- cookie flags -------------------------------------------------------------------------


def _set_cookie_headers(response) -> dict[str, str]:  # noqa: ANN001
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def test_cookies_are_httponly_samesite_lax_and_remember_lasts_two_weeks(client, factory):
    user = factory.user()
    response = login(client, user.email, remember=True)
    assert response.status_code == 302
    headers = _set_cookie_headers(response)
    assert set(headers) >= {SESSION, REMEMBER}
    for name in (SESSION, REMEMBER):
        assert "; HttpOnly" in headers[name]
        assert "; SameSite=Lax" in headers[name]
        cookie = client.get_cookie(name)
        assert cookie.http_only
        assert cookie.same_site == "Lax"

    now = datetime.now(UTC)
    remember = client.get_cookie(REMEMBER)
    assert remember.expires is not None
    assert timedelta(days=13, hours=23) < remember.expires - now <= timedelta(days=14, minutes=1)
    # The session cookie itself is not a long-lived one.
    session = client.get_cookie(SESSION)
    assert session.expires is None or session.expires - now <= timedelta(days=1)


def test_cookies_are_secure_when_the_site_runs_on_https(database_url, smtp_server, app, factory):
    from app.db import db
    from tests.conftest import FreshContextClient, make_app

    secure_app = make_app(
        database_url, smtp_server.port, SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True
    )
    secure_app.test_client_class = FreshContextClient
    try:
        user = factory.user()
        browser = secure_app.test_client()
        response = login(browser, user.email, remember=True)
        assert response.status_code == 302
        headers = _set_cookie_headers(response)
        for name in (SESSION, REMEMBER):
            assert "; Secure" in headers[name]
            assert "; HttpOnly" in headers[name]
            assert "; SameSite=Lax" in headers[name]
        assert "Strict-Transport-Security" in response.headers
    finally:
        with secure_app.app_context():
            db.engine.dispose()


def test_production_sets_secure_cookies_by_default(database_url, smtp_server, app, factory):
    import secrets

    from app import create_app
    from app.db import db
    from tests.conftest import FreshContextClient

    production = create_app(
        "production",
        {
            "SECRET_KEY": secrets.token_urlsafe(48),
            "SQLALCHEMY_DATABASE_URI": database_url,
            "ALLOW_SQLITE_IN_PRODUCTION": True,
            "MAIL_PORT": smtp_server.port,
        },
    )
    production.test_client_class = FreshContextClient
    try:
        assert production.config["SESSION_COOKIE_SECURE"] is True
        assert production.config["REMEMBER_COOKIE_SECURE"] is True
        user = factory.user()
        # The production client speaks https, where the CSRF check wants a same-site
        # Referer, as a browser sends.
        response = post_form(
            production.test_client(),
            "/auth/login",
            {"email": user.email, "password": DEFAULT_PASSWORD, "remember": "y"},
            headers={"Referer": "https://localhost/auth/login"},
        )
        assert response.status_code == 302
        headers = _set_cookie_headers(response)
        for name in (SESSION, REMEMBER):
            assert "; Secure" in headers[name]
    finally:
        with production.app_context():
            db.engine.dispose()


# --- timeouts -----------------------------------------------------------------------------


def test_idle_session_ends_after_eight_hours(client, app, db, factory):
    user = factory.user()
    idle = app.config["SESSION_IDLE_TIMEOUT"]
    assert idle == timedelta(hours=8)
    with time_machine.travel(datetime.now(UTC)) as traveller:
        assert login(client, user.email).status_code == 302
        traveller.shift(timedelta(hours=7))
        assert client.get("/dashboard").status_code == 200  # 7 h idle: fine
        stolen = _cookies(client, SESSION)

        traveller.shift(idle + timedelta(minutes=1))
        response = client.get("/dashboard")
        assert _lands_on_login(response)
        assert "expired=1" in response.headers["Location"]
        # Ended on the server: the cookie from before is worthless too.
        assert _lands_on_login(_fresh(app, stolen).get("/dashboard"))
        assert _live_sessions(db, user) == 0


def test_absolute_timeout_ends_a_busy_session_after_a_day(client, app, factory):
    user = factory.user()
    assert app.config["SESSION_ABSOLUTE_TIMEOUT"] == timedelta(hours=24)
    with time_machine.travel(datetime.now(UTC)) as traveller:
        assert login(client, user.email).status_code == 302
        for _ in range(3):
            traveller.shift(timedelta(hours=6))
            assert client.get("/dashboard").status_code == 200
        traveller.shift(timedelta(hours=5, minutes=55))  # 23 h 55 min after sign-in
        assert client.get("/dashboard").status_code == 200
        traveller.shift(timedelta(minutes=6))
        assert _lands_on_login(client.get("/dashboard"))


def test_remembered_session_outlives_the_idle_limit_but_not_two_weeks(client, app, factory):
    user = factory.user()
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=14)
    with time_machine.travel(datetime.now(UTC)) as traveller:
        assert login(client, user.email, remember=True).status_code == 302
        remember_only = _cookies(client, REMEMBER)
        traveller.shift(timedelta(hours=9))
        assert client.get("/dashboard").status_code == 200
        # Browser closed and reopened next week: the remember-me cookie alone.
        traveller.shift(timedelta(days=6))
        assert _fresh(app, remember_only).get("/dashboard").status_code == 200
        traveller.shift(timedelta(days=7, hours=14, minutes=59))  # 13 d 23 h 59 min
        assert client.get("/dashboard").status_code == 200

        traveller.shift(timedelta(minutes=2))
        # The server refuses both, even from a client that keeps the expired cookies.
        assert _lands_on_login(client.get("/dashboard"))
        assert _lands_on_login(_fresh(app, remember_only).get("/dashboard"))


# --- fixation and redirects ---------------------------------------------------------------


def test_signing_in_issues_a_new_session_cookie(client, app, factory):
    user = factory.user()
    client.get("/auth/login")
    planted = _cookies(client, SESSION)
    assert login(client, user.email).status_code == 302
    assert client.get_cookie(SESSION).value != planted[SESSION]
    assert client.get("/dashboard").status_code == 200
    # Whoever planted the pre-login cookie did not get signed in with it.
    assert _lands_on_login(_fresh(app, planted).get("/dashboard"))


def _login_with_next(client, email: str, target: str):  # noqa: ANN001, ANN202
    path = "/auth/login?" + urlencode({"next": target})
    return post_form(client, path, {"email": email, "password": DEFAULT_PASSWORD})


def test_next_on_this_site_is_followed(client, factory):
    user = factory.user()
    response = _login_with_next(client, user.email, "/auth/profile")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/profile"


def test_a_protected_page_sends_you_back_after_signing_in(client, factory):
    user = factory.user()
    response = client.get("/auth/profile")
    assert _lands_on_login(response)
    login_page = response.headers["Location"]
    response = post_form(client, login_page, {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/profile"


EVIL_TARGETS = [
    "//evil.example",
    "https://evil.example/x",
    "/\\evil.example",
    "javascript:alert(1)",
    "\\\\evil.example",
    " //evil.example",
    "/\t/evil.example",
    "http:evil.example",
]


@pytest.mark.parametrize("target", EVIL_TARGETS)
def test_next_off_the_site_goes_to_the_dashboard(client, factory, target):
    user = factory.user()
    response = _login_with_next(client, user.email, target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"


@pytest.mark.parametrize("target", EVIL_TARGETS[:4])
def test_next_off_the_site_is_ignored_when_already_signed_in(client, factory, target):
    user = factory.user()
    assert login(client, user.email).status_code == 302
    response = client.get("/auth/login?" + urlencode({"next": target}))
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"
