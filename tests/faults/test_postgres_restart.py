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

from tests.conftest import POSTGRES_BASE_URL
from tests.faults.judges import Crowd
from tests.faults.judging_world import exactly_once, seed_round
from tests.faults.live_server import gunicorn, wait_for

WORKERS = 2
JUDGES = 4


if POSTGRES_BASE_URL:

    def test_requests_get_a_503_while_postgres_is_down_and_saves_resume_after(
        pg_app, pg_cluster, server_folder
    ):
        assert pg_app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
        world = seed_round(pg_app, judges=JUDGES, entries=3)
        url = pg_app.config["SQLALCHEMY_DATABASE_URI"]
        with gunicorn(url, server_folder, workers=WORKERS) as server:
            crowd = Crowd(server.port, world.judges, world.round_entries)
            crowd.start()
            try:
                wait_for("every judge's first save", lambda: crowd.each_saved([0] * JUDGES, 1))
                workers = server.workers()

                pg_cluster.stop("fast")
                wait_for(
                    "503s to saves and to pages while the database is down",
                    lambda: {x.split()[0] for x in crowd.unavailable()} == {"GET", "POST"},
                )
                pg_cluster.start()
                since = crowd.ack_counts()
                wait_for("three saves by every judge", lambda: crowd.each_saved(since, 3))

                pg_cluster.restart("fast")
                since = crowd.ack_counts()
                wait_for("three more saves by every judge", lambda: crowd.each_saved(since, 3))
            finally:
                crowd.stop()
            assert server.process.poll() is None
            assert server.workers() == workers  # recovered by itself: no worker restarted

        assert crowd.problems() == []  # each 503 was the page; nothing but 200, 302 and 503
        assert crowd.no_answers() == []
        assert exactly_once(pg_app, world, crowd.acks()) == []
