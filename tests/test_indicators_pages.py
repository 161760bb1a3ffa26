"""Indicator and hit pages: what each side sees of a hit (hit/no-hit disclosure), htmx
forms, the hits page and access requests in the browser; 404 for the unrelated agency."""

import itertools

import pytest
from django.urls import reverse

import access
from cases.services import case_create, suspect_create
from indicators import services, xref
from indicators.models import AccessRequest, Hit, HitStatus, Indicator

WALLET = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
SECRETS = ["Secret compound case", "Victims paid via USDT to the boss", "Tran Van Boss"]


@pytest.fixture
def world(own_users, partner_users, outsider_users):
    alice = own_users["investigator"]
    ours = case_create(by=alice, title=SECRETS[0], summary=SECRETS[1])
    suspect_create(case=ours, by=alice, full_name=SECRETS[2])
    theirs = case_create(by=partner_users["investigator"], title="Thai victims of the same wallet")
    (indicator,) = services.indicators_add_batch(
        case=ours, by=alice, rows=[{"kind": "crypto_wallet", "chain": "tron", "value": WALLET}]
    )
    services.indicators_add_batch(
        case=theirs,
        by=partner_users["investigator"],
        rows=[{"kind": "crypto_wallet", "chain": "tron", "value": WALLET}],
    )
    xref.sweep()
    return {
        "ours": ours,
        "theirs": theirs,
        "indicator": indicator,
        "our_hit": Hit.objects.get(case=ours),
        "their_hit": Hit.objects.get(case=theirs),
    }


def test_the_other_agency_sees_who_holds_the_value_and_nothing_of_the_case(
    client, world, partner_users, own
):
    client.force_login(partner_users["investigator"])
    page = client.get(reverse("indicators:hits")).content.decode()
    assert WALLET in page
    assert own.name in page and own.contact_email in page
    for secret in [*SECRETS, world["ours"].reference]:
        assert secret not in page
    assert client.get(reverse("cases:detail", args=[world["ours"].pk])).status_code == 404
    case_page = client.get(reverse("cases:detail", args=[world["theirs"].pk])).content.decode()
    assert own.contact_email in case_page and SECRETS[0] not in case_page


def test_an_agency_holding_nothing_sees_nothing(client, world, charlie):
    client.force_login(charlie)
    page = client.get(reverse("indicators:hits")).content.decode()
    assert WALLET not in page and "No hits." in page
    assert WALLET not in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize("role", ["investigator", "analyst", "supervisor", "liaison", "admin"])
def test_the_unrelated_agency_gets_404_everywhere(client, world, outsider_users, own_users, role):
    ar = services.access_request_create(
        hit=world["their_hit"],
        by=world["theirs"].lead_investigator,
        agency=world["ours"].agency,
        reason="same wallet",
    )[0]
    client.force_login(outsider_users[role])
    ours, ind, hit = world["ours"], world["indicator"], world["our_hit"]
    for url in [
        reverse("indicators:add", args=[ours.pk]),
        reverse("indicators:batch", args=[ours.pk]),
        reverse("indicators:edit", args=[ind.pk]),
        reverse("indicators:delete", args=[ind.pk]),
        reverse("indicators:request_access", args=[hit.pk]),
        reverse("indicators:decide", args=[ar.pk]),
    ]:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"kind": "ip", "value": "1.2.3.4"}).status_code == 404, url
    assert (
        client.post(
            reverse("indicators:hit_status", args=[hit.pk]), {"status": "dismissed"}
        ).status_code
        == 404
    )
    assert Hit.objects.get(pk=hit.pk).status == HitStatus.NEW
    assert Indicator.objects.filter(pk=ind.pk).exists()
    assert AccessRequest.objects.get(pk=ar.pk).status == "pending"


def test_liaison_officers_and_admins_have_no_hits_page(client, world, own_users):
    for role in ["liaison", "admin"]:
        client.force_login(own_users[role])
        assert client.get(reverse("indicators:hits")).status_code == 404
        assert client.get(reverse("indicators:requests")).status_code == 404


def test_the_case_page_shows_indicators_and_hits_to_the_owner(client, world, alice, partner):
    client.force_login(alice)
    page = client.get(reverse("cases:detail", args=[world["ours"].pk])).content.decode()
    assert 'id="indicators"' in page and WALLET in page
    assert 'id="hits"' in page and partner.name in page and partner.contact_email in page


