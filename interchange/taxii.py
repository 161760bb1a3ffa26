"""TAXII 2.1 reads: the collections a user may see and their objects, page by page, every one
scoped by the access policy (the access package).

Collections: one per agency (the cases of that agency the user may see, their own agency's
included) and one per joint operation the user's agency is a member of (the linked cases the
user may open); ids are uuid5 of a namespace and the agency code or the operation id. A
collection with no visible case, and every object outside the visible case files, does not
exist for the user (404). Only the roles that read case files read objects; victims never.

The objects are those of the case export (interchange/stix.py), one stream ordered by
(date_added, source, row id, index within the row): first the collection's identities and
TLP markings (dated as its first object), then the suspects as `threat-actor`, then each
indicator as its observable, `indicator` and `based-on` relationship. An observable's id
hashes its value, so two rows of one value (two cases, say) share it: as in the case export,
each id is given once per collection, by the first row holding the value in the stream's
order (created_at, id); a later row gives its `indicator` and relationship only. Whether a
row is the first is asked of all the collection's rows, never of the page, so paging and
`added_after` do not change it (the observable was added with its first row). Filters and
order are applied by the database on the rows; objects are built only for the page asked
for. `next` is the key of the last object given, so a page never depends on the rows before
it."""

from __future__ import annotations

import heapq
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Case as Case_
from django.db.models import Exists, F, Min, OuterRef, Q, QuerySet, Value, When
from django.http import Http404
from django.utils.translation import gettext as _

import access
from agencies.models import Agency, User
from cases.models import Case, Suspect
from indicators.models import Indicator, Kind
from interchange import stix

MEDIA_TYPE_TAXII = "application/taxii+json;version=2.1"
MEDIA_TYPE_STIX = "application/stix+json;version=2.1"
TAXII_NAMESPACE = uuid.UUID("2f3c5a8e-6b1d-4c7e-9a40-8d5e1f7b3c21")
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000

HEAD, SUSPECTS, INDICATORS = 0, 1, 2
# The observable types each kind of indicator becomes (interchange/stix.py `_observable`).
OBSERVABLE_KINDS = {
    "domain-name": [Kind.DOMAIN],
    "url": [Kind.URL],
    "email-addr": [Kind.EMAIL],
    "ipv4-addr": [Kind.IP],
    "ipv6-addr": [Kind.IP],
    "user-account": [Kind.SOCIAL_HANDLE, Kind.MESSAGING_ID],
    "phone-number": [Kind.PHONE],
    "cryptocurrency-wallet": [Kind.CRYPTO_WALLET],
    "bank-account": [Kind.BANK_ACCOUNT],
    stix.DOCUMENT_TYPE: [Kind.IDENTITY_DOCUMENT],
}
INDICATOR_TYPES = {"indicator", "relationship", *OBSERVABLE_KINDS}
HEAD_TYPES = {"identity", "marking-definition"}


def BadRequest(message: str) -> ValidationError:
    """A filter or page token that is not what TAXII allows: 400, by config/exception_handler."""
    return ValidationError(message, code="taxii")


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    description: str
    cases: QuerySet[Case] | None  # None: the network registry's collection


def _collection_id(key: str) -> str:
    return str(uuid.uuid5(TAXII_NAMESPACE, key))


REGISTRY_COLLECTION_ID = _collection_id("registry")


def visible_collections(user: User) -> list[Collection]:
    """The agency and operation collections holding at least one case file the user reads,
    then the network registry's, for every registry reader (a partner's feed token too,
    which sees that one only)."""
    collections = _case_collections(user)
    if access.can_read_registry(user):
        collections.append(
            Collection(
                id=REGISTRY_COLLECTION_ID,
                title=_("Network registry"),
                description=_(
                    "The published entries of the network registry of fraudulent "
                    "infrastructure: value, kind, takedown status; never a case."
                ),
                cases=None,
            )
        )
    return collections


