"""The access matrix for EVERY page and API endpoint.

A world holds one object of every kind owned by the `own` agency (a restricted case with a
suspect, asset, note, indicator, hit, victim, repatriation, access request, person match and
joint operation). For every URL of the site and every route of the API, a user of the unrelated
`outsider` agency — in every role — must get 404 for the own agency's objects (GET and POST),
must find none of the own agency's data in any list, and nothing may change. A user of the
`partner` agency, with which the case is shared read-only, reads what the tables below say and
nothing else, and every write it tries — page POSTs, API POST/PUT/PATCH/DELETE and actions — is
refused with nothing changed. And the owner opens every URL of the matrix, so a page that
answers 404 to everyone fails here too.

New URLs must be added to the tables below: `test_every_url_is_in_the_matrix` fails
otherwise, so no page or endpoint can escape this matrix.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_filters import ModelChoiceFilter, ModelMultipleChoiceFilter

from agencies.models import Agency, Notification, Role, User
from agencies.services import notification_send
from cases.models import Asset, Case, CaseNote, SharingLevel, Suspect
from cases.services import (
    asset_create,
    case_create,
    case_set_sharing,
    note_create,
    suspect_create,
)
from config.api import router
from config.fields import IdFilter
from indicators import xref
from indicators.models import AccessRequest, Hit, Indicator
from indicators.services import access_request_create, indicators_add_batch
from operations.services import (
    invitation_respond,
    operation_create,
    operation_invite,
    operation_link_case,
)
from payments.models import StopPaymentRequest
from payments.services import stop_payment_file
from persons import rebuild as persons_rebuild
from persons.models import PersonMatch
from registry.models import PublicationProposal, RegistryEntry, RegistrySource, TakedownStep
from registry.services import proposal_create, proposal_decide
from victims.models import Repatriation, Victim
from victims.services import repatriation_handover, repatriation_start, victim_create

SECRET_TITLE = "Zircon harbour scam compound"
SECRET_SUSPECT = "Quách Thị Secretname"
SECRET_VICTIM = "Lương Văn Hiddenperson"
SECRET_PHONE = "+84 912 777 001"
SECRET_PHONE_E164 = "+84912777001"
SECRET_ACCOUNT = "9988776655"


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
    persons_rebuild.rebuild()
    own_hit = Hit.objects.get(case=case)
    partner_hit = Hit.objects.get(case=partner_case)
    request = access_request_create(
        hit=partner_hit,
        by=partner_users["investigator"],
        agency=own,
        reason="Same number in our smishing case",
    )[0]
    match = PersonMatch.objects.get()
    # A proposal to publish the phone to the registry: the own agency's alone to see.
    proposal = proposal_create(
        indicator=Indicator.objects.get(case=case),
        by=own_users["analyst"],
        confidence="confirmed",
        fraud_types=["phishing"],
        description="Harbour compound's number.",
    )
    notification = notification_send(
        user=own_users["liaison"], key="matrix", message="Hand-over awaiting you", url="/"
    )
    # A stop-payment request from the case to a third agency (neither partner nor outsider).
    receiver = Agency.objects.create(
        code="receiver", name="Agency receiver", country="KH", contact_email="d@r.example.org"
    )
    receiver_users = {
        role: User.objects.create_user(
            username=f"receiver.{role}", password="pw", agency=receiver, role=role
        )
        for role in (Role.INVESTIGATOR, Role.ANALYST)
    }
    stop_payment = stop_payment_file(
        case=case,
        by=alice,
        to_agency=receiver,
        account_kind="bank_account",
        account=SECRET_ACCOUNT,
        amount="4000.00",
        currency="USD",
    )
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
        "proposal": proposal,
        "notification": notification,
        "stop_payment": stop_payment,
        "receiver_users": receiver_users,
        "own_users": own_users,
        "partner_users": partner_users,
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
        "suspects": Suspect.objects.filter(case=case).count(),
        "assets": Asset.objects.filter(case=case).count(),
        "notes": CaseNote.objects.filter(case=case).count(),
        "victims": Victim.objects.filter(case=case).count(),
        "indicators": Indicator.objects.filter(case=case).count(),
        "hit": Hit.objects.get(pk=world["hit"].pk).status,
        "victim": Victim.objects.get(pk=world["victim"].pk).version,
        "repatriation": (lambda r: (r.stage, r.handed_over_to_id, r.version))(
            Repatriation.objects.get(pk=world["repatriation"].pk)
        ),
        "request": AccessRequest.objects.get(pk=world["access_request"].pk).status,
        "match": PersonMatch.objects.get(pk=world["match"].pk).status,
        "proposal": PublicationProposal.objects.get(pk=world["proposal"].pk).status,
        "notification": Notification.objects.get(pk=world["notification"].pk).read_at,
        "registry": (RegistryEntry.objects.count(), RegistrySource.objects.count()),
        "stop_payments": sorted(StopPaymentRequest.objects.values_list("pk", "status", "version")),
        "operation": (
            lambda o: (
                o.version,
                o.status,
                sorted(o.cases.values_list("pk", flat=True)),
                sorted(o.participations.values_list("agency_id", "status")),
            )
        )(world["operation"].__class__.objects.get(pk=world["operation"].pk)),
    }


# URL name -> which world object fills its one argument.
OBJECT_URLS = {
    "notifications:read": "notification",
    "cases:detail": "case",
    "cases:edit": "case",
    "cases:sharing": "case",
    "cases:suspect_create": "case",
    "cases:asset_create": "case",
    "cases:note_create": "case",
    "cases:retention_review": "case",
    "cases:retention_delete": "case",
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
    "victims:repatriation_correct": "repatriation",
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
    "agencies:user_reset_second_factor": "user",
    "agencies:user_unlock": "user",
    "registry:propose": "indicator",
    "registry:decide_proposal": "proposal",
    "payments:file": "case",
    "payments:detail": "stop_payment",
    "payments:acknowledge": "stop_payment",
    "payments:outcome": "stop_payment",
    "registry:wanted_publish": "suspect",
}
# URL names with two arguments: (first object, second argument).
TWO_ARG_URLS = {
    "cases:section": ("case", "hits"),
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
    "notifications:list",
    "notifications:bell",
    "operations:list",
    "operations:create",
    "operations:approvals",
    "persons:matches",
    "agencies:user_list",
    "agencies:user_create",
    "registry:search",
    "audit:events",
    "audit:export",
    "cases:retention",
    "payments:queue",
    "registry:wanted",
    "persons:wanted_matches",
]
# Not about agency data at all: signing in and out, the language page and switcher (the user's
# own preference), how to report a vulnerability, and the signed-in user's own account (its
# second factor, recovery codes and sessions; the passkey ceremonies of django-otp-webauthn),
# tested in tests/test_trust_*.py.
PUBLIC_URLS = {
    "login",
    "logout",
    "password_change",
    "security",
    "language",
    "account_security",
    "totp_enrol",
    "recovery_codes",
    "otp_verify",
    "sign_out_everywhere",
    "otp_webauthn:credential-registration-begin",
    "otp_webauthn:credential-registration-complete",
    "otp_webauthn:credential-authentication-begin",
    "otp_webauthn:credential-authentication-complete",
    "otp_webauthn:js-i18n-catalog",
}
# No agency data, but for signed-in users only (the API schema and its docs page).
SIGNED_IN_URLS = {"schema", "api-docs"}

SECRETS = [
    SECRET_TITLE,
    SECRET_SUSPECT,
    SECRET_VICTIM,
    SECRET_PHONE_E164,
    "Op Zircon",
    SECRET_ACCOUNT,
]


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
    covered = set(OBJECT_URLS) | set(TWO_ARG_URLS) | set(LIST_URLS) | PUBLIC_URLS | SIGNED_IN_URLS
    covered |= set(INTERCHANGE_URLS)  # the interchange block at the end of this file
    covered |= set(TAXII_URLS)  # the TAXII block
    covered |= set(REGISTRY_URLS)  # the registry block
    covered |= set(FEED_URLS)  # the feeds, feed tokens and public awareness block at the end
    covered |= set(WANTED_URLS)  # and its wanted identities
    assert _site_url_names() - covered == set(), "add the new URLs to the security matrix"
    assert covered - _site_url_names() == set(), "the matrix names URLs that do not exist"


@pytest.mark.parametrize("name", sorted(SIGNED_IN_URLS))
def test_the_schema_and_docs_are_for_signed_in_users_only(client, own_users, name):
    url = reverse(name)
    assert client.get(url).status_code in (401, 403), url
    assert client.get(url, {"script": ""}).status_code in (401, 403), url
    client.force_login(own_users["analyst"])
    assert client.get(url).status_code == 200, url


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
    "registry-proposal": "proposal",
    "stop-payment": "stop_payment",
}
# Routes that are not agency data (the agency directory is public to members by design, the
# registry too: its block is at the end) or hold only the caller's own objects.
API_NOT_AGENCY_DATA = {"agency", "token", "approval", "registry", "wanted", "wanted-match"}


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


# --- the partner: the case is shared with it read-only --------------------------------------

CASE_READERS = {"investigator", "analyst", "liaison", "supervisor"}
FILE_READERS = {"investigator", "analyst", "supervisor"}  # the case file: not a liaison officer
MATCH_REVIEWERS = {"investigator", "analyst", "supervisor"}
# Pages of the own agency's objects that the partner reads, and who in it. Victims are not
# shared with a case (only a hand-over opens a victim to another agency), nor is the own
# agency's hit or its file's forms; the partner is a member of the operation and a party to the
# person match (its suspect is the other side).
PARTNER_READS = {
    "cases:detail": CASE_READERS,
    "operations:detail": CASE_READERS,
    "operations:report_csv": CASE_READERS,
    "operations:report_print": CASE_READERS,
    "operations:figure": CASE_READERS,
    "persons:detail": MATCH_REVIEWERS,
}
# API routes (basename) whose own-agency object the partner reads, and who in it.
PARTNER_API_READS = {
    "case": CASE_READERS,
    "suspect": FILE_READERS,
    "asset": FILE_READERS,
    "note": FILE_READERS,
    "indicator": FILE_READERS,
    "access-request": {"investigator", "analyst", "supervisor"},  # the partner asked for it
    "operation": CASE_READERS,
    "person-match": MATCH_REVIEWERS,
}
# Writes that are the partner's own right, not a write to the shared case, so not refused:
# a member links and unlinks its own cases (test_operations*.py), a party to a person match
# confirms or dismisses it (test_persons.py).
PARTNER_OWN_RIGHTS = {
    ("operation", "link-case"),
    ("operation", "unlink-case"),
    ("person-match", "confirm"),
    ("person-match", "dismiss"),
}
# Creating the shared case's records through the API: refused however valid the body.
API_CREATES = {
    "suspects": {"full_name": "Partner Wrote This", "birth_year": 1991},
    "assets": {"kind": "cash", "amount": "10.00", "currency": "USD"},
    "notes": {"text": "The partner wrote this."},
    "indicators": {"kind": "phone", "value": "+84 912 777 002"},
    "victims": {"full_name": "Partner Wrote This", "kind": "fraud_victim", "nationality": "TH"},
}


@pytest.fixture
def shared_world(world, partner):
    case_set_sharing(
        case=world["case"],
        level=SharingLevel.SHARED,
        agencies=[partner],
        by=world["own_users"]["supervisor"],
        expected_version=world["case"].version,
    )
    return world


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_partner_reads_the_shared_case_and_writes_nothing_on_any_page(client, shared_world, role):
    world = shared_world
    before = snapshot(world)
    client.force_login(world["partner_users"][role])
    for name in [*OBJECT_URLS, *TWO_ARG_URLS]:
        url = _object_url(world, name)
        reads = role in PARTNER_READS.get(name, ())
        get, post = client.get(url).status_code, client.post(url, {}).status_code
        if reads:
            assert get == 200, f"GET {name} {url}"
            assert post in (200, 405), f"POST {name} {url}"  # a page to read, not a form
        else:
            assert get in (404, 405), f"GET {name} {url}"
            assert post == 404, f"POST {name} {url}"
    assert snapshot(world) == before


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_partner_reads_the_shared_case_and_writes_nothing_in_the_api(api, shared_world, role):
    world = shared_world
    before = snapshot(world)
    client = api(world["partner_users"][role])
    for prefix, viewset, basename in router.registry:
        if basename not in API_OBJECTS:
            continue
        url = f"/api/v1/{prefix}/{world[API_OBJECTS[basename]].pk}/"
        reads = role in PARTNER_API_READS.get(basename, ())
        assert client.get(url).status_code == (200 if reads else 404), url
        for method in ("put", "patch", "delete"):
            status = getattr(client, method)(url, {}, format="json").status_code
            assert status in (403, 404, 405), f"{method} {url}"
        for path, methods in _detail_actions(viewset):
            if (basename, path) in PARTNER_OWN_RIGHTS:
                continue
            for method in methods:
                status = getattr(client, method.lower())(f"{url}{path}/", {}).status_code
                if method == "GET":
                    assert status == (200 if reads else 404), f"{method} {url}{path}/"
                else:
                    assert status in ((403, 404) if reads else (404,)), f"{method} {url}{path}/"
    for prefix, body in API_CREATES.items():
        response = client.post(f"/api/v1/{prefix}/", {**body, "case": world["case"].pk})
        # A reader is told it may not (403); who cannot see the case finds no such case.
        expected = (403,) if role in CASE_READERS else (400, 404)
        assert response.status_code in expected, f"POST /api/v1/{prefix}/"
    assert snapshot(world) == before


# --- the owner opens every URL of the matrix ------------------------------------------------

# Which user opens each URL: a role of the own agency, or (`destination.`) of the agency the
# repatriation is handed over to, or (`outsider.`) of the agency invited to the operation.
OPENER = {
    "cases:detail": "investigator",
    "cases:edit": "investigator",
    "cases:sharing": "supervisor",
    "cases:suspect_create": "investigator",
    "cases:asset_create": "investigator",
    "cases:note_create": "investigator",
    "cases:suspect_edit": "investigator",
    "cases:asset_edit": "investigator",
    "cases:note_edit": "investigator",
    "indicators:add": "analyst",
    "indicators:batch": "analyst",
    "indicators:edit": "analyst",
    "indicators:delete": "analyst",
    "indicators:hit_status": "analyst",
    "indicators:request_access": "analyst",
    "indicators:decide": "supervisor",
    "operations:decide_access_request": "supervisor",
    "victims:victim_create": "liaison",
    "victims:victim_detail": "liaison",
    "victims:victim_edit": "liaison",
    "victims:repatriation_start": "liaison",
    "victims:repatriation_detail": "liaison",
    "victims:repatriation_move": "liaison",
    "victims:repatriation_correct": "liaison",
    "victims:repatriation_handover": "liaison",
    "victims:repatriation_accept": "destination.liaison",
    "victims:repatriation_decline": "destination.liaison",
    "operations:detail": "analyst",
    "operations:edit": "supervisor",
    "operations:report_csv": "analyst",
    "operations:report_print": "analyst",
    "operations:invite": "supervisor",
    "operations:status": "supervisor",
    "operations:rate": "supervisor",
    "operations:link_case": "supervisor",
    "operations:respond": "outsider.supervisor",
    "operations:link_from_case": "supervisor",
    "operations:figure": "analyst",
    "operations:unlink_case": "supervisor",
    "cases:section": "analyst",
    "persons:detail": "analyst",
    "persons:request_access": "analyst",
    "agencies:user_edit": "admin",
    "agencies:user_deactivate": "admin",
    "agencies:user_reset_second_factor": "admin",
    "agencies:user_unlock": "admin",
    "registry:propose": "analyst",
    "registry:decide_proposal": "supervisor",
    "registry:search": "liaison",
    "payments:file": "investigator",
    "payments:detail": "analyst",
    "payments:acknowledge": "receiver.investigator",
    "payments:outcome": "receiver.investigator",
    "payments:queue": "analyst",
    "registry:wanted_publish": "supervisor",
    "registry:wanted": "liaison",
    "persons:wanted_matches": "analyst",
    "home": "investigator",
    "cases:list": "investigator",
    "cases:create": "investigator",
    "indicators:hits": "analyst",
    "indicators:requests": "supervisor",
    "victims:dashboard": "liaison",
    "victims:bulk_move": "liaison",
    "victims:access_log": "supervisor",
    "notifications:list": "liaison",
    "notifications:bell": "liaison",
    "notifications:read": "liaison",
    "operations:list": "analyst",
    "operations:create": "supervisor",
    "operations:approvals": "supervisor",
    "persons:matches": "analyst",
    "agencies:user_list": "admin",
    "agencies:user_create": "admin",
    "audit:events": "supervisor",
    "audit:export": "supervisor",
    "cases:retention": "supervisor",
    "cases:retention_review": "supervisor",
    "cases:retention_delete": "supervisor",
}
# URLs that only take a POST: the opener's POST must find the object (a form that lacks its
# fields is answered with its errors, not 404), with the body said (world key -> its pk).
POST_ONLY = {
    "notifications:read": {},
    "indicators:hit_status": {},
    "operations:decide_access_request": {},
    "victims:repatriation_move": {},
    "operations:invite": {},
    "operations:status": {},
    "operations:rate": {},
    "operations:link_case": {"case": "spare_case"},
    "operations:respond": {},
    "operations:link_from_case": {"operation": "operation"},
    "registry:decide_proposal": {},
    "payments:acknowledge": {},
    "payments:outcome": {},
}
# What the owner finds of its own data where the outsider finds none.
OWNER_SEES = {
    "cases:detail": SECRET_TITLE,
    "cases:list": SECRET_TITLE,
    "victims:victim_detail": SECRET_VICTIM,
    "victims:dashboard": SECRET_VICTIM,
    "operations:list": "Op Zircon",
    "indicators:hits": SECRET_PHONE_E164,
    "cases:section": SECRET_PHONE_E164,
    "operations:approvals": SECRET_PHONE_E164,  # the proposal to publish it
    "payments:queue": SECRET_ACCOUNT,
    "payments:detail": SECRET_ACCOUNT,
}


def test_every_url_has_an_opener():
    assert set(OPENER) == set(OBJECT_URLS) | set(TWO_ARG_URLS) | set(LIST_URLS)


def _opener(world, who: str):
    agency, _, role = who.rpartition(".")
    return world[f"{agency or 'own'}_users"][role]


def test_the_owner_opens_every_url_of_the_matrix(client, api, world, outsider):
    """The matrix above is only meaningful if the same URLs answer the owner."""
    assert world["case"].sharing_level == SharingLevel.RESTRICTED  # what the outsider is refused
    own_users = world["own_users"]
    # What the last few URLs need: a hand-over to accept, an invitation to answer, a linked case.
    destination = Agency.objects.create(
        code="home", name="Agency home", country="VN", contact_email="desk@home.example.org"
    )
    world["destination_users"] = {
        "liaison": User.objects.create_user(
            username="home.liaison", password="pw", agency=destination, role=Role.LIAISON
        )
    }
    operation_invite(operation=world["operation"], by=own_users["supervisor"], agencies=[outsider])
    world["spare_case"] = case_create(by=own_users["investigator"], title="Another case")
    operation_link_case(
        operation=world["operation"], case=world["case"], by=own_users["supervisor"]
    )

    def opens(name: str) -> None:
        who = OPENER[name]
        client.force_login(_opener(world, who))
        url = _object_url(world, name) if name not in LIST_URLS else reverse(name)
        if name in POST_ONLY:
            body = {field: world[key].pk for field, key in POST_ONLY[name].items()}
            assert client.post(url, body).status_code not in (404, 405, 500), f"POST {name} {url}"
            return
        response = client.get(url)
        assert response.status_code == 200, f"GET {name} {url} as {who}"
        if name in OWNER_SEES:
            assert OWNER_SEES[name] in response.content.decode(), name

    handed_over = {"victims:repatriation_accept", "victims:repatriation_decline"}
    for name in OPENER.keys() - handed_over:
        opens(name)
    repatriation_handover(
        by=own_users["liaison"],
        repatriation=world["repatriation"],
        agency=destination,
        version=Repatriation.objects.get(pk=world["repatriation"].pk).version,
    )
    for name in handed_over:
        opens(name)
    for basename, key in API_OBJECTS.items():
        prefix = next(p for p, _, b in router.registry if b == basename)
        response = api(own_users["supervisor"]).get(f"/api/v1/{prefix}/{world[key].pk}/")
        assert response.status_code == 200, basename
    for prefix, _viewset, _basename in router.registry:
        assert api(own_users["supervisor"]).get(f"/api/v1/{prefix}/").status_code == 200, prefix


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


# --- TAXII 2.1 (issue 13): every route of interchange/taxii_urls.py ---------------------------
# A block of its own. Every TAXII route is GET: writes answer 405 with nothing changed. The own
# agency's collection and the operation's (the world's case linked to it) are 404 to outsiders
# in every role, object by object too; the partner reads them once the case is shared.

# Route name -> URL, with {collection} and {object} filled in per collection.
TAXII_URLS = {
    "taxii:discovery": "/taxii2/",
    "taxii:api-root": "/taxii2/api/",
    "taxii:collections": "/taxii2/api/collections/",
    "taxii:collection": "/taxii2/api/collections/{collection}/",
    "taxii:objects": "/taxii2/api/collections/{collection}/objects/",
    "taxii:object": "/taxii2/api/collections/{collection}/objects/{object}/",
    "taxii:object-versions": "/taxii2/api/collections/{collection}/objects/{object}/versions/",
    "taxii:manifest": "/taxii2/api/collections/{collection}/manifest/",
}
TAXII_ACCEPT = "application/taxii+json;version=2.1"


@pytest.fixture
def taxii_world(world):
    from interchange import taxii

    case = world["case"]
    operation_link_case(
        operation=world["operation"], case=case, by=world["own_users"]["supervisor"]
    )
    world["case"].refresh_from_db()
    collections = [
        taxii._collection_id(f"agency:{case.agency.code}"),
        taxii._collection_id(f"operation:{world['operation'].pk}"),
    ]
    return {**world, "collections": collections}


def _taxii_urls(api, w) -> list[str]:
    """Every TAXII URL of the world's collections, one per object id the owner sees."""
    owner = api(w["own_users"]["analyst"])
    urls = [TAXII_URLS[n] for n in ("taxii:discovery", "taxii:api-root", "taxii:collections")]
    for collection in w["collections"]:
        listing = owner.get(
            f"/taxii2/api/collections/{collection}/objects/", HTTP_ACCEPT=TAXII_ACCEPT
        )
        assert listing.status_code == 200
        objects = [o["id"] for o in listing.json()["objects"]]
        assert objects
        for url in TAXII_URLS.values():
            if "{object}" in url:
                urls += [url.format(collection=collection, object=o) for o in objects]
            elif "{collection}" in url:
                urls.append(url.format(collection=collection))
    return urls


