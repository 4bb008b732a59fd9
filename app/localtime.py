"""Time on screen: the database keeps UTC, people read Asia/Ho_Chi_Minh."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def local_now() -> datetime:
    return datetime.now(LOCAL_TZ)


def local_today() -> date:
    return local_now().date()


def to_local(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LOCAL_TZ)


def wall_clock(value: datetime | None) -> datetime | None:
    """A moment as the time on a clock in Việt Nam, to the second and without its zone: what
    a spreadsheet cell can hold (Excel knows no time zones)."""
    return None if value is None else to_local(value).replace(tzinfo=None, microsecond=0)


def wall_clock_now() -> datetime:
    """Now, as wall_clock gives it, to the minute (an export's "exported at")."""
    return local_now().replace(tzinfo=None, second=0, microsecond=0)


def local_to_utc(value: datetime) -> datetime:
    """A wall-clock time typed in the province, as an aware UTC datetime."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=LOCAL_TZ)
    return value.astimezone(UTC)


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value)
    return value.strftime("%d/%m/%Y")


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return to_local(value).strftime("%d/%m/%Y %H:%M")
