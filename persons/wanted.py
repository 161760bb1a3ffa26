"""Matching of the person index against the published wanted identities of the registry.

A published identity is profiled and keyed as a person is (persons/matching.py), its keys in
`WantedKey`. A suspect or victim and an identity are candidates by the rule of person matching
(persons/xref.py): they share a key that is not common (born the same year or of unknown year
when year pruning holds), or a common name key and the same known birth year; a pair scoring
at least the person-match threshold is a `WantedMatch`. The suspect an identity was published
from is never its own match. Both directions use that one rule: a saved person is matched
against the identities (`match_persons_to_wanted`, called by `xref.match_persons`), a
published identity against the index (`match_identity`, its task), and the rebuild
(`rebuild_wanted`) gives the same matches as both.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from persons import matching
from persons.index import chunks, threshold, year_pruning
from persons.models import Person, PersonKey
from registry.models import WantedIdentity, WantedKey, WantedMatch

PersonProfiles = dict[int, tuple[matching.Profile, frozenset[str], int | None]]


def identity_profile(identity: WantedIdentity) -> matching.Profile:
    return matching.profile(
        names=[identity.full_name, *(identity.names or []), *(identity.aliases or [])],
        birth=(identity.birth_year, identity.birth_month, identity.birth_day),
        nationalities=list(identity.nationalities or []),
        documents=identity.documents or [],
    )


@transaction.atomic
def index_identity(identity: WantedIdentity) -> None:
    """Profile and key a published identity (a withdrawn one has no key and no match)."""
    WantedKey.objects.filter(identity=identity).delete()
    if identity.withdrawn_at is not None:
        WantedMatch.objects.filter(identity=identity).delete()
        return
    prof = identity_profile(identity)
    identity.profile = prof.as_json()
    identity.matched_at = None
    identity.save(update_fields=["profile", "matched_at"])
    WantedKey.objects.bulk_create(
        WantedKey(identity=identity, key=k, birth_year=prof.birth_year) for k in sorted(prof.keys())
    )


def _linked(shared: set[str], common: set[str], ya: int | None, yb: int | None) -> bool:
    """The candidate rule of person matching for two key sets' intersection."""
    if ya is not None and ya == yb:
        return bool(shared)
    if year_pruning() and ya is not None and yb is not None:
        return False
    return bool(shared - common)


def _score(person: matching.Profile, identity: matching.Profile) -> matching.Score | None:
    result = matching.score(person, identity)
    return result if result.value >= threshold() else None


def _write(
    found: dict[tuple[int, int], matching.Score], existing: dict[tuple[int, int], tuple]
) -> None:
    """Make the stored matches of the pairs considered (`existing`, (identity, person) ->
    (pk, score, explanation)) those found: add, update or delete only what differs."""
    stale = [pk for pair, (pk, *_) in existing.items() if pair not in found]
    if stale:
        WantedMatch.objects.filter(pk__in=stale).delete()
    new, changed = [], []
    for (identity_id, person_id), result in found.items():
        explanation = result.explanation[:300]
        if (identity_id, person_id) not in existing:
            new.append(
                WantedMatch(
                    identity_id=identity_id,
                    person_id=person_id,
                    score=result.value,
                    explanation=explanation,
                )
            )
        elif existing[(identity_id, person_id)][1:] != (result.value, explanation):
            changed.append(
                WantedMatch(
                    pk=existing[(identity_id, person_id)][0],
                    score=result.value,
                    explanation=explanation,
                )
            )
    WantedMatch.objects.bulk_update(changed, ["score", "explanation"], batch_size=1000)
    WantedMatch.objects.bulk_create(new, ignore_conflicts=True)


