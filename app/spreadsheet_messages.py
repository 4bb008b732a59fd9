"""Why an uploaded workbook was refused as a whole, in the reader's language (the reasons
of app.spreadsheets.WorkbookRefused)."""

from flask_babel import gettext as _

from app import spreadsheets


def refusal_message(reason: str) -> str:
    mb = spreadsheets.MAX_FILE_BYTES // (1024 * 1024)
    return {
        "too_large": _("The file is larger than %(mb)d MB.", mb=mb),
        "not_xlsx": _("This is not an Excel workbook (.xlsx). Save it as .xlsx (Excel "
                      "Workbook) and upload it again."),
        "unsafe": _("The workbook was refused: its content would expand far beyond its size "
                    "or holds XML that is not allowed. Save it again from Excel as a plain "
                    ".xlsx."),
        "empty": _("The workbook is empty. Download the template and fill it in."),
        "too_many_rows": _("The workbook has more than %(n)d rows.", n=spreadsheets.MAX_ROWS),
    }[reason]  # fmt: skip
