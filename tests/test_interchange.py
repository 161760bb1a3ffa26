"""Interchange: STIX 2.1, MISP and CSV exports and the all-or-nothing import jobs.

Every STIX bundle produced here passes the OASIS validator; every MISP export loads into
pymisp and back; each format re-imports into an empty case as the same indicator set. Nothing
may open a network connection while exporting, validating or importing (`no_network`)."""

import contextlib
import datetime
import gc
import io
import json
import os
import socket
import threading
import time
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from pymisp import MISPEvent
from stix2validator import ValidationOptions, validate_instance

from audit.models import AuditEvent, EventKind, Outcome
from cases.models import CaseNote, NoteKind, SharingLevel
from cases.services import suspect_create
from config.bulk import collector_paused
from indicators.models import Indicator
from indicators.services import indicators_add_batch
from interchange.csv_format import neutralise, restore
from interchange.models import ImportJob, ImportRow, ImportStatus
from interchange.services import (
    SweepResult,
    batch_ranges,
    import_check_batch,
    import_fail,
    import_finish,
    import_ranges,
    import_start,
    import_sweep,
)
from tests.collector import passes_inside
from tests.services import assert_kept_equals_view, require_postgres
from victims.services import victim_create

VICTIM = "Trần Thị Victimname"
SUSPECT = "Lê Văn Suspectname"
ROWS = [
    {"kind": "phone", "value": "0912 345 678"},
    {"kind": "email", "value": "Boss@Scam-Example.com"},
    {"kind": "domain", "value": "scam-example.com"},
    {"kind": "url", "value": "https://login.scam-example.com/pay?x=1"},
    {"kind": "ip", "value": "203.0.113.7"},
    {"kind": "ip", "value": "2001:db8::1"},
    {"kind": "crypto_wallet", "chain": "tron", "value": "TCTNyhiuqPMTWMijVhvCVjVNyhECCggBFD"},
    {
        "kind": "crypto_wallet",
        "chain": "ethereum",
        "value": "0x823510Fc76c74D315635BC54807169b385f71Fc6",
    },
    {"kind": "crypto_wallet", "chain": "bitcoin", "value": "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"},
    {"kind": "bank_account", "value": "FR76 3000 6000 0112 3456 7890 189"},
    {"kind": "bank_account", "value": "000 123 456 789"},
    {"kind": "social_handle", "platform": "telegram", "value": "@VinaTrade_VIP"},
    {"kind": "messaging_id", "platform": "zalo", "value": "0912345678"},
    {"kind": "identity_document", "value": "VN:C1234567"},
]


LOOPBACK = {"127.0.0.1", "::1", "localhost"}


@pytest.fixture
def no_network(monkeypatch):
    """Any connection beyond this machine (the test database and broker) fails the test."""
    connect, getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def guarded_connect(sock, address):
        if isinstance(address, tuple) and address[0] not in LOOPBACK:
            raise AssertionError(f"network access attempted: {address}")
        return connect(sock, address)

    def guarded_getaddrinfo(host, *args, **kwargs):
        if host not in LOOPBACK:
            raise AssertionError(f"name lookup attempted: {host}")
        return getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)


@pytest.fixture(autouse=True)
def eager_tasks(request):
    """The jobs run in-process here, whatever the broker; `test_a_job_runs_on_a_real_worker`
    runs one on the real broker."""
    if "worker" not in request.fixturenames:
        request.getfixturevalue("celery_in_process")
    yield


@pytest.fixture
def full_case(make_case, own_users, partner):
    alice = own_users["investigator"]
    case = make_case(
        title="Harbour compound", sharing_level=SharingLevel.SHARED, shared_with=[partner]
    )
    indicators_add_batch(case=case, by=alice, rows=ROWS)
    suspect_create(case=case, by=alice, full_name=SUSPECT, aliases=["Boss Le"])
    victim_create(
        by=own_users["liaison"],
        case=case,
        full_name=VICTIM,
        kind="trafficked_worker",
        nationality="VN",
        current_country="KH",
    )
    return case


def indicator_set(case) -> set[tuple[str, str, str]]:
    return set(
        Indicator.objects.filter(case=case).values_list(
            "value__kind", "value__qualifier", "value__normalized"
        )
    )


def validate_stix(text: str) -> None:
    result = validate_instance(json.loads(text), ValidationOptions(version="2.1"))
    errors = [str(e) for e in result.errors]
    assert result.is_valid and not errors, errors


SAMPLES = Path(__file__).parent.parent / "docs" / "samples"


def export(api, user, case, fmt: str):
    return api(user).get(f"/api/v1/cases/{case.pk}/export/{fmt}/")


def upload(api, user, case, content: bytes, name: str, fmt: str | None = None):
    data = {"file": io.BytesIO(content)}
    data["file"].name = name
    if fmt:
        data["format"] = fmt
    return api(user).post(f"/api/v1/cases/{case.pk}/import/", data, format="multipart")


# --- exports ---------------------------------------------------------------------------------


def test_stix_export_is_valid_and_holds_no_victim(api, full_case, alice, no_network):
    response = export(api, alice, full_case, "stix")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/stix+json")
    text = response.content.decode()
    validate_stix(text)
    bundle = json.loads(text)
    types = {o["type"] for o in bundle["objects"]}
    assert {
        "identity",
        "indicator",
        "domain-name",
        "url",
        "email-addr",
        "ipv4-addr",
        "ipv6-addr",
        "phone-number",
        "cryptocurrency-wallet",
        "bank-account",
        "user-account",
        "threat-actor",
        "marking-definition",
    } <= types
    assert VICTIM not in text and "Victimname" not in text
    assert SUSPECT in text
    # A shared case is TLP:AMBER; every indicator carries the marking and the agency.
    amber = next(o for o in bundle["objects"] if o["type"] == "marking-definition")
    assert amber["name"] == "TLP:AMBER"
    identity = next(o for o in bundle["objects"] if o["type"] == "identity")
    assert identity["name"] == full_case.agency.name
    for o in bundle["objects"]:
        if o["type"] == "indicator":
            assert o["object_marking_refs"] == [amber["id"]]
            assert o["created_by_ref"] == identity["id"]
    phone = next(o for o in bundle["objects"] if o["type"] == "phone-number")
    assert phone["value"] == "+84912345678"
    iban = next(o for o in bundle["objects"] if o["type"] == "bank-account" and "iban" in o)
    assert iban["iban"] == "FR7630006000011234567890189"


