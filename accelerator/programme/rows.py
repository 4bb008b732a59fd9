"""The rows of the year the dashboard lists and the workbook prints: plain data, so the
workbook builder (accelerator.programme.workbook) stays free of the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class ProjectRow:
    year: int
    title: str
    team: str
    school: str
    cohort: str


@dataclass(frozen=True)
class EventRow:
    year: int
    title: str
    kind: str
    level: str
    starts_at: datetime
    organizer: str
    organizer_path: str
    registered: int
    attended: int


@dataclass(frozen=True)
class CohortTeamRow:
    cohort_team_id: int
    year: int
    team: str
    cohort: str
    unit: str
    minutes: int = 0
    kpi_period: date | None = None
    jobs: int = 0
    revenue_vnd: Decimal = Decimal(0)
    funding_vnd: Decimal = Decimal(0)
    customers: int = 0
