"""Locks on PostgreSQL: moving a repatriation does not deadlock with a worker whose commit
checks foreign keys to the victim's case and the victim (as indexing the victim as a person
does)."""

import threading

from django.db import connection, connections, transaction

from tests.services import require_postgres, sessions_waiting_for_a_lock
from victims.factories import make_repatriation, make_victim
from victims.models import Stage
from victims.services import repatriation_move


def test_moving_a_repatriation_locks_only_the_repatriation(transactional_db, own_users, make_case):
    require_postgres()
    liaison = own_users["liaison"]
    repatriation = make_repatriation(
        victim=make_victim(case=make_case(), by=liaison), by=liaison, stage=Stage.RESCUED
    )
    victim = repatriation.victim
    case_taken, moving, moved, go_on = (threading.Event() for _ in range(4))
    errors: list[BaseException] = []

    def worker() -> None:
        # What the foreign-key checks of a worker's commit do: the case first, then the victim.
        try:
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(
                    "SELECT 1 FROM cases_case WHERE id = %s FOR KEY SHARE", [victim.case_id]
                )
                case_taken.set()
                go_on.wait(10)  # the move has taken its locks meanwhile, or waits for one
                cur.execute("SELECT 1 FROM victims_victim WHERE id = %s FOR KEY SHARE", [victim.pk])
        except BaseException as exc:  # returned to the test
            errors.append(exc)
        finally:
            connection.close()

    def move() -> None:
        try:
            case_taken.wait(5)
            moving.set()
            repatriation_move(
                repatriation=repatriation,
                by=liaison,
                stage=Stage.IN_SHELTER,
                note="",
                version=repatriation.version,
            )
        except BaseException as exc:  # returned to the test
            errors.append(exc)
        finally:
            moved.set()
            connection.close()

    threads = [threading.Thread(target=worker), threading.Thread(target=move)]
    for t in threads:
        t.start()
    assert moving.wait(10)
    # Either the move is done (it locked nothing the worker holds) or it waits for a lock (on
    # the case): then the worker goes on to the victim, as a real commit would.
    waiting = sessions_waiting_for_a_lock(until=moved.is_set)
    go_on.set()
    for t in threads:
        t.join(30)
    assert errors == []
    assert waiting == 0, "the move waited for a lock the worker held"
    repatriation.refresh_from_db()
    assert repatriation.stage == Stage.IN_SHELTER
    connections.close_all()
