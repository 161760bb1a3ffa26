"""Victim search on the dashboard and the API: names in any script, folded alike on both sides
(case, diacritics, script), and never beyond what the user may see."""

import ast
import importlib
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from cases.models import Suspect
from cases.services import suspect_create
from persons.search import search_text
from victims import services
from victims.factories import make_repatriation, make_victim
from victims.models import Victim

NAMES = ["Trần Thị Mai", "Nguyễn Văn An", "Nguyễn Văn Bình", "张伟", "สมชาย ใจดี"]


@pytest.fixture
def victims(make_case, own_users, outsider_users):
    liaison = own_users["liaison"]
    case = make_case()
    own = {
        name: make_repatriation(
            victim=make_victim(case=case, by=liaison, full_name=name), by=liaison
        )
        for name in NAMES
    }
    # The unrelated agency holds a victim of the same name: never found by the own agency.
    theirs = make_case(by=outsider_users["investigator"])
    outsider_liaison = outsider_users["liaison"]
    make_repatriation(
        victim=make_victim(case=theirs, by=outsider_liaison, full_name="Trần Thị Mai"),
        by=outsider_liaison,
    )
    return own


def _on_the_page(client, user, query: str) -> list[str]:
    client.force_login(user)
    page = client.get(reverse("victims:dashboard"), {"q": query}).context["page"]
    return sorted(r.victim.full_name for r in page.object_list)


def _in_the_api(api, user, query: str) -> list[str]:
    rows = api(user).get("/api/v1/victims/", {"search": query}).json()["results"]
    return sorted(row["full_name"] for row in rows)


FOUND = [
    ("tran", ["Trần Thị Mai"]),
    ("TRAN thi", ["Trần Thị Mai"]),
    ("mai tran", ["Trần Thị Mai"]),
    ("Trần", ["Trần Thị Mai"]),
    ("nguyen van an", ["Nguyễn Văn An"]),
    ("nguyen van", ["Nguyễn Văn An", "Nguyễn Văn Bình"]),
    ("zhang wei", ["张伟"]),
    ("zhangwei", ["张伟"]),
    ("张伟", ["张伟"]),
    ("smchay", ["สมชาย ใจดี"]),
    ("ใจดี", ["สมชาย ใจดี"]),
    ("guyen", []),
    ("tran binh", []),
]


@pytest.mark.parametrize(("query", "names"), FOUND)
def test_the_dashboard_finds_names_folded(client, victims, own_users, query, names):
    assert _on_the_page(client, own_users["liaison"], query) == names


@pytest.mark.parametrize(("query", "names"), FOUND)
def test_the_api_finds_names_folded(api, victims, own_users, query, names):
    assert _in_the_api(api, own_users["liaison"], query) == names


def test_the_unrelated_agency_finds_only_its_own(client, api, victims, outsider_users):
    liaison = outsider_users["liaison"]
    assert _on_the_page(client, liaison, "tran") == ["Trần Thị Mai"]
    assert _in_the_api(api, liaison, "tran") == ["Trần Thị Mai"]
    found = api(liaison).get("/api/v1/victims/", {"search": "tran"}).json()["results"]
    assert found[0]["id"] != victims["Trần Thị Mai"].victim_id
    for query in ("nguyen van an", "zhang wei", "smchay"):
        assert _on_the_page(client, liaison, query) == []
        assert _in_the_api(api, liaison, query) == []


def test_an_update_refolds_the_names(client, api, victims, own_users):
    liaison = own_users["liaison"]
    victim = victims["Trần Thị Mai"].victim
    victim = services.victim_update(
        by=liaison, victim=victim, full_name="Phạm Thị Thu", version=victim.version
    )
    assert _in_the_api(api, liaison, "tran") == []
    assert _in_the_api(api, liaison, "pham thu") == ["Phạm Thị Thu"]
    services.victim_update(
        by=liaison, victim=victim, other_names=["Trần Mai", "王小明"], version=victim.version
    )
    assert _in_the_api(api, liaison, "tran mai") == ["Phạm Thị Thu"]
    assert _on_the_page(client, liaison, "wang xiaoming") == ["Phạm Thị Thu"]


def test_the_migration_folds_existing_victims(victims):
    Victim.objects.update(search_name="")
    migration = importlib.import_module("victims.migrations.0002_victim_search_name")
    migration.fill_search_name(apps, None)
    assert Victim.objects.get(pk=victims["Nguyễn Văn An"].victim_id).search_name == (
        " nguyen van an"
    )
    assert not Victim.objects.filter(search_name="").exists()


def test_the_migration_runs_its_own_frozen_folding():
    """The migration imports no project code (a later change of the live folding must not
    change what it does) and folds every script as it did when it was written."""
    migration = importlib.import_module("victims.migrations.0002_victim_search_name")
    tree = ast.parse(Path(migration.__file__).read_text())
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported == {"re", "unicodedata", "collections", "anyascii", "django"}
    folded = {
        ("Nguyễn Văn An", ("An Van Nguyen",)): " nguyen van an",
        ("王小明", ()): " wang xiao ming xiaoming wangxiaoming",
        ("สมชาย ใจดี", ("หมู",)): " smchay chaidi aichdi mu hmu",
        ("Иван Петров", ()): " ivan petrov",
        ("O'Brien-Smith", ("Jr.",)): " o brien smith jr",
    }
    for (name, others), expected in folded.items():
        assert migration.victim_search_name(name, others) == expected, name


def test_the_persons_rebuild_refolds_names_saved_by_an_older_rule(
    client, api, make_case, own_users
):
    """Names folded before the folding changed (Arabic, Hangul: as the migration froze it) are
    found again once `persons_rebuild` ran, as README asks after such an upgrade."""
    liaison = own_users["liaison"]
    case = make_case()
    frozen = importlib.import_module("victims.migrations.0002_victim_search_name")
    for name in ("محمد عبد الله", "김민준"):
        make_repatriation(victim=make_victim(case=case, by=liaison, full_name=name), by=liaison)
        Victim.objects.filter(full_name=name).update(
            search_name=frozen.victim_search_name(name, [])
        )
    suspect = suspect_create(case=case, by=own_users["investigator"], full_name="김민준")
    Suspect.objects.filter(pk=suspect.pk).update(
        search_name=frozen.victim_search_name("김민준", [])
    )
    assert _in_the_api(api, liaison, "عبد الله محمد") == []
    assert _on_the_page(client, liaison, "Kim Min-jun") == []

    call_command("persons_rebuild", stdout=StringIO())

    assert _in_the_api(api, liaison, "عبد الله محمد") == ["محمد عبد الله"]
    assert _on_the_page(client, liaison, "Kim Min-jun") == ["김민준"]
    suspect.refresh_from_db()
    assert suspect.search_name == search_text(["김민준"])
