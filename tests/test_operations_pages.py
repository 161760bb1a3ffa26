"""Operation pages: the member sees figures linked to lists filtered to what it may open; the
report downloads as CSV and prints; a non-member gets 404 on every page."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import OperationStatus, ParticipationStatus
from cases.services import asset_create, case_create, suspect_create
from operations import services
from tests.test_operations import expected_figures, world  # noqa: F401
from victims.factories import make_victim
from victims.models import Victim

FIGURES = [
    "cases",
    "arrested",
    "charged",
    "extradited",
    "victims_identified",
    "victims_rescued",
    "victims_repatriated",
    "assets_frozen",
    "assets_seized",
    "assets_recovered",
    "infrastructure_taken_down",
    "hits_between_participants",
]


def member_pages(op):
    return [
        reverse("operations:detail", args=[op.pk]),
        reverse("operations:report_csv", args=[op.pk]),
        reverse("operations:report_print", args=[op.pk]),
        *(reverse("operations:figure", args=[op.pk, name]) for name in FIGURES),
    ]


@pytest.mark.parametrize("role", ["investigator", "analyst", "liaison", "supervisor", "admin"])
def test_unrelated_agency_gets_404_everywhere(client, world, outsider_users, role):  # noqa: F811
    op = world["op"]
    client.force_login(outsider_users[role])
    for url in member_pages(op):
        assert client.get(url).status_code == 404, url
    for name in ("edit", "invite", "status", "rate", "link_case", "respond"):
        assert client.post(reverse(f"operations:{name}", args=[op.pk])).status_code == 404, name


def test_lead_supervisor_sees_figures_charts_and_reports(client, world, own_users):  # noqa: F811
    op = world["op"]
    client.force_login(own_users["supervisor"])
    html = client.get(reverse("operations:detail", args=[op.pk])).content.decode()
    expected = expected_figures(op)
    assert f'data-figure="arrested"><a href="/operations/{op.pk}/figures/arrested/">' in html
    assert f">{expected['arrested']}</a>" in html
    assert html.count('src="data:image/svg+xml;base64,') == 3
    assert "<script" not in html.split("</head>", 1)[1]  # no inline script in the body
    # The partner's restricted case counts but is not listed.
    restricted = world["cases"]["partner_restricted"]
    assert restricted.reference not in html
    assert "1 more linked case that you may not open adds to the figures" in html
    # CSV.
    response = client.get(reverse("operations:report_csv", args=[op.pk]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert ["figures", "suspects arrested", str(expected["arrested"]), "count"] in rows
    assert ["assets", "frozen", "1500.00", "USD"] in rows
    # Printable page with print CSS.
    html = client.get(reverse("operations:report_print", args=[op.pk])).content.decode()
    assert "operations/report.css" in html and "Operation report" in html


def test_figure_lists_show_only_what_the_viewer_may_open(
    client,
    world,  # noqa: F811
    own_users,
    partner_users,
):
    op = world["op"]
    restricted = world["cases"]["partner_restricted"]
    client.force_login(own_users["supervisor"])
    html = client.get(reverse("operations:figure", args=[op.pk, "arrested"])).content.decode()
    assert restricted.reference not in html
    # The restricted case's two arrests are a count only.
    assert 'data-testid="hidden">2 more' in html
    client.force_login(partner_users["supervisor"])
    html = client.get(reverse("operations:figure", args=[op.pk, "arrested"])).content.decode()
    assert restricted.reference in html
    # ...while the lead's own case (restricted too) is a count for the partner: 4 arrests.
    assert world["cases"]["own"].reference not in html
    assert 'data-testid="hidden">4 more' in html
    # An analyst counts victims but reads no identity.
    client.force_login(own_users["analyst"])
    html = client.get(
        reverse("operations:figure", args=[op.pk, "victims_identified"])
    ).content.decode()
    assert "Victim 0" not in html and 'data-testid="hidden">7 more' in html
    assert client.get(reverse("operations:figure", args=[op.pk, "nope"])).status_code == 404


def test_operation_page_query_count_is_bounded(
    client,
    world,  # noqa: F811
    own_users,
    django_assert_max_num_queries,
):
    op = world["op"]
    url = reverse("operations:detail", args=[op.pk])
    client.force_login(own_users["supervisor"])
    # 30, the navigation bar's unread count, and 3 for the stop-payment figures (membership,
    # the requests, the rates).
    with django_assert_max_num_queries(34):
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    # More linked cases, suspects, victims and assets: the same number of queries.
    alice = own_users["investigator"]
    for n in range(5):
        case = case_create(by=alice, title=f"More {n}", fraud_type="phishing")
        services.operation_link_case(operation=op, case=case, by=own_users["supervisor"])
        suspect_create(case=case, by=alice, full_name=f"Extra {n}", status="arrested")
        asset_create(case=case, by=alice, amount=Decimal(10), currency="EUR", status="frozen")
        make_victim(case=case, by=alice, full_name=f"Extra victim {n}", nationality="KE")
    with CaptureQueriesContext(connection) as after:
        html = client.get(url).content.decode()
    assert len(after.captured_queries) == len(before.captured_queries)
    assert f">{expected_figures(op)['arrested']}</a>" in html


def test_list_page_makes_as_many_queries_for_2n_operations(
    client,
    world,  # noqa: F811
    own_users,
    partner_users,
    same_queries_for_n_and_2n,
):
    supervisor = own_users["supervisor"]

    def add_operations(n: int) -> None:
        for _ in range(n):
            i = world["op"].__class__.objects.count()
            op = services.operation_create(by=supervisor, name=f"Op extra {i}", code=f"extra-{i}")
            services.operation_invite(
                operation=op, by=supervisor, agencies=[partner_users["supervisor"].agency]
            )
            case = case_create(by=own_users["investigator"], title=f"Extra case {i}")
            services.operation_link_case(operation=op, case=case, by=supervisor)

    client.force_login(supervisor)
    url = reverse("operations:list")
    same_queries_for_n_and_2n(lambda: client.get(url), add_operations, n=4)
    html = client.get(url).content.decode()
    assert world["op"].name in html and html.count("Op extra") == 8


def test_supervisor_creates_invites_and_links_through_pages(
    client, own_users, partner_users, partner
):
    client.force_login(own_users["supervisor"])
    response = client.post(
        reverse("operations:create"),
        {"code": "op-heron", "name": "Operation Heron", "reporting_currency": "USD"},
    )
    assert response.status_code == 302
    op = services.JointOperation.objects.get(code="op-heron")
    client.post(reverse("operations:invite", args=[op.pk]), {"agencies": [partner.pk]})
    assert op.participations.get().status == ParticipationStatus.INVITED
    # The invited agency sees the invitation, not the figures, and accepts from it.
    client.force_login(partner_users["supervisor"])
    html = client.get(reverse("operations:detail", args=[op.pk])).content.decode()
    assert "invited to take part" in html and 'data-testid="figures"' not in html
    assert client.get(reverse("operations:report_csv", args=[op.pk])).status_code == 404
    client.post(reverse("operations:respond", args=[op.pk]), {"decision": "accept"})
    assert op.participations.get().status == ParticipationStatus.ACCEPTED
    # The partner links its own case, shared at the operation level.
    case = case_create(by=partner_users["investigator"], title="Partner case")
    client.post(reverse("operations:link_case", args=[op.pk]), {"case": case.pk, "share": "on"})
    case.refresh_from_db()
    assert case.operation_id == op.pk and case.sharing_level == "operation"
    # Another agency's case cannot be linked: 404.
    own_case = case_create(by=own_users["investigator"], title="Own case")
    response = client.post(reverse("operations:link_case", args=[op.pk]), {"case": own_case.pk})
    assert response.status_code == 404
    own_case.refresh_from_db()
    assert own_case.operation_id is None
    # The lead moves the status.
    client.force_login(own_users["supervisor"])
    client.post(reverse("operations:status", args=[op.pk]), {"status": "active"})
    op.refresh_from_db()
    assert op.status == OperationStatus.ACTIVE


def test_participant_cannot_run_the_operation(client, world, partner_users):  # noqa: F811
    op = world["op"]
    client.force_login(partner_users["supervisor"])
    assert client.get(reverse("operations:edit", args=[op.pk])).status_code == 404
    assert (
        client.post(reverse("operations:status", args=[op.pk]), {"status": "active"}).status_code
        == 404
    )


def test_unlink_asks_for_confirmation(client, world, partner_users):  # noqa: F811
    op = world["op"]
    case = world["cases"]["partner_shared"]
    client.force_login(partner_users["supervisor"])
    url = reverse("operations:unlink_case", args=[op.pk, case.pk])
    assert "Take it out" in client.get(url).content.decode()
    case.refresh_from_db()
    assert case.operation_id == op.pk
    client.post(url)
    case.refresh_from_db()
    assert case.operation_id is None


def test_case_page_links_to_the_operation(client, world, own_users, outsider_users):  # noqa: F811
    op = world["op"]
    client.force_login(own_users["analyst"])
    html = client.get(reverse("cases:detail", args=[world["cases"]["own"].pk])).content.decode()
    assert f'href="/operations/{op.pk}/"' in html
    # Linking from the case page, own case only.
    alice = own_users["investigator"]
    case = case_create(by=alice, title="To link")
    client.force_login(alice)
    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Link to an operation your agency takes part in" in html
    client.post(reverse("operations:link_from_case", args=[case.pk]), {"operation": op.pk})
    case.refresh_from_db()
    assert case.operation_id == op.pk and case.sharing_level == "restricted"
    other = case_create(by=outsider_users["investigator"], title="Not theirs")
    response = client.post(
        reverse("operations:link_from_case", args=[other.pk]), {"operation": op.pk}
    )
    assert response.status_code == 404
    # A non-member cannot link to the operation.
    client.force_login(outsider_users["investigator"])
    response = client.post(
        reverse("operations:link_from_case", args=[other.pk]), {"operation": op.pk}
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.operation_id is None


def test_victims_listed_behind_a_figure_are_logged_as_read(client, world, partner_users):  # noqa: F811
    from victims.models import AccessAction, VictimAccessLog

    op = world["op"]
    supervisor = partner_users["supervisor"]
    client.force_login(supervisor)
    html = client.get(
        reverse("operations:figure", args=[op.pk, "victims_identified"])
    ).content.decode()
    reads = VictimAccessLog.objects.filter(user=supervisor, action=AccessAction.READ)
    assert {entry.victim.full_name for entry in reads} == {
        v.full_name for v in Victim.objects.filter(case__agency=supervisor.agency)
    }
    assert all(entry.victim.full_name in html for entry in reads)


def test_countries_with_victims_link_to_the_victims_of_each_nationality(
    client,
    world,  # noqa: F811
    partner_users,
):
    op = world["op"]
    client.force_login(partner_users["supervisor"])
    html = client.get(reverse("operations:detail", args=[op.pk])).content.decode()
    url = reverse("operations:figure", args=[op.pk, "victims_identified"]) + "?country=VN"
    assert f'href="{url}"' in html
    page = client.get(url).content.decode()
    vn_total = sum(
        1 for v in Victim.objects.all() if v.case.operation_id == op.pk and v.nationality == "VN"
    )
    assert f'data-testid="total">{vn_total}<' in page
    shown = [
        v
        for v in Victim.objects.filter(case__agency=partner_users["supervisor"].agency)
        if v.nationality == "VN"
    ]
    assert all(v.full_name in page for v in shown)


def test_edit_page_refuses_a_stale_version(client, world, own_users):  # noqa: F811
    op = world["op"]
    client.force_login(own_users["supervisor"])
    form = {"name": "Lotus", "reporting_currency": "USD", "version": op.version}
    assert client.post(reverse("operations:edit", args=[op.pk]), form).status_code == 302
    response = client.post(reverse("operations:edit", args=[op.pk]), {**form, "name": "Old"})
    assert "Someone else saved this joint operation after you opened it" in (
        response.content.decode()
    )
    op.refresh_from_db()
    assert op.name == "Lotus"


def test_operation_dates_read_in_the_one_iso_format(client, world, own_users):  # noqa: F811
    op = world["op"]
    op.__class__.objects.filter(pk=op.pk).update(starts_on="2026-08-23", ends_on="2026-09-30")
    client.force_login(own_users["supervisor"])
    for url in (reverse("operations:list"), reverse("operations:detail", args=[op.pk])):
        page = client.get(url).content.decode()
        assert "2026-08-23 \u2013 2026-09-30" in page and "Aug. 23, 2026" not in page


def _legend_colours(src: str) -> dict[str, str]:
    """A chart's legend, read from its SVG: each series' name -> the colour it is drawn in."""
    import base64
    import re

    svg = base64.b64decode(src.split(",", 1)[1]).decode()
    colours = dict(re.findall(r"\.color-(\d+),[^{]*\{stroke:(#[0-9A-Fa-f]{6})", svg))
    legend = re.findall(r'class="color-(\d+) reactive" /><text [^>]*>([^<]+)</text>', svg)
    return {name: colours[n] for n, name in legend}


def test_every_chart_draws_a_measure_in_the_same_colour(client, world, own_users):  # noqa: F811
    client.force_login(own_users["supervisor"])
    page = client.get(reverse("operations:detail", args=[world["op"].pk]))
    seen: dict[str, set[str]] = {}
    for chart in page.context["charts"]:
        for name, colour in _legend_colours(chart["src"]).items():
            seen.setdefault(name, set()).add(colour)
    assert {"Suspects arrested", "Victims rescued", "Victims identified"} <= set(seen)
    assert {name: len(c) for name, c in seen.items() if len(c) > 1} == {}
    # Each measure its own colour.
    assert len({next(iter(c)) for c in seen.values()}) == len(seen)
