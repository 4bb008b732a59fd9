"""The append-only audit log and the one helper every feature calls to write it.

Rows are never updated or deleted: the ORM refuses it here, and database triggers
(see the migration) refuse it for anyone who bypasses the ORM.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, String, event, insert
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from app.db import db, utcnow
from app.people.models import User


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str | None] = mapped_column(String(60))
    object_id: Mapped[str | None] = mapped_column(String(60))
    old: Mapped[dict | None] = mapped_column(JSON)
    new: Mapped[dict | None] = mapped_column(JSON)
    ip: Mapped[str | None] = mapped_column(String(45))

    actor: Mapped[User | None] = relationship()


class AuditLogIsAppendOnly(Exception):
    pass


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _context: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent):
            raise AuditLogIsAppendOnly("audit events cannot be changed or deleted")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def client_ip() -> str | None:
    return request.remote_addr if has_request_context() else None


def record_many(
    action: str, changes: list[tuple[Any, dict | None]], *, actor: User | None = None
) -> None:
    """One audit row per (object, new values) of `changes`, in one statement: what `record`
    writes, for the thousands of rows of an import. The objects must have their ids."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    if not changes:
        return
    ip, now = client_ip(), utcnow()
    db.session.execute(
        insert(AuditEvent),
        [
            {
                "at": now,
                "action": action,
                "actor_id": actor.id if actor is not None else None,
                "object_type": type(obj).__name__,
                "object_id": str(obj.id),
                "old": None,
                "new": _jsonable(new) if new is not None else None,
                "ip": ip,
            }
            for obj, new in changes
        ],
    )


def record(
    action: str,
    obj: Any = None,
    *,
    old: dict | None = None,
    new: dict | None = None,
    actor: User | None = None,
) -> AuditEvent:
    """Add an audit row to the current transaction: it is stored exactly when the
    change it describes is."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    if obj is not None and getattr(obj, "id", 0) is None:
        db.session.flush()  # the row needs its id before the log can name it
    event_row = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=str(obj.id) if obj is not None and getattr(obj, "id", None) else None,
        old=_jsonable(old) if old is not None else None,
        new=_jsonable(new) if new is not None else None,
        ip=client_ip(),
    )
    db.session.add(event_row)
    return event_row
