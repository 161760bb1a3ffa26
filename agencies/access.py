"""The one access policy of Fortress: who may see what, and who may do what.

Every read of cases (and of everything hanging off a case) is scoped here; views, API,
exports and tasks ask these functions and never filter by hand. An object a user may not
see does not exist for that user: the `get_*_for_user` helpers raise Http404 for both
"not yours" and "not there".

Later parts of the system add their own questions here, beside their twins.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from agencies.models import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from agencies.models import User
    from cases.models import Case, CaseQuerySet, JointOperation
    from victims.models import Repatriation, RepatriationQuerySet, Victim, VictimQuerySet

    AnyUser = User | AnonymousUser


class Action:
    """What a role may do in its own agency (docs/ARCHITECTURE.md, the access table)."""

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


_INV, _ANA, _LIA, _SUP, _ADM = (
    Role.INVESTIGATOR,
    Role.ANALYST,
    Role.LIAISON,
    Role.SUPERVISOR,
    Role.AGENCY_ADMIN,
)

PERMISSIONS: dict[str, frozenset[str]] = {
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
}


def agency_id_of(user: AnyUser) -> int | None:
    """The agency a signed-in, active agency member acts for; None for anyone else."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return getattr(user, "agency_id", None)


def can(user: AnyUser, action: str) -> bool:
    """May this user's role do `action` at all (in its own agency)?"""
    if agency_id_of(user) is None:
        return False
    return user.role in PERMISSIONS[action]


def _one_or_404(queryset, what: str, **lookup: Any):
    """The one object of `queryset` matching `lookup`, or 404: "not yours", "not there" and a
    malformed id all give the same answer."""
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404(f"No such {what}.") from None


# --- cases -------------------------------------------------------------------------------


def case_visibility_q(user: AnyUser, prefix: str = "") -> Q:
    """A Q over Case (or over a model with a `case` relation, given `prefix="case__"`)
    matching exactly the cases `user` may see."""
    from cases.models import Case, OperationParticipant, ParticipationStatus, SharingLevel

    agency_id = agency_id_of(user)
    if agency_id is None or not can(user, Action.VIEW_CASES):
        return Q(pk__in=[])
    shared_with_me = Exists(
        Case.shared_with.through.objects.filter(case_id=OuterRef("pk"), agency_id=agency_id)
    )
    in_my_operation = Exists(
        OperationParticipant.objects.filter(
            operation_id=OuterRef("operation_id"),
            agency_id=agency_id,
            status=ParticipationStatus.ACCEPTED,
        )
    )
    cases = Case.objects.filter(
        Q(agency_id=agency_id)
        | Q(sharing_level=SharingLevel.NETWORK)
        | Q(sharing_level=SharingLevel.SHARED) & shared_with_me
        | Q(sharing_level=SharingLevel.OPERATION)
        & (Q(operation__lead_agency_id=agency_id) | in_my_operation)
    ).values("pk")
    return Q(**{f"{prefix}pk__in" if prefix else "pk__in": cases})


def visible_cases(user: AnyUser) -> CaseQuerySet:
    from cases.models import Case

    return Case.objects.visible_to(user)


def get_case_for_user(user: AnyUser, pk: Any, *, write: bool = False) -> Case:
    """The case if `user` may see it (and edit it, with `write=True`); else 404."""
    case = _one_or_404(visible_cases(user), "case", pk=pk)
    if write and not can_edit_case(user, case):
        raise Http404("No such case.")
    return case


def is_own_case(user: AnyUser, case: Case) -> bool:
    agency_id = agency_id_of(user)
    return agency_id is not None and case.agency_id == agency_id


def can_edit_case(user: AnyUser, case: Case) -> bool:
    """Cases are edited by the owning agency's investigators and supervisors; others read."""
    return is_own_case(user, case) and can(user, Action.EDIT_CASES)


def can_view_case_file(user: AnyUser, case: Case) -> bool:
    """Suspects, assets, notes and indicators of a visible case: not for liaison officers."""
    return can(user, Action.VIEW_CASE_FILE)


def can_set_sharing(user: AnyUser, case: Case) -> bool:
    return is_own_case(user, case) and can(user, Action.SET_SHARING)


# --- the case file: suspects, assets, notes (visible case AND can_view_case_file) ----------


