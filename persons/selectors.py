"""Reads for the person-match pages and API, always scoped by access/.

A match is shown from the viewer's side: their own person (named only if its record is
visible to them: an analyst sees "a victim", not the victim's name) and the other side: the
agency holding the other person and whom to contact there; the other person and case are
named only when the viewer may see them anyway. Victim names shown are written to the victim
access log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse

import access
from agencies.models import Agency, User
from cases.models import Case
from persons.models import (
    MatchStatus,
    Person,
    PersonKey,
    PersonKind,
    PersonMatch,
    either_side,
)
from registry.models import WantedIdentity, WantedMatch
from victims.models import AccessAction
from victims.services import log_access


@dataclass(frozen=True)
class Side:
    kind: str  # suspect / victim
    agency: Agency
    name: str | None  # None: the viewer may not read this record
    record_url: str | None
    case: Case | None  # None: the viewer may not see this case
    trafficked_victim: bool

    @property
    def kind_label(self) -> str:
        if self.kind == PersonKind.VICTIM:
            return "trafficked worker (victim)" if self.trafficked_victim else "victim"
        return "suspect"


@dataclass(frozen=True)
class MatchRow:
    match: PersonMatch
    mine: Side
    other: Side
    can_review: bool
    can_request_access: bool

    @property
    def flag_non_punishment(self) -> bool:
        """The viewer's suspect may be a trafficked worker recorded as a victim elsewhere."""
        return (
            self.match.non_punishment
            and self.match.status != MatchStatus.DISMISSED
            and self.mine.kind == PersonKind.SUSPECT
        )


def matches_for(user: User) -> QuerySet[PersonMatch]:
    return access.visible_person_matches(user).select_related(
        "a__case", "a__agency", "b__case", "b__agency", "decided_by"
    )


def _touching(persons: QuerySet[Person]) -> Q:
    """The matches with either side among these (few) persons, their ids read first (an OR of
    `a__case=… | b__case=…` cost the case page 1,560 ms on the bench data)."""
    return either_side(list(persons.order_by().values_list("pk", flat=True)))


def matches_of_case(user: User, case: Case, *, limit: int = 50) -> list[PersonMatch]:
    """The best `limit` visible matches of the case's persons, best first. Chosen by id and
    score without ORDER BY … LIMIT in the database: with one, PostgreSQL walks the
    best-first index of all the matches hoping to meet the case's few early (1 s)."""
    found = (
        access.visible_person_matches(user)
        .filter(_touching(Person.objects.filter(case=case)))
        .order_by()
        .values_list("score", "pk")
    )
    best = [pk for _, pk in sorted(found, reverse=True)[:limit]]
    return list(matches_for(user).filter(pk__in=best).order_by("-score", "-id"))


def suspects_needing_a_birth_date(user: User, case: Case) -> list:
    """Suspects of this case (as the viewer sees them) that no name-only match can find: no
    birth year, no identity document, and every name key common (PersonKey.objects.common),
    so they match nobody until a date of birth or a document is recorded."""
    persons = list(
        Person.objects.filter(
            case=case,
            kind=PersonKind.SUSPECT,
            birth_year__isnull=True,
            suspect__in=access.visible_suspects(user),
        )
        .select_related("suspect")
        .order_by("suspect__full_name")
    )
    keys: dict[int, set[str]] = {p.pk: set() for p in persons}
    for pid, key in PersonKey.objects.filter(person_id__in=list(keys)).values_list(
        "person_id", "key"
    ):
        keys[pid].add(key)
    common = PersonKey.objects.common(k for ks in keys.values() for k in ks)
    # a document key is never common
    return [p.suspect for p in persons if keys[p.pk] and keys[p.pk] <= common]


