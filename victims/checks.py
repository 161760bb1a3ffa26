from django.conf import settings
from django.core.checks import Error, register

from victims.models import Stage


@register()
def check_stage_days(app_configs, **kwargs) -> list[Error]:
    """FORTRESS_REPATRIATION_STAGE_DAYS names real stages, each with a positive number."""
    errors = []
    for stage, days in settings.FORTRESS_REPATRIATION_STAGE_DAYS.items():
        if stage not in Stage.values:
            errors.append(
                Error(
                    f"FORTRESS_REPATRIATION_STAGE_DAYS names {stage!r}, not a repatriation stage.",
                    hint=f"Stages: {', '.join(Stage.values)}.",
                    id="victims.E001",
                )
            )
        elif not isinstance(days, int) or days < 1:
            errors.append(
                Error(
                    f"FORTRESS_REPATRIATION_STAGE_DAYS[{stage!r}] must be a whole number of "
                    f"days, at least 1; got {days!r}.",
                    id="victims.E002",
                )
            )
    return errors
