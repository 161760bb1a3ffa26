"""The registry's writes: proposals and their decision, withdrawal, the takedown lifecycle
shared by every agency, and the publication and withdrawal of wanted identities. One function
each, transactional, the acting user named."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

import access
from agencies.models import User
from agencies.services import notification_send
from cases.models import FraudType, Suspect
from cases.timeline import case_event_record
from config import messages
from config.errors import PolicyError, check_version
from indicators.models import Indicator
from persons.queue import queue_wanted
from persons.search import search_text
from persons.wanted import index_identity
from registry.models import (
    REGISTRY_KINDS,
    Confidence,
    EntryStatus,
    FeedDownload,
    FeedToken,
    PartnerKind,
    ProposalStatus,
    PublicationProposal,
    Recipient,
    RegistryChange,
    RegistryEntry,
    RegistrySource,
    TakedownStep,
    WantedCategory,
    WantedIdentity,
    WantedMatch,
)
from registry.sightings import sync_sightings

DESCRIPTION_MAX = 500
# Which step may follow which status.
ALLOWED_FROM: dict[str, frozenset[str]] = {
    EntryStatus.TAKEDOWN_REQUESTED: frozenset(
        {EntryStatus.ACTIVE, EntryStatus.TAKEDOWN_REQUESTED, EntryStatus.RE_EMERGED}
    ),
    EntryStatus.TAKEN_DOWN: frozenset(
        {EntryStatus.ACTIVE, EntryStatus.TAKEDOWN_REQUESTED, EntryStatus.RE_EMERGED}
    ),
    EntryStatus.RE_EMERGED: frozenset({EntryStatus.TAKEN_DOWN}),
}
ENTRY_VERSION_FIELDS = ("status", "claimed_by")


def _agency_id(by: User) -> int:
    agency_id = access.agency_id_of(by)
    if agency_id is None:
        raise PolicyError(_("Only an agency member acts on the registry."))
    return agency_id


def _fraud_types(values: Iterable[str]) -> list[str]:
    chosen = [str(v) for v in values]
    unknown = [v for v in chosen if v not in FraudType.values]
    if unknown:
        raise ValidationError(
            {"fraud_types": _("Unknown fraud type: %(types)s.") % {"types": ", ".join(unknown)}}
        )
    return sorted(set(chosen))


def _description(description: str) -> str:
    """A public description: given, and short."""
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": _("Give a short public description.")})
    if len(description) > DESCRIPTION_MAX:
        raise ValidationError(
            {"description": _("At most %(n)d characters.") % {"n": DESCRIPTION_MAX}}
        )
    return description


@transaction.atomic
def proposal_create(
    *,
    indicator: Indicator,
    by: User,
    confidence: str,
    fraud_types: Iterable[str],
    description: str,
) -> PublicationProposal:
    """Propose to publish an indicator of the agency's own case; a supervisor decides."""
    if not access.can_propose_publication(by, indicator):
        if access.is_publishable(by, indicator):
            raise ValidationError(_("A silent case cannot publish to the registry."))
        if indicator.kind not in REGISTRY_KINDS and access.is_own_case(by, indicator.case):
            raise ValidationError(
                {"indicator": _("Only infrastructure can be published to the registry.")}
            )
        raise PolicyError(_("Your role may not publish to the registry."))
    if confidence not in Confidence.values:
        raise ValidationError({"confidence": _("Say confirmed or suspected.")})
    description = _description(description)
    types = _fraud_types(fraud_types)
    agency_id = _agency_id(by)
    if PublicationProposal.objects.filter(
        indicator=indicator, status=ProposalStatus.PENDING
    ).exists():
        raise ValidationError(_("This indicator already waits for a supervisor's decision."))
    if RegistrySource.objects.filter(
        entry__value_id=indicator.value_id, agency_id=agency_id, withdrawn_at=None
    ).exists():
        raise ValidationError(_("Your agency already publishes this value."))
    proposal = PublicationProposal.objects.create(
        indicator=indicator,
        agency_id=agency_id,
        proposed_by=by,
        confidence=confidence,
        fraud_types=types,
        description=description,
    )
    for supervisor in access.agency_users_who_can(agency_id, access.Action.DECIDE_PUBLICATION):
        notification_send(
            user=supervisor,
            key=f"registry-proposal-{proposal.pk}",
            message=messages.text(
                "registry.proposed", who=by.display_name, value=indicator.value.normalized
            ),
            url=reverse("operations:approvals"),
        )
    return proposal


