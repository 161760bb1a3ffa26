"""The registry's feeds: who reads them, and what a partner's feed token may open.

A feed token is issued by an agency admin to a named partner organisation (a registrar, a
host, a telecom operator, a bank, a blocklist, an awareness campaign). It reads the network
registry's feeds (CSV, plain lists, STIX, the TAXII registry collection) and its lookup, and
nothing else: every other route answers 404 to it (`feed_route_allowed`, asked by
registry.feedauth.FeedTokenGate before any view runs). Its principal, `FeedReader`, is no
agency member and has no role, so every other question of the policy answers no for it.

The public awareness page needs no account: it shows only entries marked for awareness that
still qualify (`public_awareness_entries`).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from access.core import Action, AnyUser, agency_id_of, can, one_or_404
from indicators.normalize.kinds import Kind
from registry.models import (
    Confidence,
    EntryStatus,
    FeedDownload,
    FeedToken,
    RegistryEntry,
    RegistrySource,
)

# The routes (URL names) a feed token opens: the feeds, the lookup, and TAXII (whose
# collections a feed token sees are the registry's only).
FEED_ROUTES = frozenset(
    {
        "registry-feed",
        "registry-lookup",
        "taxii:discovery",
        "taxii:api-root",
        "taxii:collections",
        "taxii:collection",
        "taxii:objects",
        "taxii:object",
        "taxii:object-versions",
        "taxii:manifest",
    }
)
# What the public page shows: confirmed fraudulent websites and numbers, still a danger
# (active, a takedown asked but not done, or seen again after one).
AWARENESS_KINDS = frozenset({Kind.DOMAIN, Kind.URL, Kind.PHONE})
AWARENESS_STATUSES = frozenset(
    {EntryStatus.ACTIVE, EntryStatus.TAKEDOWN_REQUESTED, EntryStatus.RE_EMERGED}
)


class FeedReader:
    """A partner organisation reading through its feed token: signed in, but no agency
    member and no role."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    pk = None

    def __init__(self, token: FeedToken) -> None:
        self.token = token

    def __str__(self) -> str:
        return f"feed token of {self.token.partner}"


def is_feed_reader(user: Any) -> bool:
    return isinstance(user, FeedReader)


def feed_route_allowed(view_name: str) -> bool:
    return view_name in FEED_ROUTES


def can_manage_feed_tokens(user: AnyUser) -> bool:
    return can(user, Action.MANAGE_FEED_TOKENS)


def visible_feed_tokens(user: AnyUser) -> QuerySet[FeedToken]:
    """The feed tokens the user's agency issued, for its admins."""
    agency_id = agency_id_of(user)
    if agency_id is None or not can_manage_feed_tokens(user):
        return FeedToken.objects.none()
    return FeedToken.objects.filter(agency_id=agency_id)


def get_feed_token_for_user(user: AnyUser, pk: Any) -> FeedToken:
    return one_or_404(visible_feed_tokens(user), "feed token", pk=pk)


def visible_feed_downloads(user: AnyUser) -> QuerySet[FeedDownload]:
    """The download log of the agency's feed tokens, for its admins."""
    return FeedDownload.objects.filter(token__in=visible_feed_tokens(user))


def awareness_source(user: AnyUser, entry: RegistryEntry) -> RegistrySource | None:
    """The user's agency's live source on the entry, if the user is a supervisor there: a
    publishing supervisor marks an entry for public awareness (or unmarks it)."""
    agency_id = agency_id_of(user)
    if agency_id is None or not can(user, Action.DECIDE_PUBLICATION):
        return None
    return RegistrySource.objects.filter(
        entry=entry, agency_id=agency_id, withdrawn_at=None
    ).first()


def public_awareness_entries() -> QuerySet[RegistryEntry]:
    """Entries marked for awareness that qualify now: a website or number, confirmed by a
    live source, not taken down. Anyone reads them, without an account."""
    confirmed = RegistrySource.objects.filter(
        entry=OuterRef("pk"), withdrawn_at=None, confidence=Confidence.CONFIRMED
    )
    return RegistryEntry.objects.filter(
        Exists(confirmed),
        public_awareness=True,
        value__kind__in=AWARENESS_KINDS,
        status__in=AWARENESS_STATUSES,
    )
