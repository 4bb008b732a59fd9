"""The entries a round judges: placing the first round's accepted entries into its pools,
moving entries between pools by hand, and the organizers' list."""

from __future__ import annotations

import itertools
import re

import pytest
from sqlalchemy import func, select

from app.db import db as database
from competitions.models import Entry, EntryStatus, Pool, PoolMode
from judging.common import JudgingError
from judging.models import EntrySource, RoundEntry
from judging.rubric import placement
from tests.helpers import post_form
from tests.judging import world as w
from tests.judging.roles import sign_in
from tests.judging.test_rubric import (
    Setup,
    audits,
    flashes,
    last_audit,
    make_accounts,
    text,
)

_codes = itertools.count(1)
ROW = re.compile(r'data-round-entry-id="(\d+)" data-pool-id="(\d*)"')


def accepted(factory, world: w.World, title: str, *, track=None, unit=None, status="accepted"):  # noqa: ANN001, ANN201
    """An entry of the world's competition, as screening leaves it."""
    team = factory.team(name=f"Nhóm {title}", unit=unit)
    entry = factory.entry(
        competition=world.competition, team=team, track=track, title=title, status=status
    )
    entry.code = f"QN26-X-{next(_codes):05d}"
    database.session.flush()
    return entry


def add_round_entries(factory, world: w.World, n: int) -> None:  # noqa: ANN001
    """`n` more accepted entries placed in the round, spread over a few teams and schools."""
    owner = world.owner
    schools = [factory.unit(f"Trường THCS Bổ Sung {i}", parent=owner) for i in range(3)]
    teams = [factory.team(name=f"Nhóm Bổ Sung {i}", unit=schools[i]) for i in range(3)]
    rows = []
    for i in range(n):
        team = teams[i % 3]
        entry = Entry(
            competition=world.competition,
            track=world.competition.tracks[i % len(world.competition.tracks)],
            team=team,
            unit=team.unit,
            title=f"Dự án bổ sung {i}",
            status=EntryStatus.ACCEPTED,
            created_by_id=team.leader_id,
            code=f"QN26-B-{next(_codes):05d}",
        )
        rows.append(
            RoundEntry(round=world.round, entry=entry, pool=world.pools[i % len(world.pools)])
        )
    database.session.add_all(rows)
    database.session.flush()


def placement_state(db, round_id: int) -> tuple:  # noqa: ANN001
    rows = db.session.execute(
        select(
            RoundEntry.id,
            RoundEntry.entry_id,
            RoundEntry.pool_id,
            RoundEntry.pool_by_hand,
            RoundEntry.source,
        )
        .where(RoundEntry.round_id == round_id)
        .order_by(RoundEntry.id)
    ).all()
    return tuple(rows), audits(db)


def pool_of(db, round_id: int, entry: Entry) -> int | None:  # noqa: ANN001
    return db.session.scalar(
        select(RoundEntry.pool_id).where(
            RoundEntry.round_id == round_id, RoundEntry.entry_id == entry.id
        )
    )


def placed(db, round_id: int) -> int:  # noqa: ANN001
    return db.session.scalar(
        select(func.count(RoundEntry.id)).where(RoundEntry.round_id == round_id)
    )


def make_setup(db, factory, **options) -> Setup:  # noqa: ANN001, ANN003
    world = w.build(factory, judges=2, **options)
    accounts = make_accounts(factory, world)
    db.session.flush()
    return Setup(world, accounts)


@pytest.fixture()
def empty(db, factory) -> Setup:
    """A first round with its single pool and no entry placed yet."""
    return make_setup(db, factory, entries=0)


def place(client, setup: Setup):  # noqa: ANN001, ANN201
    return post_form(
        client,
        setup.url("/entries/place"),
        {},
        form_page=setup.url("/entries"),
        follow_redirects=True,
    )


# --- placing --------------------------------------------------------------------------------


def test_accepted_entries_go_into_the_single_pool_once(client, db, factory, empty):
    good = [accepted(factory, empty.world, f"Dự án tốt {i}") for i in range(3)]
    accepted(factory, empty.world, "Chưa xét", status="submitted")
    accepted(factory, empty.world, "Bị loại", status="rejected")
    accepted(factory, empty.world, "Bản nháp", status="draft")
    sign_in(client, empty.accounts)
    assert 'data-count="3"' in text(client.get(empty.url("/entries")))
    response = place(client, empty)
    assert "3 added, 0 moved to their new pool, 0 taken out" in flashes(response)
    pool = empty.world.pools[0]
    assert all(pool_of(db, empty.round.id, entry) == pool.id for entry in good)
    assert placed(db, empty.round.id) == 3
    sources = set(db.session.scalars(select(RoundEntry.source)))
    assert sources == {EntrySource.SCREENING}
    event = last_audit(db, "judging.entries.place")
    assert event.new["added"] == 3 and event.actor_id == empty.world.organizer.id
    # Again: nothing to do, nothing recorded.
    before = placement_state(db, empty.round.id)
    response = place(client, empty)
    assert "nothing changed" in flashes(response)
    assert placement_state(db, empty.round.id) == before


