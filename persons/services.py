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
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import combinations, groupby, product
from operator import itemgetter

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from agencies import access
from agencies.models import User
from agencies.services import PolicyError
from cases.models import Suspect
from cases.services import case_event_record
from indicators.models import AccessRequest, AccessRequestStatus
from persons import blocks, matching
from persons.models import TRAFFICKED_KINDS, MatchStatus, Person, PersonKey, PersonKind, PersonMatch
from victims.models import DatePrecision, Victim

log = logging.getLogger(__name__)

CHUNK = 1000
# The rebuild scores blocks (the persons sharing one key) a batch at a time: about this many
# key rows per batch, or one block when it is larger.
BLOCK_BATCH = 20_000
# Found matches are written this many at a time.
WRITE_BATCH = 20_000


def threshold() -> int:
    return settings.FORTRESS_PERSON_MATCH_THRESHOLD


def common_name_threshold() -> int:
    """A name key held by more indexed persons than this is common (see `common_keys`)."""
    return settings.FORTRESS_PERSON_COMMON_NAME_THRESHOLD


# --- common names ----------------------------------------------------------------------------
# A name key (a pair of name tokens, or a one-token name) that more than
# `common_name_threshold()` indexed persons hold identifies nobody: "Nguyen Van An" with no
# birth date is thousands of people. Two persons who share only common name keys are a match
# only when their birth years agree (both known and equal); a document key is never common.
# This is the person-side twin of the common values of cross-referencing, and what keeps a
# probe of a common name from reading, scoring and queueing thousands of people. Whether a key
# is common is counted from the index, so a key crossing the threshold sends its persons back
# to matching (`_requeue_crossed`), and incremental matching and the rebuild agree.


def _name_key(key: str) -> bool:
    return not key.startswith(matching.DOC_KEY)


def key_counts(keys: Iterable[str], cap: int) -> dict[str, int]:
    """How many indexed persons hold each of these keys, counted up to `cap` (on PostgreSQL
    one index range of at most `cap` entries per key, however large the block)."""
    keys = sorted(set(keys))
    if not keys:
        return {}
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                "SELECT k, (SELECT count(*) FROM (SELECT 1 FROM persons_personkey "
                "WHERE key = k LIMIT %s) s) FROM unnest(%s::varchar[]) k",
                [cap, keys],
            )
            return dict(cur.fetchall())
    counts = dict.fromkeys(keys, 0)
    for some in _chunks(keys, 500):
        for key, n in (
            PersonKey.objects.filter(key__in=some)
            .values_list("key")
            .annotate(n=Count("id"))
            .values_list("key", "n")
        ):
            counts[key] = min(n, cap)
    return counts


def common_keys(keys: Iterable[str]) -> set[str]:
    """The common name keys among these."""
    limit = common_name_threshold()
    counts = key_counts((k for k in keys if _name_key(k)), limit + 1)
    return {k for k, n in counts.items() if n > limit}


def all_common_keys() -> frozenset[str]:
    """Every common name key of the index (the rebuild's view, read once)."""
    rows = (
        PersonKey.objects.exclude(key__startswith=matching.DOC_KEY)
        .values("key")
        .annotate(n=Count("id"))
        .filter(n__gt=common_name_threshold())
        .values_list("key", flat=True)
    )
    return frozenset(rows)


def _requeue_crossed(added: dict[str, int], removed: dict[str, int]) -> None:
    """After keys were added and removed: the persons of every key that became common, or
    stopped being common, are matched again (by the sweep), since which of their pairs match
    changed. Crossing is rare: once per key on the way up."""
    limit = common_name_threshold()
    delta = {k: added.get(k, 0) - removed.get(k, 0) for k in {*added, *removed}}
    delta = {k: d for k, d in delta.items() if d and _name_key(k)}
    if not delta:
        return
    # Counted exactly up to past the largest change: enough to tell every crossing.
    counts = key_counts(delta, limit + max(abs(d) for d in delta.values()) + 1)
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


# --- matching ------------------------------------------------------------------------------


def year_pruning() -> bool:
    """Two persons born in different (known) years score at most 100 - 40 + 5 = 65: above
    that threshold they can never match, so candidates are read for the same year only."""
    return threshold() > matching.MAX_SCORE_WITH_DIFFERENT_YEARS


