"""Victims of a case and their repatriation. The most sensitive data in Fortress: every read
and change of a victim record lands in the append-only `VictimAccessLog`."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from agencies.models import Agency
from cases.models import Case
from cases.money import validate_currency
from config.ids import parse_id
from indicators.normalize import document
from persons.search import search_text


class VictimKind(models.TextChoices):
    FRAUD_VICTIM = "fraud_victim", _("Fraud victim")
    TRAFFICKED_WORKER = "trafficked_worker", _("Trafficked worker (forced criminality)")
    BOTH = "both", _("Both")


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class DatePrecision(models.TextChoices):
    """How much of `date_of_birth` is known: a year-only date is stored as 1 January."""

    DAY = "day", _("Exact date")
    MONTH = "month", _("Month and year")
    YEAR = "year", _("Year only")


class Vulnerability(models.TextChoices):
    MINOR = "minor", _("Minor")
    MEDICAL = "medical", _("Medical need")
    INJURED = "injured", _("Injured")
    PREGNANT = "pregnant", _("Pregnant")


# Vulnerability -> the boolean field that records it.
VULNERABILITY_FIELDS: dict[str, str] = {
    Vulnerability.MINOR: "is_minor",
    Vulnerability.MEDICAL: "has_medical_need",
    Vulnerability.INJURED: "is_injured",
    Vulnerability.PREGNANT: "is_pregnant",
}


# The fields of a victim record a user sets (forms and API); the vulnerabilities are set as a
# list through VULNERABILITY_FIELDS.
VICTIM_INPUT_FIELDS: tuple[str, ...] = (
    "kind",
    "full_name",
    "other_names",
    "sex",
    "date_of_birth",
    "date_of_birth_precision",
    "nationality",
    "languages",
    "contact",
    "current_country",
    "current_facility",
    "loss_amount",
    "loss_currency",
    "consent_to_share",
    "notes",
    "identity_documents",
)


def validate_identity_documents(value: object) -> None:
    """A list of {"type", "country", "number"}, each complete and a valid document (the one
    document normaliser's rule; `Victim.clean` stores them in its canonical form)."""
    try:
        document.clean_documents(value, complete=True)
    except ValidationError as exc:
        raise ValidationError(exc.messages[0], code="invalid_documents") from None


def validate_name_list(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValidationError(_("Other names must be a list of non-empty names."), code="invalid")


def victim_search_name(full_name: str, other_names: Iterable[str]) -> str:
    """What `Victim.search_name` holds."""
    return search_text([full_name, *other_names])


class VictimQuerySet(models.QuerySet["Victim"]):
    """Reads scoped to a user are the access policy's (`access.visible_...`), never a
    queryset method: models do not import the policy."""


class Victim(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="victims")
    kind = models.CharField(max_length=20, choices=VictimKind.choices)
    full_name = models.CharField(
        max_length=200, help_text=_("As written by the person, any script.")
    )
    other_names = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_name_list],
        help_text=_("Aliases, spellings."),
    )
    search_name = models.TextField(
        blank=True,
        editable=False,
        help_text=_("The full and other names folded for search (victims.services keeps it)."),
    )
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    date_of_birth = models.DateField(null=True, blank=True)
    date_of_birth_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    nationality = CountryField(blank=True)
    languages = models.CharField(max_length=200, blank=True, help_text=_("Comma-separated."))
    contact = models.TextField(blank=True, help_text=_("Phone, e-mail, family contact."))
    current_country = CountryField(blank=True)
    current_facility = models.CharField(
        max_length=200, blank=True, help_text=_("Shelter, hospital, detention centre, ...")
    )
    is_minor = models.BooleanField(default=False)
    has_medical_need = models.BooleanField(default=False)
    is_injured = models.BooleanField(default=False)
    is_pregnant = models.BooleanField(default=False)
    loss_amount = models.DecimalField(
        max_digits=18, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    loss_currency = models.CharField(max_length=3, blank=True, validators=[validate_currency])
    consent_to_share = models.BooleanField(
        default=False, help_text=_("The person agrees that other agencies see this record.")
    )
    notes = models.TextField(blank=True)
    identity_documents = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_identity_documents],
        help_text=_('[{"type": "passport", "country": "VN", "number": "C1234567"}]'),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="victims_recorded"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = VictimQuerySet.as_manager()

    class Meta:
        ordering = ["full_name", "id"]
        indexes = [
            models.Index(fields=["case", "current_facility"]),
            models.Index(fields=["nationality"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(loss_amount__isnull=True) | models.Q(loss_amount__gte=0),
                name="victim_loss_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(loss_amount__isnull=True) | ~models.Q(loss_currency=""),
                name="victim_loss_has_currency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.reference})"

    def refresh_search_name(self) -> None:
        """Fold the full and other names again (after either changed)."""
        self.search_name = victim_search_name(self.full_name, self.other_names)

    @property
    def reference(self) -> str:
        return f"V-{self.pk}"

    @staticmethod
    def id_of_reference(text: str) -> int | None:
        """The id `text` names as a reference ("V-12", "v-12", "12"), or None."""
        return parse_id(text.strip().upper().removeprefix("V-"))

    @property
    def repatriation_or_none(self) -> Repatriation | None:
        try:
            return self.repatriation
        except Repatriation.DoesNotExist:
            return None

    @property
    def vulnerabilities(self) -> list[str]:
        return [v for v, field in VULNERABILITY_FIELDS.items() if getattr(self, field)]

    @property
    def vulnerability_labels(self) -> list[str]:
        """The vulnerabilities as the interface names them ("Medical need")."""
        return [str(Vulnerability(v).label) for v in self.vulnerabilities]

    def clean(self) -> None:
        # Stored in canonical form; when invalid, the field's validator has said why.
        with contextlib.suppress(ValidationError):
            self.identity_documents = document.clean_documents(
                self.identity_documents, complete=True
            )
        if self.loss_amount is not None and not self.loss_currency:
            raise ValidationError({"loss_currency": _("A loss needs its currency.")})
        if self.loss_currency:
            self.loss_currency = self.loss_currency.upper()
        if self.date_of_birth and self.date_of_birth > timezone.localdate():
            raise ValidationError({"date_of_birth": _("The date of birth is in the future.")})


class Stage(models.TextChoices):
    IDENTIFIED = "identified", _("Identified")
    RESCUED = "rescued", _("Rescued")
    IN_SHELTER = "in_shelter", _("In shelter")
    IDENTITY_VERIFIED = "identity_verified", _("Identity verified")
    TRAVEL_DOCUMENTS_ISSUED = "travel_documents_issued", _("Travel documents issued")
    TRAVEL_ARRANGED = "travel_arranged", _("Travel arranged")
    REPATRIATED = "repatriated", _("Repatriated")
    REINTEGRATION_FOLLOW_UP = "reintegration_follow_up", _("Reintegration follow-up")
    CLOSED = "closed", _("Closed")
    DECLINED = "declined", _("Declined (victim refused)")
    MISSING = "missing", _("Missing")


class HandoverStatus(models.TextChoices):
    NONE = "", _("Not handed over")
    PENDING = "pending", _("Awaiting acceptance")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class RepatriationQuerySet(models.QuerySet["Repatriation"]):
    def open(self) -> RepatriationQuerySet:
        from victims.stages import TERMINAL_STAGES

        return self.exclude(stage__in=TERMINAL_STAGES)

    def overdue(self, today: datetime.date | None = None) -> RepatriationQuerySet:
        return self.open().filter(due_on__lt=today or timezone.localdate())

    def with_overdue(self, today: datetime.date | None = None) -> RepatriationQuerySet:
        """Annotate `is_overdue`, so lists can order overdue first."""
        from victims.stages import TERMINAL_STAGES

        return self.annotate(
            is_overdue=models.Case(
                models.When(
                    models.Q(due_on__lt=today or timezone.localdate())
                    & ~models.Q(stage__in=TERMINAL_STAGES),
                    then=models.Value(True),
                ),
                default=models.Value(False),
                output_field=models.BooleanField(),
            )
        )


class Repatriation(models.Model):
    """Bringing one victim home. One per victim; its moves are `RepatriationStep`s."""

    victim = models.OneToOneField(Victim, on_delete=models.PROTECT, related_name="repatriation")
    destination_country = CountryField()
    stage = models.CharField(max_length=30, choices=Stage.choices, default=Stage.IDENTIFIED)
    stage_entered_at = models.DateTimeField(default=timezone.now)
    due_on = models.DateField(null=True, blank=True, help_text=_("When the current stage is due."))
    overdue_notified_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Set once the current stage's overdue alert went out.")
    )
    liaison_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repatriations",
        help_text=_("The responsible liaison officer."),
    )
    handed_over_to = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repatriations_received",
    )
    handover_status = models.CharField(
        max_length=10, choices=HandoverStatus.choices, default=HandoverStatus.NONE, blank=True
    )
    handover_reason = models.TextField(blank=True, help_text=_("Why the hand-over was declined."))
    handed_over_at = models.DateTimeField(null=True, blank=True)
    handover_decided_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RepatriationQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["stage", "due_on"]),
            models.Index(fields=["handed_over_to", "handover_status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(handed_over_to__isnull=True, handover_status="")
                | models.Q(handed_over_to__isnull=False) & ~models.Q(handover_status=""),
                name="repatriation_handover_agency_and_status_together",
            ),
        ]

    def __str__(self) -> str:
        return f"Repatriation of {self.victim.reference} to {self.destination_country.code}"

    @property
    def overdue(self) -> bool:
        from victims.stages import TERMINAL_STAGES

        return (
            self.due_on is not None
            and self.stage not in TERMINAL_STAGES
            and self.due_on < timezone.localdate()
        )


