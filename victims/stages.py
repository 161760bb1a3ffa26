"""The repatriation stage machine, as data. `victims.services.repatriation_move` is the one
place that applies it.

- The main line runs identified → rescued → in shelter → identity verified → travel documents
  issued → travel arranged → repatriated → reintegration follow-up → closed. A move may go
  forward by one or more stages (a raid often identifies and rescues at once), never back.
- Side exits: from any open stage to `declined` (the person refuses to go home) or `missing`.
  A missing person who is found again re-enters the main line at identified, rescued or in
  shelter. A declined or missing repatriation may be closed.
- `repatriated` and `reintegration_follow_up` are reached only once `travel_documents_issued`
  has been recorded as a step (RULE_TRAVEL_DOCUMENTS).
- `closed` is reached from repatriated, reintegration follow-up, declined or missing; a minor's
  repatriation is closed only after a hand-over to a care agency (RULE_MINOR_HANDOVER, see
  `victims.services.has_care_handover`).
"""

from django.conf import settings

from victims.models import Stage

MAIN_LINE: list[str] = [
    Stage.IDENTIFIED,
    Stage.RESCUED,
    Stage.IN_SHELTER,
    Stage.IDENTITY_VERIFIED,
    Stage.TRAVEL_DOCUMENTS_ISSUED,
    Stage.TRAVEL_ARRANGED,
    Stage.REPATRIATED,
    Stage.REINTEGRATION_FOLLOW_UP,
]
SIDE_EXITS: frozenset[str] = frozenset({Stage.DECLINED, Stage.MISSING})
TERMINAL_STAGES: frozenset[str] = frozenset({Stage.CLOSED})
NEEDS_TRAVEL_DOCUMENTS: frozenset[str] = frozenset(
    {Stage.REPATRIATED, Stage.REINTEGRATION_FOLLOW_UP}
)
# The stages a repatriation may be closed from.
CLOSABLE_FROM: frozenset[str] = frozenset(
    {Stage.REPATRIATED, Stage.REINTEGRATION_FOLLOW_UP, Stage.DECLINED, Stage.MISSING}
)


def _transitions() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for i, stage in enumerate(MAIN_LINE):
        table[stage] = set(MAIN_LINE[i + 1 :]) | set(SIDE_EXITS)
    table[Stage.DECLINED] = {Stage.CLOSED}
    table[Stage.MISSING] = {Stage.IDENTIFIED, Stage.RESCUED, Stage.IN_SHELTER, Stage.CLOSED}
    table[Stage.CLOSED] = set()
    for stage in CLOSABLE_FROM:
        table[stage].add(Stage.CLOSED)
    for stage in SIDE_EXITS:
        table[stage].discard(stage)
    return {stage: frozenset(targets) for stage, targets in table.items()}


TRANSITIONS: dict[str, frozenset[str]] = _transitions()

# Days a stage may take before it is overdue; FORTRESS_REPATRIATION_STAGE_DAYS overrides them.
DEFAULT_STAGE_DAYS: dict[str, int] = {
    Stage.IDENTIFIED: 3,
    Stage.RESCUED: 3,
    Stage.IN_SHELTER: 14,
    Stage.IDENTITY_VERIFIED: 14,
    Stage.TRAVEL_DOCUMENTS_ISSUED: 21,
    Stage.TRAVEL_ARRANGED: 14,
    Stage.REPATRIATED: 30,
    Stage.REINTEGRATION_FOLLOW_UP: 180,
    Stage.MISSING: 30,
}


def stage_days(stage: str) -> int | None:
    """Days allowed in `stage`, or None when it has no due date (closed, declined)."""
    configured = settings.FORTRESS_REPATRIATION_STAGE_DAYS
    if stage in configured:
        return configured[stage]
    return DEFAULT_STAGE_DAYS.get(stage)


def allowed_next(stage: str) -> list[str]:
    """The stages a repatriation in `stage` may move to, in a stable order."""
    order = [*MAIN_LINE, Stage.CLOSED, Stage.DECLINED, Stage.MISSING]
    return [s for s in order if s in TRANSITIONS.get(stage, frozenset())]


def stepper(stage: str) -> list[dict]:
    """The main line as steps for the page's stage stepper: each step done, current or to
    come. A repatriation on a side exit (declined, missing) or closed shows every step it
    passed as done and none current; the page names the exit beside the stepper."""
    at = MAIN_LINE.index(stage) if stage in MAIN_LINE else None
    done_all = stage in TERMINAL_STAGES
    steps = []
    for i, key in enumerate(MAIN_LINE):
        if at is not None:
            state = "done" if i < at else "current" if i == at else "todo"
        else:
            state = "done" if done_all else "todo"
        steps.append({"stage": key, "label": Stage(key).label, "state": state, "number": i + 1})
    return steps
