"""Fault: a gunicorn worker is killed (SIGKILL) in the middle of a score-sheet save while
judges keep saving. No save is stored twice, none that was acknowledged is lost, and the
master replaces the worker, whose successor serves the saves that follow.

Each kill is placed exactly: a trap (gunicorn_traps.py) holds one save either just before
its COMMIT or just after it, before the answer leaves, and the test kills that worker then.
The judges do what a browser's user does when no answer comes: send the same form again.
On the first trap the retry must store the save; on the second it must find it stored
("already saved") rather than store it again.

Only in the PostgreSQL run: gunicorn with several workers on SQLite is not how Sprout runs.
"""

from __future__ import annotations

import os
import signal

from load.judging_round import stored_exactly_once
from tests.conftest import POSTGRES_BASE_URL
from tests.faults.judges import judges_saving
from tests.faults.live_server import wait_for

WORKERS = 3  # two are killed; one always serves meanwhile
JUDGES = 4  # more judges than workers: every worker is kept busy
KILLS = ("before-commit", "after-commit")


def _kill_at(server, point: str) -> dict:  # noqa: ANN001
    """Arm the trap and kill the worker it catches, the moment it catches a save."""
    server.arm(point)
    wait_for(f"a save to reach {point}", server.caught)
    caught = server.caught()
    os.kill(caught["pid"], signal.SIGKILL)
    server.release(caught)
    return caught


def _served_a_save(server, pid: int) -> bool:  # noqa: ANN001
    return any(
        p == pid and method == "POST" and path.startswith("/judging/sheets/") and status == 302
        for p, method, path, status in server.served()
    )


def _is(ack, caught: dict) -> bool:  # noqa: ANN001
    """The acknowledged save is the one the trap caught (same judge, sheet and values)."""
    return (
        ack.judge == caught["judge"]
        and f"/judging/sheets/{ack.round_entry_id}" == caught["path"]
        and {f"score_{k}": v for k, v in ack.values.items()} == caught["values"]
    )


if POSTGRES_BASE_URL:

    def test_a_worker_killed_mid_save_loses_no_acknowledged_save_and_stores_none_twice(
        pg_app, pg_cluster, server_folder
    ):
        with judges_saving(pg_app, server_folder, JUDGES, WORKERS) as (world, server, crowd):
            first_workers = server.workers()
            caught = [_kill_at(server, point) for point in KILLS]
            killed = {c["pid"] for c in caught}
            wait_for(
                "the master to replace the killed workers",
                lambda: len(server.workers()) == WORKERS and not server.workers() & killed,
            )
            since = crowd.ack_counts()
            wait_for(
                "two more saves by every judge, and saves served by every new worker",
                lambda: (
                    crowd.each_saved(since, 2)
                    and all(_served_a_save(server, pid) for pid in server.workers())
                ),
                timeout=30,
            )
            final_workers = server.workers()
            assert server.process.poll() is None  # the master lived through it all

        assert crowd.problems() == []
        assert crowd.unavailable() == []
        # The only requests left unanswered are the killed saves, one per kill.
        lost = sorted(x.split(":")[0] for x in crowd.no_answers())
        assert lost == sorted(f"POST {c['path']}" for c in caught)
        assert len(final_workers) == WORKERS
        assert not final_workers & killed
        assert final_workers - first_workers  # they served saves, as waited for above

        acks = crowd.acks()
        for trapped in caught:
            [ack] = [a for a in acks if _is(a, trapped)]
            # Each time the save was caught (its retry may be caught by the next trap),
            # one more post; killed after its COMMIT, a retry finds it stored.
            points = [c["point"] for c in caught if _is(ack, c)]
            assert ack.attempts == 1 + len(points)
            assert ack.unchanged is ("after-commit" in points)
        assert stored_exactly_once(pg_app, world.round_id, acks) == []
