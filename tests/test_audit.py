"""The audit trail: what is recorded (who, when, from where, what, the outcome), that nobody
can change or remove an entry — not the app, not the admin, not plain SQL —, that
`audit_verify` finds a row edited or removed behind the triggers' back, and who reads it."""

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.urls import reverse
from rest_framework.test import APIClient

import access
import audit
from agencies import services as agency_services
from audit.chain import GENESIS, row_hash
from audit.models import AuditEvent, EventKind, Outcome
from audit.request import client_address
from cases.models import SharingLevel
from cases.services import case_set_sharing
from config import appendonly
from indicators import xref
from indicators.services import access_request_create, access_request_decide, indicator_add
from interchange import services as interchange_services
from tests.services import require_postgres
from victims.factories import make_victim
from victims.models import VictimAccessLog


def events(kind: str):
    return AuditEvent.objects.filter(kind=kind).order_by("seq")


# --- what is recorded ---------------------------------------------------------------------


def test_sign_in_failure_and_sign_out_are_recorded(client, own_users):
    user = own_users["analyst"]
    client.post(reverse("login"), {"username": user.username, "password": "wrong"})
    client.post(reverse("login"), {"username": "nobody.at.all", "password": "wrong"})
    client.post(reverse("login"), {"username": user.username, "password": "pw"})
    client.post(reverse("logout"))

    failed = list(events(EventKind.SIGN_IN_FAILED))
    assert [(e.username, e.outcome, e.agency_id) for e in failed] == [
        (user.username, Outcome.FAILURE, user.agency_id),
        ("nobody.at.all", Outcome.FAILURE, None),
    ]
    assert failed[0].user_id is None and failed[0].object_id == str(user.pk)
    (signed_in,) = events(EventKind.SIGN_IN)
    assert (signed_in.user_id, signed_in.username) == (user.pk, user.username)
    assert (signed_in.agency_id, signed_in.agency_name) == (user.agency_id, user.agency.name)
    assert signed_in.address == "127.0.0.1"
    assert events(EventKind.SIGN_OUT).get().user_id == user.pk


def test_the_address_comes_from_the_configured_proxy_count_only(client, own_users, settings):
    user = own_users["analyst"]
    forged = {"HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.7", "REMOTE_ADDR": "10.0.0.1"}
    settings.FORTRESS_NUM_PROXIES = 0
    client.post(reverse("login"), {"username": user.username, "password": "pw"}, **forged)
    settings.FORTRESS_NUM_PROXIES = 1
    client.post(reverse("login"), {"username": user.username, "password": "pw"}, **forged)
    assert [e.address for e in events(EventKind.SIGN_IN)] == ["10.0.0.1", "203.0.113.7"]


def test_client_address_never_stores_what_is_not_an_address(rf, settings):
    settings.FORTRESS_NUM_PROXIES = 1
    request = rf.get("/", HTTP_X_FORWARDED_FOR="<script>", REMOTE_ADDR="10.0.0.1")
    assert client_address(request) is None


def test_token_issue_and_revoke_are_recorded(db, own_users):
    client = APIClient()
    key = client.post(
        "/api/v1/auth/token/", {"username": "own.analyst", "password": "pw"}, format="json"
    ).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    token_id = client.get("/api/v1/auth/tokens/").json()["results"][0]["id"]
    assert client.delete(f"/api/v1/auth/tokens/{token_id}/").status_code == 204
    issued, revoked = events(EventKind.TOKEN_ISSUED).get(), events(EventKind.TOKEN_REVOKED).get()
    assert issued.object_id == revoked.object_id == str(token_id)
    assert issued.username == revoked.username == "own.analyst"
    assert issued.detail == {"prefix": key[:8]}