def test_entries_go_to_the_pool_of_their_track(client, db, factory):
    setup = make_setup(db, factory, entries=0, by_track=True)
    thpt, sv = setup.world.competition.tracks
    pools = {pool.track_id: pool for pool in setup.world.pools}
    high_school = accepted(factory, setup.world, "Máy lọc nước", track=thpt)
    university = accepted(factory, setup.world, "Ứng dụng du lịch", track=sv)
    placement.place_entries(setup.round, by=setup.world.organizer)
    assert pool_of(db, setup.round.id, high_school) == pools[thpt.id].id
    assert pool_of(db, setup.round.id, university) == pools[sv.id].id


def test_entries_go_to_the_pool_of_their_unit_or_a_unit_above(client, db, factory, empty):
    world = empty.world
    round_ = world.round
    ward = factory.unit("Phường Hải Châu", parent=world.owner)
    school = factory.unit("Trường THPT Phan Châu Trinh", parent=ward)
    other_school = factory.unit("Trường THCS Nguyễn Huệ", parent=ward)
    elsewhere = factory.unit("Tỉnh Khác")
    far = factory.unit("Trường THPT Xa Xôi", parent=elsewhere)
    round_.pool_mode = PoolMode.BY_UNIT
    round_.pools.clear()
    db.session.flush()
    ward_pool, school_pool, loose_pool = (
        Pool(name="Phường Hải Châu", unit=ward),
        Pool(name="Trường THPT Phan Châu Trinh", unit=school),
        Pool(name="Bài không có đơn vị"),
    )
    round_.pools.extend([ward_pool, school_pool, loose_pool])
    db.session.flush()
    in_school = accepted(factory, world, "Nhà kính thông minh", unit=school)
    below_ward = accepted(factory, world, "Gạo sạch", unit=other_school)
    no_unit = accepted(factory, world, "Gốm Thanh Hà")
    lost = accepted(factory, world, "Cà phê muối", unit=far)
    sign_in(client, empty.accounts)
    response = place(client, empty)
    assert pool_of(db, round_.id, in_school) == school_pool.id  # the closest unit wins
    assert pool_of(db, round_.id, below_ward) == ward_pool.id
    assert pool_of(db, round_.id, no_unit) == loose_pool.id
    assert pool_of(db, round_.id, lost) is None
    message = flashes(response)
    assert "1 accepted entry fits no pool of the round and was not placed" in message
    assert "“Cà phê muối”" in message


def test_pool_for_prefers_the_most_specific_pool(db, factory, empty):
    world = empty.world
    thpt, sv = world.competition.tracks
    unit = factory.unit("Xã Tam Kỳ", parent=world.owner)
    entry = accepted(factory, world, "Mắm cá", track=thpt, unit=unit)
    everything = Pool(id=1, name="Tất cả")
    by_track = Pool(id=2, name="THPT", track_id=thpt.id)
    other_track = Pool(id=3, name="SV", track_id=sv.id)
    by_unit = Pool(id=4, name="Tam Kỳ", unit=unit)
    above = Pool(id=5, name="Tỉnh", unit=world.owner)
    assert placement.pool_for(entry, [everything], PoolMode.SINGLE) is everything
    assert placement.pool_for(entry, [everything, by_track], PoolMode.BY_TRACK) is by_track
    assert placement.pool_for(entry, [other_track], PoolMode.BY_TRACK) is None
    assert placement.pool_for(entry, [above, by_unit], PoolMode.BY_UNIT) is by_unit
    # In a round pooled by unit, a pool without a unit is for entries without one.
    assert placement.pool_for(entry, [everything], PoolMode.BY_UNIT) is None


