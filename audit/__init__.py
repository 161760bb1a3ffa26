"""The audit trail: an append-only, hash-chained record of security events.

One entry point for every app: `audit.record(kind, by=..., obj=..., outcome=..., detail=...)`
(the same as `audit.services.audit_record`). It writes in the caller's transaction, so an
event rolled back with its action was never recorded, and an action recorded happened."""

from __future__ import annotations

from typing import Any


def record(*args: Any, **kwargs: Any) -> Any:
    """See `audit.services.audit_record`."""
    from audit.services import audit_record

    return audit_record(*args, **kwargs)
