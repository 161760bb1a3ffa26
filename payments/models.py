"""Stop-payment requests: the victim's agency asks the agency of the receiving account's
country to freeze funds before a deadline. A request answered "moved on" files a follow-on
request to the next agency, chained to it (`parent`, and `root` the first of the chain): the
chain is the money trail. Every hop keeps the originating case (`case`), which only the
agency owning it reads.

Each step is dated and attributed on the row (filed, acknowledged, answered), and the row's
`version` makes an answer a claim: of two answers given at once, one wins and the other is a
conflict."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from cases.models import Asset, Case
from cases.money import validate_currency
from indicators.models import Indicator


class AccountKind(models.TextChoices):
    BANK_ACCOUNT = "bank_account", _("Bank account / IBAN")
    CRYPTO_WALLET = "crypto_wallet", _("Crypto wallet")
    PHONE = "phone", _("Phone (mobile money)")


class Urgency(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    NORMAL = "normal", _("Normal")


class Status(models.TextChoices):
    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    FROZEN = "frozen", _("Frozen")
    PARTIALLY_FROZEN = "partially_frozen", _("Partially frozen")
    MOVED_ON = "moved_on", _("Funds moved on")
    REFUSED = "refused", _("Refused")
    EXPIRED = "expired", _("Expired")


OPEN_STATUSES = (Status.SENT, Status.ACKNOWLEDGED)
FREEZE_STATUSES = (Status.FROZEN, Status.PARTIALLY_FROZEN)
# The outcomes a receiving agency records (expired is the deadline job's).
OUTCOMES = (Status.FROZEN, Status.PARTIALLY_FROZEN, Status.MOVED_ON, Status.REFUSED)


class Source(models.TextChoices):
    ASSET = "asset", _("Asset of the case")
    INDICATOR = "indicator", _("Indicator of the case")
    HIT = "hit", _("Cross-reference hit")
    TYPED = "typed", _("Typed in")
    FOLLOW_ON = "follow_on", _("Follow-on of a request")


class StopPaymentRequestQuerySet(models.QuerySet["StopPaymentRequest"]):
    """Reads scoped to a user are the access policy's (`access.visible_stop_payments`)."""

    def open(self) -> StopPaymentRequestQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, now: datetime.datetime | None = None) -> StopPaymentRequestQuerySet:
        return self.open().filter(deadline__lt=now or timezone.now())

    def queue_order(self) -> StopPaymentRequestQuerySet:
        """Open requests first, urgent before normal, newest first."""
        return self.annotate(
            open_rank=models.Case(
                models.When(status__in=OPEN_STATUSES, then=0),
                default=1,
                output_field=models.IntegerField(),
            ),
            urgent_rank=models.Case(
                models.When(urgency=Urgency.URGENT, then=0),
                default=1,
                output_field=models.IntegerField(),
            ),
        ).order_by("open_rank", "urgent_rank", "-created_at", "-id")


class StopPaymentRequest(models.Model):
    # The originating case: the victim's agency's, the same on every hop of the chain.
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="stop_payments")
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="follow_ons"
    )
    root = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="chain",
        help_text=_("The first request of the chain (itself for the first)."),
    )
    hop = models.PositiveIntegerField(default=1)
    from_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    to_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="stop_payments_received"
    )
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.TYPED)
    asset = models.ForeignKey(
        Asset, on_delete=models.SET_NULL, null=True, blank=True, related_name="stop_payments"
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.SET_NULL, null=True, blank=True, related_name="stop_payments"
    )
    victim = models.ForeignKey(
        "victims.Victim",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="stop_payments",
        help_text=_("The victim whose loss this is (else the case's reported loss)."),
    )
    account_kind = models.CharField(max_length=20, choices=AccountKind.choices)
    chain_name = models.CharField(max_length=20, blank=True, help_text=_("Chain of a wallet."))
    account = models.CharField(max_length=200, help_text=_("Normalised as an indicator is."))
    account_raw = models.CharField(max_length=200, help_text=_("As entered."))
    amount = models.DecimalField(
        max_digits=18, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    currency = models.CharField(max_length=3, validators=[validate_currency])
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.URGENT)
    deadline = models.DateTimeField()
    note = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SENT)
    version = models.PositiveIntegerField(default=1)

    created_at = models.DateTimeField(default=timezone.now)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    amount_frozen = models.DecimalField(
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    frozen_currency = models.CharField(max_length=3, blank=True, validators=[validate_currency])
    frozen_on = models.DateField(null=True, blank=True)
    institution = models.CharField(max_length=200, blank=True)
    reason = models.TextField(blank=True, help_text=_("Why it was refused."))
    answer_note = models.TextField(blank=True)
    # What the freeze wrote back to the originating case: once, however often it is read.
    frozen_asset = models.OneToOneField(
        Asset,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="frozen_by_stop_payment",
    )
    deadline_warned_at = models.DateTimeField(null=True, blank=True)

    objects = StopPaymentRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("stop-payment request")
        indexes = [
            models.Index(fields=["to_agency", "status"]),
            models.Index(fields=["from_agency", "status"]),
            models.Index(fields=["status", "deadline"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="stop_payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount_frozen__isnull=True) | ~Q(frozen_currency=""),
                name="stop_payment_frozen_has_currency",
            ),
            models.CheckConstraint(
                condition=~Q(from_agency=models.F("to_agency")),
                name="stop_payment_to_another_agency",
            ),
        ]

    def __str__(self) -> str:
        return f"SP-{self.pk} {self.account} → {self.to_agency_id} ({self.status})"

    @property
    def reference(self) -> str:
        return f"SP-{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.deadline < timezone.now()

    @property
    def remaining(self) -> datetime.timedelta | None:
        """Time left before the deadline (None once answered; negative when overdue)."""
        return self.deadline - timezone.now() if self.is_open else None

    @property
    def time_to_acknowledge(self) -> datetime.timedelta | None:
        return self.acknowledged_at - self.created_at if self.acknowledged_at else None

    @property
    def time_to_freeze(self) -> datetime.timedelta | None:
        if self.status in FREEZE_STATUSES and self.answered_at:
            return self.answered_at - self.created_at
        return None


class StopPaymentTransfer(models.Model):
    """One transaction the victim made to the account: amount, currency, date, reference."""

    request = models.ForeignKey(
        StopPaymentRequest, on_delete=models.CASCADE, related_name="transfers"
    )
    amount = models.DecimalField(
        max_digits=18, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    currency = models.CharField(max_length=3, validators=[validate_currency])
    sent_on = models.DateField(null=True, blank=True)
    reference = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["sent_on", "id"]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} on {self.sent_on}"
