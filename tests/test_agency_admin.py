import pytest
from django.urls import reverse

from agencies.models import ApiToken, Role, User
from agencies.services import token_create


@pytest.fixture
def admin_client(client, own_users):
    client.force_login(own_users["admin"])
    return client


def test_admin_lists_only_own_agency(admin_client, own_users, outsider_users):
    html = admin_client.get(reverse("agencies:user_list")).content.decode()
    assert "own.investigator" in html
    assert "outsider.investigator" not in html


def test_admin_creates_user_in_own_agency(admin_client, own):
    response = admin_client.post(
        reverse("agencies:user_create"),
        {"username": "own.newbie", "role": "analyst", "password": "a-long-enough-passphrase-42"},
    )
    assert response.status_code == 302
    created = User.objects.get(username="own.newbie")
    assert created.agency == own
    assert created.role == "analyst"
    assert not created.is_staff and not created.is_superuser


def test_create_ignores_smuggled_fields(admin_client, own, outsider):
    admin_client.post(
        reverse("agencies:user_create"),
        {
            "username": "own.sneaky",
            "role": "analyst",
            "password": "a-long-enough-passphrase-42",
            "agency": outsider.pk,
            "is_superuser": "on",
            "is_staff": "on",
        },
    )
    created = User.objects.get(username="own.sneaky")
    assert created.agency == own
    assert not created.is_superuser and not created.is_staff


def test_create_rejects_weak_password_and_stores_nothing(admin_client):
    response = admin_client.post(
        reverse("agencies:user_create"),
        {"username": "own.weak", "role": "analyst", "password": "123"},
    )
    assert response.status_code == 200
    assert "too short" in response.content.decode()
    assert not User.objects.filter(username="own.weak").exists()


def test_create_rejects_unknown_role(admin_client):
    response = admin_client.post(
        reverse("agencies:user_create"),
        {"username": "own.x", "role": "superuser", "password": "a-long-enough-passphrase-42"},
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="own.x").exists()


def test_admin_changes_role_and_deactivates(admin_client, own_users):
    analyst = own_users["analyst"]
    response = admin_client.post(
        reverse("agencies:user_edit", args=[analyst.pk]),
        {"role": "investigator", "is_active": "on", "first_name": "An", "last_name": "Le"},
    )
    assert response.status_code == 302
    analyst.refresh_from_db()
    assert analyst.role == "investigator"
    # Deactivation asks for confirmation first.
    confirm = admin_client.get(reverse("agencies:user_deactivate", args=[analyst.pk]))
    assert confirm.status_code == 200
    analyst.refresh_from_db()
    assert analyst.is_active
    admin_client.post(reverse("agencies:user_deactivate", args=[analyst.pk]))
    analyst.refresh_from_db()
    assert not analyst.is_active


def test_deactivation_revokes_tokens(admin_client, own_users):
    analyst = own_users["analyst"]
    token_create(user=analyst)
    admin_client.post(reverse("agencies:user_deactivate", args=[analyst.pk]))
    assert not ApiToken.objects.filter(user=analyst).active().exists()


def test_admin_cannot_touch_other_agency(admin_client, outsider_users):
    other = outsider_users["analyst"]
    for name in ("agencies:user_edit", "agencies:user_deactivate"):
        assert admin_client.get(reverse(name, args=[other.pk])).status_code == 404
        assert (
            admin_client.post(reverse(name, args=[other.pk]), {"role": "admin"}).status_code == 404
        )
    other.refresh_from_db()
    assert other.is_active and other.role == "analyst"


def test_admin_cannot_demote_or_deactivate_self(admin_client, own_users):
    me = own_users["admin"]
    response = admin_client.post(
        reverse("agencies:user_edit", args=[me.pk]), {"role": "supervisor", "is_active": "on"}
    )
    assert response.status_code == 200
    me.refresh_from_db()
    assert me.role == "admin" and me.is_active


def test_admin_cannot_grant_platform_admin(admin_client, own_users):
    analyst = own_users["analyst"]
    admin_client.post(
        reverse("agencies:user_edit", args=[analyst.pk]),
        {"role": "analyst", "is_active": "on", "is_superuser": "on", "is_staff": "on"},
    )
    me = own_users["admin"]
    admin_client.post(
        reverse("agencies:user_edit", args=[me.pk]),
        {"role": "admin", "is_active": "on", "is_superuser": "on", "is_staff": "on"},
    )
    analyst.refresh_from_db()
    me.refresh_from_db()
    assert not (analyst.is_superuser or analyst.is_staff or me.is_superuser or me.is_staff)
    assert admin_client.get("/admin/").status_code == 302  # not staff: sent to the admin login


@pytest.mark.parametrize("role", ["investigator", "analyst", "liaison", "supervisor"])
def test_other_roles_do_not_manage_users(client, own_users, role):
    client.force_login(own_users[role])
    assert client.get(reverse("agencies:user_list")).status_code == 404
    assert (
        client.get(reverse("agencies:user_edit", args=[own_users["analyst"].pk])).status_code == 404
    )


def test_deactivated_user_cannot_log_in(client, own_users):
    user = own_users["investigator"]
    user.is_active = False
    user.save()
    response = client.post(reverse("login"), {"username": user.username, "password": "pw"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_login_shows_agency(client, own_users, own):
    response = client.post(
        reverse("login"), {"username": "own.investigator", "password": "pw"}, follow=True
    )
    assert response.status_code == 200
    assert own.name in response.content.decode()


def test_platform_admin_without_agency_goes_to_django_admin(client, db):
    root = User.objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(root)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_user_list_makes_as_many_queries_for_2n_users(admin_client, own, same_queries_for_n_and_2n):
    def add_users(n: int) -> None:
        for _ in range(n):
            i = User.objects.count()
            User.objects.create_user(
                username=f"own.extra{i}", password="pw", agency=own, role=Role.ANALYST
            )

    url = reverse("agencies:user_list")
    same_queries_for_n_and_2n(lambda: admin_client.get(url), add_users, n=5)
    assert admin_client.get(url).content.decode().count("own.extra") >= 10