def _side_reader(user: User, persons: list[Person]):
    """(side of a person as the viewer sees it, the victims named): a fixed number of
    queries for any number of persons."""
    suspect_ids = {p.suspect_id for p in persons if p.suspect_id}
    victim_ids = {p.victim_id for p in persons if p.victim_id}
    case_ids = {p.case_id for p in persons}
    suspects = dict(
        access.visible_suspects(user).filter(pk__in=suspect_ids).values_list("pk", "full_name")
    )
    victims = {v.pk: v for v in access.visible_victims(user).filter(pk__in=victim_ids)}
    cases = access.visible_cases(user).in_bulk(case_ids)

    def side(person: Person) -> Side:
        if person.kind == PersonKind.SUSPECT:
            name = suspects.get(person.suspect_id)
            url = reverse("cases:detail", args=[person.case_id]) if name is not None else None
        else:
            victim = victims.get(person.victim_id)
            name = victim.full_name if victim else None
            url = reverse("victims:victim_detail", args=[person.victim_id]) if victim else None
        return Side(
            kind=person.kind,
            agency=person.agency,
            name=name,
            record_url=url,
            case=cases.get(person.case_id),
            trafficked_victim=person.trafficked_victim,
        )

    return side, victims


def _log_shown(user: User, persons: list[Person], victims: dict, where: str) -> None:
    shown = [victims[p.victim_id] for p in persons if p.victim_id in victims]
    if shown:
        log_access(
            by=user,
            victims=list({v.pk: v for v in shown}.values()),
            action=AccessAction.READ,
            where=where,
        )


def match_rows(user: User, matches: list[PersonMatch], *, where: str) -> list[MatchRow]:
    """Each match from the viewer's side: a fixed number of queries for any number."""
    agency_id = access.agency_id_of(user)
    persons: list[Person] = [p for m in matches for p in (m.a, m.b)]
    side, victims = _side_reader(user, persons)
    reviewer = access.can(user, access.Action.MANAGE_INDICATORS)
    rows = []
    for m in matches:
        mine, other = m.sides(agency_id)
        other_side = side(other)
        rows.append(
            MatchRow(
                match=m,
                mine=side(mine),
                other=other_side,
                can_review=reviewer,
                can_request_access=reviewer and other_side.case is None,
            )
        )
    _log_shown(user, persons, victims, where)
    return rows


# --- matches against published wanted identities ---------------------------------------------


@dataclass(frozen=True)
class WantedRow:
    match: WantedMatch
    identity: WantedIdentity  # public to the network: shown in full
    person: Side  # the suspect or victim, named only if visible to the viewer
    mine: bool  # the person is held by the viewer's agency


def wanted_matches_for(user: User) -> QuerySet[WantedMatch]:
    return access.visible_wanted_matches(user).select_related(
        "identity__agency", "person__agency", "person__case"
    )


def wanted_rows(user: User, matches: list[WantedMatch], *, where: str) -> list[WantedRow]:
    """Each wanted match as the viewer sees it: a fixed number of queries for any number."""
    agency_id = access.agency_id_of(user)
    persons = [m.person for m in matches]
    side, victims = _side_reader(user, persons)
    rows = [
        WantedRow(
            match=m,
            identity=m.identity,
            person=side(m.person),
            mine=m.person.agency_id == agency_id,
        )
        for m in matches
    ]
    _log_shown(user, persons, victims, where)
    return rows


def wanted_row_payload(row: WantedRow) -> dict[str, Any]:
    """What the API says of a wanted match: the identity in full, the person as a person
    match tells it (nothing of a record the viewer may not see)."""
    p = row.person
    return {
        "id": row.match.pk,
        "score": row.match.score,
        "explanation": row.match.explanation,
        "mine": row.mine,
        "identity": row.identity,
        "person": {
            "kind": p.kind,
            "trafficked_victim": p.trafficked_victim if p.kind == PersonKind.VICTIM else None,
            "agency": p.agency,
            "name": p.name,
            "case": {"id": p.case.pk, "reference": p.case.reference} if p.case else None,
        },
    }


