"""Vietnamese first, English available: the catalog is complete, the language switch
works and is remembered, dates, numbers and emails follow the reader's language."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask_babel import force_locale
from sqlalchemy import select

from app.formatting import format_number
from app.localtime import format_date, format_datetime
from app.mail.outbox import OutboxMessage, queue_mail, send_pending
from app.people.models import User
from tests.helpers import login, post_form

ROOT = Path(__file__).resolve().parents[2]
SOURCE_PACKAGES = ("app", "competitions", "judging", "accelerator")
CATALOG = ROOT / "app" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
COMPILED = CATALOG.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdfr]")
HTML_LANG = re.compile(r'<html lang="([a-z]+)"')
# Words Vietnamese borrows as they are: the only translations allowed to equal the English.
SAME_IN_VIETNAMESE = {"Email", "Menu", "Video", "%(score)s / 100"}


# ---------------------------------------------------------------- the catalog


def _extracted_msgids() -> dict[tuple[str, str | None], str]:
    """(msgid, context) → where it was found, as `make extract-messages` sees the sources.
    A plural message is keyed by its singular, as in the catalog."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "_n": (1, 2)}
    found: dict[tuple[str, str | None], str] = {}
    for package in SOURCE_PACKAGES:
        for filename, lineno, message, _comments, context in extract_from_dir(
            str(ROOT / package), method_map, options_map, keywords=keywords
        ):
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid:
                found.setdefault((msgid, context), f"{package}/{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def extracted() -> dict[tuple[str, str | None], str]:
    return _extracted_msgids()


@pytest.fixture(scope="module")
def catalog():  # noqa: ANN201
    with open(CATALOG, "rb") as po:
        return read_po(po, locale="vi")


def _strings(message) -> list[str]:  # noqa: ANN001
    value = message.string
    return list(value) if isinstance(value, tuple | list) else [value]


def test_the_extraction_finds_the_known_strings(extracted):
    """The extraction itself works (a broken babel.cfg would make the next test vacuous)."""
    assert len(extracted) > 100
    for msgid in ("Sign in", "Please sign in to open this page.", "Hello %(name)s,"):
        assert (msgid, None) in extracted


def test_the_catalog_header_is_vietnamese(catalog):
    assert str(catalog.locale) == "vi"
    assert catalog.num_plurals == 1
    assert catalog.plural_expr.strip() == "0"


def test_every_message_has_a_vietnamese_translation(extracted, catalog):
    missing = []
    for (msgid, context), where in sorted(extracted.items(), key=lambda item: item[1]):
        message = catalog.get(msgid, context)
        if message is None:
            missing.append(f"{where}: {msgid!r} (not in the catalog)")
        elif message.fuzzy:
            missing.append(f"{where}: {msgid!r} (fuzzy)")
        elif not all(s.strip() for s in _strings(message)):
            missing.append(f"{where}: {msgid!r} (empty)")
    assert not missing, (
        f"{len(missing)} message(s) without a Vietnamese translation — run "
        "`make extract-messages` and translate them in "
        "app/translations/vi/LC_MESSAGES/messages.po:\n" + "\n".join(missing)
    )


def test_no_translation_is_fuzzy_or_left_in_english(catalog):
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not fuzzy, f"fuzzy entries: {fuzzy}"
    same = [m.id for m in catalog if m.id and m.string == m.id and m.id not in SAME_IN_VIETNAMESE]
    assert not same, f"left in English: {same}"


def test_translations_keep_the_placeholders(catalog):
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        # Vietnamese has one plural form: it serves every count, so it follows the plural.
        expected = sorted(set(PLACEHOLDER.findall(ids[-1])))
        for string in _strings(message):
            if string and sorted(set(PLACEHOLDER.findall(string))) != expected:
                wrong.append(f"{ids[0]!r} → {string!r}")
        if expected and "python-format" not in message.flags:
            wrong.append(f"{ids[0]!r} lacks the python-format flag")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_the_product_name_is_mam_in_vietnamese(catalog):
    assert catalog.get("Sprout").string == "Mầm"
    for message in catalog:
        if message.id and "Sprout" in str(message.id):
            assert "Sprout" not in str(message.string), message.id


# ---------------------------------------------------------------- the language switch


def _lang(html: str) -> str:
    match = HTML_LANG.search(html)
    assert match, "no <html lang> on the page"
    return match.group(1)


def _page(client, path: str) -> str:  # noqa: ANN001
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def _choose(client, lang: str, page: str = "/"):  # noqa: ANN001, ANN202
    return post_form(client, "/language", {"lang": lang, "next": page}, form_page=page)


@pytest.mark.parametrize("path", ["/", "/auth/login"])
def test_pages_are_vietnamese_by_default(client, path):
    assert COMPILED.exists(), "compile the catalog first (`make translations`)"
    html = _page(client, path)
    assert _lang(html) == "vi"
    assert "Đăng nhập" in html
    assert "Mầm" in html
    assert "Sign in" not in html


def test_switching_to_english_and_back(client):
    response = _choose(client, "en", "/auth/login")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/auth/login")

    for path in ("/", "/auth/login"):
        html = _page(client, path)
        assert _lang(html) == "en"
        assert "Sign in" in html
        assert "Đăng nhập" not in html

    _choose(client, "vi")
    html = _page(client, "/auth/login")
    assert _lang(html) == "vi"
    assert "Đăng nhập" in html


def test_an_unknown_language_is_ignored(client):
    _choose(client, "fr")
    assert _lang(_page(client, "/")) == "vi"

    _choose(client, "en")
    _choose(client, "xx")
    html = _page(client, "/")
    assert _lang(html) == "en"
    assert "Sign in" in html


def test_a_signed_in_choice_is_kept_on_the_account(app, client, factory, db):
    user = factory.user(email="hoa@example.vn")
    assert login(client, user.email).status_code == 302
    assert _lang(_page(client, "/dashboard")) == "vi"

    _choose(client, "en", "/dashboard")
    assert db.session.get(User, user.id).locale == "en"
    html = _page(client, "/dashboard")
    assert _lang(html) == "en"
    assert "Sign out" in html

    # Another browser: Vietnamese until the person signs in, then their choice.
    fresh = app.test_client()
    assert _lang(_page(fresh, "/auth/login")) == "vi"
    assert login(fresh, user.email).status_code == 302
    html = _page(fresh, "/dashboard")
    assert _lang(html) == "en"
    assert "Sign out" in html and "Đăng xuất" not in html

    # An unknown value leaves the stored choice alone.
    _choose(fresh, "de", "/dashboard")
    assert db.session.get(User, user.id).locale == "en"


def test_switching_back_to_vietnamese_is_stored_too(app, client, factory, db):
    user = factory.user(email="minh@example.vn")
    user.locale = "en"
    db.session.flush()
    login(client, user.email)
    assert _lang(_page(client, "/dashboard")) == "en"

    _choose(client, "vi", "/dashboard")
    assert db.session.get(User, user.id).locale == "vi"
    fresh = app.test_client()
    login(fresh, user.email)
    assert "Đăng xuất" in _page(fresh, "/dashboard")


# ---------------------------------------------------------------- dates and numbers


def test_datetimes_are_local_time_day_first():
    evening_utc = datetime(2026, 6, 30, 18, 30, tzinfo=UTC)
    assert format_datetime(evening_utc) == "01/07/2026 01:30"
    # The database hands back naive UTC.
    assert format_datetime(evening_utc.replace(tzinfo=None)) == "01/07/2026 01:30"
    assert format_datetime(None) == ""


def test_dates_are_day_first_in_local_time():
    assert format_date(date(2026, 7, 1)) == "01/07/2026"
    assert format_date(date(2025, 12, 9)) == "09/12/2025"
    # 18:30 UTC on 30 June is already 1 July in the province.
    assert format_date(datetime(2026, 6, 30, 18, 30, tzinfo=UTC)) == "01/07/2026"
    assert format_date(None) == ""


def test_numbers_use_a_decimal_comma_in_vietnamese(app):
    with app.test_request_context():
        assert format_number(8.5) == "8,5"
        assert format_number(Decimal("1234.5")) == "1.234,5"
        assert format_number(Decimal("8.00")) == "8"
        with force_locale("en"):
            assert format_number(8.5) == "8.5"
            assert format_number(Decimal("1234.5")) == "1,234.5"


def test_the_number_filter_follows_the_chosen_language(app, client):
    template = "{{ 8.5|number }} {{ d|date }}"
    with app.test_request_context():
        assert app.jinja_env.from_string(template).render(d=date(2026, 7, 1)) == "8,5 01/07/2026"
        with force_locale("en"):
            assert app.jinja_env.from_string(template).render(d=date(2026, 7, 1)) == (
                "8.5 01/07/2026"
            )


# ---------------------------------------------------------------- emails


def test_emails_are_vietnamese_by_default(client, db, mailbox):
    response = post_form(
        client,
        "/auth/register",
        {
            "full_name": "Phạm Thị Lan",
            "email": "lan.vi@example.vn",
            "password": "Lúa xanh trên đồng quê",
            "confirm": "Lúa xanh trên đồng quê",
        },
    )
    assert response.status_code == 200
    assert "Vui lòng kiểm tra email" in response.get_data(as_text=True)

    stored = db.session.scalar(select(OutboxMessage).filter_by(recipient="lan.vi@example.vn"))
    assert stored.subject == "Xác nhận địa chỉ email tài khoản Mầm"
    message = mailbox.last_to("lan.vi@example.vn")
    assert message["Subject"] == stored.subject
    text = mailbox.text(message)
    assert "Xin chào Phạm Thị Lan," in text
    assert "Vui lòng xác nhận địa chỉ email" in text
    assert "/auth/verify/" in text
    assert "Hello" not in text and "Please confirm" not in text
    html = mailbox.html(message)
    assert _lang(html) == "vi"
    assert "Xác nhận địa chỉ email của tôi" in html


def test_a_user_who_chose_english_gets_english_email(client, factory, db, mailbox):
    user = factory.user(full_name="Lê Văn Nam", email="nam.en@example.vn")
    user.locale = "en"
    db.session.flush()

    # The page answers in the browser's language (Vietnamese), the mail in the account's.
    response = post_form(client, "/auth/password/forgot", {"email": user.email})
    assert response.status_code == 200
    assert "Vui lòng kiểm tra email" in response.get_data(as_text=True)

    message = mailbox.last_to(user.email)
    assert message["Subject"] == "Reset your Sprout password"
    text = mailbox.text(message)
    assert "Hello Lê Văn Nam," in text
    assert "Someone asked to reset the password" in text
    assert "Xin chào" not in text
    assert _lang(mailbox.html(message)) == "en"


def test_a_vietnamese_user_gets_vietnamese_email_from_an_english_page(client, factory, mailbox):
    user = factory.user(full_name="Võ Thị Hạnh", email="hanh.vi@example.vn")
    _choose(client, "en", "/auth/password/forgot")
    response = post_form(client, "/auth/password/forgot", {"email": user.email})
    assert "Check your email" in response.get_data(as_text=True)

    message = mailbox.last_to(user.email)
    assert message["Subject"] == "Đặt lại mật khẩu tài khoản Mầm"
    assert "Xin chào Võ Thị Hạnh," in mailbox.text(message)


def test_a_long_vietnamese_subject_arrives_intact(app, db, mailbox):
    """A subject longer than one header line is folded into several encoded words; the
    spaces between Vietnamese words must survive the folding."""
    subject = "Xác nhận địa chỉ email của bạn trên Mầm — Cuộc thi khởi nghiệp đổi mới sáng tạo"
    with app.test_request_context("/x", method="POST"):
        queue_mail("fold@example.vn", subject, "mail/verify_email", user=None, link="http://x")
        db.session.flush()
        send_pending()
    assert mailbox.last_to("fold@example.vn")["Subject"] == subject
