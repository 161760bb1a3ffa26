"""Re-index every suspect and victim and recompute every person match."""

from django.core.management.base import BaseCommand

from persons import rebuild, tasks


class Command(BaseCommand):
    help = "Rebuild the person index and all person matches (same result as the incremental "
    "processing; decisions on matches are kept)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--queue",
            action="store_true",
            help="Queue the rebuild for the Celery workers: its parts run in parallel "
            "(persons/parallel.py).",
        )
        parser.add_argument("--chunk", type=int, default=rebuild.CHUNK, help="Persons per batch.")

    def handle(self, *args, queue: bool = False, chunk: int = rebuild.CHUNK, **options) -> None:
        if queue:
            tasks.rebuild_persons.delay()
            self.stdout.write("Person rebuild queued.")
            return
        result = rebuild.rebuild(chunk=chunk)
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.indexed} persons re-indexed, {result.matched} matched; "
                f"{result.created} matches created, {result.removed} removed."
            )
        )