def test_adding_with_htmx_shows_the_normalised_value_or_the_reason(client, world, alice):
    client.force_login(alice)
    url = reverse("indicators:add", args=[world["ours"].pk])
    form = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<form" in form and 'name="value"' in form
    bad = client.post(
        url,
        {"kind": "phone", "value": "+84 12", "takedown_status": "active"},
        headers={"HX-Request": "true"},
    )
    assert bad.status_code == 200
    assert "not a valid phone number" in bad.content.decode()
    good = client.post(
        url,
        {"kind": "phone", "value": "0912 345 678", "takedown_status": "active"},
        headers={"HX-Request": "true"},
    )
    assert "Recorded as phone number +84912345678" in good.content.decode()
    assert Indicator.objects.filter(case=world["ours"], value__normalized="+84912345678").exists()


def test_a_batch_with_a_bad_line_saves_nothing(client, world, alice):
    client.force_login(alice)
    url = reverse("indicators:batch", args=[world["ours"].pk])
    response = client.post(url, {"lines": "ip, 203.0.113.5\nemail, not-an-email\n"})
    page = response.content.decode()
    assert "Line 2" in page and "Nothing was saved" in page
    assert not Indicator.objects.filter(value__normalized="203.0.113.5").exists()
    response = client.post(
        url, {"lines": "ip, 203.0.113.5\nsocial_handle, https://t.me/boss, telegram\n"}
    )
    assert response.status_code == 302
    assert Indicator.objects.filter(case=world["ours"]).count() == 3


def test_a_batch_line_without_its_kind_is_explained_by_its_line_number(client, world, alice):
    client.force_login(alice)
    url = reverse("indicators:batch", args=[world["ours"].pk])
    page = client.post(url, {"lines": "0912 345 678\n\nip, 203.0.113.5\nip, 999.1.1.1"}).content
    page = page.decode()
    assert "Line 1: expected `kind, value`" in page and "“0912 345 678” is not a kind" in page
    assert not Indicator.objects.filter(value__normalized="203.0.113.5").exists()
    # The service's errors name the line of the box too, blank lines counted.
    page = client.post(url, {"lines": "ip, 203.0.113.5\n\nip, 999.1.1.1"}).content.decode()
    assert "Line 3:" in page and "Line 2:" not in page


def test_a_stale_chain_choice_does_not_hide_the_values_error(client, world, alice):
    client.force_login(alice)
    response = client.post(
        reverse("indicators:add", args=[world["ours"].pk]),
        {"kind": "email", "value": "not-an-email", "chain": "tron", "takedown_status": "active"},
    )
    page = response.content.decode()
    assert "Only crypto wallets have a chain" not in page
    assert "is not an e-mail address: it needs exactly one @" in page
    assert not Indicator.objects.filter(raw_value="not-an-email").exists()


def test_edit_takedown_and_remove_with_confirmation(client, world, alice):
    client.force_login(alice)
    client.post(
        reverse("indicators:add", args=[world["ours"].pk]),
        {"kind": "domain", "value": "scam-shop.com", "takedown_status": "active"},
    )
    ind = Indicator.objects.get(value__normalized="scam-shop.com")
    response = client.post(
        reverse("indicators:edit", args=[ind.pk]), {"takedown_status": "taken_down"}
    )
    assert response.status_code == 302
    ind.refresh_from_db()
    assert ind.takedown_status == "taken_down" and ind.takedown_date is not None
    assert "Remove" in client.get(reverse("indicators:delete", args=[ind.pk])).content.decode()
    assert Indicator.objects.filter(pk=ind.pk).exists()
    client.post(reverse("indicators:delete", args=[ind.pk]))
    assert not Indicator.objects.filter(pk=ind.pk).exists()
    # Each step is in the case's timeline.
    page = client.get(reverse("cases:detail", args=[world["ours"].pk])).content.decode()
    assert "Indicators added: Domain scam-shop.com" in page
    assert "Indicator edited: Domain scam-shop.com" in page and "Active → Taken down" in page
    assert "Indicator removed: Domain scam-shop.com" in page


def test_marking_a_hit_with_htmx_returns_its_row(client, world, alice):
    client.force_login(alice)
    hit = world["our_hit"]
    response = client.post(
        reverse("indicators:hit_status", args=[hit.pk]),
        {"status": "reviewed"},
        headers={"HX-Request": "true"},
    )
    assert f'id="hit-{hit.pk}"' in response.content.decode()
    hit.refresh_from_db()
    assert hit.status == HitStatus.REVIEWED and hit.reviewed_by == alice
    page = client.get(reverse("indicators:hits"), {"status": "new"}).content.decode()
    assert WALLET not in page
    assert WALLET in client.get(reverse("indicators:hits"), {"status": "reviewed"}).content.decode()


