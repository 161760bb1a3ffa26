"""The access matrix for EVERY page and API endpoint.

A world holds one object of every kind owned by the `own` agency (a restricted case with a
suspect, asset, note, indicator, hit, victim, repatriation, access request, person match and
joint operation). For every URL of the site and every route of the API, a user of the unrelated
`outsider` agency — in every role — must get 404 for the own agency's objects (GET and POST),
must find none of the own agency's data in any list, and nothing may change.

New URLs must be added to the tables below: `test_every_url_is_in_the_matrix` fails
otherwise, so no page or endpoint can escape this matrix.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from agencies.models import Role
from cases.models import Asset, Case, CaseNote, SharingLevel, Suspect
from cases.services import asset_create, case_create, note_create, suspect_create
from config.api import router
from indicators import xref
from indicators.models import AccessRequest, Hit, Indicator
from indicators.services import access_request_create, indicators_add_batch
from operations.services import invitation_respond, operation_create, operation_invite
from persons import services as persons
from persons.models import PersonMatch
from victims.models import Repatriation, Victim
from victims.services import repatriation_start, victim_create

SECRET_TITLE = "Zircon harbour scam compound"
SECRET_SUSPECT = "Quách Thị Secretname"
SECRET_VICTIM = "Lương Văn Hiddenperson"
SECRET_PHONE = "+84 912 777 001"
SECRET_PHONE_E164 = "+84912777001"


@pytest.fixture
def world(own_users, partner_users, outsider_users, own, partner, outsider):
    alice = own_users["investigator"]
    case = case_create(by=alice, title=SECRET_TITLE, summary="Compound at the harbour.")
    suspect = suspect_create(
        case=case, by=alice, full_name=SECRET_SUSPECT, birth_year=1990, birth_month=4, birth_day=2
    )
    asset = asset_create(case=case, by=alice, kind="bank_account", amount="1200.00", currency="USD")
    note = note_create(case=case, by=alice, text="Informant met at the pier.")
    indicators_add_batch(case=case, by=alice, rows=[{"kind": "phone", "value": SECRET_PHONE}])
    victim = victim_create(
        by=own_users["liaison"],
        case=case,
        full_name=SECRET_VICTIM,
        kind="trafficked_worker",
        nationality="VN",
        current_country="KH",
        consent_to_share=True,
    )
    repatriation = repatriation_start(
        by=own_users["liaison"], victim=victim, destination_country="VN"
    )
    # The partner holds the same phone number and the same person: a hit and a person match.
    partner_case = case_create(by=partner_users["investigator"], title="Partner's own case")
    indicators_add_batch(
        case=partner_case,
        by=partner_users["investigator"],
        rows=[{"kind": "phone", "value": SECRET_PHONE}],
    )
    suspect_create(
        case=partner_case,
        by=partner_users["investigator"],
        full_name="QUACH THI SECRETNAME",
        birth_year=1990,
        birth_month=4,
        birth_day=2,
    )
    xref.sweep()
    persons.rebuild()
    own_hit = Hit.objects.get(case=case)
    partner_hit = Hit.objects.get(case=partner_case)
    request = access_request_create(
        hit=partner_hit,
        by=partner_users["investigator"],
        agency=own,
        reason="Same number in our smishing case",
    )[0]
    match = PersonMatch.objects.get()
    operation = operation_create(by=own_users["supervisor"], name="Op Zircon", code="zircon")
    operation_invite(operation=operation, by=own_users["supervisor"], agencies=[partner])
    invitation_respond(
        participation=operation.participations.get(agency=partner),
        by=partner_users["supervisor"],
        accept=True,
    )
    return {
        "case": case,
        "suspect": suspect,
        "asset": asset,
        "note": note,
        "indicator": Indicator.objects.get(case=case),
        "hit": own_hit,
        "victim": victim,
        "repatriation": repatriation,
        "access_request": request,
        "match": match,
        "operation": operation,
        "own_users": own_users,
        "outsider_users": outsider_users,
    }


def snapshot(world) -> dict:
    """Everything an outsider's request could have changed."""
    case = Case.objects.get(pk=world["case"].pk)
    return {
        "case": (
            case.version,
            case.sharing_level,
            case.title,
            case.status,
            sorted(case.shared_with.values_list("pk", flat=True)),
        ),
        "suspect": Suspect.objects.get(pk=world["suspect"].pk).version,
        "asset": Asset.objects.get(pk=world["asset"].pk).version,
        "notes": CaseNote.objects.filter(case=case).count(),
        "indicators": Indicator.objects.filter(case=case).count(),
        "hit": Hit.objects.get(pk=world["hit"].pk).status,
        "victim": Victim.objects.get(pk=world["victim"].pk).version,
        "repatriation": (lambda r: (r.stage, r.handed_over_to_id, r.version))(
            Repatriation.objects.get(pk=world["repatriation"].pk)
        ),
        "request": AccessRequest.objects.get(pk=world["access_request"].pk).status,
        "match": PersonMatch.objects.get(pk=world["match"].pk).status,
        "operation": world["operation"].__class__.objects.get(pk=world["operation"].pk).version,
    }


