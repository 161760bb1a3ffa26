"""The person index: one row per suspect or victim, its blocking keys, and the possible
matches between two persons with the analyst's decision.

The index holds derived, folded forms only (tokens, keys, birth date, nationalities, document
keys), never anything a user reads: every page shows the suspect or victim record itself,
through access/."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from cases.models import Case, Suspect
from persons import matching
from victims.models import Victim, VictimKind

TRAFFICKED_KINDS: tuple[str, ...] = (VictimKind.TRAFFICKED_WORKER, VictimKind.BOTH)


class PersonKind(models.TextChoices):
    SUSPECT = "suspect", _("Suspect")
    VICTIM = "victim", _("Victim")


class Person(models.Model):
    kind = models.CharField(max_length=10, choices=PersonKind.choices)
    suspect = models.OneToOneField(
        Suspect, on_delete=models.CASCADE, null=True, blank=True, related_name="person_index"
    )
    victim = models.OneToOneField(
        Victim, on_delete=models.CASCADE, null=True, blank=True, related_name="person_index"
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="indexed_persons")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    # Derived, folded forms (persons/matching.py Profile.as_json): what matching reads.
    profile = models.JSONField(default=dict)
    sort_key = models.CharField(max_length=300, blank=True, db_index=True)
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True, db_index=True)
    trafficked_victim = models.BooleanField(default=False)
    # The fingerprint of the profile: re-indexing an unchanged person changes nothing.
    fingerprint = models.CharField(max_length=64)
    source_updated_at = models.DateTimeField()
    indexed_at = models.DateTimeField(default=timezone.now)
    # Null until the person's matches are computed for the current fingerprint.
    matched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="suspect", suspect__isnull=False, victim__isnull=True)
                | Q(kind="victim", victim__isnull=False, suspect__isnull=True),
                name="person_is_one_suspect_or_one_victim",
            )
        ]
        indexes = [
            models.Index(
                fields=["matched_at"], name="person_unmatched", condition=Q(matched_at=None)
            ),
            # The persons of an agency as one index-only range: the set the person-match
            # visibility rule (access/persons.py) hashes once a query.
            models.Index(fields=["agency", "id"], name="person_agency_id"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.source_id} (case {self.case_id})"

    @property
    def source_id(self) -> int:
        return self.suspect_id if self.kind == PersonKind.SUSPECT else self.victim_id


def common_name_threshold() -> int:
    """A name key held by more indexed persons than this is common (`PersonKeyQuerySet`)."""
    return settings.FORTRESS_PERSON_COMMON_NAME_THRESHOLD


def is_name_key(key: str) -> bool:
    """A name key (a pair of name tokens, or a one-token name), not a document key."""
    return not key.startswith(matching.DOC_KEY)


# --- common names ----------------------------------------------------------------------------
# A name key that more than `common_name_threshold()` indexed persons hold identifies nobody:
# "Nguyen Van An" with no birth date is thousands of people. Two persons who share only common
# name keys are a match only when their birth years agree (both known and equal); a document
# key is never common. This is the person-side twin of the common values of cross-referencing,
# and what keeps a probe of a common name from reading, scoring and queueing thousands of
# people. Whether a key is common is counted from the index, so a key crossing the threshold
# sends its persons back to matching (persons.index), and incremental matching and the rebuild
# agree.


class PersonKeyQuerySet(models.QuerySet["PersonKey"]):
    def counts(self, keys: Iterable[str], cap: int) -> dict[str, int]:
        """How many indexed persons hold each of these keys, counted up to `cap` (on
        PostgreSQL one index range of at most `cap` entries per key, however large the
        block)."""
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
        for start in range(0, len(keys), 500):
            for key, n in (
                self.filter(key__in=keys[start : start + 500])
                .order_by()
                .values_list("key")
                .annotate(n=Count("id"))
                .values_list("key", "n")
            ):
                counts[key] = min(n, cap)
        return counts

    def common(self, keys: Iterable[str]) -> set[str]:
        """The common name keys among these."""
        limit = common_name_threshold()
        counts = self.counts((k for k in keys if is_name_key(k)), limit + 1)
        return {k for k, n in counts.items() if n > limit}

    def all_common(self) -> frozenset[str]:
        """Every common name key of the index (the rebuild's view, read once)."""
        rows = (
            self.exclude(key__startswith=matching.DOC_KEY)
            .order_by()
            .values("key")
            .annotate(n=Count("id"))
            .filter(n__gt=common_name_threshold())
            .values_list("key", flat=True)
        )
        return frozenset(rows)


class PersonKey(models.Model):
    """A blocking key of a person: matching one person reads the persons sharing a key."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="keys")
    key = models.CharField(max_length=120)
    # The person's birth year, copied: persons born in different years cannot reach the
    # threshold, so a probe reads only (key, same year or unknown) from the index.
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)

    objects = PersonKeyQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "key"], name="one_key_per_person")]
        indexes = [
            models.Index(fields=["key", "birth_year", "person"], name="personkey_key_year_person")
        ]

    def __str__(self) -> str:
        return self.key


class MatchStatus(models.TextChoices):
    POSSIBLE = "possible", _("Possible")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")


def either_side(persons: Any) -> Q:
    """The matches with a person of `persons` (ids, or a subquery of ids) on either side: one
    index range on `a` and one on `b` (a bitmap OR on the match table), never an OR of joined
    conditions, which makes PostgreSQL join every match to both persons first."""
    return Q(a__in=persons) | Q(b__in=persons)


class PersonMatch(models.Model):
    """Two persons (a.pk < b.pk) whose score reached the threshold. A match still `possible`
    disappears when a change lowers the score below it; a decided one stays."""

    a = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    b = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField()
    explanation = models.CharField(max_length=300)
    # A suspect and a victim recorded as a trafficked worker: the non-punishment principle.
    non_punishment = models.BooleanField(default=False)
    status = models.CharField(
        max_length=10, choices=MatchStatus.choices, default=MatchStatus.POSSIBLE
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-score", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["a", "b"], name="one_match_per_pair"),
            models.CheckConstraint(condition=Q(a__lt=models.F("b")), name="match_pair_ordered"),
        ]
        indexes = [
            models.Index(fields=["b"], name="personmatch_b"),
            # The queue and the API, best first, with or without a status: an ordered page
            # walks one of these and stops once it has its visible rows.
            models.Index(fields=["-score", "-id"], name="personmatch_best"),
            models.Index(fields=["status", "-score", "-id"], name="personmatch_status_best"),
            # The home page's non-punishment flags, best first: few rows of many.
            models.Index(
                fields=["-score", "-id"],
                name="personmatch_non_punishment",
                condition=Q(non_punishment=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.a_id}~{self.b_id} {self.score} ({self.status})"

    def sides(self, agency_id: int | None) -> tuple[Person, Person]:
        """(the viewer's side, the other side); for a match inside one agency, (a, b)."""
        if self.b.agency_id == agency_id and self.a.agency_id != agency_id:
            return self.b, self.a
        return self.a, self.b


class RebuildPhase(models.TextChoices):
    INDEX = "index", _("Re-indexing")
    RECHECK = "recheck", _("Checking the stored matches")
    MATCH = "match", _("Matching")
    FINISH = "finish", _("Finishing")
    DONE = "done", _("Done")


class PersonRebuild(models.Model):
    """One parallel rebuild of the person index and matches (persons/parallel.py): its phase,
    the parts of that phase that Celery workers take (`parts`, JSON specs) and those done.
    The last part of a phase to finish starts the next one, under this row's lock."""

    phase = models.CharField(max_length=10, choices=RebuildPhase.choices)
    parts = models.JSONField(default=list)
    done = models.JSONField(default=list)
    # Part sizes (sources per indexing part, stored matches per recheck part, key partitions).
    index_part = models.PositiveIntegerField()
    recheck_part = models.PositiveIntegerField()
    match_parts = models.PositiveIntegerField()
    # Read once when matching begins, so every part sees the same: the common name keys,
    # the time persons indexed before count as matched, the matches before.
    common = models.JSONField(default=list)
    match_started_at = models.DateTimeField(null=True, blank=True)
    matches_before = models.PositiveIntegerField(default=0)
    indexed = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)
    found = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"rebuild {self.pk} ({self.phase}, {len(self.done)}/{len(self.parts)})"
