"""Request middleware of Fortress that belongs to no app."""

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.translation import gettext as _

from config.celery import PUBLISH_FAILED


class BrokerOutageNotice:
    """After a save whose background work could not be queued (the broker was unreachable),
    the next page says that nothing is lost: the work waits in the database and the periodic
    sweep does it. Listed after MessageMiddleware, so the message is stored with the answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = PUBLISH_FAILED.set(False)
        try:
            response = self.get_response(request)
            if PUBLISH_FAILED.get() and hasattr(request, "_messages"):
                messages.info(
                    request,
                    _(
                        "Saved. The background work (cross-referencing, matching) could not "
                        "be queued just now; it is kept in the database and runs within a few "
                        "minutes. Nothing is lost."
                    ),
                )
        finally:
            PUBLISH_FAILED.reset(token)
        return response


class QueryWithoutNul:
    """A NUL character in the query string is removed before any view reads it. No field of
    Fortress holds one and PostgreSQL refuses one in text: a search or filter value carrying
    one answered 500 there (found by fuzzing, one parameter at a time). Bodies are checked by
    the forms and serializers, whose text fields refuse NUL already."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query:  # how a NUL reaches a query string; request.GET is read lazily
            request.GET = QueryDict(query.replace("%00", ""), encoding=request.encoding)
        return self.get_response(request)