def wanted_flags(user: User, suspects: list) -> dict[int, list[WantedMatch]]:
    """{suspect id: its visible wanted matches} for these suspects."""
    ids = [s.pk for s in suspects]
    found: dict[int, list[WantedMatch]] = {}
    if ids:
        for m in wanted_matches_for(user).filter(person__suspect__in=ids):
            found.setdefault(m.person.suspect_id, []).append(m)
    return found


NON_PUNISHMENT_TEXT = "possible victim of trafficking — consider the non-punishment principle"


def _non_punishment_matches(user: User) -> QuerySet[PersonMatch]:
    """The viewer's matches of a suspect with a trafficked worker, not dismissed, best first."""
    return (
        matches_for(user)
        .filter(non_punishment=True)
        .exclude(status=MatchStatus.DISMISSED)
        .order_by("-score", "-id")
    )


def non_punishment_suspects(user: User, suspects: list) -> dict[int, int]:
    """{suspect id: match id} for these suspects whose (not dismissed) match, as
    the viewer sees matches, is with a victim recorded as a trafficked worker."""
    ids = [s.pk for s in suspects]
    if not ids:
        return {}
    matches = _non_punishment_matches(user)
    found: dict[int, int] = {}
    for pk, a_suspect, b_suspect in matches.filter(
        _touching(Person.objects.filter(suspect__in=ids))
    ).values_list("pk", "a__suspect_id", "b__suspect_id"):
        for suspect_id in (a_suspect, b_suspect):
            if suspect_id in ids:
                found.setdefault(suspect_id, pk)
    return found


def non_punishment_flags(user: User, *, limit: int = 10) -> list[MatchRow]:
    """The viewer's agency's suspects matching a victim recorded as a trafficked worker."""
    agency_id = access.agency_id_of(user)
    # The agency's suspects as one subquery on either side (an OR of two joined conditions
    # joined every match to both persons: 1.6 s of the home page on the bench data); the
    # flagged matches, best first, are one partial index (`personmatch_non_punishment`).
    suspects = Person.objects.filter(agency_id=agency_id, kind=PersonKind.SUSPECT)
    own_suspect = _non_punishment_matches(user).filter(
        either_side(suspects.order_by().values("pk"))
    )
    rows = match_rows(user, list(own_suspect[:limit]), where="home: non-punishment flags")
    return [r for r in rows if r.flag_non_punishment]


def row_payload(row: MatchRow) -> dict[str, Any]:
    """What the API says about a match: nothing of a record the viewer may not see."""

    def side(s: Side) -> dict[str, Any]:
        return {
            "kind": s.kind,
            "trafficked_victim": s.trafficked_victim if s.kind == PersonKind.VICTIM else None,
            "agency": {
                "id": s.agency.pk,
                "name": s.agency.name,
                "country": s.agency.country.code,
                "contact_email": s.agency.contact_email,
                "contact_phone": s.agency.contact_phone,
            },
            "name": s.name,
            "case": {"id": s.case.pk, "reference": s.case.reference} if s.case else None,
        }

    m = row.match
    return {
        "id": m.pk,
        "score": m.score,
        "explanation": m.explanation,
        "status": m.status,
        "reason": m.reason,
        "decided_at": m.decided_at,
        "non_punishment": row.flag_non_punishment,
        "mine": side(row.mine),
        "other": side(row.other),
    }


def published_from(user: User, suspects: list) -> list[WantedIdentity]:
    """The live identities the viewer's agency published from these suspects."""
    ids = [s.pk for s in suspects]
    if not ids:
        return []
    return list(
        access.visible_wanted_identities(user).filter(
            suspect__in=ids, withdrawn_at=None, agency_id=access.agency_id_of(user)
        )
    )


def wanted_matches_of_victim(user: User, victim_id: int) -> list[WantedRow]:
    matches = list(wanted_matches_for(user).filter(person__victim_id=victim_id)[:50])
    return wanted_rows(user, matches, where=f"victim {victim_id}: wanted matches")