def test_every_taxii_route_is_in_the_matrix():
    from interchange.taxii_urls import urlpatterns

    assert {f"taxii:{p.name}" for p in urlpatterns} == set(TAXII_URLS)


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_gets_404_on_every_taxii_collection_and_object(api, taxii_world, role):
    w = taxii_world
    urls = _taxii_urls(api, w)
    before = snapshot(w)
    client = api(w["outsider_users"][role])
    for url in urls:
        response = client.get(url, HTTP_ACCEPT=TAXII_ACCEPT)
        if "/collections/" in url and not url.endswith("/collections/"):
            assert response.status_code == 404, url
            assert response.json()["http_status"] == "404"
        else:
            assert response.status_code == 200, url
            assert not set(w["collections"]) & set(response.content.decode().split('"'))
        for secret in SECRETS:
            assert secret not in response.content.decode(), url
        for method in ("post", "put", "patch", "delete"):
            assert getattr(client, method)(url, {}).status_code in (404, 405), f"{method} {url}"
    assert snapshot(w) == before


@pytest.mark.parametrize("role", sorted(FILE_READERS))
def test_partner_reads_the_shared_taxii_collections_and_writes_nothing(
    api, taxii_world, partner, role
):
    w = taxii_world
    case_set_sharing(
        case=w["case"],
        level=SharingLevel.SHARED,
        agencies=[partner],
        by=w["own_users"]["supervisor"],
        expected_version=w["case"].version,
    )
    urls = _taxii_urls(api, w)
    before = snapshot(w)
    client = api(w["partner_users"][role])
    for url in urls:
        assert client.get(url, HTTP_ACCEPT=TAXII_ACCEPT).status_code == 200, url
        for method in ("post", "put", "patch", "delete"):
            assert getattr(client, method)(url, {}).status_code == 405, f"{method} {url}"
    # Victims are never objects; the suspect is, for the roles that read case files.
    body = client.get(f"/taxii2/api/collections/{w['collections'][0]}/objects/").content.decode()
    assert SECRET_VICTIM not in body and SECRET_SUSPECT in body
    assert snapshot(w) == before


