"""The catalogue of the programme's yearly indicators, in the order of the 2020–2025 plan
(Quyết định 1625/QĐ-UBND): the student startup competition, startup projects grown from the
high-school science fairs, the local expert panel, the specialised forums and workshops, the
accelerator programme, then the startup festivals at province and cluster level.

Pure: no Flask, no database. Each indicator says how it is measured, the target the plan
gives where it gives one, and how its gap is read. Labels are lazy gettext strings, so the
module imports without an application; they are only turned into text when shown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Final

from flask_babel import lazy_gettext as _l

FIRST_YEAR: Final = 2000  # the database refuses a target outside 2000–2100
LAST_YEAR: Final = 2100
MAX_TARGET: Final = Decimal("999999999999.99")  # Numeric(14, 2)
TREND_YEARS: Final = 5


class Group(StrEnum):
    """The plan's tasks, grouped as the yearly report's sheets are."""

    COMPETITION = "competition"
    SCIENCE_FAIR = "science_fair"
    EVENTS = "events"
    ACCELERATOR = "accelerator"


class Measure(StrEnum):
    COUNT = "count"
    HOURS = "hours"
    VND = "vnd"
    PEOPLE = "people"


class GapRule(StrEnum):
    # actual − target: negative when short of the target.
    DIFFERENCE = "difference"
    # The target is per cluster: the plan's figure × the number of clusters; the gap adds
    # up what each cluster lacks (a cluster's second festival makes up for no other's).
    PER_CLUSTER = "per_cluster"


@dataclass(frozen=True)
class Indicator:
    code: str
    group: Group
    label: object  # a lazy string
    measure: Measure = Measure.COUNT
    default: Decimal | None = None  # the plan's yearly target, when it gives one
    gap_rule: GapRule = GapRule.DIFFERENCE
    per_track: bool = False  # one target per track code (the qualifier)
    trend: bool = False  # drawn on the trends chart


CATALOGUE: Final[tuple[Indicator, ...]] = (
    Indicator("entries", Group.COMPETITION, _l("Entries submitted to the competition"), trend=True),
    Indicator(
        "entries_per_track", Group.COMPETITION, _l("Entries submitted per track"), per_track=True
    ),
    Indicator(
        "science_fair_projects",
        Group.SCIENCE_FAIR,
        _l("Science-fair projects that entered a cohort"),
        default=Decimal(5),
        trend=True,
    ),
    Indicator("experts", Group.ACCELERATOR, _l("Experts on the local panel"), Measure.PEOPLE),
    Indicator(
        "forums", Group.EVENTS, _l("Forums and workshops held"), default=Decimal(5), trend=True
    ),
    Indicator("trainings", Group.EVENTS, _l("Accelerator trainings held"), default=Decimal(1)),
    Indicator("cohort_teams", Group.ACCELERATOR, _l("Teams in a cohort"), trend=True),
    Indicator(
        "mentoring_hours",
        Group.ACCELERATOR,
        _l("Mentoring hours (confirmed sessions)"),
        Measure.HOURS,
        trend=True,
    ),
    Indicator("kpi_jobs", Group.ACCELERATOR, _l("Jobs created (latest reports)"), Measure.PEOPLE),
    Indicator("kpi_revenue", Group.ACCELERATOR, _l("Revenue (latest reports)"), Measure.VND),
    Indicator("kpi_funding", Group.ACCELERATOR, _l("Funding raised (latest reports)"), Measure.VND),
    Indicator(
        "festivals_province",
        Group.EVENTS,
        _l("Startup festivals held at province level"),
        default=Decimal(1),
        trend=True,
    ),
    Indicator(
        "festivals_cluster",
        Group.EVENTS,
        _l("Startup festivals held per cluster"),
        default=Decimal(1),
        gap_rule=GapRule.PER_CLUSTER,
    ),
    Indicator("festivals_local", Group.EVENTS, _l("Startup festivals held at local level")),
    Indicator("attendance", Group.EVENTS, _l("People who attended events"), Measure.PEOPLE),
)

BY_CODE: Final[Mapping[str, Indicator]] = {indicator.code: indicator for indicator in CATALOGUE}


def plan_order(code: str) -> int:
    return next(i for i, indicator in enumerate(CATALOGUE) if indicator.code == code)


@dataclass(frozen=True)
class Result:
    """One indicator (and qualifier) of one year: what was set against what the data shows.
    `target` is None when neither the admins nor the plan set one."""

    indicator: Indicator
    qualifier: str
    actual: Decimal
    target: Decimal | None
    target_is_default: bool
    gap: Decimal | None
    # For a per-cluster target: the number of clusters and the names of those short of it.
    clusters: int | None = None
    short_clusters: tuple[str, ...] = ()

    @property
    def met(self) -> bool | None:
        return None if self.gap is None else self.gap >= 0


def effective_target(
    indicator: Indicator, saved: Decimal | None, clusters: int | None = None
) -> tuple[Decimal | None, bool]:
    """The target in force and whether it is the plan's default; per cluster, the figure
    is multiplied by the number of clusters."""
    value, is_default = (saved, False) if saved is not None else (indicator.default, True)
    if value is None:
        return None, False
    if indicator.gap_rule is GapRule.PER_CLUSTER:
        value = value * (clusters or 0)
    return value, is_default


def result(
    indicator: Indicator,
    actual: Decimal | int,
    saved: Decimal | None,
    *,
    qualifier: str = "",
    per_cluster: Mapping[str, int] | None = None,
) -> Result:
    """The indicator's result. For a per-cluster target, `per_cluster` gives each cluster's
    count (clusters without any included, at 0)."""
    actual = Decimal(actual)
    if indicator.gap_rule is GapRule.PER_CLUSTER:
        counts = per_cluster or {}
        target, is_default = effective_target(indicator, saved, len(counts))
        if target is None:
            return Result(indicator, qualifier, actual, None, False, None, len(counts))
        each = target / len(counts) if counts else Decimal(0)
        short = tuple(name for name, n in counts.items() if n < each)
        lacking = sum((max(each - n, Decimal(0)) for n in counts.values()), Decimal(0))
        gap = -lacking
        return Result(indicator, qualifier, actual, target, is_default, gap, len(counts), short)
    target, is_default = effective_target(indicator, saved)
    gap = None if target is None else actual - target
    return Result(indicator, qualifier, actual, target, is_default, gap)


# --- reading a target typed in the form ---------------------------------------------------

# Plain digits with one decimal mark, or thousands grouped by dots (the first group does
# not start with 0) with an optional decimal comma.
_NUMBER: Final = re.compile(
    r"[+-]?(?:[0-9]+(?:[.,][0-9]+)?|[1-9][0-9]{0,2}(?:\.[0-9]{3})+(?:,[0-9]+)?)"
)
_THOUSANDS: Final = re.compile(r"[+-]?[1-9][0-9]{0,2}\.[0-9]{3}")


class TargetRefused(ValueError):
    """`reason`: not_a_number, negative, too_many_places, too_large."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_target(text: str) -> Decimal:
    """ "5", "2,5", "2.5", "1.200" and "1.200,5" (thousands dots, a decimal comma) are read;
    a negative, more than two decimals, a huge figure or anything else is refused."""
    candidate = text.strip().replace("\u00a0", "")
    if not _NUMBER.fullmatch(candidate):
        raise TargetRefused("not_a_number")
    if "," in candidate:
        candidate = candidate.replace(".", "").replace(",", ".")
    elif candidate.count(".") > 1 or _THOUSANDS.fullmatch(candidate):
        # "1.200" is a thousand two hundred, as the KPI figures are typed.
        candidate = candidate.replace(".", "")
    value = Decimal(candidate)
    if value < 0:
        raise TargetRefused("negative")
    if value != value.quantize(Decimal("0.01")):
        raise TargetRefused("too_many_places")
    if value > MAX_TARGET:
        raise TargetRefused("too_large")
    return value


def parse_year(text: str | None, default: int) -> int | None:
    """The year asked for, `default` when none is; None for anything but a year the
    programme can hold (2000–2100)."""
    if text is None or not text.strip():
        return default
    candidate = text.strip()
    if not candidate.isascii() or not candidate.isdigit() or len(candidate) != 4:
        return None
    year = int(candidate)
    return year if FIRST_YEAR <= year <= LAST_YEAR else None


def trend_years(year: int) -> list[int]:
    """The last TREND_YEARS years up to `year`, oldest first."""
    return [y for y in range(year - TREND_YEARS + 1, year + 1) if y >= FIRST_YEAR]
