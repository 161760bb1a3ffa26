"""Thin Celery wrappers around the person index and matching (persons/xref.py,
persons/rebuild.py). Every task receives ids, is idempotent and follows the one retry policy
(config.celery.RETRY_POLICY)."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from config.celery import RETRY_POLICY
from persons import parallel, wanted, xref


@shared_task(**RETRY_POLICY)
def refresh_person(kind: str, source_id: int) -> dict:
    """Index one new or changed suspect or victim and match it."""
    return asdict(xref.person_refresh(kind=kind, source_id=source_id))


@shared_task(**RETRY_POLICY)
def sweep_persons() -> dict:
    """The beat job: persons never indexed, changed since indexing, or never matched."""
    return asdict(xref.sweep())


@shared_task(**RETRY_POLICY)
def rebuild_persons() -> int:
    """Re-index every person and recompute every match: starts the parallel rebuild, whose
    parts every worker takes (persons/parallel.py). Returns the run's id."""
    return parallel.start().pk


# A part holds at least one whole block of the key table (the persons sharing a key, tens of
# thousands for the commonest names), which cannot be split: more time than other tasks, still
# under the broker's visibility timeout (an hour), after which a message is delivered again.
PART_SOFT_LIMIT = 3000


@shared_task(**RETRY_POLICY, soft_time_limit=PART_SOFT_LIMIT, time_limit=PART_SOFT_LIMIT + 60)
def rebuild_part(run_id: int, phase: str, n: int) -> None:
    """One part of a parallel rebuild; the last of a phase publishes the next phase."""
    parallel.run_part(run_id, phase, n)


@shared_task(**RETRY_POLICY)
def match_wanted(identity_id: int) -> int:
    """Match a published (or withdrawn) wanted identity against the person index."""
    return wanted.match_identity(identity_id)