@transaction.atomic
def proposal_decide(
    *, proposal: PublicationProposal, by: User, approve: bool, note: str = ""
) -> PublicationProposal:
    """A supervisor of the proposing agency approves (the value is published: one entry per
    value, this agency one more source) or refuses."""
    proposal = (
        PublicationProposal.objects.select_for_update()
        .select_related("indicator__case", "indicator__value")
        .get(pk=proposal.pk)
    )
    if not access.can_decide_proposal(by, proposal):
        raise PolicyError(_("Only a supervisor of the agency decides its proposals."))
    if approve and not access.can_approve_proposal(by, proposal):
        raise PolicyError(_("Another supervisor must approve a proposal you made yourself."))
    if proposal.status != ProposalStatus.PENDING:
        raise ValidationError(_("This proposal was already decided."))
    indicator = proposal.indicator
    if approve and indicator.case.silent:
        raise ValidationError(_("A silent case cannot publish to the registry."))
    now = timezone.now()
    proposal.status = ProposalStatus.APPROVED if approve else ProposalStatus.REFUSED
    proposal.decided_by, proposal.decided_at = by, now
    proposal.decision_note = (note or "").strip()[:500]
    proposal.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    if approve:
        entry, created = RegistryEntry.objects.get_or_create(value_id=indicator.value_id)
        if not RegistrySource.objects.filter(
            entry=entry, agency_id=proposal.agency_id, withdrawn_at=None
        ).exists():
            RegistrySource.objects.create(
                entry=entry,
                agency_id=proposal.agency_id,
                confidence=proposal.confidence,
                fraud_types=proposal.fraud_types,
                description=proposal.description,
                published_by=by,
                published_at=now,
            )
        if created:
            TakedownStep.objects.create(
                entry=entry, status=EntryStatus.ACTIVE, agency_id=proposal.agency_id, by=by, at=now
            )
        _sync_indicators(entry)
        registry_changed(entry_ids=[entry.pk])
        case_event_record(
            case=indicator.case,
            text=messages.text("registry.published", value=indicator.value.normalized),
            by=by,
        )
    if proposal.proposed_by is not None and proposal.proposed_by_id != by.pk:
        notification_send(
            user=proposal.proposed_by,
            key=f"registry-proposal-{proposal.pk}-decided",
            message=messages.text(
                "registry.approved" if approve else "registry.refused",
                value=indicator.value.normalized,
            ),
        )
    return proposal


@transaction.atomic
def source_withdraw(*, entry: RegistryEntry, by: User) -> RegistrySource:
    """The agency withdraws its source: kept in the history, gone from the lists (and the
    entry with it when no source is left)."""
    source = (
        RegistrySource.objects.select_for_update()
        .filter(entry=entry, agency_id=_agency_id(by), withdrawn_at=None)
        .first()
    )
    if source is None:
        raise ValidationError(_("Your agency does not publish this entry."))
    if not access.can_withdraw_source(by, source):
        raise PolicyError(_("Only a supervisor withdraws the agency's publication."))
    source.withdrawn_at, source.withdrawn_by = timezone.now(), by
    source.save(update_fields=["withdrawn_at", "withdrawn_by"])
    registry_changed(entry_ids=[entry.pk])
    return source


def _locked(entry: RegistryEntry, by: User) -> RegistryEntry:
    if not access.can_record_takedown(by, entry):
        raise PolicyError(_("Your role may not record takedown steps."))
    return RegistryEntry.objects.select_for_update().get(pk=entry.pk)


