"""Case references under concurrent creation, on PostgreSQL (row lock on the sequence)."""

import threading

from django.db import connection

from cases.models import Case
from cases.services import case_create
from tests.services import require_postgres

THREADS = 8
PER_THREAD = 5


def test_references_are_unique_under_concurrent_creation(transactional_db, own_users):
    require_postgres()
    users = [own_users["investigator"], own_users["supervisor"]]
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            barrier.wait()
            for i in range(PER_THREAD):
                case_create(by=users[n % 2], title=f"thread {n} case {i}")
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    references = list(Case.objects.values_list("reference", flat=True))
    assert len(references) == THREADS * PER_THREAD
    assert len(set(references)) == len(references)
    numbers = sorted(int(r.rsplit("-", 1)[1]) for r in references)
    assert numbers == list(range(1, THREADS * PER_THREAD + 1))
