"""Thin Celery wrappers around the cross-reference engine (indicators/xref.py). Every task
receives ids, is idempotent and is retried with backoff on database errors."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task
from django.db import OperationalError
from kombu.exceptions import OperationalError as BrokerError

from indicators import xref

# What publishing a task raises when the broker cannot take it.
PUBLISH_ERRORS = (BrokerError, ConnectionError, OSError)

_RETRY = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(**_RETRY)
def xref_indicators(indicator_ids: list[int]) -> dict:
    """Cross-reference a batch of newly saved indicators."""
    return asdict(xref.process_indicators(indicator_ids))


@shared_task(**_RETRY)
def xref_values_task(value_ids: list[int]) -> dict:
    """Recompute the hits of these values (after a sighting was removed)."""
    return asdict(xref.xref_values(value_ids))


@shared_task(**_RETRY)
def sweep_unprocessed() -> dict:
    """The beat job: process every indicator still unprocessed (its task was lost)."""
    return asdict(xref.sweep())


@shared_task(**_RETRY)
def rebuild_hits() -> dict:
    """Recompute all counts and hits from the stored sightings."""
    return asdict(xref.rebuild())
