"""Indicators and the cross-reference store.

- `IndicatorValue`: each distinct (kind, qualifier, normalised value) once. The qualifier is the
  chain of a wallet or the platform of a handle ("" for the other kinds).
- `Indicator`: one case's sighting of a value, with the text as entered.
- `Hit`: "this value of my case is also held by another agency": a sighting whose value other
  agencies hold, read through a database view from the sightings and the holders their value
  keeps (`IndicatorValue.agency_count`). Never one row per pair of cases, and nothing written
  per case when a value is matched.
- `HitReview`: what a user said of a hit (reviewed, dismissed); the only stored part of a hit.
- `AccessRequest`: from a hit, an agency asks the owner of the other case for access.
"""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.query import ModelIterable
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from cases.models import Case
from config.choices import ChoiceLabels
from indicators.normalize.kinds import CHAIN_KINDS, PLATFORM_KINDS, Chain, Kind, Platform

# Infrastructure that can be reported to its provider and taken down.
TAKEDOWN_KINDS = frozenset(
    {Kind.PHONE, Kind.EMAIL, Kind.DOMAIN, Kind.URL, Kind.IP, Kind.SOCIAL_HANDLE, Kind.MESSAGING_ID}
)


class TakedownStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    REPORTED = "reported", _("Reported")
    TAKEN_DOWN = "taken_down", _("Taken down")


class IndicatorValue(ChoiceLabels):
    kind = models.CharField(max_length=20, choices=Kind.choices)
    qualifier = models.CharField(
        max_length=20,
        blank=True,
        default="",
        help_text=_("Chain of a wallet, platform of a handle."),
    )
    normalized = models.CharField(max_length=1000)
    is_common = models.BooleanField(
        default=False, help_text=_("Held by too many cases or on the common-values list: no hits.")
    )
    case_count = models.PositiveIntegerField(default=0)
    # Who holds the value, kept by the cross-referencing (indicators.xref), from which the hits
    # are read: how many agencies hold it in a case that is not silent, that agency when there
    # is one, and when one more agency came. Left at 0 for a common value.
    agency_count = models.PositiveIntegerField(
        default=0, help_text=_("Agencies holding the value in a case that is not silent.")
    )
    # Derived data with no index and no database foreign key: the cross-referencing rewrites it
    # in place (a HOT update), and an agency is never deleted.
    sole_agency = models.ForeignKey(
        Agency,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The agency, when exactly one holds the value in a case that is not silent."),
    )
    hit_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When one more agency last came to hold the value.")
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "qualifier", "normalized"], name="one_value_per_kind"
            )
        ]
        # The hits newest by their value's new holder (`HitQuerySet.newest_first`). Only the
        # engine's writes that change `hit_at` (one more agency) miss HOT for it.
        indexes = [
            models.Index(fields=["hit_at"], condition=Q(hit_at__isnull=False), name="value_hit_at")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.qualifier + ':' if self.qualifier else ''}{self.normalized}"

    @property
    def chain(self) -> str:
        return self.qualifier if self.kind in CHAIN_KINDS else ""

    @property
    def platform(self) -> str:
        return self.qualifier if self.kind in PLATFORM_KINDS else ""


class IndicatorQuerySet(models.QuerySet["Indicator"]):
    def unprocessed(self) -> IndicatorQuerySet:
        """Saved and not yet cross-referenced: still in the queue."""
        return self.filter(pending__isnull=False)


