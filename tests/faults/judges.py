"""Judges saving score sheets over real HTTP, from threads, the way a browser would: open
the sheet, post the form, and when no answer comes (the worker died) or the answer is a
503 (the database is away), post the same form again until the save is acknowledged.

Each judge records what it saw: the acknowledged saves, the posts that got no answer, the
503 pages (each checked to be the "try again" page), and anything else unexpected."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from email.message import Message
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from flask import Flask

from load.judging_round import World
from tests.faults.judging_world import PASSWORD, Ack, seed_round
from tests.faults.live_server import LiveServer, gunicorn, wait_for

RETRY_PAUSE = 0.05  # between two tries, as a client that retries at once
ANSWER_TIMEOUT = 60  # seconds, as a browser waits; far longer than any save takes
SAVE_DEADLINE = 30  # seconds one save may take, retries included, before it is a problem
UNAVAILABLE_MARK = 'data-error="database-unavailable"'
# The notice after a save: "Draft saved" (success) or "were already saved" (info).
FLASH = 'class="alert alert-{}" role="alert"'


class NoAnswer(Exception):
    pass


class Stopped(Exception):
    pass


@dataclass
class Answer:
    status: int
    headers: Message
    text: str


class Browser:
    """One judge's browser: its cookies, a new connection per request (sync workers)."""

    def __init__(self, port: int, judge: str) -> None:
        self.port = port
        self.judge = judge
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> Answer:
        headers = {"X-Judge": self.judge}  # read only by the test's gunicorn traps
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=ANSWER_TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as error:
            raise NoAnswer(f"{type(error).__name__}: {error}") from error
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value and "1970" not in morsel["expires"]:
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return Answer(response.status, response.headers, text)