def test_suspects_leave_only_for_who_may_read_them(api, full_case, own_users):
    # A liaison officer reads no case file: the export does not exist for them.
    assert export(api, own_users["liaison"], full_case, "stix").status_code == 404
    text = export(api, own_users["analyst"], full_case, "misp").content.decode()
    assert SUSPECT in text and VICTIM not in text


def test_misp_export_loads_into_pymisp_and_back(api, full_case, alice, no_network):
    response = export(api, alice, full_case, "misp")
    assert response.status_code == 200
    event = MISPEvent()
    event.load(response.content.decode())
    again = MISPEvent()
    again.load(event.to_json())

    def attributes(e):
        flat = [(a.type, a.value) for a in e.attributes]
        for o in e.objects:
            flat += [(o.name, a.object_relation, a.type, a.value) for a in o.attributes]
        return sorted(map(str, flat))

    assert attributes(again) == attributes(event)
    types = {a.type for a in event.attributes}
    assert {"phone-number", "email", "domain", "url", "ip-dst"} <= types
    assert {o.name for o in event.objects} == {"coin-address", "bank-account", "person"}
    assert event.distribution == 1
    assert "tlp:amber" in {t.name for t in event.tags}
    assert VICTIM not in response.content.decode()


def test_csv_export_neutralises_formulas(api, make_case, alice):
    case = make_case()
    indicators_add_batch(
        case=case,
        by=alice,
        rows=[
            {"kind": "phone", "value": "+84912345678", "note": "=HYPERLINK(1)"},
            {"kind": "social_handle", "platform": "x", "value": "@attacker"},
        ],
    )
    text = export(api, alice, case, "csv").content.decode()
    lines = text.splitlines()
    assert lines[0] == (
        "kind,value,normalized_value,qualifier,first_seen,last_seen,takedown_status"
    )
    assert "'+84912345678" in text and ",+84912345678" not in text
    assert "'@attacker" in text
    for cell in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(cell) == "'" + cell
        assert restore(neutralise(cell)) == cell
    assert neutralise("plain") == "plain"


def test_an_export_is_a_timeline_event(api, full_case, partner_users):
    partner = partner_users["analyst"]
    assert export(api, partner, full_case, "csv").status_code == 200
    event = CaseNote.objects.filter(case=full_case, kind=NoteKind.EVENT).first()
    assert event.author == partner
    assert "CSV" in event.text and partner.agency.name in event.text


def test_operation_export_holds_only_cases_the_user_may_open(
    api, make_case, own_users, partner_users, partner
):
    from operations.services import (
        invitation_respond,
        operation_create,
        operation_invite,
        operation_link_case,
    )

    boss = own_users["supervisor"]
    operation = operation_create(by=boss, name="Op Harbour", code="harbour")
    operation_invite(operation=operation, by=boss, agencies=[partner])
    invitation_respond(
        participation=operation.participations.get(agency=partner),
        by=partner_users["supervisor"],
        accept=True,
    )
    open_case = make_case(title="Open to the operation")
    closed_case = make_case(title="Own eyes only")
    indicators_add_batch(case=open_case, by=boss, rows=[{"kind": "domain", "value": "open-op.com"}])
    indicators_add_batch(
        case=closed_case, by=boss, rows=[{"kind": "domain", "value": "hidden-op.com"}]
    )
    operation_link_case(operation=operation, case=open_case, by=boss, share=True)
    operation_link_case(operation=operation, case=closed_case, by=boss, share=False)
    for fmt in ("stix", "misp", "csv"):
        response = api(partner_users["analyst"]).get(
            f"/api/v1/operations/{operation.pk}/export/{fmt}/"
        )
        assert response.status_code == 200, fmt
        text = response.content.decode()
        assert "open-op.com" in text and "hidden-op.com" not in text
        if fmt == "stix":
            validate_stix(text)
    own_text = api(boss).get(f"/api/v1/operations/{operation.pk}/export/stix/").content.decode()
    validate_stix(own_text)
    assert "hidden-op.com" in own_text


# --- round trips -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "name"), [("stix", "b.json"), ("misp", "e.json"), ("csv", "i.csv")]
)
def test_export_reimports_as_the_same_indicator_set(
    api, full_case, make_case, alice, fmt, name, django_capture_on_commit_callbacks, no_network
):
    content = export(api, alice, full_case, fmt).content
    empty = make_case(title="Empty case")
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(api, alice, empty, content, name)
    assert response.status_code == 202, response.content
    job = ImportJob.objects.get(pk=response.json()["id"])
    assert job.status == ImportStatus.DONE, job.errors
    assert job.format == fmt
    assert indicator_set(empty) == indicator_set(full_case)
    # The file holds every indicator of the case, a URL's domain included.
    held = len(indicator_set(full_case))
    assert job.rows_accepted == held
    report = api(alice).get(f"/api/v1/imports/{job.pk}/").json()
    assert report["status"] == "done" and report["rows_accepted"] == held
    # Importing the same file again adds nothing and says so.
    with django_capture_on_commit_callbacks(execute=True):
        again = upload(api, alice, empty, content, name).json()
    second = ImportJob.objects.get(pk=again["id"])
    assert second.status == ImportStatus.DONE
    assert second.rows_accepted == 0
    assert len(second.duplicates) == held
    assert indicator_set(empty) == indicator_set(full_case)


# --- imports: all or nothing -----------------------------------------------------------------


