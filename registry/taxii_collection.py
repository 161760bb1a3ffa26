"""The network registry as a TAXII 2.1 collection (interchange/taxii.py serves it).

The stream is ordered by (date added, source, entry id, index): the registry's identity and
TLP:GREEN marking first (dated at a fixed epoch), then each published entry as its
observable, `indicator` and `based-on` relationship (registry/feeds.py builds them, as the
STIX feed does). An entry's date added is its `updated_at`: a step, a withdrawal or an
awareness mark adds the entry again, so a client polling with `added_after` sees every change;
an entry whose every source was withdrawn leaves the collection. The database filters and
orders the entries (keyset after `next`), and only the page's entries are built."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from django.db.models import Q, QuerySet

from indicators.normalize.kinds import Kind
from interchange import stix
from interchange.taxii import (
    HEAD,
    INDICATORS,
    OBSERVABLE_KINDS,
    Entry,
    Filters,
    take_page,
)
from registry import feeds
from registry.models import RegistryEntry

RELATED_TYPES = {"indicator", "relationship"}


class RegistryStream:
    def __init__(self, user: Any) -> None:
        self.entries = feeds.feed_entries(user, feeds.FeedFilters())

    def _head(self, filters: Filters) -> list[Entry]:
        if filters.added_after is not None and filters.added_after >= feeds.EPOCH:
            return []
        return [Entry((feeds.EPOCH, HEAD, 0, i), o) for i, o in enumerate(feeds.head_objects())]

    def _rows(self, filters: Filters) -> QuerySet[RegistryEntry]:
        entries = self.entries
        if filters.added_after is not None:
            entries = entries.filter(updated_at__gt=filters.added_after)
        if filters.types is not None and not filters.types & RELATED_TYPES:
            kinds = [k for t in filters.types for k in OBSERVABLE_KINDS.get(t, [])]
            entries = entries.filter(value__kind__in=kinds)
        if filters.after is not None:
            moment, source, row, _index = filters.after
            if source < INDICATORS:
                entries = entries.filter(updated_at__gte=moment)
            else:
                entries = entries.filter(
                    Q(updated_at__gt=moment) | Q(updated_at=moment, pk__gte=row)
                )
        return entries.order_by("updated_at", "pk")

    def _built(self, entries: QuerySet[RegistryEntry]) -> Iterator[Entry]:
        for chunk_rows in _chunks(entries):
            for r in chunk_rows:
                for index, obj in enumerate(feeds.stix_objects(r, feeds.MARKING.id)):
                    yield Entry((r.updated_at, INDICATORS, r.pk, index), obj)

    def page(self, filters: Filters, limit: int) -> tuple[list[Entry], bool]:
        if filters.ids is not None:
            candidates: Iterator[Entry] = iter(self._by_ids(filters))
        else:
            rows = self._rows(filters)[: limit + 2]
            candidates = _chain(self._head(filters), self._built(rows))
        return take_page(candidates, filters, limit)

    def _by_ids(self, filters: Filters) -> list[Entry]:
        """`match[id]`: an indicator's or relationship's id hashes its entry's id, so only the
        ids are read to find them; an observable's hashes its value, so the entries of its
        kinds are built to compare."""
        ids = filters.ids or set()
        found = [e for e in self._head(filters) if e.obj["id"] in ids]
        rows = self._rows(Filters(added_after=filters.added_after))
        wanted = set()
        for pk in rows.values_list("pk", flat=True).iterator(chunk_size=feeds.CHUNK):
            if (
                f"indicator--{uuid.uuid5(stix.FORTRESS_NAMESPACE, f'registry-entry:{pk}')}" in ids
                or f"relationship--{uuid.uuid5(stix.FORTRESS_NAMESPACE, f'registry-based-on:{pk}')}"
                in ids
            ):
                wanted.add(pk)
        types = {i.split("--", 1)[0] for i in ids}
        kinds: list[Kind] = [k for t in types for k in OBSERVABLE_KINDS.get(t, [])]
        chosen = rows.filter(Q(pk__in=wanted) | Q(value__kind__in=kinds))
        found += [e for e in self._built(chosen) if e.obj["id"] in ids]
        return sorted(found, key=lambda e: e.key)


def _chunks(entries: QuerySet[RegistryEntry]) -> Iterator[list[feeds.Row]]:
    """The entries in their order, with their live sources, a page of rows at a time."""
    batch: list[feeds.Row] = []
    for values in entries.values_list(*feeds.ROW_FIELDS).iterator(chunk_size=feeds.CHUNK):
        batch.append(feeds.Row(*values))
        if len(batch) >= feeds.CHUNK:
            yield feeds.with_sources(batch)
            batch = []
    if batch:
        yield feeds.with_sources(batch)


def _chain(*iterables: Any) -> Iterator[Entry]:
    for iterable in iterables:
        yield from iterable
