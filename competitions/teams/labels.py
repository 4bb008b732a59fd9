"""How a member's recorded details read on screen and in exports."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from competitions.models import Gender

GENDER_LABELS = {
    Gender.FEMALE: _l("Female"),
    Gender.MALE: _l("Male"),
    Gender.OTHER: _l("Other"),
}
