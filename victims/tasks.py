"""Thin Celery wrappers around victims.services."""

from celery import shared_task

from config.celery import RETRY_POLICY
from victims import services


@shared_task(**RETRY_POLICY)
def flag_overdue_repatriations() -> int:
    """The beat job: notify the responsible liaison officers of overdue stages (idempotent)."""
    return services.flag_overdue_repatriations()