def test_ten_thousand_rows_with_one_bad_row_import_nothing(
    api, make_case, alice, django_capture_on_commit_callbacks
):
    case = make_case()
    lines = ["kind,value,qualifier,note,first_seen"]
    lines += [f"domain,shop-{n}.example.com,,,2024-01-01" for n in range(10_000)]
    lines[5001] = "phone,not a phone number,,,"  # file line 5002
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(api, alice, case, "\n".join(lines).encode(), "big.csv")
    assert response.status_code == 202
    job = ImportJob.objects.get(pk=response.json()["id"])
    assert job.status == ImportStatus.REFUSED
    assert job.rows_total == 10_000
    assert [e["ref"] for e in job.errors] == ["line 5002"]
    assert job.errors[0]["reason"]
    assert not Indicator.objects.filter(case=case).exists()
    assert not job.rows.exists()  # working rows gone; the report stays


def test_every_refused_row_is_named_with_the_forms_reason(
    api, make_case, alice, django_capture_on_commit_callbacks
):
    case = make_case()
    csv_text = (
        "\ufeffkind,value,qualifier,first_seen\n"
        "domain,fine.example.com,,\n"
        "crypto_wallet,TCTNyhiuqPMTWMijVhvCVjVNyhECCggBFE,tron,\n"
        "unknown,x,,\n"
        "email,a@b.com,,2999-01-01\n"
        "email,c@d.com,,01/02/2024\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        job_id = upload(api, alice, case, csv_text.encode(), "x.csv").json()["id"]
    job = ImportJob.objects.get(pk=job_id)
    refs = {e["ref"]: e["reason"] for e in job.errors}
    assert set(refs) == {"line 3", "line 4", "line 5", "line 6"}
    assert "checksum" in refs["line 3"]
    assert "Unknown kind" in refs["line 4"]
    assert "future" in refs["line 5"]
    assert "not a date" in refs["line 6"]
    assert not Indicator.objects.filter(case=case).exists()


def _nul_files() -> list[tuple[str, bytes, str]]:
    """A file of each format with a NUL in one row (name, content, the row's reference)."""
    event = json.loads((SAMPLES / "event.misp.json").read_text())
    attribute = event["Event"]["Attribute"][0]
    attribute["comment"] = "a\u0000b"
    bundle = json.loads((SAMPLES / "bundle.stix.json").read_text())
    observable = next(o for o in bundle["objects"] if o["type"] == "domain-name")
    observable["value"] = "nul\u0000.example.com"
    # Past the first 64 KB, which the binary check reads.
    lines = ["kind,value,note"] + [f"domain,pad-{n}.example.com,{'x' * 60}" for n in range(1200)]
    lines.append("domain,late.example.com,with a \x00 inside")
    return [
        ("e.json", json.dumps(event).encode(), attribute["uuid"]),
        ("b.json", json.dumps(bundle).encode(), observable["id"]),
        ("n.csv", "\n".join(lines).encode(), "line 1202"),
    ]


@pytest.mark.parametrize("index", range(3))
def test_a_row_holding_a_nul_is_refused_and_named(
    api, make_case, alice, django_capture_on_commit_callbacks, index
):
    """PostgreSQL refuses NUL in text: the upload of such a file answered 500 there. The row
    is refused as any unreadable row, named in the report; nothing is imported."""
    name, content, ref = _nul_files()[index]
    case = make_case()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(api, alice, case, content, name)
    assert response.status_code == 202, response.content
    job = ImportJob.objects.get(pk=response.json()["id"])
    assert job.status == ImportStatus.REFUSED
    assert [e["ref"] for e in job.errors] == [ref]
    assert "NUL character" in job.errors[0]["reason"]
    assert not Indicator.objects.filter(case=case).exists()


def test_duplicates_are_reported_not_doubled(
    api, make_case, alice, django_capture_on_commit_callbacks
):
    case = make_case()
    indicators_add_batch(case=case, by=alice, rows=[{"kind": "phone", "value": "0912 345 678"}])
    csv_text = "kind,value\nphone,+84912345678\ndomain,a.example.com\ndomain,A.EXAMPLE.COM\n"
    with django_capture_on_commit_callbacks(execute=True):
        job_id = upload(api, alice, case, csv_text.encode(), "d.csv").json()["id"]
    job = ImportJob.objects.get(pk=job_id)
    assert job.status == ImportStatus.DONE
    assert job.rows_accepted == 1
    assert [d["ref"] for d in job.duplicates] == ["line 2", "line 4"]
    assert Indicator.objects.filter(case=case, kind="phone").count() == 1
    assert Indicator.objects.filter(case=case, value__normalized="a.example.com").count() == 1


def test_stix_and_misp_rows_are_named_by_object_id_and_uuid(
    api, make_case, alice, django_capture_on_commit_callbacks
):
    case = make_case()
    bundle = {
        "type": "bundle",
        "id": "bundle--6f3a0a35-4c0c-4f57-8b4b-0d9f5b7c1a11",
        "objects": [
            {
                "type": "indicator",
                "spec_version": "2.1",
                "id": "indicator--11111111-1111-4111-8111-111111111111",
                "pattern": "[domain-name:value = 'ok.example.com']",
                "pattern_type": "stix",
                "valid_from": "2024-01-01T00:00:00Z",
            },
            {
                "type": "indicator",
                "spec_version": "2.1",
                "id": "indicator--22222222-2222-4222-8222-222222222222",
                "pattern": "[ipv4-addr:value = '999.1.1.1']",
                "pattern_type": "stix",
                "valid_from": "2024-01-01T00:00:00Z",
            },
            {
                "type": "indicator",
                "spec_version": "2.1",
                "id": "indicator--33333333-3333-4333-8333-333333333333",
                "pattern": "[domain-name:value = 'a.example'] OR [url:value = 'http://b.example/']",
                "pattern_type": "stix",
                "valid_from": "2024-01-01T00:00:00Z",
            },
        ],
    }
    with django_capture_on_commit_callbacks(execute=True):
        job_id = upload(api, alice, case, json.dumps(bundle).encode(), "b.json").json()["id"]
    job = ImportJob.objects.get(pk=job_id)
    assert {e["ref"] for e in job.errors} == {
        "indicator--22222222-2222-4222-8222-222222222222",
        "indicator--33333333-3333-4333-8333-333333333333",
    }
    event = {
        "Event": {
            "info": "x",
            "Attribute": [
                {
                    "uuid": "aaaaaaaa-0000-4000-8000-000000000001",
                    "type": "domain",
                    "value": "ok-misp.com",
                },
                {"uuid": "aaaaaaaa-0000-4000-8000-000000000002", "type": "email", "value": "nope"},
                {"uuid": "aaaaaaaa-0000-4000-8000-000000000003", "type": "comment", "value": "hi"},
            ],
        }
    }
    with django_capture_on_commit_callbacks(execute=True):
        job_id = upload(api, alice, case, json.dumps(event).encode(), "e.json").json()["id"]
    job = ImportJob.objects.get(pk=job_id)
    assert [e["ref"] for e in job.errors] == ["aaaaaaaa-0000-4000-8000-000000000002"]
    assert [s["ref"] for s in job.skipped] == ["aaaaaaaa-0000-4000-8000-000000000003"]
    assert not Indicator.objects.filter(case=case).exists()


# --- files that are not what they claim: 400, never 500 -----------------------------------------


def test_a_25_mb_file_is_refused_with_a_clear_message(api, make_case, alice):
    case = make_case()
    content = b"kind,value\n" + b"domain,a.example.com\n" * (25_000_000 // 21)
    response = upload(api, alice, case, content, "huge.csv")
    assert response.status_code == 400
    assert "at most 20.0 MB" in response.json()["file"][0]
    assert not ImportJob.objects.exists()


MALFORMED = [
    (b"PK\x03\x04\x14\x00\x00\x00rest-of-zip", "x.csv", None, "zip archive"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "x.csv", None, "binary"),
    ("kind,value\ndomain,caf\u00e9.example\n".encode("latin-1"), "x.csv", None, "not UTF-8"),
    ("kind,value\n".encode("utf-16"), "x.csv", None, "binary"),
    (b"", "x.csv", None, "empty"),
    (b"value,kind_of\nx,y\n", "x.csv", None, "missing: kind"),
    (b"kind,value,vlaue\nphone,1,2\n", "x.csv", None, "Unknown column"),
    (b"kind,value\n", "x.csv", None, "no indicator"),
    (b'{"type": "bundle", "objects": [', "x.json", "stix", "broken"),
    (b'{"type": "bundle", "objects": {"a": 1}}', "x.json", "stix", "must be a list"),
    (b'{"type": "bundle", "objects": [1, 2]}', "x.json", "stix", "JSON object"),
    (b"[" * 5000 + b"]" * 5000, "x.json", "stix", "nested"),
    (b'{"Event": {"Attribute": "nope"}}', "x.json", "misp", "Attribute"),
    # A Tag that is no list was a TypeError (500).
    (b'{"Event": {"Attribute": [{"type": "email", "Tag": 7}]}}', "x.json", "misp", "Tag list"),
    (b'{"Event": {"Attribute": [{"type": "email", "Tag": true}]}}', "x.json", "misp", "Tag list"),
    (b'{"Event": {"info": "no attributes"}}', "x.json", "misp", "must be an event"),
    (b'{"Event": {"Attribute": [', "x.json", "misp", "broken"),
    (b'{"type": "bundle", "objects": []}', "x.json", "misp", "not MISP"),
    (b"kind,value\nphone,1\n", "x.csv", "stix", "not STIX"),
]


@pytest.mark.parametrize(("content", "name", "fmt", "message"), MALFORMED)
def test_malformed_files_answer_400(api, make_case, alice, content, name, fmt, message):
    case = make_case()
    response = upload(api, alice, case, content, name, fmt)
    assert response.status_code == 400, response.content
    assert message in json.dumps(response.json(), ensure_ascii=False)
    assert not ImportJob.objects.exists()


def test_a_row_limit_is_enforced(api, make_case, alice, settings):
    settings.FORTRESS_IMPORT_MAX_ROWS = 3
    case = make_case()
    content = b"kind,value\n" + b"".join(f"domain,d{n}.example\n".encode() for n in range(4))
    response = upload(api, alice, case, content, "x.csv")
    assert response.status_code == 400
    assert "more than 3" in response.json()["file"][0]


# --- access ----------------------------------------------------------------------------------


def _routes(case, job, operation_pk):
    return [
        ("get", f"/api/v1/cases/{case.pk}/export/stix/"),
        ("get", f"/api/v1/cases/{case.pk}/export/misp/"),
        ("get", f"/api/v1/cases/{case.pk}/export/csv/"),
        ("get", f"/api/v1/operations/{operation_pk}/export/stix/"),
        ("post", f"/api/v1/cases/{case.pk}/import/"),
        ("get", f"/api/v1/imports/{job.pk}/"),
    ]


@pytest.fixture
def job(api, full_case, alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(api, alice, full_case, b"kind,value\ndomain,job.example.com\n", "j.csv")
    return ImportJob.objects.get(pk=response.json()["id"])


@pytest.mark.parametrize("role", ["investigator", "analyst", "liaison", "supervisor", "admin"])
def test_outsiders_get_404_on_every_interchange_route(
    api, client, full_case, job, outsider_users, role
):
    from operations.services import operation_create

    operation = operation_create(
        by=full_case.agency.users.get(role="supervisor"), name="Op", code="op"
    )
    user = outsider_users[role]
    before = (CaseNote.objects.count(), ImportJob.objects.count(), Indicator.objects.count())
    for method, url in _routes(full_case, job, operation.pk):
        assert getattr(api(user), method)(url, {}).status_code == 404, (method, url)
    client.force_login(user)
    for name, pk in (
        ("interchange:import_upload", full_case.pk),
        ("interchange:import_detail", job.pk),
    ):
        assert client.get(reverse(name, args=[pk])).status_code == 404
        assert client.post(reverse(name, args=[pk]), {}).status_code == 404
    assert (
        CaseNote.objects.count(),
        ImportJob.objects.count(),
        Indicator.objects.count(),
    ) == before


def test_a_partner_may_export_but_not_import(api, client, full_case, job, partner_users):
    user = partner_users["investigator"]
    for fmt in ("stix", "misp", "csv"):
        assert export(api, user, full_case, fmt).status_code == 200
    before = Indicator.objects.filter(case=full_case).count()
    response = upload(api, user, full_case, b"kind,value\ndomain,partner.example.com\n", "p.csv")
    assert response.status_code == 403
    assert api(user).get(f"/api/v1/imports/{job.pk}/").status_code == 404
    client.force_login(user)
    assert client.get(reverse("interchange:import_upload", args=[full_case.pk])).status_code == 404
    assert Indicator.objects.filter(case=full_case).count() == before
    assert not ImportJob.objects.filter(created_by=user).exists()


# --- pages -----------------------------------------------------------------------------------


def test_case_page_shows_the_buttons_by_role(client, full_case, own_users, partner_users):
    client.force_login(own_users["analyst"])
    html = client.get(reverse("cases:detail", args=[full_case.pk])).content.decode()
    assert f"/api/v1/cases/{full_case.pk}/export/stix/" in html
    assert reverse("interchange:import_upload", args=[full_case.pk]) in html
    client.force_login(partner_users["analyst"])
    html = client.get(reverse("cases:detail", args=[full_case.pk])).content.decode()
    assert f"/api/v1/cases/{full_case.pk}/export/misp/" in html
    assert reverse("interchange:import_upload", args=[full_case.pk]) not in html


def test_upload_page_runs_the_job_and_shows_progress(
    client, make_case, alice, django_capture_on_commit_callbacks
):
    case = make_case()
    client.force_login(alice)
    url = reverse("interchange:import_upload", args=[case.pk])
    assert client.get(url).status_code == 200
    file = io.BytesIO(
        b"kind,value,qualifier\ncrypto_wallet,TCTNyhiuqPMTWMijVhvCVjVNyhECCggBFD,tron\n"
    )
    file.name = "w.csv"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"file": file, "format": ""})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("interchange:import_detail", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Imported" in page and 'value="100"' in page
    # A finished job is not polled any more (the navigation bar's bell polls on every page).
    assert "hx-trigger" not in page.split("<main", 1)[1]
    assert Indicator.objects.filter(case=case, kind="crypto_wallet").count() == 1


def test_a_running_job_is_polled_by_htmx(client, make_case, alice):
    case = make_case()
    job = ImportJob.objects.create(case=case, created_by=alice, format="csv", rows_total=10)
    job.rows_checked = 5
    job.status = ImportStatus.CHECKING
    job.save()
    client.force_login(alice)
    partial = client.get(
        reverse("interchange:import_detail", args=[job.pk]), headers={"HX-Request": "true"}
    ).content.decode()
    assert partial.startswith('<div id="import-progress"')
    assert 'hx-trigger="every 1s"' in partial and 'value="45"' in partial
    assert "<script" not in partial


def test_upload_page_shows_a_refused_file(client, make_case, alice):
    case = make_case()
    client.force_login(alice)
    file = io.BytesIO(b"PK\x03\x04zip")
    file.name = "x.csv"
    response = client.post(reverse("interchange:import_upload", args=[case.pk]), {"file": file})
    assert response.status_code == 200
    assert "zip archive" in response.content.decode()
    assert not ImportJob.objects.exists()


# --- the sample files of docs/samples ----------------------------------------------------------


@pytest.mark.parametrize("name", ["indicators.csv", "bundle.stix.json", "event.misp.json"])
def test_the_sample_files_import_into_a_case(
    api, make_case, alice, name, django_capture_on_commit_callbacks, no_network
):

    content = (SAMPLES / name).read_bytes()
    if name.endswith(".stix.json"):
        validate_stix(content.decode())
    case = make_case()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(api, alice, case, content, name)
    assert response.status_code == 202
    job = ImportJob.objects.get(pk=response.json()["id"])
    assert job.status == ImportStatus.DONE, job.errors
    assert job.rows_accepted == 8
    assert ("phone", "", "+84912000111") in indicator_set(case)


def test_a_job_runs_on_a_real_worker(worker, make_case, alice, settings):
    """On Redis with a real Celery worker: the batches and the save run as tasks."""
    from interchange.services import import_start
    from tests.celery_worker import wait_for

    settings.FORTRESS_IMPORT_BATCH_SIZE = 10  # three batch tasks
    case = make_case()
    content = b"kind,value\n" + b"".join(f"domain,w{n}.example.com\n".encode() for n in range(30))
    job = import_start(case=case, by=alice, data=content, filename="w.csv")
    wait_for(lambda: ImportJob.objects.get(pk=job.pk).is_final)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.errors
    assert job.rows_accepted == 30


def test_batches_checked_in_any_order_and_twice_start_the_save_once_all_are_checked(
    make_case, alice, settings
):
    """Check batches run in parallel: the one that checks the last rows says the save may
    start, whichever it is; a batch run again counts its rows once; a row the file made
    unreadable counts as checked from the start."""
    from interchange.services import import_check_batch, import_start

    settings.FORTRESS_IMPORT_BATCH_SIZE = 2
    case = make_case()
    data = b"kind,value,first_seen\ndomain,a.example.com,\ndomain,b.example.com,\n"
    data += b"domain,c.example.com,\ndomain,d.example.com,not-a-date\n"
    # The test's transaction never commits: nothing is queued, the batches are run by hand.
    job = import_start(case=case, by=alice, data=data, filename="x.csv")
    assert job.rows_total == 4 and job.rows_checked == 1
    assert import_check_batch(job_id=job.pk, first=3, last=4) is False
    assert import_check_batch(job_id=job.pk, first=3, last=4) is False  # again: counted once
    job.refresh_from_db()
    assert job.rows_checked == 2
    assert import_check_batch(job_id=job.pk, first=1, last=2) is True
    assert import_check_batch(job_id=job.pk, first=1, last=2) is True  # a retry says it again
    job.refresh_from_db()
    assert job.rows_checked == 4 and job.status == ImportStatus.CHECKING


def _stalled(job, settings, minutes=1):
    """As if the job had not moved for the stall time and `minutes` more."""
    seconds = settings.FORTRESS_IMPORT_STALL_SECONDS + 60 * minutes
    ImportJob.objects.filter(pk=job.pk).update(
        touched_at=timezone.now() - datetime.timedelta(seconds=seconds)
    )


def test_a_job_whose_task_was_lost_is_restarted_by_the_sweep(
    make_case, alice, settings, django_capture_on_commit_callbacks
):
    """The test's transaction never commits: the job's task is never published, as when a
    worker died with it. The sweep leaves it alone while it is recent, then restarts it and it
    runs to the end (tasks run in process here)."""
    case = make_case()
    data = b"kind,value\n" + b"".join(f"domain,lost{n}.example.com\n".encode() for n in range(12))
    job = import_start(case=case, by=alice, data=data, filename="lost.csv")
    assert import_sweep() == SweepResult(restarted=0, failed=0)
    _stalled(job, settings)
    with django_capture_on_commit_callbacks(execute=True):
        assert import_sweep() == SweepResult(restarted=1, failed=0)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.errors
    assert (job.rows_accepted, job.restarts) == (12, 0)  # it moved: restarts count from 0
    assert {("domain", "", f"lost{n}.example.com") for n in range(12)} <= indicator_set(case)
    _stalled(job, settings)
    assert import_sweep() == SweepResult(restarted=0, failed=0)  # a finished job stays so


def test_each_checked_batch_keeps_a_job_from_the_sweep(make_case, alice, settings):
    """A batch's verdicts move the job (its restarts count from 0 again); the sweep restarts
    only a job that did not move."""
    settings.FORTRESS_IMPORT_BATCH_SIZE = 2
    case = make_case()
    data = b"kind,value\ndomain,a.example.com\ndomain,b.example.com\ndomain,c.example.com\n"
    job = import_start(case=case, by=alice, data=data, filename="x.csv")
    import_check_batch(job_id=job.pk, first=1, last=2)
    _stalled(job, settings)
    assert import_sweep() == SweepResult(restarted=1, failed=0)
    _stalled(job, settings)
    import_check_batch(job_id=job.pk, first=3, last=3)  # the batch's verdicts, no new state
    assert import_sweep() == SweepResult(restarted=0, failed=0)
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKING and job.restarts == 0


def test_a_restarted_job_publishes_only_its_batches_left(make_case, alice, settings):
    settings.FORTRESS_IMPORT_BATCH_SIZE = 2
    case = make_case()
    data = b"kind,value\n" + b"".join(f"domain,p{n}.example.com\n".encode() for n in range(5))
    job = import_start(case=case, by=alice, data=data, filename="p.csv")
    assert import_ranges(job_id=job.pk) == [(1, 2), (3, 4), (5, 5)]
    import_check_batch(job_id=job.pk, first=3, last=4)
    _stalled(job, settings)
    import_sweep()
    assert import_ranges(job_id=job.pk) == [(1, 2), (5, 5)]
    import_check_batch(job_id=job.pk, first=1, last=2)
    import_check_batch(job_id=job.pk, first=5, last=5)
    assert import_ranges(job_id=job.pk) == []  # all checked: the save is next


def test_a_job_lost_while_saving_is_restarted_and_saved(
    make_case, alice, settings, django_capture_on_commit_callbacks
):
    """As if the worker died after the save began: the sweep restarts the job, not fails it."""
    case = make_case()
    job = import_start(case=case, by=alice, data=b"kind,value\ndomain,s.example.com\n")
    assert import_check_batch(job_id=job.pk, first=1, last=1) is True
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.SAVING)
    _stalled(job, settings)
    settings.FORTRESS_IMPORT_RESTARTS = 1
    with django_capture_on_commit_callbacks(execute=True):
        assert import_sweep() == SweepResult(restarted=1, failed=0)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.rows_accepted == 1


@contextlib.contextmanager
def _save_running(job, meanwhile):
    """As a save does, another connection holds the job's row locked while `meanwhile()` runs
    (in that connection's transaction); the block runs once the lock is held."""
    held, ended = threading.Event(), threading.Event()

    def save() -> None:
        try:
            with transaction.atomic():
                ImportJob.objects.select_for_update().get(pk=job.pk)
                held.set()
                meanwhile()
            ended.set()
        finally:
            connection.close()

    saver = threading.Thread(target=save)
    saver.start()
    try:
        assert held.wait(30)
        yield
    finally:
        saver.join(60)
    assert ended.is_set()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_sweep_passes_over_a_job_whose_save_holds_it(make_case, alice, settings, monkeypatch):
    """A job whose save runs holds its row locked: the sweep neither waits for it nor restarts
    it."""
    require_postgres()
    from interchange import tasks

    case = make_case()
    with monkeypatch.context() as lose:
        lose.setattr(tasks, "queue_import", lambda job_id: None)
        job = import_start(case=case, by=alice, data=b"kind,value\ndomain,h.example.com\n")
    _stalled(job, settings)
    release = threading.Event()
    with _save_running(job, lambda: release.wait(30)):
        try:
            assert import_sweep() == SweepResult(restarted=0, failed=0)
            # Nor does the sweep's failure wait for it (a job being saved is moving).
            later = timezone.now() + datetime.timedelta(days=1)
            assert import_fail(job_id=job.pk, reason="lost", still_before=later) is False
        finally:
            release.set()
    assert import_sweep() == SweepResult(restarted=1, failed=0)  # ran in process: done
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.DONE


def test_a_job_restarted_in_vain_fails_and_saves_nothing(client, make_case, alice, settings):
    settings.FORTRESS_IMPORT_RESTARTS = 2
    case = make_case()
    held = Indicator.objects.filter(case=case).count()
    job = import_start(case=case, by=alice, data=b"kind,value\ndomain,x.example.com\n")
    for _ in range(2):
        _stalled(job, settings)
        assert import_sweep() == SweepResult(restarted=1, failed=0)  # never committed: lost
    _stalled(job, settings)
    assert import_sweep() == SweepResult(restarted=0, failed=1)
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and job.restarts == 2
    assert "after 2 restarts" in job.errors[0]["reason"]
    assert "Upload the file again" in job.errors[0]["reason"]
    assert not ImportRow.objects.filter(job_id=job.pk).exists()
    assert Indicator.objects.filter(case=case).count() == held
    client.force_login(alice)
    page = client.get(reverse("interchange:import_detail", args=[job.pk])).content.decode()
    assert "Why it failed" in page and "Upload the file again" in page
    assert "row refused" not in page
    events = AuditEvent.objects.filter(kind=EventKind.IMPORT, object_id=str(job.pk))
    assert list(events.order_by("seq").values_list("outcome", "detail__stage")) == [
        (Outcome.SUCCESS, "started"),
        (Outcome.FAILURE, ImportStatus.FAILED),
    ]


def test_the_sweep_deletes_the_rows_a_failed_job_left(make_case, alice):
    """As if the worker died between failing a job and deleting its rows."""
    case = make_case()
    job = import_start(case=case, by=alice, data=b"kind,value\ndomain,left.example.com\n")
    other = import_start(case=case, by=alice, data=b"kind,value\ndomain,on.example.com\n")
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.FAILED)
    import_sweep()
    assert not ImportRow.objects.filter(job_id=job.pk).exists()
    assert ImportRow.objects.filter(job_id=other.pk).count() == 1  # still running: kept


