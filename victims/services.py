"""The writes on victims and repatriations. Each function is one thing a user does, atomic,
with the actor passed in; pages, API and tasks call these and nothing else. Every change of a
victim record writes a `VictimAccessLog` entry (`where` names the page or endpoint)."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

import access
from agencies.models import Agency, AgencyKind, User
from agencies.services import notification_mail, notification_send
from cases.models import Case
from config import messages
from config.errors import PolicyError, allowed_fields, check_version
from persons.queue import queue_person
from victims import stages
from victims.models import (
    VICTIM_INPUT_FIELDS,
    VULNERABILITY_FIELDS,
    AccessAction,
    HandoverStatus,
    Repatriation,
    RepatriationStep,
    Stage,
    StepEvent,
    Victim,
    VictimAccessLog,
)

log = logging.getLogger(__name__)

# A minor's repatriation is closed only after a hand-over to a care agency: an accepted
# hand-over (the destination agency took responsibility for the child), or a recorded
# hand-over to an agency of one of these kinds (a shelter NGO or a social/labour ministry).
CARE_AGENCY_KINDS: frozenset[str] = frozenset({AgencyKind.NGO, AgencyKind.MINISTRY})

# Fields a victim form or API payload may set (the case, recorder and version come from the
# service, never from input).
VICTIM_FIELDS = VICTIM_INPUT_FIELDS
# What a repatriation's version covers: what its moves, hand-overs and decisions change.
REPATRIATION_VERSIONED_FIELDS = (
    "stage",
    "destination_country",
    "liaison_officer",
    "handed_over_to",
    "handover_status",
)


# --- the access log ------------------------------------------------------------------------


def log_access(
    *, by: User, victims: Iterable[Victim], action: str, where: str, reason: str = ""
) -> None:
    """One append-only entry per victim. The only writer of VictimAccessLog. The log line it
    writes names ids only, never a victim's name (tests/test_deploy_check.py)."""
    victims = list(victims)
    now = timezone.now()
    log.info(
        "victim access %s: %s by user %s (agency %s) at %s",
        action,
        " ".join(victim.reference for victim in victims),
        by.pk,
        by.agency_id,
        where[:200],
    )
    VictimAccessLog.objects.bulk_create(
        VictimAccessLog(
            victim=victim,
            user=by,
            user_agency_id=by.agency_id,
            at=now,
            action=AccessAction(action),
            where=where[:200],
            reason=reason[:300],
        )
        for victim in victims
    )


# --- notifications -------------------------------------------------------------------------


def _notify_agency_liaisons(*, agency: Agency, key: str, message: messages.Text, url: str) -> None:
    for user in access.liaison_officers(agency.pk):
        notification_send(user=user, key=key, message=message, url=url)


# --- victims -------------------------------------------------------------------------------


def _apply_vulnerabilities(victim: Victim, vulnerabilities: Iterable[str] | None) -> None:
    if vulnerabilities is None:
        return
    wanted = set(vulnerabilities)
    unknown = wanted - set(VULNERABILITY_FIELDS)
    if unknown:
        raise ValidationError(
            {
                "vulnerabilities": _("Unknown vulnerability: %(value)s.")
                % {"value": ", ".join(sorted(unknown))}
            }
        )
    for name, field in VULNERABILITY_FIELDS.items():
        setattr(victim, field, name in wanted)


@transaction.atomic
def victim_create(
    *,
    by: User,
    case: Case,
    full_name: str,
    kind: str,
    vulnerabilities: Iterable[str] | None = None,
    where: str = "",
    **fields,
) -> Victim:
    """A victim on a case of the actor's agency."""
    if not access.can_record_victims(by, case):
        raise PolicyError(_("Victims are recorded by the case's agency."))
    allowed_fields(fields, VICTIM_FIELDS)
    victim = Victim(case=case, full_name=full_name, kind=kind, recorded_by=by, **fields)
    _apply_vulnerabilities(victim, vulnerabilities)
    victim.full_clean()
    victim.refresh_search_name()
    victim.save()
    log_access(by=by, victims=[victim], action=AccessAction.CREATE, where=where)
    queue_person("victim", victim.pk)
    return victim


