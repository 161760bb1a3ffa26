"""Django's and django-axes' sign-in signals, connected in AgenciesConfig.ready: the session's
clock starts (agencies/middleware.py) and the security events are told (agencies/security.py).
"""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed

from agencies import security
from agencies.backends import lockout_name
from agencies.middleware import note_second_factor
from agencies.sessions import start_clock


def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        start_clock(request.session)
        note_second_factor(request.session, user)
    security.signed_in(user=user, request=request)


def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any):
    security.sign_in_failed(username=lockout_name(credentials.get("username")), request=request)


def _locked_out(sender: Any, request: Any, username: str, **kwargs: Any) -> None:
    security.locked_out(username=username, request=request)


def connect() -> None:
    user_logged_in.connect(_logged_in, dispatch_uid="fortress.logged_in")
    user_login_failed.connect(_login_failed, dispatch_uid="fortress.login_failed")
    user_locked_out.connect(_locked_out, dispatch_uid="fortress.locked_out")
