"""The writes of interchange: an export (recorded in the case timeline) and an import job.

An import is read and checked by the request (a file that is not what it claims is refused at
once), stored as rows, normalised in batches by Celery tasks (one task per batch), then saved
by one task in one transaction through `indicators.services.indicators_add_batch`, batch by
batch: one refused row and nothing is saved, and the report names every refused row."""

from __future__ import annotations

import datetime
import functools
import logging
import os
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

import access
import audit
from agencies.models import User
from audit.models import EventKind, Outcome
from cases.models import Case, JointOperation
from cases.timeline import case_event_record
from config import messages, pgarrays
from config.bulk import collector_paused
from config.errors import PolicyError
from indicators.models import CHAIN_KINDS, Kind
from indicators.normalize import checked
from indicators.services import (
    BatchError,
    case_values_held,
    indicator_line_check,
    indicator_line_plain,
    indicators_save_lines_count,
)
from interchange import csv_format, misp, selectors, stix
from interchange.models import (
    FINAL_STATUSES,
    ImportFormat,
    ImportJob,
    ImportRow,
    ImportStatus,
    RowState,
)
from interchange.reading import (
    FileRefused,
    ParsedFile,
    ParsedRow,
    check_size,
    decode,
    detect_format,
    load_json,
    without_nul,
)

log = logging.getLogger(__name__)

EXPORT_TYPES = {
    "stix": ("application/stix+json;version=2.1", "stix.json"),
    "misp": ("application/json", "misp.json"),
    "csv": ("text/csv; charset=utf-8", "csv"),
}
FORMAT_NAMES = {"stix": "STIX 2.1", "misp": "MISP", "csv": "CSV"}


@dataclass(frozen=True)
class Export:
    content: str
    content_type: str
    filename: str


def _build(fmt: str, *, by: User, cases: list[Case], info: str, uuid_of: str, with_case: bool):
    indicators = list(selectors.export_indicators(by, cases))
    if fmt == "csv":
        return csv_format.export_csv(indicators, with_case=with_case)
    # Suspects only for who may read them (the selector asks the policy); victims never.
    suspects = list(selectors.export_suspects(by, cases))
    if fmt == "stix":
        return stix.export_stix(cases=cases, indicators=indicators, suspects=suspects)
    return misp.export_misp(
        info=info, uuid_of=uuid_of, cases=cases, indicators=indicators, suspects=suspects
    )


def _check_format(fmt: str) -> None:
    if fmt not in EXPORT_TYPES:
        raise ValidationError({"format": _("Export as stix, misp or csv.")})


@transaction.atomic
def case_export(*, case: Case, by: User, fmt: str) -> Export:
    """The case's indicators (and suspects, for who may read them) in `fmt`; the export is an
    event of the case's timeline. The caller has read the case through the access policy."""
    _check_format(fmt)
    if not access.can_view_case_file(by, case):
        raise PolicyError(_("Only the roles that read the case file export it."))
    content = _build(
        fmt,
        by=by,
        cases=[case],
        info=f"{case.reference}: {case.title}",
        uuid_of=f"case:{case.pk}",
        with_case=False,
    )
    case_event_record(
        case=case,
        text=messages.text(
            "export.case",
            who=by.display_name,
            agency=by.agency and by.agency.name,
            format=FORMAT_NAMES[fmt],
        ),
        by=by,
    )
    audit.record(EventKind.EXPORT, by=by, obj=case, detail={"format": fmt})
    content_type, suffix = EXPORT_TYPES[fmt]
    return Export(content, content_type, f"{case.reference}.{suffix}")


