"""Signing in: one rule for what a typed username names, for every entry point (the login
page, the token endpoint, the admin, any `authenticate()` call)."""

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest


def login_name(raw: object) -> str:
    """The username a sign-in names: surrounding spaces dropped, so ` vn.investigator ` is
    the account `vn.investigator`, never a second identity (usernames hold no spaces: the
    username validator refuses them)."""
    return str(raw).strip() if raw is not None else ""


def account_name(typed: str) -> str:
    """The account a typed login name names: the exact username, else the one username that
    differs from it in case only (`VN.Investigator` signs in as `vn.investigator`, as officers
    type it on a phone). Two accounts that differ in case only are both left to the exact name:
    a guess between them would sign someone in as another."""
    users = get_user_model()._default_manager
    if users.filter(username=typed).exists():
        return typed
    names = list(users.filter(username__iexact=typed).values_list("username", flat=True)[:2])
    return names[0] if len(names) == 1 else typed


def lockout_name(raw: object) -> str:
    """The name failed sign-ins are counted against (agencies/lockout.py): the login name in
    lower case, so no variant of an account's name escapes its count."""
    return login_name(raw).lower()


class FortressBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ):
        if username is not None:
            username = account_name(login_name(username))
        return super().authenticate(request, username=username, password=password, **kwargs)


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' check, first of the backends: a locked account or address is refused
    before any password is compared. Every web entry point (login page, token endpoint,
    admin) passes its request; a call without one (a shell, a command) has no address to
    lock and is left to the next backend."""

    def authenticate(self, request, username=None, password=None, **kwargs: Any):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
