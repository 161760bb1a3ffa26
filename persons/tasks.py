"""Thin Celery wrappers around persons/services.py. Every task receives ids, is idempotent
and is retried with backoff on database errors."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from indicators.tasks import _RETRY, PUBLISH_ERRORS  # noqa: F401 (persons.queue)
from persons import services


@shared_task(**_RETRY)
def refresh_person(kind: str, source_id: int) -> dict:
    """Index one new or changed suspect or victim and match it."""
    return asdict(services.person_refresh(kind=kind, source_id=source_id))


@shared_task(**_RETRY)
def sweep_persons() -> dict:
    """The beat job: persons never indexed, changed since indexing, or never matched."""
    return asdict(services.sweep())


@shared_task(**_RETRY)
def rebuild_persons() -> dict:
    """Re-index every person and recompute every match."""
    return asdict(services.rebuild())