@transaction.atomic
def operation_export(*, operation: JointOperation, by: User, fmt: str) -> Export:
    """The operation's linked cases the user may open, as one file; an event in each case."""
    _check_format(fmt)
    cases = list(selectors.operation_export_cases(by, operation))
    content = _build(
        fmt,
        by=by,
        cases=cases,
        info=f"{operation.code}: {operation.name}",
        uuid_of=f"operation:{operation.pk}",
        with_case=True,
    )
    for case in cases:
        case_event_record(
            case=case,
            text=messages.text(
                "export.operation",
                who=by.display_name,
                agency=by.agency and by.agency.name,
                op=operation.name,
                format=FORMAT_NAMES[fmt],
            ),
            by=by,
        )
    audit.record(
        EventKind.EXPORT,
        by=by,
        obj=operation,
        detail={"format": fmt, "cases": [c.pk for c in cases]},
    )
    content_type, suffix = EXPORT_TYPES[fmt]
    return Export(content, content_type, f"{operation.code}.{suffix}")


# --- import ----------------------------------------------------------------------------------


def parse_file(data: bytes, *, filename: str = "", fmt: str = "") -> tuple[str, ParsedFile]:
    """The format and the rows of an uploaded file; FileRefused when it cannot be read."""
    check_size(len(data))
    text = decode(data)
    detected = detect_format(text, filename)
    fmt = fmt or detected
    if fmt not in ImportFormat.values:
        raise FileRefused(_("Import csv, stix or misp."))
    if fmt != detected:
        raise FileRefused(
            _("This file is not %(claimed)s (it reads as %(found)s).")
            % {"claimed": FORMAT_NAMES[fmt], "found": FORMAT_NAMES[detected]}
        )
    if fmt == ImportFormat.CSV:
        parsed = csv_format.parse_csv(text)
    else:
        data_json = load_json(text)
        parsed = (stix.parse_stix if fmt == ImportFormat.STIX else misp.parse_misp)(data_json)
    # A NUL in a row (rare: looked for only when the text may hold one).
    return fmt, without_nul(parsed) if "\x00" in text or "\\u0000" in text else parsed


def check_importer(*, by: User, case: Case) -> None:
    """Who may import into `case` (the API asks before it reads a byte of the upload)."""
    if not access.can_manage_indicators(by, case):
        raise PolicyError(
            _("Only the owning agency's investigators, analysts and supervisors import.")
        )


@collector_paused()
@transaction.atomic
def import_start(
    *, case: Case, by: User, data: bytes, filename: str = "", fmt: str = ""
) -> ImportJob:
    """Read the file now (refusing what is not what it claims), store its rows, and queue the
    job after commit."""
    check_importer(by=by, case=case)
    fmt, parsed = parse_file(data, filename=filename, fmt=fmt)
    refused = sum(1 for row in parsed.rows if row.error)
    job = ImportJob.objects.create(
        case=case,
        created_by=by,
        format=fmt,
        filename=os.path.basename(filename).replace("\x00", "")[:255],
        rows_total=len(parsed.rows),
        # A row the file itself made unreadable is checked already (its verdict is stored
        # with it): the check batches count on from there.
        rows_checked=refused,
        skipped=parsed.skipped,
    )
    _store_rows(job, parsed.rows)
    audit.record(
        EventKind.IMPORT,
        by=by,
        obj=job,
        detail={"stage": "started", "case": case.pk, "format": fmt, "rows": job.rows_total},
    )
    from interchange import tasks

    transaction.on_commit(lambda: tasks.queue_import(job.pk))
    return job


# The columns of a row the request step writes, with their PostgreSQL types; the checked value
# (`normalized_kind`, ...) is written by the check, and is empty until then.
_ROW_FIELDS = [
    "number",
    "ref",
    "kind",
    "value",
    "qualifier",
    "note",
    "first_seen",
    "last_seen",
    "takedown_status",
    "error",
    "state",
]
_ROW_TYPES = ["int4", *["text"] * 5, "date", "date", *["text"] * 3]


def _row_columns(n: int, row: ParsedRow) -> tuple:
    """An ImportRow's columns from the parsed row `n` (from 1), in `_ROW_FIELDS`' order."""
    return (
        n,
        row.ref[:200],
        row.kind[:40],
        row.value[:1000],
        row.qualifier[:40],
        row.note,
        row.first_seen,
        row.last_seen,
        row.takedown_status[:20],
        row.error,
        RowState.REFUSED if row.error else RowState.PENDING,
    )