def test_the_taxii_routes_answer_their_owner(api, taxii_world):
    w = taxii_world
    client = api(w["own_users"]["supervisor"])
    for url in _taxii_urls(api, w):
        response = client.get(url, HTTP_ACCEPT=TAXII_ACCEPT)
        assert response.status_code == 200, url
        assert response["Content-Type"] == TAXII_ACCEPT
    # A liaison officer reads no case file: the collections are 404 to them (the registry's
    # is the only one they see).
    liaison = api(w["own_users"]["liaison"])
    listed = liaison.get(TAXII_URLS["taxii:collections"]).json()["collections"]
    assert [c["title"] for c in listed] == ["Network registry"]
    for collection in w["collections"]:
        assert liaison.get(f"/taxii2/api/collections/{collection}/").status_code == 404


# --- id filters: "not yours" and "not there" answer the same ---------------------------------


CHOICE_FILTERS: list[str] = []  # filters that choose among all rows of a model: none allowed


def _id_filters() -> list[tuple[str, str, type]]:
    """(list prefix, filter name, related model) for every id filter of every API list."""
    found = []
    for prefix, viewset, _basename in router.registry:
        view = viewset()
        view.action = "list"
        for backend in view.filter_backends:
            if not hasattr(backend, "get_filterset_class"):
                continue
            filterset_class = backend().get_filterset_class(view, viewset.queryset)
            if filterset_class is None:
                continue
            model = filterset_class._meta.model
            for name, flt in filterset_class.base_filters.items():
                if isinstance(flt, ModelChoiceFilter | ModelMultipleChoiceFilter):
                    CHOICE_FILTERS.append(f"/api/v1/{prefix}/?{name}=")
                if isinstance(flt, IdFilter):
                    field = model._meta.get_field(flt.field_name.removesuffix("_id"))
                    found.append((prefix, name, field.related_model))
    return found