@transaction.atomic
def entry_record_step(
    *,
    entry: RegistryEntry,
    by: User,
    status: str,
    version: int | None,
    recipient: str = "",
    reference: str = "",
    taken_down_on: datetime.date | None = None,
    note: str = "",
) -> TakedownStep:
    """One step of the takedown lifecycle, dated and attributed to the user's agency. Two
    agencies stepping from the same version: the first wins, the second is a conflict."""
    entry = _locked(entry, by)
    check_version(entry, version, ENTRY_VERSION_FIELDS)
    if status not in ALLOWED_FROM:
        raise ValidationError({"status": _("Unknown step %(s)r.") % {"s": status}})
    if entry.status not in ALLOWED_FROM[status]:
        raise ValidationError(
            {
                "status": _("An entry that is %(now)s cannot go to %(to)s.")
                % {
                    "now": EntryStatus(entry.status).label,
                    "to": EntryStatus(status).label,
                }
            }
        )
    if status == EntryStatus.TAKEDOWN_REQUESTED:
        if recipient not in Recipient.values:
            raise ValidationError({"recipient": _("Say whom the takedown was asked of.")})
    else:
        recipient, reference = "", reference if status == EntryStatus.TAKEN_DOWN else ""
    if status == EntryStatus.TAKEN_DOWN:
        taken_down_on = taken_down_on or timezone.localdate()
        if taken_down_on > timezone.localdate():
            raise ValidationError({"taken_down_on": _("A takedown date is not in the future.")})
    else:
        taken_down_on = None
    now = timezone.now()
    step = TakedownStep.objects.create(
        entry=entry,
        status=status,
        recipient=recipient,
        reference=(reference or "").strip()[:200],
        taken_down_on=taken_down_on,
        note=(note or "").strip(),
        agency_id=_agency_id(by),
        by=by,
        at=now,
    )
    RegistryEntry.objects.filter(pk=entry.pk).update(
        status=status, status_changed_at=now, version=F("version") + 1
    )
    registry_changed(entry_ids=[entry.pk], at=now)
    entry.refresh_from_db()
    _sync_indicators(entry)
    return step


@transaction.atomic
def entry_claim(
    *, entry: RegistryEntry, by: User, version: int | None, release: bool = False
) -> RegistryEntry:
    """The user's agency says it works on the takedown (or lets it go), so two agencies do
    not both chase one provider. Claiming an entry another agency holds is a refusal."""
    entry = _locked(entry, by)
    check_version(entry, version, ENTRY_VERSION_FIELDS)
    if release:
        if entry.claimed_by_id != by.agency_id:
            raise ValidationError(_("Your agency does not work on this entry."))
        claimed_by_id, claimed_at = None, None
    else:
        if entry.claimed_by_id not in (None, by.agency_id):
            raise ValidationError(
                _("%(agency)s already works on this entry.") % {"agency": entry.claimed_by}
            )
        claimed_by_id, claimed_at = _agency_id(by), timezone.now()
    RegistryEntry.objects.filter(pk=entry.pk).update(
        claimed_by_id=claimed_by_id, claimed_at=claimed_at, version=F("version") + 1
    )
    entry.refresh_from_db()
    return entry


def _sync_indicators(entry: RegistryEntry) -> None:
    """Every sighting of the value shows the entry's status (and, taken down, the date of
    the last takedown step): the rule new sightings follow too (registry.sightings)."""
    sync_sightings(Indicator.objects.filter(value_id=entry.value_id))


def registry_changed(*, entry_ids: Iterable[int], at: datetime.datetime | None = None) -> None:
    """What the feeds show of these entries changed: their `updated_at` (the "changed since"
    filter, TAXII's date added) and the registry-wide counter the feeds' ETag is made of, so
    a poll costs one primary-key read when nothing changed. In the caller's transaction."""
    at = at or timezone.now()
    RegistryEntry.objects.filter(pk__in=list(entry_ids)).update(updated_at=at)
    if not RegistryChange.objects.filter(pk=1).update(counter=F("counter") + 1, at=at):
        RegistryChange.objects.get_or_create(pk=1, defaults={"counter": 1, "at": at})


