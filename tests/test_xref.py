"""The cross-reference engine: hits from shared values, silent cases, common values,
idempotency, rebuild == incremental, all-or-nothing batches, access requests."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import Http404

import access
from cases.models import CaseNote, SharingLevel
from cases.services import case_create
from config.errors import PolicyError
from indicators import selectors, services, xref
from indicators.models import (
    AccessRequestStatus,
    Hit,
    HitStatus,
    Indicator,
    IndicatorValue,
    PendingIndicator,
)
from tests.services import (
    assert_kept_equals_view,
    forget_cross_references,
    require_postgres,
    sessions_waiting_for_a_lock,
)
from tests.test_i18n import compiled_catalogues  # noqa: F401  (the .mo files, read afresh)

WALLET = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"


def add(case, by, *rows):
    return services.indicators_add_batch(case=case, by=by, rows=[dict(r) for r in rows])


def hits():
    return set(Hit.objects.values_list("case_id", "value__normalized"))


@pytest.fixture
def cases(own_users, partner_users, outsider_users):
    return {
        "own": case_create(by=own_users["investigator"], title="Own case"),
        "own2": case_create(by=own_users["investigator"], title="Own second case"),
        "partner": case_create(by=partner_users["investigator"], title="Partner case"),
        "outsider": case_create(by=outsider_users["investigator"], title="Outsider case"),
    }


def test_a_value_in_cases_of_two_agencies_gives_each_a_hit(cases, alice, partner_users):
    add(cases["own"], alice, {"kind": "phone", "value": "0912 345 678"})
    add(cases["partner"], partner_users["analyst"], {"kind": "phone", "value": "+84 912-345-678"})
    # The second holder reads at once that the value is held elsewhere; the first learns it
    # when the new sighting is cross-referenced.
    assert hits() == {(cases["partner"].pk, "+84912345678")}
    xref.sweep()
    assert hits() == {(cases["own"].pk, "+84912345678"), (cases["partner"].pk, "+84912345678")}
    assert Indicator.objects.unprocessed().count() == 0
    own_hit = access.visible_hits(alice).get()
    assert selectors.hit_counterparts(alice, [own_hit]) == {own_hit.pk: [cases["partner"].agency]}


def test_a_save_reads_the_cases_silence_as_it_is_not_as_the_form_loaded_it(
    cases, alice, partner_users
):
    """A value the save creates gets its final state at once (no engine run checks it later):
    from the case's silence as committed, not the copy the form or the import job loaded
    before the case went silent meanwhile."""
    from cases.models import Case
    from cases.services import case_update

    loaded = cases["own"]  # as the form's view (or an import job) read it
    fresh = Case.objects.get(pk=loaded.pk)
    case_update(case=fresh, by=alice, expected_version=fresh.version, silent=True)
    assert loaded.silent is False
    add(loaded, alice, {"kind": "phone", "value": "+84 912 345 678"})
    value = IndicatorValue.objects.get(normalized="+84912345678")
    assert value.agency_count == 0  # a silent case speaks for no agency
    add(cases["partner"], partner_users["investigator"], {"kind": "phone", "value": "0912345678"})
    xref.sweep()
    assert hits() == set()
    assert_kept_equals_view()


def test_no_hit_within_one_agency_or_for_a_value_held_once(cases, alice):
    add(cases["own"], alice, {"kind": "ip", "value": "203.0.113.7"})
    add(cases["own2"], alice, {"kind": "ip", "value": "203.0.113.7"})
    add(cases["own2"], alice, {"kind": "ip", "value": "203.0.113.8"})
    xref.sweep()
    assert hits() == set()
    assert IndicatorValue.objects.get(normalized="203.0.113.7").case_count == 2


def test_the_same_value_written_five_ways_is_one_value(cases, alice, partner_users, own_users):
    partner = partner_users["investigator"]
    ways = ["https://t.me/luckyboss", "@LuckyBoss", "luckyboss", "t.me/LUCKYBOSS", "@luckyboss "]
    add(cases["own"], alice, {"kind": "social_handle", "platform": "telegram", "value": ways[0]})
    add(
        cases["own2"],
        own_users["supervisor"],
        {"kind": "social_handle", "platform": "telegram", "value": ways[1]},
    )
    add(
        cases["partner"],
        partner,
        {"kind": "social_handle", "platform": "telegram", "value": ways[2]},
    )
    other = case_create(by=partner, title="Partner second case")
    add(other, partner, {"kind": "social_handle", "platform": "telegram", "value": ways[3]})
    third = case_create(by=partner, title="Partner third case")
    add(third, partner, {"kind": "social_handle", "platform": "telegram", "value": ways[4]})
    xref.sweep()
    assert IndicatorValue.objects.filter(kind="social_handle").count() == 1
    value = IndicatorValue.objects.get(kind="social_handle")
    assert (value.qualifier, value.normalized, value.case_count) == ("telegram", "luckyboss", 5)
    assert hits() == {
        (c.pk, "luckyboss") for c in (cases["own"], cases["own2"], cases["partner"], other, third)
    }
    # The raw text stays as entered.
    assert sorted(Indicator.objects.values_list("raw_value", flat=True)) == sorted(
        w.strip() for w in ways
    )


def test_a_silent_case_matches_but_only_its_owner_learns(cases, alice, partner_users):
    silent = case_create(by=alice, title="Undercover", silent=True)
    add(silent, alice, {"kind": "crypto_wallet", "chain": "tron", "value": WALLET})
    add(
        cases["partner"],
        partner_users["investigator"],
        {"kind": "crypto_wallet", "chain": "tron", "value": WALLET},
    )
    xref.sweep()
    assert hits() == {(silent.pk, WALLET)}
    assert access.visible_hits(partner_users["investigator"]).count() == 0
    # Both sides silent: nobody learns anything.
    partner_silent = case_create(by=partner_users["investigator"], title="Quiet", silent=True)
    add(silent, alice, {"kind": "ip", "value": "198.51.100.1"})
    add(partner_silent, partner_users["investigator"], {"kind": "ip", "value": "198.51.100.1"})
    xref.sweep()
    assert (silent.pk, "198.51.100.1") not in hits()


def test_common_values_raise_no_hits(cases, alice, partner_users, outsider_users, settings):
    settings.FORTRESS_COMMON_VALUE_THRESHOLD = 2
    for case, by in [
        (cases["own"], alice),
        (cases["partner"], partner_users["investigator"]),
        (cases["outsider"], outsider_users["investigator"]),
    ]:
        add(
            case,
            by,
            {"kind": "domain", "value": "popular-shop.com"},
            {"kind": "ip", "value": "8.8.8.8"},
        )
    xref.sweep()
    assert hits() == set()
    assert set(IndicatorValue.objects.values_list("normalized", "is_common")) == {
        ("popular-shop.com", True),
        ("8.8.8.8", True),
    }


def test_running_twice_changes_nothing_and_keeps_reviews(cases, alice, partner_users):
    add(cases["own"], alice, {"kind": "email", "value": "Boss@Scam-Mail.net"})
    add(
        cases["partner"],
        partner_users["investigator"],
        {"kind": "email", "value": "boss@scam-mail.net"},
    )
    xref.sweep()
    hit = access.visible_hits(alice).get()
    services.hit_review(hit=hit, by=alice, status=HitStatus.REVIEWED)
    before = list(Hit.objects.order_by("pk").values_list("pk", "case_id", "value_id", "status"))
    ids = list(Indicator.objects.values_list("pk", flat=True))
    xref.enqueue(Indicator.objects.values_list("pk", flat=True))
    xref.process_indicators(ids)
    xref.process_indicators(ids)
    result = xref.xref_values(IndicatorValue.objects.values_list("pk", flat=True))
    assert (result.values, result.changed) == (IndicatorValue.objects.count(), 0)
    assert (
        list(Hit.objects.order_by("pk").values_list("pk", "case_id", "value_id", "status"))
        == before
    )


def test_full_rebuild_gives_the_same_hits_as_incremental(
    cases, alice, partner_users, outsider_users
):
    partner, outsider = partner_users["investigator"], outsider_users["investigator"]
    add(
        cases["own"],
        alice,
        {"kind": "url", "value": "https://login.fake-bank.co.th/x"},
        {"kind": "phone", "value": "+234 803 123 4567"},
    )
    add(cases["partner"], partner, {"kind": "domain", "value": "fake-bank.co.th"})
    add(
        cases["outsider"],
        outsider,
        {"kind": "phone", "value": "+2348031234567"},
        {"kind": "domain", "value": "login.fake-bank.co.th"},
    )
    xref.sweep()
    incremental = hits()
    assert (cases["own"].pk, "fake-bank.co.th") in incremental
    assert (cases["own"].pk, "login.fake-bank.co.th") in incremental
    assert (cases["outsider"].pk, "+2348031234567") in incremental
    forget_cross_references()
    xref.enqueue(Indicator.objects.values_list("pk", flat=True))
    xref.rebuild(chunk=2)
    assert hits() == incremental
    assert Indicator.objects.unprocessed().count() == 0


def test_removing_a_sighting_removes_the_hits_it_caused(cases, alice, partner_users):
    add(cases["own"], alice, {"kind": "ip", "value": "192.0.2.44"})
    (theirs,) = add(
        cases["partner"], partner_users["investigator"], {"kind": "ip", "value": "192.0.2.44"}
    )
    xref.sweep()
    assert len(hits()) == 2
    services.indicator_delete(indicator=theirs, by=partner_users["investigator"])
    xref.xref_values([theirs.value_id])
    assert hits() == set()


def test_a_batch_is_stored_whole_or_not_at_all(cases, alice):
    with pytest.raises(services.BatchError) as exc:
        add(
            cases["own"],
            alice,
            {"kind": "phone", "value": "0912 345 678"},
            {"kind": "crypto_wallet", "chain": "ethereum", "value": "0xZZZ"},
            {"kind": "email", "value": "not-an-email"},
        )
    assert set(exc.value.lines) == {2, 3}
    assert "40 hex digits" in exc.value.lines[2][0]
    assert Indicator.objects.count() == IndicatorValue.objects.count() == 0


def test_duplicates_are_refused_but_derived_values_are_merged(cases, alice):
    add(cases["own"], alice, {"kind": "domain", "value": "fake-bank.co.th"})
    created = add(cases["own"], alice, {"kind": "url", "value": "http://fake-bank.co.th/login"})
    assert len(created) == 1
    assert Indicator.objects.filter(case=cases["own"]).count() == 2  # url + existing domain
    with pytest.raises(services.BatchError) as exc:
        add(cases["own"], alice, {"kind": "domain", "value": "WWW.Fake-Bank.co.th"})
    assert "already recorded" in exc.value.lines[1][0]
    with pytest.raises(services.BatchError) as exc:
        add(
            cases["own"],
            alice,
            {"kind": "ip", "value": "1.2.3.4"},
            {"kind": "ip", "value": "::ffff:1.2.3.4"},
        )
    assert "same value as line 1" in exc.value.lines[2][0]


def test_only_the_owning_agency_adds_indicators(cases, partner_users, own_users):
    for user in [partner_users["investigator"], own_users["liaison"], own_users["admin"]]:
        with pytest.raises(PolicyError):
            add(cases["own"], user, {"kind": "ip", "value": "1.2.3.4"})


def test_single_add_says_why_a_value_is_refused(cases, alice):
    with pytest.raises(ValidationError) as exc:
        services.indicator_add(case=cases["own"], by=alice, kind="phone", value="+84 12")
    assert "not a valid phone number" in exc.value.message_dict["value"][0]


def test_cross_referencing_uses_a_fixed_number_of_queries(
    cases, alice, partner_users, django_assert_max_num_queries
):
    rows = [{"kind": "ip", "value": f"10.0.{i // 250}.{i % 250}"} for i in range(100)]
    add(cases["partner"], partner_users["investigator"], *rows)
    created = add(cases["own"], alice, *rows)
    with django_assert_max_num_queries(18):  # whatever the batch size
        xref.process_indicators([i.pk for i in Indicator.objects.all()])
    assert len(hits()) == 200
    assert len(created) == 100


def test_two_workers_never_claim_the_same_indicator(transactional_db, cases, alice):
    add(cases["own"], alice, *[{"kind": "ip", "value": f"10.1.0.{i}"} for i in range(10)])
    # Back in the queue, whatever the task did after the commit.
    xref.enqueue(Indicator.objects.values_list("pk", flat=True))
    got: dict[str, list] = {}
    if connection.vendor != "postgresql":  # one writer at a time: claims follow each other
        with transaction.atomic():
            got["a"] = xref.claim(limit=6)
        with transaction.atomic():
            got["b"] = xref.claim(limit=10)
    else:  # a second worker claims while the first still holds its claim
        claimed, release = threading.Event(), threading.Event()

        def first_worker() -> None:
            with transaction.atomic():
                got["a"] = xref.claim(limit=6)
                claimed.set()
                release.wait(10)
            connection.close()

        thread = threading.Thread(target=first_worker)
        thread.start()
        assert claimed.wait(10)
        with transaction.atomic():
            got["b"] = xref.claim(limit=10)
        release.set()
        thread.join(10)
    assert len(got["a"]) == 6 and len(got["b"]) == 4
    assert not set(got["a"]) & set(got["b"])


def test_two_workers_on_a_shared_value_take_turns(transactional_db, cases, alice, partner_users):
    (ours,) = add(cases["own"], alice, {"kind": "ip", "value": "192.0.2.66"})
    (theirs,) = add(
        cases["partner"], partner_users["investigator"], {"kind": "ip", "value": "192.0.2.66"}
    )
    # Back to "saved, not yet cross-referenced", whatever the tasks did after the commits.
    forget_cross_references()
    xref.enqueue(Indicator.objects.values_list("pk", flat=True))
    if connection.vendor != "postgresql":  # one writer at a time: the workers follow each other
        xref.process_indicators([ours.pk])
        xref.process_indicators([theirs.pk])
    else:  # the second worker waits for the first one's value lock, then sees its work
        done, release = threading.Event(), threading.Event()

        def first_worker() -> None:
            with transaction.atomic():
                xref.process_indicators([ours.pk])
                done.set()
                release.wait(10)
            connection.close()

        def second_worker() -> None:
            xref.process_indicators([theirs.pk])
            connection.close()

        first, second = (
            threading.Thread(target=first_worker),
            threading.Thread(target=second_worker),
        )
        first.start()
        assert done.wait(10)
        second.start()
        waiting = sessions_waiting_for_a_lock()
        release.set()
        first.join(10)
        second.join(10)
        assert waiting == 1
    assert hits() == {(cases["own"].pk, "192.0.2.66"), (cases["partner"].pk, "192.0.2.66")}
    assert IndicatorValue.objects.get(normalized="192.0.2.66").case_count == 2
    assert set(Hit.objects.values_list("other_agencies", flat=True)) == {1}
    assert Indicator.objects.unprocessed().count() == 0


def test_a_worker_that_read_an_older_state_recomputes_instead_of_writing_it(
    transactional_db, cases, alice, partner_users
):
    """No lock is taken before reading: a worker whose snapshot misses a sighting another
    worker has just written for must not write its older state over that one."""
    require_postgres()  # concurrent writers: PostgreSQL only
    (ours,) = add(cases["own"], alice, {"kind": "ip", "value": "192.0.2.67"})
    xref.process_indicators([ours.pk])
    xref.enqueue([ours.pk])  # to be processed again by the worker below
    written, release = threading.Event(), threading.Event()

    def partner_saves_and_processes_in_one_transaction() -> None:
        with transaction.atomic():
            (theirs,) = add(
                cases["partner"],
                partner_users["investigator"],
                {"kind": "ip", "value": "192.0.2.67"},
            )
            xref.process_indicators([theirs.pk])  # the value written, not committed yet
            written.set()
            release.wait(10)
        connection.close()

    other = threading.Thread(target=partner_saves_and_processes_in_one_transaction)
    other.start()
    assert written.wait(10)
    # This worker does not see the partner's sighting, and its update waits for the partner's
    # transaction: released, the row it read is no longer the row there.
    worker = threading.Thread(
        target=lambda: (xref.process_indicators([ours.pk]), connection.close())
    )
    worker.start()
    waiting = sessions_waiting_for_a_lock()
    release.set()
    other.join(10)
    worker.join(10)
    assert waiting == 1
    value = IndicatorValue.objects.get(normalized="192.0.2.67")
    assert (value.case_count, value.agency_count) == (2, 2)
    assert hits() == {(cases["own"].pk, "192.0.2.67"), (cases["partner"].pk, "192.0.2.67")}
    assert Indicator.objects.unprocessed().count() == 0
    # The agencies' tallies of hits too: the worker that wrote nothing added nothing.
    counted = assert_kept_equals_view()
    assert counted[cases["own"].agency_id][HitStatus.NEW] == 1


def test_a_value_no_longer_common_gets_its_hits_in_the_same_run(
    cases, alice, partner_users, settings
):
    settings.FORTRESS_COMMON_VALUES = ["192.0.2.68"]
    (ours,) = add(cases["own"], alice, {"kind": "ip", "value": "192.0.2.68"})
    add(cases["partner"], partner_users["investigator"], {"kind": "ip", "value": "192.0.2.68"})
    xref.sweep()
    assert IndicatorValue.objects.get(normalized="192.0.2.68").is_common
    assert hits() == set()
    # Off the list: the holders of a value that was common were never looked up; one run
    # notices, and looks again.
    settings.FORTRESS_COMMON_VALUES = []
    xref.enqueue([ours.pk])
    xref.process_indicators([ours.pk])
    assert hits() == {(cases["own"].pk, "192.0.2.68"), (cases["partner"].pk, "192.0.2.68")}
    assert Indicator.objects.unprocessed().count() == 0


def test_the_rebuild_looks_up_the_holders_of_a_value_no_longer_common(
    cases, alice, partner_users, settings
):
    settings.FORTRESS_COMMON_VALUES = ["192.0.2.70"]
    add(cases["own"], alice, {"kind": "ip", "value": "192.0.2.70"})
    add(cases["partner"], partner_users["investigator"], {"kind": "ip", "value": "192.0.2.70"})
    xref.sweep()
    assert hits() == set()
    settings.FORTRESS_COMMON_VALUES = []
    xref.rebuild()
    assert hits() == {(cases["own"].pk, "192.0.2.70"), (cases["partner"].pk, "192.0.2.70")}


def test_making_a_case_silent_takes_back_the_hits_it_gave(cases, alice, partner_users):
    from cases.services import case_update

    partner = partner_users["investigator"]
    add(cases["own"], alice, {"kind": "ip", "value": "192.0.2.69"})
    add(cases["partner"], partner, {"kind": "ip", "value": "192.0.2.69"})
    xref.sweep()
    assert hits() == {(cases["own"].pk, "192.0.2.69"), (cases["partner"].pk, "192.0.2.69")}
    theirs = cases["partner"]
    theirs.refresh_from_db()
    theirs = case_update(case=theirs, by=partner, expected_version=theirs.version, silent=True)
    assert Indicator.objects.unprocessed().filter(case=theirs).exists()
    xref.sweep()
    # The silent case's owner still learns; the other agency no longer does.
    assert hits() == {(cases["partner"].pk, "192.0.2.69")}
    case_update(case=theirs, by=partner, expected_version=theirs.version, silent=False)
    xref.sweep()
    assert hits() == {(cases["own"].pk, "192.0.2.69"), (cases["partner"].pk, "192.0.2.69")}


def test_access_request_granted_shares_the_case(cases, alice, partner_users, own_users):
    partner = partner_users["investigator"]
    add(cases["own"], alice, {"kind": "crypto_wallet", "chain": "tron", "value": WALLET})
    add(cases["partner"], partner, {"kind": "crypto_wallet", "chain": "tron", "value": WALLET})
    xref.sweep()
    hit = access.get_hit_for_user(partner, access.visible_hits(partner).get().pk)
    with pytest.raises(Http404):
        access.get_case_for_user(partner, cases["own"].pk)
    (request,) = services.access_request_create(
        hit=hit, by=partner, agency=cases["own"].agency, reason="Same wallet as our victims paid"
    )
    assert request.case == cases["own"]
    with pytest.raises(PolicyError):
        services.access_request_decide(access_request=request, by=alice, grant=True)
    with pytest.raises(PolicyError):
        services.access_request_decide(
            access_request=request, by=partner_users["supervisor"], grant=True
        )
    services.access_request_decide(access_request=request, by=own_users["supervisor"], grant=True)
    request.refresh_from_db()
    assert request.status == AccessRequestStatus.GRANTED
    case = access.get_case_for_user(partner, cases["own"].pk)
    assert case.sharing_level == SharingLevel.SHARED
    assert list(case.shared_with.all()) == [cases["partner"].agency]
    assert CaseNote.objects.filter(case=cases["own"], text__contains="granted").exists()
    assert CaseNote.objects.filter(case=cases["partner"], text__contains="granted").exists()
    with pytest.raises(ValidationError):
        services.access_request_decide(
            access_request=request, by=own_users["supervisor"], grant=False
        )


def test_access_request_refused_shares_nothing(
    cases, alice, partner_users, own_users, outsider_users
):
    partner = partner_users["analyst"]
    add(cases["own"], alice, {"kind": "ip", "value": "192.0.2.9"})
    add(cases["partner"], partner, {"kind": "ip", "value": "192.0.2.9"})
    xref.sweep()
    hit = access.visible_hits(partner).get()
    with pytest.raises(ValidationError):
        services.access_request_create(hit=hit, by=partner, agency=cases["own"].agency, reason=" ")
    with pytest.raises(ValidationError):
        services.access_request_create(
            hit=hit, by=partner, agency=cases["outsider"].agency, reason="fishing"
        )
    with pytest.raises(PolicyError):
        services.access_request_create(
            hit=hit, by=outsider_users["investigator"], agency=cases["own"].agency, reason="x"
        )
    (request,) = services.access_request_create(
        hit=hit, by=partner, agency=cases["own"].agency, reason="Need the logs"
    )
    with pytest.raises(ValidationError):  # one pending request per case and agency
        services.access_request_create(
            hit=hit, by=partner, agency=cases["own"].agency, reason="again"
        )
    services.access_request_decide(
        access_request=request, by=own_users["supervisor"], grant=False, note="Ongoing covert op"
    )
    with pytest.raises(Http404):
        access.get_case_for_user(partner, cases["own"].pk)
    assert CaseNote.objects.filter(case=cases["partner"], text__contains="refused").exists()


def test_the_rebuild_command_restores_the_hits(cases, alice, partner_users):
    from io import StringIO

    from django.core.management import call_command

    add(cases["own"], alice, {"kind": "ip", "value": "192.0.2.77"})
    add(cases["partner"], partner_users["investigator"], {"kind": "ip", "value": "192.0.2.77"})
    xref.sweep()
    incremental = hits()
    forget_cross_references()
    out = StringIO()
    call_command("xref_rebuild", "--chunk", "1", stdout=out)
    assert hits() == incremental
    assert "2 hits." in out.getvalue()


def test_granting_access_to_an_operation_case_asks_to_change_sharing_first(
    alice, own, partner_users, own_users
):
    from cases.models import JointOperation

    operation = JointOperation.objects.create(name="Op Tide", code="tide", lead_agency=own)
    ours = case_create(
        by=alice, title="Operation case", sharing_level=SharingLevel.OPERATION, operation=operation
    )
    theirs = case_create(by=partner_users["investigator"], title="Theirs")
    add(ours, alice, {"kind": "ip", "value": "192.0.2.200"})
    add(theirs, partner_users["investigator"], {"kind": "ip", "value": "192.0.2.200"})
    xref.sweep()
    hit = access.visible_hits(partner_users["investigator"]).get()
    (request,) = services.access_request_create(
        hit=hit, by=partner_users["investigator"], agency=own, reason="same IP"
    )
    with pytest.raises(ValidationError) as exc:
        services.access_request_decide(
            access_request=request, by=own_users["supervisor"], grant=True
        )
    assert "joint operation" in exc.value.messages[0]
    request.refresh_from_db()
    assert request.status == AccessRequestStatus.PENDING


def test_the_task_run_twice_changes_nothing(cases, alice, partner_users):
    from indicators import tasks

    add(cases["own"], alice, {"kind": "ip", "value": "192.0.2.31"})
    add(cases["partner"], partner_users["investigator"], {"kind": "ip", "value": "192.0.2.31"})
    ids = list(Indicator.objects.values_list("pk", flat=True))
    first = tasks.xref_indicators.apply(args=[ids]).get()
    snapshot = list(Hit.objects.order_by("pk").values_list("pk", "case_id", "value_id", "status"))
    xref.enqueue(Indicator.objects.values_list("pk", flat=True))
    again = tasks.xref_indicators.apply(args=[ids]).get()
    assert (first["values"], first["changed"]) == (1, 1)
    assert (again["values"], again["changed"]) == (1, 0)
    assert list(Hit.objects.order_by("pk").values_list("pk", "case_id", "value_id", "status")) == (
        snapshot
    )


def test_rebuild_equals_incremental_with_silent_common_and_same_agency_cases(
    cases, alice, own_users, partner_users, outsider_users, settings
):
    settings.FORTRESS_COMMON_VALUE_THRESHOLD = 2
    partner, outsider = partner_users["investigator"], outsider_users["investigator"]
    silent = case_create(by=partner, title="Quiet", silent=True)
    rows = {
        "own": [("ip", "192.0.2.1"), ("ip", "192.0.2.2"), ("ip", "192.0.2.3"), ("ip", "1.1.1.1")],
        "own2": [("ip", "192.0.2.1"), ("ip", "192.0.2.4")],
        "partner": [("ip", "192.0.2.3"), ("ip", "1.1.1.1"), ("ip", "192.0.2.5")],
        "outsider": [("ip", "192.0.2.3"), ("ip", "192.0.2.5"), ("ip", "1.1.1.1")],
        "silent": [("ip", "192.0.2.2"), ("ip", "192.0.2.4"), ("ip", "192.0.2.5")],
    }
    owners = {
        "own": alice,
        "own2": own_users["supervisor"],
        "partner": partner,
        "outsider": outsider,
        "silent": partner,
    }
    all_cases = {**cases, "silent": silent}
    for name, values in rows.items():
        add(all_cases[name], owners[name], *[{"kind": k, "value": v} for k, v in values])
    xref.sweep()
    incremental = hits()
    with_counts = set(Hit.objects.values_list("case_id", "value__normalized", "other_agencies"))
    assert (cases["own"].pk, "192.0.2.2") not in incremental  # only a silent case holds it
    assert (silent.pk, "192.0.2.2") in incremental  # the silent case's owner learns
    assert (cases["own"].pk, "192.0.2.1") not in incremental  # same agency only
    assert (silent.pk, "192.0.2.4") in incremental
    assert (cases["own2"].pk, "192.0.2.4") not in incremental
    assert not {h for h in incremental if h[1] == "192.0.2.3"}  # 3 cases > 2: common
    assert not {h for h in incremental if h[1] == "1.1.1.1"}  # on the list: common
    forget_cross_references()
    xref.rebuild(chunk=3)
    assert hits() == incremental
    assert (
        set(Hit.objects.values_list("case_id", "value__normalized", "other_agencies"))
        == with_counts
    )


def test_a_reviewed_hit_is_new_again_when_one_more_agency_holds_the_value(
    cases, alice, partner_users, outsider_users
):
    add(cases["own"], alice, {"kind": "ip", "value": "192.0.2.150"})
    add(cases["partner"], partner_users["investigator"], {"kind": "ip", "value": "192.0.2.150"})
    xref.sweep()
    hit = Hit.objects.get(case=cases["own"])
    assert hit.other_agencies == 1
    services.hit_review(hit=hit, by=alice, status=HitStatus.DISMISSED)
    add(cases["outsider"], outsider_users["investigator"], {"kind": "ip", "value": "192.0.2.150"})
    xref.sweep()
    hit.refresh_from_db()
    assert (hit.status, hit.other_agencies, hit.reviewed_by) == (HitStatus.NEW, 2, None)
    services.hit_review(hit=hit, by=alice, status=HitStatus.REVIEWED)
    state = set(Hit.objects.values_list("case_id", "other_agencies", "status"))
    xref.rebuild()  # nothing changed since: statuses stay
    assert set(Hit.objects.values_list("case_id", "other_agencies", "status")) == state
    forget_cross_references()
    xref.rebuild()
    assert set(Hit.objects.values_list("case_id", "other_agencies")) == {
        (cases["own"].pk, 2),
        (cases["partner"].pk, 2),
        (cases["outsider"].pk, 2),
    }


def test_a_saved_indicator_waits_in_the_queue_until_processed(cases, alice, partner_users):
    """A sighting of a value held before waits in the queue. The first sighting of a value is
    not queued: its save created the value with the state the engine computes for it."""
    (first,) = add(cases["own"], alice, {"kind": "ip", "value": "192.0.2.160"})
    assert not Indicator.objects.unprocessed().exists()
    assert IndicatorValue.objects.filter(
        pk=first.value_id, case_count=1, agency_count=1, sole_agency=alice.agency
    ).exists()
    (theirs,) = add(
        cases["partner"], partner_users["investigator"], {"kind": "ip", "value": "192.0.2.160"}
    )
    assert set(Indicator.objects.unprocessed()) == {theirs}
    assert Indicator.objects.select_related("pending").get(pk=theirs.pk).is_pending
    result = xref.process_indicators([theirs.pk])
    assert (result.values, result.changed) == (1, 1)
    assert not Indicator.objects.unprocessed().exists()
    assert not Indicator.objects.select_related("pending").get(pk=theirs.pk).is_pending
    assert hits() == {(cases["own"].pk, "192.0.2.160"), (cases["partner"].pk, "192.0.2.160")}
    # Processed already: taken again, it changes nothing.
    again = xref.process_indicators([theirs.pk])
    assert (again.values, again.changed) == (0, 0)
    xref.sweep()
    assert not PendingIndicator.objects.exists()


def test_values_first_sighted_by_a_save_need_no_cross_referencing(cases, alice, partner_users):
    """What a save leaves unqueued is what the engine would compute: after the queue is
    processed, a full rebuild from the sightings changes nothing (a silent case's new values
    included)."""
    add(cases["partner"], partner_users["investigator"], {"kind": "ip", "value": "192.0.2.180"})
    silent = case_create(by=alice, title="Silent", silent=True)
    add(
        cases["own"],
        alice,
        {"kind": "ip", "value": "192.0.2.180"},
        {"kind": "url", "value": "https://new-180.example.org/x"},
    )
    add(silent, alice, {"kind": "ip", "value": "192.0.2.181"})
    queued = set(PendingIndicator.objects.values_list("indicator__value__normalized", flat=True))
    assert queued == {"192.0.2.180"}  # the value held before; the partner's first was not
    xref.sweep()
    assert xref.rebuild().changed == 0
    assert (cases["own"].pk, "192.0.2.180") in hits()


def test_the_sweep_takes_only_what_is_queued(cases, alice, partner_users):
    (ours,) = add(cases["own"], alice, {"kind": "ip", "value": "192.0.2.170"})
    add(
        cases["partner"],
        partner_users["investigator"],
        {"kind": "ip", "value": "192.0.2.170"},
        {"kind": "ip", "value": "192.0.2.171"},
    )
    add(cases["own2"], alice, {"kind": "ip", "value": "192.0.2.171"})
    xref.sweep()
    assert len(hits()) == 4
    forget_cross_references()
    xref.enqueue([ours.pk])
    result = xref.sweep()
    assert result.values == 1
    assert hits() == {(cases["own"].pk, "192.0.2.170"), (cases["partner"].pk, "192.0.2.170")}
    assert not PendingIndicator.objects.exists()


def test_a_removed_indicator_leaves_the_queue(cases, alice):
    (ours,) = add(cases["own"], alice, {"kind": "ip", "value": "192.0.2.180"})
    services.indicator_delete(indicator=ours, by=alice)
    assert not PendingIndicator.objects.exists()
    assert xref.sweep().values == 0


def test_a_new_case_batch_runs_prepared_statements_and_the_sweep_does_not(cases, alice):
    require_postgres()  # prepared statements: PostgreSQL only
    (ours,) = add(cases["own"], alice, {"kind": "ip", "value": "192.0.2.190"})
    xref.process_indicators([ours.pk])
    add(cases["own2"], alice, {"kind": "ip", "value": "192.0.2.191"})
    xref.sweep()
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    # one statement takes the batch out of the queue and writes its values
    assert any(
        "indicators_pendingindicator" in s
        and "= ANY($" in s
        and "UPDATE indicators_indicatorvalue" in s
        for s in prepared
    )
    # the sweep's statement (no list of indicators) is planned for its batch, not prepared
    assert not any("indicators_pendingindicator" in s and "= ANY($" not in s for s in prepared)


def test_a_refused_batch_names_its_lines_in_the_users_language(
    cases,
    alice,
    compiled_catalogues,  # noqa: F811
):
    """Line-numbered errors are interface text: in the language of the request that asked."""
    from django.utils import translation

    add(cases["own"], alice, {"kind": "phone", "value": "0912 345 678"})
    with translation.override("es"), pytest.raises(services.BatchError) as refused:
        add(
            cases["own"],
            alice,
            {"kind": "phone", "value": "+84 912 345 678"},
            {"kind": "ip", "value": "192.0.2.9"},
            {"kind": "ip", "value": "192.0.2.9"},
        )
    messages = refused.value.messages
    assert messages[0].startswith("Línea 1:") and "ya está registrado en este caso" in messages[0]
    assert messages[1] == "Línea 3: 192.0.2.9 es el mismo valor que en la línea 2."


def test_a_database_error_of_a_binary_statement_is_djangos(db):
    """The tasks' retry policy retries Django's OperationalError (a deadlock, a lock timeout):
    the statements bound in binary (config/pgarrays.py) raise Django's errors too."""
    require_postgres()
    from django.db import DatabaseError, transaction

    from config import pgarrays

    with pytest.raises(DatabaseError) as raised, transaction.atomic():
        pgarrays.execute("SELECT 1 / %b", [0])
    assert type(raised.value).__module__.startswith("django.db")