ID_FILTERS = _id_filters()


def test_the_id_filters_are_found():
    # A choice among all rows answers 400 for an id that does not exist: use IdFilter.
    assert CHOICE_FILTERS == []
    assert ("victims", "case", Case) in ID_FILTERS
    assert ("cases", "agency", Agency) in ID_FILTERS


@pytest.mark.parametrize(("prefix", "name", "model"), ID_FILTERS)
def test_id_filter_answers_the_same_for_not_yours_and_not_there(api, world, prefix, name, model):
    client = api(world["outsider_users"]["supervisor"])
    # The own agency's rows were created first: the lowest id is one the outsider may not see.
    theirs = model.objects.order_by("pk").first().pk
    missing = model.objects.order_by("-pk").first().pk + 1000
    answers = []
    for value in (theirs, missing):
        response = client.get(f"/api/v1/{prefix}/", {name: value})
        data = response.json() if response.status_code == 200 else response.content
        answers.append((response.status_code, data))
    assert answers[0] == answers[1], f"/api/v1/{prefix}/?{name}= tells the two apart"
    assert answers[0][0] in (200, 403), prefix
    if answers[0][0] == 200:
        assert answers[0][1]["results"] == [], prefix


# --- the network registry (issue 14): its pages and routes -----------------------------------
# A block of its own. The own agency publishes a domain of its restricted case: every agency
# member that works cases reads the entry (value, kind, publishing agency, description), and
# nothing of the case behind it is reachable from it. Proposals are the own agency's alone
# (the world's proposal is in the matrix above, 404 to every other agency).

