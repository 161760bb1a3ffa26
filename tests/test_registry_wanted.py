"""Wanted identities of the network registry (issue 14): a supervisor publishes a suspect's
identity of the agency's case; every agency reads it in full, never the case; the person index
matches every agency's suspects and victims against it (another script, another
romanisation), through the queue path of person matching; a withdrawal stops the matching;
the rebuild gives the same matches."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases.models import Case
from cases.services import case_create, suspect_create, suspect_update
from config.errors import PolicyError
from persons import rebuild, xref
from registry import services
from registry.models import WantedIdentity, WantedKey, WantedMatch
from victims.services import victim_create

CASE_TITLE = "Obsidian lagoon securities fraud"


@pytest.fixture
def eager(django_capture_on_commit_callbacks, settings):
    """Run the after-commit work (the queued matching tasks) as the app does here."""

    def run():
        return django_capture_on_commit_callbacks(execute=settings.CELERY_TASK_ALWAYS_EAGER)

    return run


@pytest.fixture
def own_case(own_users, eager) -> Case:
    with eager():
        return case_create(by=own_users["investigator"], title=CASE_TITLE)


@pytest.fixture
def wanted_suspect(own_case, own_users, eager):
    with eager():
        return suspect_create(
            case=own_case,
            by=own_users["investigator"],
            full_name="Nguyễn Văn Thắng",
            aliases=["Thang Nguyen"],
            birth_year=1984,
            birth_month=3,
            birth_day=9,
            nationalities=["VN"],
            documents=[{"type": "passport", "country": "VN", "number": "B7730112"}],
            notice_references="Red Notice A-9001/1-2026",
        )


def publish(suspect, by, eager, **extra):
    with eager():
        return services.wanted_publish(
            suspect=suspect,
            by=by,
            category=extra.pop("category", "wanted"),
            description=extra.pop("description", "Organiser of the lagoon scam."),
            **extra,
        )


@pytest.fixture
def identity(wanted_suspect, own_users, eager):
    return publish(
        wanted_suspect,
        own_users["supervisor"],
        eager,
        names=["阮文勝"],
        handles=["telegram: @lagoon_boss"],
        notices=["Diffusion D-77/2026"],
    )


@pytest.fixture
def outsider_case(outsider_users, eager) -> Case:
    with eager():
        return case_create(by=outsider_users["investigator"], title="Outsider's compound raid")


@pytest.fixture
def outsider_suspect(outsider_case, outsider_users, eager):
    """A suspect of the outsider's case, saved as the app saves it (its matching queued)."""

    def create(full_name: str, **fields):
        with eager():
            return suspect_create(
                case=outsider_case, by=outsider_users["investigator"], full_name=full_name, **fields
            )

    return create


def _matches(identity) -> list[tuple[str, str]]:
    return sorted(
        (m.person.kind, m.person.agency.code)
        for m in WantedMatch.objects.filter(identity=identity).select_related("person__agency")
    )


# --- publishing --------------------------------------------------------------------------------


def test_a_supervisor_publishes_a_copy_of_the_identity(identity, wanted_suspect, own):
    assert identity.agency == own
    assert identity.category == "wanted"
    assert identity.full_name == "Nguyễn Văn Thắng"
    assert identity.names == ["阮文勝"]
    assert identity.aliases == ["Thang Nguyen"]
    assert identity.date_of_birth == "1984-03-09"
    assert identity.nationalities == ["VN"]
    assert identity.documents == wanted_suspect.documents
    assert identity.handles == ["telegram: @lagoon_boss"]
    assert identity.notices == ["Red Notice A-9001/1-2026", "Diffusion D-77/2026"]
    assert WantedKey.objects.filter(identity=identity).exists()
    # A copy: a later edit of the suspect does not reach the network.
    suspect_update(
        suspect=wanted_suspect,
        by=identity.published_by,
        expected_version=wanted_suspect.version,
        full_name="Renamed Later",
    )
    identity.refresh_from_db()
    assert identity.full_name == "Nguyễn Văn Thắng"


@pytest.mark.parametrize("role", ["investigator", "analyst", "liaison", "admin"])
def test_only_a_supervisor_publishes(wanted_suspect, own_users, eager, role):
    with pytest.raises(PolicyError):
        publish(wanted_suspect, own_users[role], eager)
    assert not WantedIdentity.objects.exists()


def test_another_agency_cannot_publish_the_suspect(wanted_suspect, partner_users, eager):
    with pytest.raises(PolicyError):
        publish(wanted_suspect, partner_users["supervisor"], eager)


def test_a_silent_case_cannot_publish(wanted_suspect, own_case, own_users, eager):
    Case.objects.filter(pk=own_case.pk).update(silent=True)
    with pytest.raises(ValidationError, match="silent"):
        publish(wanted_suspect, own_users["supervisor"], eager)