@transaction.atomic
def victim_update(
    *,
    by: User,
    victim: Victim,
    version: int | None,
    vulnerabilities: Iterable[str] | None = None,
    where: str = "",
    **fields: Any,
) -> Victim:
    """Change a victim record. `version` is the version the editor read: missing, or stale
    because someone saved in between, nothing is stored (ConflictError names what differs)."""
    if not access.can_edit_victim(by, victim):
        raise PolicyError(_("Victims are kept by the case's agency."))
    allowed_fields(fields, VICTIM_FIELDS)
    victim = Victim.objects.select_for_update(no_key=True).get(pk=victim.pk)
    incoming = dict(fields)
    if vulnerabilities is not None:
        wanted = set(vulnerabilities)
        incoming.update({f: name in wanted for name, f in VULNERABILITY_FIELDS.items()})
    check_version(
        victim, version, (*VICTIM_FIELDS, *VULNERABILITY_FIELDS.values()), incoming=incoming
    )
    for name, value in fields.items():
        setattr(victim, name, value)
    _apply_vulnerabilities(victim, vulnerabilities)
    victim.full_clean()
    victim.refresh_search_name()
    victim.version += 1
    changed = [*fields, *(VULNERABILITY_FIELDS.values() if vulnerabilities is not None else ())]
    victim.save(update_fields=[*changed, "search_name", "version", "updated_at"])
    log_access(by=by, victims=[victim], action=AccessAction.UPDATE, where=where)
    queue_person("victim", victim.pk)
    return victim


# --- repatriation --------------------------------------------------------------------------


def due_date(stage: str, *, start: datetime.date | None = None) -> datetime.date | None:
    days = stages.stage_days(stage)
    if days is None:
        return None
    return (start or timezone.localdate()) + datetime.timedelta(days=days)


def has_care_handover(repatriation: Repatriation) -> bool:
    if repatriation.handover_status == HandoverStatus.ACCEPTED:
        return True
    return repatriation.steps.filter(
        event=StepEvent.HANDED_OVER, agency__kind__in=CARE_AGENCY_KINDS
    ).exists()


def move_errors(repatriation: Repatriation, stage: str) -> list[str]:
    """Why `repatriation` may not move to `stage` (empty: it may)."""
    if stage not in Stage.values:
        return [_("%(stage)s is not a repatriation stage.") % {"stage": repr(stage)}]
    current = repatriation.stage
    if stage not in stages.TRANSITIONS[current]:
        return [
            _("A repatriation cannot move from %(current)s to %(stage)s.")
            % {"current": Stage(current).label, "stage": Stage(stage).label}
        ]
    errors = []
    if (
        stage in stages.NEEDS_TRAVEL_DOCUMENTS
        and not repatriation.steps.filter(to_stage=Stage.TRAVEL_DOCUMENTS_ISSUED).exists()
    ):
        errors.append(
            _("%(stage)s needs the travel documents to have been issued first.")
            % {"stage": Stage(stage).label}
        )
    if (
        stage == Stage.CLOSED
        and repatriation.victim.is_minor
        and not has_care_handover(repatriation)
    ):
        errors.append(
            _(
                "A minor's repatriation is closed only after a hand-over to a care agency "
                "(accepted by the destination agency, or handed to an NGO/shelter or ministry)."
            )
        )
    return errors


def _check_liaison_officer(officer: User | None, repatriation_agency_id: int) -> None:
    if officer is None:
        return
    if not access.can_be_repatriation_officer(officer, repatriation_agency_id):
        raise ValidationError(
            {"liaison_officer": _("The responsible officer is a liaison officer of the agency.")}
        )


