"""Reads of a user's own notifications (a user reads only their own: no agency data)."""

from __future__ import annotations

from django.db.models import QuerySet

from agencies.models import Notification, User


def unread_notification_count(user: User) -> int:
    """The bell's number: one count on the partial index of unread notifications."""
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notifications_of(user: User, *, show: str = "") -> QuerySet[Notification]:
    """The user's notifications, newest first; `show` = "unread" or "read" narrows them."""
    mine = Notification.objects.filter(user=user)
    if show == "unread":
        return mine.filter(read_at__isnull=True)
    if show == "read":
        return mine.filter(read_at__isnull=False)
    return mine
