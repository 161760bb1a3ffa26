"""The network registry of fraudulent infrastructure.

- `RegistryEntry`: one per engine value (`IndicatorValue`), shared by every agency: its
  takedown status, who is working on it, and a version for concurrent steps.
- `RegistrySource`: an agency that published the value, with its confidence, fraud types and
  public description. A withdrawn source is kept (the history) and leaves the lists.
- `PublicationProposal`: an investigator's or analyst's proposal to publish an indicator of
  their case; a supervisor of the same agency approves or refuses. It names the case, so only
  the proposing agency ever reads it.
- `TakedownStep`: one dated, attributed step of the entry's lifecycle.
- `RegistryChange`: one row, a registry-wide change counter, so a feed poll learns whether
  anything changed from one primary-key read (registry/feeds.py).
- `FeedToken`: a token an agency admin issues to a partner organisation (registrar, host,
  telecom, bank, blocklist, awareness campaign): it reads the registry feeds and the lookup,
  nothing else. Only its SHA-256 digest is stored.
- `FeedDownload`: the log of every download and lookup by a feed token.

Nothing here links an entry to a case: the count of cases holding the value is the engine's
`IndicatorValue.case_count`.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from indicators.models import Indicator, IndicatorValue
from indicators.normalize.kinds import Kind

# Infrastructure an agency may publish: what a provider can take down or block.
REGISTRY_KINDS = frozenset(
    {
        Kind.DOMAIN,
        Kind.URL,
        Kind.IP,
        Kind.PHONE,
        Kind.CRYPTO_WALLET,
        Kind.BANK_ACCOUNT,
        Kind.SOCIAL_HANDLE,
        Kind.MESSAGING_ID,
    }
)


class Confidence(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    SUSPECTED = "suspected", _("Suspected")


class EntryStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    TAKEDOWN_REQUESTED = "takedown_requested", _("Takedown requested")
    TAKEN_DOWN = "taken_down", _("Taken down")
    RE_EMERGED = "re_emerged", _("Re-emerged")


class Recipient(models.TextChoices):
    REGISTRAR = "registrar", _("Registrar")
    HOSTING = "hosting_provider", _("Hosting provider")
    PLATFORM = "platform", _("Platform")
    TELECOM = "telecom_operator", _("Telecom operator")
    BANK = "bank", _("Bank")


class ProposalStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class RegistryEntryQuerySet(models.QuerySet["RegistryEntry"]):
    def published(self) -> RegistryEntryQuerySet:
        """Entries with at least one source not withdrawn: the ones the lists show."""
        return self.filter(
            models.Exists(
                RegistrySource.objects.filter(entry=models.OuterRef("pk"), withdrawn_at=None)
            )
        )


class RegistryEntry(models.Model):
    value = models.OneToOneField(
        IndicatorValue, on_delete=models.PROTECT, related_name="registry_entry"
    )
    status = models.CharField(
        max_length=20, choices=EntryStatus.choices, default=EntryStatus.ACTIVE
    )
    status_changed_at = models.DateTimeField(default=timezone.now)
    claimed_by = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The agency working on the takedown, so two do not chase one provider."),
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Set by every service that changes what a feed shows of the entry (status, sources,
    # awareness): the feeds' "changed since" filter and TAXII's date added.
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)
    public_awareness = models.BooleanField(
        default=False, help_text="Shown on the public awareness page while it qualifies."
    )
    awareness_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    awareness_marked_at = models.DateTimeField(null=True, blank=True)

    objects = RegistryEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "registry entries"
        # The lists' order: their first page reads the index instead of sorting every entry.
        indexes = [models.Index(fields=["-created_at", "-id"], name="registry_entry_newest")]

    def __str__(self) -> str:
        return str(self.value)


class Publication(models.Model):
    """What an agency publishes to the network (a registry source, a wanted identity): who
    published it and when, and its withdrawal (withdrawn_at None: published)."""

    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    published_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        abstract = True


class RegistrySource(Publication):
    entry = models.ForeignKey(RegistryEntry, on_delete=models.CASCADE, related_name="sources")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    confidence = models.CharField(max_length=20, choices=Confidence.choices)
    fraud_types = models.JSONField(default=list, blank=True)
    description = models.CharField(max_length=500)

    class Meta:
        ordering = ["published_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "agency"],
                condition=Q(withdrawn_at=None),
                name="one_live_source_per_agency",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency} on {self.entry}"


class PublicationProposal(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    confidence = models.CharField(max_length=20, choices=Confidence.choices)
    fraud_types = models.JSONField(default=list, blank=True)
    description = models.CharField(max_length=500)
    status = models.CharField(
        max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator"],
                condition=Q(status="pending"),
                name="one_pending_proposal_per_indicator",
            )
        ]

    def __str__(self) -> str:
        return f"Proposal to publish {self.indicator}"


class TakedownStep(models.Model):
    entry = models.ForeignKey(RegistryEntry, on_delete=models.CASCADE, related_name="steps")
    status = models.CharField(max_length=20, choices=EntryStatus.choices)
    recipient = models.CharField(max_length=20, choices=Recipient.choices, blank=True)
    reference = models.CharField(max_length=200, blank=True)
    taken_down_on = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.entry}: {self.status}"


class RegistryChange(models.Model):
    """One row (pk 1): bumped in the transaction of every change a feed could show."""

    counter = models.PositiveBigIntegerField(default=0)
    at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"registry change {self.counter}"


class PartnerKind(models.TextChoices):
    REGISTRAR = "registrar", _("Registrar")
    HOSTING = "hosting_provider", _("Hosting provider")
    TELECOM = "telecom", _("Telecom operator")
    BANK = "bank", _("Bank")
    BLOCKLIST = "blocklist", _("Blocklist")
    AWARENESS = "awareness", _("Awareness campaign")
    OTHER = "other", _("Other")


class FeedTokenQuerySet(models.QuerySet["FeedToken"]):
    def usable(self) -> FeedTokenQuerySet:
        now = timezone.now()
        return self.filter(revoked_at=None).filter(Q(expires_at=None) | Q(expires_at__gt=now))


class FeedToken(models.Model):
    KEY_PREFIX = "fft_"

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    partner = models.CharField(max_length=200, help_text="The partner organisation's name.")
    partner_kind = models.CharField(max_length=20, choices=PartnerKind.choices)
    contact = models.CharField(max_length=200, blank=True)
    prefix = models.CharField(max_length=12, help_text="First characters, to recognise it.")
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = FeedTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.partner} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and (
            self.expires_at is None or self.expires_at > timezone.now()
        )

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def generate_key(cls) -> str:
        return cls.KEY_PREFIX + secrets.token_urlsafe(32)


class FeedDownload(models.Model):
    """Who (the token), when, which feed, with which filters, from which address, how many
    entries were sent (0 for a 304)."""

    token = models.ForeignKey(FeedToken, on_delete=models.CASCADE, related_name="downloads")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    feed = models.CharField(max_length=40)
    filters = models.JSONField(default=dict, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(default=200)
    result_size = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.token} {self.feed} at {self.at:%Y-%m-%d %H:%M}"


# --- wanted identities -----------------------------------------------------------------------
# A supervisor publishes the identity of a suspect of the agency's case as wanted or of
# interest: a copy of the identity (names in every script, aliases, date of birth,
# nationalities, documents, handles, notice references) and a public description. The copy
# is what every agency reads: later edits of the suspect never reach the network, and the
# suspect (and so the case) is named only to the publishing agency. Withdrawn, it is kept
# (the history) and matches nobody.


class WantedCategory(models.TextChoices):
    WANTED = "wanted", _("Wanted")
    OF_INTEREST = "of_interest", _("Of interest")


class WantedIdentityQuerySet(models.QuerySet["WantedIdentity"]):
    def published(self) -> WantedIdentityQuerySet:
        return self.filter(withdrawn_at=None)


class WantedIdentity(Publication):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    # The suspect published: the publishing agency's alone to see (never serialised).
    suspect = models.ForeignKey(
        "cases.Suspect", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    category = models.CharField(max_length=20, choices=WantedCategory.choices)
    full_name = models.CharField(max_length=300)
    names = models.JSONField(default=list, blank=True, help_text="The name in other scripts.")
    aliases = models.JSONField(default=list, blank=True)
    search_name = models.TextField(blank=True, default="", editable=False)
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    birth_month = models.PositiveSmallIntegerField(null=True, blank=True)
    birth_day = models.PositiveSmallIntegerField(null=True, blank=True)
    nationalities = models.JSONField(default=list, blank=True, help_text="Country codes.")
    documents = models.JSONField(default=list, blank=True)
    handles = models.JSONField(default=list, blank=True)
    notices = models.JSONField(default=list, blank=True, help_text="Interpol notices, warrants.")
    description = models.CharField(max_length=500)
    withdrawal_reason = models.CharField(max_length=500, blank=True)
    # Derived, folded forms (persons/matching.py Profile.as_json), what matching reads.
    profile = models.JSONField(default=dict)
    # Null until matched against the person index (the sweep picks it up otherwise).
    matched_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = WantedIdentityQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name_plural = "wanted identities"
        constraints = [
            models.UniqueConstraint(
                fields=["suspect"],
                condition=Q(withdrawn_at=None),
                name="one_live_identity_per_suspect",
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def date_of_birth(self) -> str:
        """`YYYY`, `YYYY-MM` or `YYYY-MM-DD`; empty when unknown."""
        parts = [self.birth_year, self.birth_month, self.birth_day]
        if parts[0] is None:
            return ""
        widths = [4, 2, 2]
        return "-".join(f"{p:0{w}d}" for p, w in zip(parts, widths, strict=True) if p is not None)


class WantedKey(models.Model):
    """A blocking key of a published identity (the person index's keys): matching a saved
    person reads the identities sharing one of its keys."""

    identity = models.ForeignKey(WantedIdentity, on_delete=models.CASCADE, related_name="keys")
    key = models.CharField(max_length=120)
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["identity", "key"], name="one_key_per_identity")
        ]
        indexes = [models.Index(fields=["key", "birth_year"], name="wantedkey_key_year")]

    def __str__(self) -> str:
        return self.key


class WantedMatch(models.Model):
    """An indexed suspect or victim whose score against a published identity reached the
    person-match threshold. Recomputed, never decided: it goes when the identity is withdrawn
    or the person changes so that it no longer matches."""

    identity = models.ForeignKey(WantedIdentity, on_delete=models.CASCADE, related_name="matches")
    person = models.ForeignKey("persons.Person", on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField()
    explanation = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-score", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["identity", "person"], name="one_wanted_match")
        ]
        indexes = [models.Index(fields=["person"], name="wantedmatch_person")]

    def __str__(self) -> str:
        return f"{self.person_id}~wanted {self.identity_id} {self.score}"
