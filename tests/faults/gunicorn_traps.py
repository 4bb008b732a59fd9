"""gunicorn settings file (`-c`) for the fault tests: traps that hold a score-sheet save at
a chosen moment, so that a test can kill the worker exactly there.

A test arms a trap by creating the file `<SPROUT_FAULT_TRAPS>/<point>`; the first sheet save
to reach that point takes the file (an atomic rename, so only one save is caught), writes
`caught-<pid>.json` (its worker, point, path, judge and values) and waits to be killed.
Points: "before-commit" (the save is flushed, its COMMIT not sent) and "after-commit" (the
COMMIT is done, the answer not sent). With no trap armed, nothing changes.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

TRAPS = Path(os.environ["SPROUT_FAULT_TRAPS"])
HOLD_SECONDS = 60  # longer than any test waits: the test kills the worker first


def _spring(point: str) -> None:
    from flask import has_request_context, request

    if not has_request_context() or request.method != "POST":
        return
    if not request.path.startswith("/judging/sheets/"):
        return
    held = TRAPS / f"held-{os.getpid()}"
    try:
        os.rename(TRAPS / point, held)
    except FileNotFoundError:
        return  # not armed, or another save took it
    caught = {
        "pid": os.getpid(),
        "point": point,
        "path": request.path,
        "judge": request.headers.get("X-Judge", ""),
        "values": {k: v for k, v in request.form.items() if k.startswith("score_")},
    }
    partial = TRAPS / f"caught-{os.getpid()}.part"
    partial.write_text(json.dumps(caught))
    partial.rename(TRAPS / f"caught-{os.getpid()}.json")
    time.sleep(HOLD_SECONDS)


def post_worker_init(worker) -> None:  # noqa: ANN001 — gunicorn's hook signature
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from app.db import db

    with worker.wsgi.app_context():
        engine = db.engine
    # The engine's "commit" runs before the COMMIT is sent, the session's after it (and
    # after a savepoint's release too: those are not the save's commit).
    event.listen(engine, "commit", lambda _connection: _spring("before-commit"))

    def after_commit(session: Session) -> None:
        if not session.in_nested_transaction():
            _spring("after-commit")

    event.listen(Session, "after_commit", after_commit)