def _case_file(user: AnyUser, model):
    if not can(user, Action.VIEW_CASE_FILE):
        return model.objects.none()
    return model.objects.filter(case_visibility_q(user, prefix="case__"))


def visible_suspects(user: AnyUser):
    from cases.models import Suspect

    return _case_file(user, Suspect)


def visible_assets(user: AnyUser):
    from cases.models import Asset

    return _case_file(user, Asset)


def visible_notes(user: AnyUser):
    from cases.models import CaseNote

    return _case_file(user, CaseNote)


def _get_file_object(queryset, user: AnyUser, pk: Any, write: bool):
    obj = _one_or_404(queryset.select_related("case"), queryset.model._meta.verbose_name, pk=pk)
    if write and not can_edit_case(user, obj.case):
        raise Http404("Not found.")
    return obj


def get_suspect_for_user(user: AnyUser, pk: Any, *, write: bool = False):
    """The suspect if `user` may see its case file (and edit the case, with `write=True`)."""
    return _get_file_object(visible_suspects(user), user, pk, write)


def get_asset_for_user(user: AnyUser, pk: Any, *, write: bool = False):
    return _get_file_object(visible_assets(user), user, pk, write)


def get_note_for_user(user: AnyUser, pk: Any, *, write: bool = False):
    return _get_file_object(visible_notes(user), user, pk, write)


# --- victims and repatriation --------------------------------------------------------------
# Victim identities: the owning agency's investigators, liaison officers and supervisors, plus
# the liaison officers and supervisors of an agency that ACCEPTED the hand-over of the
# victim's repatriation. While a hand-over is pending, the destination's liaison officers and
# supervisors see the repatriation with a hand-over summary of the person (name, sex, date of
# birth, nationality, location, vulnerabilities: what they need to accept or decline), not
# the victim record itself (contact, documents, losses, notes). A declined hand-over gives
# nothing. Analysts (and agencies a case is shared with) see counts only. Liaison officers
# and supervisors move repatriations; investigators follow them read-only.


def victim_visibility_q(user: AnyUser, prefix: str = "") -> Q:
    """A Q over Victim (or a model with a victim relation, `prefix="victim__"`) matching the
    victims whose identity `user` may read."""
    from victims.models import HandoverStatus

    agency_id = agency_id_of(user)
    if agency_id is None or not can(user, Action.READ_VICTIM_IDENTITY):
        return Q(pk__in=[])
    q = Q(**{f"{prefix}case__agency_id": agency_id})
    if can(user, Action.MOVE_REPATRIATION):
        q |= Q(
            **{
                f"{prefix}repatriation__handed_over_to_id": agency_id,
                f"{prefix}repatriation__handover_status": HandoverStatus.ACCEPTED,
            }
        )
    return q


def visible_victims(user: AnyUser) -> VictimQuerySet:
    from victims.models import Victim

    return Victim.objects.visible_to(user)


def get_victim_for_user(user: AnyUser, pk: Any, *, write: bool = False) -> Victim:
    """The victim if `user` may read its identity (and edit it, with `write=True`); else 404."""
    victim = _one_or_404(
        visible_victims(user).select_related("case", "case__agency"), "victim", pk=pk
    )
    if write and not can_edit_victim(user, victim):
        raise Http404("No such victim.")
    return victim


def countable_victims(user: AnyUser) -> VictimQuerySet:
    """Victims the user may COUNT (not read): those of every case the user may see. Analysts
    and agencies a case is shared with get numbers from this, never names."""
    from victims.models import Victim

    return Victim.objects.filter(case_visibility_q(user, prefix="case__"))


def victim_count(user: AnyUser, case: Case) -> int:
    return countable_victims(user).filter(case_id=case.pk).count()


def can_record_victims(user: AnyUser, case: Case) -> bool:
    return is_own_case(user, case) and can(user, Action.RECORD_VICTIMS)


def can_edit_victim(user: AnyUser, victim: Victim) -> bool:
    """Victim records are kept by the owning agency (the agency of the victim's case)."""
    return can_record_victims(user, victim.case)


