"""The case pages: list, detail, forms for cases, suspects, assets and notes, sharing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Asset, AssetStatus, Case, CaseNote, NoteKind, SharingLevel, Suspect
from cases.services import asset_create, case_update, note_create, suspect_create
from indicators.services import indicator_add

EDITORS = ["investigator", "supervisor"]
NON_EDITORS = ["analyst", "liaison", "admin"]


def case_post(**overrides) -> dict:
    data = {
        "title": "Task scam via Telegram",
        "summary": "Victims paid to unlock tasks.",
        "fraud_type": "job_scam",
        "status": "open",
        "countries": ["VN", "KH"],
        "reported_loss_amount": "12500.50",
        "reported_loss_currency": "USD",
        "opened_on": timezone.localdate().isoformat(),
    }
    data.update(overrides)
    return data


@pytest.fixture
def case(make_case, alice):
    case = make_case(title="Scam compound", countries=["VN", "KH"])
    suspect_create(case=case, by=alice, full_name="Nguyễn Văn An", aliases=["An"])
    asset_create(
        case=case,
        by=alice,
        kind="crypto",
        amount=Decimal("10"),
        currency="USD",
        description="USDT on TRON wallet",
    )
    return case


# --- list ------------------------------------------------------------------------------------


def test_list_search_filters_and_sort(client, make_case, alice):
    a = make_case(title="Romance in Hanoi", fraud_type="romance", countries=["VN"])
    b = make_case(title="Crypto bait", fraud_type="crypto", countries=["TH", "KH"])
    case_update(
        case=b, by=alice, expected_version=1, status="closed", closed_on=timezone.localdate()
    )
    client.force_login(alice)
    url = reverse("cases:list")

    def refs(**params):
        html = client.get(url, params).content.decode()
        return {c.reference for c in (a, b) if c.reference in html}

    assert refs() == {a.reference, b.reference}
    assert refs(q="hanoi") == {a.reference}
    assert refs(q=b.reference) == {b.reference}
    assert refs(status="closed") == {b.reference}
    assert refs(fraud_type="romance") == {a.reference}
    assert refs(country="KH") == {b.reference}
    assert refs(country="TH") == {b.reference}
    assert refs(country="VN") == {a.reference}
    assert refs(sharing_level="network") == set()
    html = client.get(url, {"sort": "title"}).content.decode()
    assert html.index(b.reference) < html.index(a.reference)
    html = client.get(url, {"sort": "-title"}).content.decode()
    assert html.index(a.reference) < html.index(b.reference)


def test_list_my_cases(client, make_case, alice, bob):
    mine = make_case(title="Mine")
    theirs = make_case(by=bob, title="Bob's")
    client.force_login(alice)
    html = client.get(reverse("cases:list"), {"mine": "on"}).content.decode()
    assert mine.reference in html and theirs.reference not in html


def test_list_bad_filter_values_are_ignored_not_errors(client, make_case, alice):
    case = make_case()
    client.force_login(alice)
    response = client.get(reverse("cases:list"), {"status": "nope", "sort": "password"})
    assert response.status_code == 200
    # An invalid filter is dropped: the list answers unfiltered instead of failing.
    assert case.reference in response.content.decode()


def test_list_is_paginated(client, make_case, alice):
    for i in range(30):
        make_case(title=f"case {i}")
    client.force_login(alice)
    response = client.get(reverse("cases:list"))
    assert len(response.context["page"].object_list) == 25
    assert response.context["page"].paginator.count == 30


def test_list_search_by_indicator_value(
    client, make_case, alice, own_users, partner_users, partner
):
    hit = make_case(title="Phone case", sharing_level=SharingLevel.SHARED, shared_with=[partner])
    miss = make_case(title="Other case", sharing_level=SharingLevel.SHARED, shared_with=[partner])
    indicator_add(case=hit, by=alice, kind="phone", value="+84 912 345 678")
    indicator_add(case=miss, by=alice, kind="email", value="boss@scam-mail.com")
    url = reverse("cases:list")
    for user in (alice, partner_users["analyst"]):
        client.force_login(user)
        for query in ("912 345 678", "+84912345678"):
            html = client.get(url, {"q": query}).content.decode()
            assert hit.reference in html and miss.reference not in html
    # The liaison does not read the case file: an indicator value finds nothing for them.
    client.force_login(own_users["liaison"])
    assert hit.reference not in client.get(url, {"q": "+84912345678"}).content.decode()


@pytest.mark.parametrize("params", [{"q": "case", "sort": "-loss"}, {"q": "+84912345"}])
def test_list_makes_as_many_queries_for_2n_cases(
    client, make_case, alice, own_users, params, same_queries_for_n_and_2n
):
    def add_cases(n: int) -> None:
        for _ in range(n):
            i = Case.objects.count()
            case = make_case(
                by=own_users["supervisor"],
                title=f"case {i}",
                countries=["VN"],
                lead_investigator=alice,
                reported_loss_amount=Decimal(1000 + i),
                reported_loss_currency="USD",
            )
            suspect_create(case=case, by=alice, full_name=f"Suspect {i}")
            suspect_create(case=case, by=alice, full_name=f"Other {i}")
            indicator_add(case=case, by=alice, kind="phone", value=f"+84 912 345 {i:03d}")

    client.force_login(alice)
    url = reverse("cases:list")
    same_queries_for_n_and_2n(lambda: client.get(url, params), add_cases)
    response = client.get(url, params)
    assert response.context["page"].paginator.count == 8
    assert response.content.decode().count(f"<td>{alice.display_name}</td>") == 8


def test_detail_query_count_is_bounded(client, make_case, alice, django_assert_max_num_queries):
    case = make_case()
    for i in range(30):
        indicator_add(case=case, by=alice, kind="phone", value=f"+84 912 345 {i:03d}")
        suspect_create(case=case, by=alice, full_name=f"Suspect {i}")
        asset_create(case=case, by=alice, kind="cash", amount=Decimal(i), currency="THB")
        note_create(case=case, by=alice, text=f"note {i}")
    client.force_login(alice)
    # 31 with 3 or with 30 of each (no query per row): the file, the hits, person and wanted
    # matches, what is still pending for the live sections, the money trail, the timeline,
    # the navigation bar's unread count.
    with django_assert_max_num_queries(31):
        response = client.get(reverse("cases:detail", args=[case.pk]))
    assert response.status_code == 200
    assert "Suspect 29" in response.content.decode()


# --- detail -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["investigator", "analyst", "supervisor"])
def test_detail_shows_the_case_file(client, case, own_users, role):
    client.force_login(own_users[role])
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Nguyễn Văn An" in html
    assert "USDT on TRON" in html
    assert ("Add suspect" in html) == (role in EDITORS)


def test_liaison_sees_the_case_but_not_the_suspects(client, case, own_users):
    client.force_login(own_users["liaison"])
    response = client.get(reverse("cases:detail", args=[case.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nguyễn Văn An" not in html and "USDT on TRON" not in html


def test_partner_reads_a_shared_case_without_edit_buttons(
    client, case, alice, partner, partner_users
):
    from cases.services import case_set_sharing

    case_set_sharing(
        case=case,
        level=SharingLevel.SHARED,
        agencies=[partner],
        by=alice,
        expected_version=case.version,
    )
    client.force_login(partner_users["investigator"])
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Nguyễn Văn An" in html
    assert "Add suspect" not in html and "Edit case" not in html


def test_timeline_shows_who_changed_what(client, case, alice, bob):
    case_update(case=case, by=bob, expected_version=1, title="Renamed compound")
    note_create(case=case, by=alice, text="Called the bank.")
    client.force_login(alice)
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Scam compound</del> → Renamed compound" in html
    assert "Called the bank." in html
    assert bob.display_name in html


# --- create and edit a case ---------------------------------------------------------------


@pytest.mark.parametrize("role", EDITORS)
def test_editors_create_a_case(client, own_users, role):
    user = own_users[role]
    client.force_login(user)
    response = client.post(reverse("cases:create"), case_post())
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[case.pk])
    assert case.agency == user.agency
    assert case.reported_loss_amount == Decimal("12500.50")
    assert sorted(c.code for c in case.countries) == ["KH", "VN"]
    assert case.lead_investigator == user


@pytest.mark.parametrize("role", NON_EDITORS)
def test_other_roles_cannot_create(client, own_users, role):
    client.force_login(own_users[role])
    assert client.get(reverse("cases:create")).status_code == 404
    assert client.post(reverse("cases:create"), case_post()).status_code == 404
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"reported_loss_amount": "-5"}, "reported_loss_amount", "greater than or equal to 0"),
        ({"reported_loss_currency": "XYZ"}, "reported_loss_currency", "valid choice"),
        ({"reported_loss_currency": ""}, "reported_loss_currency", "Give the currency"),
        (
            {"opened_on": (timezone.localdate() + timedelta(days=3)).isoformat()},
            "opened_on",
            "future",
        ),
        ({"title": ""}, "title", "required"),
        ({"fraud_type": "lottery"}, "fraud_type", "valid choice"),
        ({"countries": ["XX"]}, "countries", "valid choice"),
    ],
)
def test_bad_case_input_is_refused_with_a_message(client, alice, overrides, field, message):
    client.force_login(alice)
    response = client.post(reverse("cases:create"), case_post(**overrides))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Case.objects.exists()


def test_mass_assignment_on_create_changes_nothing_it_may_not(
    client, alice, outsider, outsider_users
):
    client.force_login(alice)
    client.post(
        reverse("cases:create"),
        case_post(
            agency=outsider.pk,
            owner=outsider_users["investigator"].pk,
            reference="NG-1999-00001",
            version=42,
            sharing_level="network",
        ),
    )
    case = Case.objects.get()
    assert case.agency == alice.agency
    assert case.reference.startswith("VN-")
    assert case.version == 1
    assert case.sharing_level == SharingLevel.RESTRICTED


def test_lead_investigator_of_another_agency_is_refused(client, alice, charlie):
    client.force_login(alice)
    response = client.post(reverse("cases:create"), case_post(lead_investigator=charlie.pk))
    assert "lead_investigator" in response.context["form"].errors
    assert not Case.objects.exists()


def test_edit_a_case(client, case, bob):
    client.force_login(bob)
    url = reverse("cases:edit", args=[case.pk])
    form = client.get(url).context["form"]
    assert form["version"].value() == 1
    response = client.post(url, case_post(title="Renamed", version=1, lead_investigator=bob.pk))
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.title, case.version, case.lead_investigator) == ("Renamed", 2, bob)


def test_edit_mass_assignment_changes_nothing_it_may_not(client, case, alice, outsider):
    client.force_login(alice)
    client.post(
        reverse("cases:edit", args=[case.pk]),
        case_post(version=1, agency=outsider.pk, reference="X", sharing_level="network"),
    )
    case.refresh_from_db()
    assert case.agency.code == "own"
    assert case.reference.startswith("VN-")
    assert case.sharing_level == SharingLevel.RESTRICTED


def test_concurrent_edit_second_save_refused_first_kept(client, case, alice, bob):
    url = reverse("cases:edit", args=[case.pk])
    client.force_login(alice)
    response = client.post(url, case_post(title="Alice's title", status="referred", version=1))
    assert response.status_code == 302
    client.force_login(bob)
    response = client.post(url, case_post(title="Bob's title", version=1))
    assert response.status_code == 200
    error = " ".join(response.context["form"].non_field_errors())
    assert "NOT saved" in error
    assert "Alice's title" in error and "Referred" in error
    assert response.context["form"]["version"].value() == "2"
    case.refresh_from_db()
    assert (case.title, case.status, case.version) == ("Alice's title", "referred", 2)


def test_concurrent_edit_names_changed_countries(client, case, alice, bob):
    url = reverse("cases:edit", args=[case.pk])
    client.force_login(alice)
    assert client.post(url, case_post(countries=["TH", "MM"], version=1)).status_code == 302
    client.force_login(bob)
    response = client.post(url, case_post(title="Bob's title", version=1))
    assert response.status_code == 200
    error = " ".join(response.context["form"].non_field_errors())
    assert "Countries: now “MM, TH”" in error or "Countries: now “TH, MM”" in error
    case.refresh_from_db()
    assert (case.title, sorted(c.code for c in case.countries), case.version) == (
        "Task scam via Telegram",
        ["MM", "TH"],
        2,
    )


@pytest.mark.parametrize("role", NON_EDITORS)
def test_other_roles_cannot_edit(client, case, own_users, role):
    client.force_login(own_users[role])
    url = reverse("cases:edit", args=[case.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, case_post(title="x", version=1)).status_code == 404
    case.refresh_from_db()
    assert case.title == "Scam compound"


def test_partner_cannot_edit_a_shared_case(client, make_case, partner, partner_users):
    case = make_case(sharing_level=SharingLevel.SHARED, shared_with=[partner])
    client.force_login(partner_users["supervisor"])
    assert (
        client.post(reverse("cases:edit", args=[case.pk]), case_post(version=1)).status_code == 404
    )


# --- sharing ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", EDITORS)
def test_sharing_is_set_and_recorded(client, case, own_users, partner, role):
    client.force_login(own_users[role])
    url = reverse("cases:sharing", args=[case.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"sharing_level": "shared", "shared_with": [partner.pk], "version": 1}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.sharing_level == "shared"
    assert list(case.shared_with.all()) == [partner]
    assert CaseNote.objects.filter(case=case, kind=NoteKind.EVENT).count() == 1


def test_shared_needs_an_agency(client, case, alice):
    client.force_login(alice)
    response = client.post(
        reverse("cases:sharing", args=[case.pk]), {"sharing_level": "shared", "version": 1}
    )
    assert "shared_with" in response.context["form"].errors
    case.refresh_from_db()
    assert case.sharing_level == "restricted"


@pytest.mark.parametrize("role", NON_EDITORS)
def test_sharing_by_other_roles_is_404(client, case, own_users, role):
    client.force_login(own_users[role])
    url = reverse("cases:sharing", args=[case.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"sharing_level": "network", "version": 1}).status_code == 404
    case.refresh_from_db()
    assert case.sharing_level == "restricted"


# --- suspects, assets, notes --------------------------------------------------------------


def test_add_a_suspect(client, case, alice):
    client.force_login(alice)
    response = client.post(
        reverse("cases:suspect_create", args=[case.pk]),
        {
            "full_name": "สมชาย ใจดี",
            "aliases": "Somchai Jaidee\nโจ",
            "date_of_birth": "1979",
            "nationalities": ["TH"],
            "documents": "passport; TH; AA1234567",
            "role": "recruiter",
            "status": "wanted",
            "notice_references": "Red Notice A-1234/5-2026",
        },
    )
    assert response.status_code == 302
    suspect = Suspect.objects.get(full_name="สมชาย ใจดี")
    assert suspect.aliases == ["Somchai Jaidee", "โจ"]
    assert suspect.date_of_birth == "1979"
    assert suspect.documents == [{"type": "passport", "country": "TH", "number": "AA1234567"}]


def test_add_a_suspect_with_htmx_returns_the_section(client, case, alice):
    client.force_login(alice)
    url = reverse("cases:suspect_create", args=[case.pk])
    form = client.get(url, headers={"HX-Request": "true"})
    assert 'hx-post="' + url in form.content.decode()
    assert "<html" not in form.content.decode()
    response = client.post(
        url,
        {"full_name": "张伟", "role": "organiser", "status": "at_large"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "张伟" in html and "Nguyễn Văn An" in html and "<html" not in html
    assert Suspect.objects.filter(case=case).count() == 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"date_of_birth": str(timezone.localdate().year + 1)}, "date_of_birth"),
        ({"date_of_birth": "1985-02-30"}, "date_of_birth"),
        ({"date_of_birth": "03/1985"}, "date_of_birth"),
        ({"documents": "passport AA1"}, "documents"),
        ({"documents": "passport; QQ; 1"}, "documents"),
        ({"full_name": ""}, "full_name"),
    ],
)
def test_bad_suspect_input_stores_nothing(client, case, alice, data, field):
    client.force_login(alice)
    post = {"full_name": "X", "role": "other", "status": "at_large", **data}
    for headers in ({}, {"HX-Request": "true"}):
        response = client.post(
            reverse("cases:suspect_create", args=[case.pk]), post, headers=headers
        )
        assert response.status_code == 200
        assert field in response.context["form"].errors
        assert "invalid-feedback" in response.content.decode()
    assert Suspect.objects.filter(case=case).count() == 1


def test_edit_a_suspect(client, case, alice):
    suspect = case.suspects.get()
    client.force_login(alice)
    url = reverse("cases:suspect_edit", args=[suspect.pk])
    assert client.get(url).context["form"]["full_name"].value() == "Nguyễn Văn An"
    response = client.post(
        url,
        {
            "full_name": "Nguyễn Văn An",
            "status": "arrested",
            "role": "organiser",
            "date_of_birth": "1985-03-09",
            "aliases": "An\nAnh Ba",
            "version": 1,
        },
    )
    assert response.status_code == 302
    suspect.refresh_from_db()
    assert (suspect.status, suspect.date_of_birth) == ("arrested", "1985-03-09")
    assert suspect.history.count() == 2


def suspect_post(**overrides) -> dict:
    data = {"full_name": "Nguyễn Văn An", "aliases": "An", "role": "other", "status": "at_large"}
    data.update(overrides)
    return data


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}])
def test_concurrent_suspect_edit_is_refused_shown_and_can_be_saved_again(
    client, case, alice, bob, headers
):
    suspect = case.suspects.get()
    url = reverse("cases:suspect_edit", args=[suspect.pk])
    client.force_login(bob)
    assert client.get(url).context["form"]["version"].value() == 1
    # Alice saves first, from her own form.
    client.force_login(alice)
    response = client.post(
        url,
        suspect_post(
            status="arrested",
            nationalities=["VN", "KH"],
            documents="passport; VN; C1234567",
            version=1,
        ),
    )
    assert response.status_code == 302
    # Bob's form was opened at version 1: his save is refused, his input kept.
    client.force_login(bob)
    response = client.post(
        url,
        suspect_post(full_name="Nguyen Van An", date_of_birth="1985", version=1),
        headers=headers,
    )
    assert response.status_code == 200
    html = response.content.decode()
    form = response.context["form"]
    error = " ".join(form.non_field_errors())
    assert "this suspect" in error and "NOT saved" in error
    assert "Status: now “Arrested”" in error
    assert "Documents: now “passport VN C1234567”" in error
    assert "Nationalities: now “KH, VN”" in error or "Nationalities: now “VN, KH”" in error
    assert "Full name" not in error
    assert "NOT saved" in html
    assert form["full_name"].value() == "Nguyen Van An"
    assert form["date_of_birth"].value() == "1985"
    assert form["version"].value() == "2"
    assert 'name="version" value="2"' in html
    suspect.refresh_from_db()
    assert (suspect.full_name, suspect.status, suspect.birth_year, suspect.version) == (
        "Nguyễn Văn An",
        "arrested",
        None,
        2,
    )
    # Having seen what changed, Bob saves again at the current version: it goes through.
    response = client.post(
        url,
        suspect_post(full_name="Nguyen Van An", date_of_birth="1985", status="arrested", version=2),
        headers=headers,
    )
    assert response.status_code == (200 if headers else 302)
    suspect.refresh_from_db()
    assert (suspect.full_name, suspect.status, suspect.birth_year, suspect.version) == (
        "Nguyen Van An",
        "arrested",
        1985,
        3,
    )


def test_suspect_form_without_a_version_is_refused_and_offered_the_current(client, case, alice):
    suspect = case.suspects.get()
    client.force_login(alice)
    response = client.post(
        reverse("cases:suspect_edit", args=[suspect.pk]), suspect_post(full_name="Overwritten")
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "Send the version you read" in " ".join(form.non_field_errors())
    assert form["version"].value() == "1"  # saving again is a deliberate choice
    suspect.refresh_from_db()
    assert (suspect.full_name, suspect.version) == ("Nguyễn Văn An", 1)


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}])
def test_concurrent_asset_edit_is_refused_shown_and_can_be_saved_again(
    client, case, alice, bob, headers
):
    asset = case.assets.get()
    url = reverse("cases:asset_edit", args=[asset.pk])
    post = {
        "kind": "crypto",
        "amount": "10",
        "currency": "USD",
        "status": "traced",
        "description": "USDT on TRON wallet",
    }
    client.force_login(bob)
    assert client.get(url).context["form"]["version"].value() == 1
    client.force_login(alice)
    assert client.post(url, {**post, "status": "frozen", "version": 1}).status_code == 302
    client.force_login(bob)
    mine = {**post, "description": "Bob's note on the wallet", "version": 1}
    response = client.post(url, mine, headers=headers)
    assert response.status_code == 200
    form = response.context["form"]
    error = " ".join(form.non_field_errors())
    assert "this asset" in error and "Status: now “Frozen”" in error
    assert "NOT saved" in response.content.decode()
    assert form["description"].value() == "Bob's note on the wallet"
    assert form["version"].value() == "2"
    asset.refresh_from_db()
    assert (asset.description, asset.status, asset.version) == ("USDT on TRON wallet", "frozen", 2)
    response = client.post(url, {**mine, "status": "frozen", "version": 2}, headers=headers)
    assert response.status_code == (200 if headers else 302)
    asset.refresh_from_db()
    assert (asset.description, asset.status, asset.version) == (
        "Bob's note on the wallet",
        "frozen",
        3,
    )


def test_add_and_move_an_asset(client, case, alice):
    client.force_login(alice)
    response = client.post(
        reverse("cases:asset_create", args=[case.pk]),
        {
            "kind": "bank_account",
            "amount": "250000000",
            "currency": "VND",
            "status": "traced",
            "description": "Vietcombank account",
        },
    )
    assert response.status_code == 302
    asset = Asset.objects.get(currency="VND")
    response = client.post(
        reverse("cases:asset_edit", args=[asset.pk]),
        {
            "kind": "bank_account",
            "amount": "250000000",
            "currency": "VND",
            "status": "frozen",
            "version": 1,
        },
    )
    assert response.status_code == 302
    asset.refresh_from_db()
    assert asset.status == AssetStatus.FROZEN
    assert asset.status_changed_on == timezone.localdate()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"amount": "-1", "currency": "USD"}, "amount"),
        ({"amount": "1", "currency": "ZZZ"}, "currency"),
        ({"amount": "1", "currency": ""}, "currency"),
        (
            {"status_changed_on": (timezone.localdate() + timedelta(days=1)).isoformat()},
            "status_changed_on",
        ),
        ({"amount": "1.5e400", "currency": "USD"}, "amount"),
    ],
)
def test_bad_asset_input_stores_nothing(client, case, alice, data, field):
    client.force_login(alice)
    post = {"kind": "cash", "status": "traced", **data}
    response = client.post(reverse("cases:asset_create", args=[case.pk]), post)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Asset.objects.filter(case=case).count() == 1


def test_notes_add_and_edit_keep_history(client, case, alice):
    client.force_login(alice)
    response = client.post(
        reverse("cases:note_create", args=[case.pk]),
        {"text": "Bank replied."},
        headers={"HX-Request": "true"},
    )
    assert "Bank replied." in response.content.decode()
    note = CaseNote.objects.get(case=case)
    client.post(reverse("cases:note_edit", args=[note.pk]), {"text": "Bank replied: frozen."})
    note.refresh_from_db()
    assert note.text == "Bank replied: frozen."
    assert [h.text for h in note.history.order_by("history_date")] == [
        "Bank replied.",
        "Bank replied: frozen.",
    ]
    assert (
        client.post(reverse("cases:note_create", args=[case.pk]), {"text": ""}).status_code == 200
    )
    assert CaseNote.objects.filter(case=case).count() == 1


def test_events_are_not_edited(client, case, alice):
    from cases.services import case_event_record

    event = case_event_record(case=case, text="Access granted", by=alice)
    client.force_login(alice)
    assert client.get(reverse("cases:note_edit", args=[event.pk])).status_code == 404


@pytest.mark.parametrize("role", NON_EDITORS)
def test_other_roles_cannot_write_the_case_file(client, case, own_users, role):
    client.force_login(own_users[role])
    suspect, asset = case.suspects.get(), case.assets.get()
    note = note_create(case=case, by=own_users["investigator"], text="n")
    for url in (
        reverse("cases:suspect_create", args=[case.pk]),
        reverse("cases:asset_create", args=[case.pk]),
        reverse("cases:note_create", args=[case.pk]),
        reverse("cases:suspect_edit", args=[suspect.pk]),
        reverse("cases:asset_edit", args=[asset.pk]),
        reverse("cases:note_edit", args=[note.pk]),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, {"full_name": "x", "text": "x", "kind": "cash"}).status_code == 404
    assert Suspect.objects.count() == 1 and Asset.objects.count() == 1


# --- the unrelated agency gets 404 everywhere ---------------------------------------------


@pytest.mark.parametrize("role", ["investigator", "analyst", "liaison", "supervisor", "admin"])
def test_outsider_gets_404_for_every_case_url(client, case, alice, outsider_users, role):
    note = note_create(case=case, by=alice, text="secret")
    suspect, asset = case.suspects.get(), case.assets.get()
    client.force_login(outsider_users[role])
    urls = [
        reverse("cases:detail", args=[case.pk]),
        reverse("cases:edit", args=[case.pk]),
        reverse("cases:sharing", args=[case.pk]),
        reverse("cases:suspect_create", args=[case.pk]),
        reverse("cases:asset_create", args=[case.pk]),
        reverse("cases:note_create", args=[case.pk]),
        reverse("cases:suspect_edit", args=[suspect.pk]),
        reverse("cases:asset_edit", args=[asset.pk]),
        reverse("cases:note_edit", args=[note.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"title": "x", "full_name": "x", "text": "x"}).status_code == 404
    assert "secret" not in client.get(reverse("cases:list")).content.decode()
    assert CaseNote.objects.count() == 1 and Suspect.objects.count() == 1


def test_anonymous_is_sent_to_login(client, case):
    for url in (
        reverse("cases:list"),
        reverse("cases:create"),
        reverse("cases:suspect_create", args=[case.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_operation_sharing_needs_a_joint_operation(client, case, alice):
    client.force_login(alice)
    response = client.post(
        reverse("cases:sharing", args=[case.pk]), {"sharing_level": "operation", "version": 1}
    )
    assert response.status_code == 200
    assert "joint operation" in " ".join(response.context["form"].errors["sharing_level"])
    case.refresh_from_db()
    assert (case.sharing_level, case.version) == ("restricted", 1)
    assert not CaseNote.objects.filter(kind=NoteKind.EVENT).exists()


ALL_ROLES = ["investigator", "analyst", "liaison", "supervisor", "admin"]


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("relation", ["own", "partner"])
def test_case_file_pages_per_role(
    client, case, alice, partner, own_users, partner_users, role, relation
):
    """Editors of the owning agency get the forms; everyone else who sees the case reads it;
    the shared-with agency never edits."""
    from cases.services import case_set_sharing

    case_set_sharing(
        case=case,
        level=SharingLevel.SHARED,
        agencies=[partner],
        by=alice,
        expected_version=case.version,
    )
    user = (own_users if relation == "own" else partner_users)[role]
    client.force_login(user)
    may_edit = relation == "own" and role in EDITORS
    for name in ("suspect_create", "asset_create", "note_create"):
        response = client.get(reverse(f"cases:{name}", args=[case.pk]))
        assert response.status_code == (200 if may_edit else 404)
    for name, obj in (("suspect_edit", case.suspects.get()), ("asset_edit", case.assets.get())):
        assert client.get(reverse(f"cases:{name}", args=[obj.pk])).status_code == (
            200 if may_edit else 404
        )
    detail = client.get(reverse("cases:detail", args=[case.pk]))
    assert detail.status_code == (404 if role == "admin" else 200)
    if detail.status_code == 200:
        html = detail.content.decode()
        assert ("Nguyễn Văn An" in html) == (role in {"investigator", "analyst", "supervisor"})


def test_inline_edit_with_htmx(client, case, alice):
    suspect, asset = case.suspects.get(), case.assets.get()
    client.force_login(alice)
    hx = {"HX-Request": "true"}
    url = reverse("cases:suspect_edit", args=[suspect.pk])
    html = client.get(url, headers=hx).content.decode()
    assert 'id="suspects"' in html and "<html" not in html
    assert 'value="Nguyễn Văn An"' in html
    response = client.post(
        url,
        {"full_name": "Nguyễn Văn An", "role": "organiser", "status": "convicted", "version": 1},
        headers=hx,
    )
    assert "Convicted" in response.content.decode()
    assert "<form" not in response.content.decode()
    response = client.post(
        reverse("cases:asset_edit", args=[asset.pk]),
        {"kind": "crypto", "amount": "-1", "currency": "USD", "status": "seized", "version": 1},
        headers=hx,
    )
    assert 'id="assets"' in response.content.decode()
    assert "greater than or equal to 0" in response.content.decode()
    asset.refresh_from_db()
    assert asset.status == "traced"
