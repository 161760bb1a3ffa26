"""Security events of accounts: one function per event, each called where the event happens
(services, views, and the sign-in signals of agencies/signals.py). They log to the
`fortress.security` logger with ids and addresses, never names of victims or suspects, and
those the audit trail keeps are recorded there too (sign-in, failure and sign-out come to it
from Django's auth signals, audit/signals.py; a token's issue from agencies.services)."""

from __future__ import annotations

import logging

from django.http import HttpRequest

import audit
from agencies.lockout import client_ip
from agencies.models import ApiToken, User
from audit.models import EventKind, Outcome

log = logging.getLogger("fortress.security")


def _where(request: HttpRequest | None) -> str:
    return client_ip(request) if request is not None else "-"


def signed_in(*, user: User, request: HttpRequest | None) -> None:
    log.info("sign-in user=%s from=%s", user.pk, _where(request))


def sign_in_failed(*, username: str, request: HttpRequest | None) -> None:
    """A refused password, or a refused second-factor code (`username` as typed, normalised
    for the lockout count)."""
    log.warning("sign-in failed username=%r from=%s", username, _where(request))


def locked_out(*, username: str, request: HttpRequest | None) -> None:
    log.warning("locked out username=%r from=%s", username, _where(request))
    account = User.objects.filter(username=username).select_related("agency").first()
    audit.record(
        EventKind.LOCKED_OUT,
        outcome=Outcome.REFUSED,
        username=username,
        agency=account.agency if account else None,
        obj=account,
        request=request,
    )


def unlocked(*, user: User, by: User) -> None:
    log.info("unlocked user=%s by=%s", user.pk, by.pk)
    audit.record(EventKind.UNLOCKED, by=by, obj=user)


def second_factor_verified(*, user: User, device_kind: str, request: HttpRequest) -> None:
    log.info(
        "second factor verified user=%s kind=%s from=%s", user.pk, device_kind, _where(request)
    )


def second_factor_enrolled(*, user: User, device_kind: str) -> None:
    log.info("second factor enrolled user=%s kind=%s", user.pk, device_kind)
    audit.record(
        EventKind.SECOND_FACTOR_CHANGED,
        by=user,
        obj=user,
        detail={"change": f"enrolled {device_kind}"},
    )


def recovery_codes_issued(*, user: User) -> None:
    log.info("recovery codes issued user=%s", user.pk)
    audit.record(
        EventKind.SECOND_FACTOR_CHANGED, by=user, obj=user, detail={"change": "recovery codes"}
    )


def second_factor_reset(*, user: User, by: User) -> None:
    log.warning("second factor reset user=%s by=%s", user.pk, by.pk)
    audit.record(EventKind.SECOND_FACTOR_CHANGED, by=by, obj=user, detail={"change": "reset"})


def token_issued(*, token: ApiToken, request: HttpRequest | None = None) -> None:
    log.info("token issued token=%s user=%s from=%s", token.pk, token.user_id, _where(request))


def tokens_revoked(
    *, user: User, by: User | None, count: int, reason: str, token: ApiToken | None = None
) -> None:
    """One token revoked by its owner (`token`), or all of an account's at once."""
    log.info(
        "tokens revoked user=%s by=%s count=%s reason=%s",
        user.pk,
        by.pk if by else "-",
        count,
        reason,
    )
    if token is not None:
        audit.record(EventKind.TOKEN_REVOKED, by=by, obj=token, detail={"prefix": token.prefix})
    else:
        audit.record(
            EventKind.TOKEN_REVOKED, by=by, obj=user, detail={"count": count, "reason": reason}
        )


def sessions_ended(*, user: User, by: User | None, reason: str) -> None:
    log.info("sessions ended user=%s by=%s reason=%s", user.pk, by.pk if by else "-", reason)
    audit.record(EventKind.SESSIONS_ENDED, by=by, obj=user, detail={"reason": reason})


def session_expired(*, user: User, reason: str, request: HttpRequest) -> None:
    log.info("session expired user=%s reason=%s from=%s", user.pk, reason, _where(request))
