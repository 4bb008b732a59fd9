"""Form fields and validators shared by every feature."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from flask import flash
from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, SelectChoice, ValidationError
from wtforms.validators import Email, Length

from app.auth.passwords import password_problem


class _CatalogTranslations:
    """WTForms asks for its messages here: answered from our catalog, unformatted
    (WTForms fills in the values itself)."""

    def gettext(self, string: str) -> str:
        return get_translations().gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ngettext(singular, plural, n)


class Form(FlaskForm):
    """The base of every form: WTForms' own messages in the reader's language."""

    class Meta:
        def get_translations(self, form: object) -> _CatalogTranslations:
            return _CatalogTranslations()


PHONE_RE = re.compile(r"^(\+84|0)\d{8,10}$")

PASSWORD_MESSAGES = {
    "too_short": _l("The password must have at least 8 characters."),
    "too_long": _l("The password must have at most 256 characters."),
    "common": _l("This password is too common and easy to guess. Choose another one."),
    "personal": _l("The password must not be your email address or your name."),
}


def email_validators() -> list:
    return [Email(message=_l("Enter a valid email address.")), Length(max=254)]


def check_phone(_form: object, field: Field) -> None:
    if field.data:
        digits = re.sub(r"[\s.\-()]", "", field.data)
        if not PHONE_RE.match(digits):
            raise ValidationError(_l("Enter a Vietnamese phone number, e.g. 0905 123 456."))
        field.data = digits


def check_new_password(form: object, field: Field) -> None:
    email = getattr(getattr(form, "email", None), "data", "") or getattr(form, "_email", "")
    name = getattr(getattr(form, "full_name", None), "data", "") or ""
    problem = password_problem(field.data or "", email=email or "", name=name)
    if problem:
        raise ValidationError(PASSWORD_MESSAGES[problem])


def choices(pairs: list[tuple[object, object]]) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def with_none(options: list[SelectChoice]) -> list[SelectChoice]:
    """The options with an empty first choice (value 0)."""
    return [SelectChoice(0, "—"), *options]


def show_reasons(
    reasons: Iterable[str],
    messages: Mapping[str, tuple[str | None, object]],
    form: FlaskForm | None = None,
) -> None:
    """Each refusal reason's message beside its field when the form has that field
    (`messages`: reason → (field name or None, message)), otherwise flashed on top."""
    for reason in reasons:
        field_name, text = messages[reason]
        field = form._fields.get(field_name) if form is not None and field_name else None
        if field is not None:
            field.errors = [*field.errors, str(text)]
        else:
            flash(str(text), "danger")
