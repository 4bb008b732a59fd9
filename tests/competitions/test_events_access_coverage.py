"""Every events endpoint has an expected answer in one of the event test modules (see
tests/access_coverage.py)."""

from __future__ import annotations

import tests.competitions.events as package
from tests.access_coverage import assert_every_endpoint_declared


def test_every_events_endpoint_has_an_expected_answer(app):
    assert_every_endpoint_declared(app, "events", package)
