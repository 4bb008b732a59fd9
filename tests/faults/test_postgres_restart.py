"""Fault: PostgreSQL stops and restarts while judges save score sheets on gunicorn.

While the server is down every request is answered, with the 503 "try again" page and a
Retry-After, never a traceback or a 500; once it is back the same gunicorn workers (none
restarted) serve saves again, their pooled connections checked before use
(`pool_pre_ping`). The judges send again whatever got a 503, and every acknowledged save is
stored exactly once. Then a quick `pg_ctl restart -m fast` under load, with the same end.

The cluster is the test's own (pg_cluster.py), never the shared server of the run; the test
exists only in the PostgreSQL run.
"""

from __future__ import annotations

from load.judging_round import stored_exactly_once
from tests.conftest import POSTGRES_BASE_URL
from tests.faults.judges import Browser, judges_saving, unavailable_page_problems
from tests.faults.live_server import wait_for

WORKERS = 2
JUDGES = 4


if POSTGRES_BASE_URL:

    def test_requests_get_a_503_while_postgres_is_down_and_saves_resume_after(
        pg_app, pg_cluster, server_folder
    ):
        assert pg_app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
        with judges_saving(pg_app, server_folder, JUDGES, WORKERS) as (world, server, crowd):
            workers = server.workers()

            pg_cluster.stop("fast")
            # A visitor opens a page while it is down (the judges may all be mid-save).
            page = Browser(server.port, "visitor").request("GET", "/competitions/")
            assert page.status == 503 and unavailable_page_problems(page) == []
            wait_for(
                "503s to the judges' saves while the database is down",
                lambda: "POST" in {x.split()[0] for x in crowd.unavailable()},
            )
            pg_cluster.start()
            since = crowd.ack_counts()
            wait_for("three saves by every judge", lambda: crowd.each_saved(since, 3))

            pg_cluster.restart("fast")
            since = crowd.ack_counts()
            wait_for("three more saves by every judge", lambda: crowd.each_saved(since, 3))
            assert server.process.poll() is None
            assert server.workers() == workers  # recovered by itself: no worker restarted

        assert crowd.problems() == []  # each 503 was the page; nothing but 200, 302 and 503
        assert crowd.no_answers() == []
        assert stored_exactly_once(pg_app, world.round_id, crowd.acks()) == []