# URL name -> which world object fills its one argument.
OBJECT_URLS = {
    "cases:detail": "case",
    "cases:edit": "case",
    "cases:sharing": "case",
    "cases:suspect_create": "case",
    "cases:asset_create": "case",
    "cases:note_create": "case",
    "cases:suspect_edit": "suspect",
    "cases:asset_edit": "asset",
    "cases:note_edit": "note",
    "indicators:add": "case",
    "indicators:batch": "case",
    "indicators:edit": "indicator",
    "indicators:delete": "indicator",
    "indicators:hit_status": "hit",
    "indicators:request_access": "hit",
    "indicators:decide": "access_request",
    "operations:decide_access_request": "access_request",
    "victims:victim_create": "case",
    "victims:victim_detail": "victim",
    "victims:victim_edit": "victim",
    "victims:repatriation_start": "victim",
    "victims:repatriation_detail": "repatriation",
    "victims:repatriation_move": "repatriation",
    "victims:repatriation_handover": "repatriation",
    "victims:repatriation_accept": "repatriation",
    "victims:repatriation_decline": "repatriation",
    "operations:detail": "operation",
    "operations:edit": "operation",
    "operations:report_csv": "operation",
    "operations:report_print": "operation",
    "operations:invite": "operation",
    "operations:status": "operation",
    "operations:rate": "operation",
    "operations:link_case": "operation",
    "operations:respond": "operation",
    "operations:link_from_case": "case",
    "persons:detail": "match",
    "persons:request_access": "match",
    "agencies:user_edit": "user",
    "agencies:user_deactivate": "user",
}
# URL names with two arguments: (first object, second argument).
TWO_ARG_URLS = {
    "operations:figure": ("operation", "arrested"),
    "operations:unlink_case": ("operation", "case"),
}
# Pages without an object: the outsider may open them (or gets 404) but sees no own data.
LIST_URLS = [
    "home",
    "cases:list",
    "cases:create",
    "indicators:hits",
    "indicators:requests",
    "victims:dashboard",
    "victims:bulk_move",
    "victims:access_log",
    "victims:notifications",
    "operations:list",
    "operations:create",
    "operations:approvals",
    "persons:matches",
    "agencies:user_list",
    "agencies:user_create",
]
# Not about agency data at all.
PUBLIC_URLS = {"login", "logout", "password_change", "schema", "api-docs"}

SECRETS = [SECRET_TITLE, SECRET_SUSPECT, SECRET_VICTIM, SECRET_PHONE_E164, "Op Zircon"]