def test_bad_input_is_refused_with_a_message(wanted_suspect, own_users, eager):
    boss = own_users["supervisor"]
    with pytest.raises(ValidationError) as exc:
        publish(wanted_suspect, boss, eager, category="dangerous")
    assert "category" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        publish(wanted_suspect, boss, eager, description="  ")
    assert "description" in exc.value.message_dict
    publish(wanted_suspect, boss, eager)
    with pytest.raises(ValidationError, match="already published"):
        publish(wanted_suspect, boss, eager)


# --- matching ----------------------------------------------------------------------------------


def test_a_suspect_of_another_agency_saved_later_matches(
    identity, outsider_case, outsider_users, eager, outsider_suspect
):
    outsider_suspect("THANG VAN NGUYEN", birth_year=1984, nationalities=["VN"])
    xref.sweep()
    assert _matches(identity) == [("suspect", "outsider")]


def test_a_victim_of_another_agency_in_another_script_matches(
    identity, outsider_case, outsider_users, eager
):
    """The victim is recorded in Han characters only: the identity's Latin name meets it."""
    with eager():
        victim_create(
            by=outsider_users["liaison"],
            case=outsider_case,
            full_name="阮文勝",
            kind="trafficked_worker",
            nationality="VN",
            current_country="KH",
            date_of_birth=datetime.date(1984, 3, 9),
            date_of_birth_precision="day",
        )
    xref.sweep()
    assert _matches(identity) == [("victim", "outsider")]


def test_publishing_matches_persons_already_indexed(
    wanted_suspect, own_users, outsider_case, outsider_users, eager
):
    """A victim recorded before the publication, with the passport only in common and the
    name romanised otherwise."""
    with eager():
        victim_create(
            by=outsider_users["liaison"],
            case=outsider_case,
            full_name="Nguyen Van Thang",
            kind="fraud_victim",
            nationality="VN",
            identity_documents=[{"type": "passport", "country": "VN", "number": "b 7730112"}],
        )
    xref.sweep()
    identity = publish(wanted_suspect, own_users["supervisor"], eager)
    xref.sweep()  # the publication's task ran (or the sweep does it)
    assert _matches(identity) == [("victim", "outsider")]
    assert WantedIdentity.objects.get(pk=identity.pk).matched_at is not None


def test_the_published_suspect_is_not_its_own_match(identity):
    xref.sweep()
    assert _matches(identity) == []


def test_someone_else_does_not_match(identity, outsider_suspect):
    outsider_suspect("Somchai Jaidee", birth_year=1984)
    xref.sweep()
    assert _matches(identity) == []


def test_a_changed_person_stops_matching(identity, outsider_users, eager, outsider_suspect):
    suspect = outsider_suspect("Thang Van Nguyen", birth_year=1984, birth_month=3)
    xref.sweep()
    assert len(_matches(identity)) == 1
    with eager():
        suspect_update(
            suspect=suspect,
            by=outsider_users["investigator"],
            expected_version=suspect.version,
            full_name="Wichai Boonmee",
        )
    xref.sweep()
    assert _matches(identity) == []


def test_withdrawal_stops_matching_and_keeps_the_history(
    identity, outsider_case, outsider_users, own_users, eager, outsider_suspect
):
    outsider_suspect("THANG VAN NGUYEN", birth_year=1984)
    xref.sweep()
    assert len(_matches(identity)) == 1
    with pytest.raises(PolicyError):
        services.wanted_withdraw(identity=identity, by=outsider_users["supervisor"])
    with pytest.raises(PolicyError):
        services.wanted_withdraw(identity=identity, by=own_users["investigator"])
    services.wanted_withdraw(identity=identity, by=own_users["supervisor"], reason="Arrested.")
    assert _matches(identity) == []
    outsider_suspect("Nguyen Van Thang", birth_year=1984)
    xref.sweep()
    rebuild.rebuild()
    assert _matches(identity) == []
    kept = WantedIdentity.objects.get(pk=identity.pk)
    assert kept.withdrawn_at is not None and kept.withdrawal_reason == "Arrested."
    with pytest.raises(ValidationError, match="already withdrawn"):
        services.wanted_withdraw(identity=kept, by=own_users["supervisor"])


