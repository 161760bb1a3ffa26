"""The Celery app, and the two rules every queue and task of Fortress follows: the one retry
policy (`RETRY_POLICY`), and publishing after commit without letting a broker outage undo the
save (`publish_on_commit`: the caller has already written its work to a durable queue table,
which the periodic sweep reads)."""

from __future__ import annotations

import logging
import os
from contextvars import ContextVar
from typing import Any

from celery import Celery
from django.db import OperationalError, transaction
from kombu.exceptions import OperationalError as BrokerError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("fortress")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

log = logging.getLogger(__name__)

# Set when a publish of this request (or task) found the broker unreachable: the page says
# the work waits in the database (config/middleware.py BrokerOutageNotice).
PUBLISH_FAILED: ContextVar[bool] = ContextVar("publish_failed", default=False)

# What publishing a task raises when the broker cannot take it.
PUBLISH_ERRORS = (BrokerError, ConnectionError, OSError)

# Every task: retried with backoff on database errors only (a lock timeout, a lost
# connection); any other error is a bug and fails loudly. `@shared_task(**RETRY_POLICY)`.
RETRY_POLICY: dict[str, Any] = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
}


def publish_on_commit(task: Any, *args: Any, what: str) -> None:
    """After commit, publish `task(*args)`. A broker that cannot take it is logged, not raised:
    the save stands, and the sweep does the work queued in the database. `what` names the work
    in the log."""

    def publish() -> None:
        try:
            task.apply_async(args=list(args), retry=False)
        except PUBLISH_ERRORS as exc:
            PUBLISH_FAILED.set(True)
            log.warning("%s not queued (%s); the sweep will do it", what, exc)

    transaction.on_commit(publish)
