"""The one write of the audit trail. Every app records its security events through
`audit_record` (or `audit.record`, the same function)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils.translation import gettext as _

from agencies.models import Agency, User
from audit.chain import GENESIS, row_hash
from audit.models import AuditEvent, EventKind, Outcome
from audit.request import client_address, current_request

# One key for the transaction-level advisory lock that orders the writers on PostgreSQL.
_CHAIN_LOCK = 0x464F5254_41554454  # "FORT" "AUDT"
# What a detail may hold: ids, counts, codes and short labels, never a person's name.
_NAMELIKE_KEYS = frozenset({"name", "names", "full_name", "other_names", "victim", "victim_name"})
_MAX_TEXT = 200


def _checked_detail(detail: Mapping[str, Any] | None) -> dict[str, Any]:
    """The detail as JSON would store it; refused when it could carry personal data (a key
    naming a name, a long text, a nested object)."""
    clean = json.loads(json.dumps(dict(detail or {}), sort_keys=True, default=str))
    for key, value in clean.items():
        items = value if isinstance(value, list) else [value]
        if key.lower() in _NAMELIKE_KEYS or any(
            isinstance(item, dict | list) or (isinstance(item, str) and len(item) > _MAX_TEXT)
            for item in items
        ):
            raise ValidationError(
                _("Audit detail %(key)s: ids, counts and short codes only, never a name or a text.")
                % {"key": key}
            )
    return clean


def _take_chain_lock() -> None:
    """Serialise the writers so the chain never forks: two events never link to the same
    row. PostgreSQL: a transaction-level advisory lock, held to the commit. SQLite: every
    transaction begins IMMEDIATE (config/settings.py), so it already holds the write lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
    elif connection.vendor != "sqlite":
        list(AuditEvent.objects.select_for_update().order_by("-seq")[:1])


@transaction.atomic
def audit_record(
    kind: str,
    *,
    by: Any = None,
    obj: models.Model | None = None,
    outcome: str = Outcome.SUCCESS,
    detail: Mapping[str, Any] | None = None,
    username: str = "",
    agency: Agency | None = None,
    request: Any = None,
) -> AuditEvent:
    """Append one event. `by`: the acting user (None or anonymous for a failed sign-in, then
    `username` is what was typed and `agency` the named account's agency, if any); `obj`:
    what the event is about; `request`: where it came from (by default the request being
    served, audit.request.AuditRequestMiddleware). Written in the caller's transaction."""
    event = AuditEvent(
        kind=EventKind(kind),
        outcome=Outcome(outcome),
        detail=_checked_detail(detail),
        username=(username or "")[:150],
    )
    if isinstance(by, User) and by.pk is not None:
        event.user_id, event.username = by.pk, by.username
        agency = agency or by.agency
    if agency is not None:
        event.agency_id, event.agency_name = agency.pk, agency.name[:200]
    if obj is not None:
        event.object_type, event.object_id = obj._meta.label_lower, str(obj.pk)
    request = request if request is not None else current_request()
    if request is not None:
        event.address = client_address(request)
    _take_chain_lock()
    last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    event.seq, event.prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
    event.hash = row_hash(event)
    event.save(force_insert=True)
    return event
