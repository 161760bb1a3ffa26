"""Identity documents: one normaliser and one `type; country; number` parser for suspects,
victims, indicators and the person index (indicators/normalize/document.py)."""

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from cases.models import Suspect
from indicators.models import Indicator
from indicators.normalize import document, normalize
from persons import matching
from persons import xref as persons_xref
from persons.models import Person, PersonKey
from victims.models import Victim


def test_an_alpha_3_country_is_its_own_country_not_a_cut_alpha_2():
    assert document.normalize_country("AUT") == "AT"  # Austria, not AU (Australia)
    assert document.normalize_country("aus") == "AU"
    assert document.normalize_country("at") == "AT"
    assert normalize("identity_document", "AUT:P1234567").value == "AT:P1234567"
    austria = matching.profile(
        names=["Anna Huber"],
        documents=[{"type": "passport", "country": "AUT", "number": "P1234567"}],
    )
    australia = matching.profile(
        names=["Anna Huber"],
        documents=[{"type": "passport", "country": "AUS", "number": "P1234567"}],
    )
    assert austria.documents == ("AT:P1234567",)
    assert australia.documents == ("AU:P1234567",)
    assert "same identity document" not in matching.score(austria, australia).explanation


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("passport; VN; C1234567", ("passport", "VN", "C1234567")),
        ("Passport ; vnm ; c 123-4567", ("passport", "VN", "C1234567")),
        ("national id; AUT; 12.345.678", ("national id", "AT", "12345678")),
        ("; ; AB12345", ("", "", "AB12345")),
    ],
)
def test_the_line_parser(line, expected):
    doc = document.parse_document_line(line)
    assert (doc.type, doc.country, doc.number) == expected
    assert document.parse_document_line(doc.as_line()) == doc


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("passport VN C1234567", "write type; country code; number"),
        ("passport; XX; C1234567", "not an ISO country code"),
        ("passport; VN; C1", "4 to 20 letters and digits"),
        ("passport; VN; ", "needs a number"),
    ],
)
def test_the_line_parser_refuses_with_the_reason(line, reason):
    with pytest.raises(ValidationError) as exc:
        document.parse_document_line(line)
    assert reason in exc.value.messages[0]


def test_a_victim_document_needs_type_and_country():
    with pytest.raises(ValidationError, match="type, a country and a number"):
        document.parse_document_line("; AT; P1234567", complete=True)


def test_the_same_document_from_a_suspect_form_a_victim_form_and_an_indicator(
    client, make_case, alice, own_users, django_capture_on_commit_callbacks
):
    """Written three ways, it is one document: stored alike, and one key everywhere."""
    case = make_case()
    with django_capture_on_commit_callbacks(execute=True):
        client.force_login(alice)
        response = client.post(
            reverse("cases:suspect_create", args=[case.pk]),
            {
                "full_name": "Anna Huber",
                "documents": "Passport; AUT; p 123-4567",
                "role": "recruiter",
                "status": "wanted",
            },
        )
        assert response.status_code == 302
        liaison = own_users["liaison"]
        client.force_login(liaison)
        response = client.post(
            reverse("victims:victim_create", args=[case.pk]),
            {
                "kind": "trafficked_worker",
                "full_name": "Anna Huber",
                "sex": "female",
                "date_of_birth_precision": "day",
                "identity_documents": "passport; at; P1234567",
            },
        )
        assert response.status_code == 302, response.content.decode()
        client.force_login(alice)
        response = client.post(
            reverse("indicators:add", args=[case.pk]),
            {"kind": "identity_document", "value": "AUT/P1234567", "takedown_status": "active"},
        )
        assert response.status_code == 302, response.content.decode()[:2000]

    persons_xref.sweep()  # with a broker and no worker here, what the lost tasks would do
    stored = [{"type": "passport", "country": "AT", "number": "P1234567"}]
    assert Suspect.objects.get().documents == stored
    assert Victim.objects.get().identity_documents == stored
    assert Indicator.objects.get().value.normalized == "AT:P1234567"
    keys = set(PersonKey.objects.filter(key__startswith="doc:").values_list("key", flat=True))
    assert keys == {"doc:AT:P1234567"}
    assert {tuple(p.profile["documents"]) for p in Person.objects.all()} == {("AT:P1234567",)}


def test_the_api_stores_documents_in_the_same_form(api, make_case, alice, own_users):
    case = make_case()
    response = api(alice).post(
        "/api/v1/suspects/",
        {
            "case": case.pk,
            "full_name": "Anna Huber",
            "documents": [{"type": "Passport", "country": "AT", "number": "p1234567"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["documents"] == [
        {"type": "passport", "country": "AT", "number": "P1234567"}
    ]

    def victim(country: str, number: str):
        return api(own_users["liaison"]).post(
            "/api/v1/victims/",
            {
                "case": case.pk,
                "kind": "trafficked_worker",
                "full_name": "Anna Huber",
                "identity_documents": [{"type": "passport", "country": country, "number": number}],
            },
            format="json",
        )

    response = victim("AUT", "P 1234567")
    assert response.status_code == 201, response.json()
    assert Victim.objects.get().identity_documents == [
        {"type": "passport", "country": "AT", "number": "P1234567"}
    ]
    bad = victim("XYZ", "P1234567")
    assert bad.status_code == 400
    assert Victim.objects.count() == 1


def test_the_persons_rebuild_mends_an_index_keyed_with_a_cut_country(
    django_capture_on_commit_callbacks, make_case, own_users
):
    """Before, the index cut `AUT` to `AU`. Stored victims keep the country as written (`AUT`
    from the API then); the persons rebuild re-keys them with the one normaliser."""
    from victims.factories import make_victim

    with django_capture_on_commit_callbacks(execute=True):
        victim = make_victim(
            case=make_case(),
            by=own_users["liaison"],
            identity_documents=[{"type": "passport", "country": "AT", "number": "P1234567"}],
        )
    persons_xref.sweep()
    # What the old code left: the document as written, the index keyed on Australia.
    Victim.objects.filter(pk=victim.pk).update(
        identity_documents=[{"type": "passport", "country": "AUT", "number": "P1234567"}]
    )
    person = Person.objects.get(victim=victim)
    old = {**person.profile, "documents": ["AU:P1234567"]}
    Person.objects.filter(pk=person.pk).update(profile=old, fingerprint="stale")
    PersonKey.objects.filter(person=person, key__startswith="doc:").update(key="doc:AU:P1234567")

    call_command("persons_rebuild", stdout=StringIO())

    person.refresh_from_db()
    assert person.profile["documents"] == ["AT:P1234567"]
    assert set(person.keys.filter(key__startswith="doc:").values_list("key", flat=True)) == {
        "doc:AT:P1234567"
    }
