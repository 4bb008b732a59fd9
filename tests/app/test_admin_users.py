"""Admins create accounts, grant and remove roles, disable and enable accounts."""

from __future__ import annotations

from sqlalchemy import func, select

from app.audit import AuditEvent
from app.people.models import Role, RoleGrant, User
from tests.helpers import login, post_form


def _admin(client, factory):  # noqa: ANN001, ANN202
    admin = factory.user(full_name="Võ Thị Sáu", roles=(Role.ADMIN,))
    login(client, admin.email)
    return admin


def test_admin_creates_an_organizer_who_activates_by_email(client, db, factory, mailbox):
    unit = factory.unit("Xã Thăng Bình")
    _admin(client, factory)
    response = post_form(
        client,
        "/admin/users/new",
        {
            "full_name": "Đặng Văn Hùng",
            "email": "hung@example.vn",
            "roles": ["organizer", "judge"],
            "organizer_unit": unit.id,
            "unit": 0,
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "hung@example.vn"))
    assert user.password_hash is None
    assert {(g.role, g.unit_id) for g in user.roles} == {("organizer", unit.id), ("judge", None)}
    link = mailbox.link_to("hung@example.vn", "/auth/activate/")
    post_form(client, "/auth/logout", {}, form_page="/dashboard")
    new_password = "Cây lúa quê hương 2026"
    response = post_form(client, link, {"password": new_password, "confirm": new_password})
    assert response.status_code == 302
    assert login(client, "hung@example.vn", new_password).status_code == 302


def test_organizer_role_without_a_unit_is_refused(client, db, factory):
    _admin(client, factory)
    before = db.session.scalar(select(func.count()).select_from(User))
    response = post_form(
        client,
        "/admin/users/new",
        {
            "full_name": "Bùi Văn Tâm",
            "email": "tam@example.vn",
            "roles": ["organizer"],
            "organizer_unit": 0,
            "unit": 0,
        },
    )
    assert response.status_code == 200
    assert "invalid-feedback" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == before


def test_duplicate_email_is_refused(client, db, factory):
    factory.user(email="trung@example.vn")
    _admin(client, factory)
    response = post_form(
        client,
        "/admin/users/new",
        {
            "full_name": "Hồ Văn Trung",
            "email": " Trung@Example.vn ",
            "roles": ["judge"],
            "organizer_unit": 0,
            "unit": 0,
        },
    )
    assert response.status_code == 200
    assert db.session.scalar(select(func.count()).where(User.email == "trung@example.vn")) == 1


def test_grant_and_revoke_a_role_are_audited(client, db, factory):
    admin = _admin(client, factory)
    person = factory.user(full_name="Ngô Thị Mai", roles=(Role.PARTICIPANT,))
    response = post_form(
        client,
        f"/admin/users/{person.id}/roles",
        {"role": "mentor", "unit": 0},
        form_page=f"/admin/users/{person.id}",
    )
    assert response.status_code == 302
    grant = db.session.scalar(
        select(RoleGrant).where(RoleGrant.user_id == person.id, RoleGrant.role == "mentor")
    )
    assert grant is not None
    grant_id = grant.id
    # Granting again changes nothing.
    post_form(
        client,
        f"/admin/users/{person.id}/roles",
        {"role": "mentor", "unit": 0},
        form_page=f"/admin/users/{person.id}",
    )
    assert (
        db.session.scalar(
            select(func.count()).where(RoleGrant.user_id == person.id, RoleGrant.role == "mentor")
        )
        == 1
    )
    post_form(
        client,
        f"/admin/users/{person.id}/roles/{grant_id}/revoke",
        {},
        form_page=f"/admin/users/{person.id}",
    )
    assert db.session.scalar(select(func.count()).where(RoleGrant.id == grant_id)) == 0
    actions = db.session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.object_id == str(person.id), AuditEvent.actor_id == admin.id
        )
    ).all()
    assert "role.grant" in actions and "role.revoke" in actions


def test_the_last_admin_keeps_the_role(client, db, factory):
    admin = _admin(client, factory)
    grant = next(g for g in admin.roles if g.role == "admin")
    post_form(
        client,
        f"/admin/users/{admin.id}/roles/{grant.id}/revoke",
        {},
        form_page=f"/admin/users/{admin.id}",
    )
    assert db.session.get(RoleGrant, grant.id) is not None


def test_disabled_account_cannot_sign_in_until_enabled(client, db, factory):
    _admin(client, factory)
    person = factory.user(full_name="Lý Văn Phúc", email="phuc@example.vn")
    post_form(
        client, f"/admin/users/{person.id}/disable", {}, form_page=f"/admin/users/{person.id}"
    )
    assert db.session.get(User, person.id).disabled_at is not None
    other = client.application.test_client()
    assert login(other, "phuc@example.vn").status_code == 200  # refused, page shown again
    assert other.get("/dashboard").status_code == 302
    post_form(client, f"/admin/users/{person.id}/enable", {}, form_page=f"/admin/users/{person.id}")
    assert login(other, "phuc@example.vn").status_code == 302


def test_admin_cannot_disable_themself(client, db, factory):
    admin = _admin(client, factory)
    post_form(client, f"/admin/users/{admin.id}/disable", {}, form_page=f"/admin/users/{admin.id}")
    assert db.session.get(User, admin.id).disabled_at is None


def test_users_list_is_paginated_and_in_vietnamese_order(client, factory, count_queries):
    _admin(client, factory)
    for name in ["Trần Thị Bình", "Lê Văn An", "Nguyễn Đức Cường", "Phạm Thị Ánh"]:
        factory.user(full_name=name)
    page = client.get("/admin/users").get_data(as_text=True)
    positions = [
        page.index(n) for n in ["Lê Văn An", "Phạm Thị Ánh", "Trần Thị Bình", "Nguyễn Đức Cường"]
    ]
    assert positions == sorted(positions)


def test_users_list_query_count_does_not_grow_with_users(client, factory, count_queries):
    _admin(client, factory)

    def measure() -> int:
        with count_queries() as counted:
            assert client.get("/admin/users").status_code == 200
        return counted.n

    for i in range(3):
        factory.user(full_name=f"Người Thứ {i}", roles=(Role.JUDGE, Role.MENTOR))
    few = measure()
    for i in range(40):
        factory.user(full_name=f"Người Khác {i}", roles=(Role.JUDGE,))
    assert measure() == few
