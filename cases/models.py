from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from agencies.models import Agency
from cases.money import money_errors, validate_currency
from config import messages
from config.choices import ChoiceLabels
from indicators.normalize import document
from persons.search import search_text


class FraudType(models.TextChoices):
    INVESTMENT = "investment", _("Investment fraud")
    IMPERSONATION = "impersonation", _("Impersonation of authorities")
    PHISHING = "phishing", _("Phishing / smishing")
    ROMANCE = "romance", _("Romance scam")
    JOB_SCAM = "job_scam", _("Job / task scam")
    SEXTORTION = "sextortion", _("Sextortion")
    BEC = "bec", _("Business e-mail compromise")
    CRYPTO = "crypto", _("Crypto fraud")
    OTHER = "other", _("Other")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    UNDER_INVESTIGATION = "under_investigation", _("Under investigation")
    REFERRED = "referred", _("Referred")
    CLOSED = "closed", _("Closed")


class SharingLevel(models.TextChoices):
    RESTRICTED = "restricted", _("Restricted — own agency only")
    SHARED = "shared", _("Shared — plus the agencies named")
    OPERATION = "operation", _("Operation — plus every agency of its joint operation")
    NETWORK = "network", _("Network — every agency")


class OperationStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Active")
    CONCLUDED = "concluded", _("Concluded")


class JointOperation(models.Model):
    """A named multi-agency operation. Its participants see the cases linked to it at the
    `operation` sharing level."""

    name = models.CharField(max_length=200)
    code = models.SlugField(max_length=40, unique=True)
    lead_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="led_operations")
    participants = models.ManyToManyField(
        Agency, through="OperationParticipant", related_name="operations"
    )
    status = models.CharField(
        max_length=20, choices=OperationStatus.choices, default=OperationStatus.PLANNED
    )
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    objectives = models.TextField(blank=True)
    target_countries = CountryField(
        multiple=True, blank=True, help_text=_("Target countries and hotspots.")
    )
    reporting_currency = models.CharField(
        max_length=3,
        default="USD",
        validators=[validate_currency],
        help_text=_(
            "Asset totals are estimated in this currency at the rates the operation records."
        ),
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_on__isnull=True)
                | models.Q(ends_on__isnull=True)
                | models.Q(starts_on__lte=models.F("ends_on")),
                name="operation_period_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"


class ParticipationStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class OperationParticipant(models.Model):
    operation = models.ForeignKey(
        JointOperation, on_delete=models.CASCADE, related_name="participations"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="participations")
    status = models.CharField(
        max_length=20, choices=ParticipationStatus.choices, default=ParticipationStatus.INVITED
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["operation", "agency"], name="one_participation_each")
        ]

    def __str__(self) -> str:
        return f"{self.agency} in {self.operation} ({self.status})"


class CaseSequence(models.Model):
    """The last case number used per country and year; references are never reused."""

    country = models.CharField(max_length=2)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["country", "year"], name="one_sequence_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.country}-{self.year}: {self.last}"


class CaseQuerySet(models.QuerySet["Case"]):
    """Reads scoped to a user are the access policy's (`access.visible_...`), never a
    queryset method: models do not import the policy."""


class Case(ChoiceLabels):
    reference = models.CharField(max_length=20, unique=True, editable=False)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    fraud_type = models.CharField(max_length=20, choices=FraudType.choices, default=FraudType.OTHER)
    status = models.CharField(max_length=24, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="cases")
    lead_investigator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_cases",
    )
    countries = CountryField(multiple=True, blank=True, help_text=_("Countries involved."))
    reported_loss_amount = models.DecimalField(
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    reported_loss_currency = models.CharField(
        max_length=3, blank=True, validators=[validate_currency]
    )
    opened_on = models.DateField(default=timezone.localdate)
    closed_on = models.DateField(null=True, blank=True)
    sharing_level = models.CharField(
        max_length=20, choices=SharingLevel.choices, default=SharingLevel.RESTRICTED
    )
    shared_with = models.ManyToManyField(Agency, blank=True, related_name="cases_shared_with")
    operation = models.ForeignKey(
        JointOperation, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases"
    )
    silent = models.BooleanField(
        default=False,
        help_text=_("Values still match, but only the owning agency learns of the match."),
    )
    # Retention (cases/retention.py): when a closed case is next reviewed, keep or delete;
    # when its personal data was deleted on such a review (the row stays as a tombstone).
    review_on = models.DateField(null=True, blank=True, editable=False, db_index=True)
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["agency", "status"]),
            models.Index(fields=["sharing_level"]),
            # The few silent cases, for the rules that hide a silent case's matches
            # (access/persons.py): one small index, not a scan of every case a query.
            models.Index(fields=["id"], name="case_silent", condition=models.Q(silent=True)),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reported_loss_amount__isnull=True)
                | models.Q(reported_loss_amount__gte=0),
                name="case_loss_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(reported_loss_amount__isnull=True)
                | ~models.Q(reported_loss_currency=""),
                name="case_loss_has_currency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def sharing_errors(self) -> dict[str, str]:
        """The one sharing rule, checked on create, on edit and on a sharing change: the
        `operation` level needs a joint operation to share the case with."""
        if self.sharing_level == SharingLevel.OPERATION and self.operation_id is None:
            return {
                "sharing_level": str(_("The case is in no joint operation: link it to one first."))
            }
        return {}

    def clean(self) -> None:
        errors: dict[str, str] = self.sharing_errors()
        today = timezone.localdate()
        if self.opened_on and self.opened_on > today:
            errors["opened_on"] = "A case cannot be opened in the future."
        if self.closed_on:
            if self.closed_on > today:
                errors["closed_on"] = "A case cannot be closed in the future."
            elif self.opened_on and self.closed_on < self.opened_on:
                errors["closed_on"] = "A case cannot be closed before it was opened."
        if self.reported_loss_currency:
            self.reported_loss_currency = self.reported_loss_currency.upper()
        if self.reported_loss_amount is not None and not self.reported_loss_currency:
            errors["reported_loss_currency"] = "Give the currency of the reported loss."
        if errors:
            raise ValidationError(errors)