def stream_for(user: User, collection: Collection) -> Any:
    """The object stream of a collection: its cases', or the registry's."""
    if collection.cases is None:
        from registry.taxii_collection import RegistryStream  # the registry builds on this

        return RegistryStream(user)
    return Stream(user, collection)


def _case_collections(user: User) -> list[Collection]:
    if not access.can(user, access.Action.VIEW_CASE_FILE):
        return []
    cases = access.visible_cases(user)
    collections = []
    agency_ids = cases.values("agency_id")
    for agency in Agency.objects.filter(pk__in=agency_ids).order_by("code"):
        collections.append(
            Collection(
                id=_collection_id(f"agency:{agency.code}"),
                title=agency.name,
                description=_("The cases of %(agency)s you may see.") % {"agency": agency.name},
                cases=cases.filter(agency_id=agency.pk),
            )
        )
    operations = access.member_operations(user).filter(
        pk__in=cases.filter(operation__isnull=False).values("operation_id")
    )
    for operation in operations.order_by("code"):
        collections.append(
            Collection(
                id=_collection_id(f"operation:{operation.pk}"),
                title=f"{operation.code}: {operation.name}",
                description=_("The cases linked to joint operation %(op)s you may open.")
                % {"op": operation.name},
                cases=cases.filter(operation_id=operation.pk),
            )
        )
    return collections


def get_collection_for_user(user: User, collection_id: str) -> Collection:
    for collection in visible_collections(user):
        if collection.id == collection_id:
            return collection
    raise Http404("No such collection.")


# --- filters and the page key ----------------------------------------------------------