class Inputs(HTMLParser):
    """A form's inputs: name -> value, and the maximum of each score input."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.maxima: dict[str, Decimal] = {}
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        name = attributes.get("name")
        if tag == "input" and name:
            self.values[name] = attributes.get("value") or ""
            if attributes.get("data-max"):
                self.maxima[name] = Decimal(attributes["data-max"])


def unavailable_page_problems(answer: Answer) -> list[str]:
    """What is wrong with a 503: it must be the "try again" page with a Retry-After."""
    problems = []
    retry_after = answer.headers.get("Retry-After", "")
    if not (retry_after.isdigit() and int(retry_after) > 0):
        problems.append(f"503 with Retry-After {retry_after!r}")
    if UNAVAILABLE_MARK not in answer.text or "Traceback" in answer.text:
        problems.append(f"503 that is not the unavailable page: {answer.text[:300]!r}")
    return problems


def scores_for(maxima: dict[str, Decimal], n: int) -> dict[str, Decimal]:
    """The n-th save of a sheet: n written in mixed radix over the criteria, in steps of
    0.5, so that no two saves of one sheet ask for the same values."""
    values = {}
    for name in sorted(maxima):
        base = int(maxima[name] * 2) + 1
        values[name] = Decimal(n % base) / 2
        n //= base
    return values


@dataclass
class SavingJudge:
    port: int
    email: str
    round_entries: list[int]
    stop: threading.Event
    acks: list[Ack] = field(default_factory=list)
    no_answers: list[str] = field(default_factory=list)  # "METHOD path: error"
    unavailable: list[str] = field(default_factory=list)  # "METHOD path" of each valid 503
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.browser = Browser(self.port, self.email)
        self.saves = dict.fromkeys(self.round_entries, 0)
        self.thread = threading.Thread(target=self._run, name=self.email, daemon=True)

    def _answer(self, method: str, path: str, form: dict | None, *, until_stop: bool) -> Answer:
        """The first answer that is not a 503 or a lost connection, trying again meanwhile."""
        deadline = time.monotonic() + SAVE_DEADLINE
        while True:
            if until_stop and self.stop.is_set():
                raise Stopped
            if time.monotonic() > deadline:
                raise AssertionError(f"{method} {path}: no answer but 503s for too long")
            try:
                answer = self.browser.request(method, path, form)
            except NoAnswer as error:
                self.no_answers.append(f"{method} {path}: {error}")
            else:
                if answer.status != 503:
                    return answer
                self.unavailable.append(f"{method} {path}")
                self.problems += unavailable_page_problems(answer)
            time.sleep(RETRY_PAUSE)

    def sign_in(self) -> None:
        page = self._answer("GET", "/auth/login", None, until_stop=False)
        form = {
            "csrf_token": Inputs(page.text).values.get("csrf_token", ""),
            "email": self.email,
            "password": PASSWORD,
        }
        answer = self._answer("POST", "/auth/login", form, until_stop=False)
        if answer.status != 302:
            self.problems.append(f"{self.email} could not sign in: {answer.status}")

    def save_once(self, round_entry_id: int) -> None:
        path = f"/judging/sheets/{round_entry_id}"
        page = self._answer("GET", path, None, until_stop=True)
        if page.status != 200:
            raise AssertionError(f"GET {path} answered {page.status}")
        form = Inputs(page.text)
        self.saves[round_entry_id] += 1
        values = scores_for(form.maxima, self.saves[round_entry_id])
        data = {
            "csrf_token": form.values.get("csrf_token", ""),
            "lock_version": form.values.get("lock_version", "0"),
            "comment_for_team": "",
            "private_note": "",
            "save": "1",
            **{name: f"{value:f}" for name, value in values.items()},
        }
        posts_before = len(self.no_answers) + len(self.unavailable)
        # Once posted, a save is seen through even when the test asks to stop: an
        # unacknowledged save may be stored, and its retry is what acknowledges it.
        answer = self._answer("POST", path, data, until_stop=False)
        if answer.status != 302:
            raise AssertionError(f"POST {path} answered {answer.status}: {answer.text[:200]!r}")
        attempts = 1 + len(self.no_answers) + len(self.unavailable) - posts_before
        shown = self._answer(
            "GET", urlsplit(answer.headers["Location"]).path, None, until_stop=False
        )
        saved, unchanged = (FLASH.format(kind) in shown.text for kind in ("success", "info"))
        if saved and unchanged:
            raise AssertionError(f"POST {path}: the page after it says both saved and unchanged")
        # The redirect is the acknowledgement: it is sent once the save is committed. Its
        # notice travels in the session and can be lost when the database goes away while
        # the next page is served (that page then answers 503 and is loaded again).
        self.acks.append(
            Ack(
                judge=self.email,
                round_entry_id=round_entry_id,
                values={name.removeprefix("score_"): f"{v:f}" for name, v in values.items()},
                attempts=attempts,
                unchanged=unchanged,
            )
        )

    def _run(self) -> None:
        try:
            n = 0
            while not self.stop.is_set():
                self.save_once(self.round_entries[n % len(self.round_entries)])
                n += 1
        except Stopped:
            pass
        except Exception as error:  # reported by the test, not lost in the thread
            self.problems.append(f"{self.email}: {type(error).__name__}: {error}")


class Crowd:
    """The judges, signed in, saving from their threads until `stop()`."""

    def __init__(self, port: int, judges: list[str], round_entries: list[int]) -> None:
        self.stopping = threading.Event()
        self.judges = [SavingJudge(port, email, round_entries, self.stopping) for email in judges]

    def start(self) -> None:
        """Sign every judge in (at once: argon2 at production cost), then start saving."""
        signing_in = [threading.Thread(target=judge.sign_in) for judge in self.judges]
        for thread in signing_in:
            thread.start()
        for thread in signing_in:
            thread.join()
        assert self.problems() == []
        for judge in self.judges:
            judge.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        for judge in self.judges:
            judge.thread.join(timeout=SAVE_DEADLINE + ANSWER_TIMEOUT)

    def acks(self) -> list[Ack]:
        return [ack for judge in self.judges for ack in judge.acks]

    def ack_counts(self) -> list[int]:
        return [len(judge.acks) for judge in self.judges]

    def each_saved(self, since: list[int], more: int) -> bool:
        stopped = [
            p for judge in self.judges if not judge.thread.is_alive() for p in judge.problems
        ]
        if stopped:  # a judge gave up: say why rather than wait for saves that cannot come
            raise AssertionError(f"a judge stopped saving: {stopped}")
        return all(now >= then + more for now, then in zip(self.ack_counts(), since, strict=True))

    def problems(self) -> list[str]:
        found = [p for judge in self.judges for p in judge.problems]
        found += [f"{j.email} still saving" for j in self.judges if j.thread.is_alive()]
        return found

    def no_answers(self) -> list[str]:
        return [x for judge in self.judges for x in judge.no_answers]

    def unavailable(self) -> list[str]:
        return [x for judge in self.judges for x in judge.unavailable]


@contextmanager
def judges_saving(
    app: Flask, folder: Path, judges: int, workers: int
) -> Iterator[tuple[World, LiveServer, Crowd]]:
    """`judges` judges of a round of three entries saving on gunicorn (`workers` workers) on
    the app's database, each with a first save acknowledged; the judges are stopped, then
    gunicorn, when the block ends."""
    world = seed_round(app, judges=judges, entries=3)
    with gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], folder, workers=workers) as server:
        crowd = Crowd(server.port, world.judges, world.round_entries)
        crowd.start()
        try:
            wait_for("every judge's first save", lambda: crowd.each_saved([0] * judges, 1))
            yield world, server, crowd
        finally:
            crowd.stop()
