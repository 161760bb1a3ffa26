"""Thin Celery wrappers around the cross-reference engine (indicators/xref.py). Every task
receives ids, is idempotent and follows the one retry policy (config.celery.RETRY_POLICY)."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from config.celery import RETRY_POLICY
from indicators import hitcount, xref


@shared_task(**RETRY_POLICY)
def xref_indicators(indicator_ids: list[int]) -> dict:
    """Cross-reference a batch of queued indicators (new ones, or the sightings left of a value
    after a removal)."""
    return asdict(xref.process_indicators(indicator_ids))


@shared_task(**RETRY_POLICY)
def xref_values_task(value_ids: list[int]) -> dict:
    """Recompute the hits of these values (kept for tasks queued before an upgrade; removals
    now queue the sightings left, see indicators.queue.queue_removal)."""
    return asdict(xref.xref_values(value_ids))


@shared_task(**RETRY_POLICY)
def sweep_unprocessed() -> dict:
    """The beat job: process every indicator still unprocessed (its task was lost)."""
    return asdict(xref.sweep())


@shared_task(**RETRY_POLICY)
def rebuild_hits() -> dict:
    """Recompute all counts and hits from the stored sightings."""
    return asdict(xref.rebuild())


@shared_task(**RETRY_POLICY)
def recount_hits() -> dict:
    """The daily beat job: set every agency's tally of hits again from the hits (it repairs
    what a change missed, see indicators.hitcount)."""
    return {"agencies_repaired": hitcount.recount()}