def repatriation_visibility_q(user: AnyUser) -> Q:
    """A Q over Repatriation: those of visible victims, plus hand-overs awaiting the user's
    agency (for its liaison officers and supervisors to accept or decline)."""
    from victims.models import HandoverStatus

    agency_id = agency_id_of(user)
    q = victim_visibility_q(user, prefix="victim__")
    if agency_id is not None and can(user, Action.MOVE_REPATRIATION):
        q |= Q(handed_over_to_id=agency_id, handover_status=HandoverStatus.PENDING)
    return q


def visible_repatriations(user: AnyUser) -> RepatriationQuerySet:
    from victims.models import Repatriation

    return Repatriation.objects.visible_to(user)


def get_repatriation_for_user(user: AnyUser, pk: Any) -> Repatriation:
    return _one_or_404(
        visible_repatriations(user).select_related(
            "victim", "victim__case", "liaison_officer", "handed_over_to"
        ),
        "repatriation",
        pk=pk,
    )


def is_holding_agency(user: AnyUser, repatriation: Repatriation) -> bool:
    """The agency whose case the victim belongs to: it holds the repatriation."""
    agency_id = agency_id_of(user)
    return agency_id is not None and repatriation.victim.case.agency_id == agency_id


def is_accepting_agency(user: AnyUser, repatriation: Repatriation) -> bool:
    from victims.models import HandoverStatus

    agency_id = agency_id_of(user)
    return (
        agency_id is not None
        and repatriation.handed_over_to_id == agency_id
        and repatriation.handover_status == HandoverStatus.ACCEPTED
    )


def can_start_repatriation(user: AnyUser, victim: Victim) -> bool:
    return is_own_case(user, victim.case) and can(user, Action.MOVE_REPATRIATION)


def can_move_repatriation(user: AnyUser, repatriation: Repatriation) -> bool:
    """The holding agency's liaison officers and supervisors move the stages; after an
    accepted hand-over, so do the accepting agency's."""
    return can(user, Action.MOVE_REPATRIATION) and (
        is_holding_agency(user, repatriation) or is_accepting_agency(user, repatriation)
    )


def movable_repatriations(user: AnyUser) -> RepatriationQuerySet:
    """The repatriations `user` may move (the queryset twin of can_move_repatriation)."""
    from victims.models import HandoverStatus, Repatriation

    agency_id = agency_id_of(user)
    if agency_id is None or not can(user, Action.MOVE_REPATRIATION):
        return Repatriation.objects.none()
    return Repatriation.objects.filter(
        Q(victim__case__agency_id=agency_id)
        | Q(handed_over_to_id=agency_id, handover_status=HandoverStatus.ACCEPTED)
    )


def handovers_awaiting(user: AnyUser) -> RepatriationQuerySet:
    """Repatriations handed over to the user's agency and awaiting its decision."""
    from victims.models import HandoverStatus, Repatriation

    agency_id = agency_id_of(user)
    if agency_id is None or not can(user, Action.MOVE_REPATRIATION):
        return Repatriation.objects.none()
    return Repatriation.objects.filter(
        handed_over_to_id=agency_id, handover_status=HandoverStatus.PENDING
    )


def can_handover(user: AnyUser, repatriation: Repatriation) -> bool:
    """The holding agency hands over, when no hand-over is pending or accepted."""
    from victims.models import HandoverStatus

    return (
        can(user, Action.MOVE_REPATRIATION)
        and is_holding_agency(user, repatriation)
        and repatriation.handover_status in (HandoverStatus.NONE, HandoverStatus.DECLINED)
    )


def can_accept(user: AnyUser, repatriation: Repatriation) -> bool:
    """Accept or decline: the liaison officers and supervisors of the agency handed to."""
    from victims.models import HandoverStatus

    agency_id = agency_id_of(user)
    return (
        can(user, Action.MOVE_REPATRIATION)
        and agency_id is not None
        and repatriation.handed_over_to_id == agency_id
        and repatriation.handover_status == HandoverStatus.PENDING
    )


def can_view_victim_access_log(user: AnyUser) -> bool:
    """Supervisors read their agency's victim access log."""
    return can(user, Action.VIEW_VICTIM_ACCESS_LOG)