def _record_step(
    repatriation: Repatriation,
    *,
    by: User,
    event: str,
    from_stage: str,
    to_stage: str,
    note: str = "",
    agency: Agency | None = None,
    at: datetime.datetime | None = None,
) -> RepatriationStep:
    return RepatriationStep.objects.create(
        repatriation=repatriation,
        event=event,
        from_stage=from_stage,
        to_stage=to_stage,
        by=by,
        note=note,
        agency=agency,
        at=at or timezone.now(),
    )


def _lock(repatriation: Repatriation) -> Repatriation:
    # The repatriation row only (`of`), and not against foreign-key checks (`no_key`): locking
    # the joined victim and case rows too deadlocked with a worker indexing the victim, whose
    # commit checks its references to the case and then the victim.
    locked = (
        Repatriation.objects.select_for_update(of=("self",), no_key=True)
        .select_related("victim", "victim__case")
        .get(pk=repatriation.pk)
    )
    return locked


@transaction.atomic
def repatriation_start(
    *,
    by: User,
    victim: Victim,
    destination_country: str,
    liaison_officer: User | None = None,
    note: str = "",
    where: str = "",
    at: datetime.datetime | None = None,
) -> Repatriation:
    """Open the repatriation of a victim abroad, at stage identified. `at`: when it was opened,
    if recorded afterwards (see `_step_time`)."""
    at = _step_time(None, at)
    if not access.can_start_repatriation(by, victim):
        raise PolicyError(_("Repatriations are started by the case agency's liaison officers."))
    if Repatriation.objects.filter(victim=victim).exists():
        raise ValidationError(_("This victim already has a repatriation."), code="exists")
    if liaison_officer is None and access.is_liaison_officer(by):
        liaison_officer = by
    _check_liaison_officer(liaison_officer, victim.case.agency_id)
    repatriation = Repatriation(
        victim=victim,
        destination_country=destination_country,
        stage=Stage.IDENTIFIED,
        stage_entered_at=at,
        due_on=due_date(Stage.IDENTIFIED, start=timezone.localdate(at)),
        liaison_officer=liaison_officer,
    )
    repatriation.full_clean()
    repatriation.save()
    _record_step(
        repatriation,
        by=by,
        event=StepEvent.STARTED,
        from_stage="",
        to_stage=Stage.IDENTIFIED,
        note=note,
        at=at,
    )
    log_access(by=by, victims=[victim], action=AccessAction.REPATRIATION_START, where=where)
    return repatriation


def _step_time(
    repatriation: Repatriation | None, at: datetime.datetime | None
) -> datetime.datetime:
    """When a step happened: now, or `at` for a step recorded afterwards (the demo's past),
    which is never in the future nor before the repatriation's last step, so the history
    stays in order. Nothing already recorded is redated."""
    now = timezone.now()
    if at is None:
        return now
    if at > now:
        raise ValidationError(_("A step is not recorded in the future."))
    last = repatriation.steps.order_by("-at").first() if repatriation else None
    if last is not None and at < last.at:
        raise ValidationError(_("A step is not recorded before the last one."))
    return at


def _apply_move(
    repatriation: Repatriation,
    *,
    by: User,
    stage: str,
    note: str,
    event: str = StepEvent.MOVED,
    at: datetime.datetime | None = None,
) -> None:
    now = _step_time(repatriation, at)
    _record_step(
        repatriation,
        by=by,
        event=event,
        from_stage=repatriation.stage,
        to_stage=stage,
        note=note,
        at=now,
    )
    repatriation.stage = stage
    repatriation.stage_entered_at = now
    repatriation.due_on = due_date(stage, start=timezone.localdate(now))
    repatriation.overdue_notified_at = None
    repatriation.version += 1
    repatriation.save(
        update_fields=[
            "stage",
            "stage_entered_at",
            "due_on",
            "overdue_notified_at",
            "version",
            "updated_at",
        ]
    )


