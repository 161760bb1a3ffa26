"""The writes of person matching: index a suspect or victim, match indexed persons, decide a
match, ask for access to the other record. Tasks, the sweep, the rebuild, pages and API all
call these.

Matching a person is a function of the stored profiles only: the persons sharing one of its
blocking keys are scored (persons/matching.py) and every pair at or above the threshold is
kept. A pair's score does not depend on which side is matched first, so incremental
processing, the sweep and the full rebuild give the same matches, and running any of them
twice changes nothing.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from agencies import access
from agencies.models import User
from agencies.services import PolicyError
from cases.models import Suspect
from cases.services import case_event_record
from indicators.models import AccessRequest, AccessRequestStatus
from persons import matching
from persons.models import TRAFFICKED_KINDS, MatchStatus, Person, PersonKey, PersonKind, PersonMatch
from victims.models import DatePrecision, Victim

log = logging.getLogger(__name__)

CHUNK = 1000
# Matching holds every candidate of a chunk's persons (thousands each for a common name in a
# large index): smaller chunks keep that memory bounded.
MATCH_CHUNK = 200
# A key shared by more persons than this still blocks, but only the persons sharing most keys
# with the one matched are scored (a guard against a pathological key, not a normal path).
CANDIDATE_LIMIT = 5000


def threshold() -> int:
    return int(getattr(settings, "FORTRESS_PERSON_MATCH_THRESHOLD", 80))


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


# --- indexing ------------------------------------------------------------------------------


def suspect_profile(suspect: Suspect) -> matching.Profile:
    return matching.profile(
        names=[suspect.full_name, *(suspect.aliases or [])],
        birth=(suspect.birth_year, suspect.birth_month, suspect.birth_day),
        nationalities=[c.code for c in suspect.nationalities],
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
        nationalities=[victim.nationality.code] if victim.nationality else [],
        documents=victim.identity_documents or [],
    )


def person_fingerprint(prof: matching.Profile, *, trafficked: bool) -> str:
    """What matching reads: the profile, and whether a victim is a trafficked worker."""
    return hashlib.sha256(f"{prof.fingerprint()}:{trafficked}".encode()).hexdigest()


def _sources(kind: str, ids: Iterable[int]) -> list[Suspect | Victim]:
    model = Suspect if kind == PersonKind.SUSPECT else Victim
    return list(model.objects.filter(pk__in=list(ids)).select_related("case").order_by("pk"))


def index_sources(*, kind: str, ids: Iterable[int]) -> list[int]:
    """Index these suspects or victims (missing ones are skipped: deleting a source deletes
    its person). Returns the persons whose profile changed, and so need matching."""
    if kind not in PersonKind.values:
        raise ValidationError(f"Unknown person kind {kind!r}.")
    sources = _sources(kind, ids)
    field = "suspect_id" if kind == PersonKind.SUSPECT else "victim_id"
    changed: list[int] = []
    with transaction.atomic():
        existing = {
            getattr(p, field): p
            for p in Person.objects.select_for_update().filter(
                **{f"{field}__in": [s.pk for s in sources]}
            )
        }
        new_keys: list[PersonKey] = []
        for source in sources:
            prof = suspect_profile(source) if kind == PersonKind.SUSPECT else victim_profile(source)
            trafficked = kind == PersonKind.VICTIM and source.kind in TRAFFICKED_KINDS
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
            new_keys.extend(
                PersonKey(person=person, key=k, birth_year=prof.birth_year)
                for k in sorted(prof.keys())
            )
            changed.append(person.pk)
        PersonKey.objects.bulk_create(new_keys, ignore_conflicts=True, batch_size=2000)
    return changed


# --- matching ------------------------------------------------------------------------------


def year_pruning() -> bool:
    """Two persons born in different (known) years score at most 100 - 40 + 5 = 65: above
    that threshold they can never match, so candidates are read for the same year only."""
    return threshold() > matching.MAX_SCORE_WITH_DIFFERENT_YEARS


def _candidates(person_keys: dict[int, list[str]], years: dict[int, int | None]) -> dict:
    """For each person, the other persons sharing at least one blocking key (and, when year
    pruning holds, born the same year or of unknown year): index probes on (key, birth year),
    never a scan."""
    prune = year_pruning()
    groups: dict[int | None, list[int]] = {}
    for pid in person_keys:
        groups.setdefault(years.get(pid) if prune else None, []).append(pid)
    result: dict[int, set[int]] = {}
    for year, pids in groups.items():
        by_key: dict[str, list[int]] = {}
        all_keys = sorted({k for pid in pids for k in person_keys[pid]})
        for some in _chunks(all_keys, 2000):
            rows = PersonKey.objects.filter(key__in=some)
            if year is not None:
                rows = rows.filter(Q(birth_year=year) | Q(birth_year__isnull=True))
            for key, other in rows.values_list("key", "person_id"):
                by_key.setdefault(key, []).append(other)
        for pid in pids:
            counts: dict[int, int] = {}
            for key in person_keys[pid]:
                for other in by_key.get(key, ()):
                    if other != pid:
                        counts[other] = counts.get(other, 0) + 1
            if len(counts) > CANDIDATE_LIMIT:
                ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:CANDIDATE_LIMIT]
                counts = dict(ranked)
            result[pid] = set(counts)
    return result


def _pair(x: int, y: int) -> tuple[int, int]:
    return (x, y) if x < y else (y, x)


def _match(pair: tuple[int, int], result: matching.Score, info: dict) -> PersonMatch:
    """The row for a scored pair; `info` maps a person to (profile, kind, trafficked)."""
    kinds = {info[pair[0]][1]: info[pair[0]][2], info[pair[1]][1]: info[pair[1]][2]}
    return PersonMatch(
        a_id=pair[0],
        b_id=pair[1],
        score=result.value,
        explanation=result.explanation[:300],
        # A suspect and a victim recorded as a trafficked worker.
        non_punishment=PersonKind.SUSPECT in kinds and kinds.get(PersonKind.VICTIM) is True,
    )


@transaction.atomic
def match_persons(person_ids: Iterable[int]) -> MatchResult:
    """Compute the matches of these persons against every indexed person."""
    ids = sorted(set(person_ids))
    if not ids:
        return MatchResult()
    # Locked (in a fixed order) while matched: re-indexing waits, so the profiles read here
    # are the ones marked matched at the end.
    rows = {
        pk: (fp, prof, kind, trafficked)
        for pk, fp, prof, kind, trafficked in Person.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "fingerprint", "profile", "kind", "trafficked_victim")
    }
    keys: dict[int, list[str]] = {pk: [] for pk in rows}
    for pid, key in PersonKey.objects.filter(person_id__in=list(rows)).values_list(
        "person_id", "key"
    ):
        keys[pid].append(key)
    candidates = _candidates(keys, {pk: v[1]["birth"][0] for pk, v in rows.items()})
    others = {c for cs in candidates.values() for c in cs} - rows.keys()
    info = {pk: (prof, kind, trafficked) for pk, (_, prof, kind, trafficked) in rows.items()}
    for start_ids in _chunks(sorted(others), 5000):
        for pk, prof, kind, trafficked in Person.objects.filter(pk__in=start_ids).values_list(
            "pk", "profile", "kind", "trafficked_victim"
        ):
            info[pk] = (prof, kind, trafficked)
    profiles = {pk: matching.Profile.from_json(v[0]) for pk, v in info.items()}

    limit = threshold()
    wanted: dict[tuple[int, int], PersonMatch] = {}
    for pid, cands in candidates.items():
        for other in cands:
            pair = _pair(pid, other)
            if pair in wanted or other not in profiles:
                continue
            result = matching.score(profiles[pair[0]], profiles[pair[1]])
            if result.value < limit:
                continue
            wanted[pair] = _match(pair, result, info)
    existing = {
        (a, b): (pk, status, (score, explanation, np))
        for pk, a, b, status, score, explanation, np in PersonMatch.objects.filter(
            Q(a_id__in=ids) | Q(b_id__in=ids)
        ).values_list("pk", "a_id", "b_id", "status", "score", "explanation", "non_punishment")
    }
    new = [m for pair, m in wanted.items() if pair not in existing]
    decided = [
        pair
        for pair, (_, status, _) in existing.items()
        if pair not in wanted and status != MatchStatus.POSSIBLE
    ]
    if decided:
        # A decision stays, with the score and explanation of the profiles as they are now.
        missing = {p for pair in decided for p in pair} - info.keys()
        for pk, prof, kind, trafficked in Person.objects.filter(pk__in=missing).values_list(
            "pk", "profile", "kind", "trafficked_victim"
        ):
            info[pk] = (prof, kind, trafficked)
            profiles[pk] = matching.Profile.from_json(prof)
        for pair in decided:
            result = matching.score(profiles[pair[0]], profiles[pair[1]])
            wanted[pair] = _match(pair, result, info)
    stale = [
        pk
        for pair, (pk, status, _) in existing.items()
        if pair not in wanted and status == MatchStatus.POSSIBLE
    ]
    # Write only what is new or changed: running it again writes nothing.
    changed = [
        m
        for pair, m in wanted.items()
        if pair not in existing or existing[pair][2] != (m.score, m.explanation, m.non_punishment)
    ]
    if changed:
        PersonMatch.objects.bulk_create(
            changed,
            update_conflicts=True,
            unique_fields=["a", "b"],
            update_fields=["score", "explanation", "non_punishment"],
            batch_size=2000,
        )
    if stale:
        PersonMatch.objects.filter(pk__in=stale).delete()
    Person.objects.filter(pk__in=list(rows)).update(matched_at=timezone.now())
    return MatchResult(matched=len(rows), created=len(new), removed=len(stale))


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def person_refresh(*, kind: str, source_id: int) -> MatchResult:
    """Index one suspect or victim and, if its profile changed (or it was never matched),
    match it. The task per new or changed person."""
    changed = index_sources(kind=kind, ids=[source_id])
    field = "suspect_id" if kind == PersonKind.SUSPECT else "victim_id"
    unmatched = list(
        Person.objects.filter(**{field: source_id}, matched_at=None).values_list("pk", flat=True)
    )
    result = match_persons(sorted(set(changed) | set(unmatched)))
    result.indexed = len(changed)
    return result


def _stale_sources(kind: str):
    model = Suspect if kind == PersonKind.SUSPECT else Victim
    return model.objects.filter(
        Q(person_index__isnull=True) | Q(updated_at__gt=F("person_index__source_updated_at"))
    )


def sweep(*, max_batches: int = 100) -> MatchResult:
    """Index persons never indexed or changed since, then match persons never matched (their
    task was never published, or failed)."""
    result = MatchResult()
    for kind in PersonKind.values:
        for _ in range(max_batches):
            ids = list(_stale_sources(kind).order_by("pk").values_list("pk", flat=True)[:CHUNK])
            if not ids:
                break
            result.indexed += len(index_sources(kind=kind, ids=ids))
    for _ in range(max_batches):
        ids = list(
            Person.objects.filter(matched_at=None)
            .order_by("pk")
            .values_list("pk", flat=True)[:CHUNK]
        )
        if not ids:
            break
        result.add(match_persons(ids))
    return result


def _pk_chunks(queryset, chunk: int) -> Iterable[list[int]]:
    """The primary keys of `queryset` in ascending chunks (keyset pagination: flat memory)."""
    last = 0
    while True:
        ids = list(queryset.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:chunk])
        if not ids:
            return
        yield ids
        last = ids[-1]


def rebuild(*, chunk: int = CHUNK) -> MatchResult:
    """Re-index every suspect and victim and recompute every match from the stored profiles,
    chunk by chunk (flat memory). Decisions on matches are kept."""
    result = MatchResult()
    for kind, model in ((PersonKind.SUSPECT, Suspect), (PersonKind.VICTIM, Victim)):
        for ids in _pk_chunks(model.objects.all(), chunk):
            result.indexed += len(index_sources(kind=kind, ids=ids))
    for ids in _pk_chunks(Person.objects.all(), min(chunk, MATCH_CHUNK)):
        result.add(match_persons(ids))
    return result


# --- decisions and access requests ----------------------------------------------------------


@transaction.atomic
def person_match_decide(*, match: PersonMatch, by: User, status: str, reason: str) -> PersonMatch:
    """Confirm or dismiss a match (or reopen it as possible), with the reason."""
    if not access.can_review_person_match(by, match):
        raise PolicyError("Only the agencies involved review a person match.")
    if status not in MatchStatus.values:
        raise ValidationError({"status": f"Unknown status {status!r}."})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why."})
    match = PersonMatch.objects.select_for_update().get(pk=match.pk)
    match.status = status
    match.decided_by = by
    match.reason = reason
    match.decided_at = timezone.now()
    match.save(update_fields=["status", "decided_by", "reason", "decided_at", "updated_at"])
    return match


@transaction.atomic
def person_match_request_access(*, match: PersonMatch, by: User, reason: str) -> AccessRequest:
    """From a match, ask the other agency for access to the case holding the other person; its
    supervisors decide as for a cross-reference hit (indicators.services.access_request_decide)."""
    if not access.can_request_person_access(by, match):
        raise PolicyError("Only the agencies involved ask for access from a person match.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why your agency needs access."})
    mine, other = match.sides(access.agency_id_of(by))
    if access.visible_cases(by).filter(pk=other.case_id).exists():
        raise ValidationError("Your agency already sees that case.")
    if AccessRequest.objects.filter(
        case_id=other.case_id,
        requesting_agency_id=by.agency_id,
        status=AccessRequestStatus.PENDING,
    ).exists():
        raise ValidationError("Your agency has already asked for access to that case.")
    request = AccessRequest.objects.create(
        hit=None,
        case_id=other.case_id,
        requested_by=by,
        requesting_agency_id=by.agency_id,
        reason=reason,
    )
    case_event_record(
        case=other.case,
        text=f"{by.agency.name} ({by.display_name}) asked for access to this case after a "
        f"person match ({match.explanation}). Reason: {reason}",
        by=by,
    )
    case_event_record(
        case=mine.case,
        text=f"Access asked to a case of {other.agency.name} holding a matching person. "
        f"Reason: {reason}",
        by=by,
    )
    return request