def _site_url_names() -> set[str]:
    names = set()

    def walk(patterns, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                if str(p.pattern).startswith(("admin/", "api/v1/")):
                    continue
                ns = ":".join(filter(None, [namespace, p.namespace]))
                walk(p.url_patterns, ns)
            elif isinstance(p, URLPattern) and p.name:
                names.add(f"{namespace}:{p.name}" if namespace else p.name)

    walk(get_resolver().url_patterns, "")
    return names


def test_every_url_is_in_the_matrix():
    covered = set(OBJECT_URLS) | set(TWO_ARG_URLS) | set(LIST_URLS) | PUBLIC_URLS
    covered |= set(INTERCHANGE_URLS)  # the interchange block at the end of this file
    assert _site_url_names() - covered == set(), "add the new URLs to the security matrix"
    assert covered - _site_url_names() == set(), "the matrix names URLs that do not exist"


def _object_url(world, name: str) -> str:
    if name in TWO_ARG_URLS:
        key, extra = TWO_ARG_URLS[name]
        second = world[extra].pk if extra in world else extra
        return reverse(name, args=[world[key].pk, second])
    key = OBJECT_URLS[name]
    target = world["own_users"]["analyst"] if key == "user" else world[key]
    return reverse(name, args=[target.pk])


OUTSIDER_ROLES = [r.value for r in Role]


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_gets_404_on_every_object_page(client, world, role):
    before = snapshot(world)
    client.force_login(world["outsider_users"][role])
    for name in [*OBJECT_URLS, *TWO_ARG_URLS]:
        url = _object_url(world, name)
        # A POST-only URL answers GET with 405 whatever the id: that reveals nothing.
        assert client.get(url).status_code in (404, 405), f"GET {name} {url}"
        assert client.post(url, {}).status_code == 404, f"POST {name} {url}"
    assert snapshot(world) == before


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_sees_no_own_data_on_any_list_page(client, world, role):
    client.force_login(world["outsider_users"][role])
    for name in LIST_URLS:
        response = client.get(reverse(name), {"q": "Secretname"})
        assert response.status_code in (200, 404), name
        html = response.content.decode()
        for secret in SECRETS:
            assert secret not in html, f"{secret!r} leaks on {name}"
        # The search box echoes the query; nothing of the record itself may appear.


# --- API ------------------------------------------------------------------------------------

# Router basename -> world object of the own agency behind its detail routes.
API_OBJECTS = {
    "case": "case",
    "suspect": "suspect",
    "asset": "asset",
    "note": "note",
    "indicator": "indicator",
    "hit": "hit",
    "access-request": "access_request",
    "victim": "victim",
    "repatriation": "repatriation",
    "operation": "operation",
    "person-match": "match",
}
# Routes that are not agency data (the agency directory is public to members by design) or
# hold only the caller's own objects.
API_NOT_AGENCY_DATA = {"agency", "token", "approval"}


def test_every_api_route_is_in_the_matrix():
    basenames = {basename for _, _, basename in router.registry}
    assert basenames - set(API_OBJECTS) - API_NOT_AGENCY_DATA == set()


def _detail_actions(viewset) -> list[tuple[str, list[str]]]:
    return [
        (action.url_path, sorted(m.upper() for m in action.mapping))
        for action in viewset.get_extra_actions()
        if action.detail
    ]


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_gets_404_on_every_api_detail_and_action(api, world, role):
    before = snapshot(world)
    client = api(world["outsider_users"][role])
    for prefix, viewset, basename in router.registry:
        if basename not in API_OBJECTS:
            continue
        pk = world[API_OBJECTS[basename]].pk
        url = f"/api/v1/{prefix}/{pk}/"
        assert client.get(url).status_code == 404, url
        for method in ("put", "patch", "delete"):
            assert getattr(client, method)(url, {}).status_code in (404, 405), f"{method} {url}"
        for path, methods in _detail_actions(viewset):
            action_url = f"{url}{path}/"
            for method in methods:
                response = getattr(client, method.lower())(action_url, {})
                assert response.status_code == 404, f"{method} {action_url}"
    assert snapshot(world) == before


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_finds_no_own_data_in_any_api_list(api, world, role):
    client = api(world["outsider_users"][role])
    for prefix, _viewset, basename in router.registry:
        response = client.get(f"/api/v1/{prefix}/", {"search": "Secretname"})
        assert response.status_code in (200, 403, 404), prefix
        body = response.content.decode()
        for secret in SECRETS:
            assert secret not in body, f"{secret!r} leaks from /api/v1/{prefix}/"
        # The object ids of the own agency's records never appear as list rows.
        if response.status_code == 200 and basename in API_OBJECTS:
            data = response.json()
            rows = data["results"] if isinstance(data, dict) and "results" in data else data
            own_pk = world[API_OBJECTS[basename]].pk
            assert all(row.get("id") != own_pk for row in rows if isinstance(row, dict)), prefix


def test_the_world_is_visible_to_its_owner(client, api, world):
    """The matrix above is only meaningful if the same URLs answer the owner."""
    supervisor = world["own_users"]["supervisor"]
    client.force_login(supervisor)
    for name in ("cases:detail", "victims:victim_detail", "operations:detail", "persons:detail"):
        assert client.get(_object_url(world, name)).status_code == 200, name
    for basename in ("case", "suspect", "indicator", "hit", "victim", "repatriation"):
        prefix = next(p for p, _, b in router.registry if b == basename)
        pk = world[API_OBJECTS[basename]].pk
        assert api(supervisor).get(f"/api/v1/{prefix}/{pk}/").status_code == 200, basename
    assert Case.objects.get(pk=world["case"].pk).sharing_level == SharingLevel.RESTRICTED


# --- interchange (issue 13): its pages and API routes ----------------------------------------
# A block of its own: the import job is made here, on top of the world above.

INTERCHANGE_URLS = {"interchange:import_upload": "case", "interchange:import_detail": "import_job"}
# Route name (interchange/api_urls.py) -> (method, world object, URL).
INTERCHANGE_API = {
    "case-export": ["GET /api/v1/cases/{case}/export/" + f + "/" for f in ("stix", "misp", "csv")],
    "operation-export": [
        "GET /api/v1/operations/{operation}/export/" + f + "/" for f in ("stix", "misp", "csv")
    ],
    "case-import": ["POST /api/v1/cases/{case}/import/"],
    "import-job": ["GET /api/v1/imports/{import_job}/"],
}


@pytest.fixture
def interchange_world(world, django_capture_on_commit_callbacks):
    from interchange.services import import_start

    with django_capture_on_commit_callbacks(execute=True):
        job = import_start(
            case=world["case"],
            by=world["own_users"]["analyst"],
            data=b"kind,value\ndomain,zircon-harbour.com\n",
            filename="zircon.csv",
        )
    return {**world, "import_job": job}


def test_every_interchange_api_route_is_in_the_matrix():
    from interchange.api_urls import urlpatterns

    assert {p.name for p in urlpatterns} == set(INTERCHANGE_API)


def _interchange_api_urls(w) -> list[tuple[str, str]]:
    ids = {k: w[k].pk for k in ("case", "operation", "import_job")}
    return [
        tuple(r.format(**ids).split(" ")) for routes in INTERCHANGE_API.values() for r in routes
    ]


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_gets_404_on_every_interchange_page_and_route(
    client, api, interchange_world, role
):
    from interchange.models import ImportJob

    w = interchange_world
    before = snapshot(w), ImportJob.objects.count()
    user = w["outsider_users"][role]
    client.force_login(user)
    for name, key in INTERCHANGE_URLS.items():
        url = reverse(name, args=[w[key].pk])
        assert client.get(url).status_code == 404, url
        assert client.post(url, {}).status_code == 404, url
    for method, url in _interchange_api_urls(w):
        response = getattr(api(user), method.lower())(url, {})
        assert response.status_code == 404, f"{method} {url}"
        for secret in SECRETS:
            assert secret not in response.content.decode()
    assert (snapshot(w), ImportJob.objects.count()) == before


def test_the_interchange_routes_answer_their_owner(client, api, interchange_world):
    w = interchange_world
    analyst = w["own_users"]["analyst"]
    client.force_login(analyst)
    for name, key in INTERCHANGE_URLS.items():
        assert client.get(reverse(name, args=[w[key].pk])).status_code == 200, name
    for method, url in _interchange_api_urls(w):
        if method == "GET":
            assert api(w["own_users"]["supervisor"]).get(url).status_code == 200, url