def parse_timestamp(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(_("added_after must be a timestamp.")) from None
    if value.tzinfo is None:
        raise BadRequest(_("added_after must be a timestamp in UTC (ending in Z)."))
    return value


def timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


Key = tuple[datetime, int, int, int]


def encode_key(key: Key) -> str:
    moment, source, row, index = key
    return f"{int(moment.timestamp() * 1_000_000)}-{source}-{row}-{index}"


def decode_key(text: str) -> Key:
    parts = text.split("-")
    if len(parts) != 4 or not all(p.isascii() and p.isdigit() and len(p) < 20 for p in parts):
        raise BadRequest(_("next is not a page of this collection."))
    micros, source, row, index = (int(p) for p in parts)
    try:
        moment = datetime.fromtimestamp(micros / 1_000_000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise BadRequest(_("next is not a page of this collection.")) from None
    return moment, source, row, index


def parse_limit(text: str | None) -> int:
    if text is None or text == "":
        return DEFAULT_LIMIT
    if not text.isascii() or not text.isdigit() or len(text) > 9 or int(text) < 1:
        raise BadRequest(_("limit must be a whole number from 1."))
    return min(int(text), MAX_LIMIT)


@dataclass
class Filters:
    added_after: datetime | None = None
    types: set[str] | None = None
    ids: set[str] | None = None
    after: Key | None = None

    @classmethod
    def from_query(cls, query: Any) -> Filters:
        filters = cls()
        if query.get("added_after"):
            filters.added_after = parse_timestamp(query["added_after"])
        if query.get("match[type]"):
            filters.types = {t.strip() for t in query["match[type]"].split(",") if t.strip()}
        if query.get("match[id]"):
            filters.ids = {i.strip() for i in query["match[id]"].split(",") if i.strip()}
        if query.get("next"):
            filters.after = decode_key(query["next"])
        return filters

    def wants(self, obj_type: str) -> bool:
        return self.types is None or obj_type in self.types


# --- the object stream ------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    key: Key
    obj: Any

    @property
    def date_added(self) -> datetime:
        return self.key[0]


def _keyset(queryset: QuerySet[Any], source: int, filters: Filters) -> QuerySet[Any]:
    if filters.added_after is not None:
        queryset = queryset.filter(created_at__gt=filters.added_after)
    if filters.after is not None:
        moment, source_after, row, _index = filters.after
        if source > source_after:
            queryset = queryset.filter(created_at__gte=moment)
        elif source == source_after:
            queryset = queryset.filter(Q(created_at__gt=moment) | Q(created_at=moment, pk__gte=row))
        else:
            queryset = queryset.filter(created_at__gt=moment)
    return queryset.order_by("created_at", "pk")


class Stream:
    """The objects of one collection for one user, built only for the rows of a page."""

    def __init__(self, user: User, collection: Collection) -> None:
        self.user = user
        assert collection.cases is not None
        self.cases = {c.pk: c for c in collection.cases.select_related("agency")}
        self.identities = {c.agency_id: stix.agency_identity(c.agency) for c in self.cases.values()}
        self.indicators = access.visible_indicators(user).filter(case_id__in=list(self.cases))
        self.suspects = access.visible_suspects(user).filter(case_id__in=list(self.cases))

    def _with_repeat(self, rows: QuerySet[Indicator]) -> QuerySet[Indicator]:
        """Each row with `repeat`: does an earlier row of the collection (in the stream's
        order) hold the same observable? Its id hashes the value, and for an account the
        platform, whatever the kind of account (interchange/stix.py `_observable`)."""

        def sco_kind() -> Case_:
            return Case_(
                When(kind__in=[Kind.SOCIAL_HANDLE, Kind.MESSAGING_ID], then=Value("account")),
                default=F("kind"),
            )

        earlier = (
            self.indicators.annotate(sco_kind=sco_kind())
            .filter(
                sco_kind=OuterRef("sco_kind"),
                value__normalized=OuterRef("value__normalized"),
                platform=OuterRef("platform"),
            )
            .filter(
                Q(created_at__lt=OuterRef("created_at"))
                | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk"))
            )
        )
        return rows.annotate(sco_kind=sco_kind()).annotate(repeat=Exists(earlier))

    def _indicator_rows(self, filters: Filters) -> QuerySet[Indicator]:
        rows = self._with_repeat(self.indicators)
        if filters.types is not None and not filters.types & {"indicator", "relationship"}:
            # Observables only: a repeated row gives none, so it is not read (each row read
            # then gives at least one object, as `page` counts on).
            rows = rows.filter(repeat=False)
            kinds = [k for t in filters.types for k in OBSERVABLE_KINDS.get(t, [])]
            rows = rows.filter(kind__in=kinds)
            if Kind.IP in kinds and filters.types & {"ipv4-addr", "ipv6-addr"} != {
                "ipv4-addr",
                "ipv6-addr",
            }:
                v6 = Q(kind=Kind.IP, value__normalized__contains=":")
                rows = (
                    rows.exclude(v6)
                    if "ipv4-addr" in filters.types
                    else rows.exclude(Q(kind=Kind.IP) & ~v6)
                )
        return _keyset(rows, INDICATORS, filters).select_related("value")

    def _head(self, filters: Filters) -> list[Entry]:
        firsts = [
            q.aggregate(first=Min("created_at"))["first"] for q in (self.indicators, self.suspects)
        ]
        first = min((f for f in firsts if f is not None), default=None)
        if first is None or (filters.added_after is not None and first <= filters.added_after):
            return []
        markings = {
            stix.TLP[c.sharing_level].id: stix.TLP[c.sharing_level] for c in self.cases.values()
        }
        objects = [self.identities[a] for a in sorted(self.identities)]
        objects += [markings[m] for m in sorted(markings)]
        return [Entry((first, HEAD, 0, i), o) for i, o in enumerate(objects)]

    def _suspect_entries(self, rows: QuerySet[Suspect]) -> Iterator[Entry]:
        for suspect in rows:
            case = self.cases[suspect.case_id]
            actor = stix.threat_actor(
                suspect, self.identities[case.agency_id], stix.TLP[case.sharing_level], stable=True
            )
            yield Entry((suspect.created_at, SUSPECTS, suspect.pk, 0), actor)

    def _indicator_entries(self, rows: QuerySet[Indicator]) -> Iterator[Entry]:
        for indicator in rows:
            case = self.cases[indicator.case_id]
            built = stix.indicator_objects(
                indicator,
                case=case,
                identity=self.identities[case.agency_id],
                marking=stix.TLP[case.sharing_level],
                modified=indicator.created_at,
            )
            for index, obj in enumerate(built):
                if index == 0 and getattr(indicator, "repeat", False):
                    continue  # the observable was given by the value's first row
                yield Entry((indicator.created_at, INDICATORS, indicator.pk, index), obj)

    def page(self, filters: Filters, limit: int) -> tuple[list[Entry], bool]:
        """Up to `limit` objects after `filters.after`, and whether more follow."""
        if filters.ids is not None:
            candidates = self._by_ids(filters)
        else:
            # Rows: each gives at least one object of the types asked, but the row of the
            # `next` key is read again (its later objects) and may give none.
            wanted = limit + 2
            streams: list[Iterator[Entry]] = [iter(self._head(filters))]
            if filters.wants("threat-actor"):
                suspects = _keyset(self.suspects, SUSPECTS, filters)[:wanted]
                streams.append(self._suspect_entries(suspects))
            if filters.types is None or filters.types & INDICATOR_TYPES:
                streams.append(self._indicator_entries(self._indicator_rows(filters)[:wanted]))
            candidates = heapq.merge(*streams, key=lambda e: e.key)
        return take_page(candidates, filters, limit)

    def _by_ids(self, filters: Filters) -> list[Entry]:
        """`match[id]`: ids are uuid5 hashes of the rows, so only the row ids are read (in the
        database's order) and only the rows whose objects may match are built."""
        ids = filters.ids or set()
        unpaged = Filters(added_after=filters.added_after)
        found = [e for e in self._head(filters) if e.obj["id"] in ids]
        suspects = _keyset(self.suspects, SUSPECTS, unpaged)
        suspect_pks = [
            pk
            for pk in suspects.values_list("pk", flat=True)
            if f"threat-actor--{uuid.uuid5(stix.FORTRESS_NAMESPACE, f'suspect:{pk}')}" in ids
        ]
        found += list(self._suspect_entries(suspects.filter(pk__in=suspect_pks)))
        types = {i.split("--", 1)[0] for i in ids} & INDICATOR_TYPES
        if types:
            rows = self._indicator_rows(Filters(added_after=filters.added_after, types=types))
            pks = [
                pk
                for pk in rows.values_list("pk", flat=True)
                if f"indicator--{uuid.uuid5(stix.FORTRESS_NAMESPACE, f'indicator:{pk}')}" in ids
                or f"relationship--{uuid.uuid5(stix.FORTRESS_NAMESPACE, f'based-on:{pk}')}" in ids
            ]
            observables = [k for t in types for k in OBSERVABLE_KINDS.get(t, [])]
            # An observable's id hashes its value: the rows of its kinds are built to compare.
            chosen = rows.filter(Q(pk__in=pks) | Q(kind__in=observables))
            found += [e for e in self._indicator_entries(chosen) if e.obj["id"] in ids]
        return sorted(found, key=lambda e: e.key)


def take_page(
    candidates: Iterable[Entry], filters: Filters, limit: int
) -> tuple[list[Entry], bool]:
    """Up to `limit` objects of the stream after `filters.after` and of the types asked, and
    whether more follow."""
    entries: list[Entry] = []
    for entry in candidates:
        if filters.after is not None and entry.key <= filters.after:
            continue
        if not filters.wants(entry.obj["type"]):
            continue
        entries.append(entry)
        if len(entries) > limit:
            break
    return entries[:limit], len(entries) > limit


def manifest_record(entry: Entry) -> dict[str, Any]:
    obj = entry.obj
    version = obj.get("modified") or obj.get("created")
    return {
        "id": obj["id"],
        "date_added": timestamp(entry.date_added),
        "version": timestamp(version)
        if isinstance(version, datetime)
        else str(version or timestamp(entry.date_added)),
        "media_type": MEDIA_TYPE_STIX,
    }


def as_dict(obj: Any) -> dict[str, Any]:
    """A stix2 object as the JSON it serialises to (timestamps as STIX writes them)."""
    return json.loads(obj.serialize())
