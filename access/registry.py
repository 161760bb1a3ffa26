"""The network registry: who reads it, who proposes, decides and records its steps.

Every agency member that works cases reads every published entry (value, kind, publishing
agencies, descriptions, status): nothing of a case is in it. A proposal names the indicator
and so the case: only the proposing agency reads its own proposals (the proposer's roles),
and only its supervisors decide them. A source is withdrawn by a supervisor of its agency.
Lifecycle steps and claims are shared by every agency, for the roles that manage indicators.

Wanted identities: a supervisor publishes the identity of a suspect of the agency's own case
(not a silent one) and withdraws it. Every role that reads the registry reads every published
identity in full; a withdrawn one stays readable to its own agency (the history) only. The
suspect behind an identity, and so its case, is never reached from it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from access.cases import is_own_case
from access.core import Action, AnyUser, agency_id_of, can, one_or_404
from access.feeds import FeedReader, is_feed_reader
from cases.models import Case, Suspect
from indicators.models import Indicator
from registry.models import (
    REGISTRY_KINDS,
    PublicationProposal,
    RegistryEntry,
    RegistrySource,
    WantedIdentity,
)


def can_read_registry(user: AnyUser | FeedReader) -> bool:
    """Every role that works cases, and a partner's feed token (which reaches only the feeds
    and the lookup: access/feeds.py)."""
    return is_feed_reader(user) or can(user, Action.READ_REGISTRY)  # type: ignore[arg-type]


def visible_registry_entries(user: AnyUser | FeedReader) -> QuerySet[RegistryEntry]:
    """Published entries (a source not withdrawn), for every role that reads the registry."""
    if not can_read_registry(user):
        return RegistryEntry.objects.none()
    return RegistryEntry.objects.published()


def get_registry_entry_for_user(user: AnyUser, pk: Any) -> RegistryEntry:
    return one_or_404(
        visible_registry_entries(user).select_related("value", "claimed_by"),
        "registry entry",
        pk=pk,
    )


def is_publishable(user: AnyUser, indicator: Indicator) -> bool:
    """An indicator of infrastructure of the agency's own case, for the proposing roles: the
    publish page opens (a silent case is then told it may not)."""
    return (
        is_own_case(user, indicator.case)
        and can(user, Action.PROPOSE_PUBLICATION)
        and indicator.kind in REGISTRY_KINDS
    )


def publishable_kinds(user: AnyUser, case: Case) -> frozenset[str]:
    """The kinds of the case's indicators the user may propose to publish (none for a silent
    case)."""
    if case.silent or not is_own_case(user, case) or not can(user, Action.PROPOSE_PUBLICATION):
        return frozenset()
    return frozenset(str(k) for k in REGISTRY_KINDS)


def can_propose_publication(user: AnyUser, indicator: Indicator) -> bool:
    """Publishable, and the case is not silent: a silent case reveals nothing."""
    return is_publishable(user, indicator) and not indicator.case.silent


def visible_proposals(user: AnyUser) -> QuerySet[PublicationProposal]:
    """The proposals of the user's own agency, for the roles that propose or decide."""
    agency_id = agency_id_of(user)
    if agency_id is None or not (
        can(user, Action.PROPOSE_PUBLICATION) or can(user, Action.DECIDE_PUBLICATION)
    ):
        return PublicationProposal.objects.none()
    return PublicationProposal.objects.filter(agency_id=agency_id)


def decidable_proposals(user: AnyUser) -> QuerySet[PublicationProposal]:
    """Pending proposals a supervisor of the agency decides."""
    if not can(user, Action.DECIDE_PUBLICATION):
        return PublicationProposal.objects.none()
    return visible_proposals(user).filter(status="pending")


def get_proposal_for_user(user: AnyUser, pk: Any) -> PublicationProposal:
    return one_or_404(
        visible_proposals(user).select_related("indicator__case", "indicator__value"),
        "proposal",
        pk=pk,
    )


def can_decide_proposal(user: AnyUser, proposal: PublicationProposal) -> bool:
    return can(user, Action.DECIDE_PUBLICATION) and proposal.agency_id == agency_id_of(user)


def can_approve_proposal(user: AnyUser, proposal: PublicationProposal) -> bool:
    """Four eyes: a supervisor who decides the proposal, and not the one who proposed it (the
    proposer may still refuse, that is, take the proposal back)."""
    return can_decide_proposal(user, proposal) and proposal.proposed_by_id != getattr(
        user, "pk", None
    )


def can_withdraw_publications(user: AnyUser) -> bool:
    """May the user withdraw the agency's publications at all (its supervisors)?"""
    return can(user, Action.DECIDE_PUBLICATION)


def can_withdraw_source(user: AnyUser, source: RegistrySource) -> bool:
    return can(user, Action.DECIDE_PUBLICATION) and source.agency_id == agency_id_of(user)


def can_record_takedown(user: AnyUser, entry: RegistryEntry) -> bool:
    return can(user, Action.RECORD_TAKEDOWN)


# --- wanted identities -----------------------------------------------------------------------


def visible_wanted_identities(user: AnyUser) -> QuerySet[WantedIdentity]:
    """Published identities for every registry reader; withdrawn ones for their own agency."""
    if not can_read_registry(user):
        return WantedIdentity.objects.none()
    return WantedIdentity.objects.filter(Q(withdrawn_at=None) | Q(agency_id=agency_id_of(user)))


def get_wanted_identity_for_user(user: AnyUser, pk: Any) -> WantedIdentity:
    return one_or_404(
        visible_wanted_identities(user).select_related("agency"), "wanted identity", pk=pk
    )


def is_wanted_publishable(user: AnyUser, suspect: Suspect) -> bool:
    """A suspect of the agency's own case, for its supervisors: the publish page opens (a
    silent case is then told it may not)."""
    return is_own_case(user, suspect.case) and can(user, Action.PUBLISH_WANTED)


def can_publish_wanted_from(user: AnyUser, case: Case) -> bool:
    """The suspects of `case` may be published: the agency's own case, for its supervisors,
    and not silent (a silent case reveals nothing)."""
    return is_own_case(user, case) and can(user, Action.PUBLISH_WANTED) and not case.silent


def can_publish_wanted(user: AnyUser, suspect: Suspect) -> bool:
    """Publishable, and the case is not silent."""
    return can_publish_wanted_from(user, suspect.case)


def can_withdraw_wanted(user: AnyUser, identity: WantedIdentity) -> bool:
    return (
        can(user, Action.PUBLISH_WANTED)
        and identity.agency_id == agency_id_of(user)
        and identity.withdrawn_at is None
    )
