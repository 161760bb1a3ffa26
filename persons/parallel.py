"""The person rebuild as parts that several Celery workers take in parallel, with the same
result as the one-process rebuild (persons/rebuild.py `rebuild`):

1. index: ranges of suspect and victim ids, names folded for search again and re-indexed;
2. recheck: ranges of stored match ids checked against the new profiles (a possible match no
   longer found removed, the others rescored; decisions kept);
3. match: disjoint ranges of the key table scored (each pair is scored in the block of the
   smallest key linking the two only, so the ranges find disjoint pairs);
4. finish: persons marked matched, the wanted identities matched, the tally.

The run is one `PersonRebuild` row: the last part of a phase to finish (under the row's lock)
records the next phase's parts and publishes them. Each part is idempotent and counted once
(a part run again after a lost worker changes nothing); the memory of a part is that of a
chunk of sources, matches or key rows, whatever the size of the index."""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

from django.db import transaction
from django.db.models import F, Max, Min, QuerySet
from django.db.models.functions import Mod
from django.utils import timezone

from cases.models import Suspect
from persons import rebuild, wanted
from persons.index import CHUNK, MatchResult, index_sources, threshold, year_pruning
from persons.models import (
    PersonKey,
    PersonKind,
    PersonMatch,
    PersonRebuild,
    RebuildPhase,
)
from victims.models import Victim

# Sources per indexing part, stored matches per recheck part, partitions of the key table.
INDEX_PART = 20_000
RECHECK_PART = 100_000
MATCH_PARTS = 32
# Rows of the key table read (evenly spaced by id) to place the partition bounds.
BOUND_SAMPLE = 4000

SOURCES = ((PersonKind.SUSPECT, Suspect), (PersonKind.VICTIM, Victim))


def pk_ranges(queryset: QuerySet, size: int) -> list[dict]:
    """{"first", "last"} ranges of ids (last None: to the end) of at most `size` rows each,
    covering `queryset`; one query per range."""
    ids = queryset.order_by("pk").values_list("pk", flat=True)
    ranges: list[dict] = []
    last = 0
    while True:
        end = list(ids.filter(pk__gt=last)[size - 1 : size])
        if not end:
            if ids.filter(pk__gt=last).exists():
                ranges.append({"first": last + 1, "last": None})
            return ranges
        ranges.append({"first": last + 1, "last": end[0]})
        last = end[0]


