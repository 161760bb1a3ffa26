"""Indexing of persons: each suspect and victim as a profile (persons/matching.py) and its
blocking keys in the index (`PersonKey`), re-indexed when its profile changes. What the
matching (persons/xref.py) and the rebuild (persons/rebuild.py) read."""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Suspect
from config.bulk import collector_paused
from persons import matching
from persons.models import (
    TRAFFICKED_KINDS,
    Person,
    PersonKey,
    PersonKind,
    common_name_threshold,
    is_name_key,
)
from victims.models import DatePrecision, Victim

log = logging.getLogger(__name__)

CHUNK = 1000


def threshold() -> int:
    """A pair scoring at least this is a possible match."""
    return settings.FORTRESS_PERSON_MATCH_THRESHOLD


def year_pruning() -> bool:
    """Two persons born in different (known) years score at most 100 - 40 + 5 = 65: above
    that threshold they can never match, so candidates are read for the same year only."""
    return threshold() > matching.MAX_SCORE_WITH_DIFFERENT_YEARS


@dataclass
class MatchResult:
    indexed: int = 0
    matched: int = 0
    created: int = 0
    removed: int = 0

    def add(self, other: MatchResult) -> None:
        self.indexed += other.indexed
        self.matched += other.matched
        self.created += other.created
        self.removed += other.removed


def chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _requeue_crossed(added: dict[str, int], removed: dict[str, int]) -> None:
    """After keys were added and removed: the persons of every key that became common, or
    stopped being common, are matched again (by the sweep), since which of their pairs match
    changed. Crossing is rare: once per key on the way up."""
    limit = common_name_threshold()
    delta = {k: added.get(k, 0) - removed.get(k, 0) for k in {*added, *removed}}
    delta = {k: d for k, d in delta.items() if d and is_name_key(k)}
    if not delta:
        return
    # Counted exactly up to past the largest change: enough to tell every crossing.
    counts = PersonKey.objects.counts(delta, limit + max(abs(d) for d in delta.values()) + 1)
    crossed = [
        key
        for key, n in counts.items()
        if (delta[key] > 0 and limit < n <= limit + delta[key])
        or (delta[key] < 0 and limit + delta[key] < n <= limit)
    ]
    if crossed:
        Person.objects.filter(
            pk__in=PersonKey.objects.filter(key__in=crossed).values("person_id")
        ).update(matched_at=None)


def suspect_profile(suspect: Suspect) -> matching.Profile:
    return matching.profile(
        names=[suspect.full_name, *(suspect.aliases or [])],
        birth=(suspect.birth_year, suspect.birth_month, suspect.birth_day),
        nationalities=[str(c) for c in suspect.nationalities],  # a Country's str is its code
        documents=suspect.documents or [],
    )


def victim_profile(victim: Victim) -> matching.Profile:
    dob = victim.date_of_birth
    birth: tuple[int | None, int | None, int | None] = (None, None, None)
    if dob is not None:
        precision = victim.date_of_birth_precision
        birth = (
            dob.year,
            dob.month if precision != DatePrecision.YEAR else None,
            dob.day if precision == DatePrecision.DAY else None,
        )
    return matching.profile(
        names=[victim.full_name, *(victim.other_names or [])],
        birth=birth,
        nationalities=[str(victim.nationality)] if victim.nationality else [],
        documents=victim.identity_documents or [],
    )


def person_fingerprint(prof: matching.Profile, *, trafficked: bool) -> str:
    """What matching reads: the profile, and whether a victim is a trafficked worker."""
    return hashlib.sha256(f"{prof.fingerprint()}:{trafficked}".encode()).hexdigest()


def _sources(kind: str, ids: Iterable[int]) -> list[Suspect | Victim]:
    model = Suspect if kind == PersonKind.SUSPECT else Victim
    return list(
        model.objects.filter(pk__in=list(ids), case__erased_at=None)
        .select_related("case")
        .order_by("pk")
    )


@collector_paused()
def index_sources(*, kind: str, ids: Iterable[int]) -> list[int]:
    """Index these suspects or victims (missing ones are skipped: deleting a source deletes
    its person). Returns the persons whose profile changed, and so need matching."""
    if kind not in PersonKind.values:
        raise ValidationError(_("Unknown person kind %(kind)s.") % {"kind": repr(kind)})
    sources = _sources(kind, ids)
    field = "suspect_id" if kind == PersonKind.SUSPECT else "victim_id"
    changed: list[int] = []
    with transaction.atomic():
        existing = {
            getattr(p, field): p
            for p in Person.objects.select_for_update(no_key=True).filter(
                **{f"{field}__in": [s.pk for s in sources]}
            )
        }
        old_keys: dict[int, set[str]] = {}
        for pid, key in PersonKey.objects.filter(
            person_id__in=[p.pk for p in existing.values()]
        ).values_list("person_id", "key"):
            old_keys.setdefault(pid, set()).add(key)
        added: Counter[str] = Counter()
        removed: Counter[str] = Counter()
        new_keys: list[PersonKey] = []
        for source in sources:
            if isinstance(source, Suspect):
                prof, trafficked = suspect_profile(source), False
            else:
                prof, trafficked = victim_profile(source), source.kind in TRAFFICKED_KINDS
            fingerprint = person_fingerprint(prof, trafficked=trafficked)
            person = existing.get(source.pk)
            if person is not None and person.fingerprint == fingerprint:
                if person.source_updated_at != source.updated_at:
                    person.source_updated_at = source.updated_at
                    person.save(update_fields=["source_updated_at"])
                continue
            fields = {
                "case_id": source.case_id,
                "agency_id": source.case.agency_id,
                "profile": prof.as_json(),
                "sort_key": " ".join(sorted(prof.variants[0].tokens))[:300]
                if prof.variants
                else "",
                "birth_year": prof.birth_year,
                "trafficked_victim": trafficked,
                "fingerprint": fingerprint,
                "source_updated_at": source.updated_at,
                "indexed_at": timezone.now(),
                "matched_at": None,
            }
            if person is None:
                person = Person(kind=kind, **{field: source.pk}, **fields)
                try:
                    with transaction.atomic():
                        person.save()
                except IntegrityError:  # indexed meanwhile by another worker: it did the work
                    continue
            else:
                for name, value in fields.items():
                    setattr(person, name, value)
                person.save()
                PersonKey.objects.filter(person=person).delete()
            keys = prof.keys()
            old = old_keys.get(person.pk, set())
            added.update(keys - old)
            removed.update(old - keys)
            new_keys.extend(
                PersonKey(person=person, key=k, birth_year=prof.birth_year) for k in sorted(keys)
            )
            changed.append(person.pk)
        PersonKey.objects.bulk_create(new_keys, ignore_conflicts=True, batch_size=2000)
        _requeue_crossed(added, removed)
    return changed