class AppendOnlyQuerySet(models.QuerySet):
    """No bulk update or delete either."""

    def update(self, **kwargs):
        raise ValidationError(
            _("%(verbose_name)s entries are never changed.")
            % {"verbose_name": self.model._meta.verbose_name}
        )

    def delete(self):
        raise ValidationError(
            _("%(verbose_name)s entries are never deleted.")
            % {"verbose_name": self.model._meta.verbose_name}
        )


class AppendOnlyModel(models.Model):
    """Rows are written once: the app never updates or deletes them."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValidationError(
                _("%(verbose_name)s entries are never changed.")
                % {"verbose_name": self._meta.verbose_name}
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(
            _("%(verbose_name)s entries are never deleted.")
            % {"verbose_name": self._meta.verbose_name}
        )


class StepEvent(models.TextChoices):
    STARTED = "started", _("Started")
    MOVED = "moved", _("Stage moved")
    HANDED_OVER = "handed_over", _("Handed over")
    ACCEPTED = "accepted", _("Hand-over accepted")
    DECLINED = "declined", _("Hand-over declined")
    # A wrong move put right: a new step back to the stage before it, with the reason. The
    # wrong step stays in the history.
    CORRECTED = "corrected", _("Move corrected")


class RepatriationStep(AppendOnlyModel):
    """The history of a repatriation: every stage move and hand-over decision, dated and
    attributed. Both sides of a hand-over see it."""

    repatriation = models.ForeignKey(Repatriation, on_delete=models.PROTECT, related_name="steps")
    event = models.CharField(max_length=12, choices=StepEvent.choices, default=StepEvent.MOVED)
    from_stage = models.CharField(max_length=30, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=30, choices=Stage.choices)
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The agency handed over to (hand-over events)."),
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["repatriation", "to_stage"])]

    def __str__(self) -> str:
        return f"{self.get_event_display()}: {self.from_stage} → {self.to_stage}"


class AccessAction(models.TextChoices):
    READ = "read", _("Read")
    CREATE = "create", _("Create")
    UPDATE = "update", _("Update")
    REPATRIATION_START = "repatriation_start", _("Repatriation started")
    REPATRIATION_MOVE = "repatriation_move", _("Repatriation moved")
    HANDOVER = "handover", _("Handed over")
    ACCEPT = "accept", _("Hand-over accepted")
    DECLINE = "decline", _("Hand-over declined")


class VictimAccessLog(AppendOnlyModel):
    """Who read or changed which victim record, when, where and why. Append-only."""

    victim = models.ForeignKey(Victim, on_delete=models.PROTECT, related_name="access_log")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    user_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, related_name="+", help_text=_("At the time.")
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=20, choices=AccessAction.choices)
    where = models.CharField(max_length=200, help_text=_("The view or API endpoint."))
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user_agency", "at"])]
        verbose_name = "victim access log"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action} {self.victim_id}"
