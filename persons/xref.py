"""Matching of indexed persons: the persons sharing one of a person's blocking keys are
scored (persons/matching.py) and every pair at or above the threshold is kept. A pair's score
does not depend on which side is matched first, so incremental matching (the task per saved
person), the sweep and the full rebuild (persons/rebuild.py) give the same matches, and running
any of them twice changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import F, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from cases.models import Suspect
from persons import blocks, matching
from persons import wanted as wanted_index
from persons.index import (
    CHUNK,
    MatchResult,
    chunks,
    index_sources,
    threshold,
    year_pruning,
)
from persons.models import (
    MatchStatus,
    Person,
    PersonKey,
    PersonKind,
    PersonMatch,
)
from victims.models import Victim


def _candidates(
    person_keys: dict[int, list[str]],
    years: dict[int, int | None],
    common: set[str] | None = None,
) -> dict:
    """For each person, the other persons it may match: those sharing a blocking key that is
    not common (and, when year pruning holds, born the same year or of unknown year), and
    those sharing a common name key and born the same known year. Index probes on (key, birth
    year), never a scan, and never the thousands of persons of a common name without a birth
    year. All of them, however many: the rebuild reads every block whole, and both must find
    the same pairs. `common`: the common keys among theirs, when counted already."""
    prune = year_pruning()
    if common is None:
        common = PersonKey.objects.common(k for ks in person_keys.values() for k in ks)
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
            for some in chunks(some_keys, 2000):
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


def match_row(pair: tuple[int, int], result: matching.Score, flags: dict) -> PersonMatch:
    """The row for a scored pair; `flags` maps a person to (kind, trafficked)."""
    return PersonMatch(
        a_id=pair[0],
        b_id=pair[1],
        score=result.value,
        explanation=result.explanation[:300],
        non_punishment=non_punishment(flags[pair[0]], flags[pair[1]]),
    )


def non_punishment(a: tuple[str, bool], b: tuple[str, bool]) -> bool:
    """A suspect and a victim recorded as a trafficked worker: (kind, trafficked) of each."""
    kinds = {a[0]: a[1], b[0]: b[1]}
    return PersonKind.SUSPECT in kinds and kinds.get(PersonKind.VICTIM) is True


def load(person_ids: Iterable[int]) -> tuple[dict, dict, dict[int, frozenset[str]]]:
    """(flags, profiles, keys) of these persons: `flags` as `_match` reads them; persons with
    the same fingerprint share one parsed profile."""
    ids = sorted(set(person_ids))
    flags: dict[int, tuple[str, bool]] = {}
    profiles: dict[int, matching.Profile] = {}
    parsed: dict[str, matching.Profile] = {}
    keys: dict[int, set[str]] = {pk: set() for pk in ids}
    for some in chunks(ids, 5000):
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


def insert_matches(rows: list[tuple[int, int, int, str, bool]], *, update: bool) -> None:
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
    # Which of their keys are common, counted once for the candidates and the wanted matches
    # (each count reads up to the threshold's worth of index entries per key).
    common = PersonKey.objects.common(k for ks in keys.values() for k in ks)
    candidates = _candidates(keys, {pk: v[1]["birth"][0] for pk, v in rows.items()}, common)
    others = {c for cs in candidates.values() for c in cs} - rows.keys()
    flags = {pk: (kind, trafficked) for pk, (_, _, kind, trafficked) in rows.items()}
    profiles = {pk: matching.Profile.from_json(v[1]) for pk, v in rows.items()}
    # Persons with the same fingerprint (a common name, the same birth year) have the same
    # profile: a candidate's is parsed once per fingerprint, and each pair of fingerprints is
    # prefiltered and scored once.
    ident = {pk: v[0] for pk, v in rows.items()}
    parsed: dict[str, matching.Profile] = {}
    for start_ids in chunks(sorted(others), 5000):
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
            wanted[pair] = match_row(pair, result, flags)
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
        more_flags, more_profiles, _ = load(missing)
        flags.update(more_flags)
        profiles.update(more_profiles)
        for pair in decided:
            result = matching.score(profiles[pair[0]], profiles[pair[1]])
            wanted[pair] = match_row(pair, result, flags)
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
    insert_matches(
        [(m.a_id, m.b_id, m.score, m.explanation, m.non_punishment) for m in changed + new],
        update=True,
    )
    if stale:
        PersonMatch.objects.filter(pk__in=stale).delete()
    # The same persons against the published wanted identities of the registry.
    wanted_index.match_persons_to_wanted(
        {pk: (profiles[pk], frozenset(keys[pk]), profiles[pk].birth_year) for pk in rows},
        common=common,
    )
    Person.objects.filter(pk__in=list(rows)).update(matched_at=timezone.now())
    return MatchResult(matched=len(rows), created=len(new), removed=len(stale))


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
        Q(person_index__isnull=True) | Q(updated_at__gt=F("person_index__source_updated_at")),
        case__erased_at=None,  # a victim emptied on a retention deletion is never indexed
    )


def case_pending(case_id: int) -> bool:
    """Whether a suspect or victim of this case waits to be indexed or matched: what the sweep
    would take up (a source never indexed or changed since, a person never matched)."""
    return Person.objects.filter(case_id=case_id, matched_at=None).exists() or any(
        _stale_sources(kind).filter(case_id=case_id).exists() for kind in PersonKind.values
    )


def sweep(*, max_batches: int = 100) -> MatchResult:
    """Index persons never indexed or changed since, then match persons never matched (their
    task was never published, or failed), and published wanted identities never matched."""
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
    wanted_index.sweep_wanted()
    return result