def key_bounds(parts: int) -> list[str]:
    """At most parts - 1 keys cutting the key table into ranges of about as many rows, from a
    sample of its rows evenly spaced by id, in ascending order as the DATABASE compares keys
    (its collation, which the ranges' `key__gte` / `key__lt` use: Python's code-point order
    differs from, say, en_US for the fold letters "N" and "C", and ranges cut in one order and
    compared in the other overlap). Any bounds give the same matches."""
    span = PersonKey.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    if parts < 2 or span["lo"] is None:
        return []
    step = max(1, (span["hi"] - span["lo"]) // BOUND_SAMPLE)
    sample = list(
        PersonKey.objects.alias(slot=Mod(F("pk") - span["lo"], step))
        .filter(slot=0)
        .order_by("key")
        .values_list("key", flat=True)
    )
    bounds = dict.fromkeys(sample[len(sample) * n // parts] for n in range(1, parts))
    return [key for key in bounds if key != sample[0]]


def key_ranges(parts: int) -> list[dict]:
    """{"lo", "hi"} ranges (lo <= key < hi, None unbounded) covering the key table."""
    bounds: list[str | None] = [None, *key_bounds(parts), None]
    return [{"lo": lo, "hi": hi} for lo, hi in pairwise(bounds)]


# --- the parts ------------------------------------------------------------------------------


def _index_part(run: PersonRebuild, spec: dict) -> int:
    model = Suspect if spec["kind"] == PersonKind.SUSPECT else Victim
    sources = model.objects.filter(pk__gte=spec["first"])
    if spec["last"] is not None:
        sources = sources.filter(pk__lte=spec["last"])
    indexed = 0
    for ids in rebuild._pk_chunks(sources, CHUNK):
        rebuild.refresh_names_of(model, ids)
        indexed += len(index_sources(kind=spec["kind"], ids=ids))
    return indexed


def _recheck_part(run: PersonRebuild, spec: dict) -> int:
    common = frozenset(run.common)
    return rebuild.recheck_matches(threshold(), year_pruning(), common, spec["first"], spec["last"])


def _match_part(run: PersonRebuild, spec: dict) -> int:
    stream = rebuild.key_stream(spec["lo"], spec["hi"])
    return rebuild.match_keys(stream, threshold(), year_pruning(), frozenset(run.common))


def _finish_part(run: PersonRebuild, spec: dict) -> int:
    matched = rebuild.mark_matched(run.match_started_at)
    wanted.rebuild_wanted()
    return matched


PARTS: dict[str, tuple[Callable[[PersonRebuild, dict], int], str]] = {
    RebuildPhase.INDEX: (_index_part, "indexed"),
    RebuildPhase.RECHECK: (_recheck_part, "removed"),
    RebuildPhase.MATCH: (_match_part, "found"),
    RebuildPhase.FINISH: (_finish_part, "matched"),
}


# --- the run --------------------------------------------------------------------------------


def _advance(run: PersonRebuild) -> None:
    """Move `run` (locked) to the phase after its current one, with that phase's parts; a
    phase with no part is passed at once."""
    while True:
        if run.phase == RebuildPhase.INDEX:
            run.phase = RebuildPhase.RECHECK
            run.match_started_at = timezone.now()
            run.common = sorted(PersonKey.objects.all_common())
            run.parts = pk_ranges(PersonMatch.objects.all(), run.recheck_part)
        elif run.phase == RebuildPhase.RECHECK:
            run.phase = RebuildPhase.MATCH
            run.matches_before = PersonMatch.objects.count()
            run.parts = key_ranges(run.match_parts)
        elif run.phase == RebuildPhase.MATCH:
            run.phase = RebuildPhase.FINISH
            run.parts = [{}]
        else:
            run.phase = RebuildPhase.DONE
            run.parts = []
            run.created = PersonMatch.objects.count() - run.matches_before
            run.finished_at = timezone.now()
        run.done = []
        if run.parts or run.phase == RebuildPhase.DONE:
            return


def _publish(run: PersonRebuild) -> None:
    """The parts of the run's current phase not done yet, as tasks."""
    from persons.tasks import rebuild_part

    for n in range(len(run.parts)):
        if n not in run.done:
            rebuild_part.apply_async(args=[run.pk, run.phase, n])


def start(
    *,
    index_part: int = INDEX_PART,
    recheck_part: int = RECHECK_PART,
    match_parts: int = MATCH_PARTS,
) -> PersonRebuild:
    """Begin a parallel rebuild: record it and publish its indexing parts (with no broker,
    the eager tasks run the whole rebuild before this returns). While a run is unfinished no
    second one starts: that run is resumed instead, the parts of its current phase not done
    published again (a part lost with its worker, or whose publishing failed, would leave it
    waiting for ever; a part that is still running and comes twice is counted once)."""
    with transaction.atomic():
        unfinished = (
            PersonRebuild.objects.select_for_update()
            .exclude(phase=RebuildPhase.DONE)
            .order_by("-pk")
            .first()
        )
        if unfinished is None:
            parts = [
                {"kind": kind, **span}
                for kind, model in SOURCES
                for span in pk_ranges(model.objects.all(), index_part)
            ]
            run = PersonRebuild.objects.create(
                phase=RebuildPhase.INDEX,
                parts=parts,
                index_part=index_part,
                recheck_part=recheck_part,
                match_parts=match_parts,
            )
            if not parts:
                _advance(run)
                run.save()
    if unfinished is not None:
        _publish(unfinished)
        return unfinished
    _publish(run)
    return run


def run_part(run_id: int, phase: str, n: int) -> None:
    """Run part `n` of `phase` of the rebuild `run_id`, count it once, and if it was the last
    of its phase, publish the next phase's parts. A part of a phase already passed is
    skipped."""
    run = PersonRebuild.objects.filter(pk=run_id, phase=phase).first()
    if run is None or n in run.done:
        return
    work, field = PARTS[phase]
    count = work(run, run.parts[n])
    with transaction.atomic():
        run = PersonRebuild.objects.select_for_update().get(pk=run_id)
        if run.phase != phase or n in run.done:
            return
        run.done.append(n)
        setattr(run, field, getattr(run, field) + count)
        advanced = len(run.done) == len(run.parts)
        if advanced:
            _advance(run)
        run.save()
    if advanced:
        _publish(run)


def result(run: PersonRebuild) -> MatchResult:
    """What `rebuild.rebuild()` returns, for a finished run."""
    return MatchResult(
        indexed=run.indexed, matched=run.matched, created=run.created, removed=run.removed
    )
