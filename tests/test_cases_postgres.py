"""Concurrency on PostgreSQL: case references under concurrent creation (row lock on the
sequence), and concurrent edits of one suspect or asset (row lock and version)."""

import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection

from cases.models import Asset, Case, Suspect
from cases.services import (
    asset_create,
    asset_update,
    case_create,
    suspect_create,
    suspect_update,
)
from config.errors import ConflictError
from tests.services import require_postgres

THREADS = 8
PER_THREAD = 5


def run_at_once(work: Callable[[int], None]) -> list[BaseException]:
    """`work(n)` in THREADS threads released together, each on its own connection; what they
    raised."""
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            barrier.wait()
            work(n)
        except BaseException as exc:  # returned to the test, which asserts on it
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_references_are_unique_under_concurrent_creation(transactional_db, own_users):
    require_postgres()
    users = [own_users["investigator"], own_users["supervisor"]]

    def work(n: int) -> None:
        for i in range(PER_THREAD):
            case_create(by=users[n % 2], title=f"thread {n} case {i}")

    assert run_at_once(work) == []
    references = list(Case.objects.values_list("reference", flat=True))
    assert len(references) == THREADS * PER_THREAD
    assert len(set(references)) == len(references)
    numbers = sorted(int(r.rsplit("-", 1)[1]) for r in references)
    assert numbers == list(range(1, THREADS * PER_THREAD + 1))


@pytest.mark.parametrize("kind", ["suspect", "asset"])
def test_concurrent_edits_from_one_version_save_once(transactional_db, own_users, kind):
    """Every thread edits from version 1 at the same moment: exactly one save lands, every
    other is refused as a conflict, and nothing is overwritten."""
    require_postgres()
    users = [own_users["investigator"], own_users["supervisor"]]
    case = case_create(by=users[0], title="Shared file")
    if kind == "suspect":
        obj = suspect_create(case=case, by=users[0], full_name="Zhang Wei")
    else:
        obj = asset_create(case=case, by=users[0], kind="cash", amount="1", currency="USD")
    saved: list[int] = []

    def work(n: int) -> None:
        if kind == "suspect":
            suspect_update(suspect=obj, by=users[n % 2], expected_version=1, full_name=f"Name {n}")
        else:
            asset_update(asset=obj, by=users[n % 2], expected_version=1, amount=Decimal(n))
        saved.append(n)

    errors = run_at_once(work)
    assert len(saved) == 1
    assert [(type(e), e.version) for e in errors] == [(ConflictError, 2)] * (THREADS - 1)
    obj = (Suspect if kind == "suspect" else Asset).objects.get(pk=obj.pk)
    assert obj.version == 2
    if kind == "suspect":
        assert obj.full_name == f"Name {saved[0]}"
    else:
        assert obj.amount == Decimal(saved[0])
    assert obj.history.count() == 2
