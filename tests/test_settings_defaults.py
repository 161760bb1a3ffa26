"""Every setting has one default: the one config/settings.py gives it. Code reads
`settings.X`; a `getattr(settings, "X", default)` would be a second default that drifts."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ["config", "agencies", "cases", "indicators", "persons", "victims", "operations"]


def _second_defaults() -> list[str]:
    found = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id == "getattr"
                    and len(node.args) == 3
                    and isinstance(node.args[0], ast.Name)
                    and node.args[0].id == "settings"
                ):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_no_setting_has_a_second_default_in_code():
    assert _second_defaults() == []


def test_the_settings_read_by_the_apps_are_defined(settings):
    for name in (
        "FORTRESS_COMMON_VALUE_THRESHOLD",
        "FORTRESS_COMMON_VALUES",
        "FORTRESS_PERSON_MATCH_THRESHOLD",
        "FORTRESS_PERSON_COMMON_NAME_THRESHOLD",
        "FORTRESS_REPATRIATION_STAGE_DAYS",
    ):
        assert hasattr(settings, name), name