def test_role_and_account_changes_are_recorded(db, own_users):
    admin, analyst = own_users["admin"], own_users["analyst"]
    agency_services.token_create(user=analyst)
    created = agency_services.user_create(
        by=admin, username="new.one", password="a-long-passphrase-9", role="analyst"
    )
    agency_services.user_update(
        by=admin,
        user=analyst,
        role="investigator",
        is_active=False,
        first_name="Renamed",
        last_name="",
        email="",
    )
    assert events(EventKind.ACCOUNT_CREATED).get().object_id == str(created.pk)
    role = events(EventKind.ROLE_CHANGED).get()
    assert (role.username, role.object_id) == (admin.username, str(analyst.pk))
    assert role.detail == {"from": "analyst", "to": "investigator"}
    assert events(EventKind.ACCOUNT_DEACTIVATED).get().detail == {"tokens_revoked": 1}
    changed = events(EventKind.ACCOUNT_CHANGED).get()
    assert changed.detail == {"fields": ["first_name"]}  # which fields, never their values
    assert "Renamed" not in str(changed.detail)


def test_sharing_changes_are_recorded(db, own_users, make_case, partner):
    case = make_case()
    case_set_sharing(
        case=case,
        level=SharingLevel.SHARED,
        agencies=[partner],
        by=own_users["supervisor"],
        expected_version=case.version,
    )
    event = events(EventKind.SHARING_CHANGED).get()
    assert (event.object_type, event.object_id) == ("cases.case", str(case.pk))
    assert event.detail == {
        "from": "restricted",
        "to": "shared",
        "added": [partner.pk],
        "removed": [],
    }


def test_access_requests_and_decisions_are_recorded(db, own_users, partner_users, own):
    from cases.services import case_create

    own_case = case_create(by=own_users["investigator"], title="Own case")
    partner_case = case_create(by=partner_users["investigator"], title="Partner case")
    indicator_add(case=own_case, by=own_users["investigator"], kind="phone", value="+66812345678")
    indicator_add(
        case=partner_case, by=partner_users["investigator"], kind="phone", value="+66812345678"
    )
    xref.sweep()
    hit = access.visible_hits(partner_users["analyst"]).get()
    (request,) = access_request_create(
        hit=hit, by=partner_users["analyst"], agency=own, reason="Same mule number"
    )
    access_request_decide(access_request=request, by=own_users["supervisor"], grant=False)
    asked = events(EventKind.ACCESS_REQUESTED).get()
    assert (asked.agency_id, asked.object_id) == (
        partner_users["analyst"].agency_id,
        str(request.pk),
    )
    decided = events(EventKind.ACCESS_DECIDED).get()
    assert (decided.agency_id, decided.outcome) == (own.pk, Outcome.REFUSED)


def test_exports_and_imports_are_recorded(
    db, own_users, make_case, django_capture_on_commit_callbacks, celery_in_process
):
    case = make_case()
    by = own_users["investigator"]
    interchange_services.case_export(case=case, by=by, fmt="csv")
    with django_capture_on_commit_callbacks(execute=True):
        job = interchange_services.import_start(
            case=case, by=by, data=b"kind,value\nphone,+84912345678\n", filename="x.csv"
        )
    assert events(EventKind.EXPORT).get().detail == {"format": "csv"}
    started, finished = events(EventKind.IMPORT)
    assert started.object_id == finished.object_id == str(job.pk)
    assert started.detail["stage"] == "started"
    assert (finished.detail["stage"], finished.detail["accepted"]) == ("done", 1)
    assert finished.outcome == Outcome.SUCCESS


def test_a_detail_never_carries_a_name_or_a_text(db, alice):
    with pytest.raises(ValidationError):
        audit.record(EventKind.EXPORT, by=alice, detail={"full_name": "Trần Thị Mai"})
    with pytest.raises(ValidationError):
        audit.record(EventKind.EXPORT, by=alice, detail={"note": "x" * 500})
    assert not AuditEvent.objects.exists()


# --- the chain ----------------------------------------------------------------------------


def _three_events(user) -> list[AuditEvent]:
    return [audit.record(EventKind.EXPORT, by=user, detail={"n": n}) for n in range(3)]


def test_each_row_carries_the_hash_of_the_one_before(db, alice):
    first, second, third = _three_events(alice)
    assert [e.seq for e in (first, second, third)] == [1, 2, 3]
    assert first.prev_hash == GENESIS
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    for event in AuditEvent.objects.all():
        assert row_hash(event) == event.hash  # as read back from the database
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert "3 row(s) verified" in out.getvalue()