def visible_victim_access_log(user: AnyUser):
    """Entries about the agency's own victims, and entries made by the agency's users."""
    from victims.models import VictimAccessLog

    if not can_view_victim_access_log(user):
        return VictimAccessLog.objects.none()
    agency_id = agency_id_of(user)
    return VictimAccessLog.objects.filter(
        Q(victim__case__agency_id=agency_id) | Q(user_agency_id=agency_id)
    )


# --- joint operations ----------------------------------------------------------------------


# Members of an operation are its lead agency and the agencies that ACCEPTED their invitation.
# Members' case readers see the operation and ALL its figures: counts over every linked case,
# whatever its sharing level (a `restricted` case adds to the counts but opens for nobody
# else). The lists behind the figures hold only what the viewer may see anyway (visible cases,
# case files, victim identities, own hits); the rest is a number. The lead and the participants
# see the same figures; the lead's supervisors also run the operation (edit, invite, status,
# rates). An invited agency sees the invitation (name, lead, period, objectives, participants)
# and its supervisors accept or decline; a declined or never-invited agency gets 404.


def _operation_member_q(agency_id: int) -> Q:
    from cases.models import OperationParticipant, ParticipationStatus

    return Q(lead_agency_id=agency_id) | Q(
        pk__in=OperationParticipant.objects.filter(
            agency_id=agency_id, status=ParticipationStatus.ACCEPTED
        ).values("operation_id")
    )


def visible_operations(user: AnyUser):
    """Operations the user's agency leads, takes part in, or is invited to (not declined)."""
    from cases.models import JointOperation, OperationParticipant, ParticipationStatus

    agency_id = agency_id_of(user)
    if agency_id is None or not can(user, Action.VIEW_CASES):
        return JointOperation.objects.none()
    invited = OperationParticipant.objects.filter(
        agency_id=agency_id, status=ParticipationStatus.INVITED
    ).values("operation_id")
    return JointOperation.objects.filter(_operation_member_q(agency_id) | Q(pk__in=invited))


def get_operation_for_user(user: AnyUser, pk: Any) -> JointOperation:
    return _one_or_404(visible_operations(user), "operation", pk=pk)


def member_operations(user: AnyUser):
    """Operations whose figures and linked data the user may review: led or joined."""
    from cases.models import JointOperation

    agency_id = agency_id_of(user)
    if agency_id is None or not can(user, Action.VIEW_CASES):
        return JointOperation.objects.none()
    return JointOperation.objects.filter(_operation_member_q(agency_id))


def get_member_operation_for_user(user: AnyUser, pk: Any) -> JointOperation:
    """The operation if the user's agency leads or joined it (figures, report); else 404."""
    return _one_or_404(member_operations(user).select_related("lead_agency"), "operation", pk=pk)


def is_operation_member(user: AnyUser, operation: JointOperation) -> bool:
    return member_operations(user).filter(pk=operation.pk).exists()


def operation_counted_cases(user: AnyUser, operation: JointOperation):
    """Every case linked to the operation, for COUNTS only (members); never listed as such:
    the lists behind the figures use visible_cases and its twins."""
    from cases.models import Case

    if not is_operation_member(user, operation):
        return Case.objects.none()
    return Case.objects.filter(operation_id=operation.pk)


def can_run_operation(user: AnyUser, operation: JointOperation) -> bool:
    """The lead agency's supervisors edit the operation, invite, move its status, set rates."""
    agency_id = agency_id_of(user)
    return (
        agency_id is not None
        and operation.lead_agency_id == agency_id
        and can(user, Action.RUN_OPERATIONS)
    )


def operation_invitations(user: AnyUser):
    """Pending invitations of the user's agency, for its supervisors to accept or decline."""
    from cases.models import OperationParticipant, ParticipationStatus

    agency_id = agency_id_of(user)
    if agency_id is None or not can(user, Action.RUN_OPERATIONS):
        return OperationParticipant.objects.none()
    return OperationParticipant.objects.filter(
        agency_id=agency_id, status=ParticipationStatus.INVITED
    )


def get_invitation_for_user(user: AnyUser, operation_pk: Any):
    return _one_or_404(
        operation_invitations(user).select_related("operation", "operation__lead_agency"),
        "invitation",
        operation_id=operation_pk,
    )


