"""No import cycle among the write layer: the services, queues, timeline, tasks and engines of
every app import each other in one direction only, at module level and inside functions
alike (a function-level import is a cycle put off, not broken). Read from the source (AST),
so nothing is imported to check it. The access policy and the models are another check's."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("agencies", "cases", "indicators", "persons", "victims", "operations", "payments", "config")
# The write layer: what a service, a queue or a task may import of another app's writes.
LAYER = {
    "services",
    "queue",
    "timeline",
    "tasks",
    "celery",
    "xref",
    "index",
    "rebuild",
}


def _layer_modules() -> dict[str, Path]:
    found = {}
    for app in APPS:
        for path in (ROOT / app).glob("*.py"):
            if path.stem in LAYER:
                found[f"{app}.{path.stem}"] = path
    return found


def _imports(path: Path, known: set[str]) -> set[str]:
    """The layer modules this file imports, anywhere in it (`from app import services` and
    `from app.services import x` alike)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out.update(f"{node.module}.{alias.name}" for alias in node.names)
    return out & known


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_checker_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_the_layer_is_found():
    modules = _layer_modules()
    assert {"cases.services", "cases.timeline", "indicators.queue", "persons.queue"} <= set(modules)
    graph = {name: _imports(path, set(modules)) - {name} for name, path in modules.items()}
    assert "indicators.queue" in graph["cases.services"]


def test_no_import_cycle_among_services_queues_and_tasks():
    modules = _layer_modules()
    graph = {name: _imports(path, set(modules)) - {name} for name, path in modules.items()}
    cycle = _cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)