# --- the case file: suspects, assets, notes ---------------------------------------------------


class SuspectRole(models.TextChoices):
    ORGANISER = "organiser", _("Organiser")
    RECRUITER = "recruiter", _("Recruiter")
    OPERATOR = "operator", _("Operator")
    MONEY_MULE = "money_mule", _("Money mule")
    INFRASTRUCTURE = "infrastructure", _("Infrastructure")
    OTHER = "other", _("Other")


class SuspectStatus(models.TextChoices):
    AT_LARGE = "at_large", _("At large")
    WANTED = "wanted", _("Wanted")
    ARRESTED = "arrested", _("Arrested")
    CHARGED = "charged", _("Charged")
    CONVICTED = "convicted", _("Convicted")
    EXTRADITION_REQUESTED = "extradition_requested", _("Extradition requested")
    EXTRADITED = "extradited", _("Extradited")


def check_partial_date(year: int | None, month: int | None, day: int | None) -> None:
    """A date of birth known to the year, the month or the day; never in the future."""
    if year is None:
        if month is not None or day is not None:
            raise ValidationError(_("A month or day of birth needs the year."))
        return
    if day is not None and month is None:
        raise ValidationError(_("A day of birth needs the month."))
    today = timezone.localdate()
    if year < 1900:
        raise ValidationError(_("The year of birth must be 1900 or later."))
    try:
        date(year, month or 1, day or 1)
    except ValueError:
        raise ValidationError(_("This date of birth does not exist.")) from None
    if (year, month or 1, day or 1) > (today.year, today.month, today.day):
        raise ValidationError(_("A date of birth cannot be in the future."))


def parse_partial_date(text: str) -> tuple[int | None, int | None, int | None]:
    """`YYYY`, `YYYY-MM` or `YYYY-MM-DD` (empty: unknown) to (year, month, day)."""
    text = (text or "").strip()
    if not text:
        return None, None, None
    parts = text.split("-")
    if len(parts) > 3 or not all(p.isascii() and p.isdigit() for p in parts) or len(parts[0]) != 4:
        raise ValidationError(_("Write the date of birth as YYYY, YYYY-MM or YYYY-MM-DD."))
    numbers = [int(p) for p in parts] + [None] * (3 - len(parts))
    check_partial_date(*numbers)
    return numbers[0], numbers[1], numbers[2]