def test_the_sweep_fails_no_job_that_moved_since_it_looked(make_case, alice, settings):
    """The sweep decides under the jobs' locks and fails them after: a job that moved in
    between (a restart that ran at last) is left to run, and is not counted as failed."""
    case = make_case()
    job = import_start(case=case, by=alice, data=b"kind,value\ndomain,m.example.com\n")
    cutoff = timezone.now() - datetime.timedelta(minutes=5)
    assert import_fail(job_id=job.pk, reason="lost", still_before=cutoff) is False
    job.refresh_from_db()
    assert job.status == ImportStatus.QUEUED and job.rows.count() == 1
    assert import_fail(job_id=job.pk, reason="lost") is True
    assert import_fail(job_id=job.pk, reason="lost again") is False  # the first reason stays
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and job.errors == [{"ref": "", "reason": "lost"}]
    assert not job.rows.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_job_whose_save_ends_while_it_is_failed_stays_as_its_save_left_it(
    make_case, alice, monkeypatch
):
    """A task that fails for good (or the sweep) while the job's save still runs: the failure
    waits for the save's lock and then leaves the job as the save ended it. Before, it read the
    job unlocked and wrote "failed" over a job whose indicators were saved."""
    require_postgres()
    from interchange import tasks

    case = make_case()
    with monkeypatch.context() as lose:
        lose.setattr(tasks, "queue_import", lambda job_id: None)
        job = import_start(case=case, by=alice, data=b"kind,value\ndomain,f.example.com\n")
    connection.ensure_connection()
    failing = connection.connection.info.backend_pid  # this thread's connection

    def save_ends() -> None:
        with connection.cursor() as cursor:  # once the failure waits for the job's lock
            for _ in range(300):
                cursor.execute("SELECT cardinality(pg_blocking_pids(%s)) > 0", [failing])
                if cursor.fetchone()[0]:
                    break
                time.sleep(0.1)
            else:
                raise AssertionError("the failure never waited for the save's lock")
        ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.DONE, rows_accepted=1)

    with _save_running(job, save_ends):
        failed = import_fail(job_id=job.pk, reason="The import stopped: worker lost")
    job.refresh_from_db()
    assert (job.status, job.rows_accepted, job.errors) == (ImportStatus.DONE, 1, [])
    assert failed is False


