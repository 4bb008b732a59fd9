"""How values look on screen: dd/mm/yyyy, local time, decimal comma in Vietnamese."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.numbers import format_decimal
from flask import Flask
from flask_babel import get_locale

from app.localtime import format_date, format_datetime


def format_number(value: Decimal | float | int | None, places: int = 2) -> str:
    """8.5 → "8,5" in Vietnamese, "8.5" in English; trailing zeros dropped."""
    if value is None:
        return ""
    pattern = "#,##0." + "#" * places if places else "#,##0"
    return format_decimal(value, format=pattern, locale=get_locale())


def init_formatting(app: Flask) -> None:
    @app.template_filter("date")
    def date_filter(value: date | datetime | None) -> str:
        return format_date(value)

    @app.template_filter("datetime")
    def datetime_filter(value: datetime | None) -> str:
        return format_datetime(value)

    app.add_template_filter(format_number, "number")
