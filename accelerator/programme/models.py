"""Yearly targets of the programme, set by admins; what the data shows against them is
computed (accelerator.programme.indicators), never stored."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import db, utcnow


class ProgrammeTarget(db.Model):
    """One indicator's target for one year; `qualifier` narrows it (a track's code for
    "entries per track"), empty otherwise."""

    __tablename__ = "programme_targets"
    __table_args__ = (
        UniqueConstraint("year", "indicator", "qualifier"),
        CheckConstraint("value >= 0", name="value"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    indicator: Mapped[str] = mapped_column(String(40))
    qualifier: Mapped[str] = mapped_column(String(40), default="")
    value: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