def match_persons_to_wanted(persons: PersonProfiles, *, common: set[str]) -> int:
    """Recompute the wanted matches of these indexed persons ({person: (profile, keys,
    birth year)}) against every published identity, `common` being the common keys among
    theirs (`xref.match_persons` counted them). Returns the number of matches kept."""
    if not persons:
        return 0
    keys = {k for _, ks, _ in persons.values() for k in ks}
    identity_keys: dict[int, set[str]] = {}
    years: dict[int, int | None] = {}
    for some in chunks(sorted(keys), 2000):
        for identity_id, key, year in WantedKey.objects.filter(
            key__in=some, identity__withdrawn_at=None
        ).values_list("identity_id", "key", "birth_year"):
            identity_keys.setdefault(identity_id, set()).add(key)
            years[identity_id] = year
    rows = WantedIdentity.objects.filter(pk__in=list(identity_keys)).values_list(
        "pk", "profile", "suspect_id"
    )
    identities = {pk: (matching.Profile.from_json(p), s) for pk, p, s in rows}
    sources = dict(Person.objects.filter(pk__in=list(persons)).values_list("pk", "suspect_id"))
    found: dict[tuple[int, int], matching.Score] = {}
    for person_id, (prof, person_keys, year) in persons.items():
        for identity_id, ikeys in identity_keys.items():
            identity, suspect_id = identities[identity_id]
            if suspect_id is not None and sources.get(person_id) == suspect_id:
                continue
            if not _linked(person_keys & ikeys, common, year, years[identity_id]):
                continue
            result = _score(prof, identity)
            if result is not None:
                found[(identity_id, person_id)] = result
    existing = {
        (i, p): (pk, score, explanation)
        for pk, i, p, score, explanation in WantedMatch.objects.filter(
            person_id__in=list(persons)
        ).values_list("pk", "identity_id", "person_id", "score", "explanation")
    }
    _write(found, existing)
    return len(found)


@transaction.atomic
def match_identity(identity_id: int) -> int:
    """Recompute the matches of one identity against the whole person index: index probes on
    its keys, never a scan. A withdrawn (or deleted) identity has none. Idempotent."""
    identity = WantedIdentity.objects.select_for_update().filter(pk=identity_id).first()
    if identity is None:
        return 0
    if identity.withdrawn_at is not None:
        WantedMatch.objects.filter(identity=identity).delete()
        return 0
    if not identity.profile:
        index_identity(identity)
    prof = matching.Profile.from_json(identity.profile)
    ikeys = set(WantedKey.objects.filter(identity=identity).values_list("key", flat=True))
    common = PersonKey.objects.common(ikeys)
    year = prof.birth_year
    rows = PersonKey.objects.filter(key__in=sorted(ikeys))
    if year_pruning() and year is not None:
        rows = rows.filter(Q(birth_year=year) | Q(birth_year__isnull=True))
    shared: dict[int, set[str]] = {}
    for person_id, key in rows.values_list("person_id", "key"):
        shared.setdefault(person_id, set()).add(key)
    found: dict[tuple[int, int], matching.Score] = {}
    for some in chunks(sorted(shared), 5000):
        for pk, profile, suspect_id in Person.objects.filter(pk__in=some).values_list(
            "pk", "profile", "suspect_id"
        ):
            if identity.suspect_id is not None and suspect_id == identity.suspect_id:
                continue
            person = matching.Profile.from_json(profile)
            if not _linked(shared[pk], common, person.birth_year, year):
                continue
            result = _score(person, prof)
            if result is not None:
                found[(identity.pk, pk)] = result
    existing = {
        (i, p): (pk, score, explanation)
        for pk, i, p, score, explanation in WantedMatch.objects.filter(
            identity=identity
        ).values_list("pk", "identity_id", "person_id", "score", "explanation")
    }
    _write(found, existing)
    WantedIdentity.objects.filter(pk=identity.pk).update(matched_at=timezone.now())
    return len(found)


def sweep_wanted(*, limit: int = 1000) -> int:
    """Published identities never matched (their task was never published, or failed)."""
    ids = list(
        WantedIdentity.objects.published()
        .filter(matched_at=None)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        match_identity(pk)
    return len(ids)


def rebuild_wanted() -> int:
    """Every published identity profiled, keyed and matched again; every match of a
    withdrawn one removed. Returns the number of matches."""
    WantedMatch.objects.filter(identity__withdrawn_at__isnull=False).delete()
    WantedKey.objects.filter(identity__withdrawn_at__isnull=False).delete()
    total = 0
    for pk in WantedIdentity.objects.published().order_by("pk").values_list("pk", flat=True):
        identity = WantedIdentity.objects.get(pk=pk)
        index_identity(identity)
        total += match_identity(pk)
    return total
