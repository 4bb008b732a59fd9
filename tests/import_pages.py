"""Driving an import page as a browser does: upload a workbook, read the per-row report and
the whole-file refusal, confirm the preview (the expert import and the team import)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from flask.testing import FlaskClient

from tests.helpers import csrf_token, post_form

# Who may use an import page: organizers and admins; others are refused, anonymous to login.
ROLES = ("anonymous", "participant", "judge", "organizer", "admin")
LOGIN = "login"
ALLOWED = dict(zip(ROLES, (LOGIN, 403, 403, 200, 200), strict=True))

REPORT_ROW = re.compile(r'data-row="(\d+)" data-reason="(\w+)" data-column="(\w*)"')
UPLOAD_ID = re.compile(r'name="upload_id" type="hidden" value="(\d+)"')
FILE_PROBLEM = re.compile(r'id="file-problem" data-reason="(\w+)"')


@dataclass(frozen=True)
class ImportPage:
    page: str
    apply: str
    file_name: str

    def upload(self, client: FlaskClient, data: bytes, name: str | None = None):  # noqa: ANN201
        return post_form(
            client,
            self.page,
            {"workbook": (io.BytesIO(data), name or self.file_name)},
            content_type="multipart/form-data",
        )

    def confirm(self, client: FlaskClient, preview):  # noqa: ANN001, ANN201
        match = UPLOAD_ID.search(preview.get_data(as_text=True))
        assert match, "the preview offers no confirmation"
        token = csrf_token(client, self.page)
        return client.post(self.apply, data={"csrf_token": token, "upload_id": match.group(1)})


def problems_of(html: str) -> list[tuple[int, str, str]]:
    """(row, reason, column letter) of every row problem the report lists."""
    return [(int(n), reason, column) for n, reason, column in REPORT_ROW.findall(html)]


def problems(response) -> list[tuple[int, str, str]]:  # noqa: ANN001
    assert response.status_code == 200
    return problems_of(response.get_data(as_text=True))


def file_problem(response) -> str | None:  # noqa: ANN001
    match = FILE_PROBLEM.search(response.get_data(as_text=True))
    return match.group(1) if match else None
