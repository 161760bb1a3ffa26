"""The registry's feeds (CSV, plain lists, STIX, the TAXII collection) with their validators,
partners' feed tokens and their log, and the public awareness page with its feeds."""

import csv
import io
import json

import pytest
from django.urls import reverse

from interchange import taxii
from interchange.csv_format import restore
from registry import services
from registry.models import FeedDownload, FeedToken, RegistryEntry
from tests.test_registry import _indicator
from tests.test_registry import _publish as publish

TAXII_ACCEPT = "application/taxii+json;version=2.1"


def _publish(users, kind, value, confidence="confirmed", description="Fraud."):
    indicator = _indicator(users["investigator"], title=f"Case of {value}", kind=kind, value=value)
    return publish(users, indicator, confidence=confidence, description=description)


@pytest.fixture
def published(own_users, partner_users):
    return {
        "domain": _publish(own_users, "domain", "Pay-Secure-Login.com", description="=HYPERLINK()"),
        "url": _publish(own_users, "url", "https://pay-secure-login.com/login", "suspected"),
        "phone": _publish(partner_users, "phone", "+84 912 555 123"),
    }


def _body(response) -> str:
    return b"".join(response.streaming_content).decode()


def test_csv_feed_lists_published_entries_with_formulas_neutralised(api, own_users, published):
    response = api(own_users["analyst"]).get("/api/v1/registry/feeds/csv/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(_body(response))))
    # A cell a spreadsheet would run (a phone's "+", say) starts with "'", as in the exports.
    assert {r["value"] for r in rows} == {
        "pay-secure-login.com",
        "https://pay-secure-login.com/login",
        "'+84912555123",
    }
    assert {restore(r["value"]) for r in rows} >= {"+84912555123"}
    domain = next(r for r in rows if r["kind"] == "domain")
    assert domain["description"] == "'=HYPERLINK()"
    assert domain["agencies"] == "own" and domain["confidence"] == "confirmed"


# --- the downloadable feeds ---------------------------------------------------------------


def test_plain_text_is_a_dns_blocklist_unless_a_kind_is_asked(api, own_users, published):
    client = api(own_users["liaison"])  # every registry reader
    body = _body(client.get("/api/v1/registry/feeds/txt/"))
    assert body.splitlines() == ["pay-secure-login.com", "https://pay-secure-login.com/login"]
    phones = _body(client.get("/api/v1/registry/feeds/txt/", {"kind": "phone"}))
    assert phones == "+84912555123\n"
    domains = client.get("/api/v1/registry/feeds/txt/", {"kind": "domain"})
    assert _body(domains) == "pay-secure-login.com\n"
    assert domains["Content-Type"].startswith("text/plain")


def test_the_filters_narrow_every_format(api, own_users, partner_users, published):
    client = api(own_users["analyst"])
    services.entry_record_step(
        entry=published["phone"],
        by=partner_users["analyst"],
        status="taken_down",
        version=published["phone"].version,
    )

    def values(**query):
        body = _body(client.get("/api/v1/registry/feeds/csv/", query))
        return sorted(restore(r["value"]) for r in csv.DictReader(io.StringIO(body)))

    assert values(status="taken_down") == ["+84912555123"]
    assert values(status="active,takedown_requested") == [
        "https://pay-secure-login.com/login",
        "pay-secure-login.com",
    ]
    assert values(confidence="suspected") == ["https://pay-secure-login.com/login"]
    assert values(kind="url,phone", confidence="confirmed") == ["+84912555123"]
    later = RegistryEntry.objects.get(pk=published["phone"].pk).updated_at
    assert values(since=later.isoformat()) == ["+84912555123"]
    assert len(values(since="2020-01-01")) == 3
    for bad in ({"kind": "victim"}, {"status": "gone"}, {"confidence": "sure"}, {"since": "x"}):
        response = client.get("/api/v1/registry/feeds/csv/", bad)
        assert response.status_code == 400, bad
        assert next(iter(bad)) in response.json()


def test_the_stix_feed_is_a_valid_bundle(api, own_users, published):
    import stix2

    response = api(own_users["analyst"]).get("/api/v1/registry/feeds/stix/")
    assert response["Content-Type"] == "application/stix+json;version=2.1"
    bundle = json.loads(_body(response))
    parsed = stix2.parse(bundle, allow_custom=True)
    types = [o["type"] for o in bundle["objects"]]
    assert types.count("indicator") == 3 and types.count("relationship") == 3
    assert {"identity", "marking-definition", "domain-name", "url", "phone-number"} <= set(types)
    patterns = {o["pattern"] for o in bundle["objects"] if o["type"] == "indicator"}
    assert "[domain-name:value = 'pay-secure-login.com']" in patterns
    assert len(parsed.objects) == len(bundle["objects"])
    # The observable's id is the one stix2 computes from its value.
    domain = next(o for o in bundle["objects"] if o["type"] == "domain-name")
    assert domain["id"] == stix2.DomainName(value="pay-secure-login.com").id


def test_a_withdrawn_entry_leaves_the_feeds(api, own_users, published):
    client = api(own_users["analyst"])
    services.source_withdraw(entry=published["domain"], by=own_users["supervisor"])
    assert "pay-secure-login.com\n" not in _body(client.get("/api/v1/registry/feeds/txt/"))
    stix = _body(client.get("/api/v1/registry/feeds/stix/"))
    assert "'pay-secure-login.com'" not in stix


def test_a_poll_that_changes_nothing_answers_304_from_one_query(
    api, own_users, partner_users, published, django_assert_max_num_queries
):
    client = api(own_users["analyst"])
    url = "/api/v1/registry/feeds/csv/?kind=domain,url"
    first = client.get(url)
    _body(first)
    etag, modified = first["ETag"], first["Last-Modified"]
    # The token's authentication (2: the token, its last use), then the validator (1).
    with django_assert_max_num_queries(3):
        again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    # Other filters are another feed: its own ETag.
    assert client.get(url + "&status=active")["ETag"] != etag
    services.entry_record_step(
        entry=published["domain"],
        by=partner_users["analyst"],
        status="takedown_requested",
        recipient="registrar",
        version=published["domain"].version,
    )
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "takedown_requested" in _body(changed)


def test_only_registry_readers_download(api, own_users, published):
    assert api(own_users["admin"]).get("/api/v1/registry/feeds/csv/").status_code == 404
    assert api(None).get("/api/v1/registry/feeds/csv/").status_code == 401


# --- the TAXII collection -----------------------------------------------------------------


def _registry_url(suffix=""):
    return f"/taxii2/api/collections/{taxii.REGISTRY_COLLECTION_ID}/{suffix}"


def test_the_registry_is_a_taxii_collection_with_paging_and_filters(
    api, own_users, partner_users, published
):
    client = api(own_users["liaison"])
    listed = client.get("/taxii2/api/collections/", HTTP_ACCEPT=TAXII_ACCEPT).json()
    assert [c["id"] for c in listed["collections"]] == [taxii.REGISTRY_COLLECTION_ID]
    everything = client.get(_registry_url("objects/"), HTTP_ACCEPT=TAXII_ACCEPT).json()
    objects = everything["objects"]
    assert len(objects) == 2 + 3 * 3 and everything["more"] is False
    # Page by page with limit and next: the same objects, in the same order.
    paged, query = [], {"limit": 4}
    while True:
        page = client.get(_registry_url("objects/"), query, HTTP_ACCEPT=TAXII_ACCEPT).json()
        paged += page["objects"]
        if not page["more"]:
            break
        query = {"limit": 4, "next": page["next"]}
    assert [o["id"] for o in paged] == [o["id"] for o in objects]
    # match[type] and match[id].
    phones = client.get(
        _registry_url("objects/"), {"match[type]": "phone-number"}, HTTP_ACCEPT=TAXII_ACCEPT
    ).json()["objects"]
    assert [o["value"] for o in phones] == ["+84912555123"]
    indicator = next(o for o in objects if o["type"] == "indicator")
    one = client.get(
        _registry_url("objects/"), {"match[id]": indicator["id"]}, HTTP_ACCEPT=TAXII_ACCEPT
    ).json()["objects"]
    assert one == [indicator]
    assert client.get(_registry_url(f"objects/{phones[0]['id']}/")).json()["objects"] == phones
    versions = client.get(_registry_url(f"objects/{indicator['id']}/versions/")).json()
    assert versions["versions"] == [indicator["modified"]]
    manifest = client.get(_registry_url("manifest/")).json()["objects"]
    assert [m["id"] for m in manifest] == [o["id"] for o in objects]
    # added_after: a step adds the entry again, its objects only.
    last = manifest[-1]["date_added"]
    services.entry_record_step(
        entry=published["domain"],
        by=partner_users["analyst"],
        status="taken_down",
        version=published["domain"].version,
    )
    newer = client.get(_registry_url("objects/"), {"added_after": last}).json()["objects"]
    assert {o["type"] for o in newer} == {"domain-name", "indicator", "relationship"}
    assert next(o for o in newer if o["type"] == "indicator")["labels"] == ["taken_down"]


# --- feed tokens ----------------------------------------------------------------------------


def _issue(client, partner="Blocklist Co", **fields):
    response = client.post(
        reverse("feedtokens:create"),
        {"partner": partner, "partner_kind": "blocklist", "contact": "abuse@blocklist.example"}
        | fields,
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    key = html.split('data-testid="feed-key">')[1].split("<")[0]
    assert key.startswith("fft_")
    return key


def test_an_agency_admin_issues_lists_and_revokes_feed_tokens(client, api, own_users, published):
    client.force_login(own_users["admin"])
    key = _issue(client)
    token = FeedToken.objects.get()
    # Only a digest is stored, never the key; the list shows the prefix, not the key.
    assert token.digest == FeedToken.hash_key(key) and key not in token.digest
    listing = client.get(reverse("feedtokens:list")).content.decode()
    assert "Blocklist Co" in listing and token.prefix in listing and key not in listing
    partner = api(None)
    partner.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert _body(partner.get("/api/v1/registry/feeds/txt/")).startswith("pay-secure-login.com")
    token.refresh_from_db()
    assert token.last_used_at is not None
    # Revoking asks first; then the token stops at once.
    confirm = client.get(reverse("feedtokens:revoke", args=[token.pk]))
    assert confirm.status_code == 200 and "cannot be undone" in confirm.content.decode()
    assert FeedToken.objects.get().revoked_at is None
    assert client.post(reverse("feedtokens:revoke", args=[token.pk])).status_code == 302
    assert partner.get("/api/v1/registry/feeds/txt/").status_code == 401


def test_a_bad_token_form_says_why(client, own_users):
    client.force_login(own_users["admin"])
    response = client.post(
        reverse("feedtokens:create"),
        {"partner": "", "partner_kind": "spy", "expires_at": "2001-01-01"},
    )
    assert response.status_code == 200
    assert FeedToken.objects.count() == 0
    form = response.context["form"]
    assert {"partner", "partner_kind"} <= set(form.errors)
    response = client.post(
        reverse("feedtokens:create"),
        {"partner": "Bank", "partner_kind": "bank", "expires_at": "2001-01-01"},
    )
    assert "in the future" in str(response.context["form"].errors["expires_at"])
    assert FeedToken.objects.count() == 0


def test_an_expired_token_is_refused(api, own_users, published):
    import datetime

    from django.utils import timezone

    token, key = services.feed_token_issue(
        by=own_users["admin"], partner="Telco", partner_kind="telecom"
    )
    FeedToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    partner = api(None)
    partner.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert partner.get("/api/v1/registry/feeds/csv/").status_code == 401


def test_only_the_agency_admin_manages_its_tokens(client, own_users, outsider_users):
    token, _key = services.feed_token_issue(
        by=own_users["admin"], partner="Bank", partner_kind="bank"
    )
    for user in [*own_users.values(), *outsider_users.values()]:
        if user == own_users["admin"]:
            continue
        client.force_login(user)
        revoke = reverse("feedtokens:revoke", args=[token.pk])
        if user == outsider_users["admin"]:
            # Its own list, empty; the other agency's token does not exist for it.
            assert "Bank" not in client.get(reverse("feedtokens:list")).content.decode()
            assert client.get(revoke).status_code == 404
            log = client.get(reverse("feedtokens:log"), {"token": token.pk})
            assert log.status_code == 404
        else:
            assert client.get(reverse("feedtokens:list")).status_code == 404
        assert client.post(revoke).status_code == 404
    assert FeedToken.objects.get().revoked_at is None


def test_every_use_of_a_feed_token_is_logged_and_the_admin_reads_the_log(
    client, api, own_users, published
):
    token, key = services.feed_token_issue(
        by=own_users["admin"], partner="Registrar X", partner_kind="registrar"
    )
    partner = api(None)
    partner.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    first = partner.get(
        "/api/v1/registry/feeds/csv/", {"kind": "domain"}, REMOTE_ADDR="203.0.113.9"
    )
    _body(first)
    partner.get("/api/v1/registry/feeds/csv/", {"kind": "domain"}, HTTP_IF_NONE_MATCH=first["ETag"])
    lookup = partner.post(
        "/api/v1/registry/lookup/",
        {
            "values": [
                {"kind": "domain", "value": "PAY-SECURE-LOGIN.COM"},
                {"kind": "domain", "value": "x.org"},
            ]
        },
        format="json",
    )
    assert [r["known"] for r in lookup.json()["results"]] == [True, False]
    partner.get(_registry_url("objects/"), {"limit": 3})
    log = list(FeedDownload.objects.order_by("pk"))
    assert [(d.feed, d.status_code, d.result_size) for d in log] == [
        ("registry-csv", 200, 1),
        ("registry-csv", 304, 0),
        ("registry-lookup", 200, 2),
        ("taxii:objects", 200, 3),
    ]
    assert log[0].filters == {"kind": "domain"} and log[0].address == "203.0.113.9"
    # A member's download is not a partner's: not logged.
    api(own_users["analyst"]).get("/api/v1/registry/feeds/csv/")
    assert FeedDownload.objects.count() == 4
    client.force_login(own_users["admin"])
    page = client.get(reverse("feedtokens:log"), {"token": token.pk}).content.decode()
    assert "Registrar X" in page and "registry-lookup" in page and "203.0.113.9" in page


# --- public awareness -----------------------------------------------------------------------


def test_a_publishing_supervisor_marks_an_entry_for_the_public_page(
    client, own_users, partner_users, published
):
    entry = published["domain"]
    detail = reverse("registry:detail", args=[entry.pk])
    mark = reverse("registry:awareness", args=[entry.pk])
    # Neither an analyst of the publisher nor a supervisor of another agency may mark it.
    for user in (own_users["analyst"], partner_users["supervisor"]):
        client.force_login(user)
        assert 'data-testid="awareness"' not in client.get(detail).content.decode()
        assert client.post(mark, {"public": "1", "version": entry.version}).status_code == 404
    client.force_login(own_users["supervisor"])
    assert 'data-testid="awareness"' in client.get(detail).content.decode()
    assert client.post(mark, {"public": "1", "version": entry.version}).status_code == 302
    entry.refresh_from_db()
    assert entry.public_awareness and entry.awareness_marked_by == own_users["supervisor"]
    public = client.get(reverse("public:index")).content.decode()
    assert "pay-secure-login.com" in public
    # A stale version changes nothing; the current one unmarks.
    client.post(mark, {"version": entry.version - 1})
    assert RegistryEntry.objects.get(pk=entry.pk).public_awareness
    client.post(mark, {"version": entry.version})
    assert not RegistryEntry.objects.get(pk=entry.pk).public_awareness


def test_only_confirmed_websites_and_numbers_go_public(api, own_users, published):
    client = api(own_users["supervisor"])
    url_entry = published["url"]  # suspected
    response = client.post(
        f"/api/v1/registry/{url_entry.pk}/awareness/",
        {"public": True, "version": url_entry.version},
        format="json",
    )
    assert response.status_code == 400
    host = _publish(own_users, "ip", "45.77.10.2", description="Phishing host.")
    response = client.post(
        f"/api/v1/registry/{host.pk}/awareness/", {"public": True, "version": host.version}
    )
    assert response.status_code == 400
    domain = published["domain"]
    assert (
        client.post(f"/api/v1/registry/{domain.pk}/awareness/", {"public": True}).status_code == 400
    )
    response = client.post(
        f"/api/v1/registry/{domain.pk}/awareness/", {"public": True, "version": domain.version}
    )
    assert response.status_code == 200 and response.json()["public_awareness"] is True
    assert (
        api(own_users["analyst"])
        .post(
            f"/api/v1/registry/{domain.pk}/awareness/",
            {"public": False, "version": domain.version + 1},
        )
        .status_code
        == 403
    )


def _mark(users, entry):
    return services.entry_set_awareness(
        entry=entry, by=users["supervisor"], public=True, version=entry.version
    )


def test_the_public_page_and_feeds_show_only_marked_entries_that_qualify(
    client, own_users, partner_users, published
):
    _mark(own_users, published["domain"])
    phone = _mark(partner_users, published["phone"])
    page = client.get(reverse("public:index"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "pay-secure-login.com" in html and "+84912555123" in html
    assert "https://pay-secure-login.com/login" not in html  # not marked
    for trace in ("Case of", "/cases/", "Agency own", "desk@", reverse("login")):
        assert trace not in html, trace
    assert 'role="search"' in html
    found = client.get(reverse("public:index"), {"q": "+8491"}).content.decode()
    assert "+84912555123" in found and "pay-secure-login.com" not in found
    txt = b"".join(client.get(reverse("public:feed", args=["txt"])).streaming_content).decode()
    assert sorted(txt.split()) == ["+84912555123", "pay-secure-login.com"]
    data = json.loads(b"".join(client.get(reverse("public:feed", args=["json"])).streaming_content))
    assert {e["value"] for e in data["entries"]} == {"+84912555123", "pay-secure-login.com"}
    assert set(data["entries"][0]) == {
        "kind",
        "value",
        "status",
        "fraud_types",
        "description",
        "published_at",
    }
    rows = list(
        csv.DictReader(
            io.StringIO(
                b"".join(
                    client.get(reverse("public:feed", args=["csv"])).streaming_content
                ).decode()
            )
        )
    )
    assert next(r for r in rows if r["kind"] == "domain")["description"] == "'=HYPERLINK()"
    # Taken down, it leaves the public page (until it re-emerges); withdrawn, too.
    services.entry_record_step(
        entry=phone, by=partner_users["analyst"], status="taken_down", version=phone.version
    )
    assert "+84912555123" not in client.get(reverse("public:index")).content.decode()
    phone.refresh_from_db()
    services.entry_record_step(
        entry=phone, by=partner_users["analyst"], status="re_emerged", version=phone.version
    )
    assert "+84912555123" in client.get(reverse("public:index")).content.decode()
    services.source_withdraw(entry=published["domain"], by=own_users["supervisor"])
    assert "pay-secure-login.com" not in client.get(reverse("public:index")).content.decode()


def test_the_public_feed_answers_304_when_nothing_changed(client, own_users, published):
    _mark(own_users, published["domain"])
    first = client.get(reverse("public:feed", args=["csv"]))
    again = client.get(reverse("public:feed", args=["csv"]), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_the_public_page_is_rate_limited_per_client_address(client, settings, published):
    settings.FORTRESS_PUBLIC_RATE_PER_MINUTE = 3
    url = reverse("public:index")
    assert [client.get(url, REMOTE_ADDR="198.51.100.1").status_code for _ in range(3)] == [200] * 3
    limited = client.get(url, REMOTE_ADDR="198.51.100.1")
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert (
        client.get(reverse("public:feed", args=["txt"]), REMOTE_ADDR="198.51.100.1").status_code
        == 429
    )
    # Another address has its own count; with no proxy configured, X-Forwarded-For is ignored.
    assert client.get(url, REMOTE_ADDR="198.51.100.2").status_code == 200
    forged = client.get(url, REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR="192.0.2.50")
    assert forged.status_code == 429


def test_the_lookup_writes_entries_as_the_list_does(api, own_users, partner_users, published):
    from registry.selectors import with_sources
    from registry.serializers import EntrySerializer, entry_representation

    entry = published["domain"]
    services.entry_claim(entry=entry, by=partner_users["analyst"], version=entry.version)
    fresh = with_sources(RegistryEntry.objects.filter(pk=entry.pk)).get()
    assert entry_representation(fresh, {}) == EntrySerializer(fresh).data
    answer = api(own_users["analyst"]).post(
        "/api/v1/registry/lookup/",
        {
            "values": [
                {"kind": "domain", "value": "pay-secure-login.com"},
                {"kind": "x", "value": 1},
            ]
        },
        format="json",
    )
    first, second = answer.json()["results"]
    assert first["entry"] == json.loads(json.dumps(EntrySerializer(fresh).data))
    assert second["known"] is False and second["error"]
    refused = api(own_users["analyst"]).post(
        "/api/v1/registry/lookup/",
        {"values": [{"kind": "domain"}, {"kind": "domain", "value": "x" * 2001}, "text"]},
        format="json",
    )
    assert refused.status_code == 400
    assert set(refused.json()["values"]) == {"0", "1", "2"}
