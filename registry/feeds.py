"""The registry's feeds: the filtered set, its validator, and the streamed formats.

- Filters: `kind`, `status` (takedown status), `confidence` (a live source says so) and
  `since` (changed at or after: a date or an ISO timestamp), each kind and status possibly
  comma-separated. A bad value is a 400 naming it.
- The validator (`validator`) is one primary-key read: the registry-wide change counter
  (`RegistryChange`, bumped by every service that changes what a feed shows) with the format
  and the filters make the ETag, its time the Last-Modified. Every reader sees the same
  registry, so it does not depend on who asks. A poll that changes nothing never builds the
  feed (304).
- The formats are generators over keyset pages of `CHUNK` entries (two queries a page: the
  entries, then their live sources), so memory stays bounded whatever the registry's size.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import stix2
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

import access
from indicators.normalize.kinds import Kind
from interchange import stix
from interchange.csv_format import neutralise
from registry.models import (
    REGISTRY_KINDS,
    Confidence,
    EntryStatus,
    RegistryChange,
    RegistryEntry,
    RegistrySource,
)

CHUNK = 2000
FORMATS = ("csv", "txt", "stix")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
    "stix": "application/stix+json;version=2.1",
    "json": "application/json",
}
# A DNS blocklist: one domain or URL a line, unless `kind` asks for another list.
TXT_DEFAULT_KINDS = (Kind.DOMAIN, Kind.URL)
CSV_COLUMNS = [
    "kind",
    "value",
    "qualifier",
    "status",
    "status_changed_at",
    "confidence",
    "fraud_types",
    "description",
    "agencies",
    "published_at",
    "updated_at",
]
EPOCH = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)


def _choices(text: str, allowed: set[str], name: str) -> tuple[str, ...]:
    chosen = tuple(sorted({p.strip() for p in text.split(",") if p.strip()}))
    unknown = [c for c in chosen if c not in allowed]
    if unknown:
        raise ValidationError(
            {
                name: _("Unknown %(name)s: %(values)s.")
                % {"name": name, "values": ", ".join(unknown)}
            }
        )
    return chosen


def _since(text: str) -> datetime.datetime:
    refused = ValidationError({"since": _("since is a date (YYYY-MM-DD) or a timestamp.")})
    try:
        moment = parse_datetime(text)
        day = parse_date(text) if moment is None else None
    except ValueError:
        raise refused from None
    if moment is None:
        if day is None:
            raise refused
        moment = datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    return moment


@dataclass(frozen=True)
class FeedFilters:
    kinds: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    confidence: str = ""
    since: datetime.datetime | None = None
    raw: dict[str, str] = field(default_factory=dict, compare=False)

    @classmethod
    def from_query(cls, query: Any, *, default_kinds: tuple[str, ...] = ()) -> FeedFilters:
        raw = {
            k: str(query.get(k)) for k in ("kind", "status", "confidence", "since") if query.get(k)
        }
        kinds = _choices(raw.get("kind", ""), {str(k) for k in REGISTRY_KINDS}, "kind")
        statuses = _choices(raw.get("status", ""), set(EntryStatus.values), "status")
        confidence = raw.get("confidence", "")
        if confidence and confidence not in Confidence.values:
            raise ValidationError({"confidence": _("Say confirmed or suspected.")})
        since = _since(raw["since"]) if "since" in raw else None
        return cls(kinds or default_kinds, statuses, confidence, since, raw)

    def key(self) -> str:
        since = self.since.isoformat() if self.since else ""
        return f"{','.join(self.kinds)}|{','.join(self.statuses)}|{self.confidence}|{since}"


def feed_entries(user: Any, filters: FeedFilters) -> QuerySet[RegistryEntry]:
    """The published entries the filters keep (the lists' rule: a live source)."""
    entries = access.visible_registry_entries(user)
    if filters.kinds:
        entries = entries.filter(value__kind__in=filters.kinds)
    if filters.statuses:
        entries = entries.filter(status__in=filters.statuses)
    if filters.confidence:
        entries = entries.filter(
            Exists(
                RegistrySource.objects.filter(
                    entry=OuterRef("pk"), withdrawn_at=None, confidence=filters.confidence
                )
            )
        )
    if filters.since is not None:
        entries = entries.filter(updated_at__gte=filters.since)
    return entries


@dataclass(frozen=True)
class Validator:
    etag: str
    last_modified: datetime.datetime

    @property
    def timestamp(self) -> int:
        return int(self.last_modified.timestamp())


def validator(feed: str, filters: FeedFilters, language: str = "") -> Validator:
    """One primary-key read: the change counter and when it last moved."""
    row = RegistryChange.objects.filter(pk=1).values_list("counter", "at").first()
    counter, at = row if row is not None else (0, EPOCH)
    digest = hashlib.sha256(f"{counter}|{feed}|{filters.key()}|{language}".encode()).hexdigest()
    return Validator(f'"{digest[:32]}"', at.replace(microsecond=0))


# --- the rows ----------------------------------------------------------------------------

ROW_FIELDS = (
    "pk",
    "value__kind",
    "value__qualifier",
    "value__normalized",
    "status",
    "status_changed_at",
    "created_at",
    "updated_at",
)


@dataclass
class Row:
    pk: int
    kind: str
    qualifier: str
    value: str
    status: str
    status_changed_at: datetime.datetime
    created_at: datetime.datetime
    updated_at: datetime.datetime
    sources: list[dict[str, Any]] = field(default_factory=list)

    @property
    def confidence(self) -> str:
        confirmed = any(s["confidence"] == Confidence.CONFIRMED for s in self.sources)
        return Confidence.CONFIRMED if confirmed else Confidence.SUSPECTED

    @property
    def fraud_types(self) -> list[str]:
        return sorted({t for s in self.sources for t in s["fraud_types"] or []})

    @property
    def description(self) -> str:
        return " | ".join(s["description"] for s in self.sources)

    @property
    def agencies(self) -> list[str]:
        return [s["agency__code"] for s in self.sources]


SOURCE_FIELDS = ("entry_id", "confidence", "fraud_types", "description", "agency__code")


def with_sources(page: list[Row]) -> list[Row]:
    """The rows with their live sources, in one query."""
    by_entry = {r.pk: r for r in page}
    for source in (
        RegistrySource.objects.filter(entry_id__in=list(by_entry), withdrawn_at=None)
        .order_by("published_at", "pk")
        .values(*SOURCE_FIELDS)
    ):
        by_entry[source["entry_id"]].sources.append(source)
    return page


def rows(entries: QuerySet[RegistryEntry], *, sources: bool = True) -> Iterator[Row]:
    """Every entry of the set in id order, with its live sources: two queries in all, each
    read through a server-side cursor `CHUNK` rows at a time (memory stays bounded), the
    sources in entry order and merged as they come. One plan for the whole set: a keyset page
    per query cost PostgreSQL a join over the values at every page (6,000 entries/s). In one
    transaction: both cursors read one snapshot, and PostgreSQL streams them as they are read
    (outside one, a cursor is held past its commit, so the whole set is computed first)."""
    with transaction.atomic():
        yield from _rows(entries, sources=sources)


def _rows(entries: QuerySet[RegistryEntry], *, sources: bool) -> Iterator[Row]:
    entry_rows = entries.order_by("pk").values_list(*ROW_FIELDS).iterator(chunk_size=CHUNK)
    if not sources:
        yield from (Row(*values) for values in entry_rows)
        return
    live = (
        RegistrySource.objects.filter(withdrawn_at=None, entry__in=entries.values("pk"))
        .order_by("entry_id", "published_at", "pk")
        .values_list(*SOURCE_FIELDS)
        .iterator(chunk_size=CHUNK)
    )
    source = next(live, None)
    for values in entry_rows:
        row = Row(*values)
        while source is not None and source[0] < row.pk:
            source = next(live, None)
        while source is not None and source[0] == row.pk:
            row.sources.append(dict(zip(SOURCE_FIELDS, source, strict=True)))
            source = next(live, None)
        yield row


def _csv_line(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([neutralise(c) for c in cells])
    return out.getvalue()


def render_csv(entries: Iterator[Row], count: Callable[[], None]) -> Iterator[str]:
    yield _csv_line(CSV_COLUMNS)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for n, r in enumerate(entries, start=1):
        count()
        # The kind, status, confidence and timestamps are the application's own words
        # (never a formula); the cells that carry what users typed are neutralised.
        writer.writerow(
            (
                r.kind,
                neutralise(r.value),
                neutralise(r.qualifier),
                r.status,
                r.status_changed_at.isoformat(),
                r.confidence,
                neutralise(";".join(r.fraud_types)),
                neutralise(r.description),
                neutralise(";".join(r.agencies)),
                r.created_at.isoformat(),
                r.updated_at.isoformat(),
            )
        )
        if n % CHUNK == 0:  # a chunk of lines at a time: the buffer stays small
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def render_txt(entries: Iterator[Row], count: Callable[[], None]) -> Iterator[str]:
    lines: list[str] = []
    for r in entries:
        count()
        lines.append(r.value)
        if len(lines) >= CHUNK:
            yield "\n".join(lines) + "\n"
            lines = []
    if lines:
        yield "\n".join(lines) + "\n"


def stix_objects(r: Row, marking_id: str) -> list[dict[str, Any]]:
    return stix.registry_entry_objects(
        entry_id=r.pk,
        kind=r.kind,
        value=r.value,
        qualifier=r.qualifier,
        status=r.status,
        confidence=r.confidence,
        description=r.description,
        created=stix_time(r.created_at),
        modified=stix_time(r.updated_at),
        marking_id=marking_id,
    )


def stix_time(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


MARKING = stix2.TLP_GREEN


def head_objects() -> list[dict[str, Any]]:
    return [stix.registry_identity(), stix.as_plain(MARKING)]


_encode = json.JSONEncoder(ensure_ascii=False).encode


def render_stix(entries: Iterator[Row], count: Callable[[], None]) -> Iterator[str]:
    """A STIX 2.1 bundle written as it goes: the registry's identity and TLP:GREEN, then
    each entry's observable, indicator and relationship (one entry per value, so each
    observable once)."""
    opening = json.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}"})[:-1]
    yield opening + ', "objects": [\n'
    yield ",\n".join(_encode(o) for o in head_objects())
    lines: list[str] = []
    for r in entries:
        count()
        lines.extend(_encode(o) for o in stix_objects(r, MARKING.id))
        if len(lines) >= CHUNK:
            yield ",\n" + ",\n".join(lines)
            lines = []
    if lines:
        yield ",\n" + ",\n".join(lines)
    yield "\n]}\n"


RENDERERS = {"csv": render_csv, "txt": render_txt, "stix": render_stix}


def stream(
    feed: str,
    entries: QuerySet[RegistryEntry],
    *,
    done: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """The feed's bytes, as they are built; `done` hears the entry count at the end."""
    sent = 0

    def count() -> None:
        nonlocal sent
        sent += 1

    for chunk in RENDERERS[feed](rows(entries, sources=feed != "txt"), count):
        yield chunk.encode()
    if done is not None:
        done(sent)
