"""Sign-in, sign-in failure and sign-out, from Django's auth signals: every entry point that
authenticates (the login page, the token endpoint, the admin) sends them."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from agencies.backends import login_name
from agencies.models import User
from audit.models import EventKind, Outcome
from audit.services import audit_record


@receiver(user_logged_in, dispatch_uid="audit_sign_in")
def _signed_in(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    audit_record(EventKind.SIGN_IN, by=user, obj=user, request=request)


@receiver(user_login_failed, dispatch_uid="audit_sign_in_failed")
def _sign_in_failed(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    typed = login_name(credentials.get("username"))
    account = User.objects.filter(username=typed).select_related("agency").first()
    audit_record(
        EventKind.SIGN_IN_FAILED,
        outcome=Outcome.FAILURE,
        username=typed,
        agency=account.agency if account else None,
        obj=account,
        request=request,
    )


@receiver(user_logged_out, dispatch_uid="audit_sign_out")
def _signed_out(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        audit_record(EventKind.SIGN_OUT, by=user, obj=user, request=request)