REGISTRY_URLS = {
    "registry:detail": "entry",
    "registry:step": "entry",
    "registry:claim": "entry",
    "registry:withdraw": "entry",
}
REGISTRY_READERS = {"investigator", "analyst", "liaison", "supervisor"}
REGISTRY_STEPPERS = {"investigator", "analyst", "supervisor"}
PUBLISHED = "zircon-harbour-pay.com"


@pytest.fixture
def registry_world(world):
    own_users = world["own_users"]
    indicators_add_batch(
        case=world["case"], by=own_users["analyst"], rows=[{"kind": "domain", "value": PUBLISHED}]
    )
    indicator = Indicator.objects.get(case=world["case"], raw_value=PUBLISHED)
    proposal = proposal_create(
        indicator=indicator,
        by=own_users["analyst"],
        confidence="confirmed",
        fraud_types=[],
        description="Fake payment page.",
    )
    proposal_decide(proposal=proposal, by=own_users["supervisor"], approve=True)
    return {**world, "entry": RegistryEntry.objects.get(value=indicator.value)}


def _registry_snapshot(w) -> tuple:
    entry = RegistryEntry.objects.get(pk=w["entry"].pk)
    live = RegistrySource.objects.filter(withdrawn_at=None).count()
    return (
        entry.version,
        entry.status,
        entry.claimed_by_id,
        entry.public_awareness,
        TakedownStep.objects.count(),
        live,
    )


def _case_traces(w) -> list[str]:
    case = w["case"]
    return [SECRET_TITLE, case.reference, f"/cases/{case.pk}/", SECRET_SUSPECT, SECRET_VICTIM]


def test_every_registry_api_route_is_in_the_matrix():
    from registry.api import RegistryViewSet

    assert {a.url_path for a in RegistryViewSet.get_extra_actions()} == {
        "request-takedown",
        "taken-down",
        "re-emerged",
        "claim",
        "release",
        "withdraw",
        "awareness",
        "lookup",
    }


