"""The writes on agencies, users and API tokens. One function per action a user can take."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

import access
import audit
from agencies import lockout, security
from agencies.models import Agency, ApiToken, Notification, Role, User
from audit.models import EventKind
from config import messages
from config.errors import NotVisible, PolicyError
from config.messages import Text

RECOVERY_CODE_COUNT = 10
TOTP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


def notification_send(
    *, user: User, key: str, message: Text | str, url: str = ""
) -> Notification | None:
    """An in-app notification, once per (user, key): None when it was already sent (the same
    event never notifies the same user twice, however many workers or retries report it).
    Every app notifies through this. `message` is a text of the registry (config.messages):
    kept in English and by key, the user reads it in their language. A plain string is kept
    and shown as it is."""
    fields: dict[str, Any] = {"message": message}
    if isinstance(message, Text):
        fields = {
            "message": message.english[:500],
            "message_key": message.key,
            "params": message.params,
        }
    try:
        with transaction.atomic():
            return Notification.objects.create(user=user, key=key, url=url, **fields)
    except IntegrityError:
        return None


def notification_mail(user: User, message: Text, link: str, *, subject: Text | None = None) -> None:
    """The e-mail that goes with a notification, in the language the user saved (English
    when none): not the writer's. The subject is the message itself unless given."""
    with messages.read_by(user, default=settings.LANGUAGE_CODE):
        send_mail(
            subject=f"[Fortress] {subject or message}"[:150],
            message=f"{message}\n\n{_('Open it in Fortress:')} {link}",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[user.email],
        )


