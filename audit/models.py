"""The audit trail: one row per security event, never changed or removed (database triggers,
config/appendonly.py), each carrying the hash of the one before it (audit/chain.py), so an
edited or a missing row is found by `manage.py audit_verify`.

Who is kept as it was at the time (user id, username, agency id and name), without a foreign
key: an account or agency renamed or removed later leaves the record as it was."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    SIGN_IN = "sign_in", _("Signed in")
    SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
    SIGN_OUT = "sign_out", _("Signed out")
    LOCKED_OUT = "locked_out", _("Locked out")
    UNLOCKED = "unlocked", _("Unlocked")
    SECOND_FACTOR_CHANGED = "second_factor_changed", _("Second factor changed")
    SESSIONS_ENDED = "sessions_ended", _("Sessions ended")
    TOKEN_ISSUED = "token_issued", _("API token issued")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")
    FEED_TOKEN_USED = "feed_token_used", _("Feed token used")
    ACCOUNT_CREATED = "account_created", _("Account created")
    ACCOUNT_CHANGED = "account_changed", _("Account changed")
    ROLE_CHANGED = "role_changed", _("Role changed")
    ACCOUNT_DEACTIVATED = "account_deactivated", _("Account deactivated")
    ACCOUNT_REACTIVATED = "account_reactivated", _("Account reactivated")
    SHARING_CHANGED = "sharing_changed", _("Sharing changed")
    ACCESS_REQUESTED = "access_requested", _("Access requested")
    ACCESS_DECIDED = "access_decided", _("Access request decided")
    EXPORT = "export", _("Export")
    IMPORT = "import", _("Import")
    RETENTION_KEPT = "retention_kept", _("Case kept on retention review")
    RETENTION_DELETED = "retention_deleted", _("Case deleted on retention review")


class Outcome(models.TextChoices):
    SUCCESS = "success", _("Success")
    FAILURE = "failure", _("Failure")
    REFUSED = "refused", _("Refused")
    GRANTED = "granted", _("Granted")


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs):
        raise ValidationError(_("Audit entries are never changed."))

    def delete(self):
        raise ValidationError(_("Audit entries are never deleted."))


class AuditEvent(models.Model):
    seq = models.PositiveBigIntegerField(unique=True, editable=False)
    at = models.DateTimeField(default=timezone.now, editable=False)
    kind = models.CharField(max_length=32, choices=EventKind.choices)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS)
    user_id = models.BigIntegerField(null=True, blank=True)
    username = models.CharField(max_length=150, blank=True)
    agency_id = models.BigIntegerField(null=True, blank=True)
    agency_name = models.CharField(max_length=200, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["agency_id", "seq"]),
            models.Index(fields=["kind", "seq"]),
        ]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"#{self.seq} {self.at:%Y-%m-%d %H:%M:%S} {self.kind} {self.username}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValidationError(_("Audit entries are never changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Audit entries are never deleted."))
