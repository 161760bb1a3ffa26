"""Thin Celery wrappers around payments.services."""

from celery import shared_task

from config.celery import RETRY_POLICY
from payments import services


@shared_task(**RETRY_POLICY)
def check_stop_payment_deadlines() -> dict[str, int]:
    """The beat job: remind of deadlines near, expire the unanswered (idempotent)."""
    return services.stop_payments_check_deadlines()
