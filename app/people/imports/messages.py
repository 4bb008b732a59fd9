"""The report of an import in the reader's language: why a file was refused as a whole,
and what is wrong with a row (the row number, the column letter and its header are shown
beside the message)."""

from __future__ import annotations

from flask_babel import gettext as _

from app.people.imports.extensions import extra_message
from app.spreadsheet_imports import Problem
from app.spreadsheet_messages import refusal_message

GENERIC_REFUSALS = ("too_large", "not_xlsx", "unsafe", "empty", "too_many_rows")


def file_message(reason: str) -> str:
    if reason in GENERIC_REFUSALS:
        return refusal_message(reason)
    return {
        "bad_header": _("The column headings are not those of the template: download the "
                        "template again and copy your rows into it."),
        "no_rows": _("The workbook has no filled-in rows: nothing to import."),
        "upload_gone": _("The previewed file is no longer available: upload it again."),
        "row_errors": _("The workbook no longer passes the checks (accounts or teams changed "
                        "since the preview). Nothing was imported."),
    }[reason]  # fmt: skip


def problem_message(problem: Problem) -> str:
    """The messages every people import shares; each import handles its own codes first."""
    value = problem.value or ""
    code = problem.code
    if code == "formula":
        return _("A formula (%(formula)s): type the value itself.", formula=value)
    if code == "missing":
        return _("Required: this cell is empty.")
    if code == "too_long":
        return _("Too long (%(n)d characters).", n=len(value))
    if code == "not_email":
        return _("“%(value)s” is not a valid email address.", value=value)
    if code == "not_date":
        return _("“%(value)s” is not a date: write it as dd/mm/yyyy, e.g. 15/03/2008.",
                 value=value)  # fmt: skip
    if code == "not_phone":
        return _("“%(value)s” is not a Vietnamese phone number (e.g. 0905 123 456).",
                 value=value)  # fmt: skip
    if code == "not_choice":
        return _("“%(value)s” is not one of the values of the drop-down list.", value=value)
    if code == "duplicate":
        return _("The same email as row %(row)d: one row per person.", row=problem.first_row)
    if code == "example_row":
        return _("This is the template's example row: replace it with a real person or "
                 "delete it.")  # fmt: skip
    if code == "name_differs":
        return _("An account with the email %(email)s already exists under another name "
                 "(%(name)s). Check the email; an account's name is never changed by an "
                 "import.", email=value, name=problem.detail or "")  # fmt: skip
    if code == "disabled":
        return _("The account %(email)s is disabled: an administrator must enable it "
                 "first.", email=value)  # fmt: skip
    if code == "unknown_unit":
        return _("No unit has the code or name “%(value)s”.", value=value)
    if code == "ambiguous_unit":
        return _("Several units are named “%(value)s”: write the unit's code instead.",
                 value=value)  # fmt: skip
    text = extra_message(problem)  # the codes of the columns a feature adds
    if text is None:
        raise KeyError(code)
    return text
