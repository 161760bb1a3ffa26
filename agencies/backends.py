"""Signing in: one rule for what a typed username names, for every entry point (the login
page, the token endpoint, the admin, any `authenticate()` call)."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest


def login_name(raw: object) -> str:
    """The username a sign-in names: surrounding spaces dropped, so ` vn.investigator ` is
    the account `vn.investigator`, never a second identity (usernames hold no spaces: the
    username validator refuses them)."""
    return str(raw).strip() if raw is not None else ""


class FortressBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ):
        if username is not None:
            username = login_name(username)
        return super().authenticate(request, username=username, password=password, **kwargs)
