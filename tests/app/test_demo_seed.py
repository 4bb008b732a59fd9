"""The demo seed: a realistic Vietnamese programme, one account per role, never twice."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import pytest
from sqlalchemy import func, select

from app.auth.passwords import verify_password
from app.demo.seed import DEMO_ACCOUNTS, SHARED_PASSWORD, DemoRefused, print_logins, seed_demo
from app.people.models import ExpertiseTag, Role, User
from app.units.models import Unit

_TONES = ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323")
VIETNAMESE_LETTERS = frozenset(
    {unicodedata.normalize("NFC", vowel + tone) for vowel in "aăâeêioôơuưy" for tone in _TONES}
    | set("bcdđghklmnpqrstvx")
)
PHONE_RE = re.compile(r"^09\d{8}$")


def is_vietnamese_word(word: str) -> bool:
    return (
        word[0].isupper()
        and word[0].lower() in VIETNAMESE_LETTERS
        and all(letter in VIETNAMESE_LETTERS for letter in word[1:])
    )


def count(db, model) -> int:  # noqa: ANN001
    return db.session.scalar(select(func.count()).select_from(model))


def user(db, email: str) -> User:  # noqa: ANN001
    return db.session.scalars(select(User).where(User.email == email)).one()


def unit(db, name: str) -> Unit:  # noqa: ANN001
    return db.session.scalars(select(Unit).where(Unit.name == name)).one()


def seeded_participants(db) -> list[User]:  # noqa: ANN001
    people = db.session.scalars(select(User)).all()
    return [p for p in people if p.has_role(Role.PARTICIPANT)]


def test_demo_accounts_cover_every_role_and_sign_in_with_the_printed_passwords(db):
    logins = seed_demo(participants=10)

    assert [row[1] for row in logins] == [account.email for account in DEMO_ACCOUNTS]
    held = set()
    for label, email, password in logins:
        account = user(db, email)
        assert label and account.is_verified and account.is_active
        assert verify_password(account.password_hash, password)
        assert len(account.full_name.split()) >= 3
        held |= account.role_names()
    assert held == {role.value for role in Role}


def test_organizers_are_scoped_to_the_city_and_to_one_cluster(db):
    seed_demo(participants=10)
    city_organizer, cluster_organizer = (
        user(db, "btc@sprout.demo"),
        user(db, "btc.tamky@sprout.demo"),
    )
    hai_chau, tam_ky = unit(db, "Phường Hải Châu"), unit(db, "Phường Tam Kỳ")

    assert [u.name for u in city_organizer.organizer_units()] == ["Thành phố Đà Nẵng"]
    assert [u.name for u in cluster_organizer.organizer_units()] == ["Cụm Tam Kỳ"]
    assert city_organizer.organizes(hai_chau) and city_organizer.organizes(tam_ky)
    assert cluster_organizer.organizes(tam_ky) and not cluster_organizer.organizes(hai_chau)
    assert city_organizer.unit.name == "Sở Khoa học và Công nghệ thành phố Đà Nẵng"


def test_units_form_a_tree_with_materialised_paths(db):
    seed_demo(participants=10)
    units = db.session.scalars(select(Unit)).all()
    by_id = {u.id: u for u in units}

    for node in units:
        parent_path = by_id[node.parent_id].path if node.parent_id else "/"
        assert node.path == f"{parent_path}{node.id}/", node.name
        assert unicodedata.is_normalized("NFC", node.name)
    roots = sorted(u.name for u in units if u.parent_id is None)
    assert roots == ["Thành phố Đà Nẵng", "Tỉnh Quảng Nam"]
    communes = [u for u in units if u.level.code in {"commune", "ward"}]
    assert len(communes) >= 20
    assert all(
        c.parent.level.code == "cluster" and c.valid_from == date(2025, 7, 1) for c in communes
    )
    school = unit(db, "Trường THPT chuyên Nguyễn Bỉnh Khiêm")
    assert school.level.is_organisation
    assert [a.name for a in school.ancestors()] == [
        "Thành phố Đà Nẵng",
        "Cụm Tam Kỳ",
        "Phường Tam Kỳ",
    ]


def test_quang_nam_is_kept_as_history_merged_into_da_nang(db):
    seed_demo(participants=10)
    merger = date(2025, 7, 1)
    province, city = unit(db, "Tỉnh Quảng Nam"), unit(db, "Thành phố Đà Nẵng")

    assert province.valid_until == merger and province.successor_id == city.id
    assert not province.is_current() and city.is_current()
    districts = [child for child in province.children if child.level.code == "district"]
    assert {d.name for d in districts} >= {
        "Thành phố Tam Kỳ",
        "Huyện Thăng Bình",
        "Huyện Nam Giang",
    }
    assert all(d.valid_until == merger for d in districts)
    old_department = unit(db, "Sở Khoa học và Công nghệ tỉnh Quảng Nam")
    assert old_department.valid_until == merger
    assert old_department.successor.name == "Sở Khoa học và Công nghệ thành phố Đà Nẵng"
    assert province.contains(old_department)


def test_participants_have_vietnamese_names_unique_emails_and_phones(db):
    seed_demo()
    participants = seeded_participants(db)

    assert len(participants) >= 300
    for person in participants:
        words = person.full_name.split()
        assert len(words) >= 2 and all(map(is_vietnamese_word, words)), person.full_name
        assert unicodedata.is_normalized("NFC", person.full_name)
        assert person.is_verified and person.unit.level.is_organisation
        assert person.unit.is_current()
        assert PHONE_RE.match(person.phone), person.phone
    everyone = db.session.scalars(select(User)).all()
    assert len({p.email for p in everyone}) == len(everyone)
    assert len({p.phone for p in everyone}) == len(everyone)
    generated = [p.email for p in everyone if not p.email.endswith("@sprout.demo")]
    assert all(e.endswith(("@example.edu.vn", "@example.vn")) for e in generated)
    # Generated people share one hash: the published shared password.
    assert verify_password(participants[-1].password_hash, SHARED_PASSWORD)


def test_experts_judge_or_mentor_with_two_to_four_fields(db):
    seed_demo(participants=10)
    experts = [
        p
        for p in db.session.scalars(select(User)).all()
        if p.has_role(Role.JUDGE, Role.MENTOR) and not p.email.endswith("@sprout.demo")
    ]

    assert len(experts) == 40
    assert count(db, ExpertiseTag) >= 14
    assert all(2 <= len(expert.expertise) <= 4 and expert.title for expert in experts)
    judges_only = [e for e in experts if e.role_names() == {"judge"}]
    mentors_only = [e for e in experts if e.role_names() == {"mentor"}]
    both = [e for e in experts if e.role_names() == {"judge", "mentor"}]
    assert len(judges_only) == 20 and mentors_only and both
    assert len(judges_only) + len(mentors_only) + len(both) == 40
    assert user(db, "chuyengia@sprout.demo").role_names() == {"judge", "mentor"}
    assert [t.code for t in user(db, "covan@sprout.demo").expertise]


def test_a_second_run_refuses_and_if_empty_changes_nothing(db):
    seed_demo(participants=10)
    before = (count(db, User), count(db, Unit), count(db, ExpertiseTag))

    with pytest.raises(DemoRefused, match="empty database"):
        seed_demo()
    with pytest.raises(DemoRefused, match="Dữ liệu mẫu đã có: bỏ qua."):
        seed_demo(only_if_empty=True)
    assert (count(db, User), count(db, Unit), count(db, ExpertiseTag)) == before


def test_refuses_a_database_that_has_units_but_no_users(db, factory):
    factory.unit("Xã Thử Nghiệm")

    with pytest.raises(DemoRefused):
        seed_demo(only_if_empty=True)


def test_refuses_in_production(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "ENV_NAME", "production")

    with pytest.raises(DemoRefused, match="production"):
        seed_demo()
    assert count(db, User) == 0 and count(db, Unit) == 0


def test_same_data_on_every_run(db):
    def snapshot() -> list[tuple]:
        people = db.session.scalars(select(User).order_by(User.email)).all()
        return [(p.email, p.full_name, p.phone, p.title, p.unit.name) for p in people]

    first_run = db.session.begin_nested()
    seed_demo(participants=30)
    first = snapshot()
    first_run.rollback()
    db.session.expunge_all()  # start the second run from nothing, as a new process would
    seed_demo(participants=30)

    assert snapshot() == first


def test_cli_seeds_once_and_prints_the_logins(db, runner):
    result = runner.invoke(args=["demo", "seed"])

    assert result.exit_code == 0, result.output
    assert "Tài khoản mẫu / Demo accounts" in result.output
    assert "http://127.0.0.1:5000" in result.output
    for account in DEMO_ACCOUNTS:
        assert account.email in result.output and account.password in result.output
    assert count(db, User) == 300 + 40 + len(DEMO_ACCOUNTS)

    again = runner.invoke(args=["demo", "seed", "--if-empty"])
    assert again.exit_code == 0 and "Dữ liệu mẫu đã có: bỏ qua." in again.output
    assert count(db, User) == 300 + 40 + len(DEMO_ACCOUNTS)


def test_print_logins_lines_up_the_columns(capsys):
    print_logins([("Quản trị viên", "admin@sprout.demo", "pw-1"), ("Thí sinh", "a@b.vn", "pw-2")])

    lines = capsys.readouterr().out.splitlines()
    rows = [line for line in lines if "@" in line and "…" not in line]
    assert len({line.index("pw-") for line in rows}) == 1
