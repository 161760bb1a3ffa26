from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

# Each part of the system seeds its own demo data, in this order; every seeder is idempotent.
SEEDERS = [
    "agencies.demo",
    "cases.demo",
    "indicators.demo",
    "victims.demo",
    "operations.demo",  # builds on the cases, indicators and victims above
    "registry.demo",  # publishes demo indicators to the network registry
    "payments.demo",  # a stop-payment chain, and the hit the README's journey starts from
    "registry.demo_wanted",  # publishes a wanted identity a suspect of another agency matches
    "persons.demo",  # last: indexes and matches every suspect and victim seeded before it
]


class Command(BaseCommand):
    help = "Load idempotent demo data: five agencies, one user per role, cases and more."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (never in production)."
        )

    def handle(self, *args, force: bool = False, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to load demo data with DEBUG off: this looks like a real deployment. "
                "Use --force if you really mean it."
            )
        for path in SEEDERS:
            with transaction.atomic():
                self.stdout.write(f"{path}: ", ending="")
                import_module(path).seed(self.stdout)
                self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
