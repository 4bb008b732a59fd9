"""What the dashboard shows: the figures and results of the year turned into cards, tables and
server-drawn SVG charts in the reader's language and number marks."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from accelerator.programme import board, charts, figures
from accelerator.programme.indicators import BY_CODE, Measure, Result
from accelerator.progress import charts as base_charts
from accelerator.progress.dashboard import number_style
from app.db import db
from app.people.models import User
from app.units.models import Unit

GENDERS = ("female", "male", "other", figures.NO_GENDER)


def gender_label(code: str) -> str:
    return {
        "female": _("Women"),
        "male": _("Men"),
        "other": _("Other"),
        figures.NO_GENDER: _("Not given"),
    }[code]


def label(item: Result, tracks: dict[str, str]) -> str:
    text = str(item.indicator.label)
    if item.qualifier:
        text = f"{text} — {tracks.get(item.qualifier, item.qualifier)}"
    return text


def places(measure: Measure) -> int:
    return 2 if measure is Measure.HOURS else 0


@dataclass
class Board:
    year: int
    unit: Unit | None
    fig: figures.Figures
    results: list[Result]
    tracks: dict[str, str]
    trends: dict[str, list[Decimal]]
    units: list[Unit]  # the filters the reader may choose
    target_chart: Markup
    unit_chart: Markup
    trend_chart: Markup
    hours_chart: Markup

    def label(self, item: Result) -> str:
        return label(item, self.tracks)

    @property
    def genders(self) -> list[tuple[str, str, int]]:
        return [(c, gender_label(c), self.fig.by_gender.get(c, 0)) for c in GENDERS]

    @property
    def events(self) -> list[figures.EventRow]:
        return self.fig.of_year(self.fig.events)

    @property
    def projects(self) -> list[figures.ProjectRow]:
        return self.fig.of_year(self.fig.projects)

    @property
    def cohort_teams(self) -> list[figures.CohortTeamRow]:
        return self.fig.of_year(self.fig.cohort_teams)

    @property
    def per_cluster(self) -> dict[str, int]:
        return board.festivals_per_cluster(self.fig)


def unit_choices(user: User, unit: Unit | None) -> list[Unit]:
    """The reader's own units (admins: the top of the tree), the chosen unit's ancestors the
    reader may see, and the chosen unit; drilling down goes through the entries table."""
    if user.is_admin:
        own = list(db.session.scalars(select(Unit).where(Unit.parent_id.is_(None))))
    else:
        own = user.organizer_units()
    chain = [u for u in (unit.ancestors() if unit else []) if user.organizes(u)]
    seen: dict[int, Unit] = {}
    for item in [*own, *chain, *([unit] if unit else [])]:
        seen.setdefault(item.id, item)
    return sorted(seen.values(), key=lambda u: (len(u.path), u.name_folded))


def _charts(fig: figures.Figures, results: list[Result], trends: dict, tracks: dict) -> tuple:
    style = number_style()
    pairs = [
        charts.Pair(label(r, tracks), r.target, r.actual, r.met)
        for r in results
        if r.target is not None and r.indicator.measure is Measure.COUNT
    ]
    target_chart = charts.target_chart(
        chart_id="targets-chart",
        title=_("Targets and actual figures, %(year)d", year=fig.year),
        description=_("Each indicator's target beside the figure the data shows."),
        pairs=pairs,
        target_word=_("Target"),
        actual_word=_("Actual"),
        style=style,
    )
    unit_chart = base_charts.bar_chart(
        chart_id="units-chart",
        title=_("Entries per unit, %(year)d", year=fig.year),
        description=_("Entries submitted, grouped by the units just below the filter."),
        labels=[name or _("No unit") for _id, name, _n in fig.by_unit],
        values=[n for _id, _name, n in fig.by_unit],
        x_label=_("Entries"),
        style=style,
    )
    years = [str(year) for year in fig.years]
    trend_chart = base_charts.line_chart(
        chart_id="trends-chart",
        title=_("Key indicators over the last years"),
        description=_("Entries, science-fair projects, forums, festivals and cohort teams."),
        x_labels=years,
        series=[
            base_charts.Series(str(BY_CODE[code].label), trends[code]) for code in board.TREND_CODES
        ],
        y_label=_("Number"),
        style=style,
    )
    hours_chart = base_charts.line_chart(
        chart_id="hours-chart",
        title=_("Mentoring hours over the last years"),
        description=_("Hours of confirmed mentoring sessions, per year."),
        x_labels=years,
        series=[base_charts.Series(_("Hours"), trends["mentoring_hours"])],
        y_label=_("Hours"),
        style=style,
    )
    # The chart builders escape every text they place in the markup.
    drawn = (target_chart, unit_chart, trend_chart, hours_chart)
    return tuple(Markup(chart) for chart in drawn)  # noqa: S704  # nosec B704


def dashboard(year: int, unit: Unit | None, user: User) -> Board:
    fig = figures.load(year, unit)
    results = board.results(fig)
    tracks = {code: name for code, name, _n in fig.by_track}
    trends = board.trends(fig)
    drawn = _charts(fig, results, trends, tracks)
    return Board(year, unit, fig, results, tracks, trends, unit_choices(user, unit), *drawn)