def _behind_the_triggers(sql: str, params: list) -> None:
    """Edit the table as someone with the database's owner rights would: the triggers lifted
    (PostgreSQL: disabled; SQLite: dropped), inside the test's transaction."""
    table = appendonly.AUDIT_TABLE
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name in appendonly.trigger_names(table, "postgresql"):
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {name}")
        else:
            for statement in appendonly.drop_sql(table, connection.vendor):
                cursor.execute(statement)
        cursor.execute(sql, params)


def test_audit_verify_finds_an_edited_row(db, alice):
    _first, second, _third = _three_events(alice)
    _behind_the_triggers("UPDATE audit_auditevent SET username = %s WHERE seq = %s", ["someone", 2])
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("audit_verify", stderr=err)
    assert "#2 was changed" in err.getvalue()
    assert second.hash == AuditEvent.objects.get(seq=2).hash  # the hash alone gives it away


def test_audit_verify_finds_a_deleted_row(db, alice):
    _three_events(alice)
    _behind_the_triggers("DELETE FROM audit_auditevent WHERE seq = %s", [2])
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("audit_verify", stderr=err)
    assert "1 row(s) missing before #3" in err.getvalue()
    assert "#3 does not link" in err.getvalue()


def test_audit_verify_exits_non_zero(db, alice):
    """The command as an operator's script runs it: exit code 1 on a broken chain."""
    _three_events(alice)
    _behind_the_triggers("DELETE FROM audit_auditevent WHERE seq = %s", [1])
    with pytest.raises(SystemExit) as exited:
        from django.core.management import execute_from_command_line

        execute_from_command_line(["manage.py", "audit_verify"])
    assert exited.value.code == 1


# --- append-only in the database ------------------------------------------------------------


def _refused(sql: str, params: list | None = None) -> None:
    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params or [])


def test_the_database_refuses_to_change_or_remove_an_audit_row(db, alice):
    event = audit.record(EventKind.EXPORT, by=alice)
    _refused("UPDATE audit_auditevent SET username = 'x' WHERE id = %s", [event.pk])
    _refused("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    with pytest.raises(IntegrityError), transaction.atomic():
        QuerySet.delete(AuditEvent._base_manager.filter(pk=event.pk))
    with pytest.raises(ValidationError):
        AuditEvent.objects.filter(pk=event.pk).update(username="x")
    with pytest.raises(ValidationError):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).username == alice.username


def test_the_database_refuses_to_change_or_remove_a_victim_access_log_row(db, own_users, make_case):
    victim = make_victim(case=make_case(), by=own_users["liaison"], full_name="Trần Thị Mai")
    entry = VictimAccessLog.objects.filter(victim=victim).first()
    _refused("UPDATE victims_victimaccesslog SET reason = 'rewritten' WHERE id = %s", [entry.pk])
    _refused("DELETE FROM victims_victimaccesslog WHERE id = %s", [entry.pk])
    with pytest.raises(IntegrityError), transaction.atomic():
        QuerySet.update(VictimAccessLog._base_manager.filter(pk=entry.pk), reason="rewritten")
    assert VictimAccessLog.objects.get(pk=entry.pk).reason == ""


@pytest.mark.postgres
def test_postgres_refuses_truncate_on_both_tables(db, alice):
    require_postgres()
    audit.record(EventKind.EXPORT, by=alice)
    for table in appendonly.APPEND_ONLY_TABLES:
        _refused(f"TRUNCATE {table} CASCADE")
    assert AuditEvent.objects.count() == 1


@pytest.mark.postgres
def test_postgres_chain_has_no_fork_under_concurrent_writers(transactional_db, own_users):
    """Writers in parallel transactions: the advisory lock makes each link to the last row
    committed, so the chain verifies."""
    require_postgres()
    import threading

    from django.db import connections

    users = list(own_users.values())
    barrier = threading.Barrier(len(users))

    def write(user) -> None:
        try:
            barrier.wait()
            for _ in range(5):
                audit.record(EventKind.EXPORT, by=user)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert AuditEvent.objects.count() == 5 * len(users)
    call_command("audit_verify", stdout=io.StringIO())


