"""Loading the year's figures for the report workbook (accelerator.programme.workbook),
building it and auditing the export."""

from __future__ import annotations

from dataclasses import replace

from accelerator.programme import board, figures, workbook
from app import audit, spreadsheets
from app.localtime import local_today, wall_clock, wall_clock_now
from app.people.models import User
from app.units.models import Unit


def _summary(fig: figures.Figures) -> list[workbook.SummaryLine]:
    tracks = {code: name for code, name, _n in fig.by_track}
    lines = []
    for r in board.results(fig):
        note = ""
        if r.short_clusters:
            note = "Cụm chưa tổ chức: " + ", ".join(r.short_clusters)
        lines.append(
            workbook.SummaryLine(
                code=r.indicator.code,
                qualifier=tracks.get(r.qualifier, r.qualifier),
                target=r.target,
                actual=r.actual,
                gap=r.gap,
                met=r.met,
                note=note,
            )
        )
    return lines


def year_report(year: int, unit: Unit | None, actor: User) -> workbook.YearReport:
    fig = figures.load(year, unit)
    genders = [(code, fig.by_gender.get(code, 0)) for code in ("female", "male", "other")]
    genders.append((figures.NO_GENDER, fig.by_gender.get(figures.NO_GENDER, 0)))
    return workbook.YearReport(
        year=year,
        unit=unit.name if unit is not None else "",
        exported_at=wall_clock_now(),
        exported_by=f"{actor.full_name} <{actor.email}>",
        summary=_summary(fig),
        by_unit=[(name, n) for _id, name, n in fig.by_unit],
        by_track=fig.by_track,
        by_gender=genders,
        led_by_women=fig.led_by_women,
        by_level=[(vi, n) for vi, _en, n in fig.by_level],
        projects=fig.of_year(fig.projects),
        events=[replace(e, starts_at=wall_clock(e.starts_at)) for e in fig.of_year(fig.events)],
        cohort_teams=fig.of_year(fig.cohort_teams),
        hours=board.as_hours(fig.minutes[year]),
    )


def export_year(year: int, unit: Unit | None, actor: User) -> tuple[bytes, str]:
    """The workbook and its download name; the export is audited."""
    report = year_report(year, unit, actor)
    content = workbook.year_workbook(report)
    audit.record(
        "programme.report_export",
        unit,
        new={"year": year, "unit_id": unit.id if unit is not None else None},
        actor=actor,
    )
    name = spreadsheets.download_name(
        "Báo cáo chương trình", year, unit.name if unit else None, date=local_today()
    )
    return content, name
