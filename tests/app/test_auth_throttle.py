"""Sign-in throttling (SECURITY.md item 4): guessing one account's password stops after
ten tries, a flood from one address stops after a hundred failures, and two hundred
judges behind a festival venue's single address still all sign in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import func, select

from app.auth.models import LoginFailure, UserSession
from app.people.models import Role, User
from tests.factories import DEFAULT_PASSWORD
from tests.helpers import csrf_token, login

WRONG = "không đúng mật khẩu"


class Browser:
    """One browser on the sign-in page, posting the form as often as it likes (the
    CSRF token is tied to its session, so it is read once)."""

    def __init__(self, app, remote_addr: str = "127.0.0.1") -> None:  # noqa: ANN001
        self.client = app.test_client()
        self.remote_addr = remote_addr
        self.token = csrf_token(self.client, "/auth/login")

    def sign_in(self, email: str, password: str):  # noqa: ANN201
        return self.client.post(
            "/auth/login",
            data={"csrf_token": self.token, "email": email, "password": password},
            environ_base={"REMOTE_ADDR": self.remote_addr},
        )

    def signed_in(self) -> bool:
        return self.client.get("/dashboard").status_code == 200


def _sessions_of(db, user) -> int:  # noqa: ANN001
    return db.session.scalar(select(func.count()).where(UserSession.user_id == user.id))


def test_eleventh_attempt_on_one_account_is_refused_even_with_the_right_password(
    app, client, db, factory
):
    user = factory.user(email="vy@example.vn")
    browser = Browser(app)
    # The attacker varies case and spaces; it is still one account.
    spellings = ["vy@example.vn", "VY@example.vn", " vy@example.vn ", "Vy@Example.VN"]
    for attempt in range(10):
        response = browser.sign_in(spellings[attempt % 4], WRONG)
        assert response.status_code == 200, attempt
        assert 'id="password-errors" class="invalid-feedback' in response.get_data(as_text=True)

    response = browser.sign_in("vy@example.vn", DEFAULT_PASSWORD)
    assert response.status_code == 429
    assert 'id="password-errors" class="invalid-feedback' in response.get_data(as_text=True)
    assert not browser.signed_in()
    # From another address too: the limit belongs to the account.
    elsewhere = Browser(app, remote_addr="203.0.113.9")
    assert elsewhere.sign_in("vy@example.vn", DEFAULT_PASSWORD).status_code == 429
    assert not elsewhere.signed_in()
    assert _sessions_of(db, user) == 0
    assert db.session.get(User, user.id).last_login_at is None


def test_account_lock_lifts_after_fifteen_minutes(app, client, db, factory):
    user = factory.user(email="xuan@example.vn")
    with time_machine.travel(datetime.now(UTC)) as traveller:
        browser = Browser(app)
        for _ in range(10):
            assert browser.sign_in("xuan@example.vn", WRONG).status_code == 200
        traveller.shift(timedelta(minutes=14))
        assert browser.sign_in("xuan@example.vn", DEFAULT_PASSWORD).status_code == 429
        traveller.shift(timedelta(minutes=1, seconds=5))
        response = browser.sign_in("xuan@example.vn", DEFAULT_PASSWORD)
        assert response.status_code == 302
        assert response.headers["Location"] == "/dashboard"
        assert browser.signed_in()
    assert _sessions_of(db, user) == 1


def test_two_hundred_judges_behind_one_address_all_sign_in(app, client, db, factory):
    emails = [
        factory.user(
            full_name=f"Giám Khảo {n}", email=f"gk{n}@example.vn", roles=(Role.JUDGE,)
        ).email
        for n in range(200)
    ]
    db.session.expunge_all()  # the test's own session need not track 400 rows per request
    for n, email in enumerate(emails):
        browser = Browser(app)  # every judge's own laptop, all at 127.0.0.1
        if n % 10 == 0:  # some mistype first, as people do
            assert browser.sign_in(email, WRONG).status_code == 200
        response = browser.sign_in(email, DEFAULT_PASSWORD)
        assert response.status_code == 302, f"judge {n} answered {response.status_code}"
        assert response.headers["Location"] == "/dashboard"
    live = db.session.scalar(
        select(func.count(func.distinct(UserSession.user_id))).where(
            UserSession.revoked_at.is_(None)
        )
    )
    assert live == 200


def test_a_hundred_failures_from_one_address_refuse_it(app, client, db, factory):
    accounts = [factory.user(email=f"tk{n}@example.vn") for n in range(20)]
    newcomer = factory.user(email="moi@example.vn")
    other = factory.user(email="khac@example.vn")
    attacker = Browser(app)
    # Five guesses per account: no single account reaches its limit.
    for round_ in range(5):
        for account in accounts:
            if round_ == 4 and account is accounts[-1]:
                break
            assert attacker.sign_in(account.email, WRONG).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 99

    # At 99 failures the address still works…
    first = Browser(app)
    assert first.sign_in(other.email, DEFAULT_PASSWORD).status_code == 302
    # …the hundredth failure closes it, for an account never attacked as well.
    assert attacker.sign_in(accounts[-1].email, WRONG).status_code == 200
    late = Browser(app)
    response = late.sign_in(newcomer.email, DEFAULT_PASSWORD)
    assert response.status_code == 429
    assert not late.signed_in()
    assert _sessions_of(db, newcomer) == 0

    # Another address is not affected.
    away = Browser(app, remote_addr="198.51.100.20")
    assert away.sign_in(newcomer.email, DEFAULT_PASSWORD).status_code == 302
    assert away.signed_in()


def test_successful_sign_in_clears_the_account_failure_count(app, client, db, factory):
    user = factory.user(email="yen@example.vn")
    first = Browser(app)
    for _ in range(9):
        assert first.sign_in(user.email, WRONG).status_code == 200
    assert first.sign_in(user.email, DEFAULT_PASSWORD).status_code == 302

    # Nine more mistakes later in the day: had the count not been cleared, the second
    # of these would already be refused.
    second = Browser(app)
    for attempt in range(9):
        assert second.sign_in(user.email, WRONG).status_code == 200, attempt
    assert second.sign_in(user.email, DEFAULT_PASSWORD).status_code == 302
    assert second.signed_in()


def test_failures_are_counted_under_the_normalised_address(client, db, factory):
    """Failures are stored under the normalised address, so the count above cannot be
    dodged by spelling; checked here through the page a person uses."""
    factory.user(email="zung@example.vn")
    assert login(client, "  ZUNG@example.VN", WRONG).status_code == 200
    stored = db.session.scalars(select(LoginFailure.email)).all()
    assert stored == ["zung@example.vn"]
