"""Accounts as a person meets them: registering, confirming the address, passwords,
single-use links, profile, and the audit trail they leave (SECURITY.md items 1, 5–7, 22).

No assertion reads translated text: status codes, redirects, the database, the mail the
SMTP server received and stable HTML hooks (field names, `invalid-feedback` blocks)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.auth.models import AccountToken, TokenPurpose, UserSession
from app.people.models import Role, User
from config import Config
from tests.factories import DEFAULT_PASSWORD
from tests.helpers import login, post_form

LONG_UNICODE = "Hạt giống nảy mầm giữa mùa xuân 2026"
PASSPHRASE_200 = ("Những cánh đồng lúa chín vàng óng ả bên dòng sông quê " * 5)[:200]


def _register(client, email, password=LONG_UNICODE, full_name="Phạm Thị Lan", phone=""):  # noqa: ANN001, ANN202
    return post_form(
        client,
        "/auth/register",
        {
            "full_name": full_name,
            "email": email,
            "phone": phone,
            "password": password,
            "confirm": password,
        },
    )


def _user(db, email):  # noqa: ANN001, ANN202
    return db.session.scalar(select(User).where(User.email == email))


def _count_users(db) -> int:  # noqa: ANN001
    return db.session.scalar(select(func.count()).select_from(User))


def _field_has_error(html: str, name: str) -> bool:
    """The field is marked invalid and has its error block right after it."""
    field = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    return (
        field is not None
        and "is-invalid" in field.group(0)
        and f'id="{name}-errors" class="invalid-feedback' in html
    )


def _signed_in(client) -> bool:  # noqa: ANN001
    return client.get("/dashboard").status_code == 200


def _new_client(app):  # noqa: ANN001, ANN202
    """A second browser (the `client` fixture has set the client class)."""
    return app.test_client()


# --- registration and email confirmation ----------------------------------------------


def test_no_account_exists_before_anyone_registers(db):
    # No default or demo accounts come with the schema (ASVS 6.3.2).
    assert _count_users(db) == 0


def test_register_confirm_by_email_then_sign_in(client, db, mailbox):
    response = _register(client, "lan@example.vn")
    assert response.status_code == 200
    user = _user(db, "lan@example.vn")
    assert user is not None
    assert user.email_verified_at is None
    assert user.has_role(Role.PARTICIPANT)

    link = mailbox.link_to("lan@example.vn", "/auth/verify/")

    # A GET (what a mail scanner does) shows a button and changes nothing.
    page = client.get(link)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<form method="post"' in html
    assert 'type="submit"' in html
    assert _user(db, "lan@example.vn").email_verified_at is None
    token = db.session.scalar(select(AccountToken).where(AccountToken.user_id == user.id))
    assert token.purpose == TokenPurpose.VERIFY_EMAIL
    assert token.used_at is None

    response = post_form(client, link, {})
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    assert _user(db, "lan@example.vn").email_verified_at is not None

    response = login(client, "lan@example.vn", LONG_UNICODE)
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"
    assert _signed_in(client)


def test_cannot_sign_in_before_confirming_the_address(client, db, factory):
    user = factory.user(email="chua@example.vn", verified=False)
    response = login(client, "chua@example.vn")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _field_has_error(html, "password")
    assert 'href="/auth/verify/resend"' in html
    assert not _signed_in(client)
    assert db.session.scalar(select(func.count()).where(UserSession.user_id == user.id)) == 0


@pytest.mark.parametrize(
    "typed", ["an@example.vn", "An@Example.VN", " an@example.vn ", "AN@EXAMPLE.VN  "]
)
def test_duplicate_email_is_refused_and_nothing_is_stored(client, db, factory, mailbox, typed):
    factory.user(email="an@example.vn")
    before = _count_users(db)
    response = _register(client, typed, full_name="Kẻ Mạo Danh")
    assert response.status_code == 200
    assert _field_has_error(response.get_data(as_text=True), "email")
    assert _count_users(db) == before
    assert _user(db, "an@example.vn").full_name == "Nguyễn Văn An"
    assert mailbox.to("an@example.vn") == []


@pytest.mark.parametrize(
    "password", ["password1", "12345678", "abc12", "matkhau123", "hoa@example.vn"]
)
def test_weak_password_is_refused(client, db, mailbox, password):
    before = _count_users(db)
    response = _register(client, "hoa@example.vn", password=password, full_name="Lê Thị Hoa")
    assert response.status_code == 200
    assert _field_has_error(response.get_data(as_text=True), "password")
    assert _count_users(db) == before
    assert mailbox.to("hoa@example.vn") == []


@pytest.mark.parametrize("password", [LONG_UNICODE, PASSPHRASE_200])
def test_long_unicode_passphrase_is_accepted_and_works(client, db, mailbox, password):
    assert len(PASSPHRASE_200) == 200
    response = _register(client, "minh@example.vn", password=password)
    assert response.status_code == 200
    assert _user(db, "minh@example.vn") is not None
    post_form(client, mailbox.link_to("minh@example.vn", "/auth/verify/"), {})
    assert login(client, "minh@example.vn", password).status_code == 302
    assert _signed_in(client)


def test_passphrase_typed_in_another_unicode_form_still_signs_in(client, factory):
    import unicodedata

    factory.user(email="ngoc@example.vn", password=unicodedata.normalize("NFC", LONG_UNICODE))
    decomposed = unicodedata.normalize("NFD", LONG_UNICODE)
    assert decomposed != LONG_UNICODE
    assert login(client, "ngoc@example.vn", decomposed).status_code == 302


def test_password_is_stored_as_argon2id(client, db, app):
    _register(client, "tam@example.vn")
    stored = _user(db, "tam@example.vn").password_hash
    assert stored.startswith("$argon2id$")
    assert LONG_UNICODE not in stored
    config = app.config
    assert (
        f"m={config['ARGON2_MEMORY_COST_KIB']},t={config['ARGON2_TIME_COST']},"
        f"p={config['ARGON2_PARALLELISM']}" in stored
    )
    # Outside tests the parameters are above the ASVS/OWASP floor (19 MiB, t=2).
    assert Config.ARGON2_MEMORY_COST_KIB >= 19 * 1024
    assert Config.ARGON2_TIME_COST >= 2


def test_verify_link_works_once(client, db, mailbox):
    _register(client, "quang@example.vn")
    link = mailbox.link_to("quang@example.vn", "/auth/verify/")
    assert post_form(client, link, {}).status_code == 302
    first = _user(db, "quang@example.vn").email_verified_at
    assert first is not None
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))

    assert client.get(link).status_code == 410
    # The page shows no form any more; a token from another page is what a replay uses.
    response = post_form(client, link, {}, form_page="/auth/login")
    assert response.status_code == 410
    assert _user(db, "quang@example.vn").email_verified_at == first
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events


def test_expired_verify_link_is_refused(client, db, mailbox, app):
    _register(client, "khoa@example.vn")
    link = mailbox.link_to("khoa@example.vn", "/auth/verify/")
    ttl = app.config["VERIFY_TOKEN_TTL"]
    with time_machine.travel(datetime.now(UTC) + ttl + timedelta(minutes=1)):
        assert client.get(link).status_code == 410
        response = post_form(client, link, {}, form_page="/auth/login")
        assert response.status_code == 410
        assert _user(db, "khoa@example.vn").email_verified_at is None
        assert login(client, "khoa@example.vn", LONG_UNICODE).status_code == 200
        assert not _signed_in(client)


def test_unknown_token_is_not_found(client):
    assert client.get("/auth/verify/not-a-real-token").status_code == 404
    assert client.get("/auth/password/reset/not-a-real-token").status_code == 404
    assert client.get("/auth/activate/not-a-real-token").status_code == 404


# --- forgotten passwords ----------------------------------------------------------------


def test_forgot_password_does_not_reveal_whether_an_account_exists(client, db, factory, mailbox):
    from app.mail.outbox import OutboxMessage

    factory.user(email="known@example.vn")
    known = post_form(client, "/auth/password/forgot", {"email": "known@example.vn"})
    unknown = post_form(client, "/auth/password/forgot", {"email": "nobody@example.vn"})

    assert known.status_code == unknown.status_code == 200

    def page(response, email: str) -> str:  # noqa: ANN001
        # The CSRF token is signed with a timestamp: it differs from one second to the next.
        html = response.get_data(as_text=True).replace(email, "EMAIL")
        return re.sub(r'(name="csrf_token"[^>]*value=")[^"]+"', r'\1"', html)

    assert page(known, "known@example.vn") == page(unknown, "nobody@example.vn")

    assert len(mailbox.to("known@example.vn")) == 1
    assert mailbox.to("nobody@example.vn") == []
    recipients = db.session.scalars(select(OutboxMessage.recipient)).all()
    assert recipients == ["known@example.vn"]


def _request_reset(client, mailbox, email):  # noqa: ANN001, ANN202
    post_form(client, "/auth/password/forgot", {"email": email})
    return mailbox.link_to(email, "/auth/password/reset/")


def test_reset_link_sets_a_new_password_once(client, db, factory, mailbox, app):
    factory.user(email="binh@example.vn")
    link = _request_reset(client, mailbox, "binh@example.vn")
    new = "Mùa lúa mới trên đồng quê 2026"

    assert client.get(link).status_code == 200
    response = post_form(client, link, {"password": new, "confirm": new})
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    changed = _user(db, "binh@example.vn").password_hash

    # The link is spent: neither the page nor another password goes through.
    assert client.get(link).status_code == 410
    other = "Một mật khẩu khác hẳn 2026"
    response = post_form(client, link, {"password": other, "confirm": other}, form_page="/")
    assert response.status_code == 410
    assert _user(db, "binh@example.vn").password_hash == changed

    browser = _new_client(app)
    assert login(browser, "binh@example.vn", DEFAULT_PASSWORD).status_code == 200
    assert login(browser, "binh@example.vn", other).status_code == 200
    assert login(browser, "binh@example.vn", new).status_code == 302


def test_reset_link_expires_after_an_hour(client, db, factory, mailbox, app):
    factory.user(email="cuong@example.vn")
    link = _request_reset(client, mailbox, "cuong@example.vn")
    before = _user(db, "cuong@example.vn").password_hash
    assert app.config["RESET_TOKEN_TTL"] == timedelta(hours=1)
    new = "Mùa lúa mới trên đồng quê 2026"
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=59)) as traveller:
        assert client.get(link).status_code == 200
        traveller.shift(timedelta(minutes=2))
        assert client.get(link).status_code == 410
        response = post_form(client, link, {"password": new, "confirm": new}, form_page="/")
        assert response.status_code == 410
        assert _user(db, "cuong@example.vn").password_hash == before


def test_reset_signs_out_every_device(client, db, factory, mailbox, app):
    user = factory.user(email="dung@example.vn")
    laptop = _new_client(app)
    phone = _new_client(app)
    assert login(laptop, "dung@example.vn").status_code == 302
    assert login(phone, "dung@example.vn", remember=True).status_code == 302
    assert _signed_in(laptop) and _signed_in(phone)

    link = _request_reset(client, mailbox, "dung@example.vn")
    new = "Mùa lúa mới trên đồng quê 2026"
    assert post_form(client, link, {"password": new, "confirm": new}).status_code == 302

    for browser in (laptop, phone):
        response = browser.get("/dashboard")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/login")
    live = select(func.count()).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None)
    )
    assert db.session.scalar(live) == 0


def test_reset_with_a_weak_password_keeps_the_link_usable(client, db, factory, mailbox):
    factory.user(email="giang@example.vn")
    link = _request_reset(client, mailbox, "giang@example.vn")
    before = _user(db, "giang@example.vn").password_hash
    response = post_form(client, link, {"password": "12345678", "confirm": "12345678"})
    assert response.status_code == 200
    assert _field_has_error(response.get_data(as_text=True), "password")
    assert _user(db, "giang@example.vn").password_hash == before
    assert client.get(link).status_code == 200


# --- accounts made for someone ------------------------------------------------------------


def _create_account_for(app, db, email):  # noqa: ANN001, ANN202
    """An account created by `create_account`, its activation mail sent from the outbox
    as production does (`flask mail send-pending`)."""
    from app.mail.outbox import send_pending
    from app.people.services import create_account

    with app.test_request_context():
        user = create_account(full_name="Đỗ Văn Hải", email=email, roles=[Role.JUDGE])
        db.session.flush()
        assert send_pending() == (1, 0)
    return user


def test_activation_link_lets_the_owner_set_a_password(client, db, app, mailbox):
    user = _create_account_for(app, db, "hai@example.vn")
    assert user.password_hash is None
    # No password yet: nothing to sign in with.
    assert login(client, "hai@example.vn", "").status_code == 200
    assert login(client, "hai@example.vn", DEFAULT_PASSWORD).status_code == 200

    link = mailbox.link_to("hai@example.vn", "/auth/activate/")
    page = client.get(link)
    assert page.status_code == 200
    assert 'name="password"' in page.get_data(as_text=True)
    assert _user(db, "hai@example.vn").password_hash is None

    response = post_form(client, link, {"password": LONG_UNICODE, "confirm": LONG_UNICODE})
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    activated = _user(db, "hai@example.vn")
    assert activated.password_hash.startswith("$argon2id$")
    assert activated.email_verified_at is not None

    response = login(client, "hai@example.vn", LONG_UNICODE)
    assert response.status_code == 302
    assert _signed_in(client)
    assert client.get(link).status_code == 410


def test_activation_refuses_a_weak_password(client, db, app, mailbox):
    _create_account_for(app, db, "huong@example.vn")
    link = mailbox.link_to("huong@example.vn", "/auth/activate/")
    response = post_form(client, link, {"password": "password1", "confirm": "password1"})
    assert response.status_code == 200
    assert _field_has_error(response.get_data(as_text=True), "password")
    assert _user(db, "huong@example.vn").password_hash is None
    assert client.get(link).status_code == 200


def test_expired_activation_link_is_refused(client, db, app, mailbox):
    _create_account_for(app, db, "khanh@example.vn")
    link = mailbox.link_to("khanh@example.vn", "/auth/activate/")
    ttl = app.config["ACTIVATION_TOKEN_TTL"]
    with time_machine.travel(datetime.now(UTC) + ttl + timedelta(minutes=1)):
        assert client.get(link).status_code == 410
        data = {"password": LONG_UNICODE, "confirm": LONG_UNICODE}
        assert post_form(client, link, data, form_page="/").status_code == 410
        assert _user(db, "khanh@example.vn").password_hash is None


# --- signed in: change password, profile ----------------------------------------------


def test_change_password_needs_the_current_one(client, db, factory, app):
    factory.user(email="linh@example.vn")
    login(client, "linh@example.vn")
    before = _user(db, "linh@example.vn").password_hash
    new = "Mùa lúa mới trên đồng quê 2026"
    response = post_form(
        client,
        "/auth/password/change",
        {"current": "không phải mật khẩu này", "password": new, "confirm": new},
    )
    assert response.status_code == 200
    assert _field_has_error(response.get_data(as_text=True), "current")
    assert _user(db, "linh@example.vn").password_hash == before
    assert _signed_in(client)


def test_change_password_signs_out_other_devices(client, db, factory, app):
    user = factory.user(email="long@example.vn")
    other = _new_client(app)
    assert login(client, "long@example.vn").status_code == 302
    assert login(other, "long@example.vn", remember=True).status_code == 302
    assert _signed_in(other)
    old_cookie = client.get_cookie("sprout_session").value

    new = "Mùa lúa mới trên đồng quê 2026"
    response = post_form(
        client,
        "/auth/password/change",
        {"current": DEFAULT_PASSWORD, "password": new, "confirm": new},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/profile"

    # This browser carries on with a fresh session; the other one is signed out.
    assert _signed_in(client)
    response = other.get("/dashboard")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
    # The cookie this browser held before the change no longer opens anything.
    replay = _new_client(app)
    replay.set_cookie("sprout_session", old_cookie)
    response = replay.get("/dashboard")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")
    live = select(func.count()).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None)
    )
    assert db.session.scalar(live) == 1

    fresh = _new_client(app)
    assert login(fresh, "long@example.vn", DEFAULT_PASSWORD).status_code == 200
    assert login(fresh, "long@example.vn", new).status_code == 302


def test_change_password_refuses_a_weak_new_password(client, db, factory):
    factory.user(email="mai@example.vn")
    login(client, "mai@example.vn")
    before = _user(db, "mai@example.vn").password_hash
    response = post_form(
        client,
        "/auth/password/change",
        {"current": DEFAULT_PASSWORD, "password": "mai@example.vn", "confirm": "mai@example.vn"},
    )
    assert response.status_code == 200
    assert _field_has_error(response.get_data(as_text=True), "password")
    assert _user(db, "mai@example.vn").password_hash == before


def test_profile_saves_name_and_phone(client, db, factory):
    factory.user(email="nam@example.vn", full_name="Nguyễn Văn Nam")
    login(client, "nam@example.vn")
    response = post_form(
        client,
        "/auth/profile",
        {
            "full_name": "Nguyễn  Hoài   Nam",
            "phone": "0905 123 456",
            "title": "Giám đốc",
            "locale": "vi",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/profile"
    user = _user(db, "nam@example.vn")
    assert user.full_name == "Nguyễn Hoài Nam"
    assert user.phone == "0905123456"
    assert user.title == "Giám đốc"
    [event] = _events(db, "user.profile")
    assert event.actor_id == user.id
    assert (event.object_type, event.object_id) == ("User", str(user.id))
    assert event.new["phone"] == "0905123456"


@pytest.mark.parametrize("phone", ["12345", "0905 123", "+1 415 555 0100", "abcdefghij"])
def test_profile_refuses_a_bad_phone(client, db, factory, phone):
    factory.user(email="oanh@example.vn", full_name="Trần Thị Oanh")
    login(client, "oanh@example.vn")
    response = post_form(
        client,
        "/auth/profile",
        {"full_name": "Trần Thị Oanh Mới", "phone": phone, "title": "", "locale": "vi"},
    )
    assert response.status_code == 200
    assert _field_has_error(response.get_data(as_text=True), "phone")
    user = _user(db, "oanh@example.vn")
    assert user.phone is None
    assert user.full_name == "Trần Thị Oanh"


# --- the audit trail ------------------------------------------------------------------


def _events(db, action):  # noqa: ANN001, ANN202
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def _check_event(event, actor_id, started, object_id=None):  # noqa: ANN001, ANN202
    assert event.actor_id == actor_id
    if object_id is not None:
        assert (event.object_type, event.object_id) == ("User", str(object_id))
    assert event.at.utcoffset() == timedelta(0)
    # UTC, not the venue's local time (Asia/Ho_Chi_Minh is seven hours ahead).
    assert started - timedelta(seconds=1) <= event.at <= datetime.now(UTC) + timedelta(seconds=1)
    assert event.ip == "127.0.0.1"


def test_account_actions_leave_audit_rows(client, db, factory, mailbox):
    started = datetime.now(UTC)
    _register(client, "phuc@example.vn")
    registered = _user(db, "phuc@example.vn")
    [event] = _events(db, "user.register")
    _check_event(event, registered.id, started, object_id=registered.id)

    user = factory.user(email="quyen@example.vn")
    assert login(client, "quyen@example.vn", "sai mật khẩu rồi").status_code == 200
    assert login(client, "ghost@example.vn", "sai mật khẩu rồi").status_code == 200
    failed = _events(db, "login.failed")
    assert len(failed) == 2
    _check_event(failed[0], user.id, started)
    _check_event(failed[1], None, started)
    assert failed[1].new == {"email": "ghost@example.vn"}

    assert login(client, "quyen@example.vn").status_code == 302
    [event] = _events(db, "login")
    _check_event(event, user.id, started, object_id=user.id)

    new = "Mùa lúa mới trên đồng quê 2026"
    post_form(
        client,
        "/auth/password/change",
        {"current": DEFAULT_PASSWORD, "password": new, "confirm": new},
    )
    [event] = _events(db, "password.change")
    _check_event(event, user.id, started, object_id=user.id)

    response = post_form(client, "/auth/logout", {}, form_page="/dashboard")
    assert response.status_code == 302
    [event] = _events(db, "logout")
    _check_event(event, user.id, started, object_id=user.id)
    # Nothing secret is written to the log.
    for row in db.session.scalars(select(AuditEvent)):
        dumped = repr((row.old, row.new))
        assert DEFAULT_PASSWORD not in dumped
        assert new not in dumped
        assert LONG_UNICODE not in dumped
