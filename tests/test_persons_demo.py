"""The demo seeds cross-spelled people, and one suspect matching a trafficked worker."""

from django.core.management import call_command

from persons.models import Person, PersonMatch
from registry.models import WantedIdentity, WantedMatch


def names(person: Person) -> str:
    return (person.suspect or person.victim).full_name


def test_demo_matches_cross_spelled_people_and_flags_a_trafficked_worker(db, settings, client):
    settings.DEBUG = True
    call_command("seed_demo")
    matches = {m.pk: m for m in PersonMatch.objects.select_related("a", "b")}
    call_command("seed_demo")
    assert set(PersonMatch.objects.values_list("pk", flat=True)) == set(matches)
    pairs = {frozenset({names(m.a), names(m.b)}) for m in matches.values()}
    assert frozenset({"Nguyễn Văn An", "AN VAN NGUYEN"}) in pairs
    assert frozenset({"张伟", "Zhang Wei"}) in pairs
    flagged = [m for m in matches.values() if m.non_punishment]
    mai = [m for m in flagged if {names(m.a), names(m.b)} == {"Trần Thị Mai", "TRAN THI MAI"}]
    assert len(mai) == 1
    # The Thai investigator holding the suspect sees the flag on the home page.
    suspect_side = mai[0].a if mai[0].a.kind == "suspect" else mai[0].b
    client.force_login(suspect_side.agency.users.get(role="investigator"))
    assert "consider the non-punishment principle" in client.get("/").content.decode()
    # The Vietnamese agency's wanted identity matches the Thai agency's suspect (issue 14),
    # whose investigators see it on the wanted matches page.
    identity = WantedIdentity.objects.get(full_name="Nguyễn Văn An")
    other = WantedMatch.objects.select_related("person__suspect", "person__agency").filter(
        identity=identity, person__agency__country="TH"
    )
    assert [m.person.suspect.full_name for m in other] == ["AN VAN NGUYEN"]
    client.force_login(other[0].person.agency.users.get(role="investigator"))
    page = client.get("/persons/matches/wanted/").content.decode()
    assert "Nguyễn Văn An" in page and "AN VAN NGUYEN" in page