def test_hits_page_makes_as_many_queries_for_2n_hits(
    client, alice, own, partner_users, outsider_users, same_queries_for_n_and_2n
):
    """Each hit of alice's with two other agencies holding the value, one of them sharing its
    case with her agency (the page links it)."""
    numbers = itertools.count()

    def add_hits(n: int) -> None:
        for _ in range(n):
            i = next(numbers)
            row = [{"kind": "ip", "value": f"198.18.{i}.1"}]
            services.indicators_add_batch(
                case=case_create(by=alice, title=f"Ours {i}"), by=alice, rows=row
            )
            partner = partner_users["investigator"]
            shared = case_create(
                by=partner, title=f"Shared {i}", sharing_level="shared", shared_with=[own]
            )
            services.indicators_add_batch(case=shared, by=partner, rows=row)
            outsider = outsider_users["investigator"]
            services.indicators_add_batch(
                case=case_create(by=outsider, title=f"Theirs {i}"), by=outsider, rows=row
            )
        xref.sweep()

    client.force_login(alice)
    for url in (reverse("indicators:hits"), reverse("home")):
        same_queries_for_n_and_2n(lambda url=url: client.get(url), add_hits)
    page = client.get(reverse("indicators:hits")).content.decode()
    assert page.count('id="hit-') == 16
    assert page.count("Their case you can open") == 16


def test_home_panel_lists_new_hits(client, world, alice, partner):
    client.force_login(alice)
    page = client.get(reverse("home")).content.decode()
    assert "New cross-reference hits" in page and WALLET in page and partner.name in page


def test_access_request_in_the_browser_granted_by_the_owner(
    client, world, partner_users, own_users
):
    asker = partner_users["investigator"]
    client.force_login(asker)
    url = reverse("indicators:request_access", args=[world["their_hit"].pk])
    assert world["ours"].agency.name in client.get(url).content.decode()
    response = client.post(url, {"agency": world["ours"].agency.pk, "reason": "Same wallet"})
    assert response.status_code == 302
    ar = AccessRequest.objects.get()
    assert SECRETS[0] not in client.get(reverse("indicators:requests")).content.decode()
    client.force_login(own_users["investigator"])  # not a supervisor: cannot decide
    assert client.get(reverse("indicators:decide", args=[ar.pk])).status_code == 404
    client.force_login(own_users["supervisor"])
    listing = client.get(reverse("indicators:requests")).content.decode()
    assert "Same wallet" in listing and partner_users["investigator"].agency.name in listing
    assert client.get(reverse("indicators:decide", args=[ar.pk])).status_code == 200
    url = reverse("indicators:decide", args=[ar.pk])
    # A grant asks first, showing what it shares; nothing is shared until confirmed.
    confirm = client.post(url, {"decision": "grant", "note": "ok"}).content.decode()
    assert 'data-testid="grant-preview"' in confirm
    assert 'restricted</span> → <span class="badge badge-shared">shared' in confirm
    assert str(asker.agency) in confirm and "1 indicator(s)" in confirm
    assert 'name="confirmed" value="True"' in confirm
    assert not access.visible_cases(asker).filter(pk=world["ours"].pk).exists()
    client.post(url, {"decision": "grant", "note": "ok", "confirmed": "True"})
    assert access.get_case_for_user(asker, world["ours"].pk) == world["ours"]
    client.force_login(asker)
    assert client.get(reverse("cases:detail", args=[world["ours"].pk])).status_code == 200


def test_nav_has_hits_for_those_who_review_them(client, world, alice, own_users):
    client.force_login(alice)
    assert reverse("indicators:hits") in client.get(reverse("home")).content.decode()
    client.force_login(own_users["liaison"])
    assert reverse("indicators:hits") not in client.get(reverse("home")).content.decode()


