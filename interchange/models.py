"""Import jobs: a file read into rows, checked in batches, then saved all at once or not at all.

- `ImportJob`: one uploaded file for one case, its progress and its report.
- `ImportRow`: one candidate indicator read from the file, with where it came from (`ref`: the
  CSV line, the STIX object id, the MISP attribute uuid) and what the check said of it. Rows
  are working data: they are deleted when the job ends; the report stays on the job.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case


class ImportFormat(models.TextChoices):
    CSV = "csv", _("CSV")
    STIX = "stix", _("STIX 2.1")
    MISP = "misp", _("MISP event")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    CHECKING = "checking", _("Checking")
    SAVING = "saving", _("Saving")
    DONE = "done", _("Imported")
    REFUSED = "refused", _("Refused: nothing imported")
    FAILED = "failed", _("Failed: nothing imported")


FINAL_STATUSES = frozenset({ImportStatus.DONE, ImportStatus.REFUSED, ImportStatus.FAILED})


class ImportJob(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="import_jobs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_jobs"
    )
    format = models.CharField(max_length=10, choices=ImportFormat.choices)
    filename = models.CharField(max_length=255, blank=True)
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    rows_total = models.PositiveIntegerField(default=0, help_text=_("Rows read from the file."))
    rows_checked = models.PositiveIntegerField(default=0)
    rows_accepted = models.PositiveIntegerField(default=0, help_text=_("Indicators saved."))
    # [{"ref": "line 12", "reason": "..."}]: every refused row, or why the job failed.
    errors = models.JSONField(default=list, blank=True)
    # [{"ref": ..., "value": ..., "reason": ...}]: rows not saved because already held.
    duplicates = models.JSONField(default=list, blank=True)
    # [{"ref": ..., "reason": ...}]: entries of the file that are not indicators (a MISP comment).
    skipped = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # When the job last moved (created, published, a batch checked, the save begun,
    # restarted): a job that has not moved for FORTRESS_IMPORT_STALL_SECONDS lost its task and
    # the sweep restarts it, up to FORTRESS_IMPORT_RESTARTS times in a row without progress.
    touched_at = models.DateTimeField(default=timezone.now)
    restarts = models.PositiveSmallIntegerField(
        default=0, help_text=_("Restarts in a row without progress, after its task was lost.")
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Import {self.pk} ({self.format}) into case {self.case_id}: {self.status}"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def percent(self) -> int:
        """Progress: checking is the first 90 per cent, saving the rest."""
        if self.status == ImportStatus.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(90, self.rows_checked * 90 // self.rows_total)


class RowState(models.TextChoices):
    PENDING = "pending", _("Pending")
    OK = "ok", _("Accepted")
    REFUSED = "refused", _("Refused")


class ImportRow(models.Model):
    # No index of its own: the unique (job, number) below leads with it. No foreign-key
    # constraint either: a job's rows are written once, in the transaction that creates the
    # job (`import_start`), and deleted with it (by Django's cascade); checking each of
    # 100,000 rows against that job at commit took most of a second of the upload request.
    job = models.ForeignKey(
        ImportJob,
        on_delete=models.CASCADE,
        related_name="rows",
        db_index=False,
        db_constraint=False,
    )
    number = models.PositiveIntegerField(help_text=_("Position in the file, from 1."))
    ref = models.CharField(max_length=200, help_text=_("CSV line, STIX object id, MISP uuid."))
    kind = models.CharField(max_length=40)
    value = models.CharField(max_length=1000)
    qualifier = models.CharField(max_length=40, blank=True)
    note = models.TextField(blank=True)
    first_seen = models.DateField(null=True, blank=True)
    last_seen = models.DateField(null=True, blank=True)
    takedown_status = models.CharField(max_length=20, blank=True)
    state = models.CharField(max_length=10, choices=RowState.choices, default=RowState.PENDING)
    # The checked value, (kind, qualifier, normalised): what duplicates are found by.
    normalized_kind = models.CharField(max_length=40, blank=True)
    normalized_qualifier = models.CharField(max_length=40, blank=True)
    normalized = models.CharField(max_length=1000, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["job_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["job", "number"], name="one_import_row_per_number")
        ]

    def __str__(self) -> str:
        return f"{self.ref}: {self.kind} {self.value}"

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.normalized_kind, self.normalized_qualifier, self.normalized)
