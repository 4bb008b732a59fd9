"""Every model of the core, imported in one place so the metadata is complete."""

from app.audit import AuditEvent
from app.auth.models import AccountToken, LoginFailure, TokenPurpose, UserSession
from app.mail.outbox import OutboxMessage
from app.people.models import ExpertiseTag, Role, RoleGrant, User
from app.storage import StoredFile
from app.units.models import Unit, UnitLevel

__all__ = [
    "AccountToken",
    "AuditEvent",
    "ExpertiseTag",
    "LoginFailure",
    "OutboxMessage",
    "Role",
    "StoredFile",
    "RoleGrant",
    "TokenPurpose",
    "Unit",
    "UnitLevel",
    "User",
    "UserSession",
]
