"""The vocabulary of the access policy: the actions, which roles may do them, and who acts
for which agency. Every other module of the policy builds on `can` and `agency_id_of`."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeAlias, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django.http import Http404

from agencies.models import Role, User
from config.ids import parse_id

AnyUser: TypeAlias = User | AnonymousUser

M = TypeVar("M", bound=Model)


class Action(StrEnum):
    """What a role may do in its own agency (the access table of the architecture)."""

    VIEW_CASES = "view_cases"
    VIEW_CASE_FILE = "view_case_file"  # suspects, assets, notes, indicators
    EDIT_CASES = "edit_cases"
    MANAGE_INDICATORS = "manage_indicators"
    READ_VICTIM_IDENTITY = "read_victim_identity"
    RECORD_VICTIMS = "record_victims"
    MOVE_REPATRIATION = "move_repatriation"
    VIEW_VICTIM_ACCESS_LOG = "view_victim_access_log"
    SET_SHARING = "set_sharing"
    DECIDE_ACCESS_REQUESTS = "decide_access_requests"
    RUN_OPERATIONS = "run_operations"
    MANAGE_USERS = "manage_users"
    READ_REGISTRY = "read_registry"  # the network registry of fraudulent infrastructure
    PROPOSE_PUBLICATION = "propose_publication"
    DECIDE_PUBLICATION = "decide_publication"  # approve or refuse, withdraw a source
    RECORD_TAKEDOWN = "record_takedown"  # lifecycle steps and claims on any entry
    MANAGE_FEED_TOKENS = "manage_feed_tokens"  # issue and revoke partners' feed tokens
    READ_AUDIT = "read_audit"  # the agency's entries of the audit trail
    REVIEW_RETENTION = "review_retention"  # keep or delete a case due for retention review
    VIEW_STOP_PAYMENTS = "view_stop_payments"  # the requests the agency sent or received
    FILE_STOP_PAYMENT = "file_stop_payment"  # from a case of the agency
    ANSWER_STOP_PAYMENT = "answer_stop_payment"  # acknowledge, record the outcome
    PUBLISH_WANTED = "publish_wanted"  # publish or withdraw a suspect's identity as wanted


_INV, _ANA, _LIA, _SUP, _ADM = (
    Role.INVESTIGATOR,
    Role.ANALYST,
    Role.LIAISON,
    Role.SUPERVISOR,
    Role.AGENCY_ADMIN,
)

PERMISSIONS: dict[Action, frozenset[str]] = {
    Action.VIEW_CASES: frozenset({_INV, _ANA, _LIA, _SUP}),
    Action.VIEW_CASE_FILE: frozenset({_INV, _ANA, _SUP}),
    Action.EDIT_CASES: frozenset({_INV, _SUP}),
    Action.MANAGE_INDICATORS: frozenset({_INV, _ANA, _SUP}),
    Action.READ_VICTIM_IDENTITY: frozenset({_INV, _LIA, _SUP}),
    Action.RECORD_VICTIMS: frozenset({_INV, _LIA, _SUP}),
    Action.MOVE_REPATRIATION: frozenset({_LIA, _SUP}),
    Action.VIEW_VICTIM_ACCESS_LOG: frozenset({_SUP}),
    # The sharing of a case is set by its owning agency's investigators and supervisors.
    Action.SET_SHARING: frozenset({_INV, _SUP}),
    Action.DECIDE_ACCESS_REQUESTS: frozenset({_SUP}),
    Action.RUN_OPERATIONS: frozenset({_SUP}),
    Action.MANAGE_USERS: frozenset({_ADM}),
    # The registry holds no case: every role that works cases reads it (liaison officers
    # included, who deal with telecoms and banks); an agency admin manages users only.
    Action.READ_REGISTRY: frozenset({_INV, _ANA, _LIA, _SUP}),
    Action.PROPOSE_PUBLICATION: frozenset({_INV, _ANA, _SUP}),
    Action.DECIDE_PUBLICATION: frozenset({_SUP}),
    Action.RECORD_TAKEDOWN: frozenset({_INV, _ANA, _SUP}),
    # Partners' feed tokens are accounts of a kind: the agency admin manages them.
    Action.MANAGE_FEED_TOKENS: frozenset({_ADM}),
    Action.READ_AUDIT: frozenset({_SUP}),
    Action.REVIEW_RETENTION: frozenset({_SUP}),
    # Stop-payment requests: read by the roles that read case files; investigators and
    # supervisors of the victim's agency file them, those of the receiving agency answer.
    Action.VIEW_STOP_PAYMENTS: frozenset({_INV, _ANA, _SUP}),
    Action.FILE_STOP_PAYMENT: frozenset({_INV, _SUP}),
    Action.ANSWER_STOP_PAYMENT: frozenset({_INV, _SUP}),
    # A wanted identity names a person to every agency: a supervisor publishes it.
    Action.PUBLISH_WANTED: frozenset({_SUP}),
}
assert set(PERMISSIONS) == set(Action), "every action says which roles may do it"


def agency_id_of(user: AnyUser) -> int | None:
    """The agency a signed-in, active agency member acts for; None for anyone else."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return getattr(user, "agency_id", None)


def can(user: AnyUser, action: Action) -> bool:
    """May this user's role do `action` at all (in its own agency)? An unknown action is a
    bug, for every user: ValueError."""
    roles = PERMISSIONS[Action(action)]
    if agency_id_of(user) is None or not isinstance(user, User):
        return False
    return user.role in roles


def one_or_404(queryset: QuerySet[M], what: str, **lookup: Any) -> M:
    """The one object of `queryset` matching `lookup`, or 404: "not yours", "not there" and a
    malformed id all give the same answer. An id (`pk`, `…_id`) is read by the one rule of
    config/ids.py: "١٢" or "-1" is no id, whatever int() makes of it."""
    for key, value in lookup.items():
        if key == "pk" or key.endswith("_id"):
            lookup[key] = parse_id(value)
            if lookup[key] is None:
                raise Http404(f"No such {what}.")
    try:
        return queryset.get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(f"No such {what}.") from None
