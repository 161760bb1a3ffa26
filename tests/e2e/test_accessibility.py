"""axe-core (bundled in axe-playwright-python: nothing downloaded) on the main pages of every
role, with data on them: no serious or critical violation. Each role opens what its
navigation bar offers, and its notifications."""

import pytest

from agencies.navigation import nav_items
from agencies.services import notification_send
from tests.test_operations import world  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("role", ["investigator", "analyst", "liaison", "supervisor", "admin"])
def test_the_main_pages_of_each_role_pass_axe(
    page,
    login,
    live_server,
    world,  # noqa: F811
    own_users,
    role,
    no_serious_violations,
):
    user = own_users[role]
    notification_send(user=user, key="a11y", message="Something awaits you", url="/")
    login(f"own.{role}")
    urls = [item.url for item in nav_items(user)] + ["/notifications/"]
    for url in urls:
        page.goto(f"{live_server.url}{url}")
        no_serious_violations(page)