@transaction.atomic
def repatriation_move(
    *,
    by: User,
    repatriation: Repatriation,
    stage: str,
    note: str = "",
    version: int | None,
    where: str = "",
    at: datetime.datetime | None = None,
) -> Repatriation:
    """Move to `stage` under the rules of `victims.stages`; the step is recorded and the new
    stage gets its due date. Refused (nothing moves) when `version`, the version the user
    read, is missing or stale. `at`: when the move happened, if recorded afterwards."""
    repatriation = _lock(repatriation)
    if not access.can_move_repatriation(by, repatriation):
        raise PolicyError(_("You do not move this repatriation."))
    check_version(repatriation, version, REPATRIATION_VERSIONED_FIELDS)
    errors = move_errors(repatriation, stage)
    if errors:
        raise ValidationError({"stage": errors})
    _apply_move(repatriation, by=by, stage=stage, note=note, at=at)
    log_access(
        by=by, victims=[repatriation.victim], action=AccessAction.REPATRIATION_MOVE, where=where
    )
    return repatriation


def correctable_move(repatriation: Repatriation) -> RepatriationStep | None:
    """The repatriation's last step when it is a stage move that a correction may undo (no
    hand-over or correction came after it), else None."""
    last = repatriation.steps.order_by("-at", "-id").first()
    return last if last is not None and last.event == StepEvent.MOVED else None


@transaction.atomic
def repatriation_correct_move(
    *,
    by: User,
    repatriation: Repatriation,
    reason: str,
    version: int | None,
    where: str = "",
) -> Repatriation:
    """Put right a wrong stage move: a new, dated and attributed step back to the stage the
    last move left, with the reason. The wrong step stays in the history (nothing is edited);
    the stage gets its due date again. Only the last step, when it is a move, is corrected."""
    repatriation = _lock(repatriation)
    if not access.can_move_repatriation(by, repatriation):
        raise PolicyError(_("You do not move this repatriation."))
    check_version(repatriation, version, REPATRIATION_VERSIONED_FIELDS)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the move was wrong.")})
    wrong = correctable_move(repatriation)
    if wrong is None:
        raise ValidationError(_("Only the last step, when it is a stage move, can be corrected."))
    _apply_move(
        repatriation,
        by=by,
        stage=wrong.from_stage,
        note=reason,
        event=StepEvent.CORRECTED,
    )
    log_access(
        by=by, victims=[repatriation.victim], action=AccessAction.REPATRIATION_MOVE, where=where
    )
    return repatriation


@dataclass(frozen=True)
class BulkMoveError:
    repatriation_id: int
    victim_reference: str
    errors: list[str]


class BulkMoveRefused(ValidationError):
    """One or more repatriations of a bulk move may not move: none was moved."""

    def __init__(self, problems: list[BulkMoveError]):
        self.problems = problems
        super().__init__(
            [f"{p.victim_reference}: {' '.join(p.errors)}" for p in problems], code="bulk_refused"
        )


@transaction.atomic
def repatriation_bulk_move(
    *,
    by: User,
    repatriations: Sequence[Repatriation],
    stage: str,
    note: str = "",
    where: str = "",
) -> list[Repatriation]:
    """Move a group (e.g. everyone of one shelter rescued in one raid) in one action,
    all-or-nothing: if any one may not move, none moves and every problem is reported. Each
    repatriation gets its own recorded step."""
    if not repatriations:
        raise ValidationError(_("Choose at least one repatriation to move."), code="empty")
    locked = list(
        Repatriation.objects.select_for_update(of=("self",), no_key=True)
        .select_related("victim", "victim__case")
        .filter(pk__in=[r.pk for r in repatriations])
        .order_by("pk")
    )
    if len(locked) != len({r.pk for r in repatriations}) or not all(
        access.can_move_repatriation(by, r) for r in locked
    ):
        raise PolicyError(_("You do not move one of these repatriations."))
    problems = [
        BulkMoveError(r.pk, r.victim.reference, errors)
        for r in locked
        if (errors := move_errors(r, stage))
    ]
    if problems:
        raise BulkMoveRefused(problems)
    for repatriation in locked:
        _apply_move(repatriation, by=by, stage=stage, note=note)
    log_access(
        by=by,
        victims=[r.victim for r in locked],
        action=AccessAction.REPATRIATION_MOVE,
        where=where,
        reason="bulk move",
    )
    return locked


