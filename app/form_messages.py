"""WTForms' own messages, in our catalog.

WTForms ships no Vietnamese translation, so its validators' messages ("This field is
required.") would show in English on Vietnamese pages. They are listed here so that
extraction puts them in our catalog, and `Form` (app.forms_common) reads them from it.
"""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _n

WTFORMS_MESSAGES = (
    _l("Field must be equal to %(other_name)s."),
    _n("Field must be at least %(min)d character long.",
       "Field must be at least %(min)d characters long.", 1),
    _n("Field cannot be longer than %(max)d character.",
       "Field cannot be longer than %(max)d characters.", 1),
    _n("Field must be exactly %(max)d character long.",
       "Field must be exactly %(max)d characters long.", 1),
    _l("Field must be between %(min)d and %(max)d characters long."),
    _l("Number must be at least %(min)s."),
    _l("Number must be at most %(max)s."),
    _l("Number must be between %(min)s and %(max)s."),
    _l("Date must be at least %(min)s."),
    _l("Date must be at most %(max)s."),
    _l("Date must be between %(min)s and %(max)s."),
    _l("This field is required."),
    _l("Invalid input."),
    _l("Invalid email address."),
    _l("Invalid URL."),
    _l("Invalid value, must be one of: %(values)s."),
    _l("Invalid value, can't be any of: %(values)s."),
    _l("This field cannot be edited."),
    _l("This field is disabled and cannot have a value."),
    _l("Invalid CSRF Token."),
    _l("CSRF token missing."),
    _l("CSRF failed."),
    _l("CSRF token expired."),
    _l("Invalid Choice: could not coerce."),
    _l("Not a valid choice."),
    _l("Invalid choice(s): one or more data inputs could not be coerced."),
    _n("'%(value)s' is not a valid choice for this field.",
       "'%(value)s' are not valid choices for this field.", 1),
    _l("Not a valid datetime value."),
    _l("Not a valid date value."),
    _l("Not a valid time value."),
    _l("Not a valid integer value."),
    _l("Not a valid decimal value."),
    _l("Not a valid float value."),
)  # fmt: skip
