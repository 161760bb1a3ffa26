"""What the operations app adds to a joint operation (cases.JointOperation): the exchange
rates it records to estimate asset totals in its reporting currency."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models

from cases.models import JointOperation
from cases.money import validate_currency


class OperationRate(models.Model):
    """One unit of `currency` is worth `rate` units of the operation's reporting currency.
    Recorded by the lead agency; totals computed with it are shown as estimates."""

    operation = models.ForeignKey(JointOperation, on_delete=models.CASCADE, related_name="rates")
    currency = models.CharField(max_length=3, validators=[validate_currency])
    rate = models.DecimalField(max_digits=20, decimal_places=8, validators=[MinValueValidator(0)])
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["currency"]
        constraints = [
            models.UniqueConstraint(fields=["operation", "currency"], name="one_rate_per_currency"),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="operation_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"1 {self.currency} = {self.rate} {self.operation.reporting_currency}"