HANDOVER_FIELDS = ("handed_over_to", "handover_status", "handover_reason", "handover_decided_at")


def _repatriation_url(repatriation: Repatriation) -> str:
    return reverse("victims:repatriation_detail", args=[repatriation.pk])


@transaction.atomic
def repatriation_handover(
    *,
    by: User,
    repatriation: Repatriation,
    agency: Agency,
    note: str = "",
    version: int | None,
    where: str = "",
) -> Repatriation:
    """Hand the repatriation to an agency of the destination country; it accepts or declines.
    The victim must have consented to sharing their record with other agencies. Refused when
    `version`, the version the user read, is missing or stale."""
    repatriation = _lock(repatriation)
    if not access.can_handover(by, repatriation):
        raise PolicyError(_("You do not hand over this repatriation."))
    check_version(repatriation, version, REPATRIATION_VERSIONED_FIELDS)
    if agency.pk == repatriation.victim.case.agency_id:
        raise ValidationError({"agency": _("Hand over to another agency than your own.")})
    if agency.country != repatriation.destination_country:
        raise ValidationError(
            {
                "agency": _("Hand over to an agency of the destination country (%(name)s).")
                % {"name": repatriation.destination_country.name}
            }
        )
    if not repatriation.victim.consent_to_share:
        raise ValidationError(
            _(
                "The victim has not consented to share their record with other agencies; record "
                "the consent before handing over."
            )
        )
    if repatriation.stage in stages.TERMINAL_STAGES:
        raise ValidationError(_("A closed repatriation is not handed over."))
    now = timezone.now()
    repatriation.handed_over_to = agency
    repatriation.handover_status = HandoverStatus.PENDING
    repatriation.handover_reason = ""
    repatriation.handed_over_at = now
    repatriation.handover_decided_at = None
    repatriation.version += 1
    repatriation.save(update_fields=[*HANDOVER_FIELDS, "handed_over_at", "version", "updated_at"])
    _record_step(
        repatriation,
        by=by,
        event=StepEvent.HANDED_OVER,
        from_stage=repatriation.stage,
        to_stage=repatriation.stage,
        agency=agency,
        note=note,
        at=now,
    )
    log_access(by=by, victims=[repatriation.victim], action=AccessAction.HANDOVER, where=where)
    url = _repatriation_url(repatriation)
    transaction.on_commit(
        lambda: _notify_agency_liaisons(
            agency=agency,
            key=f"handover:{repatriation.pk}:{now.isoformat()}",
            message=messages.text(
                "handover.arrived", ref=repatriation.victim.reference, agency=by.agency
            ),
            url=url,
        )
    )
    return repatriation


def _decide(
    *, by: User, repatriation: Repatriation, accept: bool, reason: str, where: str
) -> Repatriation:
    repatriation = _lock(repatriation)
    if not access.can_accept(by, repatriation):
        raise PolicyError(_("Your agency has no pending hand-over of this repatriation."))
    if not accept and not reason.strip():
        raise ValidationError({"reason": _("Say why the hand-over is declined.")})
    now = timezone.now()
    repatriation.handover_status = HandoverStatus.ACCEPTED if accept else HandoverStatus.DECLINED
    repatriation.handover_reason = "" if accept else reason.strip()
    repatriation.handover_decided_at = now
    previous_officer = repatriation.liaison_officer
    if accept and access.is_liaison_officer(by):
        # The accepting officer becomes responsible: overdue alerts now go to them.
        repatriation.liaison_officer = by
    repatriation.version += 1
    repatriation.save(update_fields=[*HANDOVER_FIELDS, "liaison_officer", "version", "updated_at"])
    _record_step(
        repatriation,
        by=by,
        event=StepEvent.ACCEPTED if accept else StepEvent.DECLINED,
        from_stage=repatriation.stage,
        to_stage=repatriation.stage,
        agency=repatriation.handed_over_to,
        note=repatriation.handover_reason,
        at=now,
    )
    log_access(
        by=by,
        victims=[repatriation.victim],
        action=AccessAction.ACCEPT if accept else AccessAction.DECLINE,
        where=where,
        reason=repatriation.handover_reason,
    )
    if previous_officer is not None and previous_officer.pk != by.pk:
        verb = "accepted" if accept else "declined"  # the key and the message's
        transaction.on_commit(
            lambda: notification_send(
                user=previous_officer,
                key=f"handover-{verb}:{repatriation.pk}:{now.isoformat()}",
                message=messages.text(
                    f"handover.{verb}",
                    agency=repatriation.handed_over_to,
                    ref=repatriation.victim.reference,
                ),
                url=_repatriation_url(repatriation),
            )
        )
    return repatriation


