import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from agencies.models import ApiToken


def test_token_obtain_and_use(db, own_users, make_case):
    case = make_case()
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"username": "own.investigator", "password": "pw"}, format="json"
    )
    assert response.status_code == 201
    key = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(f"/api/v1/cases/{case.pk}/").json()["reference"] == case.reference
    # Only a digest is stored.
    assert not ApiToken.objects.filter(digest=key).exists()
    assert ApiToken.objects.filter(digest=ApiToken.hash_key(key)).count() == 1


def test_token_wrong_password(db, own_users):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "own.investigator", "password": "nope"}, format="json"
    )
    assert response.status_code in (401, 403)
    assert "token" not in response.json()


def test_token_for_inactive_user_is_refused(db, own_users):
    user = own_users["analyst"]
    user.is_active = False
    user.save()
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": user.username, "password": "pw"}, format="json"
    )
    assert response.status_code in (401, 403)


def test_list_and_revoke_own_tokens(db, own_users):
    client = APIClient()
    keys = [
        client.post(
            "/api/v1/auth/token/",
            {"username": "own.analyst", "password": "pw", "name": f"script {i}"},
            format="json",
        ).json()["token"]
        for i in range(2)
    ]
    client.credentials(HTTP_AUTHORIZATION=f"Token {keys[0]}")
    listed = client.get("/api/v1/auth/tokens/").json()["results"]
    assert {t["name"] for t in listed} == {"script 0", "script 1"}
    other_id = next(t["id"] for t in listed if t["name"] == "script 1")
    assert client.delete(f"/api/v1/auth/tokens/{other_id}/").status_code == 204
    client.credentials(HTTP_AUTHORIZATION=f"Token {keys[1]}")
    assert client.get("/api/v1/agencies/").status_code == 401


def test_tokens_of_others_are_404(db, own_users, outsider_users):
    client = APIClient()
    other_key = client.post(
        "/api/v1/auth/token/", {"username": "outsider.analyst", "password": "pw"}, format="json"
    ).json()["token"]
    other = ApiToken.objects.get(digest=ApiToken.hash_key(other_key))
    client.force_authenticate(own_users["analyst"])
    assert client.delete(f"/api/v1/auth/tokens/{other.pk}/").status_code == 404
    assert ApiToken.objects.filter(pk=other.pk).active().exists()


def test_agency_directory_is_visible_to_every_member(api, own, partner, outsider, own_users):
    rows = api(own_users["liaison"]).get("/api/v1/agencies/").json()["results"]
    assert {r["code"] for r in rows} == {"own", "partner", "outsider"}
    sample = next(r for r in rows if r["code"] == "outsider")
    assert sample == {
        "id": outsider.pk,
        "code": "outsider",
        "name": "Agency outsider",
        "country": "NG",
        "kind": "police",
        "contact": "desk@outsider.example.org",
        "contact_phone": "",
    }


def test_agency_directory_needs_sign_in(api, own):
    assert api(None).get("/api/v1/agencies/").status_code in (401, 403)


def test_case_api_fields(api, own_users, partner, make_case):
    case = make_case(sharing_level="shared", shared_with=[partner])
    data = api(own_users["investigator"]).get(f"/api/v1/cases/{case.pk}/").json()
    assert data["sharing_level"] == "shared"
    assert data["shared_with"] == [partner.pk]
    assert data["reference"] == case.reference


def test_openapi_schema_has_no_warnings_or_errors(db, capsys):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_api_docs_page_served_without_cdn(client, own_users):
    client.force_login(own_users["analyst"])
    html = client.get("/api/docs/").content.decode()
    assert "swagger" in html.lower()
    assert "cdn" not in html.lower() and "https://" not in html


@pytest.mark.parametrize("path", ["/api/schema/", "/api/v1/agencies/"])
def test_api_answers_json(api, own_users, path):
    response = api(own_users["analyst"]).get(path)
    assert response.status_code == 200


@pytest.fixture
def schema(api, own_users) -> dict:
    return api(own_users["analyst"]).get("/api/schema/?format=json").json()


def test_the_approvals_schema_is_one_object_as_answered(schema):
    answer = schema["paths"]["/api/v1/approvals/"]["get"]["responses"]["200"]
    assert answer["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Approvals"
    }


@pytest.mark.parametrize(
    ("component", "field"),
    [
        ("VictimSummary", "nationality"),
        ("VictimSummary", "current_country"),
        ("RepatriationStep", "from_stage"),
    ],
)
def test_blank_answers_are_in_the_schema(schema, component, field):
    refs = [
        option.get("$ref")
        for option in schema["components"]["schemas"][component]["properties"][field].get(
            "oneOf", []
        )
    ]
    assert "#/components/schemas/BlankEnum" in refs, f"{component}.{field}"


def test_every_update_documents_version_as_required(schema):
    components = schema["components"]["schemas"]
    checked = []
    for path, operations in schema["paths"].items():
        for method in ("put", "patch"):
            body = operations.get(method, {}).get("requestBody", {})
            for media in body.get("content", {}).values():
                name = media["schema"]["$ref"].rsplit("/", 1)[-1]
                if "version" in components[name].get("properties", {}):
                    assert "version" in components[name].get("required", []), f"{method} {path}"
                    checked.append(f"{method} {path}")
    assert "patch /api/v1/cases/{id}/" in checked and "put /api/v1/victims/{id}/" in checked
    # Creating ignores the version: not required there.
    create = schema["paths"]["/api/v1/cases/"]["post"]["requestBody"]["content"]
    name = create["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert "version" not in components[name].get("required", [])


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nothing/here/",
        "/api/v1/cases/not-an-id/",
        "/api/v1/cases/1/export/pdf/",
        "/api/v1/cases/1.json",
        "/api/v1/nothing",
    ],
)
@pytest.mark.parametrize("method", ["get", "post", "delete", "options"])
def test_a_path_no_api_view_has_answers_the_api_json_404(api, own_users, path, method):
    """Not Django's HTML page (with DEBUG its technical page): the media type the schema gives."""
    response = getattr(api(own_users["analyst"]), method)(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


def test_a_feed_format_that_does_not_exist_answers_the_api_json_404(api, own_users):
    response = api(own_users["analyst"]).get("/api/v1/registry/feeds/xml/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()


def test_a_path_without_its_slash_is_still_redirected(api, own_users):
    response = api(own_users["analyst"]).get("/api/v1/agencies?page=2")
    assert response.status_code == 301
    assert response["Location"].endswith("/api/v1/agencies/?page=2")
    # Not a POST: its body would be lost on the way; a JSON 404 says what is wrong.
    refused = api(own_users["analyst"]).post("/api/v1/cases", {})
    assert refused.status_code == 404 and refused["Content-Type"].startswith("application/json")


def test_a_system_event_without_author_is_documented_as_such(schema):
    """Timeline events the system records have no author: the schema says null can come."""
    assert schema["components"]["schemas"]["Note"]["properties"]["author"].get("nullable")
