"""The hooks the services call to have indicators cross-referenced: a saved sighting, or the
sightings left of a value after one was removed, go in the durable queue (`PendingIndicator`)
with the caller's transaction, and a task is published after commit. A broker that cannot take
the task does not undo the write: the periodic sweep processes the queue later. The twin of
persons/queue.py; kept apart from indicators.services so that the case services can import it
without an import cycle."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Min

from config.celery import publish_on_commit
from indicators import tasks, xref
from indicators.models import Indicator


def queue_xref(indicator_ids: list[int], *, values: dict[int, int] | None = None) -> None:
    """Queue the cross-referencing of these indicators: in the queue table now (with the save),
    and a task after commit. `values`: each indicator's value id, when the caller knows it."""
    if indicator_ids:
        xref.enqueue(indicator_ids, values=values)
        publish_on_commit(
            tasks.xref_indicators,
            indicator_ids,
            what=f"xref of {len(indicator_ids)} indicators",
        )


def queue_removal(value_ids: Iterable[int]) -> None:
    """After sightings of these values were removed (in the caller's transaction): recompute
    who holds each value, as durably as a save. A value still held somewhere has one of its
    sightings queued, so the queue, its task and the sweep recompute the value, and a hit the
    removal ended goes away even if the broker is down. A value no one holds any more is
    recomputed at once (no sighting is left to queue, and counting none is cheap): it shows no
    phantom holder to the next agency that sights it."""
    ids = sorted(set(value_ids))
    if not ids:
        return
    left = dict(
        Indicator.objects.filter(value_id__in=ids)
        .order_by()
        .values("value_id")
        .annotate(first=Min("pk"))
        .values_list("value_id", "first")
    )
    queue_xref(sorted(left.values()))
    xref.xref_values([pk for pk in ids if pk not in left])
