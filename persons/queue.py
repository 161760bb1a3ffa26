"""The hook the suspect and victim services call: queue the indexing and matching of a saved
person after commit. The twin of indicators/queue.py; kept apart from the persons services so
cases and victims can import it without an import cycle. Durable without a queue table of its
own: a source never indexed, or changed since, is what the periodic sweep looks for."""

from __future__ import annotations

from config.celery import publish_on_commit
from persons import tasks


def queue_person(kind: str, source_id: int) -> None:
    """After commit, queue the indexing and matching of this suspect or victim. A broker that
    cannot take the task does not undo the save: the periodic sweep does it later."""
    publish_on_commit(tasks.refresh_person, kind, source_id, what=f"person {kind} {source_id}")


def queue_wanted(identity_id: int) -> None:
    """After commit, queue the matching of a published wanted identity against the index (the
    sweep picks up an identity never matched)."""
    publish_on_commit(tasks.match_wanted, identity_id, what=f"wanted identity {identity_id}")