def test_the_rebuild_gives_the_same_matches(
    identity, outsider_case, outsider_users, partner_users, eager, outsider_suspect
):
    partner_case = case_create(by=partner_users["investigator"], title="Partner's case")
    outsider_suspect("THANG VAN NGUYEN", birth_year=1984)
    with eager():
        victim_create(
            by=partner_users["liaison"],
            case=partner_case,
            full_name="阮文勝",
            kind="fraud_victim",
            nationality="VN",
            date_of_birth=datetime.date(1984, 1, 1),
            date_of_birth_precision="year",
        )
        suspect_create(case=partner_case, by=partner_users["investigator"], full_name="Wang Fang")
    xref.sweep()
    incremental = sorted(
        WantedMatch.objects.values_list("identity_id", "person_id", "score", "explanation")
    )
    assert len(incremental) == 2
    WantedMatch.objects.all().delete()
    rebuild.rebuild()
    rebuilt = sorted(
        WantedMatch.objects.values_list("identity_id", "person_id", "score", "explanation")
    )
    assert rebuilt == incremental
    rebuild.rebuild()  # twice changes nothing
    assert (
        sorted(WantedMatch.objects.values_list("identity_id", "person_id", "score", "explanation"))
        == incremental
    )


# --- pages and API: the identity in full, never the case -----------------------------------------


@pytest.fixture
def matched(identity, outsider_case, outsider_users, eager, outsider_suspect):
    suspect = outsider_suspect("THANG VAN NGUYEN", birth_year=1984)
    xref.sweep()
    return {"identity": identity, "suspect": suspect, "match": WantedMatch.objects.get()}


def _case_traces(case: Case) -> list[str]:
    return [CASE_TITLE, case.reference, f"/cases/{case.pk}/"]