class Suspect(ChoiceLabels):
    """A person suspected in a case. Names in any script; the date of birth may be partial
    (year, year and month, or a full date)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="suspects")
    full_name = models.CharField(max_length=300)
    aliases = models.JSONField(default=list, blank=True, help_text=_("Other names, any script."))
    search_name = models.TextField(
        blank=True,
        default="",
        db_default="",  # rows inserted in SQL (the persons benchmark) too
        editable=False,
        help_text=_("The full name and aliases folded for search (kept by clean())."),
    )
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    birth_month = models.PositiveSmallIntegerField(null=True, blank=True)
    birth_day = models.PositiveSmallIntegerField(null=True, blank=True)
    nationalities = CountryField(multiple=True, blank=True)
    documents = models.JSONField(
        default=list,
        blank=True,
        help_text=_('Identity documents: [{"type", "country", "number"}].'),
    )
    role = models.CharField(max_length=20, choices=SuspectRole.choices, default=SuspectRole.OTHER)
    status = models.CharField(
        max_length=24, choices=SuspectStatus.choices, default=SuspectStatus.AT_LARGE
    )
    notice_references = models.TextField(
        blank=True, help_text=_("Interpol notices, warrants: one per line.")
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at", "search_name"])

    class Meta:
        ordering = ["case_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(birth_month__isnull=True)
                | models.Q(birth_year__isnull=False, birth_month__gte=1, birth_month__lte=12),
                name="suspect_birth_month_needs_year",
            ),
            models.CheckConstraint(
                condition=models.Q(birth_day__isnull=True)
                | models.Q(birth_month__isnull=False, birth_day__gte=1, birth_day__lte=31),
                name="suspect_birth_day_needs_month",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def refresh_search_name(self) -> None:
        """Fold the full name and aliases again (after either changed)."""
        self.search_name = search_text([self.full_name, *self.aliases])

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if not isinstance(self.aliases, list) or not all(
            isinstance(a, str) and a.strip() for a in self.aliases
        ):
            errors["aliases"] = "Aliases are a list of names."
        else:
            self.aliases = [a.strip() for a in self.aliases]
            self.refresh_search_name()
        try:
            self.documents = document.clean_documents(self.documents)
        except ValidationError as exc:
            errors["documents"] = exc.messages[0]
        try:
            check_partial_date(self.birth_year, self.birth_month, self.birth_day)
        except ValidationError as exc:
            errors["birth_year"] = exc.messages[0]
        if errors:
            raise ValidationError(errors)

    @property
    def date_of_birth(self) -> str:
        """`YYYY`, `YYYY-MM` or `YYYY-MM-DD`; empty when unknown."""
        if self.birth_year is None:
            return ""
        text = f"{self.birth_year:04d}"
        if self.birth_month is not None:
            text += f"-{self.birth_month:02d}"
            if self.birth_day is not None:
                text += f"-{self.birth_day:02d}"
        return text

    @property
    def notice_list(self) -> list[str]:
        return [line.strip() for line in self.notice_references.splitlines() if line.strip()]


class AssetKind(models.TextChoices):
    BANK_ACCOUNT = "bank_account", _("Bank account")
    CRYPTO = "crypto", _("Crypto-assets")
    CASH = "cash", _("Cash")
    PROPERTY = "property", _("Property")
    VEHICLE = "vehicle", _("Vehicle")
    OTHER = "other", _("Other")


class AssetStatus(models.TextChoices):
    TRACED = "traced", _("Traced")
    FREEZE_REQUESTED = "freeze_requested", _("Freeze requested")
    FROZEN = "frozen", _("Frozen")
    SEIZED = "seized", _("Seized")
    RECOVERED = "recovered", _("Recovered")
    RETURNED = "returned", _("Returned to victims")


class Asset(ChoiceLabels):
    """Traced funds or property. Each status change is dated (`status_changed_on`) and kept in
    the history, so the date of every step can be read back."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assets")
    kind = models.CharField(max_length=20, choices=AssetKind.choices, default=AssetKind.OTHER)
    description = models.TextField(blank=True)
    amount = models.DecimalField(
        max_digits=18, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(max_length=3, blank=True, validators=[validate_currency])
    status = models.CharField(
        max_length=20, choices=AssetStatus.choices, default=AssetStatus.TRACED
    )
    status_changed_on = models.DateField(default=timezone.localdate)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["case_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__isnull=True) | models.Q(amount__gte=0),
                name="asset_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__isnull=True) | ~models.Q(currency=""),
                name="asset_amount_has_currency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount or ''} {self.currency}".strip()

    def clean(self) -> None:
        if self.currency:
            self.currency = self.currency.upper()
        errors = money_errors(self.amount, self.currency)
        if self.status_changed_on and self.status_changed_on > timezone.localdate():
            errors["status_changed_on"] = "A status cannot change in the future."
        if errors:
            raise ValidationError(errors)


class NoteKind(models.TextChoices):
    NOTE = "note", _("Note")
    EVENT = "event", _("Event")


class CaseNote(ChoiceLabels):
    """A timeline entry: a note written by a user, or an event the system records (sharing
    changed, access granted...). An edited note keeps its previous text in the history."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case_notes",
    )
    kind = models.CharField(max_length=10, choices=NoteKind.choices, default=NoteKind.NOTE)
    # An event's text is stored in English (search, the audit) and, from its key in the
    # registry of system texts (config.messages) and parameters, shown in the reader's
    # language. A note, and an event written before keys existed, have no key.
    text = models.TextField()
    message_key = models.CharField(max_length=100, blank=True, default="", editable=False)
    params = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["case", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.case_id}: {self.text[:40]}"

    @property
    def edited(self) -> bool:
        return self.updated_at - self.created_at > timedelta(seconds=1)

    @property
    def display_text(self) -> str:
        """The text in the active language (an event's), else as written."""
        return messages.render(self.message_key, self.params, self.text)


# --- retention -------------------------------------------------------------------------------


class RetentionOutcome(models.TextChoices):
    KEEP = "keep", _("Kept")
    DELETE = "delete", _("Personal data deleted")


class RetentionDecision(models.Model):
    """A supervisor's decision on a case due for retention review: keep it (until the next
    review date) or delete its personal data. Each one is also in the audit trail."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="retention_decisions")
    decision = models.CharField(max_length=10, choices=RetentionOutcome.choices)
    reason = models.TextField()
    next_review_on = models.DateField(null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.decision} {self.at:%Y-%m-%d}"
