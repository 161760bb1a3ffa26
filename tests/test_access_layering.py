"""The access policy sits above the apps' models: no models module imports it (not even
lazily, inside a function), it imports no views, services or API, and no import cycle joins it
to the models. Read from the source (the AST), so a lazy import that would hide a cycle at run
time is caught too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps

import access
from access import Action
from cases.services import case_create
from indicators import services as indicator_services
from indicators import xref

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "access",
    "agencies",
    "cases",
    "indicators",
    "operations",
    "payments",
    "persons",
    "victims",
)
# What the policy must never import: it is asked by these, it does not ask them.
CALLERS = {"views", "services", "api", "forms", "serializers", "tasks", "selectors"}


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(source: str, module: str, known: set[str], *, is_package: bool) -> set[str]:
    """The project modules `source` (the text of `module`) imports, anywhere in the file."""
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        for name in names:
            # The deepest project module the name points at (a module, not an attribute).
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
    return found


def project_graph(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> dict[str, set[str]]:
    files = {
        module_name(p, root): p
        for package in packages
        for p in (root / package).rglob("*.py")
        if "migrations" not in p.parts
    }
    known = set(files)
    return {
        m: imports_of(p.read_text(), m, known, is_package=p.name == "__init__.py")
        for m, p in files.items()
    }


def is_policy(module: str) -> bool:
    return module == "access" or module.startswith("access.") or module == "agencies.access"


def is_models(module: str) -> bool:
    return module.endswith(".models") or ".models." in module


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def layering_errors(graph: dict[str, set[str]]) -> list[str]:
    errors = []
    for module, imported in sorted(graph.items()):
        if is_models(module):
            errors += [f"{module} imports the policy {m}" for m in sorted(imported) if is_policy(m)]
            if any(is_policy(m) for m in reachable(graph, module)):
                errors.append(f"{module} reaches the policy through its imports (a cycle)")
        if is_policy(module):
            errors += [
                f"{module} imports {m}"
                for m in sorted(imported)
                if m.rpartition(".")[2] in CALLERS or ".services." in m or ".views." in m
            ]
            if module in reachable(graph, module):
                errors.append(f"{module} is in an import cycle")
    return errors


def test_the_policy_and_the_models_are_layered():
    graph = project_graph()
    assert "access.core" in graph
    assert "cases.models" in graph
    assert layering_errors(graph) == []


def test_the_check_sees_a_lazy_import_in_a_models_module(tmp_path):
    (tmp_path / "access").mkdir()
    (tmp_path / "access" / "__init__.py").write_text("from access.cases import visible\n")
    (tmp_path / "access" / "cases.py").write_text(
        "from shop.models import Order\nfrom shop import views\n"
    )
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "views.py").write_text("")
    (tmp_path / "shop" / "models.py").write_text(
        "class OrderQuerySet:\n    def visible_to(self, user):\n        import access\n"
    )
    errors = layering_errors(project_graph(tmp_path, ("access", "shop")))
    assert "shop.models imports the policy access" in errors
    assert "shop.models reaches the policy through its imports (a cycle)" in errors
    assert "access.cases imports shop.views" in errors
    assert "access.cases is in an import cycle" in errors


def test_no_queryset_scopes_itself_to_a_user():
    """Scoping is the policy's (`access.visible_*`): a queryset `visible_to` method either
    imports the policy (a cycle) or, like IndicatorQuerySet's and HitQuerySet's did, forgets
    the queryset it is called on."""
    offenders = [
        model.__name__
        for model in apps.get_models()
        if model.__module__.split(".")[0] in PACKAGES
        and hasattr(model._default_manager.all(), "visible_to")
    ]
    assert offenders == []


def test_a_filtered_queryset_keeps_its_filter_when_scoped(alice, partner_users):
    mine = case_create(by=alice, title="Mine")
    other = case_create(by=alice, title="Other")
    theirs = case_create(by=partner_users["investigator"], title="Theirs")
    for case, by in ((mine, alice), (other, alice), (theirs, partner_users["investigator"])):
        indicator_services.indicators_add_batch(
            case=case, by=by, rows=[{"kind": "phone", "value": "+84 912 345 678"}]
        )
    xref.sweep()
    assert {i.case_id for i in access.visible_indicators(alice).filter(case=mine)} == {mine.pk}
    assert {h.case_id for h in access.visible_hits(alice).filter(case=mine)} == {mine.pk}
    assert set(access.visible_hits(alice).values_list("case_id", flat=True)) == {
        mine.pk,
        other.pk,
    }
    assert not access.visible_indicators(alice).filter(case=theirs).exists()


def test_an_unknown_action_fails_loudly_for_everyone(alice):
    from django.contrib.auth.models import AnonymousUser

    for user in (alice, AnonymousUser()):
        with pytest.raises(ValueError, match="typo"):
            access.can(user, "typo")  # type: ignore[arg-type]
    assert access.can(alice, Action.EDIT_CASES)
    assert access.can(alice, "edit_cases")  # type: ignore[arg-type]
    assert not access.can(AnonymousUser(), Action.EDIT_CASES)
