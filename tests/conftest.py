"""Standing fixtures: three agencies — `own` (Alice's, owns the data), `partner` (a case may be
shared with it) and `outsider` (should have no access to the own agency's stuff) — with one
user in every role each."""

import os
from collections.abc import Callable

import pytest
from django.db import connection, transaction
from django.db.backends.base.operations import BaseDatabaseOperations
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from agencies.models import Agency, AgencyKind, Role, User
from cases.models import Case, SharingLevel
from cases.services import case_create
from config import appendonly
from tests.live_server import take_turns_on_sqlite

# The `worker` fixture: a real Celery worker on the real Redis broker.
pytest_plugins = ["tests.celery_worker"]

ROLES = [r.value for r in Role]

_execute_sql_flush = BaseDatabaseOperations.execute_sql_flush


def _flush_append_only_too(self: BaseDatabaseOperations, sql_list: list[str]) -> None:
    """Between transactional tests Django empties every table (`flush`), which the append-only
    tables refuse (config/appendonly.py): their triggers are lifted for the flush only, in its
    transaction, and put back before it commits."""
    with transaction.atomic(using=self.connection.alias), appendonly.suspended(self.connection):
        _execute_sql_flush(self, sql_list)


BaseDatabaseOperations.execute_sql_flush = _flush_append_only_too  # type: ignore[method-assign]
# The live server's requests share the in-memory SQLite test database's one connection.
take_turns_on_sqlite(connection.vendor)
# Property tests (hypothesis): bounded runs so the suite stays fast; no deadline, since the
# machine is shared. HYPOTHESIS_PROFILE=ci runs more examples, derandomised so a CI run is
# reproducible.
hypothesis_settings.register_profile("fortress", max_examples=200, deadline=None)
hypothesis_settings.register_profile("ci", max_examples=500, deadline=None, derandomize=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fortress"))


@pytest.fixture(autouse=True)
def _english_between_tests():
    """A page request in the test client leaves its language active in the thread: each test
    starts and ends in the default language, whatever the one before it read."""
    translation.deactivate()
    yield
    translation.deactivate()


def _agency(code: str, country: str, kind: str = AgencyKind.POLICE) -> Agency:
    return Agency.objects.create(
        code=code,
        name=f"Agency {code}",
        country=country,
        kind=kind,
        contact_email=f"desk@{code}.example.org",
    )


def _users(agency: Agency, prefix: str) -> dict[str, User]:
    return {
        role: User.objects.create_user(
            username=f"{prefix}.{role}", password="pw", agency=agency, role=role
        )
        for role in ROLES
    }


@pytest.fixture
def own(db) -> Agency:
    return _agency("own", "VN")


@pytest.fixture
def partner(db) -> Agency:
    return _agency("partner", "TH")


@pytest.fixture
def outsider(db) -> Agency:
    return _agency("outsider", "NG")


@pytest.fixture
def own_users(own) -> dict[str, User]:
    return _users(own, "own")


@pytest.fixture
def partner_users(partner) -> dict[str, User]:
    return _users(partner, "partner")


@pytest.fixture
def outsider_users(outsider) -> dict[str, User]:
    return _users(outsider, "outsider")


@pytest.fixture
def alice(own_users) -> User:
    """The own agency's investigator: she owns the cases."""
    return own_users["investigator"]


@pytest.fixture
def bob(own_users) -> User:
    """Alice's teammate, a supervisor of the same agency."""
    return own_users["supervisor"]


@pytest.fixture
def charlie(outsider_users) -> User:
    """Should have no access to Alice's stuff."""
    return outsider_users["investigator"]


@pytest.fixture
def make_case(own_users) -> Callable[..., Case]:
    def make(by: User | None = None, **fields) -> Case:
        fields.setdefault("title", "Fake investment app")
        fields.setdefault("sharing_level", SharingLevel.RESTRICTED)
        return case_create(by=by or own_users["investigator"], **fields)

    return make


@pytest.fixture
def api() -> Callable[[User | None], APIClient]:
    def client_for(user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return client_for


@pytest.fixture
def same_queries_for_n_and_2n() -> Callable[..., None]:
    """`same_queries_for_n_and_2n(lambda: client.get(url), add_rows, n=4)`: the request makes
    as many queries after `add_rows(n)` as after `add_rows(n)` again, or the list has an N+1 (a
    cap of a few queries over a handful of rows hides one). Each count is of a second request,
    so what the first caches (sessions, content types) does not count."""

    def count(request: Callable[[], object]) -> int:
        request()
        with CaptureQueriesContext(connection) as queries:
            request()
        return len(queries.captured_queries)

    def check(request: Callable[[], object], add_rows: Callable[[int], object], n: int = 4) -> None:
        add_rows(n)
        with_n = count(request)
        add_rows(n)
        assert count(request) == with_n, f"queries for {n} rows: {with_n}; for {2 * n}: more"

    return check


@pytest.fixture
def celery_in_process():
    """Tasks run in this process, whatever the broker (CI sets a real one for the whole suite):
    for tests of what a task does, not of how it travels (tests/test_*_celery.py do that)."""
    from config.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved
