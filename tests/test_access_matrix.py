"""Who sees a case, for every sharing level and role, in the browser and the API.

The expected answer is written out here from docs/ARCHITECTURE.md, independently of the access
policy: the owning agency always; `shared` adds the named agency; `operation` adds the agencies that
accepted the case's joint operation; `network` adds everyone. Agency admins see no cases.
Anyone else gets 404, never 403.
"""

import pytest
from django.urls import reverse

from cases.models import JointOperation, OperationParticipant, ParticipationStatus, SharingLevel

CASE_READERS = {"investigator", "analyst", "liaison", "supervisor"}
ROLES = ["investigator", "analyst", "liaison", "supervisor", "admin"]


def expected_visible(level: str, relation: str, role: str) -> bool:
    if role not in CASE_READERS:
        return False
    if relation == "own" or level == SharingLevel.NETWORK:
        return True
    if level in (SharingLevel.SHARED, SharingLevel.OPERATION):
        return relation == "partner"
    return False


@pytest.fixture
def world(own_users, partner_users, outsider_users, make_case, own, partner, outsider):
    operation = JointOperation.objects.create(name="Op Lotus", code="lotus", lead_agency=own)
    OperationParticipant.objects.create(
        operation=operation, agency=partner, status=ParticipationStatus.ACCEPTED
    )
    # Invited but not accepted: no access yet.
    OperationParticipant.objects.create(
        operation=operation, agency=outsider, status=ParticipationStatus.INVITED
    )
    cases = {
        SharingLevel.RESTRICTED: make_case(title="restricted case"),
        SharingLevel.SHARED: make_case(
            title="shared case", sharing_level=SharingLevel.SHARED, shared_with=[partner]
        ),
        SharingLevel.OPERATION: make_case(
            title="operation case", sharing_level=SharingLevel.OPERATION, operation=operation
        ),
        SharingLevel.NETWORK: make_case(title="network case", sharing_level=SharingLevel.NETWORK),
    }
    users = {"own": own_users, "partner": partner_users, "outsider": outsider_users}
    return cases, users


MATRIX = [
    (level, relation, role)
    for level in SharingLevel.values
    for relation in ("own", "partner", "outsider")
    for role in ROLES
]


@pytest.mark.parametrize(("level", "relation", "role"), MATRIX)
def test_case_detail_in_browser(client, world, level, relation, role):
    cases, users = world
    client.force_login(users[relation][role])
    response = client.get(reverse("cases:detail", args=[cases[level].pk]))
    assert response.status_code == (200 if expected_visible(level, relation, role) else 404)


@pytest.mark.parametrize(("level", "relation", "role"), MATRIX)
def test_case_detail_in_api(api, world, level, relation, role):
    cases, users = world
    response = api(users[relation][role]).get(f"/api/v1/cases/{cases[level].pk}/")
    assert response.status_code == (200 if expected_visible(level, relation, role) else 404)
    if response.status_code == 200:
        assert response.json()["sharing_level"] == level


@pytest.mark.parametrize("relation", ["own", "partner", "outsider"])
@pytest.mark.parametrize("role", ROLES)
def test_case_lists(client, api, world, relation, role):
    cases, users = world
    user = users[relation][role]
    expected = {
        case.reference for level, case in cases.items() if expected_visible(level, relation, role)
    }
    api_refs = {row["reference"] for row in api(user).get("/api/v1/cases/").json()["results"]}
    assert api_refs == expected

    client.force_login(user)
    html = client.get(reverse("cases:list")).content.decode()
    for case in cases.values():
        assert (case.reference in html) == (case.reference in expected)


def test_anonymous_gets_login_and_401(client, api, world):
    cases, _ = world
    case = cases[SharingLevel.NETWORK]
    response = client.get(reverse("cases:detail", args=[case.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert api(None).get(f"/api/v1/cases/{case.pk}/").status_code in (401, 403)


def test_deactivated_user_sees_nothing(api, world):
    cases, users = world
    alice = users["own"]["investigator"]
    alice.is_active = False
    alice.save()
    assert api(alice).get(f"/api/v1/cases/{cases[SharingLevel.RESTRICTED].pk}/").status_code in (
        401,
        403,
        404,
    )


def test_unknown_and_malformed_ids_are_404(client, api, world):
    _, users = world
    user = users["own"]["investigator"]
    client.force_login(user)
    assert client.get("/cases/999999/").status_code == 404
    assert api(user).get("/api/v1/cases/999999/").status_code == 404
    assert api(user).get("/api/v1/cases/not-a-number/").status_code == 404


# --- interchange (issue 13): who may export and import, by sharing level and role -------------
# Export: whoever sees the case and reads its file (not liaison officers). Import: the owning
# agency's investigators, analysts and supervisors; a partner that sees the case gets 403, anyone
# who does not see it 404.

FILE_READERS = {"investigator", "analyst", "supervisor"}


@pytest.mark.parametrize(("level", "relation", "role"), MATRIX)
def test_case_export_and_import(api, world, level, relation, role):
    import io

    cases, users = world
    case, user = cases[level], users[relation][role]
    visible = expected_visible(level, relation, role)
    response = api(user).get(f"/api/v1/cases/{case.pk}/export/csv/")
    assert response.status_code == (200 if visible and role in FILE_READERS else 404)
    upload = io.BytesIO(b"kind,value\ndomain,matrix-import.com\n")
    upload.name = "m.csv"
    response = api(user).post(
        f"/api/v1/cases/{case.pk}/import/", {"file": upload}, format="multipart"
    )
    if relation == "own" and role in FILE_READERS:
        assert response.status_code == 202
    else:
        assert response.status_code == (403 if visible else 404)