@pytest.mark.parametrize("who", ["outsider", "partner"])
@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_other_agencies_read_the_registry_and_never_the_case(
    client, api, registry_world, who, role
):
    w = registry_world
    before, registry_before = snapshot(w), _registry_snapshot(w)
    user = w[f"{who}_users"][role]
    reads = role in REGISTRY_READERS
    client.force_login(user)
    pages = [reverse("registry:search"), reverse("registry:detail", args=[w["entry"].pk])]
    for url in pages:
        response = client.get(url, {"q": PUBLISHED} if "search" not in url else {})
        assert response.status_code == (200 if reads else 404), url
        # The language menu's `next` repeats the page's own address (its query: what the user
        # typed), which is no trace of the registry.
        html = re.sub(r'<input type="hidden" name="next"[^>]*>', "", response.content.decode())
        assert (PUBLISHED in html) == reads, url
        for trace in _case_traces(w):
            assert trace not in html, f"{trace!r} on {url}"
    # Nothing of the own agency's proposals, anywhere.
    assert api(user).get(f"/api/v1/registry-proposals/{w['proposal'].pk}/").status_code == 404
    assert api(user).get("/api/v1/registry-proposals/").json()["results"] == []
    base = f"/api/v1/registry/{w['entry'].pk}/"
    lookup = {"values": [{"kind": "domain", "value": PUBLISHED.upper()}]}
    for url, response in [
        ("/api/v1/registry/", api(user).get("/api/v1/registry/")),
        (base, api(user).get(base)),
        ("lookup", api(user).post("/api/v1/registry/lookup/", lookup, format="json")),
    ]:
        refused = {"/api/v1/registry/": 200, base: 404, "lookup": 403}[url]  # a list is empty
        assert response.status_code == (200 if reads else refused), url
        body = response.content.decode()
        for trace in _case_traces(w):
            assert trace not in body, f"{trace!r} from {url}"
        assert '"case"' not in body and "indicator" not in body
    rows = api(user).get("/api/v1/registry/").json()["results"]
    assert [r["normalized_value"] for r in rows] == ([PUBLISHED] if reads else [])
    if reads:
        assert api(user).get(base).json()["sources"][0]["agency"]["name"] == "Agency own"
    # Writes: an empty body changes nothing (400, or 403 / 404 for a role that may not step).
    for path in (
        "request-takedown",
        "taken-down",
        "re-emerged",
        "claim",
        "release",
        "withdraw",
        "awareness",
    ):
        status = api(user).post(f"{base}{path}/", {}).status_code
        if not reads:
            assert status == 404, path
        elif path == "awareness":
            assert status == 403, path  # not a publishing agency's supervisor
        elif role not in REGISTRY_STEPPERS and path != "withdraw":
            assert status == 403, path
        else:
            assert status in (400, 403), path
    assert client.post(reverse("registry:awareness", args=[w["entry"].pk]), {}).status_code == 404
    for name in ("registry:step", "registry:claim", "registry:withdraw"):
        may = role == "supervisor" if name == "registry:withdraw" else role in REGISTRY_STEPPERS
        status = client.post(reverse(name, args=[w["entry"].pk]), {}).status_code
        assert status in ((200, 302) if may else (404,)), name
    assert snapshot(w) == before
    assert _registry_snapshot(w) == registry_before


def test_the_registry_pages_answer_their_owner(client, registry_world):
    w = registry_world
    client.force_login(w["own_users"]["supervisor"])
    for name in REGISTRY_URLS:
        url = reverse(name, args=[w["entry"].pk])
        response = client.get(url) if name == "registry:detail" else client.post(url, {})
        assert response.status_code in (200, 302), name


# --- the registry's feeds, partners' feed tokens and the public page (issue 14) --------------
# A block of its own. The own agency's admin issues a feed token to a partner. The token opens
# the registry's feeds, the lookup and the TAXII registry collection, and answers 404 on every
# other URL and route of Fortress, the agency and operation TAXII collections included. The
# token pages are the issuing agency's admin's alone. The public page and its feeds are the
# only URLs open without an account, and show only entries marked for awareness.

# URL name -> the world object (or the argument) it takes; None: no argument.
FEED_URLS = {
    "feedtokens:list": None,
    "feedtokens:create": None,
    "feedtokens:log": None,
    "feedtokens:revoke": "feed_token",
    "registry:awareness": "entry",
    "public:index": None,
    "public:feed": "csv",
}
PUBLIC_AWARENESS_URLS = {"public:index", "public:feed"}
# Arguments to reverse every route of the site with (a feed token never gets that far).
ROUTE_ARGUMENTS = {
    "fmt": "csv",
    "figure": "arrested",
    "app_label": "agencies",
    "collection_id": "a" * 8,
    "object_id": "indicator--1",
    "content_type_id": "1",
    "uidb64": "MQ",
    "token": "x",
}


@pytest.fixture
def feed_world(taxii_world, registry_world):
    from registry.services import feed_token_issue

    token, key = feed_token_issue(
        by=taxii_world["own_users"]["admin"], partner="Blocklist Co", partner_kind="blocklist"
    )
    return {**taxii_world, **registry_world, "feed_token": token, "feed_key": key}


def _every_route() -> list[tuple[str, str]]:
    """(URL name, a URL of it) for every named route of the site: pages, API, TAXII, admin."""
    routes = []

    def walk(patterns, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, ":".join(filter(None, [namespace, p.namespace])))
            elif isinstance(p, URLPattern) and p.name:
                name = f"{namespace}:{p.name}" if namespace else p.name
                regex = p.pattern.regex
                params = getattr(p.pattern, "converters", {}).keys() or regex.groupindex
                if regex.groups and not params:  # unnamed groups (django-simple-history's)
                    routes.append((name, reverse(name, args=["1"] * regex.groups)))
                    continue
                kwargs = {k: ROUTE_ARGUMENTS.get(k, "1") for k in params}
                routes.append((name, reverse(name, kwargs=kwargs or None)))

    walk(get_resolver().url_patterns, "")
    return routes


