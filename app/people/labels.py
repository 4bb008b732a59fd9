"""Names of roles as people read them."""

from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "organizer": _l("Organizer"),
    "judge": _l("Judge"),
    "mentor": _l("Mentor"),
    "participant": _l("Participant"),
}


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))