def test_a_lost_job_is_restarted_on_a_real_worker(worker, make_case, alice, settings, monkeypatch):
    """On Redis with a real Celery worker: a job whose message was lost is published again by
    the sweep, and the worker runs it to the end."""
    from interchange import tasks
    from tests.celery_worker import wait_for

    case = make_case()
    content = b"kind,value\n" + b"".join(f"domain,r{n}.example.com\n".encode() for n in range(20))
    with monkeypatch.context() as lose:
        lose.setattr(tasks, "queue_import", lambda job_id: None)  # the message never arrives
        job = import_start(case=case, by=alice, data=content, filename="r.csv")
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.QUEUED
    _stalled(job, settings)
    assert import_sweep() == SweepResult(restarted=1, failed=0)
    wait_for(lambda: ImportJob.objects.get(pk=job.pk).is_final)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.errors
    assert job.rows_accepted == 20


@pytest.mark.parametrize("copy_from_rows", [None, 1])
def test_an_import_leaves_what_saving_its_rows_one_by_one_leaves(
    make_case, alice, partner_users, monkeypatch, copy_from_rows
):
    """The same sightings, values (with their cross-referencing state) and hits after an import
    as after saving its rows one by one through the service, once the queue is processed: with
    values another agency held before (hits), values first sighted, and values implied. On
    PostgreSQL, with the rows of the check's and the save's statements bound as arrays (a short
    list) and copied into temporary tables (`copy_from_rows=1`: what a large import does)."""
    from django.db import transaction

    from config import pgarrays

    if copy_from_rows:
        monkeypatch.setattr(pgarrays, "COPY_FROM_ROWS", copy_from_rows)
    from indicators import services, xref
    from indicators.models import Hit, IndicatorValue
    from interchange.services import batch_ranges, import_check_batch, import_finish, import_start

    partner = partner_users["investigator"]
    theirs = make_case(by=partner, title="Theirs")
    services.indicators_add_batch(
        case=theirs,
        by=partner,
        rows=[
            {"kind": "phone", "value": "+84 912 000 111"},
            {"kind": "domain", "value": "shared-shop.example.com"},
        ],
    )
    xref.sweep()
    rows = [
        ("domain", "parent.example.org", ""),
        ("ip", "192.0.2.77", ""),
        ("phone", "0912 000 111", ""),
        ("url", "https://shared-shop.example.com/pay?id=1", ""),
        ("url", "https://sub.parent.example.org/x", ""),
        ("email", "A.Agent@Mail.example.org", ""),
        ("crypto_wallet", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "ethereum"),
        ("social_handle", "@scam_boss", "telegram"),
    ]
    case = make_case()

    def state():
        xref.sweep()
        # The agencies' hit tallies kept through the save equal the view (before the rebuild,
        # which recounts them).
        assert_kept_equals_view()
        # What the engine computes from the sightings alone: a rebuild changes nothing.
        assert xref.rebuild().changed == 0
        return (
            sorted(
                Indicator.objects.filter(case=case).values_list(
                    "kind", "value__qualifier", "value__normalized", "raw_value", "note"
                )
            ),
            sorted(
                IndicatorValue.objects.values_list(
                    "normalized", "case_count", "is_common", "agency_count", "sole_agency_id"
                )
            ),
            sorted(Hit.objects.values_list("case_id", "value__normalized")),
        )

    point = transaction.savepoint_create()
    data = "kind,value,qualifier\n" + "".join(f"{k},{v},{q}\n" for k, v, q in rows)
    job = import_start(case=case, by=alice, data=data.encode(), filename="x.csv")
    for first, last in batch_ranges(job.rows_total):
        import_check_batch(job_id=job.pk, first=first, last=last)
    assert import_finish(job_id=job.pk).status == ImportStatus.DONE
    imported = state()
    transaction.savepoint_rollback(point)

    assert not Indicator.objects.filter(case=case).exists()
    for kind, value, qualifier in rows:
        extra = {"chain": qualifier} if kind == "crypto_wallet" else {}
        extra |= {"platform": qualifier} if kind == "social_handle" else {}
        services.indicator_add(case=case, by=alice, kind=kind, value=value, **extra)
    one_by_one = state()
    assert imported == one_by_one
    sightings, _values, hits = imported
    assert len(sightings) > len(rows)  # with the host names and domains the rows imply
    assert (case.pk, "+84912000111") in hits and (case.pk, "shared-shop.example.com") in hits


