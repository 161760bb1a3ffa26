"""Recompute every value's holders (and so the hits) from the stored sightings."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from indicators import tasks, xref
from indicators.models import Hit


class Command(BaseCommand):
    help = "Rebuild all cross-reference hits from the stored indicators (same result as the "
    "incremental processing)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--queue", action="store_true", help="Queue the rebuild for a Celery worker."
        )
        parser.add_argument(
            "--chunk", type=int, default=None, help="Values per batch (default: per database)."
        )

    def handle(self, *args, queue: bool = False, chunk: int | None = None, **options) -> None:
        if queue:
            tasks.rebuild_hits.delay()
            self.stdout.write("Rebuild queued.")
            return
        result = xref.rebuild(chunk=chunk)
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.values} values recomputed, {result.changed} changed; "
                f"{Hit.objects.count()} hits."
            )
        )
        # persons too
        call_command("persons_rebuild", chunk=chunk or xref.CHUNK, stdout=self.stdout)
