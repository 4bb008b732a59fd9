"""Units: a tree whose level names are data, with historical units kept."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.audit import AuditEvent
from app.people.models import Role
from app.units.models import Unit, UnitLevel
from tests.helpers import login, post_form


def _tree(factory):  # noqa: ANN001, ANN202
    city = factory.unit("Thành phố Đà Nẵng", level=factory.level("city", "Thành phố", 0))
    cluster = factory.unit("Cụm Tam Kỳ", parent=city, level=factory.level("cluster", "Cụm", 1))
    ward = factory.unit("Phường Tam Kỳ", parent=cluster)
    return city, cluster, ward


def test_paths_make_subtrees(factory):
    city, cluster, ward = _tree(factory)
    assert ward.path == f"/{city.id}/{cluster.id}/{ward.id}/"
    assert city.contains(ward) and cluster.contains(ward)
    assert not ward.contains(cluster)
    assert [u.name for u in ward.ancestors()] == ["Thành phố Đà Nẵng", "Cụm Tam Kỳ"]


def test_historical_unit_is_kept_and_shown_with_its_end(client, factory):
    province = factory.unit(
        "Tỉnh Quảng Nam", level=factory.level("province", "Tỉnh", 0), valid_until=date(2025, 7, 1)
    )
    assert not province.is_current(date(2025, 7, 1))
    assert province.is_current(date(2025, 6, 30))
    admin = factory.user(roles=(Role.ADMIN,))
    login(client, admin.email)
    page = client.get("/units/").get_data(as_text=True)
    assert "Tỉnh Quảng Nam" in page
    assert "01/07/2025" in page
    assert 'class="historical"' in page


def test_organizer_adds_a_school_below_their_unit(client, db, factory):
    city, cluster, ward = _tree(factory)
    school_level = factory.level("high_school", "Trường THPT", 3)
    organizer = factory.user(roles=(Role.ORGANIZER,), organizer_of=cluster)
    login(client, organizer.email)
    response = post_form(
        client,
        f"/units/new?parent={ward.id}",
        {"name": "Trường THPT Trần Cao Vân", "level": school_level.id, "successor": 0},
    )
    assert response.status_code == 302
    school = db.session.scalar(select(Unit).where(Unit.name == "Trường THPT Trần Cao Vân"))
    assert school.parent_id == ward.id and school.path.startswith(ward.path)
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "unit.create", AuditEvent.object_id == str(school.id)
        )
    )
    assert event.actor_id == organizer.id


def test_organizer_of_another_unit_cannot_add_or_edit(client, db, factory):
    city, cluster, ward = _tree(factory)
    other = factory.unit("Cụm Hội An", parent=city)
    outsider = factory.user(roles=(Role.ORGANIZER,), organizer_of=other)
    login(client, outsider.email)
    before = db.session.scalar(select(Unit.name).where(Unit.id == ward.id))
    assert client.get(f"/units/new?parent={ward.id}").status_code == 403
    response = post_form(
        client,
        f"/units/{ward.id}/edit",
        {"name": "Đổi tên", "level": ward.level_id, "successor": 0},
        form_page="/units/",
    )
    assert response.status_code == 403
    assert db.session.scalar(select(Unit.name).where(Unit.id == ward.id)) == before


def test_bad_dates_are_refused_and_nothing_changes(client, db, factory):
    city, cluster, ward = _tree(factory)
    admin = factory.user(roles=(Role.ADMIN,))
    login(client, admin.email)
    response = post_form(
        client,
        f"/units/{ward.id}/edit",
        {
            "name": "Phường Mới",
            "level": ward.level_id,
            "valid_from": "01/07/2025",
            "valid_until": "30/06/2025",
            "successor": 0,
        },
    )
    assert response.status_code == 200
    assert "invalid-feedback" in response.get_data(as_text=True)
    assert db.session.scalar(select(Unit.name).where(Unit.id == ward.id)) == "Phường Tam Kỳ"


def test_dates_are_typed_dd_mm_yyyy(client, db, factory):
    city, cluster, ward = _tree(factory)
    admin = factory.user(roles=(Role.ADMIN,))
    login(client, admin.email)
    response = post_form(
        client,
        f"/units/{ward.id}/edit",
        {
            "name": "Phường Tam Kỳ",
            "level": ward.level_id,
            "valid_from": "01/07/2025",
            "successor": 0,
        },
    )
    assert response.status_code == 302
    assert db.session.scalar(select(Unit.valid_from).where(Unit.id == ward.id)) == date(2025, 7, 1)


def test_a_unit_cannot_merge_into_its_own_child(client, db, factory):
    city, cluster, ward = _tree(factory)
    admin = factory.user(roles=(Role.ADMIN,))
    login(client, admin.email)
    response = post_form(
        client,
        f"/units/{cluster.id}/edit",
        {"name": "Cụm Tam Kỳ", "level": cluster.level_id, "successor": ward.id},
    )
    assert response.status_code == 200
    assert db.session.scalar(select(Unit.successor_id).where(Unit.id == cluster.id)) is None


def test_admin_renames_a_level(client, db, factory):
    level = factory.level("district", "Huyện", 1)
    admin = factory.user(roles=(Role.ADMIN,))
    login(client, admin.email)
    response = post_form(
        client,
        f"/units/levels/{level.id}",
        {"name_vi": "Huyện (trước 01/07/2025)", "name_en": "District (before 2025)", "rank": 1},
    )
    assert response.status_code == 302
    assert db.session.get(UnitLevel, level.id).name_vi == "Huyện (trước 01/07/2025)"
