"""Real-browser journeys: the app served over HTTP by werkzeug in a thread, driven by
Debian's Chromium through Playwright (its own browser download cannot work here).

Each test gets a fresh SQLite file migrated with Flask-Migrate, an upload folder of its own
and mail through the loopback SMTP server of tests/smtp.py. The journeys run only when
asked for (`pytest tests/e2e`, i.e. `make test-e2e`): a plain `pytest` leaves them out, so
the unit suite does not need a browser.

Every step is photographed to test-artifacts/e2e/<test>/<nn>-<step>.png; a failing step
says which page it was on and what the page said.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.factories import DEFAULT_PASSWORD
from tests.smtp import SMTPServer

E2E_DIR = Path(__file__).resolve().parent
ARTEFACTS = E2E_DIR.parents[1] / "test-artifacts" / "e2e"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# What a page tells the person: flashes and field errors (else its heading, on error pages).
MESSAGES = ".alert, .invalid-feedback"


def _asked_for(config: pytest.Config) -> bool:
    """True when a command-line argument names this folder or something inside it."""
    base = config.invocation_params.dir
    for arg in config.args:
        target = (base / arg.split("::")[0]).resolve()
        if target == E2E_DIR or E2E_DIR in target.parents:
            return True
    return False


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if not _asked_for(config):
        return True
    return None


# --- the server ---------------------------------------------------------------------------


@dataclass
class LiveServer:
    app: Flask
    url: str

    def setup(self, build: Callable[[], object]) -> object:
        """Run `build` (factories, worlds) in an app context and commit what it made: the
        accounts and competitions the journey does not itself create."""
        from app.db import db

        with self.app.app_context():
            made = build()
            db.session.commit()
            return made

    def query(self, read: Callable[[], object]) -> object:
        """Read the database as it is now (a check after the browser did its work)."""
        from app.db import db

        with self.app.app_context():
            try:
                return read()
            finally:
                db.session.rollback()


@pytest.fixture()
def live_server(smtp_server: SMTPServer) -> Iterator[LiveServer]:
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from app import create_app
    from app.db import db

    folder = Path(tempfile.mkdtemp(prefix="sprout-e2e-"))
    uploads = folder / "uploads"
    uploads.mkdir()
    # The port is known only once the socket is bound; SITE_URL is set right after, before
    # the first request, so links in emails point at this server.
    app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'e2e.sqlite3'}",
            "MAIL_PORT": smtp_server.port,
            "UPLOAD_DIR": str(uploads),
        },
    )
    with app.app_context():
        upgrade(directory=str(Path(app.root_path).parent / "migrations"))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["SITE_URL"] = url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    smtp_server.mailbox.clear()
    try:
        yield LiveServer(app=app, url=url)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)


# --- the browser --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():  # noqa: ANN201
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def new_context(browser, live_server: LiveServer):  # noqa: ANN001, ANN201
    """`new_context(**options)` opens a fresh browser context (its own cookies: another
    person at another device), Vietnamese, pointed at the live server."""
    contexts = []

    def open_context(**options: object):  # noqa: ANN202
        context = browser.new_context(
            base_url=live_server.url, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", **options
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()


@pytest.fixture()
def page(new_context):  # noqa: ANN001, ANN201
    return new_context().new_page()


# --- steps --------------------------------------------------------------------------------


class StepFailed(AssertionError):
    pass


@dataclass
class Steps:
    """Numbered steps of one journey, each photographed; a failure names the step, the
    page it was on, the HTTP status of that page and the messages the page showed."""

    folder: Path
    number: int = 0

    @contextmanager
    def __call__(self, name: str, page) -> Iterator[object]:  # noqa: ANN001
        self.number += 1
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        shot = self.folder / f"{self.number:02d}-{slug}.png"
        statuses: list[int] = []

        def on_response(response) -> None:  # noqa: ANN001
            if response.request.is_navigation_request() and response.frame == page.main_frame:
                statuses.append(response.status)

        page.on("response", on_response)
        try:
            yield page
            if statuses and statuses[-1] >= 400:
                raise AssertionError(f"the page answered HTTP {statuses[-1]}")
        except Exception as error:
            self._photograph(page, shot.with_name(shot.stem + "-FAILED.png"))
            raise StepFailed(
                f"step {self.number} {name!r} failed on {page.url}"
                f" (HTTP {statuses[-1] if statuses else '-'}).\n"
                f"The page said: {self._visible_messages(page)}\n"
                f"{type(error).__name__}: {error}"
            ) from error
        finally:
            page.remove_listener("response", on_response)
        self._photograph(page, shot)

    @staticmethod
    def _photograph(page, path: Path) -> None:  # noqa: ANN001
        # A failed photo must not hide the failure it was taken for.
        with suppress(Exception):
            page.screenshot(path=str(path), full_page=True)

    @staticmethod
    def _visible_messages(page) -> str:  # noqa: ANN001
        try:
            texts = [t.strip() for t in page.locator(MESSAGES).all_inner_texts() if t.strip()]
            if not texts:
                texts = [t.strip() for t in page.locator("h1").all_inner_texts() if t.strip()]
            return " | ".join(texts) or "(no message)"
        except Exception:  # noqa: BLE001 - the page may be gone
            return "(page unreadable)"


@pytest.fixture()
def steps(request: pytest.FixtureRequest) -> Steps:
    folder = ARTEFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return Steps(folder=folder)


@pytest.fixture()
def sign_in(steps: Steps) -> Callable[..., None]:
    """`sign_in(page, email, who=...)`: the login page, as a person fills it in."""

    def sign_in_with(  # noqa: ANN202
        page,  # noqa: ANN001
        email: str,
        password: str = DEFAULT_PASSWORD,
        who: str = "",
    ):
        with steps(f"sign in as {who or email}", page):
            page.goto("/auth/login")
            page.fill("[name=email]", email)
            page.fill("[name=password]", password)
            page.locator("main form [type=submit]").click()
            expect(page).to_have_url(re.compile(r"/dashboard$"))

    return sign_in_with
