"""The registry's feeds (CSV, plain lists, STIX, the TAXII collection) with their validators,
partners' feed tokens and their log, and the public awareness page with its feeds."""

import csv
import io

import pytest

from interchange.csv_format import restore
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
