import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from config import messages


class AgencyKind(models.TextChoices):
    POLICE = "police", _("Police")
    INTERPOL_NCB = "interpol_ncb", _("Interpol National Central Bureau")
    FIU = "fiu", _("Financial intelligence unit")
    PROSECUTOR = "prosecutor", _("Prosecutor")
    EMBASSY = "embassy", _("Embassy / consulate")
    MINISTRY = "ministry", _("Ministry")
    NGO = "ngo", _("NGO / shelter")


class Agency(models.Model):
    name = models.CharField(max_length=200)
    code = models.SlugField(max_length=32, unique=True, help_text=_("Short code, e.g. vn-c03."))
    country = CountryField()
    kind = models.CharField(max_length=20, choices=AgencyKind.choices, default=AgencyKind.POLICE)
    contact_email = models.EmailField(
        help_text=_("Where other agencies write about a shared case.")
    )
    contact_phone = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["country", "name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return f"{self.name} ({self.country.code})"


class Role(models.TextChoices):
    INVESTIGATOR = "investigator", _("Investigator")
    ANALYST = "analyst", _("Analyst")
    LIAISON = "liaison", _("Liaison officer")
    SUPERVISOR = "supervisor", _("Supervisor")
    AGENCY_ADMIN = "admin", _("Agency admin")


class FortressUserManager(UserManager["User"]):
    def of_agency(self, agency: Agency) -> "models.QuerySet[User]":
        return self.filter(agency=agency)


class User(AbstractUser):
    """A person who signs in. Every user except platform admins belongs to one agency."""

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    # The interface language the user chose (a code of settings.LANGUAGES); blank: the
    # browser's. No choices here: which languages are offered is a setting, not a migration.
    language = models.CharField(_("language"), max_length=10, blank=True, default="")
    # Raised to end every session of the account at once (sign out everywhere, deactivation,
    # a second factor reset): it is part of the hash each session carries, so a session made
    # before the raise no longer matches and Django signs it out on its next request.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    objects = FortressUserManager()

    class Meta:
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(agency__isnull=True, role="")
                | models.Q(agency__isnull=False) & ~models.Q(role=""),
                name="user_agency_and_role_together",
            )
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    def _session_hash(self, secret: str | None = None) -> str:
        # Generation 0 hashes the password alone, as Django does: sessions made before the
        # generation existed stay valid until the first raise.
        value = (
            self.password
            if not self.session_generation
            else (f"{self.password}:{self.session_generation}")
        )
        return salted_hmac(
            "agencies.User.session_hash", value, secret=secret, algorithm="sha256"
        ).hexdigest()

    def get_session_auth_hash(self) -> str:
        return self._session_hash()

    def get_session_auth_fallback_hash(self):  # type: ignore[override]
        for fallback_secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_hash(secret=fallback_secret)


def token_expiry() -> datetime:
    """When a token made now expires: `FORTRESS_TOKEN_DAYS` from now."""
    return timezone.now() + timedelta(days=settings.FORTRESS_TOKEN_DAYS)


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> "ApiTokenQuerySet":
        """Not revoked (an expired token is still listed, and refused when used)."""
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A token for integrations. Only its SHA-256 digest is stored; the key is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=8, help_text=_("First characters, to recognise it."))
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(
        null=True, blank=True, help_text="Updated at most once a minute."
    )
    expires_at = models.DateTimeField(default=token_expiry)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def generate_key() -> str:
        return secrets.token_urlsafe(32)


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """An in-app message to one user (overdue alerts, hand-overs awaiting a decision, ...).
    `key` makes a notification idempotent: the same event never notifies the same user twice."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    key = models.CharField(max_length=200, help_text=_("What the notification is about, unique."))
    # Stored in English; shown in the reader's language from its key in the registry of
    # system texts (config.messages) and parameters. Written before keys existed: no key.
    message = models.CharField(max_length=500)
    message_key = models.CharField(max_length=100, blank=True, default="")
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_notification_per_event")
        ]
        indexes = [
            # The bell's count on every page: one small index of the unread only.
            models.Index(
                fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.message}"

    @property
    def display_message(self) -> str:
        """The message in the active language."""
        return messages.render(self.message_key, self.params, self.message)