def test_placing_again_follows_changes_but_not_where_judging_began(client, db, factory):
    setup = make_setup(db, factory, entries=0, by_track=True)
    world = setup.world
    thpt, sv = world.competition.tracks
    pools = {pool.track_id: pool for pool in world.pools}
    moved_track = accepted(factory, world, "Đổi bảng", track=thpt)
    assigned_one = accepted(factory, world, "Đã phân công", track=thpt)
    by_hand = accepted(factory, world, "Chuyển tay", track=thpt)
    withdrawn = accepted(factory, world, "Không còn hợp lệ", track=thpt)
    scored_out = accepted(factory, world, "Đã chấm nhưng bị loại", track=thpt)
    placement.place_entries(world.round, by=world.organizer)
    rows = {
        row.entry_id: row
        for row in db.session.scalars(
            select(RoundEntry).where(RoundEntry.round_id == world.round.id)
        )
    }
    w.assign(world, world.judges[0], rows[assigned_one.id])
    placement.move_entries(world.round, [rows[by_hand.id].id], pools[sv.id].id, by=world.organizer)
    sheet_row = rows[scored_out.id]
    w.assign(world, world.judges[0], sheet_row)
    # The screening decisions and tracks change afterwards.
    moved_track.track = sv
    assigned_one.track = sv
    by_hand.track = thpt
    withdrawn.status = EntryStatus.REJECTED
    scored_out.status = EntryStatus.REJECTED
    db.session.flush()
    result = placement.place_entries(world.round, by=world.organizer)
    assert (result.added, result.repooled, result.removed) == (0, 1, 1)
    assert {row.entry_id for row in result.kept} == {assigned_one.id, scored_out.id}
    assert pool_of(db, world.round.id, moved_track) == pools[sv.id].id
    assert pool_of(db, world.round.id, assigned_one) == pools[thpt.id].id  # a judge has it
    assert pool_of(db, world.round.id, by_hand) == pools[sv.id].id  # where the organizer put it
    assert pool_of(db, world.round.id, withdrawn) is None
    assert db.session.get(RoundEntry, sheet_row.id) is not None
    event = last_audit(db, "judging.entries.place")
    assert event.new["removed_entry_ids"] == [withdrawn.id]


def test_an_entry_whose_pool_is_gone_is_placed_again(db, factory, empty):
    world = empty.world
    entry = accepted(factory, world, "Trà thảo mộc")
    placement.place_entries(world.round, by=world.organizer)
    world.round.pools.clear()
    db.session.flush()
    db.session.expire_all()
    assert pool_of(db, world.round.id, entry) is None
    world.round.pools.append(Pool(name="Bảng chung"))
    db.session.flush()
    result = placement.place_entries(world.round, by=world.organizer)
    assert result.repooled == 1
    assert pool_of(db, world.round.id, entry) == world.round.pools[0].id


def test_placing_is_refused_for_a_later_round(client, db, factory, empty):
    accepted(factory, empty.world, "Dự án vòng sau")
    later = empty.world.competition.rounds[1]
    later.pools.append(Pool(name="Chung kết"))
    db.session.flush()
    sign_in(client, empty.accounts)
    before = placement_state(db, later.id)
    response = post_form(
        client,
        f"/judging/rounds/{later.id}/entries/place",
        {},
        form_page=f"/judging/rounds/{later.id}/entries",
        follow_redirects=True,
    )
    assert "later rounds are filled by the advancement" in flashes(response)
    assert placement_state(db, later.id) == before
    assert "entries/place" not in text(client.get(f"/judging/rounds/{later.id}/entries"))


def test_placing_is_refused_without_pools_and_says_where_to_make_them(client, db, factory, empty):
    accepted(factory, empty.world, "Dự án chưa có bảng")
    empty.round.pools.clear()
    db.session.flush()
    sign_in(client, empty.accounts)
    before = placement_state(db, empty.round.id)
    response = place(client, empty)
    assert "make them on the pools page of the competition first" in flashes(response)
    assert placement_state(db, empty.round.id) == before
    page = text(client.get(empty.url("/entries")))
    pools_page = f"/competitions/{empty.world.competition.id}/rounds/{empty.round.id}/pools"
    assert f'href="{pools_page}"' in page
    with pytest.raises(JudgingError) as refused:
        placement.place_entries(empty.round)
    assert refused.value.reason == "no_pools"


# --- the list -------------------------------------------------------------------------------


def test_list_shows_pool_code_title_team_and_unit(client, db, factory):
    setup = make_setup(db, factory, entries=3, by_track=True)
    sign_in(client, setup.accounts)
    html = text(client.get(setup.url("/entries")))
    shown = dict(ROW.findall(html))
    assert shown == {str(row.id): str(row.pool_id) for row in setup.world.entries}
    first = setup.world.entries[0].entry
    for value in (first.code, first.title, first.team.name, first.unit.name, "Bảng Học sinh THPT"):
        assert value in html
    thpt_pool = setup.world.pools[0]
    filtered = text(client.get(setup.url(f"/entries?pool={thpt_pool.id}")))
    assert {pool for _row, pool in ROW.findall(filtered)} == {str(thpt_pool.id)}
    # A pool id of another round is no filter at all.
    assert len(ROW.findall(text(client.get(setup.url("/entries?pool=999999"))))) == 3


def test_list_escapes_what_teams_typed(client, db, factory, empty):
    accepted(factory, empty.world, '"><img src=x onerror=alert(1)>')
    placement.place_entries(empty.round)
    db.session.flush()
    sign_in(client, empty.accounts)
    html = text(client.get(empty.url("/entries")))
    assert "<img src=x" not in html and "&lt;img src=x" in html