@transaction.atomic
def entry_set_awareness(
    *, entry: RegistryEntry, by: User, public: bool, version: int | None
) -> RegistryEntry:
    """A supervisor of a publishing agency marks the entry for public awareness (or unmarks
    it). Only a website or a number that the agency publishes as confirmed may be marked; the
    public page shows it while it is not taken down (access.public_awareness_entries)."""
    source = access.awareness_source(by, entry)
    if source is None:
        raise PolicyError(_("Only a supervisor of a publishing agency marks it for awareness."))
    entry = RegistryEntry.objects.select_for_update().select_related("value").get(pk=entry.pk)
    check_version(entry, version, ("status", "public_awareness"))
    if public:
        if entry.value.kind not in access.AWARENESS_KINDS:
            raise ValidationError(
                _("Only fraudulent websites (domains, URLs) and phone numbers go public.")
            )
        if source.confidence != Confidence.CONFIRMED:
            raise ValidationError(_("Only an entry your agency confirmed goes public."))
    if entry.public_awareness == public:
        return entry
    now = timezone.now()
    RegistryEntry.objects.filter(pk=entry.pk).update(
        public_awareness=public,
        awareness_marked_by=by if public else None,
        awareness_marked_at=now if public else None,
        version=F("version") + 1,
    )
    registry_changed(entry_ids=[entry.pk], at=now)
    entry.refresh_from_db()
    return entry


PARTNER_MAX = 200


@transaction.atomic
def feed_token_issue(
    *,
    by: User,
    partner: str,
    partner_kind: str,
    contact: str = "",
    expires_at: datetime.datetime | None = None,
) -> tuple[FeedToken, str]:
    """An agency admin issues a feed token to a partner organisation. The key is returned
    once, here; only its digest is stored."""
    if not access.can_manage_feed_tokens(by):
        raise PolicyError(_("Only an agency admin issues feed tokens."))
    partner = (partner or "").strip()
    if not partner:
        raise ValidationError({"partner": _("Name the partner organisation.")})
    if len(partner) > PARTNER_MAX:
        raise ValidationError({"partner": _("At most %(n)d characters.") % {"n": PARTNER_MAX}})
    if partner_kind not in PartnerKind.values:
        raise ValidationError({"partner_kind": _("Say what kind of organisation it is.")})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("An expiry is in the future.")})
    key = FeedToken.generate_key()
    token = FeedToken.objects.create(
        agency_id=_agency_id(by),
        partner=partner,
        partner_kind=partner_kind,
        contact=(contact or "").strip()[:200],
        prefix=key[:12],
        digest=FeedToken.hash_key(key),
        created_by=by,
        expires_at=expires_at,
    )
    return token, key


@transaction.atomic
def feed_token_revoke(*, token: FeedToken, by: User) -> FeedToken:
    """Revoked at once: the next request with it answers 401. Kept, with its log."""
    if not access.can_manage_feed_tokens(by) or token.agency_id != access.agency_id_of(by):
        raise PolicyError(_("Only an admin of the issuing agency revokes its feed tokens."))
    FeedToken.objects.filter(pk=token.pk, revoked_at=None).update(
        revoked_at=timezone.now(), revoked_by=by
    )
    token.refresh_from_db()
    return token


def feed_download_record(
    *,
    token: FeedToken,
    feed: str,
    filters: dict[str, str],
    address: str | None,
    status_code: int,
    result_size: int = 0,
) -> FeedDownload:
    """One line of the feed log (a download, a lookup, a TAXII page, a 304). The token's last
    use is set by its authentication."""
    return FeedDownload.objects.create(
        token=token,
        feed=feed[:40],
        filters={str(k)[:40]: str(v)[:200] for k, v in list(filters.items())[:20]},
        address=address or None,
        status_code=status_code,
        result_size=result_size,
    )


def feed_download_finish(*, download: FeedDownload, result_size: int) -> None:
    """A streamed download's size, once the stream ended."""
    FeedDownload.objects.filter(pk=download.pk).update(result_size=result_size)


