"""The hook the suspect and victim services call: queue the indexing and matching of a saved
person after commit. Kept apart from persons.services so cases and victims can import it
without an import cycle."""

from __future__ import annotations

import logging

from django.db import transaction

log = logging.getLogger(__name__)


def queue_person(kind: str, source_id: int) -> None:
    """After commit, queue the indexing and matching of this suspect or victim. A broker that
    cannot take the task does not undo the save: the periodic sweep does it later."""

    def publish() -> None:
        from persons import tasks

        try:
            tasks.refresh_person.apply_async(args=[kind, source_id], retry=False)
        except tasks.PUBLISH_ERRORS as exc:
            log.warning("person %s %s not queued (%s); the sweep will do it", kind, source_id, exc)

    transaction.on_commit(publish)
