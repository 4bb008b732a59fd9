"""Locust users for load/run.py: judges scoring on festival day, and a bare endpoint.

A Judge signs in with one of the generated accounts (the CSRF token read from the login page),
opens the dashboard, then again and again opens one of the sheets the dashboard links to and
saves scores — typed with a decimal comma half of the time, as Vietnamese judges do — pausing
2–8 s like a person reading a deck. Each save the server acknowledges (the redirect after the
POST) is appended to LOAD_ACK_FILE: judge, entry, values, for run.py to find in the database.

A Bare user asks for the public home page, which reads nothing from the database (/healthz
runs a query), to measure what the server costs without the app's work, in the same run.

FastHttpUser (geventhttpclient) rather than requests: the load generator shares the machine's
cores with the server it measures, and costs several times less CPU per request.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from decimal import Decimal
from html.parser import HTMLParser

from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser

SAVE, BARE = "save sheet", "bare: home page"
SETUP = json.loads(open(os.environ["LOAD_JUDGES_FILE"], encoding="utf-8").read())  # noqa: SIM115
ACCOUNTS = itertools.cycle(SETUP["emails"])
ACK_FILE = open(os.environ["LOAD_ACK_FILE"], "a", encoding="utf-8")  # noqa: SIM115
BARE_USERS = 5  # run.py adds them to the judges
RNG = random.Random()  # noqa: S311 — what judges type, not secrets
JUDGE_USERS = int(os.environ["LOAD_JUDGE_USERS"])
ERROR_FILE = os.environ["LOAD_ERROR_FILE"]
ERRORS: dict[str, int] = {}  # every failed request of the run, measured window or not
SIGNED_IN = {"count": 0}
SHEET_LINK = re.compile(r'href="(/judging/sheets/(\d+))"')


@events.request.add_listener
def count_error(request_type: str, name: str, exception: BaseException | None, **_: object) -> None:
    if exception is not None:
        key = f"{request_type} {name}: {exception}"
        ERRORS[key] = ERRORS.get(key, 0) + 1


@events.user_error.add_listener
def count_exception(exception: BaseException, **_: object) -> None:
    """A page that was not what a judge expects (no sheet link, no score input): an error
    too, though no request failed."""
    key = f"exception: {exception}"
    ERRORS[key] = ERRORS.get(key, 0) + 1


@events.quitting.add_listener
def write_errors(**_: object) -> None:
    with open(ERROR_FILE, "w", encoding="utf-8") as f:
        json.dump({"errors": ERRORS, "all_signed_in": SIGNED_IN["count"] >= JUDGE_USERS}, f)


class Inputs(HTMLParser):
    """The form's inputs: name -> value, and the maximum of each score input."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.maxima: dict[str, Decimal] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "input":
            return
        attributes = dict(attrs)
        name = attributes.get("name")
        if name:
            self.values[name] = attributes.get("value") or ""
            if attributes.get("data-max"):
                self.maxima[name] = Decimal(attributes["data-max"])


def inputs(html: str) -> Inputs:
    parser = Inputs()
    parser.feed(html)
    return parser


def typed(value: Decimal) -> str:
    """As a judge types it: "8,5" or "8.5", "8" for a whole number."""
    text = f"{value.normalize():f}"  # 10, not 1E+1
    return text.replace(".", ",") if RNG.random() < 0.5 else text


class Judge(FastHttpUser):
    wait_time = between(2, 8)

    def on_start(self) -> None:
        self.email = next(ACCOUNTS)
        self.last: dict[str, dict[str, str]] = {}
        page = self.client.get("/auth/login", name="login page")
        token = inputs(page.text).values.get("csrf_token", "")
        with self.client.post(
            "/auth/login",
            data={"csrf_token": token, "email": self.email, "password": SETUP["password"]},
            allow_redirects=False,
            name="login",
            catch_response=True,
        ) as answer:
            if answer.status_code != 302:
                answer.failure(f"login answered {answer.status_code}")
                self.sheets: list[str] = []
                return
        dashboard = self.client.get("/judging/", name="dashboard")
        self.sheets = sorted({link for link, _id in SHEET_LINK.findall(dashboard.text)})
        if not self.sheets:
            raise RuntimeError(f"the dashboard of {self.email} links no sheet")
        SIGNED_IN["count"] += 1
        if SIGNED_IN["count"] == JUDGE_USERS:
            # The figures are the festival day's steady saving, measured once every judge is
            # in: 200 sign-ins in ten seconds (argon2 at production cost) is the ramp.
            self.environment.stats.reset_all()

    @task
    def score(self) -> None:
        if not self.sheets:
            self.stop()
            return
        url = RNG.choice(self.sheets)
        page = self.client.get(url, name="open sheet")
        form = inputs(page.text)
        if not form.maxima:
            raise RuntimeError(f"no score inputs on {url} ({page.status_code})")
        values = self.new_values(url, form.maxima)
        data = {
            "csrf_token": form.values.get("csrf_token", ""),
            "lock_version": form.values.get("lock_version", "0"),
            "comment_for_team": "",
            "private_note": "",
            **{name: typed(value) for name, value in values.items()},
        }
        data["submit" if RNG.random() < 0.2 else "save"] = "1"
        with self.client.post(
            url, data=data, allow_redirects=False, name=SAVE, catch_response=True
        ) as answer:
            if answer.status_code != 302:
                answer.failure(f"save answered {answer.status_code}")
                return
        stored = {name.removeprefix("score_"): str(value) for name, value in values.items()}
        self.last[url] = stored
        record = {"judge": self.email, "round_entry_id": int(url.rsplit("/", 1)[1])}
        record["values"] = stored
        ACK_FILE.write(json.dumps(record) + "\n")
        ACK_FILE.flush()

    def new_values(self, url: str, maxima: dict[str, Decimal]) -> dict[str, Decimal]:
        """Scores in steps of 0.5, never all equal to what this judge last saved there (a
        save that changes nothing leaves no audit row to find)."""
        while True:
            values = {
                name: Decimal(RNG.randint(0, int(top * 2))) / 2 for name, top in maxima.items()
            }
            as_text = {name.removeprefix("score_"): str(v) for name, v in values.items()}
            if as_text != self.last.get(url):
                return values


class Bare(FastHttpUser):
    fixed_count = BARE_USERS
    wait_time = between(0.5, 1.5)

    @task
    def home(self) -> None:
        self.client.get("/", name=BARE)