# --- wanted identities -----------------------------------------------------------------------

LIST_MAX = 20  # names, aliases, handles or notices on one identity
ITEM_MAX = 200


def _text_list(values: Iterable[str] | None, field: str) -> list[str]:
    items = [str(v).strip() for v in (values or [])]
    items = list(dict.fromkeys(v for v in items if v))
    if len(items) > LIST_MAX:
        raise ValidationError({field: _("At most %(n)d.") % {"n": LIST_MAX}})
    if any(len(v) > ITEM_MAX for v in items):
        raise ValidationError({field: _("At most %(n)d characters each.") % {"n": ITEM_MAX}})
    return items


@transaction.atomic
def wanted_publish(
    *,
    suspect: Suspect,
    by: User,
    category: str,
    description: str,
    names: Iterable[str] | None = None,
    handles: Iterable[str] | None = None,
    notices: Iterable[str] | None = None,
) -> WantedIdentity:
    """A supervisor publishes the identity of a suspect of the agency's case as wanted or of
    interest: a copy of the suspect's names, aliases, date of birth, nationalities, documents
    and notice references (with the names in other scripts, handles and notices given here)
    that every agency reads, never the case. Direct, with a confirmation: the supervisor is
    the approver of the agency's publications. Matching against the person index is queued."""
    suspect = Suspect.objects.select_related("case").get(pk=suspect.pk)
    if not access.can_publish_wanted(by, suspect):
        if access.is_wanted_publishable(by, suspect):
            raise ValidationError(_("A silent case cannot publish to the registry."))
        raise PolicyError(_("Only a supervisor of the agency publishes a wanted identity."))
    if category not in WantedCategory.values:
        raise ValidationError({"category": _("Say wanted or of interest.")})
    description = _description(description)
    if WantedIdentity.objects.published().filter(suspect=suspect).exists():
        raise ValidationError(_("This suspect's identity is already published."))
    agency_id = _agency_id(by)
    extra_names = [n for n in _text_list(names, "names") if n != suspect.full_name]
    aliases = [a for a in suspect.aliases or [] if a not in extra_names]
    identity = WantedIdentity.objects.create(
        agency_id=agency_id,
        suspect=suspect,
        category=category,
        full_name=suspect.full_name,
        names=extra_names,
        aliases=aliases,
        search_name=search_text([suspect.full_name, *extra_names, *aliases]),
        birth_year=suspect.birth_year,
        birth_month=suspect.birth_month,
        birth_day=suspect.birth_day,
        nationalities=[str(c) for c in suspect.nationalities],
        documents=list(suspect.documents or []),
        handles=_text_list(handles, "handles"),
        notices=_text_list([*suspect.notice_list, *(notices or [])], "notices"),
        description=description,
        published_by=by,
    )
    index_identity(identity)
    case_event_record(
        case=suspect.case,
        text=messages.text("wanted.published", name=suspect.full_name, category=category),
        by=by,
    )
    queue_wanted(identity.pk)
    return identity


@transaction.atomic
def wanted_withdraw(*, identity: WantedIdentity, by: User, reason: str = "") -> WantedIdentity:
    """The publishing agency's supervisor withdraws an identity: kept (the history, for that
    agency), and from now on it matches nobody (its keys and matches go at once)."""
    identity = WantedIdentity.objects.select_for_update().get(pk=identity.pk)
    if identity.agency_id != access.agency_id_of(by) or not access.can(
        by, access.Action.PUBLISH_WANTED
    ):
        raise PolicyError(_("Only a supervisor of the publishing agency withdraws it."))
    if identity.withdrawn_at is not None:
        raise ValidationError(_("This identity is already withdrawn."))
    identity.withdrawn_at, identity.withdrawn_by = timezone.now(), by
    identity.withdrawal_reason = (reason or "").strip()[:500]
    identity.version = identity.version + 1
    identity.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason", "version"])
    index_identity(identity)  # no key, no match
    WantedMatch.objects.filter(identity=identity).delete()
    return identity