def test_the_other_agency_sees_the_match_and_the_identity_never_the_case(
    client, api, matched, own_case, outsider_users
):
    user = outsider_users["analyst"]
    client.force_login(user)
    identity = matched["identity"]
    pages = [
        reverse("registry:wanted"),
        reverse("registry:wanted_detail", args=[identity.pk]),
        reverse("persons:wanted_matches"),
        reverse("cases:detail", args=[matched["suspect"].case_id]),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert "Nguyễn Văn Thắng" in html, url
        for trace in _case_traces(own_case):
            assert trace not in html, f"{trace!r} on {url}"
    case_page = client.get(pages[-1]).content.decode()
    assert "matches wanted identity" in case_page
    assert "Red Notice A-9001/1-2026" in client.get(pages[1]).content.decode()
    for url in (
        "/api/v1/wanted/",
        f"/api/v1/wanted/{identity.pk}/",
        "/api/v1/wanted-matches/",
        f"/api/v1/wanted-matches/{matched['match'].pk}/",
    ):
        response = api(user).get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "B7730112" in body, url
        for trace in _case_traces(own_case):
            assert trace not in body, f"{trace!r} from {url}"
        assert '"suspect":' not in body  # never the suspect behind the identity
    row = api(user).get("/api/v1/wanted-matches/").json()["results"][0]
    assert row["mine"] is True and row["person"]["name"] == "THANG VAN NGUYEN"
    assert row["identity"]["agency"]["name"] == "Agency own"


def test_the_publisher_learns_which_agency_holds_a_match_not_the_record(client, matched, own_users):
    client.force_login(own_users["analyst"])
    html = client.get(reverse("persons:wanted_matches")).content.decode()
    assert "Agency outsider" in html
    assert "THANG VAN NGUYEN" not in html
    assert "Outsider&#x27;s compound raid" not in html and "Outsider's compound raid" not in html


def test_a_silent_case_match_is_told_to_its_own_agency_only(
    client, matched, own_users, outsider_users
):
    Case.objects.filter(pk=matched["suspect"].case_id).update(silent=True)
    client.force_login(own_users["analyst"])
    assert "Agency outsider" not in client.get(reverse("persons:wanted_matches")).content.decode()
    client.force_login(outsider_users["analyst"])
    assert "Nguyễn Văn Thắng" in client.get(reverse("persons:wanted_matches")).content.decode()


def test_publish_page_asks_for_confirmation(client, wanted_suspect, own_users):
    client.force_login(own_users["supervisor"])
    url = reverse("registry:wanted_publish", args=[wanted_suspect.pk])
    assert client.get(url).status_code == 200
    body = {"category": "wanted", "description": "Sought.", "names": "阮文勝\n"}
    response = client.post(url, body)
    assert response.status_code == 200  # not confirmed: the form again
    assert not WantedIdentity.objects.exists()
    response = client.post(url, {**body, "confirm": "on"})
    identity = WantedIdentity.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:wanted_detail", args=[identity.pk])
    assert identity.names == ["阮文勝"]
    # The case page of the publishing agency links the suspect to its identity.
    page = client.get(reverse("cases:detail", args=[wanted_suspect.case_id])).content.decode()
    assert "published to the network as wanted" in page
    assert reverse("registry:wanted_publish", args=[wanted_suspect.pk]) in page


@pytest.mark.parametrize("role", ["investigator", "analyst", "liaison", "admin"])
def test_publish_page_is_for_supervisors(client, wanted_suspect, own_users, role):
    client.force_login(own_users[role])
    url = reverse("registry:wanted_publish", args=[wanted_suspect.pk])
    assert client.get(url).status_code == 404
    assert (
        client.post(url, {"category": "wanted", "description": "x", "confirm": "on"}).status_code
        == 404
    )
    assert not WantedIdentity.objects.exists()


def test_withdraw_page_asks_for_confirmation(client, matched, own_users, outsider_users):
    identity = matched["identity"]
    url = reverse("registry:wanted_withdraw", args=[identity.pk])
    client.force_login(outsider_users["supervisor"])
    assert client.get(url).status_code == 404
    client.force_login(own_users["supervisor"])
    assert client.get(url).status_code == 200
    assert client.post(url, {"reason": "Arrested."}).status_code == 200  # not confirmed
    assert WantedMatch.objects.exists()
    assert client.post(url, {"reason": "Arrested.", "confirm": "on"}).status_code == 302
    assert not WantedMatch.objects.exists()
    # Kept in the publishing agency's history; gone for every other agency.
    detail = reverse("registry:wanted_detail", args=[identity.pk])
    assert "Withdrawn" in client.get(detail).content.decode()
    client.force_login(outsider_users["analyst"])
    assert client.get(detail).status_code == 404
    assert "Nguyễn Văn Thắng" not in client.get(reverse("registry:wanted")).content.decode()


def test_wanted_list_searches_folded_names_and_paginates(client, identity, own_users):
    client.force_login(own_users["liaison"])
    url = reverse("registry:wanted")
    for q in ("thang nguyen", "NGUYEN", "阮文勝", "A-9001", "B7730112"):
        assert "Nguyễn Văn Thắng" in client.get(url, {"q": q}).content.decode(), q
    assert "Nguyễn Văn Thắng" not in client.get(url, {"q": "Okafor"}).content.decode()
    assert "Nguyễn Văn Thắng" not in client.get(url, {"category": "of_interest"}).content.decode()
    assert client.get(url, {"page": "999"}).status_code == 200


def test_api_publish_and_withdraw(api, wanted_suspect, own_users, outsider_users, eager):
    body = {
        "suspect": wanted_suspect.pk,
        "category": "of_interest",
        "description": "Seen recruiting.",
        "handles": ["@lagoon"],
    }
    assert (
        api(own_users["investigator"]).post("/api/v1/wanted/", body, format="json").status_code
        == 403
    )
    assert (
        api(outsider_users["supervisor"]).post("/api/v1/wanted/", body, format="json").status_code
        == 400
    )
    with eager():
        response = api(own_users["supervisor"]).post("/api/v1/wanted/", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["category"] == "of_interest" and data["handles"] == ["@lagoon"]
    assert "suspect" not in data and "case" not in data
    url = f"/api/v1/wanted/{data['id']}/withdraw/"
    # Public, so not hidden: refused to any but the publishing agency's supervisors.
    assert api(outsider_users["supervisor"]).post(url, {}).status_code == 403
    assert api(own_users["analyst"]).post(url, {}).status_code == 403
    response = api(own_users["supervisor"]).post(url, {"reason": "Done."}, format="json")
    assert response.status_code == 200 and response.json()["withdrawn_at"]
    assert api(outsider_users["analyst"]).get(f"/api/v1/wanted/{data['id']}/").status_code == 404


# The demo's wanted identity and its match of another agency's suspect are checked where the
# demo is seeded already: tests/test_persons_demo.py.


def test_a_real_worker_matches_a_published_identity(worker, own_users, outsider_users):
    """On a real Celery worker and Redis broker (skipped without them): the publication's
    queued task matches a suspect indexed before it, and a suspect saved after it is matched
    by its own task."""
    from tests.celery_worker import wait_for

    ours = case_create(by=own_users["investigator"], title=CASE_TITLE)
    theirs = case_create(by=outsider_users["investigator"], title="Outsider's compound raid")
    suspect = suspect_create(
        case=ours, by=own_users["investigator"], full_name="Nguyễn Văn Thắng", birth_year=1984
    )
    suspect_create(
        case=theirs,
        by=outsider_users["investigator"],
        full_name="THANG VAN NGUYEN",
        birth_year=1984,
    )
    wait_for(_both_matched)
    identity = services.wanted_publish(
        suspect=suspect, by=own_users["supervisor"], category="wanted", description="Sought."
    )
    wait_for(lambda: WantedMatch.objects.filter(identity=identity).count() == 1)
    suspect_create(
        case=theirs,
        by=outsider_users["investigator"],
        full_name="Thang Nguyen Van",
        birth_year=1984,
    )
    wait_for(lambda: WantedMatch.objects.filter(identity=identity).count() == 2)


def _both_matched() -> bool:
    """The worker indexed and matched both saved suspects."""
    from persons.models import Person

    return Person.objects.filter(matched_at__isnull=False).count() >= 2