def _store_rows(job: ImportJob, rows: list[ParsedRow]) -> None:
    """The rows of a file: one binary COPY on PostgreSQL, straight from the parsed rows (a
    model instance per row, then bulk_create, took a quarter of a millisecond a row: most of
    the request step of a large file; an unnest of bound arrays converted each element in
    Python), bulk_create elsewhere."""
    if connection.vendor != "postgresql":
        ImportRow.objects.bulk_create(
            [
                ImportRow(
                    job=job,
                    **dict(zip(_ROW_FIELDS, _row_columns(n, row), strict=True)),
                )
                for n, row in enumerate(rows, start=1)
            ],
            batch_size=2000,
        )
        return
    pgarrays.copy_rows(
        ImportRow._meta.db_table,
        ["job_id", *_ROW_FIELDS, "normalized_kind", "normalized_qualifier", "normalized"],
        ["int8", *_ROW_TYPES, "text", "text", "text"],
        ((job.pk, *_row_columns(n, row), "", "", "") for n, row in enumerate(rows, start=1)),
    )


def batch_ranges(total: int) -> list[tuple[int, int]]:
    size = settings.FORTRESS_IMPORT_BATCH_SIZE
    return [(first, min(first + size - 1, total)) for first in range(1, total + 1, size)]


def _line(row: Any) -> dict[str, Any]:
    """An ImportRow, or a row of `_SAVE_FIELDS`, as a line to check."""
    line: dict[str, Any] = {"kind": row.kind, "value": row.value}
    if row.qualifier:
        line["chain" if row.kind in CHAIN_KINDS else "platform"] = row.qualifier
    for name in ("first_seen", "last_seen"):
        if getattr(row, name):
            line[name] = getattr(row, name)
    if row.note:
        line["note"] = row.note
    if row.takedown_status:
        line["takedown_status"] = row.takedown_status
    return line


_VERDICT_FIELDS = ["state", "error", "normalized_kind", "normalized_qualifier", "normalized"]
# One statement for a whole batch of verdicts, bound in binary (bulk_update's CASE WHEN per
# field and per row made storing a batch cost more than checking it), counting the rows it
# checked on the job in the same statement: batches run in parallel, and the one that brings
# the count to the total starts the save. Only rows still pending are written and counted, so
# a batch checked twice counts once.
_VERDICTS_SQL = """
WITH written AS (
    UPDATE interchange_importrow r
    SET state = u.state, error = u.error, normalized_kind = u.kind,
        normalized_qualifier = u.qualifier, normalized = u.normalized
    FROM {verdicts}
    WHERE r.id = u.id AND r.state = 'pending'
    RETURNING 1
)
UPDATE interchange_importjob
SET rows_checked = rows_checked + (SELECT count(*) FROM written), touched_at = now(),
    restarts = CASE WHEN EXISTS (SELECT FROM written) THEN 0 ELSE restarts END
WHERE id = %b
RETURNING rows_checked
"""
_VERDICT_COLUMNS = ["id", "state", "error", "kind", "qualifier", "normalized"]
_VERDICT_TYPES = ["int8", "text", "text", "text", "text", "text"]
# What a line is made of (`_line`); the check reads them with the row's id.
_LINE_FIELDS = ("kind", "value", "qualifier", "note", "first_seen", "last_seen", "takedown_status")
_CHECK_FIELDS = ("pk", *_LINE_FIELDS)


