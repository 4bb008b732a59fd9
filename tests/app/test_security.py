"""Attacks from the security checklist: headers on every response (errors too), CSRF,
escaping, SQL and mail-header injection, request size limits, and a search that finds
Vietnamese names with or without their marks."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.mail.outbox import OutboxMessage, queue_mail, send_pending
from app.people.models import Role, User
from app.units.models import Unit
from tests.conftest import make_app
from tests.helpers import csrf_token, login, post_form

XSS = '"><img src=x onerror=alert(1)>'
SECRET_MARK = "sprout-secret-exception-detail"


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0].lower()] = words[1:]
    return parsed


def assert_security_headers(response) -> None:
    headers = response.headers
    policy = directives(headers.get("Content-Security-Policy", ""))
    script_src = policy.get("script-src", policy.get("default-src"))
    assert script_src is not None, "no script-src nor default-src"
    assert "'unsafe-inline'" not in script_src
    assert "'unsafe-eval'" not in script_src
    assert policy.get("frame-ancestors") == ["'none'"]
    assert policy.get("object-src") == ["'none'"]
    assert headers.get("X-Content-Type-Options") == "nosniff"
    assert headers.get("X-Frame-Options") == "DENY"
    assert headers.get("Referrer-Policy") in {
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    }


def assert_no_traceback(response) -> None:
    page = response.get_data(as_text=True)
    assert "Traceback" not in page
    assert 'File "' not in page
    assert SECRET_MARK not in page


def table_counts(db) -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


# --- security headers -----------------------------------------------------------------------


def test_headers_on_normal_pages(client, factory):
    for path in ("/", "/auth/login", "/healthz"):
        assert_security_headers(client.get(path))
    user = factory.user()
    login(client, user.email)
    for path in ("/dashboard", "/auth/profile"):
        response = client.get(path)
        assert response.status_code == 200
        assert_security_headers(response)
        assert "no-store" in response.headers.get("Cache-Control", "")


def test_signed_in_pages_are_never_cached(client, factory):
    admin = factory.user(roles=(Role.ADMIN,))
    login(client, admin.email)
    for path in ("/dashboard", "/admin/users", "/admin/audit", "/units/", "/no-such-page"):
        response = client.get(path)
        assert "no-store" in response.headers.get("Cache-Control", ""), path


@pytest.mark.parametrize(
    ("path", "method", "status"),
    [
        ("/no-such-page", "GET", 404),
        ("/auth/logout", "GET", 405),
        ("/admin/users/999999/disable", "PUT", 405),
    ],
)
def test_headers_on_error_pages(client, path, method, status):
    response = client.open(path, method=method)
    assert response.status_code == status
    assert_security_headers(response)
    assert_no_traceback(response)
    assert response.mimetype == "text/html"


def test_headers_on_403_and_csrf_400(client, factory):
    participant = factory.user()
    login(client, participant.email)
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert_security_headers(response)
    assert_no_traceback(response)
    assert "no-store" in response.headers.get("Cache-Control", "")
    response = client.post("/auth/profile", data={"full_name": "Không Có Mã"})
    assert response.status_code == 400
    assert_security_headers(response)
    assert_no_traceback(response)


@pytest.fixture()
def failing_app(database_url, smtp_server):
    """A separate app with a view that crashes, as production runs it (exceptions are
    not propagated to the caller)."""
    from app.db import db

    built = make_app(database_url, smtp_server.port, PROPAGATE_EXCEPTIONS=False)

    @built.route("/boom")
    def boom() -> str:
        raise RuntimeError(f'{SECRET_MARK} File "/srv/sprout/app/secret.py", line 1')

    yield built
    with built.app_context():
        db.session.remove()
        db.engine.dispose()


def test_headers_and_no_traceback_on_500(failing_app):
    response = failing_app.test_client().get("/boom")
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    assert_security_headers(response)
    assert_no_traceback(response)
    assert '<html lang="vi">' in response.get_data(as_text=True)


# --- CSRF -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "admin"])
@pytest.mark.parametrize(
    "path", ["/auth/login", "/auth/register", "/admin/users/new", "/units/new"]
)
def test_post_without_a_csrf_token_is_refused_and_stores_nothing(client, db, factory, who, path):
    victim = factory.user(full_name="Trần Thị Bình", email="binh@example.vn")
    if who == "admin":
        login(client, factory.user(roles=(Role.ADMIN,)).email)
    level = factory.level()
    data = {
        # login
        "email": victim.email if path == "/auth/login" else "moi@example.vn",
        "password": "Hạt giống nảy mầm 2026",
        # register
        "full_name": "Phan Văn Mới",
        "confirm": "Hạt giống nảy mầm 2026",
        # create user
        "roles": ["admin"],
        "organizer_unit": 0,
        "unit": 0,
        # unit
        "name": "Xã Không Có Mã",
        "level": level.id,
        "successor": 0,
    }
    before = table_counts(db)
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert_security_headers(response)
    assert table_counts(db) == before
    assert db.session.scalar(select(User).where(User.email == "moi@example.vn")) is None
    assert db.session.scalar(select(Unit).where(Unit.name == "Xã Không Có Mã")) is None
    if who == "anonymous":  # the login was not performed either
        assert client.get("/dashboard").status_code == 302


def test_a_token_from_another_session_is_refused(app, client, db, factory):
    stranger = app.test_client()
    foreign_token = csrf_token(stranger, "/auth/register")
    before = table_counts(db)
    response = client.post(
        "/auth/register",
        data={
            "csrf_token": foreign_token,
            "full_name": "Phan Văn Mới",
            "email": "moi@example.vn",
            "password": "Hạt giống nảy mầm 2026",
            "confirm": "Hạt giống nảy mầm 2026",
        },
    )
    assert response.status_code == 400
    assert table_counts(db) == before


def test_a_form_left_open_for_six_hours_still_saves(client, db, factory):
    """A judge's sheet stays open for hours: the token has no clock, the session an
    idle limit of 8 hours."""
    user = factory.user(full_name="Trần Thị Bình")
    with time_machine.travel(datetime.now(UTC), tick=True) as traveller:
        login(client, user.email)
        token = csrf_token(client, "/auth/profile")
        traveller.shift(timedelta(hours=6))
        response = client.post(
            "/auth/profile",
            data={
                "csrf_token": token,
                "full_name": "Trần Thị Bình An",
                "phone": "",
                "title": "",
                "locale": "vi",
            },
        )
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/auth/profile")
    assert db.session.get(User, user.id).full_name == "Trần Thị Bình An"


# --- escaping -------------------------------------------------------------------------------


def test_a_name_with_markup_is_escaped_on_admin_pages(client, factory):
    victim = factory.user(full_name=XSS, email="xss@example.vn")
    admin = factory.user(full_name="Võ Thị Sáu", roles=(Role.ADMIN,))
    login(client, admin.email)
    for path in ("/admin/users", f"/admin/users/{victim.id}", "/admin/users?q=img"):
        response = client.get(path)
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        assert "<img src=x" not in page, path
        assert "&lt;img src=x onerror=alert(1)&gt;" in page, path


# --- SQL injection and search ---------------------------------------------------------------

LISTED = re.compile(r'href="/admin/users/(\d+)"')


def listed_ids(client, query: str) -> list[int]:
    response = client.get("/admin/users", query_string={"q": query})
    assert response.status_code == 200, query
    return [int(found) for found in LISTED.findall(response.get_data(as_text=True))]


@pytest.fixture()
def people(client, factory):
    admin = factory.user(full_name="Võ Thị Sáu", email="sau@example.vn", roles=(Role.ADMIN,))
    login(client, admin.email)
    return {
        "admin": admin,
        "an": factory.user(full_name="Nguyễn Văn An", email="an.nguyen@example.vn"),
        "cuong": factory.user(full_name="Nguyễn Đức Cường", email="cuong@example.vn"),
        "binh": factory.user(full_name="Trần Thị Bình", email="binh_tran@example.vn"),
        "le_an": factory.user(full_name="Lê Văn An", email="le.an@example.vn"),
    }


@pytest.mark.parametrize("query", ["' OR 1=1 --", "' OR '1'='1", '" OR ""="', "%", "%%", "\\", "/"])
def test_search_input_is_data_not_sql(client, db, people, query):
    assert listed_ids(client, query) == []
    assert db.session.scalar(select(func.count()).select_from(User)) == len(people)


def test_search_wildcards_are_literal(client, people):
    # Only one email holds an underscore: "_" must not match every character.
    assert listed_ids(client, "_") == [people["binh"].id]
    assert listed_ids(client, "h_tran") == [people["binh"].id]
    assert listed_ids(client, "h%tran") == []


def test_search_ignores_diacritics_and_case(client, people):
    assert listed_ids(client, "nguyen van an") == [people["an"].id]
    assert listed_ids(client, "NGUYỄN VĂN AN") == [people["an"].id]
    assert listed_ids(client, "duc") == [people["cuong"].id]
    assert listed_ids(client, "Đức") == [people["cuong"].id]
    assert sorted(listed_ids(client, "van an")) == sorted([people["an"].id, people["le_an"].id])


def test_the_users_list_is_in_vietnamese_order(client, factory):
    admin = factory.user(full_name="Võ Thị Sáu", roles=(Role.ADMIN,))
    login(client, admin.email)
    cuong = factory.user(full_name="Nguyễn Đức Cường")
    binh = factory.user(full_name="Trần Thị Bình")
    an = factory.user(full_name="Lê Văn An")
    listed = listed_ids(client, "")
    ours = [user_id for user_id in listed if user_id in {an.id, binh.id, cuong.id}]
    # By given name first: An, Bình, Cường; the admin (Sáu) comes after them.
    assert ours == [an.id, binh.id, cuong.id]
    assert listed.index(cuong.id) < listed.index(admin.id)


# --- mail header injection ------------------------------------------------------------------


def assert_clean_headers(message) -> None:
    assert "Bcc" not in message
    assert "Cc" not in message
    for name, value in message.items():
        assert "\r" not in str(value) and "\n" not in str(value), name
    assert "victim@example.com" not in str(message["To"])


def test_a_name_with_crlf_cannot_add_mail_headers(client, db, mailbox):
    name = "Nguyễn Văn An\r\nBcc: victim@example.com"
    response = post_form(
        client,
        "/auth/register",
        {
            "full_name": name,
            "email": "an.nguyen@example.vn",
            "password": "Hạt giống nảy mầm 2026",
            "confirm": "Hạt giống nảy mầm 2026",
        },
    )
    assert response.status_code == 200
    user = db.session.scalar(select(User).where(User.email == "an.nguyen@example.vn"))
    if user is not None:  # accepted: then normalised to one line
        assert "\r" not in user.full_name and "\n" not in user.full_name
        assert len(mailbox) == 1
        message = mailbox.last_to("an.nguyen@example.vn")
        assert_clean_headers(message)
        assert str(message["To"]).strip() == "an.nguyen@example.vn"
    else:  # refused: nothing sent
        assert len(mailbox) == 0
    assert mailbox.to("victim@example.com") == []


def test_a_subject_with_crlf_is_sent_on_one_line(app, db, factory, mailbox):
    user = factory.user(email="binh@example.vn")
    with app.test_request_context():
        message = queue_mail(
            user.email,
            "Xin chào\r\nBcc: victim@example.com\r\n\r\nNội dung giả",
            "mail/verify_email",
            user=user,
            link="http://localhost/auth/verify/x",
        )
        db.session.flush()
        assert "\r" not in message.subject and "\n" not in message.subject
        assert send_pending() == (1, 0)
    received = mailbox.last_to("binh@example.vn")
    assert_clean_headers(received)
    assert str(received["Subject"]).startswith("Xin chào")
    assert mailbox.to("victim@example.com") == []
    stored = db.session.scalar(select(OutboxMessage).where(OutboxMessage.id == message.id))
    assert stored.sent_at is not None


# --- request size -------------------------------------------------------------------------


def post_body(client, path: str, data: dict, encoding: str):
    """POST `data` encoded as a browser would. The multipart body is built in memory: the
    test client would spool a large one to a temporary file it never closes."""
    if encoding == "urlencoded":
        return client.post(path, data=data)
    boundary, body = encode_multipart(data)
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_a_body_over_the_limit_is_refused_with_413(app, client, db):
    limit = app.config["MAX_CONTENT_LENGTH"]
    token = csrf_token(client, "/auth/register")
    deck = FileStorage(io.BytesIO(b"\0" * (limit + 1)), "bài thuyết trình.pdf", "deck")
    before = table_counts(db)
    response = post_body(client, "/auth/register", {"csrf_token": token, "deck": deck}, "multipart")
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    assert response.mimetype_params.get("charset") == "utf-8"
    page = response.get_data(as_text=True)
    assert '<html lang="vi">' in page and '<meta charset="utf-8">' in page
    assert "413" in page
    assert_security_headers(response)
    assert_no_traceback(response)
    assert table_counts(db) == before


@pytest.mark.parametrize("encoding", ["multipart", "urlencoded"])
def test_too_many_form_parts_are_refused_with_413(app, client, db, encoding):
    parts = app.config["MAX_FORM_PARTS"]
    token = csrf_token(client, "/auth/register")
    data = {f"field{i}": "x" for i in range(parts)}
    data["csrf_token"] = token  # one part too many
    before = table_counts(db)
    response = post_body(client, "/auth/register", data, encoding)
    assert response.status_code == 413
    assert_security_headers(response)
    assert_no_traceback(response)
    assert table_counts(db) == before


@pytest.mark.parametrize("encoding", ["multipart", "urlencoded"])
def test_a_form_over_the_memory_limit_is_refused_with_413(app, client, encoding):
    size = app.config["MAX_FORM_MEMORY_SIZE"]
    token = csrf_token(client, "/auth/register")
    response = post_body(
        client, "/auth/register", {"csrf_token": token, "full_name": "A" * (size + 1)}, encoding
    )
    assert response.status_code == 413
    assert_security_headers(response)


@pytest.mark.parametrize("encoding", ["multipart", "urlencoded"])
def test_a_normal_form_is_within_the_limits(client, db, encoding):
    data = {
        "csrf_token": csrf_token(client, "/auth/register"),
        "full_name": "Phan Văn Mới",
        "email": "moi@example.vn",
        "password": "Hạt giống nảy mầm 2026",
        "confirm": "Hạt giống nảy mầm 2026",
    }
    response = post_body(client, "/auth/register", data, encoding)
    assert response.status_code == 200
    assert db.session.scalar(select(User).where(User.email == "moi@example.vn")) is not None