def test_a_feed_token_opens_the_registry_feeds_and_nothing_else(client, api, feed_world):
    from access.feeds import FEED_ROUTES
    from interchange import taxii
    from registry.models import FeedDownload

    w = feed_world
    before, registry_before = snapshot(w), _registry_snapshot(w)
    header = {"HTTP_AUTHORIZATION": f"Token {w['feed_key']}"}
    routes = _every_route()
    assert len(routes) > 100 and {name for name, _ in routes} >= FEED_ROUTES
    # Every other route is 404, whatever the method and even beside a member's session.
    client.force_login(w["own_users"]["supervisor"])
    for name, url in routes:
        if name in FEED_ROUTES:
            continue
        for method in ("get", "post", "put", "patch", "delete"):
            for keyword in ("Token", "Bearer", "Feed"):
                if keyword != "Token" and method != "get":
                    continue
                response = getattr(client, method)(
                    url, HTTP_AUTHORIZATION=f"{keyword} {w['feed_key']}"
                )
                assert response.status_code == 404, f"{method} {name} {url}"
                assert response.json() == {"detail": "Not found."}, url
    # The routes it opens: the feeds, the lookup, TAXII with the registry's collection only.
    partner = api(None)
    partner.credentials(**header)
    for fmt in ("csv", "txt", "stix"):
        response = partner.get(f"/api/v1/registry/feeds/{fmt}/")
        body = b"".join(response.streaming_content).decode()
        assert response.status_code == 200 and PUBLISHED in body, fmt
        for trace in _case_traces(w):
            assert trace not in body, trace
    lookup = partner.post(
        "/api/v1/registry/lookup/", {"values": [{"kind": "domain", "value": PUBLISHED}]}
    )
    assert lookup.status_code == 200 and lookup.json()["results"][0]["known"] is True
    collections = partner.get("/taxii2/api/collections/").json()["collections"]
    assert [c["id"] for c in collections] == [taxii.REGISTRY_COLLECTION_ID]
    registry = f"/taxii2/api/collections/{taxii.REGISTRY_COLLECTION_ID}/"
    for url in (
        "/taxii2/",
        "/taxii2/api/",
        registry,
        registry + "objects/",
        registry + "manifest/",
    ):
        assert partner.get(url, HTTP_ACCEPT=TAXII_ACCEPT).status_code == 200, url
    for url in _taxii_urls(api, w):
        if "/collections/" in url and not url.endswith("/collections/"):
            assert partner.get(url, HTTP_ACCEPT=TAXII_ACCEPT).status_code == 404, url
    # Every use is in the issuing agency's log; nothing else changed.
    assert FeedDownload.objects.filter(token=w["feed_token"]).count() >= 8
    assert snapshot(w) == before
    assert _registry_snapshot(w) == registry_before


@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_outsider_gets_404_on_the_feed_token_pages_and_awareness(client, feed_world, role):
    w = feed_world
    from registry.models import FeedToken

    user = w["outsider_users"][role]
    client.force_login(user)
    revoke = reverse("feedtokens:revoke", args=[w["feed_token"].pk])
    assert client.get(revoke).status_code == 404
    assert client.post(revoke).status_code == 404
    assert client.get(reverse("feedtokens:log"), {"token": w["feed_token"].pk}).status_code == 404
    for name in ("feedtokens:list", "feedtokens:log", "feedtokens:create"):
        response = client.get(reverse(name))
        assert response.status_code == (200 if role == "admin" else 404), name
        assert "Blocklist Co" not in response.content.decode()
    awareness = reverse("registry:awareness", args=[w["entry"].pk])
    assert client.post(awareness, {"public": "1", "version": w["entry"].version}).status_code == 404
    assert FeedToken.objects.get().revoked_at is None
    assert not RegistryEntry.objects.get(pk=w["entry"].pk).public_awareness


def test_the_feed_pages_answer_their_owner(client, feed_world):
    w = feed_world
    client.force_login(w["own_users"]["admin"])
    for name in ("feedtokens:list", "feedtokens:log", "feedtokens:create"):
        assert client.get(reverse(name)).status_code == 200, name
    revoke = reverse("feedtokens:revoke", args=[w["feed_token"].pk])
    assert client.get(revoke).status_code == 200
    # The other roles of the own agency: no token pages.
    for role in ("investigator", "analyst", "liaison", "supervisor"):
        client.force_login(w["own_users"][role])
        assert client.get(reverse("feedtokens:list")).status_code == 404, role
    client.force_login(w["own_users"]["supervisor"])
    awareness = reverse("registry:awareness", args=[w["entry"].pk])
    assert client.post(awareness, {"public": "1", "version": w["entry"].version}).status_code == 302
    assert RegistryEntry.objects.get(pk=w["entry"].pk).public_awareness


def test_nothing_but_the_public_page_is_open_without_an_account(client, feed_world):
    for name, url in _every_route():
        if name in PUBLIC_AWARENESS_URLS:
            continue
        response = client.get(url)
        # The sign-in forms, how to report a flaw, and the passkey script's translations.
        if name in ("login", "admin:login", "security", "otp_webauthn:js-i18n-catalog"):
            assert response.status_code == 200
            continue
        if response.status_code == 302:
            location = response["Location"]
            assert location.startswith(("/accounts/login/", "/admin/login/")) or (
                location == "/admin/" and name == "admin:logout"
            ), url
        else:
            assert response.status_code in (401, 403, 404, 405), f"{name} {url}"
        body = response.content.decode()
        assert PUBLISHED not in body and SECRET_TITLE not in body, url


def test_the_public_page_shows_only_entries_marked_for_awareness(client, feed_world):
    from registry.services import entry_set_awareness

    w = feed_world
    public = [
        reverse("public:index"),
        *(reverse("public:feed", args=[f]) for f in ("csv", "txt", "json")),
    ]

    def bodies() -> list[str]:
        answers = [client.get(url) for url in public]
        assert all(a.status_code == 200 for a in answers)
        return [
            (b"".join(a.streaming_content) if a.streaming else a.content).decode() for a in answers
        ]

    for body in bodies():
        assert PUBLISHED not in body  # published, but not marked
    entry_set_awareness(
        entry=w["entry"], by=w["own_users"]["supervisor"], public=True, version=w["entry"].version
    )
    for url, body in zip(public, bodies(), strict=True):
        assert PUBLISHED in body, url
        for trace in [*_case_traces(w), *SECRETS, "desk@", "Agency own"]:
            assert trace not in body, f"{trace!r} on {url}"


