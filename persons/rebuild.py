"""The full rebuild of the person index and of every match, block by block of the key table,
with its bulk writes (COPY on PostgreSQL). It gives the same matches as matching every person
one by one (persons/xref.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import combinations, groupby, product
from operator import itemgetter

import numpy as np
from django.utils import timezone

from cases.models import Suspect
from config.bulk import collector_paused
from persons import blocks, matching, wanted
from persons.index import CHUNK, MatchResult, index_sources, threshold, year_pruning
from persons.models import (
    MatchStatus,
    Person,
    PersonKey,
    PersonKind,
    PersonMatch,
)
from persons.xref import insert_matches, load, match_row, non_punishment
from victims.models import Victim

# The rebuild scores blocks (the persons sharing one key) a batch at a time: about this many
# key rows per batch, or one block when it is larger.
BLOCK_BATCH = 20_000
# Found matches are written this many at a time.
WRITE_BATCH = 20_000


def _pk_chunks(queryset, chunk: int) -> Iterable[list[int]]:
    """The primary keys of `queryset` in ascending chunks (keyset pagination: flat memory)."""
    last = 0
    while True:
        ids = list(queryset.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:chunk])
        if not ids:
            return
        yield ids
        last = ids[-1]


def refresh_search_names(*, chunk: int = CHUNK) -> int:
    """Fold every suspect's and victim's names again the current way (persons.search), so that
    rows folded by an older rule (a migration's frozen copy, an earlier release) are found by
    the searches typed today. Writes only the rows whose folding changed; returns how many."""
    changed = 0
    for model in (Suspect, Victim):
        for ids in _pk_chunks(model.objects.all(), chunk):
            changed += refresh_names_of(model, ids)
    return changed


def refresh_names_of(model: type[Suspect] | type[Victim], ids: list[int]) -> int:
    """`refresh_search_names` for these suspects or victims; returns how many changed."""
    names = "aliases" if model is Suspect else "other_names"
    rows = list(model.objects.filter(pk__in=ids).only("pk", "full_name", names, "search_name"))
    stale = []
    for row in rows:
        before = row.search_name
        row.refresh_search_name()
        if row.search_name != before:
            stale.append(row)
    model.objects.bulk_update(stale, ["search_name"])
    return len(stale)


def rebuild(*, chunk: int = CHUNK) -> MatchResult:
    """Re-index every suspect and victim and recompute every match from the stored profiles
    (flat memory: chunks of sources, then blocks of the key table), after folding their names
    for search again (`refresh_search_names`), then every match against the published wanted
    identities (persons/wanted.py). Decisions on matches are kept."""
    refresh_search_names(chunk=chunk)
    result = MatchResult()
    for kind, model in ((PersonKind.SUSPECT, Suspect), (PersonKind.VICTIM, Victim)):
        for ids in _pk_chunks(model.objects.all(), chunk):
            result.indexed += len(index_sources(kind=kind, ids=ids))
    result.add(match_all())
    wanted.rebuild_wanted()
    return result


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


def recheck_matches(
    limit: int, prune: bool, common: frozenset[str], first: int = 0, last: int | None = None
) -> int:
    """The rebuild's first pass over the stored matches (those with first <= pk <= last, all
    by default): a possible match no longer found (no shared key that links them, other birth
    years, score below the threshold) is removed; any other gets the score and explanation of
    the current profiles, as incremental matching gives them. Returns the number removed."""
    removed = 0
    stored = PersonMatch.objects.filter(pk__gte=first)
    if last is not None:
        stored = stored.filter(pk__lte=last)
    for ids in _pk_chunks(stored, 5 * CHUNK):
        rows = list(
            PersonMatch.objects.filter(pk__in=ids).values_list(
                "pk", "a_id", "b_id", "status", "score", "explanation", "non_punishment"
            )
        )
        flags, profiles, keys = load(p for row in rows for p in row[1:3])
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
            m = match_row((a, b), result, flags)
            if (m.score, m.explanation, m.non_punishment) != tuple(old):
                changed.append(m)
        insert_matches(
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
    flags, profiles, keys = load(p for _, members in batch for p in members)
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
                        non_punishment(flags[a], flags[b]),
                    )


def key_stream(lo: str | None = None, hi: str | None = None) -> Iterable[tuple[str, int]]:
    """(key, person) rows of the key table with lo <= key < hi (None: unbounded), in key
    order (a server-side cursor on PostgreSQL). A range holds every row of its keys."""
    rows = PersonKey.objects.all()
    if lo is not None:
        rows = rows.filter(key__gte=lo)
    if hi is not None:
        rows = rows.filter(key__lt=hi)
    return (
        rows.order_by("key", "birth_year", "person_id")
        .values_list("key", "person_id")
        .iterator(chunk_size=BLOCK_BATCH)
    )


def match_keys(
    stream: Iterable[tuple[str, int]],
    limit: int,
    prune: bool,
    common: frozenset[str],
    *,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Score the blocks of these key rows (in key order) a batch at a time and add the new
    matches. Each pair is scored in the block of the smallest key linking the two only, so
    disjoint key ranges give disjoint pairs: ranges matched in parallel find, together, what
    one pass over the whole table finds. Returns the number of matches found."""
    batch: list[tuple[str, list[int]]] = []
    size = read = total = 0
    found: list[tuple[int, int, int, str, bool]] = []

    def score(batch: list[tuple[str, list[int]]]) -> None:
        nonlocal total
        # Stored matches are already right (`recheck_matches`): only new pairs are added,
        # a slice at a time (memory stays flat however many matches one batch finds). The
        # collector is paused for the batch and runs between batches: its full passes over
        # the batch's profiles and scores took 23 of the 150 CPU-seconds of the persons
        # benchmark at 100,000 (it fell to 4.5, the rebuild from 186 to 167 s).
        with collector_paused():
            for row in _score_blocks(batch, limit, prune, common):
                found.append(row)
                total += 1
                if len(found) >= WRITE_BATCH:
                    insert_matches(found, update=False)
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
    insert_matches(found, update=False)
    return total


def mark_matched(started) -> int:
    """Every person indexed before matching began (`started`) is matched; returns how many."""
    return Person.objects.filter(indexed_at__lt=started).update(matched_at=timezone.now())


def match_all(*, progress: Callable[[int, int], None] | None = None) -> MatchResult:
    """Recompute every match block by block: the key table is streamed in key order, the
    persons sharing a key are scored together, each pair once (in the block of the smallest
    key the two share, so no set of pairs seen is kept), with the names prefilter of
    persons/blocks.py. The same pairs, scores and explanations as matching every person one
    by one (`match_persons`), in one pass. Persons re-indexed meanwhile stay unmatched for
    their own task. `progress(key rows read, matches found)` is called after every batch (the
    benchmark's report). persons/parallel.py runs the same steps in parts, on workers."""
    limit, prune = threshold(), year_pruning()
    started = timezone.now()
    common = PersonKey.objects.all_common()
    removed = recheck_matches(limit, prune, common)
    before = PersonMatch.objects.count()
    match_keys(key_stream(), limit, prune, common, progress=progress)
    matched = mark_matched(started)
    return MatchResult(
        matched=matched, created=PersonMatch.objects.count() - before, removed=removed
    )