@transaction.atomic
def repatriation_accept(*, by: User, repatriation: Repatriation, where: str = "") -> Repatriation:
    """The destination agency takes the repatriation: its liaison officers now see the victim
    and act on the later stages."""
    return _decide(by=by, repatriation=repatriation, accept=True, reason="", where=where)


@transaction.atomic
def repatriation_decline(
    *, by: User, repatriation: Repatriation, reason: str, where: str = ""
) -> Repatriation:
    """The destination agency refuses, with a reason; it loses sight of the repatriation and
    the holding agency may hand over elsewhere."""
    return _decide(by=by, repatriation=repatriation, accept=False, reason=reason, where=where)


# --- the overdue job -----------------------------------------------------------------------


def _responsible_officers(repatriation: Repatriation) -> list[User]:
    officer = repatriation.liaison_officer
    if (
        officer is not None
        and officer.is_active
        and access.can_move_repatriation(officer, repatriation)
    ):
        return [officer]
    # Nobody (able) is responsible: the holding agency's liaison officers hear of it.
    return list(access.liaison_officers(repatriation.victim.case.agency_id))


def flag_overdue_repatriations(*, today: datetime.date | None = None) -> int:
    """Notify the responsible liaison officer of each repatriation whose current stage is past
    its due date, once per stage: the claim is a conditional UPDATE, so two runs (or two
    workers) never notify twice. Returns how many were flagged."""
    today = today or timezone.localdate()
    flagged = 0
    candidates = (
        Repatriation.objects.overdue(today)
        .filter(overdue_notified_at__isnull=True)
        .select_related("victim", "victim__case", "liaison_officer")
    )
    for repatriation in candidates.iterator():
        with transaction.atomic():
            claimed = Repatriation.objects.filter(
                pk=repatriation.pk,
                stage=repatriation.stage,
                due_on=repatriation.due_on,
                overdue_notified_at__isnull=True,
            ).update(overdue_notified_at=timezone.now())
            if not claimed:
                continue
            flagged += 1
            _send_overdue_alert(repatriation)
    return flagged


def _send_overdue_alert(repatriation: Repatriation) -> None:
    # No victim name leaves the system by e-mail: the reference and the stage say enough.
    reference = repatriation.victim.reference
    message = messages.text(
        "repatriation.overdue",
        ref=reference,
        stage=repatriation.stage,
        due=f"{repatriation.due_on:%Y-%m-%d}",
    )
    url = _repatriation_url(repatriation)
    link = f"{settings.FORTRESS_SITE_URL}{url}"  # read outside the site: absolute
    key = f"overdue:{repatriation.pk}:{repatriation.stage}:{repatriation.due_on:%Y-%m-%d}"
    for officer in _responsible_officers(repatriation):
        if notification_send(user=officer, key=key, message=message, url=url) is None:
            continue
        if officer.email:
            transaction.on_commit(
                lambda officer=officer: notification_mail(
                    officer,
                    message,
                    link,
                    subject=messages.text("repatriation.overdue_subject", ref=reference),
                )
            )
