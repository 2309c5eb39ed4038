"""The package's layers: no import cycles, and the report side imports no evaluation design.

Every ``import`` and ``from … import`` in ``dsr_analysis/`` counts, at module level or inside a
function alike (a lazy import is still a dependency). ``from package import name`` is an edge
to ``package.name`` when that is a module, else to ``package``. A design is reached by the
report side only through a ``module:function`` name in data/report_sets.yml, which is data, not
an import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import dsr_analysis

PACKAGE = Path(dsr_analysis.__file__).parent

#: The modules of the evaluation designs: the NIRAS monitoring, Copenhagen's trial and the
#: VIVE implementation survey. Each turns its data into published cells.
DESIGN_PREFIXES = (
    "dsr_analysis.tables", "dsr_analysis.tables_spec", "dsr_analysis.export",
    "dsr_analysis.validate", "dsr_analysis.codebook", "dsr_analysis.measures",
    "dsr_analysis.tidy", "dsr_analysis.synthetic", "dsr_analysis.course_rules",
    "dsr_analysis.grid", "dsr_analysis.pseudonymise", "dsr_analysis.release",
    "dsr_analysis.trial", "dsr_analysis.survey",
)
#: The report side: chapters, figures, the diagram, the index, the method page.
REPORT_PREFIXES = ("dsr_analysis.report",)


def module_names() -> dict[str, Path]:
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        names[name] = path
    return names


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports (anywhere in its source)."""
    names = module_names()
    graph: dict[str, set[str]] = {name: set() for name in names}
    for name, path in names.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([node.module] if node.module else []))
                targets = [
                    f"{base}.{a.name}" if f"{base}.{a.name}" in names else base
                    for a in node.names
                ]
            else:
                continue
            graph[name] |= {t for t in targets if t in names and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_no_import_cycle():
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_report_side_imports_no_design():
    graph = import_graph()
    crossing = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items() if _within(module, REPORT_PREFIXES)
        for target in targets if _within(target, DESIGN_PREFIXES)
    )
    assert crossing == []


def test_no_design_imports_the_report_side_or_the_runner():
    graph = import_graph()
    crossing = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items() if _within(module, DESIGN_PREFIXES)
        for target in targets if _within(target, (*REPORT_PREFIXES, "dsr_analysis.runner"))
    )
    assert crossing == []


def test_the_runner_reaches_no_design_internals():
    graph = import_graph()
    crossing = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items() if _within(module, ("dsr_analysis.runner",))
        for target in targets if _within(target, DESIGN_PREFIXES)
    )
    assert crossing == []