# --- wanted identities (issue 14): their pages and routes -------------------------------------
# The own agency publishes a second suspect of its restricted case as wanted; the outsider
# holds a suspect matching it. Every agency member that reads the registry reads the identity
# in full; nothing of the case behind it is reachable; only the own agency's supervisors
# withdraw it; the outsider's reviewers see their match, the partner (no match) sees none.

WANTED_URLS = {
    "registry:wanted_detail": "identity",
    "registry:wanted_withdraw": "identity",
}
WANTED_NAME = "Obsidian Wantedperson"


@pytest.fixture
def wanted_world(world, django_capture_on_commit_callbacks, settings):
    from persons import xref as persons_xref
    from registry.services import wanted_publish

    own_users, outsider_users = world["own_users"], world["outsider_users"]
    eager = settings.CELERY_TASK_ALWAYS_EAGER
    with django_capture_on_commit_callbacks(execute=eager):
        suspect = suspect_create(
            case=world["case"], by=own_users["investigator"], full_name=WANTED_NAME, birth_year=1977
        )
        identity = wanted_publish(
            suspect=suspect,
            by=own_users["supervisor"],
            category="wanted",
            description="Wanted for the harbour compound.",
            notices=["Red Notice A-4242/1-2026"],
        )
        outsider_case = case_create(by=outsider_users["investigator"], title="Outsider raid")
        suspect_create(
            case=outsider_case,
            by=outsider_users["investigator"],
            full_name="WANTEDPERSON OBSIDIAN",
            birth_year=1977,
        )
    persons_xref.sweep()
    from registry.models import WantedMatch

    assert WantedMatch.objects.filter(identity=identity).count() == 1
    return {**world, "identity": identity, "wanted_suspect": suspect}


def _wanted_snapshot() -> tuple:
    from registry.models import WantedIdentity, WantedMatch

    return (
        WantedIdentity.objects.count(),
        WantedIdentity.objects.filter(withdrawn_at=None).count(),
        WantedMatch.objects.count(),
    )


def test_every_wanted_api_route_is_in_the_matrix():
    from registry.api import WantedMatchViewSet, WantedViewSet

    assert {a.url_path for a in WantedViewSet.get_extra_actions()} == {"withdraw"}
    assert list(WantedMatchViewSet.get_extra_actions()) == []


@pytest.mark.parametrize("who", ["outsider", "partner"])
@pytest.mark.parametrize("role", OUTSIDER_ROLES)
def test_other_agencies_read_wanted_identities_and_never_the_case(
    client, api, wanted_world, who, role
):
    w = wanted_world
    before, wanted_before = snapshot(w), _wanted_snapshot()
    user = w[f"{who}_users"][role]
    reads = role in REGISTRY_READERS
    reviews = role in MATCH_REVIEWERS
    identity = w["identity"]
    client.force_login(user)
    traces = [SECRET_TITLE, w["case"].reference, f"/cases/{w['case'].pk}/", SECRET_SUSPECT]
    for url in (reverse("registry:wanted"), reverse("registry:wanted_detail", args=[identity.pk])):
        response = client.get(url)
        assert response.status_code == (200 if reads else 404), url
        html = response.content.decode()
        assert (WANTED_NAME in html) == reads, url
        for trace in traces:
            assert trace not in html, f"{trace!r} on {url}"
    response = client.get(reverse("persons:wanted_matches"))
    assert response.status_code == (200 if reviews else 404)
    # The outsider's reviewers see their own suspect's match; the partner has none.
    assert (WANTED_NAME in response.content.decode()) == (reviews and who == "outsider")
    withdraw = reverse("registry:wanted_withdraw", args=[identity.pk])
    assert client.get(withdraw).status_code == 404
    assert client.post(withdraw, {"confirm": "on"}).status_code == 404
    publish = reverse("registry:wanted_publish", args=[w["wanted_suspect"].pk])
    assert client.get(publish).status_code == 404
    assert client.post(publish, {"category": "wanted", "description": "x"}).status_code == 404
    # The API: the identity in full, never its suspect or case.
    base = f"/api/v1/wanted/{identity.pk}/"
    for url in ("/api/v1/wanted/", base, "/api/v1/wanted-matches/"):
        response = api(user).get(url)
        expected = 200 if reads or url != base else 404
        assert response.status_code == expected, url
        body = response.content.decode()
        for trace in traces:
            assert trace not in body, f"{trace!r} from {url}"
        assert '"suspect":' not in body
    rows = api(user).get("/api/v1/wanted/").json()["results"]
    assert [r["full_name"] for r in rows] == ([WANTED_NAME] if reads else [])
    matches = api(user).get("/api/v1/wanted-matches/").json()["results"]
    assert len(matches) == (1 if reviews and who == "outsider" else 0)
    assert all(m["mine"] for m in matches)
    status = api(user).post(f"{base}withdraw/", {"reason": "x"}).status_code
    assert status == (403 if reads else 404)
    status = (
        api(user)
        .post(
            "/api/v1/wanted/",
            {"suspect": w["wanted_suspect"].pk, "category": "wanted", "description": "x"},
            format="json",
        )
        .status_code
    )
    assert status == (400 if role == "supervisor" else 403)  # no such suspect for them
    assert snapshot(w) == before
    assert _wanted_snapshot() == wanted_before


def test_the_wanted_pages_answer_their_owner(client, api, wanted_world):
    w = wanted_world
    client.force_login(w["own_users"]["supervisor"])
    for name in WANTED_URLS:
        assert client.get(reverse(name, args=[w["identity"].pk])).status_code == 200, name
    response = api(w["own_users"]["analyst"]).get("/api/v1/wanted-matches/")
    # The publisher learns which agency holds the match, not the record.
    (row,) = response.json()["results"]
    assert row["mine"] is False and row["person"]["name"] is None
    assert row["person"]["agency"]["name"] == "Agency outsider"
