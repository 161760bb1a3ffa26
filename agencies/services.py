"""The writes on agencies, users and API tokens. One function per action a user can take."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import access
import audit
from agencies.models import Agency, ApiToken, Notification, Role, User
from audit.models import EventKind
from config.errors import NotVisible, PolicyError


def notification_send(*, user: User, key: str, message: str, url: str = "") -> Notification | None:
    """An in-app notification, once per (user, key): None when it was already sent (the same
    event never notifies the same user twice, however many workers or retries report it).
    Every app notifies through this."""
    try:
        with transaction.atomic():
            return Notification.objects.create(user=user, key=key, message=message, url=url)
    except IntegrityError:
        return None


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
    before = {
        f: getattr(managed, f) for f in ("role", "is_active", "first_name", "last_name", "email")
    }
    managed.role = Role(role)
    managed.is_active = is_active
    managed.first_name = first_name
    managed.last_name = last_name
    managed.email = email
    managed.full_clean()
    managed.save(update_fields=list(ACCOUNT_FIELDS))
    revoked = 0
    if not is_active:
        revoked = ApiToken.objects.filter(user=managed).active().update(revoked_at=timezone.now())
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
def token_create(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new API token for `user`; returns the token row and the key, shown only once."""
    key = ApiToken.generate_key()
    token = ApiToken.objects.create(
        user=user, name=name[:100], prefix=key[:8], digest=ApiToken.hash_key(key)
    )
    audit.record(EventKind.TOKEN_ISSUED, by=user, obj=token, detail={"prefix": token.prefix})
    return token, key


@transaction.atomic
def token_revoke(*, token: ApiToken, by: User) -> None:
    if token.user_id != by.pk:
        raise PolicyError(_("Only the owner revokes a token."))
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        audit.record(EventKind.TOKEN_REVOKED, by=by, obj=token, detail={"prefix": token.prefix})


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
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("This language is not offered.")})
    user.language = language
    user.save(update_fields=["language"])
    return user