# --- reading ------------------------------------------------------------------------------


FORMULA = '=HYPERLINK("http://evil.example/","x")'


@pytest.fixture
def trail(db, own_users, outsider_users, own):
    for user in [*own_users.values(), *outsider_users.values()]:
        audit.record(EventKind.EXPORT, by=user, detail={"format": "csv"})
    audit.record(EventKind.SIGN_IN, by=own_users["analyst"])
    audit.record(EventKind.EXPORT, by=own_users["analyst"], detail={"format": "stix"})
    # A name typed at the login page is an attacker's input.
    audit.record(EventKind.SIGN_IN_FAILED, outcome=Outcome.FAILURE, username=FORMULA, agency=own)


def test_a_supervisor_reads_only_the_agency_entries(client, trail, own_users, own):
    client.force_login(own_users["supervisor"])
    page = client.get(reverse("audit:events"))
    assert page.status_code == 200
    listed = list(page.context["page"].object_list)
    assert listed and {e.agency_id for e in listed} == {own.pk}
    assert "outsider." not in page.content.decode()


@pytest.mark.parametrize("role", ["investigator", "analyst", "liaison", "admin"])
def test_other_roles_get_404(client, trail, own_users, role):
    client.force_login(own_users[role])
    assert client.get(reverse("audit:events")).status_code == 404
    assert client.get(reverse("audit:export")).status_code == 404


def test_filters_by_kind_user_and_date(client, trail, own_users):
    client.force_login(own_users["supervisor"])
    url = reverse("audit:events")
    by_kind = client.get(url, {"kind": EventKind.SIGN_IN}).context["page"].object_list
    assert {e.kind for e in by_kind} == {EventKind.SIGN_IN}
    assert {e.username for e in by_kind} == {"own.analyst", "own.supervisor"}  # force_login
    by_user = client.get(url, {"user": "own.analyst"}).context["page"].object_list
    assert {e.username for e in by_user} == {"own.analyst"} and len(by_user) == 3
    today = AuditEvent.objects.first().at.date()
    assert not client.get(url, {"until": "2000-01-01"}).context["page"].object_list
    assert client.get(url, {"since": today.isoformat()}).context["page"].object_list
    bad = client.get(url, {"since": "2030-01-02", "until": "2030-01-01"})
    assert "after the end date" in bad.content.decode()


def test_the_list_is_paginated(client, own_users):
    for _ in range(60):
        audit.record(EventKind.EXPORT, by=own_users["analyst"])
    client.force_login(own_users["supervisor"])
    first = client.get(reverse("audit:events")).context["page"]
    assert len(first.object_list) == 50 and first.paginator.count >= 60


def test_csv_export_neutralises_formulas(client, trail, own_users):
    client.force_login(own_users["supervisor"])
    response = client.get(reverse("audit:export"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert "'" + FORMULA in {r["username"] for r in rows}
    assert not any(cell.startswith("=") for r in rows for cell in r.values())
    filtered = client.get(reverse("audit:export"), {"user": "own.analyst"}).content.decode()
    assert {r["username"] for r in csv.DictReader(io.StringIO(filtered))} == {"own.analyst"}


def test_platform_admins_read_everything_in_the_admin_and_change_nothing(client, trail):
    admin = get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(admin)
    listing = client.get(reverse("admin:audit_auditevent_changelist"))
    assert listing.status_code == 200
    assert "outsider.investigator" in listing.content.decode()
    event = AuditEvent.objects.first()
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    assert client.post(reverse("admin:audit_auditevent_delete", args=[event.pk])).status_code == 403
    detail = client.post(
        reverse("admin:audit_auditevent_change", args=[event.pk]), {"username": "x"}
    )
    assert detail.status_code in (200, 403)
    event.refresh_from_db()
    assert event.username != "x"