class Indicator(ChoiceLabels):
    """A case's sighting of a value: the text as entered, and when and how it was seen."""

    # No index of their own: (case, kind) and the (value, case) unique index lead with them,
    # and every index is one more write per sighting saved.
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="indicators", db_index=False
    )
    value = models.ForeignKey(
        IndicatorValue, on_delete=models.PROTECT, related_name="sightings", db_index=False
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    raw_value = models.CharField(max_length=1000, help_text=_("As entered."))
    chain = models.CharField(max_length=20, choices=Chain.choices, blank=True)
    platform = models.CharField(max_length=20, choices=Platform.choices, blank=True)
    first_seen = models.DateField(null=True, blank=True)
    last_seen = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)
    takedown_status = models.CharField(
        max_length=20, choices=TakedownStatus.choices, default=TakedownStatus.ACTIVE
    )
    takedown_date = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        ordering = ["case_id", "kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["value", "case"], name="one_sighting_per_case"),
            models.CheckConstraint(
                condition=Q(first_seen__isnull=True)
                | Q(last_seen__isnull=True)
                | Q(first_seen__lte=models.F("last_seen")),
                name="indicator_seen_in_order",
            ),
        ]
        indexes = [
            models.Index(fields=["case", "kind"]),
            # The hits newest by their sighting (`HitQuerySet.newest_first`).
            models.Index(fields=["created_at", "id"], name="indicator_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.raw_value}"

    @property
    def normalized_value(self) -> str:
        return self.value.normalized

    @property
    def has_takedown(self) -> bool:
        return self.kind in TAKEDOWN_KINDS

    @property
    def is_pending(self) -> bool:
        """Not yet cross-referenced (select_related("pending") to read it without a query)."""
        return hasattr(self, "pending")


class PendingIndicator(models.Model):
    """The cross-referencing queue: an indicator saved and not yet cross-referenced. Queued in
    the transaction that saves the indicator; a worker claims queued indicators by deleting
    their rows (on PostgreSQL with SKIP LOCKED, so two workers take different ones), and the
    deletion commits with the work. A small table of its own, so claiming writes nothing to
    the sightings. Elsewhere a worker claims by setting `claimed_at` with a conditional
    UPDATE, and a claim older than the lease may be taken over."""

    indicator = models.OneToOneField(
        Indicator, on_delete=models.CASCADE, primary_key=True, related_name="pending"
    )
    # The sighting's value, copied: a worker takes a batch and knows its values without
    # reading the sightings.
    value = models.ForeignKey(
        IndicatorValue, on_delete=models.CASCADE, db_index=False, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Indicator {self.indicator_id} pending cross-referencing"


class HitStatus(models.TextChoices):
    NEW = "new", _("New")
    REVIEWED = "reviewed", _("Reviewed")
    DISMISSED = "dismissed", _("Dismissed")


class HitQuerySet(models.QuerySet["Hit"]):
    """Reads scoped to a user are the access policy's (`access.visible_...`), never a
    queryset method: models do not import the policy."""

    _known_count: int | None = None
    _newest_first: bool = False

    def with_known_count(self, count: int) -> HitQuerySet:
        """These hits, whose `count()` answers `count` without a query (an agency's tally, set
        by the access policy: `access.visible_hits_counted`). Any filter after it counts again."""
        clone = self._chain()
        clone._known_count = count
        return clone

    def newest_first(self) -> HitQuerySet:
        """These hits, whose first pages in the view's order (newest first: `created_at`, the
        later of the sighting and its value's last new holder, then `id`) are read from two
        indexed walks instead of a sort of them all; kept by the filters after it.

        The first n hits by the later of two times are among the first n by the sighting's
        time and the first n by the value's: a hit outside the first n by its own later time,
        say the sighting's, has n hits before it by that time, each as late or later by its
        own later time (ties by id alike). So a slice ending at n at most `NEWEST_FIRST_DEPTH`
        reads the first n by each (the indexes `indicator_newest` and `value_hit_at`) and
        orders those in the view's order; a deeper one, or another order, sorts them all."""
        clone = self._chain()
        clone._newest_first = True
        return clone

    def _clone(self) -> HitQuerySet:
        clone = cast(HitQuerySet, super()._clone())
        clone._newest_first = self._newest_first
        return clone

    def count(self) -> int:
        if self._known_count is not None:
            return self._known_count
        return super().count()

    def _fetch_all(self) -> None:
        if self._result_cache is None and self._first_pages():
            self._result_cache = self._newest_page()
        super()._fetch_all()

    def _first_pages(self) -> bool:
        query = self.query
        return (
            self._newest_first
            and self._iterable_class is ModelIterable
            and query.default_ordering
            and not query.order_by
            and not query.extra_order_by
            and not query.distinct
            and not query.combinator
            and query.high_mark is not None
            and query.high_mark <= NEWEST_FIRST_DEPTH
        )

    def _newest_page(self) -> list[Hit]:
        start, stop = self.query.low_mark, self.query.high_mark
        hits = self._chain()
        hits.query.clear_limits()
        hits._newest_first = False
        candidates = set(hits.order_by("-sighted_at", "-id").values_list("pk", flat=True)[:stop])
        candidates |= _newest_by_value(hits, stop)
        if not candidates:
            return []
        return list(hits.filter(pk__in=candidates)[start:stop])


def _newest_by_value(hits: HitQuerySet, n: int) -> set[int]:
    """The ids of the first `n` of `hits` by their value's `hit_at` then id, newest first. The
    index gives the values by `hit_at` alone, and values share it (one engine statement's
    time), so: the first `n` by `hit_at` alone, those of them later than the last one's, and the
    rest from the hits of that last time, by id. Two queries whatever the data, so a page's
    query count does not grow with the sightings."""
    by_value = hits.filter(value__hit_at__isnull=False)
    first = list(by_value.order_by("-value__hit_at").values_list("pk", "value__hit_at")[:n])
    if not first:
        return set()
    last = first[-1][1]
    later = {pk for pk, at in first if at > last}
    # The hits of `first` at the last time are as many of the tied hits as are wanted (or all
    # of them), so the wanted ones, the tied hits with the highest ids, are none lower than the
    # lowest of those: a floor for the read of the tie, which may hold tens of thousands (a
    # rebuild or a sweep gives one time to all the values of its statement).
    floor = min(pk for pk, at in first if at == last)
    tied = by_value.filter(value__hit_at=last, pk__gte=floor).order_by("-id")
    return later | set(tied.values_list("pk", flat=True)[: n - len(later)])


# The deepest slice of the hits read from their newest (`HitQuerySet.newest_first`): page 10 of
# 25, at most twice 250 ids in the last query (page 40 measured slower than the sort: see
# docs/PERFORMANCE.md).
NEWEST_FIRST_DEPTH = 250


# Altering a column the `indicators_hit` view reads. The view reads indicators_indicator (id,
# case_id, value_id, created_at), cases_case (id, agency_id, silent), indicators_indicatorvalue
# (id, is_common, agency_count, sole_agency_id, hit_at) and indicators_hitreview (case_id,
# value_id, status, other_agencies, reviewed_by_id, reviewed_at). PostgreSQL refuses to change
# the type of a column a view uses, and SQLite's table rebuild (Django's AlterField there) breaks
# the view, so the migration that alters one drops the view first and creates it again after,
# each step with its reverse. The view's SQL is copied into that migration as it stands (the
# last migration that created it, today HIT_VIEW in 0013), never imported from live code, and
# changed there if the change of the column needs it:
#
#     HIT_VIEW = """CREATE VIEW indicators_hit AS ..."""  # copied from 0013
#
#     class Migration(migrations.Migration):
#         dependencies = [("indicators", "0011_queue_value_required")]
#         operations = [
#             migrations.RunSQL("DROP VIEW indicators_hit", HIT_VIEW),
#             migrations.AlterField(
#                 model_name="indicatorvalue",
#                 name="agency_count",
#                 field=models.PositiveBigIntegerField(default=0),
#             ),
#             migrations.RunSQL(HIT_VIEW, "DROP VIEW indicators_hit"),
#         ]
#
# A column of the view itself (a field of `Hit` below) changes the same way, with the model
# (`managed = False`) changed to match: Django writes no SQL for an unmanaged model.
class Hit(ChoiceLabels):
    """A value of this case is also held by a case of another agency that is not silent, and
    the value is not common (which agency, and its contact, is read from the value's
    sightings; the other case itself is not named).

    A read-only database view (`HIT_VIEW` in migration indicators/0013): one row per sighting in
    that state, with the sighting's id, so a hit is stored nowhere and the cross-referencing
    writes nothing per case. Its status is what the agency said in a `HitReview`, unless more
    agencies hold the value than when it said it: then the hit is new again."""

    id = models.BigIntegerField(primary_key=True, help_text=_("The sighting's id."))
    case = models.ForeignKey(
        Case, on_delete=models.DO_NOTHING, db_constraint=False, related_name="hits"
    )
    value = models.ForeignKey(
        IndicatorValue, on_delete=models.DO_NOTHING, db_constraint=False, related_name="hits"
    )
    status = models.CharField(max_length=20, choices=HitStatus.choices)
    other_agencies = models.PositiveIntegerField(
        help_text=_("How many other agencies hold the value in a case that is not silent.")
    )
    created_at = models.DateTimeField(
        help_text=_("The later of the sighting and the last time one more agency held the value.")
    )
    sighted_at = models.DateTimeField(help_text=_("When the sighting was saved."))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True)

    objects = HitQuerySet.as_manager()

    class Meta:
        managed = False
        db_table = "indicators_hit"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Hit {self.value} on case {self.case_id}"

    @property
    def kind(self) -> str:
        return self.value.kind


class HitReview(models.Model):
    """What the holding agency said of its hit on (case, value): reviewed or dismissed, by whom
    and when, and how many other agencies held the value then."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="hit_reviews", db_index=False
    )
    value = models.ForeignKey(IndicatorValue, on_delete=models.CASCADE, related_name="hit_reviews")
    status = models.CharField(max_length=20, choices=HitStatus.choices)
    other_agencies = models.PositiveIntegerField(
        help_text=_(
            "How many other agencies held the value when it was said: when more hold it, "
            "the hit is new again."
        )
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "value"], name="one_review_per_case_value")
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()}: {self.value} on case {self.case_id}"


class HitTally(models.Model):
    """What the engine keeps of an agency's hits, so its pages count them without reading its
    sightings: how many of its hits are new, reviewed, dismissed, as the sum of its rows. Each
    change of its hits (a sighting saved or removed, a case going silent or not, a review, a
    value's holders or common flag recomputed) adds one row per agency with what changed, in
    the transaction of the change (`indicators.hitcount`); `hitcount.compact` folds an agency's
    rows into one, `hitcount.recount` sets them again from the hits themselves (the view)."""

    # An agency is never deleted; no database foreign key, no index of its own (the covering
    # index below leads with it).
    agency = models.ForeignKey(
        Agency, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    # Changes, so any of them may be negative in one row; their sums are not.
    new = models.IntegerField(default=0)
    reviewed = models.IntegerField(default=0)
    dismissed = models.IntegerField(default=0)

    class Meta:
        indexes = [
            # Its sums read from the index alone (SQLite has no INCLUDE columns).
            models.Index(
                fields=["agency", "new", "reviewed", "dismissed"], name="hittally_agency_counts"
            )
        ]

    def __str__(self) -> str:
        return f"Hits of agency {self.agency_id}: {self.new} new, {self.reviewed} reviewed"


class AccessRequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")


class AccessRequestQuerySet(models.QuerySet["AccessRequest"]):
    def pending(self) -> AccessRequestQuerySet:
        return self.filter(status=AccessRequestStatus.PENDING)


class AccessRequest(models.Model):
    """From a hit, an agency asks for access to another agency's case holding the value; a
    supervisor of the owning agency grants (the case is shared) or refuses."""

    # The sighting whose hit the request was made from (a hit's id is its sighting's).
    hit = models.ForeignKey(
        Indicator,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="access_requests",
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="access_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_requests"
    )
    requesting_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="access_requests"
    )
    reason = models.TextField()
    status = models.CharField(
        max_length=20, choices=AccessRequestStatus.choices, default=AccessRequestStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = AccessRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "requesting_agency"],
                condition=Q(status="pending"),
                name="one_pending_request_per_agency_case",
            )
        ]

    def __str__(self) -> str:
        return f"{self.requesting_agency} asks for case {self.case_id} ({self.status})"