def test_a_case_visible_anyway_is_named_in_the_hit(client, world, alice, partner_users):
    from cases.services import case_set_sharing

    theirs = world["theirs"]
    case_set_sharing(
        case=theirs,
        level="network",
        by=partner_users["investigator"],
        expected_version=theirs.version,
    )
    client.force_login(alice)
    page = client.get(reverse("indicators:hits")).content.decode()
    assert reverse("cases:detail", args=[theirs.pk]) in page and theirs.reference in page
    client.force_login(partner_users["investigator"])  # alice's case is not visible to them
    assert world["ours"].reference not in client.get(reverse("indicators:hits")).content.decode()


def test_access_requests_page_makes_as_many_queries_for_2n_requests(
    client, alice, own_users, partner_users, same_queries_for_n_and_2n
):
    """Both sides of the page: what the own agency is asked, and what it asked."""
    asker = partner_users["investigator"]
    theirs = case_create(by=asker, title="Their case")
    mine = case_create(by=alice, title="My case")

    def add_requests(n: int) -> None:
        for _ in range(n):
            i = AccessRequest.objects.count() // 2
            ours = case_create(by=alice, title=f"Asked {i}")
            asked = case_create(by=asker, title=f"Asking {i}")
            rows = [{"kind": "ip", "value": f"198.51.100.{i}"}]
            services.indicators_add_batch(case=ours, by=alice, rows=rows)
            services.indicators_add_batch(case=theirs, by=asker, rows=rows)
            services.indicators_add_batch(
                case=asked, by=asker, rows=[{"kind": "ip", "value": f"203.0.113.{i}"}]
            )
            services.indicators_add_batch(
                case=mine, by=alice, rows=[{"kind": "ip", "value": f"203.0.113.{i}"}]
            )
            xref.sweep()
            services.access_request_create(
                hit=Hit.objects.get(case=theirs, value__normalized=f"198.51.100.{i}"),
                by=asker,
                agency=alice.agency,
                reason=f"same address {i}",
            )
            services.access_request_create(
                hit=Hit.objects.get(case=mine, value__normalized=f"203.0.113.{i}"),
                by=alice,
                agency=asker.agency,
                reason=f"ours too {i}",
            )

    client.force_login(own_users["supervisor"])
    url = reverse("indicators:requests")
    same_queries_for_n_and_2n(lambda: client.get(url), add_requests, n=4)
    html = client.get(url).content.decode()
    assert html.count("same address") == 8  # asked of us
    assert html.count("<td>own.investigator</td>") == 8  # what we asked


def test_an_agency_once_refused_asks_again_in_the_browser_while_another_waits(
    client, world, partner_users, own_users, outsider_users
):
    other = outsider_users["investigator"]
    elsewhere = case_create(by=other, title="Outsider holds the wallet too")
    services.indicators_add_batch(
        case=elsewhere,
        by=other,
        rows=[{"kind": "crypto_wallet", "chain": "tron", "value": WALLET}],
    )
    xref.sweep()
    ours = world["ours"]
    services.access_request_create(
        hit=Hit.objects.get(case=elsewhere), by=other, agency=ours.agency, reason="Ours too"
    )
    asker = partner_users["investigator"]
    client.force_login(asker)
    url = reverse("indicators:request_access", args=[world["their_hit"].pk])
    assert client.post(url, {"agency": ours.agency.pk, "reason": "Same wallet"}).status_code == 302
    first = AccessRequest.objects.get(requesting_agency=asker.agency)
    client.force_login(own_users["supervisor"])
    client.post(reverse("indicators:decide", args=[first.pk]), {"decision": "refuse"})
    first.refresh_from_db()
    assert first.status == "refused"
    client.force_login(asker)
    response = client.post(url, {"agency": ours.agency.pk, "reason": "New evidence"})
    assert response.status_code == 302
    assert AccessRequest.objects.filter(
        requesting_agency=asker.agency, status="pending", reason="New evidence"
    ).exists()


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "http://testserver.evil.example/",
        "javascript:alert(1)",
        "https:///evil.example/",
    ],
)
def test_marking_a_hit_never_redirects_off_the_site(client, world, alice, target):
    client.force_login(alice)
    hit = world["our_hit"]
    url = reverse("indicators:hit_status", args=[hit.pk])
    response = client.post(url, {"status": "reviewed", "next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("indicators:hits")


def test_marking_a_hit_goes_back_to_the_page_it_came_from(client, world, alice):
    client.force_login(alice)
    hit = world["our_hit"]
    back = reverse("indicators:hits") + "?status=new&page=1"
    response = client.post(
        reverse("indicators:hit_status", args=[hit.pk]), {"status": "reviewed", "next": back}
    )
    assert response["Location"] == back
