"""The command line an operator uses on a new server."""

from __future__ import annotations

from sqlalchemy import func, select

from app.people.models import User


def _create_admin(runner, email="quantri@example.vn", password="Ngày hội khởi nghiệp 2026"):  # noqa: ANN001, ANN202, S107
    return runner.invoke(
        args=["users", "create-admin", "--email", email, "--name", "Hoàng Minh Quân"],
        input=f"{password}\n{password}\n",
    )


def test_create_admin_makes_a_verified_administrator(runner, db):
    result = _create_admin(runner)
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "quantri@example.vn"))
    assert user.is_admin and user.is_verified
    assert user.password_hash.startswith("$argon2id$")


def test_create_admin_refuses_a_common_password_and_stores_nothing(runner, db):
    result = _create_admin(runner, password="password1")
    assert result.exit_code != 0
    assert "common" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_create_admin_refuses_an_existing_email(runner, db, factory):
    factory.user(email="quantri@example.vn")
    result = _create_admin(runner)
    assert result.exit_code != 0
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
