"""Builders for tests and demo data: every object is made through the real services."""

from __future__ import annotations

import datetime

from django.utils import timezone

from agencies.models import User
from cases.models import Case
from victims import services
from victims.models import Repatriation, Stage, Victim, VictimKind
from victims.stages import MAIN_LINE


def make_victim(*, case: Case, by: User, full_name: str = "Nguyễn Văn An", **fields) -> Victim:
    fields.setdefault("kind", VictimKind.TRAFFICKED_WORKER)
    fields.setdefault("nationality", "VN")
    fields.setdefault("current_country", "KH")
    fields.setdefault("consent_to_share", True)
    return services.victim_create(by=by, case=case, full_name=full_name, **fields)


def make_repatriation(
    *, victim: Victim, by: User, destination_country: str = "TH", stage: str = Stage.IDENTIFIED
) -> Repatriation:
    """A repatriation started by `by` and walked along the main line up to `stage` (side
    exits: walked to `identified` then moved there)."""
    repatriation = services.repatriation_start(
        by=by, victim=victim, destination_country=destination_country
    )
    return advance(repatriation, by=by, stage=stage)


def advance(
    repatriation: Repatriation,
    *,
    by: User,
    stage: str,
    at: datetime.datetime | None = None,
    every: datetime.timedelta = datetime.timedelta(days=3),
) -> Repatriation:
    """Walk to `stage`; with `at`, the first move happened then and each next one `every`
    later (never later than now): a history dated in the past."""
    if stage in MAIN_LINE:
        path = MAIN_LINE[MAIN_LINE.index(repatriation.stage) + 1 : MAIN_LINE.index(stage) + 1]
    else:
        path = [stage]
    for n, next_stage in enumerate(path):
        when = min(at + n * every, timezone.now()) if at is not None else None
        repatriation = services.repatriation_move(
            by=by,
            repatriation=repatriation,
            stage=next_stage,
            version=repatriation.version,
            at=when,
        )
    return repatriation
