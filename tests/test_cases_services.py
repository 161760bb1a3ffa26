"""The case services: allow-lists, invariants, concurrent edits, the timeline."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

import access
from cases.models import (
    Asset,
    AssetStatus,
    Case,
    CaseNote,
    NoteKind,
    SharingLevel,
    Suspect,
    parse_partial_date,
)
from cases.services import (
    asset_create,
    asset_update,
    case_create,
    case_event_record,
    case_set_sharing,
    case_update,
    note_create,
    note_update,
    suspect_create,
    suspect_update,
)
from config.errors import ConflictError, PolicyError


def test_case_create_takes_agency_and_reference_from_the_actor(alice, own, outsider):
    with pytest.raises(ValidationError):
        case_create(by=alice, title="x", agency=outsider)
    with pytest.raises(ValidationError):
        case_create(by=alice, title="x", reference="XX-1")
    with pytest.raises(ValidationError):
        case_create(by=alice, title="x", version=99)
    assert not Case.objects.exists()


def test_case_create_refuses_a_lead_of_another_agency(alice, charlie):
    with pytest.raises(ValidationError) as exc:
        case_create(by=alice, title="x", lead_investigator=charlie)
    assert "lead_investigator" in exc.value.message_dict
    assert not Case.objects.exists()


def test_case_create_rejects_impossible_values(alice):
    tomorrow = timezone.localdate() + timedelta(days=1)
    for bad in (
        {"opened_on": tomorrow},
        {"reported_loss_amount": Decimal("-1"), "reported_loss_currency": "USD"},
        {"reported_loss_amount": Decimal("10"), "reported_loss_currency": "XYZ"},
        {"reported_loss_amount": Decimal("10")},
    ):
        with pytest.raises(ValidationError):
            case_create(by=alice, title="x", **bad)
    assert not Case.objects.exists()


def test_references_follow_country_and_year(make_case):
    a, b = make_case(), make_case()
    year = timezone.localdate().year
    assert a.reference == f"VN-{year}-00001"
    assert b.reference == f"VN-{year}-00002"


def test_case_update_bumps_version_and_keeps_history(make_case, alice):
    case = make_case()
    case = case_update(case=case, by=alice, expected_version=1, title="New title")
    assert case.version == 2
    assert case.history.count() == 2
    assert case.history.first().history_user == alice


def test_second_concurrent_save_is_refused_and_the_first_kept(make_case, alice, bob):
    case = make_case()
    case_update(case=case, by=alice, expected_version=1, title="Alice's", status="referred")
    with pytest.raises(ConflictError) as exc:
        case_update(case=case, by=bob, expected_version=1, title="Bob's")
    assert exc.value.changes == {"title": "Alice's", "status": "referred"}
    assert exc.value.version == 2
    case.refresh_from_db()
    assert case.title == "Alice's"
    assert case.version == 2


def test_case_update_refuses_fields_outside_the_allow_list(make_case, alice, outsider):
    case = make_case()
    for field, value in (
        ("agency", outsider),
        ("reference", "X"),
        ("version", 10),
        ("sharing_level", SharingLevel.NETWORK),
    ):
        with pytest.raises(ValidationError):
            case_update(case=case, by=alice, expected_version=1, **{field: value})
    case.refresh_from_db()
    assert (case.agency.code, case.version, case.sharing_level) == ("own", 1, "restricted")


def test_only_owning_editors_update(make_case, own_users, partner_users, partner):
    case = make_case(sharing_level=SharingLevel.SHARED, shared_with=[partner])
    for user in (own_users["analyst"], own_users["liaison"], partner_users["investigator"]):
        with pytest.raises(PolicyError):
            case_update(case=case, by=user, expected_version=1, title="no")
    assert case_update(case=case, by=own_users["supervisor"], expected_version=1, title="y")


def test_sharing_change_is_in_the_timeline(make_case, alice, partner):
    case = make_case()
    case_set_sharing(
        case=case,
        level=SharingLevel.SHARED,
        agencies=[partner],
        by=alice,
        expected_version=case.version,
    )
    event = CaseNote.objects.get(case=case)
    assert event.kind == NoteKind.EVENT
    assert event.text == (
        "Sharing: Restricted — own agency only → Shared — plus the agencies named\n"
        f"Shared with {partner} added"
    )
    assert event.author == alice


def test_a_sharing_change_of_agencies_only_reads_what_changed(make_case, alice, partner, outsider):
    case = make_case(sharing_level=SharingLevel.SHARED, shared_with=[partner])
    case_set_sharing(
        case=case,
        level=SharingLevel.SHARED,
        agencies=[outsider],
        by=alice,
        expected_version=case.version,
    )
    event = CaseNote.objects.get(case=case, kind=NoteKind.EVENT)
    assert event.text == f"Shared with {outsider} added\nShared with {partner} removed"
    assert "Shared to Shared" not in event.text and "→" not in event.text


def test_sharing_by_others_is_refused(make_case, own_users):
    case = make_case()
    with pytest.raises(PolicyError):
        case_set_sharing(
            case=case,
            level=SharingLevel.NETWORK,
            by=own_users["analyst"],
            expected_version=case.version,
        )
    assert not CaseNote.objects.exists()


def test_event_record_is_public(make_case, bob):
    case = make_case()
    note = case_event_record(case=case, text="Access granted to X.", by=bob)
    assert note.kind == NoteKind.EVENT
    with pytest.raises(PolicyError):
        note_update(note=note, by=bob, text="rewritten")


def test_partial_dates_of_birth():
    assert parse_partial_date("1985") == (1985, None, None)
    assert parse_partial_date("1985-03") == (1985, 3, None)
    assert parse_partial_date("1985-03-09") == (1985, 3, 9)
    assert parse_partial_date("") == (None, None, None)
    future = str(timezone.localdate().year + 1)
    # Digits of other kinds pass str.isdigit() but not int(): "1985-0³" was a ValueError (500).
    for bad in ("85", "1985-13", "1985-02-30", future, "1985/03/01", "x", "1985-0³", "١٩٨٥"):
        with pytest.raises(ValidationError):
            parse_partial_date(bad)


def test_suspect_in_any_script(make_case, alice):
    case = make_case()
    suspect = suspect_create(
        case=case,
        by=alice,
        full_name="Nguyễn Văn An",
        aliases=["张伟", "An Nguyen"],
        birth_year=1985,
        birth_month=3,
        nationalities=["VN"],
        documents=[{"type": "passport", "country": "vn", "number": "B1234567"}],
    )
    suspect.refresh_from_db()
    assert suspect.date_of_birth == "1985-03"
    assert suspect.aliases == ["张伟", "An Nguyen"]
    assert suspect.documents[0]["country"] == "VN"


def test_suspect_bad_input_stores_nothing(make_case, alice):
    case = make_case()
    for bad in (
        {"aliases": "not a list"},
        {"documents": [{"number": ""}]},
        {"documents": [{"type": "passport", "country": "ZZ", "number": "1"}]},
        {"birth_day": 3},
        {"role": "boss"},
    ):
        with pytest.raises(ValidationError):
            suspect_create(case=case, by=alice, full_name="X", **bad)
    assert not Suspect.objects.exists()


def test_asset_status_change_is_dated(make_case, alice):
    case = make_case()
    asset = asset_create(
        case=case,
        by=alice,
        kind="bank_account",
        amount=Decimal("1500.00"),
        currency="usd",
        status_changed_on=timezone.localdate() - timedelta(days=10),
    )
    assert asset.currency == "USD"
    asset = asset_update(asset=asset, by=alice, expected_version=1, status=AssetStatus.FROZEN)
    assert asset.status_changed_on == timezone.localdate()
    assert [h.status for h in asset.history.order_by("history_date")] == ["traced", "frozen"]


def test_suspect_update_bumps_version_and_keeps_history(make_case, alice):
    suspect = suspect_create(case=make_case(), by=alice, full_name="Zhang Wei")
    suspect = suspect_update(suspect=suspect, by=alice, expected_version=1, status="arrested")
    assert suspect.version == 2
    assert [h.version for h in suspect.history.order_by("history_date")] == [1, 2]


def test_second_concurrent_suspect_save_is_refused_and_the_first_kept(make_case, alice, bob):
    suspect = suspect_create(case=make_case(), by=alice, full_name="Zhang Wei", birth_year=1980)
    suspect_update(
        suspect=suspect,
        by=alice,
        expected_version=1,
        status="arrested",
        birth_month=4,
        nationalities=["CN", "MM"],
    )
    with pytest.raises(ConflictError) as exc:
        suspect_update(suspect=suspect, by=bob, expected_version=1, full_name="Bob's name")
    assert exc.value.changes == {
        "birth_month": 4,
        "nationalities": ["CN", "MM"],
        "status": "arrested",
    }
    assert exc.value.version == 2
    assert "suspect" in str(exc.value)
    suspect.refresh_from_db()
    assert (suspect.full_name, suspect.status, suspect.version) == ("Zhang Wei", "arrested", 2)
    assert suspect.history.count() == 2
    # Saved again at the version the conflict reported, Bob's change goes through.
    suspect = suspect_update(suspect=suspect, by=bob, expected_version=2, full_name="Bob's name")
    assert (suspect.full_name, suspect.status, suspect.version) == ("Bob's name", "arrested", 3)


def test_second_concurrent_asset_save_is_refused_and_the_first_kept(make_case, alice, bob):
    asset = asset_create(
        case=make_case(), by=alice, kind="cash", amount=Decimal("10"), currency="USD"
    )
    asset_update(asset=asset, by=alice, expected_version=1, status=AssetStatus.FROZEN)
    with pytest.raises(ConflictError) as exc:
        asset_update(asset=asset, by=bob, expected_version=1, amount=Decimal("99"))
    assert exc.value.changes == {"status": "frozen"}
    assert exc.value.version == 2
    assert "asset" in str(exc.value)
    asset.refresh_from_db()
    assert (asset.amount, asset.status, asset.version) == (Decimal("10"), "frozen", 2)
    assert asset.history.count() == 2


def test_suspect_and_asset_versions_come_only_from_the_service(make_case, alice):
    case = make_case()
    with pytest.raises(ValidationError):
        suspect_create(case=case, by=alice, full_name="X", version=7)
    with pytest.raises(ValidationError):
        asset_create(case=case, by=alice, kind="cash", version=7)
    suspect = suspect_create(case=case, by=alice, full_name="X")
    asset = asset_create(case=case, by=alice, kind="cash")
    with pytest.raises(ValidationError):
        suspect_update(suspect=suspect, by=alice, expected_version=1, version=7)
    with pytest.raises(ValidationError):
        asset_update(asset=asset, by=alice, expected_version=1, version=7)
    suspect.refresh_from_db()
    asset.refresh_from_db()
    assert (suspect.version, asset.version) == (1, 1)


def test_asset_rejects_negative_and_unknown_currency(make_case, alice):
    case = make_case()
    for bad in (
        {"amount": Decimal("-5"), "currency": "USD"},
        {"amount": Decimal("5"), "currency": "ABC"},
        {"amount": Decimal("5")},
        {"status_changed_on": timezone.localdate() + timedelta(days=2)},
    ):
        with pytest.raises(ValidationError):
            asset_create(case=case, by=alice, **bad)
    assert not Asset.objects.exists()


def test_note_edit_keeps_the_previous_text(make_case, alice):
    case = make_case()
    note = note_create(case=case, by=alice, text="First")
    note_update(note=note, by=alice, text="Second")
    assert [h.text for h in note.history.order_by("history_date")] == ["First", "Second"]


def test_case_file_scoped_by_visibility_and_role(
    make_case, alice, own_users, partner_users, outsider_users, partner
):
    case = make_case(sharing_level=SharingLevel.SHARED, shared_with=[partner])
    suspect = suspect_create(case=case, by=alice, full_name="X")
    assert list(access.visible_suspects(partner_users["analyst"])) == [suspect]
    assert not access.visible_suspects(own_users["liaison"]).exists()
    assert not access.visible_suspects(outsider_users["investigator"]).exists()
    assert access.get_suspect_for_user(partner_users["investigator"], suspect.pk) == suspect
    for user, write in (
        (partner_users["investigator"], True),
        (own_users["liaison"], False),
        (outsider_users["supervisor"], False),
    ):
        with pytest.raises(Http404):
            access.get_suspect_for_user(user, suspect.pk, write=write)


def test_a_case_joins_only_an_operation_its_agency_accepted(own, partner, partner_users):
    from cases.models import JointOperation, OperationParticipant, ParticipationStatus

    operation = JointOperation.objects.create(name="Op Reef", code="reef", lead_agency=own)
    participation = OperationParticipant.objects.create(
        operation=operation, agency=partner, status=ParticipationStatus.INVITED
    )
    with pytest.raises(ValidationError, match="does not take part"):
        case_create(by=partner_users["investigator"], title="Invited only", operation=operation)
    participation.status = ParticipationStatus.ACCEPTED
    participation.save()
    case = case_create(by=partner_users["investigator"], title="Member", operation=operation)
    assert case.operation == operation


def test_a_suspect_recorded_afterwards_dates_their_history(make_case, alice):
    case = make_case()
    then = timezone.now() - timedelta(days=40)
    suspect = suspect_create(
        case=case, by=alice, full_name="Arrested last month", status="arrested", recorded_at=then
    )
    assert suspect.history.get().history_date == then
    with pytest.raises(ValidationError):
        suspect_create(
            case=case,
            by=alice,
            full_name="Not yet",
            recorded_at=timezone.now() + timedelta(days=1),
        )