@pytest.mark.parametrize("name", ["indicators.csv", "bundle.stix.json", "event.misp.json"])
def test_a_row_with_a_value_alone_is_saved_as_the_full_check_gives_it(name):
    """The save's short way for a row that gives a kind and a value alone
    (`indicator_line_plain`) gives what the full check gives it, on the sample files' rows."""

    from indicators.models import CHAIN_KINDS, PLATFORM_KINDS
    from indicators.normalize import normalize
    from indicators.services import indicator_line_check, indicator_line_plain
    from interchange.services import parse_file

    content = (SAMPLES / name).read_bytes()
    _fmt, parsed = parse_file(content, filename=name)
    compared = 0
    for row in parsed.rows:
        if row.error:
            continue
        extra = {"chain": row.qualifier} if row.kind in CHAIN_KINDS else {}
        extra |= {"platform": row.qualifier} if row.kind in PLATFORM_KINDS else {}
        value = normalize(row.kind, row.value, region="VN", **extra)
        line = {"kind": row.kind, "value": row.value, **extra}
        assert indicator_line_plain(value, row.value) == indicator_line_check(
            line, "VN", checked=value
        )
        compared += 1
    assert compared


def test_the_jobs_steps_run_without_the_cyclic_collector(make_case, alice):
    """The collector's passes over every row held alive took a third of a large save's Python
    time: none runs during the request step, the check or the save, and it runs again after."""
    case = make_case()
    data = "kind,value\n" + "".join(f"domain,host{n}.example.com\n" for n in range(3000))
    steps = [
        (os.path.join("interchange", "services.py"), name)
        for name in ("import_start", "import_check_batch", "import_finish")
    ]
    with passes_inside(*steps) as passes:
        job = import_start(case=case, by=alice, data=data.encode(), filename="x.csv")
        for first, last in batch_ranges(job.rows_total):
            import_check_batch(job_id=job.pk, first=first, last=last)
        job = import_finish(job_id=job.pk)
    assert job.status == ImportStatus.DONE, job.errors
    assert job.rows_accepted == 3000
    assert passes == []
    assert gc.isenabled()


