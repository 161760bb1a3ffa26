"""Reads for the stop-payment pages and API, always scoped by access/."""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from django.db.models import QuerySet
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

import access
from agencies.models import Agency, AgencyKind, User
from cases.models import Case
from indicators.models import Hit
from indicators.selectors import hit_counterparts
from payments.models import (
    AccountKind,
    Status,
    StopPaymentRequest,
    StopPaymentRequestQuerySet,
)

# The agencies that handle payments: proposed first among those of the account's country.
PAYMENT_AGENCY_KINDS = (AgencyKind.FIU, AgencyKind.POLICE)
DIRECTIONS = ("received", "sent")


def account_country(account_kind: str, account: str) -> str:
    """The country of a normalised account, where it says one: an IBAN's, a phone's."""
    if account_kind == AccountKind.BANK_ACCOUNT:
        try:
            return IBAN(account).country_code
        except (SchwiftyException, ValueError):
            return ""
    if account_kind == AccountKind.PHONE:
        try:
            return phonenumbers.region_code_for_number(phonenumbers.parse(account)) or ""
        except phonenumbers.NumberParseException:
            return ""
    return ""


def _code(agency: Agency) -> str:
    return str(getattr(agency.country, "code", agency.country))


@dataclass
class Proposal:
    agencies: list[Agency]  # the directory, the proposed ones first
    proposed: Agency | None
    country: str


def other_agencies(user: User) -> list[Agency]:
    """The directory but the user's own agency: whom a request is sent to, or moved on to."""
    return list(Agency.objects.exclude(pk=access.agency_id_of(user) or 0))


def propose_agencies(
    user: User, *, account_kind: str, account: str, hit: Hit | None = None
) -> Proposal:
    """The directory ordered for choosing whom to ask: the agencies holding the value in the
    hit, then those of the account's country (payment-handling kinds — financial intelligence
    units, police — first), then the rest. The user's own agency is not in it."""
    holders = {a.pk for a in hit_counterparts(user, [hit]).get(hit.pk, [])} if hit else set()
    country = account_country(account_kind, account) if account else ""
    agencies = other_agencies(user)

    def rank(agency: Agency) -> tuple:
        return (
            agency.pk not in holders,
            _code(agency) != country if country else True,
            agency.kind not in PAYMENT_AGENCY_KINDS,
            agency.name,
        )

    agencies.sort(key=rank)
    first = agencies[0] if agencies else None
    proposed = (
        first
        if first is not None and (first.pk in holders or (country and _code(first) == country))
        else None
    )
    return Proposal(agencies=agencies, proposed=proposed, country=country)


def queue(user: User, *, direction: str = "", status: str = "") -> QuerySet[StopPaymentRequest]:
    """The requests the user's agency received (or sent, or both), open and urgent first,
    newest first; `status` "overdue" for the open ones past their deadline."""
    agency_id = access.agency_id_of(user)
    requests: StopPaymentRequestQuerySet = access.visible_stop_payments(user)  # type: ignore[assignment]
    if direction == "received":
        requests = requests.filter(to_agency_id=agency_id)
    elif direction == "sent":
        requests = requests.filter(from_agency_id=agency_id)
    if status == "overdue":
        requests = requests.overdue()
    elif status == "open":
        requests = requests.open()
    elif status in Status.values:
        requests = requests.filter(status=status)
    return requests.select_related("from_agency", "to_agency", "case").queue_order()


def trail_of_case(user: User, case: Case) -> list[StopPaymentRequest]:
    """Every hop of the chains started from the case, in chain order: for the case's own
    agency only (an agency of a later hop never learns of the case)."""
    if not access.is_own_case(user, case) or not access.can_view_stop_payments(user):
        return []
    return list(
        access.visible_stop_payments(user)
        .filter(case=case)
        .select_related("from_agency", "to_agency", "frozen_asset")
        .order_by("root_id", "hop", "created_at", "id")
    )


def chains(hops: list[StopPaymentRequest]) -> list[list[StopPaymentRequest]]:
    """Hops grouped by chain, each chain in hop order."""
    by_root: dict[int, list[StopPaymentRequest]] = {}
    for hop in hops:
        by_root.setdefault(hop.root_id or hop.pk, []).append(hop)
    return list(by_root.values())


def visible_chain(user: User, request: StopPaymentRequest) -> list[StopPaymentRequest]:
    """The hops of the request's chain that the user may see: all of them for the victim's
    agency, the hops it sent or received for an agency along the way."""
    return list(
        access.visible_stop_payments(user)
        .filter(root_id=request.root_id)
        .select_related("from_agency", "to_agency")
        .order_by("hop", "created_at", "id")
    )