def _candidates(person_keys: dict[int, list[str]], years: dict[int, int | None]) -> dict:
    """For each person, the other persons it may match: those sharing a blocking key that is
    not common (and, when year pruning holds, born the same year or of unknown year), and
    those sharing a common name key and born the same known year. Index probes on (key, birth
    year), never a scan, and never the thousands of persons of a common name without a birth
    year. All of them, however many: the rebuild reads every block whole, and both must find
    the same pairs."""
    prune = year_pruning()
    common = common_keys(k for ks in person_keys.values() for k in ks)
    groups: dict[int | None, list[int]] = {}
    for pid in person_keys:
        groups.setdefault(years.get(pid), []).append(pid)
    result: dict[int, set[int]] = {}
    for year, pids in groups.items():
        keys = {k for pid in pids for k in person_keys[pid]}
        by_key: dict[str, list[int]] = {}
        # Common keys: the same known year only (none without a year).
        reads = [(sorted(keys - common), prune and year is not None, False)]
        if year is not None:
            reads.append((sorted(keys & common), True, True))
        for some_keys, by_year, same_year_only in reads:
            for some in _chunks(some_keys, 2000):
                rows = PersonKey.objects.filter(key__in=some)
                if same_year_only:
                    rows = rows.filter(birth_year=year)
                elif by_year:
                    rows = rows.filter(Q(birth_year=year) | Q(birth_year__isnull=True))
                for key, other in rows.values_list("key", "person_id"):
                    by_key.setdefault(key, []).append(other)
        for pid in pids:
            found: set[int] = set()
            for key in person_keys[pid]:
                found.update(by_key.get(key, ()))
            found.discard(pid)
            result[pid] = found
    return result


def _pair(x: int, y: int) -> tuple[int, int]:
    return (x, y) if x < y else (y, x)


