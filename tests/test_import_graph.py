"""Dependencies run one way: config < spreadsheets < provinces < households < programmes < budgets < reports.

Every import in the product's code is read from the source (module level and inside functions alike): a module
may import from its own layer and the layers to its left, never from one to its right, and no modules import each
other in a circle, directly or through others. Run `python -m tests.test_import_graph` to print what is found.
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("config", "spreadsheets", "provinces", "households", "programmes", "budgets", "reports")
RANK = {name: rank for rank, name in enumerate(LAYERS)}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def product_modules() -> dict[str, Path]:
    modules = {}
    for layer in LAYERS:
        for path in (ROOT / layer).rglob("*.py"):
            if "migrations" not in path.parts:
                modules[module_name(path)] = path
    return modules


def _resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The product modules `name` imports anywhere in its source (a `from package import module` names the
    module; a name from a module names the module)."""
    found = set()
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(name, is_package, node)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = product_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def upward_imports(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    return sorted(
        (source, target) for source, targets in graph.items() for target in targets
        if RANK[target.split(".")[0]] > RANK[source.split(".")[0]]
    )


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], [0]
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)


def test_the_graph_sees_imports_inside_functions_and_relative_ones():
    graph = import_graph()
    assert "spreadsheets.extent" in graph["spreadsheets.reader"]
    tree = {"a.b": set(), "a.c": set()}
    assert circles({"x": {"y"}, "y": {"z"}, "z": {"x"}, "w": {"x"}}) == [["x", "y", "z"]]
    assert circles(tree) == []


def test_no_module_imports_from_a_higher_layer():
    assert upward_imports(import_graph()) == []


def test_no_modules_import_each_other_in_a_circle():
    assert circles(import_graph()) == []


def test_config_imports_no_app():
    graph = import_graph()
    outside = sorted(
        (source, target) for source, targets in graph.items() if source.split(".")[0] == "config"
        for target in targets if target.split(".")[0] != "config"
    )
    assert outside == []


def test_calamine_is_opened_by_the_reader_alone():
    """The reader, and its read-ahead (which manage.py loads before Django, so it cannot go through the reader's
    Django imports; its sheet reaches the import only through reader.open_table)."""
    opened = sorted(
        module for module, path in product_modules().items()
        if "python_calamine" in path.read_text(encoding="utf-8")
    )
    assert opened == ["spreadsheets.read_ahead", "spreadsheets.reader"]


if __name__ == "__main__":
    graph = import_graph()
    for source, target in upward_imports(graph):
        print(f"upward  {source} -> {target}")
    for component in circles(graph):
        print("circle  " + " <-> ".join(component))
    sys.exit(0)
