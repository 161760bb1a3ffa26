"""Demo person matching: a few more cross-spelled people beside those the cases and victims
demos seed (`Nguyễn Văn An` / `AN VAN NGUYEN`, `张伟` / `Zhang Wei`, the trafficked worker
`Trần Thị Mai`), then the index and matches of every demo suspect and victim.

`TRAN THI MAI`, arrested in a Thai call-centre case, matches the trafficked worker `Trần Thị
Mai` rescued in Cambodia: the Thai investigators see the non-punishment flag. Idempotent:
people are found again by case and name, and the rebuild recomputes the same matches."""

from __future__ import annotations

from agencies.demo import agency_for, user_for
from cases.models import Case, Suspect
from cases.services import suspect_create
from persons import rebuild
from persons.models import PersonMatch
from victims.models import Victim

# (agency country code, preferred case title, full name, aliases, birth year (or "victim": the
# year of the victim of the same name), month, nationality, role, status)
PEOPLE = [
    (
        "th",
        "Call centre impersonating DSI officers",
        "TRAN THI MAI",
        ["MAI TRAN"],
        "victim",  # born as the trafficked worker Trần Thị Mai of the victims demo
        None,
        "VN",
        "operator",
        "arrested",
    ),
    (
        "ng",
        "Romance scam ring targeting expatriates",
        "Nguyen V. An",
        [],
        1986,
        4,
        "VN",
        "organiser",
        "wanted",
    ),
    (
        "fr",
        "Laundering through NFT marketplace",
        "Wang Fang",
        ["FANG WANG"],
        None,
        None,
        "CN",
        "money_mule",
        "at_large",
    ),
]


def _case_for(cc: str, title: str) -> Case | None:
    cases = Case.objects.filter(agency=agency_for(cc))
    return cases.filter(title=title).first() or cases.order_by("pk").first()


def seed(out) -> None:
    created = 0
    for cc, title, name, aliases, year, month, nationality, role, status in PEOPLE:
        case = _case_for(cc, title)
        if case is None or Suspect.objects.filter(case=case, full_name=name).exists():
            continue
        if year == "victim":
            victim = Victim.objects.filter(full_name__iexact="Trần Thị Mai").first()
            born = victim.date_of_birth if victim else None
            year = born.year if born else 1995
        suspect_create(
            case=case,
            by=user_for(cc, "investigator"),
            full_name=name,
            aliases=aliases,
            birth_year=year,
            birth_month=month,
            nationalities=[nationality],
            role=role,
            status=status,
        )
        created += 1
    result = rebuild.rebuild()
    flagged = PersonMatch.objects.filter(non_punishment=True).count()
    out.write(
        f"{created} suspects created; {result.indexed} persons (re)indexed; "
        f"{PersonMatch.objects.count()} person matches, {flagged} non-punishment flag(s)"
    )