def _store_verdicts(job: ImportJob, verdicts: list[tuple]) -> int:
    """Store (id, *_VERDICT_FIELDS) of each row checked; the job's count of rows checked."""
    if connection.vendor != "postgresql":
        with transaction.atomic():
            ImportRow.objects.bulk_update(
                [
                    ImportRow(pk=pk, **dict(zip(_VERDICT_FIELDS, rest, strict=True)))
                    for pk, *rest in verdicts
                ],
                _VERDICT_FIELDS,
                1000,
            )
            checked_count = job.rows.exclude(state=RowState.PENDING).count()
            # Progress: the job moved, and its restarts count from 0 again.
            moved = {"touched_at": timezone.now(), "restarts": 0} if verdicts else {}
            ImportJob.objects.filter(pk=job.pk).update(rows_checked=checked_count, **moved)
        return checked_count
    if not verdicts:  # a batch checked before: nothing to write
        return ImportJob.objects.values_list("rows_checked", flat=True).get(pk=job.pk)
    with pgarrays.relation("u", _VERDICT_COLUMNS, _VERDICT_TYPES, verdicts) as (rows, params):
        ((checked_count,),) = pgarrays.execute(
            _VERDICTS_SQL.format(verdicts=rows), [*params, job.pk]
        )
    return checked_count


@collector_paused()
def import_check_batch(*, job_id: int, first: int, last: int) -> bool:
    """Normalise rows first..last the way the indicator form does, keeping each row's verdict.
    Running it twice gives the same verdicts. True when every row of the job is checked (this
    batch, or one run at the same time, was the last): then the save may start."""
    job = ImportJob.objects.select_related("case__agency").get(pk=job_id)
    if job.is_final:
        return False
    if job.status == ImportStatus.QUEUED:
        ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
            status=ImportStatus.CHECKING, touched_at=timezone.now()
        )
    region = str(job.case.agency.country)  # a Country's str is its code
    rows = job.rows.filter(number__gte=first, number__lte=last, state=RowState.PENDING)
    verdicts = []
    for row in rows.values_list(*_CHECK_FIELDS, named=True):
        try:
            checked = indicator_line_check(_line(row), region)
        except ValidationError as exc:
            verdicts.append((row.pk, RowState.REFUSED, " ".join(exc.messages), "", "", ""))
        else:
            verdicts.append((row.pk, RowState.OK, "", *checked.normalized.key))
    return _store_verdicts(job, verdicts) >= job.rows_total


def _finish(
    job: ImportJob,
    status: str,
    *,
    errors: list | None = None,
    accepted: int = 0,
    rows: bool = True,
) -> None:
    """The job's end, its audit event; and its rows deleted, unless `rows=False` (the caller
    deletes them once the job's lock is released)."""
    job.status = status
    job.rows_accepted = accepted
    if errors is not None:
        job.errors = errors
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "rows_accepted", "errors", "duplicates", "finished_at"])
    if rows:
        job.rows.all().delete()
    audit.record(
        EventKind.IMPORT,
        by=job.created_by,
        obj=job,
        outcome=_IMPORT_OUTCOMES.get(status, Outcome.FAILURE),
        detail={"stage": status, "case": job.case_id, "accepted": accepted},
    )


_IMPORT_OUTCOMES: dict[str, str] = {
    ImportStatus.DONE: Outcome.SUCCESS,
    ImportStatus.REFUSED: Outcome.REFUSED,
}


def _save_order(row: Any) -> tuple[int, int, int]:
    """IPs and domains first, shorter domains first: a value a later row implies (a URL's
    domain, a host's registrable domain) is then saved from its own row, with its own note."""
    if row.normalized_kind == Kind.IP:
        return (0, 0, row.number)
    if row.normalized_kind == Kind.DOMAIN:
        return (1, len(row.normalized), row.number)
    return (2, 0, row.number)


# What the save reads of each row.
_SAVE_FIELDS = (
    "number",
    "ref",
    *_LINE_FIELDS,
    "normalized_kind",
    "normalized_qualifier",
    "normalized",
)


def _key(row: Any) -> tuple[str, str, str]:
    return (row.normalized_kind, row.normalized_qualifier, row.normalized)