def notifications_mark_read(*, by: User, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications read, or all of them (`notification_id` None).
    Another user's notification is not found (404 at the edge). Returns how many changed."""
    mine = Notification.objects.filter(user=by)
    if notification_id is not None:
        if not mine.filter(pk=notification_id).exists():
            raise NotVisible("No such notification.")
        mine = mine.filter(pk=notification_id)
    return mine.unread().update(read_at=timezone.now())


@transaction.atomic
def user_create(
    *,
    by: User,
    username: str,
    password: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    """An agency admin creates an account in their own agency; never a platform admin."""
    if not access.can(by, access.Action.MANAGE_USERS):
        raise PolicyError(_("Only an agency admin creates accounts."))
    user = User(
        username=username,
        role=Role(role),
        agency_id=by.agency_id,
        first_name=first_name,
        last_name=last_name,
        email=email,
        is_staff=False,
        is_superuser=False,
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(password)
    user.full_clean()
    user.save()
    audit.record(EventKind.ACCOUNT_CREATED, by=by, obj=user, detail={"role": user.role})
    return user


ACCOUNT_FIELDS = ("role", "is_active", "first_name", "last_name", "email")


@transaction.atomic
def user_update(
    *,
    by: User,
    user: User,
    role: str,
    is_active: bool,
    first_name: str,
    last_name: str,
    email: str,
) -> User:
    """Role, names and active flag of an account of the admin's own agency. An admin does not
    change their own role or deactivate themselves (that would lock the agency out)."""
    managed = access.get_managed_user_for(by, user.pk)
    if managed.pk == by.pk and (role != by.role or not is_active):
        raise PolicyError(_("You cannot change your own role or deactivate your own account."))
    before = {f: getattr(managed, f) for f in ACCOUNT_FIELDS}
    managed.role = Role(role)
    managed.is_active = is_active
    managed.first_name = first_name
    managed.last_name = last_name
    managed.email = email
    managed.full_clean()
    managed.save(update_fields=list(ACCOUNT_FIELDS))
    revoked = 0
    if not is_active:
        revoked = user_sessions_end(user=managed, by=by, reason="deactivated", revoke_tokens=True)
    _record_account_changes(by=by, user=managed, before=before, tokens_revoked=revoked)
    return managed


def _record_account_changes(
    *, by: User, user: User, before: dict[str, object], tokens_revoked: int
) -> None:
    """One audit event per kind of change: the role, the active flag, the other fields (named,
    never their values: names and addresses stay out of the trail)."""
    if before["role"] != user.role:
        audit.record(
            EventKind.ROLE_CHANGED,
            by=by,
            obj=user,
            detail={"from": str(before["role"]), "to": user.role},
        )
    if before["is_active"] != user.is_active:
        audit.record(
            EventKind.ACCOUNT_REACTIVATED if user.is_active else EventKind.ACCOUNT_DEACTIVATED,
            by=by,
            obj=user,
            detail={"tokens_revoked": tokens_revoked} if not user.is_active else {},
        )
    changed = [f for f in ("first_name", "last_name", "email") if before[f] != getattr(user, f)]
    if changed:
        audit.record(EventKind.ACCOUNT_CHANGED, by=by, obj=user, detail={"fields": changed})


@transaction.atomic
def user_sessions_end(*, user: User, by: User | None, reason: str, revoke_tokens: bool) -> int:
    """Ends every session of `user` at once (their next request is signed out, whichever
    process serves it) and, if asked, revokes their API tokens; returns how many were."""
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])
    security.sessions_ended(user=user, by=by, reason=reason)
    return _tokens_revoke_all(user=user, by=by, reason=reason) if revoke_tokens else 0


def _tokens_revoke_all(*, user: User, by: User | None, reason: str) -> int:
    count = ApiToken.objects.filter(user=user).active().update(revoked_at=timezone.now())
    if count:
        security.tokens_revoked(user=user, by=by, count=count, reason=reason)
    return count


@transaction.atomic
def token_create(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new API token for `user`, expiring `FORTRESS_TOKEN_DAYS` from now; returns the token
    row and the key, shown only once. Callers have checked the password and, where the account
    has or needs one, the second factor (agencies/api.py ObtainTokenView)."""
    key = ApiToken.generate_key()
    token = ApiToken.objects.create(
        user=user, name=name[:100], prefix=key[:8], digest=ApiToken.hash_key(key)
    )
    audit.record(EventKind.TOKEN_ISSUED, by=user, obj=token, detail={"prefix": token.prefix})
    security.token_issued(token=token)
    return token, key


@transaction.atomic
def token_revoke(*, token: ApiToken, by: User) -> None:
    if token.user_id != by.pk:
        raise PolicyError(_("Only the owner revokes a token."))
    if ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    ):
        security.tokens_revoked(user=token.user, by=by, count=1, reason="revoked", token=token)


# --- the second factor ---------------------------------------------------------------------


@transaction.atomic
def totp_pending(*, user: User) -> TOTPDevice:
    """The authenticator-app device being set up: unconfirmed until a code from it is typed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


@transaction.atomic
def totp_confirm(*, user: User, code: str) -> tuple[TOTPDevice, list[str]]:
    """The code from the app proves the set-up: the device replaces any earlier app, a fresh
    set of recovery codes is made (returned, to be shown once), and the account's other
    sessions end (they signed in without this factor). Refused: a ValidationError."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(code.strip().replace(" ", "")):
        raise ValidationError({"code": _("That code is not the one the app shows now.")})
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = recovery_codes_issue(user=user)
    security.second_factor_enrolled(user=user, device_kind="totp")
    user_sessions_end(user=user, by=user, reason="second_factor_enrolled", revoke_tokens=False)
    return device, codes


@transaction.atomic
def recovery_codes_issue(*, user: User) -> list[str]:
    """A new set of one-time recovery codes (the old set stops working); shown once."""
    device = StaticDevice.objects.filter(user=user, name=RECOVERY_NAME).first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _n in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    security.recovery_codes_issued(user=user)
    return codes


@transaction.atomic
def second_factor_reset(*, by: User, user: User) -> User:
    """An agency admin removes a member's second factors (a lost phone): the member's sessions
    end and their tokens are revoked at once; they enrol again at their next sign-in."""
    managed = access.get_managed_user_for(by, user.pk)
    for device in devices_for_user(managed, confirmed=None):
        device.delete()
    security.second_factor_reset(user=managed, by=by)
    user_sessions_end(user=managed, by=by, reason="second_factor_reset", revoke_tokens=True)
    return managed


def user_unlock(*, by: User, user: User) -> int:
    """An agency admin lifts the lockout of a member's account (its failed sign-ins are
    forgotten); returns how many were."""
    managed = access.get_managed_user_for(by, user.pk)
    count = lockout.unlock(managed.username)
    security.unlocked(user=managed, by=by)
    return count


@transaction.atomic
def agency_upsert(*, code: str, name: str, country: str, kind: str, contact_email: str) -> Agency:
    agency, _ = Agency.objects.update_or_create(
        code=code,
        defaults={"name": name, "country": country, "kind": kind, "contact_email": contact_email},
    )
    return agency


@transaction.atomic
def user_set_language(*, user: User, language: str, by: User) -> User:
    """A user's preferred interface language: a code of settings.LANGUAGES, or "" to follow
    the browser. Each user sets their own."""
    if by.pk != user.pk:
        raise PolicyError(_("Each user chooses their own language."))
    if language and not messages.offered_language(language):
        raise ValidationError({"language": _("This language is not offered.")})
    user.language = language
    user.save(update_fields=["language"])
    return user
