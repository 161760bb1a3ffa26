"""Celery: an import job is one task per batch of rows to check, all published at once (a worker
with several processes checks several batches at a time), then one task to save, published by
the batch that checks the last rows. Tasks receive ids, are idempotent (a batch checked twice
gives the same verdicts and counts once; a finished job is left alone) and retry on database
errors; a job whose task fails for good is marked failed."""

from __future__ import annotations

import logging
from dataclasses import asdict

from celery import Task, group, shared_task

from config.celery import PUBLISH_ERRORS, RETRY_POLICY
from interchange import services

log = logging.getLogger(__name__)


class ImportTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        job_id = args[0] if args else kwargs.get("job_id")
        if job_id is not None:
            services.import_fail(job_id=job_id, reason=f"The import stopped: {exc}")


@shared_task(base=ImportTask, **RETRY_POLICY)
def check_batch(job_id: int, first: int, last: int) -> None:
    if services.import_check_batch(job_id=job_id, first=first, last=last):
        _publish(finish_import, job_id)


@shared_task(base=ImportTask, **RETRY_POLICY)
def finish_import(job_id: int) -> str:
    return services.import_finish(job_id=job_id).status


@shared_task(base=ImportTask, **RETRY_POLICY)
def run_import(job_id: int) -> None:
    """Fan the job out: a task per batch, all at once; the last one checked starts the save (a
    file whose rows are all refused by their reading has no batch to wait for)."""
    ranges = services.import_ranges(job_id=job_id)
    if ranges is None:
        return
    if not ranges:
        finish_import.delay(job_id)
        return
    group(check_batch.si(job_id, a, b) for a, b in ranges).apply_async()


@shared_task(**RETRY_POLICY)
def sweep_imports() -> dict:
    """The beat job: restart (or, in the end, fail) the jobs whose task was lost."""
    return asdict(services.import_sweep())


def _publish(task: Task, job_id: int) -> None:
    try:
        task.apply_async(args=[job_id], retry=False)
    except PUBLISH_ERRORS as exc:
        log.warning("import %s not queued (%s)", job_id, exc)
        services.import_fail(job_id=job_id, reason="The task queue is unavailable: try again.")


def queue_import(job_id: int) -> None:
    _publish(run_import, job_id)
