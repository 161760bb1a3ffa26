"""Thin Celery wrappers around victims.services."""

from celery import shared_task
from django.db import OperationalError

from victims import services


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def flag_overdue_repatriations() -> int:
    """The beat job: notify the responsible liaison officers of overdue stages (idempotent)."""
    return services.flag_overdue_repatriations()
