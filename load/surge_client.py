"""The students of load/surge.py: plain threads with `requests`, one session each.

Each student signs in and opens the entry's edit page (before the window), waits until its
moment in the two minutes, uploads its 5 MB deck with the edit form, then submits; one in
three uses the form's "Save and submit" button instead (one request). Every answer is read
the way a browser would: the redirect is followed and the page's flashed message decides
whether the request was accepted or refused as late.
"""

from __future__ import annotations

import hashlib
import html
import os
import random
import re
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser

import requests

TIMEOUT = 60  # seconds, per request: no thread outlives the run by more than that
RNG = random.Random()  # noqa: S311 — timing of simulated students, not secrets
ALERT = re.compile(r'<div class="alert alert-(\w+)" role="alert">(.*?)</div>', re.S)


class FormFields(HTMLParser):
    """The fields a browser would post from the form whose action ends with `action`:
    inputs (checked boxes only), textareas, and each select's chosen option."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.inside = False
        self.values: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.inside = (a.get("action") or "").endswith(self.action)
        if not self.inside:
            return
        if tag == "option" and self._select:
            if self._select not in self.values or "selected" in a:
                self.values[self._select] = a.get("value") or ""
            return
        name = a.get("name")
        if not name:
            return
        if tag == "input" and a.get("type") not in ("file", "submit"):
            if a.get("type") != "checkbox" or "checked" in a:
                self.values[name] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea, self.values[name] = name, ""
        elif tag == "select":
            self._select = name

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data


def form_fields(page: str, action: str) -> dict[str, str]:
    parser = FormFields(action)
    parser.feed(page)
    return parser.values


def alerts(page: str) -> list[tuple[str, str]]:
    """The flashed messages of a page: (category, text)."""
    return [(kind, html.unescape(text).strip()) for kind, text in ALERT.findall(page)]


# --- the deck --------------------------------------------------------------------------------

NOISE = os.urandom(1024 * 1706 * 3)  # a 1024 × 1706 RGB picture: the deck's 5 MB


def deck(title: str) -> bytes:
    """A real PDF of one page (a picture and the team's name), just under 5 MiB; its hash
    is the team's own."""
    text = title.encode("ascii", "replace")
    content = b"q 595 0 0 842 0 0 cm /Im1 Do Q BT /F1 24 Tf 40 790 Td (" + text + b") Tj ET"
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
        b"/Resources<</XObject<</Im1 5 0 R>>/Font<</F1 6 0 R>>>>>>",
        b"<</Length %d>>stream\n" % len(content) + content + b"\nendstream",
        b"<</Type/XObject/Subtype/Image/Width 1024/Height 1706/ColorSpace/DeviceRGB"
        b"/BitsPerComponent 8/Length %d>>stream\n" % len(NOISE) + NOISE + b"\nendstream",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# --- one student -------------------------------------------------------------------------------


@dataclass
class Step:
    """One request of the surge, as the student saw it (wall-clock seconds)."""

    started: float = 0.0
    ended: float = 0.0
    status: int = 0
    outcome: str = ""  # accepted, late, error
    message: str = ""


@dataclass
class Student:
    email: str
    entry_id: int
    team: str
    locale: str
    one_step: bool
    at: float = 0.0  # seconds after the window opens
    fields: dict[str, str] = field(default_factory=dict)
    size: int = 0
    sha256: str = ""
    upload: Step | None = None
    submit: Step | None = None
    statuses: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Surge:
    def __init__(self, base: str, password: str, late_messages: dict[str, str]) -> None:
        self.base = base
        self.password = password
        self.late = late_messages
        self.sessions: dict[str, requests.Session] = {}

    def request(self, student: Student, method: str, path: str, **kw: object):  # noqa: ANN201
        session = self.sessions.setdefault(student.email, requests.Session())
        answer = session.request(
            method, self.base + path, timeout=TIMEOUT, allow_redirects=False, **kw
        )
        student.statuses.append(answer.status_code)
        return answer

    def prepare(self, student: Student) -> None:
        """Sign in and open the edit form (before the window)."""
        page = self.request(student, "GET", "/auth/login")
        token = form_fields(page.text, "").get("csrf_token", "")  # the form posts to its page
        answer = self.request(
            student, "POST", "/auth/login",
            data={"csrf_token": token, "email": student.email, "password": self.password},
        )  # fmt: skip
        if answer.status_code != 302:
            raise RuntimeError(f"login answered {answer.status_code}")
        edit = f"/competitions/entries/{student.entry_id}/edit"
        student.fields = form_fields(self.request(student, "GET", edit).text, edit)
        if "lock_version" not in student.fields:
            raise RuntimeError(f"no edit form on {edit}")

    def outcome(self, student: Student, step: Step, answer: requests.Response, ok: str) -> None:
        """Follow the redirect; the step is accepted when it lands on `ok` (a path) with
        no warning, late when the page shows the late message in the student's language."""
        step.status = answer.status_code
        location = answer.headers.get("Location", "")
        if answer.status_code != 302:
            step.outcome, step.message = "error", f"answered {answer.status_code}"
            return
        page = self.request(student, "GET", location.removeprefix(self.base))
        shown = alerts(page.text)
        step.message = " | ".join(text for _kind, text in shown)
        if any(text == self.late[student.locale] for _kind, text in shown):
            step.outcome = "late"
        elif location.endswith(ok) and not any(kind == "warning" for kind, _ in shown):
            step.outcome = "accepted"
        else:
            step.outcome = "error"

    def run(self, student: Student, window_opens: float) -> None:
        try:
            time.sleep(max(0.0, window_opens + student.at - time.time()))
            data = deck(f"{student.team} - pitch deck")
            student.size, student.sha256 = len(data), hashlib.sha256(data).hexdigest()
            edit = f"/competitions/entries/{student.entry_id}/edit"
            detail = f"/competitions/entries/{student.entry_id}"
            form = dict(student.fields)
            form["submit" if student.one_step else "save"] = "1"
            step = student.upload = Step(started=time.time())
            answer = self.request(
                student, "POST", edit, data=form,
                files={"deck_file": ("Pitch deck.pdf", data, "application/pdf")},
            )  # fmt: skip
            step.ended = time.time()
            self.outcome(student, step, answer, detail if student.one_step else edit)
            if student.one_step or step.outcome != "accepted":
                return
            time.sleep(RNG.uniform(0.5, 5.0))  # reads "Saved.", then presses Submit
            step = student.submit = Step(started=time.time())
            answer = self.request(
                student, "POST", f"/competitions/entries/{student.entry_id}/submit",
                data={"csrf_token": form["csrf_token"],
                      "lock_version": str(int(form["lock_version"]) + 1)},
            )  # fmt: skip
            step.ended = time.time()
            self.outcome(student, step, answer, detail)
        except (requests.RequestException, RuntimeError, KeyError, ValueError) as error:
            student.errors.append(f"{type(error).__name__}: {error}")


def prepare_all(surge: Surge, students: list[Student], threads: int = 8) -> None:
    """Sign everyone in, a few at a time (argon2 at production cost)."""
    queue = list(students)
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                if not queue:
                    return
                student = queue.pop()
            try:
                surge.prepare(student)
            except (requests.RequestException, RuntimeError) as error:
                student.errors.append(f"prepare: {error}")

    pool = [threading.Thread(target=work, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=600)


def surge(surge_: Surge, students: list[Student], window_opens: float, bound: float) -> None:
    """Every prepared student at its moment; returns within `bound` seconds of the window's
    opening whatever happens (a thread still waiting for an answer is left behind)."""
    pool = [
        threading.Thread(target=surge_.run, args=(s, window_opens), daemon=True)
        for s in students
        if not s.errors
    ]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=max(0.1, window_opens + bound - time.time()))