def _match(pair: tuple[int, int], result: matching.Score, flags: dict) -> PersonMatch:
    """The row for a scored pair; `flags` maps a person to (kind, trafficked)."""
    return PersonMatch(
        a_id=pair[0],
        b_id=pair[1],
        score=result.value,
        explanation=result.explanation[:300],
        non_punishment=_non_punishment(flags[pair[0]], flags[pair[1]]),
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
        for pk, fp, prof, kind, trafficked in Person.objects.select_for_update(no_key=True)
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
    flags = {pk: (kind, trafficked) for pk, (_, _, kind, trafficked) in rows.items()}
    profiles = {pk: matching.Profile.from_json(v[1]) for pk, v in rows.items()}
    # Persons with the same fingerprint (a common name, the same birth year) have the same
    # profile: a candidate's is parsed once per fingerprint, and each pair of fingerprints is
    # prefiltered and scored once.
    ident = {pk: v[0] for pk, v in rows.items()}
    parsed: dict[str, matching.Profile] = {}
    for start_ids in _chunks(sorted(others), 5000):
        for pk, fp, text, kind, trafficked in Person.objects.filter(pk__in=start_ids).values_list(
            "pk", "fingerprint", Cast("profile", TextField()), "kind", "trafficked_victim"
        ):
            if fp not in parsed:
                parsed[fp] = matching.Profile.from_json(json.loads(text))
            profiles[pk], ident[pk] = parsed[fp], fp
            flags[pk] = (kind, trafficked)
    sig_of = {id(p): tuple(p.variants) for p in profiles.values()}

    limit = threshold()
    low = blocks.skip_below(limit)
    wanted: dict[tuple[int, int], PersonMatch] = {}
    scores: dict[tuple, matching.Score] = {}
    for pid, cands in candidates.items():
        cands = sorted(c for c in cands if c in profiles)
        if not cands:
            continue
        # The names prefilter (computed in C): pairs that cannot reach the threshold are not
        # scored one by one; it skips only pairs whose exact score would be below it.
        sigs = list(dict.fromkeys(sig_of[id(profiles[c])] for c in cands))
        column = {sig: n for n, sig in enumerate(sigs)}
        bounds = blocks.name_bounds([sig_of[id(profiles[pid])]], sigs)[0]
        docs = set(profiles[pid].documents)
        for other in cands:
            pair = _pair(pid, other)
            if pair in wanted:
                continue
            if bounds[column[sig_of[id(profiles[other])]]] < low and not (
                docs & set(profiles[other].documents)
            ):
                continue
            cached = (ident[pair[0]], ident[pair[1]])
            result = scores.get(cached)
            if result is None:
                result = scores[cached] = matching.score(profiles[pair[0]], profiles[pair[1]])
            if result.value < limit:
                continue
            wanted[pair] = _match(pair, result, flags)
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
        missing = {p for pair in decided for p in pair} - flags.keys()
        more_flags, more_profiles, _ = _load(missing)
        flags.update(more_flags)
        profiles.update(more_profiles)
        for pair in decided:
            result = matching.score(profiles[pair[0]], profiles[pair[1]])
            wanted[pair] = _match(pair, result, flags)
    stale = [
        pk
        for pair, (pk, status, _) in existing.items()
        if pair not in wanted and status == MatchStatus.POSSIBLE
    ]
    # Write only what is new or changed: running it again writes nothing.
    changed = [
        m
        for pair, m in wanted.items()
        if pair in existing and existing[pair][2] != (m.score, m.explanation, m.non_punishment)
    ]
    _insert_matches(
        [(m.a_id, m.b_id, m.score, m.explanation, m.non_punishment) for m in changed + new],
        update=True,
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
    """Re-index every suspect and victim and recompute every match from the stored profiles
    (flat memory: chunks of sources, then blocks of the key table). Decisions on matches are
    kept."""
    result = MatchResult()
    for kind, model in ((PersonKind.SUSPECT, Suspect), (PersonKind.VICTIM, Victim)):
        for ids in _pk_chunks(model.objects.all(), chunk):
            result.indexed += len(index_sources(kind=kind, ids=ids))
    result.add(match_all())
    return result


def _load(person_ids: Iterable[int]) -> tuple[dict, dict, dict[int, frozenset[str]]]:
    """(flags, profiles, keys) of these persons: `flags` as `_match` reads them; persons with
    the same fingerprint share one parsed profile."""
    ids = sorted(set(person_ids))
    flags: dict[int, tuple[str, bool]] = {}
    profiles: dict[int, matching.Profile] = {}
    parsed: dict[str, matching.Profile] = {}
    keys: dict[int, set[str]] = {pk: set() for pk in ids}
    for some in _chunks(ids, 5000):
        for pk, fp, prof, kind, trafficked in Person.objects.filter(pk__in=some).values_list(
            "pk", "fingerprint", "profile", "kind", "trafficked_victim"
        ):
            flags[pk] = (kind, trafficked)
            if fp not in parsed:
                parsed[fp] = matching.Profile.from_json(prof)
            profiles[pk] = parsed[fp]
        for pid, key in PersonKey.objects.filter(person_id__in=some).values_list(
            "person_id", "key"
        ):
            keys[pid].add(key)
    return flags, profiles, {pk: frozenset(k) for pk, k in keys.items() if pk in flags}


def _compatible(ya: int | None, yb: int | None, prune: bool) -> bool:
    return not prune or ya is None or yb is None or ya == yb


def _agree(ya: int | None, yb: int | None) -> bool:
    """Both birth years known and the same: what a pair sharing only common keys needs."""
    return ya is not None and ya == yb


def _linking_keys(ka: frozenset[str], kb: frozenset[str], agree: bool, common: frozenset[str]):
    """The shared keys through which two persons are candidates: any shared key when their
    birth years agree, else only the shared keys that are not common."""
    shared = ka & kb
    return shared if agree else shared - common


def _recheck_matches(limit: int, prune: bool, common: frozenset[str]) -> int:
    """The rebuild's first pass over the stored matches: a possible match no longer found
    (no shared key that links them, other birth years, score below the threshold) is removed;
    any other gets
    the score and explanation of the current profiles, as incremental matching gives them.
    Returns the number removed."""
    removed = 0
    for ids in _pk_chunks(PersonMatch.objects.all(), 5 * CHUNK):
        rows = list(
            PersonMatch.objects.filter(pk__in=ids).values_list(
                "pk", "a_id", "b_id", "status", "score", "explanation", "non_punishment"
            )
        )
        flags, profiles, keys = _load(p for row in rows for p in row[1:3])
        stale, changed = [], []
        for pk, a, b, status, *old in rows:
            result = matching.score(profiles[a], profiles[b])
            ya, yb = profiles[a].birth_year, profiles[b].birth_year
            found = (
                bool(_linking_keys(keys[a], keys[b], _agree(ya, yb), common))
                and _compatible(ya, yb, prune)
                and result.value >= limit
            )
            if not found and status == MatchStatus.POSSIBLE:
                stale.append(pk)
                continue
            m = _match((a, b), result, flags)
            if (m.score, m.explanation, m.non_punishment) != tuple(old):
                changed.append(m)
        _insert_matches(
            [(m.a_id, m.b_id, m.score, m.explanation, m.non_punishment) for m in changed],
            update=True,
        )
        if stale:
            PersonMatch.objects.filter(pk__in=stale).delete()
        removed += len(stale)
    return removed


def _year_pairs(
    ga: dict, gb: dict | None, prune: bool, *, agreeing: bool, others: bool
) -> Iterable[tuple[int, int]]:
    """The pairs of persons of two groups (persons by birth year) whose years allow a match:
    those whose years agree (`agreeing`), the others (`others`), or both; `gb` None: the pairs
    inside `ga`, each once."""
    if gb is None:
        years = list(ga.items())
        for n, (ya, pa) in enumerate(years):
            if agreeing if ya is not None else others:
                yield from combinations(pa, 2)
            if others:
                for yb, pb in years[n + 1 :]:
                    if _compatible(ya, yb, prune):
                        yield from product(pa, pb)
        return
    for ya, pa in ga.items():
        for yb, pb in gb.items():
            if (agreeing if _agree(ya, yb) else others) and _compatible(ya, yb, prune):
                yield from product(pa, pb)


def _score_blocks(
    batch: list[tuple[str, list[int]]], limit: int, prune: bool, common: frozenset[str]
) -> Iterable[tuple[int, int, int, str, bool]]:
    """The matches found inside these blocks (key, persons sharing it), as rows (a, b, score,
    explanation, non_punishment). A pair is scored in the block of the smallest key that links
    the two (`_linking_keys`) only, so each pair once in a whole run."""
    flags, profiles, keys = _load(p for _, members in batch for p in members)
    low = blocks.skip_below(limit)
    # Persons with the same fingerprint share one parsed profile (`_load`): each pair of
    # profiles is scored once.
    scores: dict[tuple[int, int], matching.Score] = {}
    ident = {pk: id(p) for pk, p in profiles.items()}
    for key, members in batch:
        # Persons with the same names, documents and keys behave alike: grouped, by birth year.
        groups: dict[tuple, dict] = {}
        for pid in members:
            if pid in profiles:
                p = profiles[pid]
                sig = (tuple(p.variants), p.documents, keys[pid])
                groups.setdefault(sig, {}).setdefault(p.birth_year, []).append(pid)
        sigs = list(groups)
        names = [sig[0] for sig in sigs]
        bounds = blocks.name_bounds(names, names)
        pairs = {(int(i), int(j)) for i, j in np.argwhere(np.triu(bounds >= low))}
        with_docs = [n for n, sig in enumerate(sigs) if sig[1]]
        pairs.update(
            (i, j)
            for i in with_docs
            for j in with_docs
            if i <= j and set(sigs[i][1]) & set(sigs[j][1])
        )
        for i, j in sorted(pairs):
            shared = sigs[i][2] & sigs[j][2]
            rare = shared - common
            # Otherwise scored in the block of a smaller key that links them.
            agreeing, others = min(shared) == key, bool(rare) and min(rare) == key
            if not (agreeing or others):
                continue
            ga, gb = groups[sigs[i]], None if i == j else groups[sigs[j]]
            for x, y in _year_pairs(ga, gb, prune, agreeing=agreeing, others=others):
                a, b = (x, y) if x < y else (y, x)
                cached = (ident[a], ident[b])
                result = scores.get(cached)
                if result is None:
                    result = scores[cached] = matching.score(profiles[a], profiles[b])
                if result.value >= limit:
                    yield (
                        a,
                        b,
                        result.value,
                        result.explanation[:300],
                        _non_punishment(flags[a], flags[b]),
                    )


def _non_punishment(a: tuple[str, bool], b: tuple[str, bool]) -> bool:
    """A suspect and a victim recorded as a trafficked worker: (kind, trafficked) of each."""
    kinds = {a[0]: a[1], b[0]: b[1]}
    return PersonKind.SUSPECT in kinds and kinds.get(PersonKind.VICTIM) is True


def _insert_matches(rows: list[tuple[int, int, int, str, bool]], *, update: bool) -> None:
    """Add these matches (a, b, score, explanation, non_punishment) as possible ones; a pair
    stored meanwhile gets the score, explanation and flag (`update`) or is left as it is.
    COPY through a temporary table on PostgreSQL (millions of rows in a rebuild)."""
    if not rows:
        return
    conflict = (
        "ON CONFLICT (a_id, b_id) DO UPDATE SET score = EXCLUDED.score, "
        "explanation = EXCLUDED.explanation, non_punishment = EXCLUDED.non_punishment"
        if update
        else "ON CONFLICT (a_id, b_id) DO NOTHING"
    )
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "CREATE TEMP TABLE IF NOT EXISTS persons_match_load (a_id bigint, b_id bigint, "
                "score integer, explanation text, non_punishment boolean) ON COMMIT DELETE ROWS"
            )
            # Emptied here too: inside an outer transaction no commit has emptied it yet.
            cur.execute("TRUNCATE persons_match_load")
            with cur.cursor.copy(
                "COPY persons_match_load (a_id, b_id, score, explanation, non_punishment) "
                "FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)
            cur.execute(
                "INSERT INTO persons_personmatch (a_id, b_id, score, explanation, "
                "non_punishment, status, reason, created_at, updated_at) "
                "SELECT a_id, b_id, score, explanation, non_punishment, %s, '', %s, %s "
                "FROM persons_match_load " + conflict,
                [MatchStatus.POSSIBLE, now, now],
            )
        else:
            cur.executemany(
                "INSERT INTO persons_personmatch (a_id, b_id, score, explanation, "
                "non_punishment, status, reason, created_at, updated_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, '', %s, %s) " + conflict,
                [(*row, MatchStatus.POSSIBLE, now, now) for row in rows],
            )


def match_all(*, progress: Callable[[int, int], None] | None = None) -> MatchResult:
    """Recompute every match block by block: the key table is streamed in key order (a
    server-side cursor on PostgreSQL), the persons sharing a key are scored together, each
    pair once (in the block of the smallest key the two share, so no set of pairs seen is
    kept), with the names prefilter of persons/blocks.py. The same pairs, scores and
    explanations as matching every person one by one (`match_persons`), in one pass. Persons
    re-indexed meanwhile stay unmatched for their own task. `progress(key rows read, matches
    found)` is called after every batch (the benchmark's report)."""
    limit, prune = threshold(), year_pruning()
    started = timezone.now()
    common = all_common_keys()
    removed = _recheck_matches(limit, prune, common)
    before = PersonMatch.objects.count()
    stream = (
        PersonKey.objects.order_by("key", "birth_year", "person_id")
        .values_list("key", "person_id")
        .iterator(chunk_size=BLOCK_BATCH)
    )
    batch: list[tuple[str, list[int]]] = []
    size = read = total = 0
    found: list[tuple[int, int, int, str, bool]] = []

    def score(batch: list[tuple[str, list[int]]]) -> None:
        nonlocal total
        # Stored matches are already right (`_recheck_matches`): only new pairs are added,
        # a slice at a time (memory stays flat however many matches one batch finds).
        for row in _score_blocks(batch, limit, prune, common):
            found.append(row)
            total += 1
            if len(found) >= WRITE_BATCH:
                _insert_matches(found, update=False)
                found.clear()

    for key, rows in groupby(stream, key=itemgetter(0)):
        members = [pid for _, pid in rows]
        if len(members) < 2:
            continue
        batch.append((key, members))
        size += len(members)
        if size >= BLOCK_BATCH:
            score(batch)
            read += size
            batch, size = [], 0
            if progress is not None:
                progress(read, total)
    score(batch)
    _insert_matches(found, update=False)
    matched = Person.objects.filter(indexed_at__lt=started).update(matched_at=timezone.now())
    return MatchResult(
        matched=matched, created=PersonMatch.objects.count() - before, removed=removed
    )


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
    match = PersonMatch.objects.select_for_update(no_key=True).get(pk=match.pk)
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
