"""How a value's sightings (`Indicator.takedown_status`, `takedown_date`) follow its registry
entry. Apart from `registry.services` so that the indicators' save imports it without a cycle:
it reads the registry's models and writes indicators, nothing else."""

from __future__ import annotations

from django.db.models import Case, Exists, OuterRef, QuerySet, Subquery, Value, When

from indicators.models import Indicator, TakedownStatus
from registry.models import EntryStatus, RegistryEntry, TakedownStep

# The per-indicator takedown field follows the entry.
INDICATOR_STATUS = {
    EntryStatus.ACTIVE: TakedownStatus.ACTIVE,
    EntryStatus.TAKEDOWN_REQUESTED: TakedownStatus.REPORTED,
    EntryStatus.TAKEN_DOWN: TakedownStatus.TAKEN_DOWN,
    EntryStatus.RE_EMERGED: TakedownStatus.ACTIVE,
}


def is_registered(value_id: int) -> bool:
    """Does the value have a registry entry (whose lifecycle then owns its takedown status)?"""
    return RegistryEntry.objects.filter(value_id=value_id).exists()


def sync_sightings(sightings: QuerySet[Indicator]) -> int:
    """Give each of these sightings (a queryset of indicators) of a registered value its
    entry's status and, taken down, the date of the entry's last takedown step: one UPDATE,
    however many rows. Sightings of a value without an entry are left alone. How many rows."""
    entry = RegistryEntry.objects.filter(value_id=OuterRef("value_id"))
    status = Case(
        *(
            When(Exists(entry.filter(status=s)), then=Value(str(INDICATOR_STATUS[s])))
            for s in EntryStatus
        ),
        default=Value(str(TakedownStatus.ACTIVE)),
    )
    taken_down_on = Subquery(
        TakedownStep.objects.filter(
            entry__value_id=OuterRef("value_id"),
            entry__status=EntryStatus.TAKEN_DOWN,
            status=EntryStatus.TAKEN_DOWN,
        )
        .order_by("-at", "-pk")
        .values("taken_down_on")[:1]
    )
    return sightings.filter(Exists(entry)).update(
        takedown_status=status, takedown_date=taken_down_on
    )