def test_list_takes_the_same_number_of_queries_for_20_and_200_entries(
    client, db, factory, count_queries
):
    setup = make_setup(db, factory, entries=0, by_track=True)
    add_round_entries(factory, setup.world, 20)
    sign_in(client, setup.accounts)
    url = setup.url("/entries")
    client.get(url)
    with count_queries() as small:
        response = client.get(url)
    assert len(ROW.findall(text(response))) == 20
    add_round_entries(factory, setup.world, 180)
    with count_queries() as big:
        response = client.get(url)
    assert len(ROW.findall(text(response))) == placement.PER_PAGE
    assert 'id="entries-total">(200)' in text(response)
    assert big.n == small.n


# --- moving by hand -------------------------------------------------------------------------


@pytest.fixture()
def two_pools(db, factory) -> Setup:
    return make_setup(db, factory, entries=4, by_track=True)


def move(client, setup: Setup, rows, pool_id: int):  # noqa: ANN001, ANN201
    return post_form(
        client,
        setup.url("/entries/move"),
        {"round_entry_ids": [row.id for row in rows], "pool": pool_id},
        form_page=setup.url("/entries"),
        follow_redirects=True,
    )


def test_organizer_moves_entries_to_another_pool(client, db, two_pools):
    world = two_pools.world
    target = world.pools[1]
    rows = [row for row in world.entries if row.pool_id != target.id]
    sign_in(client, two_pools.accounts)
    response = move(client, two_pools, rows, target.id)
    assert "2 entries moved to another pool." in flashes(response)
    for row in rows:
        db.session.refresh(row)
        assert row.pool_id == target.id and row.pool_by_hand
    event = last_audit(db, "judging.entry.pool")
    assert event.new["pool_id"] == target.id and event.actor_id == world.organizer.id
    # Placing again leaves them where the organizer put them.
    result = placement.place_entries(world.round)
    assert not result.changed


def test_moving_is_refused_once_scoring_has_started(client, db, two_pools):
    world = two_pools.world
    w.assign(world, world.judges[0], world.entries[0])
    w.score(world, world.judges[0], world.entries[0], [20, 15, 15, 10, 8, 8.5], submitted=False)
    sign_in(client, two_pools.accounts)
    before = placement_state(db, world.round.id)
    response = move(client, two_pools, [world.entries[1]], world.pools[1].id)
    assert "Judges have started scoring this round" in flashes(response)
    assert placement_state(db, world.round.id) == before
    assert 'id="pools-locked"' in text(client.get(two_pools.url("/entries")))


def test_moving_an_assigned_entry_is_refused(client, db, two_pools):
    world = two_pools.world
    w.assign(world, world.judges[0], world.entries[0], published=False)
    sign_in(client, two_pools.accounts)
    before = placement_state(db, world.round.id)
    response = move(client, two_pools, world.entries[:2], world.pools[1].id)
    assert "already have judges assigned" in flashes(response)
    assert placement_state(db, world.round.id) == before


def test_moving_to_a_pool_or_entry_of_another_round_is_refused(client, db, factory, two_pools):
    world = two_pools.world
    later = world.competition.rounds[1]
    later_pool = Pool(name="Chung kết")
    later.pools.append(later_pool)
    db.session.flush()
    sign_in(client, two_pools.accounts)
    before = placement_state(db, world.round.id)
    response = move(client, two_pools, [world.entries[0]], later_pool.id)
    assert "Choose one of the round's pools." in flashes(response)
    assert placement_state(db, world.round.id) == before
    # Rows of another round are ignored: with none of this round's, nothing is chosen.
    foreign = RoundEntry(round=later, entry=world.entries[0].entry, pool=later_pool)
    db.session.add(foreign)
    db.session.flush()
    before = placement_state(db, later.id)
    response = post_form(
        client,
        two_pools.url("/entries/move"),
        {"round_entry_ids": [foreign.id], "pool": world.pools[1].id},
        form_page=two_pools.url("/entries"),
        follow_redirects=True,
    )
    assert "Tick at least one entry of this round." in flashes(response)
    assert placement_state(db, later.id) == before


def test_moving_without_ticking_an_entry_says_so(client, db, two_pools):
    sign_in(client, two_pools.accounts)
    before = placement_state(db, two_pools.round.id)
    response = post_form(
        client,
        two_pools.url("/entries/move?pool=1"),
        {"pool": two_pools.world.pools[1].id, "back": "pool=abc&page=2&evil=//x"},
        form_page=two_pools.url("/entries"),
        follow_redirects=False,
    )
    assert response.headers["Location"].endswith(
        f"/judging/rounds/{two_pools.round.id}/entries?page=2"
    )
    assert placement_state(db, two_pools.round.id) == before
