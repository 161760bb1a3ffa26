"""The writes on indicators, hits and access requests. Views, API and tasks call these.

Adding indicators validates every line first: a batch is stored whole or not at all, with an
error per line. The cross-referencing itself runs in a Celery task queued after commit; if the
broker cannot take it, the save still stands and the periodic sweep processes it later."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

import access
import audit
from agencies.models import Agency, User
from agencies.services import notification_send
from audit.models import EventKind, Outcome
from cases.models import Case, SharingLevel
from cases.services import case_set_sharing
from cases.timeline import case_event_record
from config import messages, pgarrays
from config.errors import PolicyError, allowed_fields
from indicators import hitcount
from indicators.models import (
    TAKEDOWN_KINDS,
    AccessRequest,
    AccessRequestStatus,
    Hit,
    HitReview,
    HitStatus,
    Indicator,
    IndicatorValue,
    Kind,
    TakedownStatus,
)
from indicators.normalize import Normalized, normalize
from indicators.queue import queue_removal, queue_xref
from indicators.selectors import hit_counterparts
from registry.sightings import is_registered, sync_sightings

LINE_FIELDS = frozenset(
    {
        "kind",
        "value",
        "chain",
        "platform",
        "first_seen",
        "last_seen",
        "note",
        "takedown_status",
        "takedown_date",
    }
)


class BatchError(ValidationError):
    """Some lines of a batch are invalid; nothing was stored. `lines` maps each bad line
    (1-based) to its messages."""

    def __init__(self, lines: dict[int, list[str]]) -> None:
        self.lines = lines
        super().__init__(
            [
                _("Line %(line)s: %(errors)s") % {"line": n, "errors": " ".join(map(str, msgs))}
                for n, msgs in sorted(lines.items())
            ],
            code="batch",
        )


@dataclass
class _Line:
    normalized: Normalized
    raw: str
    fields: Mapping[str, Any]


_TAKEDOWN_STATUSES = frozenset(TakedownStatus.values)

# What indicator_update may write: what was seen and the takedown, never the value.
INDICATOR_EDIT_FIELDS = ("first_seen", "last_seen", "note", "takedown_status", "takedown_date")


def _messages(exc: ValidationError) -> list[str]:
    return list(exc.messages)


def indicator_line_check(
    row: Mapping[str, Any], region: str, *, checked: Normalized | None = None
) -> _Line:
    """A line checked as the indicator form checks it. `checked`: the line's value as a
    previous check normalised it (an import's rows), not normalised again."""
    unknown = set(row) - LINE_FIELDS
    if unknown:
        raise ValidationError(
            _("Unknown field(s): %(value)s.") % {"value": ", ".join(sorted(unknown))}
        )
    kind = str(row.get("kind") or "").strip()
    raw = str(row.get("value") or "")
    normalized = checked or normalize(
        kind,
        raw,
        chain=str(row.get("chain") or ""),
        platform=str(row.get("platform") or ""),
        region=region,
    )
    first_seen, last_seen = row.get("first_seen"), row.get("last_seen")
    for name, day in (("first seen", first_seen), ("last seen", last_seen)):
        if day is not None and not isinstance(day, date):
            raise ValidationError(_("The %(name)s date must be a date.") % {"name": name})
        if day is not None and day > timezone.localdate():
            raise ValidationError(_("The %(name)s date cannot be in the future.") % {"name": name})
    if first_seen and last_seen and first_seen > last_seen:
        raise ValidationError(_("First seen must not be after last seen."))
    status = str(row.get("takedown_status") or TakedownStatus.ACTIVE)
    if status not in _TAKEDOWN_STATUSES:
        raise ValidationError(_("Unknown takedown status %(status)s.") % {"status": repr(status)})
    takedown_date = row.get("takedown_date")
    if status != TakedownStatus.ACTIVE and kind not in TAKEDOWN_KINDS:
        raise ValidationError(
            _("A %(lower)s is not taken down.") % {"lower": Kind(kind).label.lower()}
        )
    if status == TakedownStatus.ACTIVE:
        takedown_date = None
    elif takedown_date is None:
        takedown_date = timezone.localdate()
    return _Line(
        normalized=normalized,
        raw=raw.strip(),
        fields={
            "first_seen": first_seen,
            "last_seen": last_seen,
            "note": str(row.get("note") or "").strip(),
            "takedown_status": status,
            "takedown_date": takedown_date,
        },
    )


def indicator_line_plain(normalized: Normalized, raw: str) -> _Line:
    """What `indicator_line_check` gives a line of a kind and a value alone, the value
    normalised before (an import's row with no other field): nothing is left to check."""
    return _Line(normalized=normalized, raw=raw.strip(), fields=_PLAIN_FIELDS)


# What every plain line's fields are: one read-only mapping for them all.
_PLAIN_FIELDS = MappingProxyType(
    {
        "first_seen": None,
        "last_seen": None,
        "note": "",
        "takedown_status": TakedownStatus.ACTIVE,
        "takedown_date": None,
    }
)


def _with_derived(
    normalized: Normalized, region: str, memo: dict[tuple[str, str], list[Normalized]] | None = None
) -> list[Normalized]:
    """The values a value implies (a URL's domain, a host's registrable domain), recursively.
    `memo`: what a batch worked out already (many of its URLs share a domain), by implied
    (kind, value as given)."""
    out = []
    for kind, _qualifier, raw in normalized.derived:
        if memo is not None and (kind, raw) in memo:
            out.extend(memo[kind, raw])
            continue
        derived = normalize(kind, raw, region=region)
        implied = [derived, *_with_derived(derived, region, memo)]
        if memo is not None:
            memo[kind, raw] = implied
        out.extend(implied)
    return out


# The values a save creates, in one statement (bulk_create built a model instance and compiled
# SQL for each); the ids of those that were there already, found by the unique index's three
# columns (kind, qualifier, normalized) in a second one, which sees a value a concurrent save
# inserted since the first began.
_INSERT_VALUES = """
INSERT INTO indicators_indicatorvalue (
    kind, qualifier, normalized, is_common, case_count, agency_count, sole_agency_id, hit_at,
    created_at)
SELECT u.kind, u.qualifier, u.normalized, u.is_common, 1, u.agency_count, u.sole_agency_id,
    u.hit_at, %b
FROM {values}
-- In one order for every save: two saves creating the same values wait on each other's unique
-- keys in the same order, never in a cycle (a deadlock would fail one import). Sorted here, in
-- C and by bytes, not in Python (sorting 112,502 key tuples took 0.7 s of an import's save).
ORDER BY u.kind COLLATE "C", u.qualifier COLLATE "C", u.normalized COLLATE "C"
ON CONFLICT (kind, qualifier, normalized) DO NOTHING
RETURNING id, kind, qualifier, normalized
"""
_VALUE_COLUMNS = [
    "kind",
    "qualifier",
    "normalized",
    "is_common",
    "agency_count",
    "sole_agency_id",
    "hit_at",
]
_VALUE_TYPES = ["text", "text", "text", "boolean", "int4", "int8", "timestamptz"]
_VALUE_IDS = """
SELECT v.id, u.kind, u.qualifier, u.normalized
FROM unnest(%b::text[], %b::text[], %b::text[]) AS u(kind, qualifier, normalized)
CROSS JOIN LATERAL (  -- one probe of the unique index per key (see _HELD)
    SELECT v.id FROM indicators_indicatorvalue v
    WHERE v.kind = u.kind AND v.qualifier = u.qualifier AND v.normalized = u.normalized
    LIMIT 1
) v
"""


def _value_ids(
    keys: set[tuple[str, str, str]], case: Case
) -> tuple[dict[tuple[str, str, str], int], set[int]]:
    """The id of each (kind, qualifier, normalised) value, created where missing (held by this
    case alone, the save adding its sighting): one insert and one select for the whole batch.
    With the ids of the values this save created."""
    from indicators import xref

    if connection.vendor != "postgresql":
        # Those there before, then all: SQLite's transactions are serializable, so no other
        # one creates a value between the two reads.
        def found() -> dict[tuple[str, str, str], int]:
            rows = IndicatorValue.objects.filter(
                normalized__in={v for _, _, v in keys}
            ).values_list("pk", "kind", "qualifier", "normalized")
            return {(k, q, v): pk for pk, k, q, v in rows if (k, q, v) in keys}

        before = set(found().values())
        IndicatorValue.objects.bulk_create(
            xref.new_values(keys, case), ignore_conflicts=True, batch_size=1000
        )
        ids = found()
        return ids, set(ids.values()) - before
    key_list = list(keys)  # in any order: the insert sorts them (_INSERT_VALUES)
    states = xref.new_value_states(key_list, case)
    now = timezone.now()
    rows = [(*key, *state) for key, state in zip(key_list, states, strict=True)]
    with pgarrays.relation("u", _VALUE_COLUMNS, _VALUE_TYPES, rows) as (values, params):
        inserted = pgarrays.execute(_INSERT_VALUES.format(values=values), [now, *params])
    ids = {(k, q, v): pk for pk, k, q, v in inserted}
    created = set(ids.values())
    missing = [key for key in key_list if key not in ids]
    if missing:
        found = pgarrays.execute(_VALUE_IDS, [list(c) for c in zip(*missing, strict=True)])
        ids.update({(k, q, v): pk for pk, k, q, v in found})
    return ids, created


_MANAGE_REFUSED = "Only the owning agency's investigators, analysts and supervisors add indicators."


@transaction.atomic
def indicators_add_batch(
    *, case: Case, by: User, rows: Iterable[Mapping[str, Any]]
) -> list[Indicator]:
    """Add indicators to a case: all lines or none. Each line is a mapping of LINE_FIELDS.
    The values a line implies (a URL's domain) are recorded too, unless already there."""
    if not access.can_manage_indicators(by, case):
        raise PolicyError(_MANAGE_REFUSED)
    region = case.agency.country.code
    rows = list(rows)
    if not rows:
        raise BatchError({1: [_("Give at least one indicator.")]})
    errors: dict[int, list[str]] = {}
    lines: list[_Line] = []
    for number, row in enumerate(rows, start=1):
        try:
            lines.append(indicator_line_check(row, region))
        except ValidationError as exc:
            errors[number] = _messages(exc)
    if errors:
        raise BatchError(errors)
    return indicators_save_lines(case=case, by=by, lines=lines)


# Which of these values a case holds already: each key probes the values' unique index, then
# the sightings' (value, case) one, so the cost follows the keys, never the case's size. Both
# probes are LATERAL ... LIMIT 1 (not flattened into a join) and the case is compared as
# `case_id + 0` (no index on it applies): a case an import is filling has more sightings than
# its statistics say (none, for a new case), and as a join the planner scanned all of them for
# every batch (3.3 s for a batch of 5,000 keys on a case of 112,502 sightings, against 0.56 s
# probed, on the loaded 2-core machine).
_HELD = """
SELECT u.kind, u.qualifier, u.normalized
FROM unnest(%b::text[], %b::text[], %b::text[]) AS u(kind, qualifier, normalized)
CROSS JOIN LATERAL (
    SELECT v.id FROM indicators_indicatorvalue v
    WHERE v.kind = u.kind AND v.qualifier = u.qualifier AND v.normalized = u.normalized
    LIMIT 1
) v
CROSS JOIN LATERAL (
    SELECT FROM indicators_indicator i WHERE i.value_id = v.id AND i.case_id + 0 = %b LIMIT 1
) i
"""


def case_values_held(case: Case, keys: Iterable[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
    """The (kind, qualifier, normalised) values among `keys` that `case` holds a sighting of:
    one statement with the keys as arrays on PostgreSQL (an IN list of 100,000 parameters
    cost more to send than to run)."""
    keys = set(keys)
    if not keys:
        return set()
    if connection.vendor != "postgresql":
        found = Indicator.objects.filter(
            case=case, value__normalized__in={k[2] for k in keys}
        ).values_list("value__kind", "value__qualifier", "value__normalized")
        return {key for key in found if key in keys}
    # A case holding fewer sightings than there are keys (the new case an import fills): its
    # values read whole cost less than probing two indexes for each key.
    ((count,),) = pgarrays.execute(_CASE_SIZE, [case.pk, len(keys)])
    if count < len(keys):
        held = pgarrays.execute(_CASE_VALUES, [case.pk]) if count else []
        return {key for key in held if key in keys}
    found = pgarrays.execute(_HELD, [*(list(c) for c in zip(*keys, strict=True)), case.pk])
    return {(k, q, v) for k, q, v in found}


# How many sightings a case holds, counted up to a limit.
_CASE_SIZE = """
SELECT count(*) FROM (SELECT FROM indicators_indicator WHERE case_id = %b LIMIT %b) i
"""
_CASE_VALUES = """
SELECT v.kind, v.qualifier, v.normalized
FROM indicators_indicator i JOIN indicators_indicatorvalue v ON v.id = i.value_id
WHERE i.case_id = %b
"""


@transaction.atomic
def indicators_save_lines(*, case: Case, by: User, lines: list[_Line]) -> list[Indicator]:
    """Save lines already checked by `indicator_line_check` (by `indicators_add_batch`, or by
    an import's check tasks): all or none. A value the case holds, or given twice, is a
    BatchError naming its line (1-based); the values a line implies are recorded too, and
    every sighting saved is queued for cross-referencing. Returns the lines' sightings."""
    rows, ids = _save_lines(case=case, by=by, lines=lines)
    created = []
    for row, pk in zip(rows, ids, strict=False):
        fields = {
            k: v for k, v in _indicator_fields(row).items() if k not in ("case_id", "created_by_id")
        }
        indicator = Indicator(pk=pk, case=case, created_by=by, **fields)
        indicator._state.adding = False
        indicator._state.db = connection.alias
        created.append(indicator)
    return created


@transaction.atomic
def indicators_save_lines_count(
    *, case: Case, by: User, lines: list[_Line], none_held: bool = False
) -> int:
    """`indicators_save_lines` for a caller that needs no model instances back (an import's
    save): how many lines were saved. `none_held`: the caller found, in this transaction,
    that the case holds none of the lines' values (they are not looked up again; the values
    they imply are)."""
    rows, _ids = _save_lines(case=case, by=by, lines=lines, none_held=none_held, ids=False)
    return len(rows)


def _save_lines(
    *, case: Case, by: User, lines: list[_Line], none_held: bool = False, ids: bool = True
) -> tuple[list[tuple], list[int]]:
    """The save both entries share: the lines' rows as inserted (tuples in
    `_INDICATOR_COLUMNS` order) and their ids, in line order (none without `ids`, on PostgreSQL)."""
    if not access.can_manage_indicators(by, case):
        raise PolicyError(_MANAGE_REFUSED)
    if not lines:
        raise BatchError({1: [_("Give at least one indicator.")]})
    region = case.agency.country.code
    errors: dict[int, list[str]] = {}
    memo: dict[tuple[str, str], list[Normalized]] = {}
    derived = [d for line in lines for d in _with_derived(line.normalized, region, memo)]
    line_keys = {line.normalized.key for line in lines}
    all_keys = line_keys | {d.key for d in derived}
    held = case_values_held(case, all_keys - line_keys if none_held else all_keys)
    seen: dict[tuple[str, str, str], int] = {}
    for number, line in enumerate(lines, start=1):
        key = line.normalized.key
        if key in held:
            errors[number] = [
                _("%(value)s is already recorded on this case.") % {"value": line.normalized.value}
            ]
        elif key in seen:
            errors[number] = [
                _("%(value)s is the same value as line %(line)s.")
                % {"value": line.normalized.value, "line": seen[key]}
            ]
        seen.setdefault(key, number)
    if errors:
        raise BatchError(errors)

    # The state of a value this save creates is final (no engine run checks it later), and it
    # rests on the case's silence: read it now, the case row locked against a change of it
    # until this commits (the form's or the job's `case` may be older than a silence set since).
    case.silent = (
        Case.objects.select_for_update(no_key=True).values_list("silent", flat=True).get(pk=case.pk)
    )
    value_ids, created = _value_ids(all_keys, case)
    now = timezone.now()
    handle_kinds = (Kind.SOCIAL_HANDLE, Kind.MESSAGING_ID)
    case_id, by_id = case.pk, by.pk
    # Each sighting as a tuple in `_INDICATOR_COLUMNS` order, what the COPY writes (a dict per
    # row, merged from the line's fields, cost more than writing it).
    new: list[tuple] = []
    for line in lines:
        n, fields = line.normalized, line.fields
        kind, qualifier = n.kind, n.qualifier
        new.append(
            (
                case_id,
                value_ids[kind, qualifier, n.value],
                kind,
                line.raw,
                qualifier if kind == Kind.CRYPTO_WALLET else "",
                qualifier if kind in handle_kinds else "",
                fields["first_seen"],
                fields["last_seen"],
                fields["note"],
                fields["takedown_status"],
                fields["takedown_date"],
                by_id,
                now,
            )
        )
    for d in derived:
        key = d.key
        if key not in held and key not in seen:
            seen[key] = 0
            new.append(
                (
                    case_id,
                    value_ids[key],
                    d.kind,
                    d.value,
                    "",
                    "",
                    None,
                    None,
                    _IMPLIED_NOTE,
                    TakedownStatus.ACTIVE,
                    None,
                    by_id,
                    now,
                )
            )
    # The case's agency's hits of the values that were there before change (a value another
    # agency holds is a hit at once); other agencies' change when the engine recomputes the
    # values. A value this save created is no hit of anyone's: nothing to track.
    with hitcount.tracking(
        (row[_VALUE_ID] for row in new if row[_VALUE_ID] not in created),
        agency_id=case.agency_id,
    ):
        pks = _insert_indicators(new, ids=ids)
    # Only a value that was there before can have a registry entry, or other holders: a value
    # this save created holds this sighting alone, with the state the engine would compute for
    # it (`xref.new_value_states`), and nobody else can sight it before this commits (a
    # concurrent save waits on its unique key, then finds it there before and queues its own
    # sighting). So only the sightings of values that were there before are synced with the
    # registry and queued for cross-referencing: the same hits, without a queue row, a task
    # and two foreign-key checks per new value.
    if pks is None:  # not returned: those of the sightings to queue are read
        values = _sighting_ids(case, [row[_VALUE_ID] for row in new], created)
    else:
        values = {
            pk: row[_VALUE_ID]
            for pk, row in zip(pks, new, strict=True)
            if row[_VALUE_ID] not in created
        }
    # A sighting of a registered value starts at the entry's takedown status, not "active":
    # one UPDATE for the batch (all its rows, implied ones too, share the case and `now`), when
    # some value was there before (a value this save created has no registry entry).
    if values:
        sync_sightings(Indicator.objects.filter(case_id=case.pk, created_at=now))
    queue_xref(list(values), values=values)
    case_event_record(case=case, text=_added_text(new), by=by)
    return new[: len(lines)], pks[: len(lines)] if pks is not None else []


_SIGHTING_IDS = """
SELECT i.id, i.value_id FROM indicators_indicator i
WHERE i.value_id = ANY(%b::bigint[]) AND i.case_id = %b
"""


def _sighting_ids(case: Case, value_ids: list[int], created: set[int]) -> dict[int, int]:
    """The ids of `case`'s sightings of these values, but those `created` (id -> value id)."""
    wanted = [pk for pk in value_ids if pk not in created]
    if not wanted:
        return {}
    return dict(pgarrays.execute(_SIGHTING_IDS, [wanted, case.pk]))


# How many added values the timeline names one by one; a longer batch (an import) is counted.
_TIMELINE_NAMED = 20


def _indicator_label(indicator: Indicator) -> messages.Text:
    return messages.text("indicator", kind=indicator.kind, value=indicator.raw_value)


def _added_text(created: list[tuple]) -> messages.Text:
    """The timeline's line for a batch of sightings as inserted (`_insert_indicators` rows)."""
    named = [
        messages.text("indicator", kind=row[_KIND], value=row[_RAW_VALUE])
        for row in created[:_TIMELINE_NAMED]
    ]
    more = len(created) - len(named)
    return messages.joined(
        messages.text("indicators.added", values=named),
        messages.text("indicators.added_more", count=more) if more else None,
    )


# The columns of a sighting a save writes (its id apart), with their PostgreSQL types. On
# PostgreSQL the ids are taken from the table's sequence first and the rows written by one
# binary COPY (an unnest of bound arrays converted each element in Python, the ORM's
# bulk_create cost half a millisecond a row).
_INDICATOR_COLUMNS = [
    "case_id",
    "value_id",
    "kind",
    "raw_value",
    "chain",
    "platform",
    "first_seen",
    "last_seen",
    "note",
    "takedown_status",
    "takedown_date",
    "created_by_id",
    "created_at",
]
# Where `_save_lines`' rows hold what is read of them.
_VALUE_ID, _KIND, _RAW_VALUE = map(_INDICATOR_COLUMNS.index, ("value_id", "kind", "raw_value"))
_IMPLIED_NOTE = "Recorded from a URL or host name of this case."
_INDICATOR_TYPES = [
    "int8",
    "int8",
    "text",
    "text",
    "text",
    "text",
    "date",
    "date",
    "text",
    "text",
    "date",
    "int8",
    "timestamptz",
]


def _insert_indicators(new: list[tuple], *, ids: bool = True) -> list[int] | None:
    """Insert these sightings (all of one case, each a tuple in `_INDICATOR_COLUMNS` order):
    with one COPY on PostgreSQL, bulk_create elsewhere. Their ids, in order; None on PostgreSQL
    without `ids` (the table's default numbers them: no id is taken from the sequence
    beforehand)."""
    if connection.vendor != "postgresql":
        created = Indicator.objects.bulk_create(
            [Indicator(**_indicator_fields(row)) for row in new], batch_size=1000
        )
        return [i.pk for i in created]
    table = Indicator._meta.db_table
    if not ids:
        pgarrays.copy_rows(table, _INDICATOR_COLUMNS, _INDICATOR_TYPES, new)
        return None
    pks = pgarrays.reserve_ids(table, len(new))
    pgarrays.copy_rows(
        table,
        ["id", *_INDICATOR_COLUMNS],
        ["int8", *_INDICATOR_TYPES],
        ((pk, *row) for pk, row in zip(pks, new, strict=True)),
    )
    return pks


def _indicator_fields(row: tuple) -> dict[str, Any]:
    """A row of `_save_lines` as an Indicator's fields, by name."""
    return dict(zip(_INDICATOR_COLUMNS, row, strict=True))


def indicator_add(*, case: Case, by: User, kind: str, value: str, **fields: Any) -> Indicator:
    """Add one indicator; an invalid value raises ValidationError({"value": why})."""
    try:
        return indicators_add_batch(
            case=case, by=by, rows=[{"kind": kind, "value": value, **fields}]
        )[0]
    except BatchError as exc:
        raise ValidationError({"value": exc.lines[1]}) from None


@transaction.atomic
def indicator_update(*, indicator: Indicator, by: User, **fields: Any) -> Indicator:
    """Edit what was seen and the takedown status; the value itself is not edited (remove the
    indicator and add the right one)."""
    if not access.can_manage_indicators(by, indicator.case):
        raise PolicyError(_("Only the owning agency edits its indicators."))
    allowed_fields(fields, INDICATOR_EDIT_FIELDS)
    indicator = Indicator.objects.select_for_update(no_key=True).get(pk=indicator.pk)
    if is_registered(indicator.value_id):
        # The registry's lifecycle owns the takedown of a registered value: a form sending
        # the current status back is fine, a change is refused.
        for name in ("takedown_status", "takedown_date"):
            if name in fields and fields.pop(name) != getattr(indicator, name):
                raise ValidationError(
                    {
                        name: gettext(
                            "This value is in the network registry: record its takedown "
                            "steps there."
                        )
                    }
                )
    row = {
        "kind": indicator.kind,
        "value": indicator.value.normalized,
        "chain": indicator.chain,
        "platform": indicator.platform,
        **{name: getattr(indicator, name) for name in INDICATOR_EDIT_FIELDS},
        **fields,
    }
    if "takedown_status" in fields and "takedown_date" not in fields:
        row["takedown_date"] = None
    line = indicator_line_check(row, indicator.case.agency.country.code)
    changes = []
    for name, value in line.fields.items():
        old = getattr(indicator, name)
        if old != value:
            changes.append((name, old, value))
        setattr(indicator, name, value)
    indicator.save(update_fields=list(line.fields))
    if changes:
        # The field and its values by name and code: shown in the reader's language.
        lines = [
            messages.text("indicator.change", field=name, old=old, new=new)
            for name, old, new in changes
        ]
        case_event_record(
            case=indicator.case,
            text=messages.joined(
                messages.text("indicator.edited", indicator=_indicator_label(indicator)),
                *lines,
                key="lines",
            ),
            by=by,
        )
    return indicator


@transaction.atomic
def indicator_delete(*, indicator: Indicator, by: User) -> None:
    """Remove a sighting; the value's holders (and so its hits) are recomputed through the
    durable queue, as after a save (indicators.queue.queue_removal)."""
    if not access.can_manage_indicators(by, indicator.case):
        raise PolicyError(_("Only the owning agency removes its indicators."))
    value_id = indicator.value_id
    case, label = indicator.case, _indicator_label(indicator)
    with hitcount.tracking([value_id], agency_id=case.agency_id):
        indicator.delete()
    queue_removal([value_id])
    case_event_record(case=case, text=messages.text("indicator.removed", indicator=label), by=by)


# --- hits ------------------------------------------------------------------------------------


@transaction.atomic
def hit_review(*, hit: Hit, by: User, status: str) -> Hit:
    """Mark a hit reviewed or dismissed (or new again). What is said is kept with how many
    other agencies held the value then: when more hold it later, the hit is new again."""
    if not access.can_review_hit(by, hit):
        raise PolicyError(_("Only the agency holding the case reviews its hits."))
    if status not in HitStatus.values:
        raise ValidationError(
            {"status": _("Unknown status %(status)s.") % {"status": repr(status)}}
        )
    # The sighting locked: two reviews of one hit take turns.
    Indicator.objects.select_for_update(no_key=True).filter(pk=hit.pk).first()
    current = Hit.objects.filter(pk=hit.pk).first()
    if current is None:
        raise ValidationError(_("This hit is gone: the value is no longer held by another agency."))
    with hitcount.tracking([current.value_id], agency_id=hit.case.agency_id):
        if status == HitStatus.NEW:
            HitReview.objects.filter(case_id=current.case_id, value_id=current.value_id).delete()
        else:
            HitReview.objects.update_or_create(
                case_id=current.case_id,
                value_id=current.value_id,
                defaults={
                    "status": status,
                    "other_agencies": current.other_agencies,
                    "reviewed_by": by,
                    "reviewed_at": timezone.now(),
                },
            )
    return Hit.objects.select_related("case", "value").get(pk=hit.pk)


# --- access requests -------------------------------------------------------------------------


@transaction.atomic
def access_request_create(
    *, hit: Hit, by: User, agency: Agency, reason: str
) -> list[AccessRequest]:
    """From a hit, ask `agency` (one of the hit's counterparts) for access to its case(s)
    holding the value. Its supervisors decide; both timelines record the request."""
    if not access.can_request_access(by, hit):
        raise PolicyError(_("Only the agency holding the hit asks for access."))
    counterparts = hit_counterparts(by, [hit]).get(hit.pk, [])
    if agency.pk not in {a.pk for a in counterparts}:
        raise ValidationError({"agency": _("That agency holds no case with this value for you.")})
    value = hit.value
    return access_request_open(
        by=by,
        cases=Case.objects.filter(agency=agency, silent=False, indicators__value_id=hit.value_id),
        reason=reason,
        hit=hit,
        from_case=hit.case,
        after=messages.text("access.after_hit", kind=value.kind, value=value.normalized),
        holding=value.normalized,
        nothing_left=ValidationError(
            {"agency": _("Your agency already sees, or has asked for, every such case.")}
        ),
    )


@transaction.atomic
def access_request_open(
    *,
    by: User,
    cases: QuerySet[Case],
    reason: str,
    hit: Hit | None,
    from_case: Case,
    after: messages.Text,
    holding: messages.Text | str,
    nothing_left: ValidationError,
) -> list[AccessRequest]:
    """The one way an agency asks for access, from a hit or from a person match: one request
    for each of `cases` that `by`'s agency neither sees nor has a request pending for (another
    agency's pending request, or a request of its own refused before, does not count). Both
    timelines record it: each asked case's says what it came `after`, `from_case` (the asking
    agency's case holding the hit or the matching person) that access was asked to the cases
    `holding` it. `nothing_left` is raised when no case is left to ask for."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why your agency needs access.")})
    pending = AccessRequest.objects.filter(
        requesting_agency_id=by.agency_id, status=AccessRequestStatus.PENDING
    )
    targets = list(
        cases.exclude(pk__in=access.visible_cases(by).values("pk"))
        .exclude(pk__in=pending.values("case_id"))
        .select_related("agency")
        .distinct()
        .order_by("pk")
    )
    if not targets:
        raise nothing_left
    requests = AccessRequest.objects.bulk_create(
        [
            AccessRequest(
                hit_id=hit.pk if hit is not None else None,  # the hit's sighting
                case=target,
                requested_by=by,
                requesting_agency_id=by.agency_id,
                reason=reason,
            )
            for target in targets
        ]
    )
    for target in targets:
        case_event_record(
            case=target,
            text=messages.text(
                "access.asked_here",
                agency=by.agency.name,
                who=by.display_name,
                after=after,
                reason=reason,
            ),
            by=by,
        )
    case_event_record(
        case=from_case,
        text=messages.text(
            "access.asked_there",
            count=len(targets),
            agency=targets[0].agency.name,
            holding=holding,
            reason=reason,
        ),
        by=by,
    )
    for access_request in requests:
        audit.record(
            EventKind.ACCESS_REQUESTED,
            by=by,
            obj=access_request,
            detail={"case": access_request.case_id, "from_case": from_case.pk},
        )
    return requests


@transaction.atomic
def access_request_decide(
    *, access_request: AccessRequest, by: User, grant: bool, note: str = ""
) -> AccessRequest:
    """A supervisor of the case's agency grants (the case is then shared with the requesting
    agency) or refuses. Both timelines and the requester learn the outcome."""
    if not access.can_decide_access_request(by, access_request):
        raise PolicyError(_("Only a supervisor of the owning agency decides access requests."))
    request = AccessRequest.objects.select_for_update(no_key=True).get(pk=access_request.pk)
    if request.status != AccessRequestStatus.PENDING:
        raise ValidationError(_("This request has already been decided."))
    # Locked before it is read, so the grant works on the case as it stands (an edit saved
    # meanwhile is no conflict: the grant changes only who sees it).
    case = Case.objects.select_for_update(no_key=True).get(pk=request.case_id)
    requester = request.requesting_agency
    if grant and case.sharing_level == SharingLevel.OPERATION:
        # Named agencies count only at the shared level: switching would drop the operation's
        # agencies, so the supervisor decides that on the sharing page instead.
        raise ValidationError(
            _(
                "This case is shared through its joint operation: invite the agency to the "
                "operation, or change the case's sharing, then grant."
            )
        )
    request.status = AccessRequestStatus.GRANTED if grant else AccessRequestStatus.REFUSED
    request.decided_by = by
    request.decided_at = timezone.now()
    request.decision_note = (note or "").strip()
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    if grant and case.sharing_level != SharingLevel.NETWORK:
        case_set_sharing(
            case=case,
            level=SharingLevel.SHARED,
            agencies=[*case.shared_with.all(), requester],
            by=by,
            expected_version=case.version,  # locked above: nobody saved it meanwhile
        )
    outcome = "granted" if grant else "refused"
    said = (
        messages.text("access.decision_note", note=request.decision_note)
        if request.decision_note
        else None
    )
    case_event_record(
        case=case,
        text=messages.joined(
            messages.text(f"access.{outcome}", agency=requester.name, who=by.display_name), said
        ),
        by=by,
    )
    if request.hit_id is not None:
        case_event_record(
            case=request.hit.case,
            text=messages.joined(
                messages.text(
                    f"access.{outcome}_to_hit",
                    agency=case.agency.name,
                    value=request.hit.value.normalized,
                ),
                said,
            ),
            by=by,
        )
    audit.record(
        EventKind.ACCESS_DECIDED,
        by=by,
        obj=request,
        outcome=Outcome.GRANTED if grant else Outcome.REFUSED,
        detail={"case": case.pk, "requesting_agency": requester.pk},
    )
    notification_send(
        user=request.requested_by,
        key=f"access-request-{request.pk}-decided",
        message=messages.text(
            f"access.request_{outcome}", agency=case.agency.name, ref=case.reference
        ),
        url=reverse("indicators:requests"),
    )
    return request
