"""Who reads the audit trail: a supervisor their own agency's entries (events by its members
and failed sign-ins naming its accounts). Platform admins read all of it in the Django admin,
read-only. Nobody edits it anywhere."""

from __future__ import annotations

from django.db.models import QuerySet

from access.core import Action, AnyUser, agency_id_of, can
from audit.models import AuditEvent


def can_read_audit(user: AnyUser) -> bool:
    return can(user, Action.READ_AUDIT)


def visible_audit_events(user: AnyUser) -> QuerySet[AuditEvent]:
    if not can_read_audit(user):
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(agency_id=agency_id_of(user))
