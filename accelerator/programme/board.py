"""From the loaded figures (accelerator.programme.figures) to each indicator's result against
its target, in the order of the plan, and to the trends over the last years. Plain Python over
plain data: the dashboard and the workbook read the same results."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from accelerator.programme.figures import Figures
from accelerator.programme.indicators import BY_CODE, CATALOGUE, Result, result
from competitions.events.models import EventKind, EventLevel

FORUM_KINDS = (EventKind.FORUM, EventKind.WORKSHOP)


def as_hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _held(fig: Figures, year: int, *, kinds: tuple[str, ...], level: str | None = None) -> int:
    return sum(
        1
        for event in fig.events
        if event.year == year and event.kind in kinds and (level is None or event.level == level)
    )


def actuals(fig: Figures, year: int) -> dict[str, Decimal]:
    """Each indicator's figure for `year` (but the per-track one)."""
    teams = [row for row in fig.cohort_teams if row.year == year]
    festival = (EventKind.FESTIVAL,)
    values = {
        "entries": fig.entries[year],
        "science_fair_projects": len([p for p in fig.projects if p.year == year]),
        "experts": fig.experts,
        "forums": _held(fig, year, kinds=FORUM_KINDS),
        "trainings": _held(fig, year, kinds=(EventKind.TRAINING,)),
        "cohort_teams": len(teams),
        "mentoring_hours": as_hours(fig.minutes[year]),
        "kpi_jobs": sum(row.jobs for row in teams),
        "kpi_revenue": sum((row.revenue_vnd for row in teams), Decimal(0)),
        "kpi_funding": sum((row.funding_vnd for row in teams), Decimal(0)),
        "festivals_province": _held(fig, year, kinds=festival, level=EventLevel.PROVINCE),
        "festivals_cluster": _held(fig, year, kinds=festival, level=EventLevel.CLUSTER),
        "festivals_local": _held(fig, year, kinds=festival, level=EventLevel.LOCAL),
        "attendance": sum(event.attended for event in fig.events if event.year == year),
    }
    return {code: Decimal(value) for code, value in values.items()}


def festivals_per_cluster(fig: Figures) -> dict[str, int]:
    """Cluster-level festivals of the year organised in each cluster (0 for none)."""
    return {
        name: sum(
            1
            for event in fig.events
            if event.year == fig.year
            and event.kind == EventKind.FESTIVAL
            and event.level == EventLevel.CLUSTER
            and event.organizer_path.startswith(path)
        )
        for name, path in fig.clusters
    }


def results(fig: Figures) -> list[Result]:
    """Every indicator of the year against its target, in the order of the plan; entries
    per track once for each track code of the year's competitions (or with a target)."""
    year = fig.year
    values = actuals(fig, year)
    saved = fig.targets
    out: list[Result] = []
    for indicator in CATALOGUE:
        code = indicator.code
        if indicator.per_track:
            counts = {track: n for track, _name, n in fig.by_track}
            keys = set(counts) | {q for (y, c, q) in saved if y == year and c == code}
            for key in sorted(keys):
                value = saved.get((year, code, key))
                out.append(result(indicator, counts.get(key, 0), value, qualifier=key))
            continue
        target = saved.get((year, code, ""))
        if code == "festivals_cluster":
            per_cluster = festivals_per_cluster(fig)
            if not per_cluster:  # no cluster in the filter: a per-cluster target does not apply
                out.append(Result(indicator, "", values[code], None, False, None, 0))
                continue
            out.append(result(indicator, values[code], target, per_cluster=per_cluster))
            continue
        out.append(result(indicator, values[code], target))
    return out


TREND_CODES = ("entries", "science_fair_projects", "forums", "festivals_province", "cohort_teams")


def trends(fig: Figures) -> dict[str, list[Decimal]]:
    """The key indicators for each trend year, oldest first (mentoring hours included, drawn
    apart because hours dwarf counts)."""
    per_year = {year: actuals(fig, year) for year in fig.years}
    codes = [*TREND_CODES, "mentoring_hours"]
    return {code: [per_year[year][code] for year in fig.years] for code in codes if code in BY_CODE}