def can_respond_to_invitation(user: AnyUser, participation) -> bool:
    from cases.models import ParticipationStatus

    return (
        can(user, Action.RUN_OPERATIONS)
        and participation.agency_id == agency_id_of(user)
        and participation.status == ParticipationStatus.INVITED
    )


def can_link_case(user: AnyUser, operation: JointOperation, case: Case) -> bool:
    """A member agency links its OWN cases (those its investigators and supervisors edit)."""
    return can_edit_case(user, case) and is_operation_member(user, operation)


def linkable_cases(user: AnyUser, operation: JointOperation) -> CaseQuerySet:
    """The user's own agency's cases it may link to the operation (not linked elsewhere)."""
    from cases.models import Case

    agency_id = agency_id_of(user)
    if agency_id is None or not can(user, Action.EDIT_CASES):
        return Case.objects.none()
    if not is_operation_member(user, operation):
        return Case.objects.none()
    return Case.objects.filter(agency_id=agency_id).filter(
        Q(operation__isnull=True) | Q(operation_id=operation.pk)
    )


# --- user accounts -------------------------------------------------------------------------


def agency_users_who_can(agency_id: int, action: str):
    """The active accounts of an agency whose role may do `action` (e.g. who may lead a case,
    who may be responsible for a repatriation)."""
    from agencies.models import User

    return User.objects.filter(agency_id=agency_id, is_active=True, role__in=PERMISSIONS[action])


def manageable_users(user: AnyUser):
    """The accounts an agency admin manages: those of their own agency."""
    from agencies.models import User

    if not can(user, Action.MANAGE_USERS):
        return User.objects.none()
    return User.objects.filter(agency_id=agency_id_of(user))


def get_managed_user_for(user: AnyUser, pk: Any) -> User:
    return _one_or_404(manageable_users(user), "user", pk=pk)


# --- indicators, cross-reference hits and access requests ----------------------------------
# A hit tells the agency holding a value that cases of other agencies hold it too: which
# agency, and whom to contact there — never anything of the other case unless that case is
# visible to the viewer anyway. A silent case's values still match, and its owner sees the
# hits; the other agencies learn nothing from it.


def visible_indicators(user: AnyUser):
    """Indicators of the cases `user` may see, for roles that read the case file."""
    from indicators.models import Indicator

    return _case_file(user, Indicator)


def get_indicator_for_user(user: AnyUser, pk: Any, *, write: bool = False):
    indicator = _get_file_object(visible_indicators(user), user, pk, False)
    if write and not can_manage_indicators(user, indicator.case):
        raise Http404("Not found.")
    return indicator


def can_manage_indicators(user: AnyUser, case: Case) -> bool:
    """Indicators are added and edited by the owning agency's investigators, analysts and
    supervisors."""
    return is_own_case(user, case) and can(user, Action.MANAGE_INDICATORS)


def visible_hits(user: AnyUser):
    """The hits of the user's own agency's cases (for the roles that review hits)."""
    from indicators.models import Hit

    agency_id = agency_id_of(user)
    if agency_id is None or not can(user, Action.MANAGE_INDICATORS):
        return Hit.objects.none()
    return Hit.objects.filter(case__agency_id=agency_id)


def get_hit_for_user(user: AnyUser, pk: Any):
    return _one_or_404(visible_hits(user).select_related("case", "value"), "hit", pk=pk)


def hit_counterparts(user: AnyUser, hits) -> dict[int, list]:
    """For each of the user's hits: the other agencies holding its value (excluding their
    silent cases), each with its contact. Two queries for any number of hits."""
    from agencies.models import Agency
    from indicators.models import Indicator

    hits = list(hits)
    agency_id = agency_id_of(user)
    if agency_id is None or not hits:
        return {}
    pairs = set(
        Indicator.objects.filter(value_id__in={h.value_id for h in hits}, case__silent=False)
        .exclude(case__agency_id=agency_id)
        .values_list("value_id", "case__agency_id")
        .distinct()
    )
    agencies = Agency.objects.in_bulk({a for _, a in pairs})
    by_value: dict[int, list] = {}
    for value_id, other in sorted(pairs, key=lambda p: agencies[p[1]].name):
        by_value.setdefault(value_id, []).append(agencies[other])
    return {h.pk: by_value.get(h.value_id, []) for h in hits}


