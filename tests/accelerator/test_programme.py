"""The programme dashboard: every indicator of a hand-built year against its target (numbers
counted by hand in tests/accelerator/programme_world.py), the breakdowns, the unit filter, who
may see what, the charts, and a fixed number of queries whatever the size of the data."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from accelerator.programme import board, figures
from accelerator.programme.indicators import (
    BY_CODE,
    TargetRefused,
    parse_target,
    parse_year,
    result,
)
from competitions.models import Entry
from tests.accelerator import programme_world as pw
from tests.helpers import csrf_token
from tests.judging.roles import LOGIN, answer, sign_in

ROLES = ("anonymous", "participant", "organizer", "cluster_organizer", "admin")


def answers(*values: int | str) -> dict[str, int | str]:
    return dict(zip(ROLES, values, strict=True))


# fmt: off
#                                 anon  part org  c_org admin
ACCESS: dict[str, dict[str, int | str]] = {
    "programme.dashboard": answers(LOGIN, 403, 200, 200, 200),
}
REPORT_ACCESS = answers(LOGIN, 403, 200, 200, 200)  # programme.report, a POST
# fmt: on
URLS = {"programme.dashboard": f"/programme/?year={pw.YEAR}"}
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture()
def w(db, factory) -> pw.World:  # noqa: ARG001
    return pw.build(factory)


def people(w: pw.World) -> dict:
    return {
        "participant": w.participant,
        "organizer": w.organizer,
        "cluster_organizer": w.cluster_organizer,
        "admin": w.admin,
    }


def cards(html: str) -> dict[tuple[str, str], dict[str, str]]:
    found = {}
    for tag in re.findall(r'<div class="card h-100 indicator[^"]*"([^>]*)>', html):
        attrs = dict(re.findall(r'data-([\w-]+)="([^"]*)"', tag))
        found[(attrs["indicator"], attrs["qualifier"])] = attrs
    return found


def dashboard(client, w: pw.World, role: str = "admin", query: str = "") -> str:  # noqa: ANN001
    sign_in(client, people(w), role)
    response = client.get(f"/programme/?year={pw.YEAR}{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_access(client, w, role):
    sign_in(client, people(w), role)
    wrong = {}
    for endpoint, expected in ACCESS.items():
        response = client.get(URLS[endpoint])
        got = answer(response)
        response.close()
        if got != expected[role]:
            wrong[endpoint] = f"expected {expected[role]}, got {got}"
    token = csrf_token(client, "/auth/login" if role == "anonymous" else "/auth/profile")
    report = client.post(f"/programme/report.xlsx?year={pw.YEAR}", data={"csrf_token": token})
    if answer(report) != REPORT_ACCESS[role]:
        wrong["programme.report"] = f"expected {REPORT_ACCESS[role]}, got {answer(report)}"
    assert wrong == {}


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_unit_outside_the_organizers_own_is_refused_the_same_everywhere(client, w, method):
    """The dashboard (GET) and the workbook (POST) alike."""
    sign_in(client, people(w), "cluster_organizer")
    token = csrf_token(client, "/auth/profile")
    path = "/programme/" if method == "GET" else "/programme/report.xlsx"

    def status(unit: object) -> int:
        url = f"{path}?year={pw.YEAR}&unit={unit}"
        response = client.open(url, method=method, data={"csrf_token": token})
        return response.status_code

    assert status(w.clusters[1].id) == 403
    assert status(w.province.id) == 403
    assert status(999999) == 404
    assert status("abc") == 404
    assert status(w.commune.id) == 200


def test_an_organizer_sees_their_own_unit_by_default_and_units_below(client, w):
    html = dashboard(client, w, "cluster_organizer")
    assert cards(html)[("entries", "")]["actual"] == "2"  # e1 and e2, from S1 in C1
    assert f'<option value="{w.clusters[0].id}" selected>' in html


def test_the_province_organizer_may_choose_a_cluster(client, w):
    html = dashboard(client, w, "organizer", f"&unit={w.clusters[1].id}")
    assert cards(html)[("entries", "")]["actual"] == "1"


@pytest.mark.parametrize("year", ["1800", "abcd", "20255", "2101", "٢٠٢٥"])
def test_an_absurd_year_is_refused_with_a_message(client, w, year):
    sign_in(client, people(w), "admin")
    response = client.get(f"/programme/?year={year}", follow_redirects=True)
    assert response.status_code == 200
    assert "Choose a year between 2000 and 2100" in response.get_data(as_text=True)


# --- the indicators -------------------------------------------------------------------------


def test_every_indicator_matches_the_figures_counted_by_hand(client, w):
    found = cards(dashboard(client, w))
    for code, (actual, target, gap) in pw.EXPECTED.items():
        card = found[(code, "")]
        assert Decimal(card["actual"]) == Decimal(actual), code
        assert (Decimal(card["target"]) if card["target"] else None) == (
            Decimal(target) if target else None
        ), code
        assert (Decimal(card["gap"]) if card["gap"] else None) == (Decimal(gap) if gap else None), (
            code
        )
    assert found[("forums", "")]["met"] == "no"
    assert found[("trainings", "")]["met"] == "yes"
    assert found[("entries_per_track", "THPT")]["actual"] == "2"
    assert found[("entries_per_track", "SV")]["actual"] == "1"


def test_the_clusters_without_a_festival_are_named(client, w):
    html = dashboard(client, w)
    short = re.search(r'<p class="small mb-0 short-clusters">(.*?)</p>', html, re.S).group(1)
    assert "Cụm 2" in short and "Cụm 3" in short and "Cụm 1" not in short


def test_the_breakdowns(client, factory, w):
    # A former province, now merged, is a second root: the entries all lie in the province,
    # so the chart still shows its clusters.
    factory.unit("Tỉnh Cũ", level=w.province.level)
    html = dashboard(client, w)
    by_unit = dict(re.findall(r'data-unit-id="(\d*)" data-entries="(\d+)"', html))
    assert by_unit == {str(w.clusters[0].id): "2", str(w.clusters[1].id): "1"}
    genders = dict(re.findall(r'data-gender="(\w+)" data-people="(\d+)"', html))
    assert genders == {"female": "2", "male": "2", "other": "0", "unknown": "1"}
    assert 'id="led-by-women" data-entries="1"' in html
    levels = re.findall(r'<tr class="level-entries" data-entries="(\d+)"><td>(.*?)</td>', html)
    assert levels == [("2", "High_School"), ("1", "University")]  # the English names


def test_a_cluster_is_broken_down_into_the_units_below_it(client, w):
    html = dashboard(client, w, "admin", f"&unit={w.clusters[0].id}")
    by_unit = dict(re.findall(r'data-unit-id="(\d*)" data-entries="(\d+)"', html))
    assert by_unit == {str(w.commune.id): "2"}
    found = cards(html)
    assert found[("forums", "")]["actual"] == "1"  # the workshop organised by C1
    assert found[("cohort_teams", "")]["actual"] == "0"  # the cohort is the province's
    assert found[("science_fair_projects", "")]["actual"] == "1"  # e1 grew in S1
    assert found[("festivals_cluster", "")]["gap"] == "0"  # one cluster, two festivals


def test_a_commune_has_no_cluster_target(client, w):
    found = cards(dashboard(client, w, "admin", f"&unit={w.commune.id}"))
    assert found[("festivals_cluster", "")]["target"] == ""
    assert found[("festivals_cluster", "")]["actual"] == "1"


def test_a_saved_target_replaces_the_default(db, client, w):
    from accelerator.programme.models import ProgrammeTarget

    db.session.add(ProgrammeTarget(year=pw.YEAR, indicator="forums", value=Decimal("2.5")))
    db.session.add(
        ProgrammeTarget(year=pw.YEAR, indicator="entries_per_track", qualifier="SV", value=4)
    )
    db.session.flush()
    found = cards(dashboard(client, w))
    assert Decimal(found[("forums", "")]["gap"]) == Decimal("0.5")
    assert found[("forums", "")]["met"] == "yes"
    assert Decimal(found[("entries_per_track", "SV")]["gap"]) == Decimal(-3)


def test_trends_cover_five_years(client, w):
    html = dashboard(client, w)
    values = re.search(r'data-indicator="entries" data-values="([^"]*)"', html).group(1)
    assert values.split() == ["0", "0", "0", "1", "3"]


def test_the_charts_are_svg_with_the_figures(client, w):
    html = dashboard(client, w)
    for chart_id in ("targets-chart", "units-chart", "trends-chart", "hours-chart"):
        svg = re.search(rf'<svg [^>]*id="{chart_id}".*?</svg>', html, re.S).group(0)
        ET.fromstring(svg)  # noqa: S314 — our own page; well formed only if escaped
    targets = re.search(r'<svg [^>]*id="targets-chart".*?</svg>', html, re.S).group(0)
    pairs = {
        p.get("data-label"): (p.get("data-target"), p.get("data-actual"))
        for p in ET.fromstring(targets).iter(f"{SVG}g")  # noqa: S314 — our own page
        if p.get("class") == "pair"
    }
    assert pairs["Forums and workshops held"] == ("5", "3")
    assert "<script" not in html.split("</main>")[0]


def test_the_dashboard_reads_in_a_fixed_number_of_queries(client, db, w, factory, count_queries):
    """The hand-built year, then twelve more schools each with an entry, a cohort team with a
    confirmed session and a report, and a held cluster festival with an attendee."""
    sign_in(client, people(w), "admin")
    url = f"/programme/?year={pw.YEAR}"
    client.get(url)
    counts = []
    for extra in (0, 12):
        for n in range(extra):
            pw.grow(factory, w, n)
        with count_queries() as counted:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(counted.n)
    found = cards(response.get_data(as_text=True))
    assert found[("entries", "")]["actual"] == "15"
    assert found[("cohort_teams", "")]["actual"] == "14"
    assert found[("festivals_cluster", "")]["actual"] == "14"
    assert counts[0] == counts[1], counts


def test_the_dashboard_speaks_vietnamese_numbers(client, db, w):
    from accelerator.programme.models import ProgrammeTarget

    db.session.add(ProgrammeTarget(year=pw.YEAR, indicator="forums", value=Decimal("2.5")))
    db.session.flush()
    sign_in(client, people(w), "admin", locale="vi")
    html = client.get(f"/programme/?year={pw.YEAR}").get_data(as_text=True)
    card = re.search(r'data-indicator="forums".*?</div>\s*</div>', html, re.S).group(0)
    assert ": 2,5" in card and "0,5" in card
    revenue = re.search(r'data-indicator="kpi_revenue".*?</p>', html, re.S).group(0)
    assert "5.000.000" in revenue


def test_this_year_by_default_even_without_data(client, w):
    sign_in(client, people(w), "admin")
    response = client.get("/programme/")
    assert response.status_code == 200
    assert cards(response.get_data(as_text=True))[("forums", "")]["actual"] == "0"


# --- pure parts -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("5", "5"),
        ("2,5", "2.5"),
        ("2.5", "2.5"),
        ("0,75", "0.75"),
        ("0.500", "0.5"),
        (" 1.200 ", "1200"),
        ("1.200.000", "1200000"),
        ("1.200,5", "1200.5"),
    ],
)
def test_a_target_is_read_the_vietnamese_way(text, value):
    assert parse_target(text) == Decimal(value)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("-1", "negative"),
        ("-0,5", "negative"),
        ("năm", "not_a_number"),
        ("1e3", "not_a_number"),
        ("NaN", "not_a_number"),
        ("2,555", "too_many_places"),
        ("9999999999999", "too_large"),
    ],
)
def test_a_bad_target_is_refused_with_its_reason(text, reason):
    with pytest.raises(TargetRefused) as refused:
        parse_target(text)
    assert refused.value.reason == reason


def test_parse_year():
    assert parse_year(None, 2026) == 2026
    assert parse_year("2025", 2026) == 2025
    assert parse_year("1999", 2026) is None


def test_a_per_cluster_gap_adds_what_each_cluster_lacks():
    festivals = BY_CODE["festivals_cluster"]
    got = result(festivals, 3, None, per_cluster={"A": 3, "B": 0, "C": 0})
    assert (got.target, got.gap, got.short_clusters) == (Decimal(3), Decimal(-2), ("B", "C"))
    got = result(festivals, 3, Decimal(1), per_cluster={"A": 1, "B": 1, "C": 1})
    assert (got.gap, got.met, got.target_is_default) == (Decimal(0), True, False)


def test_the_figures_module_counts_only_entries_that_reached_the_organizers(db, w):
    counted = figures.load(pw.YEAR, None)
    assert counted.entries[pw.YEAR] == 3
    assert db.session.get(Entry, w.entries[3].id).status == "draft"
    assert board.actuals(counted, pw.YEAR)["entries"] == 3
