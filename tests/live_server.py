"""The live server of the browser and TAXII tests on the in-memory SQLite test database.

There Django hands every request thread the test's one connection (`connections_override`),
and two requests at once (the page and an htmx section it loads) run statements on it side
by side, which sqlite3 refuses ("bad parameter or other API misuse", a 500 the browser test
then waits for in vain). Requests take turns instead; each thread keeps its keep-alive
connection, so a browser's open connections never wait for each other's end. On PostgreSQL
every thread has its own connection and nothing changes."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread


class OneRequestAtATime(ThreadedWSGIServer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._turn = threading.Lock()

    def set_app(self, application: Callable[..., Iterable[bytes]]) -> None:
        turn = self._turn

        def app(environ: dict, start_response: Callable) -> list[bytes]:
            # The whole response inside the turn: a streamed body reads the database too.
            with turn:
                response = application(environ, start_response)
                try:
                    return list(response)
                finally:
                    close = getattr(response, "close", None)
                    if close is not None:
                        close()

        super().set_app(app)


def take_turns_on_sqlite(vendor: str) -> None:
    if vendor == "sqlite":
        LiveServerThread.server_class = OneRequestAtATime