@pytest.mark.postgres
def test_the_checks_verdicts_are_written_beside_each_row(make_case, alice):
    """The check's verdict update of every row fits on the row's own page (a HOT update: no
    new index entry), as the rows' table keeps room for it (its fillfactor); on full pages
    every update was a new row version elsewhere and an entry in each index."""
    require_postgres()
    case = make_case()
    data = "kind,value,note\n" + "".join(
        f"url,https://shop-{n}.example.com/pay/{n:08d},seen in the chat of victim {n}\n"
        for n in range(3000)
    )
    job = import_start(case=case, by=alice, data=data.encode(), filename="x.csv")

    def updates() -> tuple[int, int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_stat_get_xact_tuples_updated(%s::regclass),"
                " pg_stat_get_xact_tuples_hot_updated(%s::regclass)",
                [ImportRow._meta.db_table] * 2,
            )
            return cursor.fetchone()

    before = updates()
    for first, last in batch_ranges(job.rows_total):
        import_check_batch(job_id=job.pk, first=first, last=last)
    updated, hot = (a - b for a, b in zip(updates(), before, strict=True))
    assert updated == 3000
    assert hot >= 0.95 * updated, (hot, updated)


def test_a_deleted_job_takes_its_rows_with_it(make_case, alice):
    """The rows hold no foreign-key constraint to their job (their check at commit was most
    of an upload's time): Django's cascade is what deletes them, as a case's retention
    deletion deletes its jobs."""
    case = make_case()
    data = "kind,value\n" + "".join(f"domain,host{n}.example.com\n" for n in range(50))
    kept = import_start(case=case, by=alice, data=data.encode(), filename="x.csv")
    job = import_start(case=case, by=alice, data=data.encode(), filename="y.csv")
    assert ImportRow.objects.filter(job=job).count() == 50
    ImportJob.objects.filter(pk=job.pk).delete()
    assert not ImportRow.objects.filter(job_id=job.pk).exists()
    assert ImportRow.objects.filter(job=kept).count() == 50


def test_a_paused_collector_is_restored_even_on_error():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        with collector_paused():  # nested: the outer block restores it
            pass
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()
