"""A session's clock: when it signed in and when it was last used, in the session itself, so
the idle timeout (`FORTRESS_SESSION_IDLE_MINUTES`) and the absolute lifetime
(`FORTRESS_SESSION_MAX_HOURS`) hold whichever process serves the request."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.utils.translation import gettext_lazy as _

STARTED = "fortress_signed_in_at"
SEEN = "fortress_seen_at"
# The last-used time is written at most this often (a session write per request otherwise).
SEEN_RESOLUTION_SECONDS = 60

IDLE = "idle"
TOO_OLD = "max_age"
REASONS = {
    IDLE: _("You were signed out after %(minutes)d minutes without activity."),
    TOO_OLD: _("Your session reached its maximum length of %(hours)d hours: sign in again."),
}


def start_clock(session: SessionBase) -> None:
    now = int(time.time())
    session[STARTED] = now
    session[SEEN] = now


def expired(session: SessionBase) -> str | None:
    """Why this signed-in session is over (`IDLE`, `TOO_OLD`), or None: then its last-used
    time is moved on (a session without a clock starts one now)."""
    now = int(time.time())
    started, seen = session.get(STARTED), session.get(SEEN)
    if started is None or seen is None:
        start_clock(session)
        return None
    if now - started > settings.FORTRESS_SESSION_MAX_HOURS * 3600:
        return TOO_OLD
    if now - seen > settings.FORTRESS_SESSION_IDLE_MINUTES * 60:
        return IDLE
    if now - seen >= SEEN_RESOLUTION_SECONDS:
        session[SEEN] = now
    return None


def reason_message(reason: str) -> str:
    return str(REASONS[reason]) % {
        "minutes": settings.FORTRESS_SESSION_IDLE_MINUTES,
        "hours": settings.FORTRESS_SESSION_MAX_HOURS,
    }