@collector_paused()
def import_finish(*, job_id: int) -> ImportJob:
    """Save every accepted row, or none: the last step of the job. Idempotent."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("case").get(pk=job_id)
        if job.is_final:
            return job
        refused = list(job.rows.filter(state=RowState.REFUSED).order_by("number"))
        if refused or job.rows.filter(state=RowState.PENDING).exists():
            errors = [{"ref": r.ref, "reason": r.error} for r in refused]
            if not refused:
                errors = [{"ref": "", "reason": _("Some rows were never checked.")}]
            _finish(job, ImportStatus.REFUSED, errors=errors)
            return job
        job.status = ImportStatus.SAVING
        job.touched_at, job.restarts = timezone.now(), 0
        job.save(update_fields=["status", "touched_at", "restarts"])
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update(of=("self",))
            .select_related("case__agency")
            .get(pk=job_id)
        )
        if job.is_final:
            return job
        # Plain tuples, not 100,000 model instances.
        rows = list(job.rows.order_by("number").values_list(*_SAVE_FIELDS, named=True))
        held = case_values_held(job.case, {_key(r) for r in rows})
        first_of: dict[tuple[str, str, str], Any] = {}
        duplicates, to_save = [], []
        for row in rows:
            key = _key(row)
            if key in held:
                duplicates.append(
                    {"ref": row.ref, "value": row.normalized, "reason": _("Already on this case.")}
                )
            elif key in first_of:
                duplicates.append(
                    {
                        "ref": row.ref,
                        "value": row.normalized,
                        "reason": _("Same value as %(ref)s.") % {"ref": first_of[key].ref},
                    }
                )
            else:
                first_of[key] = row
                to_save.append(row)
        to_save.sort(key=_save_order)
        job.duplicates = duplicates
        region = str(job.case.agency.country)  # a Country's str is its code
        saved = 0
        try:
            # One call for the whole file (at most FORTRESS_IMPORT_MAX_ROWS rows, all read
            # already): each statement of the save runs once, not once per batch.
            with transaction.atomic():
                lines = _checked_lines(to_save, region)
                try:
                    # The rows held by the case are the duplicates above, looked up in this
                    # transaction: the save does not look them up again.
                    saved = (
                        indicators_save_lines_count(
                            case=job.case, by=job.created_by, lines=lines, none_held=True
                        )
                        if lines
                        else 0
                    )
                except BatchError as exc:
                    raise _Refused(
                        [
                            {"ref": to_save[n - 1].ref, "reason": " ".join(msgs)}
                            for n, msgs in sorted(exc.lines.items())
                        ]
                    ) from None
        except _Refused as exc:
            _finish(job, ImportStatus.REFUSED, errors=exc.errors)
            return job
        except PolicyError as exc:
            _finish(job, ImportStatus.FAILED, errors=[{"ref": "", "reason": str(exc)}])
            return job
        _finish(job, ImportStatus.DONE, accepted=saved)
        case_event_record(
            case=job.case,
            text=messages.text(
                "import.done",
                who=job.created_by.display_name,
                n=saved,
                format=FORMAT_NAMES[job.format],
                name=job.filename or "-",
                dupes=len(duplicates),
            ),
            by=job.created_by,
        )
    return job


def _checked_lines(rows: list[Any], region: str) -> list:
    """The rows as lines to save, each value as its check task normalised it (not normalised
    again); the other fields checked again, as the form does."""
    lines, errors = [], []
    for row in rows:
        if not (row.note or row.first_seen or row.last_seen or row.takedown_status):
            lines.append(indicator_line_plain(checked(*_key(row)), row.value))
            continue
        try:
            lines.append(indicator_line_check(_line(row), region, checked=checked(*_key(row))))
        except ValidationError as exc:
            errors.append({"ref": row.ref, "reason": " ".join(exc.messages)})
    if errors:
        raise _Refused(errors)
    return lines


class _Refused(Exception):
    def __init__(self, errors: list[dict[str, str]]) -> None:
        self.errors = errors


@dataclass(frozen=True)
class SweepResult:
    restarted: int
    failed: int


def import_ranges(*, job_id: int) -> list[tuple[int, int]] | None:
    """The batches to publish for a job (None: the job is over; none: it may be saved), marking
    it as moved: every batch at first, after a restart only those with rows still unchecked."""
    job = ImportJob.objects.get(pk=job_id)
    if job.is_final:
        return None
    ImportJob.objects.filter(pk=job_id).update(touched_at=timezone.now())
    if job.rows_checked >= job.rows_total:
        return []  # checked already (or every row refused by its reading): the save
    ranges = batch_ranges(job.rows_total)
    if not job.restarts:
        return ranges
    size = settings.FORTRESS_IMPORT_BATCH_SIZE
    pending = {
        (n - 1) // size
        for n in job.rows.filter(state=RowState.PENDING).values_list("number", flat=True)
    }
    return [r for i, r in enumerate(ranges) if i in pending]


def _gave_up(restarts: int) -> str:
    if not restarts:
        return _("The import made no progress: nothing was imported. Upload the file again.")
    return ngettext(
        "The import made no progress after %(count)d restart: nothing was imported. "
        "Upload the file again.",
        "The import made no progress after %(count)d restarts: nothing was imported. "
        "Upload the file again.",
        restarts,
    ) % {"count": restarts}


def import_sweep(*, now: Any = None) -> SweepResult:
    """Jobs that have not moved for FORTRESS_IMPORT_STALL_SECONDS (longer than any task may
    run) lost their task (a message the broker dropped, a worker that died with it): each is
    published again (every step is idempotent), and failed, nothing saved, when it has not
    moved through FORTRESS_IMPORT_RESTARTS restarts in a row (progress counts them from 0
    again). A job whose save is running holds its row locked and is passed over."""
    from interchange import tasks

    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.FORTRESS_IMPORT_STALL_SECONDS)
    restarted, failed = 0, []
    with transaction.atomic():
        stalled = (
            ImportJob.objects.select_for_update(skip_locked=True)
            .exclude(status__in=FINAL_STATUSES)
            .filter(touched_at__lt=cutoff)
            .order_by("pk")
        )
        for job in stalled:
            if job.restarts >= settings.FORTRESS_IMPORT_RESTARTS:
                failed.append((job.pk, _gave_up(job.restarts)))
                continue
            job.restarts += 1
            job.touched_at = now
            job.save(update_fields=["restarts", "touched_at"])
            log.warning("import %s made no progress: restart %s", job.pk, job.restarts)
            transaction.on_commit(functools.partial(tasks.queue_import, job.pk))
            restarted += 1
    # Failed as any job that cannot run to its end, after this lock is released; unless it
    # moved meanwhile (a restart of an earlier sweep that ran at last).
    gave_up = sum(import_fail(job_id=pk, reason=r, still_before=cutoff) for pk, r in failed)
    # The rows of a job failed when its rows' delete did not run (the worker died between the
    # two): they hold case data, and nothing else would delete them.
    ImportRow.objects.filter(job__status__in=FINAL_STATUSES).delete()
    return SweepResult(restarted=restarted, failed=gave_up)


def import_fail(*, job_id: int, reason: str, still_before: Any = None) -> bool:
    """A job that could not run to its end (an unexpected error): nothing was saved. Decided
    under the job's lock, so a save that is running ends first and its job is left as it
    ended; with `still_before` (the sweep), a job that has moved since is left alone too.
    True when the job was failed. The sweep does not wait for a job locked by a save: a job
    being saved is moving.

    The job's rows are deleted after its lock is released: a batch storing its verdicts locks
    rows and then the job, so deleting them under the job's lock could deadlock (the batch
    then finds its rows gone and its job final). Hence no caller holds a transaction open
    around this call; rows a failed delete left are deleted by the next sweep."""
    with transaction.atomic():
        job = (
            ImportJob.objects.select_for_update(skip_locked=still_before is not None)
            .filter(pk=job_id)
            .exclude(status__in=FINAL_STATUSES)
            .first()
        )
        if job is None or (still_before is not None and job.touched_at >= still_before):
            return False
        _finish(job, ImportStatus.FAILED, errors=[{"ref": "", "reason": reason}], rows=False)
    ImportRow.objects.filter(job_id=job_id).delete()
    return True
