"""Every answer of the API's GETs is as its OpenAPI schema documents it, on the demo data, for
a user of every role of every demo agency: what `make fuzz` checks at random, here for every
list, the detail of its first result, the detail's sub-routes, the exports and feeds, and the
TAXII server. The answers go through Django's WSGI application with an API token, and each is
judged by Schemathesis's own checks (`CHECKS`, those of tests/fuzz_api.py) against the schema
the app serves (/api/schema/), so a field answered `null` that the schema says is no null, or
an error page where the schema documents JSON, fails here before the fuzzer stumbles on it."""

import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

import access
from agencies.demo import DEMO_AGENCIES
from agencies.models import Role, User
from agencies.services import token_create
from indicators.models import Indicator
from indicators.selectors import hit_counterparts
from indicators.services import access_request_create, indicator_delete

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
TAXII = "application/taxii+json;version=2.1"
LIST = re.compile(r"^/api/v1/(?:[a-z-]+/)+$")  # no path parameter
# The demo data's users: `<country code>.<role>` (agencies/demo.py), every role of every agency.
USERS = [f"{cc}.{role.value}" for cc, *_ in DEMO_AGENCIES for role in Role]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator[None]:
    """The demo data, loaded once for the module as `make fuzz` loads it (committed, so what
    runs after a commit runs, its tasks in this process), and emptied afterwards."""
    from config.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    with django_db_blocker.unblock():
        try:
            call_command("seed_demo", force=True, stdout=io.StringIO())
            yield
        finally:
            app.conf.task_always_eager = saved
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture(scope="module")
def schema(demo, django_db_blocker) -> Iterator[Any]:
    """The schema the app serves, its operations called through the app's WSGI handler (whose
    test client names the host `localhost`); it is served to a signed-in user. As Django's
    test client does, a request does not close the connection: that would end the test's
    transaction (PostgreSQL)."""
    signals = (request_started, request_finished)
    for signal in signals:
        signal.disconnect(close_old_connections)
    try:
        with override_settings(ALLOWED_HOSTS=["localhost"]), django_db_blocker.unblock():
            yield schemathesis.openapi.from_wsgi(
                "/api/schema/?format=json",
                get_wsgi_application(),
                headers=_auth(User.objects.get(username=USERS[0])),
            )
    finally:
        for signal in signals:
            signal.connect(close_old_connections)


def _auth(user: User) -> dict[str, str]:
    return {"Authorization": f"Token {token_create(user=user, name='schema')[1]}"}


class Checker:
    """GETs through the schema's operations as one user; keeps every failure to report them
    all at once."""

    def __init__(self, schema: Any, user: User) -> None:
        self.schema = schema
        self.headers = _auth(user)
        self.failures: list[str] = []
        self.checked: list[str] = []

    def get(
        self,
        path: str,
        accept: str = "application/json",
        query: dict[str, Any] | None = None,
        may_refuse: bool = False,
        **path_parameters: Any,
    ) -> Any:
        """The answer's JSON body when it is a 200 with one, else None. Any other status than
        200 is a failure too, unless `may_refuse` (what the user's role may not have: an
        export, a feed, an operation's figures), which the schema's checks still judge."""
        case = self.schema[path]["GET"].Case(path_parameters=path_parameters or None, query=query)
        response = case.call(headers={**self.headers, "Accept": accept})
        url = response.request.url
        self.checked.append(url)
        try:
            case.validate_response(response, checks=CHECKS)
        except (FailureGroup, AssertionError) as exc:  # how the checks fail
            self.failures.append(f"GET {url} ({response.status_code}): {exc}")
            return None
        if response.status_code != 200:
            if not may_refuse:
                self.failures.append(f"GET {url} answered {response.status_code}")
            return None
        media_type = response.headers.get("content-type", [""])[0]  # lists, lowercase names
        return response.json() if "json" in media_type else None

    def pages(self, path: str) -> Iterator[Any]:
        """Every page of a list (a null can hide on any of them)."""
        body = self.get(path)
        page = 1
        while isinstance(body, dict) and body.get("results") is not None:
            yield body
            if not body.get("next"):
                return
            page += 1
            body = self.get(path, query={"page": page})


def _first_id(page: dict[str, Any]) -> Any:
    results = page["results"]
    return results[0].get("id") if results and isinstance(results[0], dict) else None


def _get_paths(schema: Any) -> list[str]:
    return sorted(path for path, item in schema.raw_schema["paths"].items() if "get" in item)