def hit_visible_cases(user: AnyUser, hits) -> dict[int, list]:
    """For each hit: the other agencies' cases holding its value that the user may see anyway
    (shared with the user's agency, network-wide, ...): only these may be named to the user.
    One query for any number of hits."""
    hits = list(hits)
    if not hits:
        return {}
    rows = (
        visible_cases(user)
        .filter(indicators__value_id__in={h.value_id for h in hits})
        .exclude(agency_id=agency_id_of(user))
        .exclude(silent=True)  # a silent case never confirms a match, visible or not
        .values_list("indicators__value_id", "pk", "reference")
        .order_by("reference")
    )
    by_value: dict[int, list] = {}
    for value_id, pk, reference in rows:
        by_value.setdefault(value_id, []).append({"pk": pk, "reference": reference})
    return {h.pk: by_value.get(h.value_id, []) for h in hits}


def can_review_hit(user: AnyUser, hit) -> bool:
    return is_own_case(user, hit.case) and can(user, Action.MANAGE_INDICATORS)


def can_request_access(user: AnyUser, hit) -> bool:
    """From a hit of its own case, a member who reviews hits asks for the other case."""
    return can_review_hit(user, hit)


def visible_access_requests(user: AnyUser):
    """Requests the user's agency made (for those who review hits) and requests for its cases
    (for its supervisors, who decide them)."""
    from indicators.models import AccessRequest

    agency_id = agency_id_of(user)
    if agency_id is None:
        return AccessRequest.objects.none()
    q = Q(pk__in=[])
    if can(user, Action.MANAGE_INDICATORS):
        q |= Q(requesting_agency_id=agency_id)
    if can(user, Action.DECIDE_ACCESS_REQUESTS):
        q |= Q(case__agency_id=agency_id)
    return AccessRequest.objects.filter(q)


def decidable_access_requests(user: AnyUser):
    """Requests for the user's agency's cases, for its supervisors to grant or refuse."""
    from indicators.models import AccessRequest

    agency_id = agency_id_of(user)
    if agency_id is None or not can(user, Action.DECIDE_ACCESS_REQUESTS):
        return AccessRequest.objects.none()
    return AccessRequest.objects.filter(case__agency_id=agency_id)


def get_access_request_for_user(user: AnyUser, pk: Any):
    return _one_or_404(
        visible_access_requests(user).select_related(
            "case", "requesting_agency", "requested_by", "hit__value"
        ),
        "access request",
        pk=pk,
    )


def can_decide_access_request(user: AnyUser, access_request) -> bool:
    return is_own_case(user, access_request.case) and can(user, Action.DECIDE_ACCESS_REQUESTS)


# --- person matches --------------------------------------------------------------------------
# A person match is seen by the roles that review hits, in the agencies holding either person,
# under the hit rule: the other side learns that agency X holds a matching person and whom to
# contact, never the person's record unless that record is visible to the viewer anyway (the
# pages name a person only through visible_suspects / visible_victims). A person in a silent
# case still matches; only its own agency learns of the match.


def person_match_visibility_q(user: AnyUser) -> Q:
    agency_id = agency_id_of(user)
    if agency_id is None or not can(user, Action.MANAGE_INDICATORS):
        return Q(pk__in=[])
    return Q(a__agency_id=agency_id) & (Q(b__case__silent=False) | Q(b__agency_id=agency_id)) | Q(
        b__agency_id=agency_id
    ) & (Q(a__case__silent=False) | Q(a__agency_id=agency_id))


def visible_person_matches(user: AnyUser):
    from persons.models import PersonMatch

    return PersonMatch.objects.filter(person_match_visibility_q(user))


def get_person_match_for_user(user: AnyUser, pk: Any):
    return _one_or_404(
        visible_person_matches(user).select_related(
            "a__case", "a__agency", "b__case", "b__agency", "decided_by"
        ),
        "person match",
        pk=pk,
    )


def can_review_person_match(user: AnyUser, match) -> bool:
    """Confirm or dismiss: the reviewing roles of an agency involved that sees the match."""
    return (
        can(user, Action.MANAGE_INDICATORS)
        and visible_person_matches(user).filter(pk=match.pk).exists()
    )


def can_request_person_access(user: AnyUser, match) -> bool:
    return can_review_person_match(user, match)