def _check_api(checker: Checker, paths: list[str]) -> None:
    for path in (p for p in paths if LIST.match(p)):
        item = f"{path}{{id}}/"
        if item not in paths:  # no list: one resource (the approvals, the victims' counts)
            checker.get(path)
            continue
        pk = None
        for page in checker.pages(path):
            pk = pk or _first_id(page)
        if pk is None:
            continue
        checker.get(item, id=pk)
        # The detail's sub-routes that take the id only (an operation's figures), and exports.
        for sub in (p for p in paths if p.startswith(item) and p != item):
            if "{" not in sub[len(item) :]:
                checker.get(sub, may_refuse=True, id=pk)
            elif sub.startswith(f"{item}export/"):
                for fmt in ("stix", "misp", "csv"):
                    checker.get(sub, accept="*/*", may_refuse=True, id=pk, fmt=fmt)
    for fmt in ("csv", "txt", "stix"):
        checker.get("/api/v1/registry/feeds/{fmt}/", accept="*/*", may_refuse=True, fmt=fmt)


def _check_taxii(checker: Checker) -> None:
    checker.get("/taxii2/", accept=TAXII)
    checker.get("/taxii2/api/", accept=TAXII)
    collections = checker.get("/taxii2/api/collections/", accept=TAXII) or {}
    for collection in collections.get("collections", [])[:2]:
        cid = collection["id"]
        base = "/taxii2/api/collections/{collection_id}/"
        checker.get(base, accept=TAXII, collection_id=cid)
        checker.get(f"{base}manifest/", accept=TAXII, collection_id=cid)
        objects = checker.get(f"{base}objects/", accept=TAXII, collection_id=cid) or {}
        for obj in objects.get("objects", [])[:1]:
            for sub in ("objects/{object_id}/", "objects/{object_id}/versions/"):
                checker.get(f"{base}{sub}", accept=TAXII, collection_id=cid, object_id=obj["id"])


@pytest.mark.parametrize("username", USERS)
def test_every_get_answers_as_the_schema_documents(db, schema, username):
    checker = Checker(schema, User.objects.get(username=username))
    _check_api(checker, _get_paths(schema))
    _check_taxii(checker)
    assert not checker.failures, "\n\n".join(checker.failures)
    # Not vacuous: details were among what was checked, and TAXII collections for the roles
    # that read cases (an agency admin manages accounts, and has none).
    assert any(re.search(r"/api/v1/[a-z-]+/\d+/$", url) for url in checker.checked)
    if not username.endswith(f".{Role.AGENCY_ADMIN.value}"):
        assert any(re.search(r"/collections/[^/]+/manifest/$", u) for u in checker.checked)


def test_an_access_request_whose_sighting_was_removed_answers_as_documented(db, schema):
    """A request keeps its case when the sighting it was made from is removed (`hit` is then
    null): the demo has no such request, so one is made and its sighting removed here."""
    user = User.objects.get(username="vn.investigator")
    hits = list(access.visible_hits(user).filter(case__agency=user.agency)[:50])
    counterparts = hit_counterparts(user, hits)
    hit = next(h for h in hits if counterparts.get(h.pk))
    (request,) = access_request_create(
        hit=hit, by=user, agency=counterparts[hit.pk][0], reason="Same value"
    )[:1]
    indicator_delete(indicator=Indicator.objects.get(pk=hit.pk), by=user)
    checker = Checker(schema, user)
    listed = checker.get("/api/v1/access-requests/")
    detail = checker.get("/api/v1/access-requests/{id}/", id=request.pk)
    assert not checker.failures, "\n\n".join(checker.failures)
    assert detail["hit"] is None and detail["id"] in {r["id"] for r in listed["results"]}


def test_a_post_that_answers_several_objects_answers_as_documented(db, schema):
    """An operation's invitations and the access requests one hit makes answer a plain list:
    DRF paginates only the GET of a list. The schema called them a page (fuzzing found the
    invitations' answer "not of type object")."""
    from agencies.models import Agency
    from cases.models import JointOperation, OperationStatus

    operation = JointOperation.objects.exclude(status=OperationStatus.CONCLUDED).first()
    runner = User.objects.get(agency=operation.lead_agency, role=Role.SUPERVISOR)
    others = list(Agency.objects.exclude(pk=operation.lead_agency_id).values_list("pk", flat=True))
    investigator = User.objects.get(username="vn.investigator")
    hits = list(access.visible_hits(investigator).filter(case__agency=investigator.agency)[:50])
    counterparts = hit_counterparts(investigator, hits)
    hit = next(h for h in hits if counterparts.get(h.pk))
    calls = [
        (runner, "/api/v1/operations/{id}/invite/", {"id": operation.pk}, {"agencies": others}),
        (
            investigator,
            "/api/v1/access-requests/",
            None,
            {"hit": hit.pk, "agency": counterparts[hit.pk][0].pk, "reason": "Same value"},
        ),
    ]
    for user, path, path_parameters, body in calls:
        case = schema[path]["POST"].Case(
            path_parameters=path_parameters, body=body, media_type="application/json"
        )
        response = case.call(headers=_auth(user))
        case.validate_response(response, checks=CHECKS)
        assert 200 <= response.status_code < 300, response.text
        assert isinstance(response.json(), list) and response.json(), response.text
