"""Figures of the code's shape (issue 11): root modules, name dicts, commit sites, import cycles, view lengths.

    python bench/code_shape.py [PACKAGE_DIR]      (default: radiolic/ beside this folder)

Reads the source with `ast` only; nothing is imported or run.
"""
import ast
import re
import sys
from pathlib import Path

CJK = re.compile(r"[\u4e00-\u9fff]")
ROUTE_DECORATORS = {"route", "get", "post", "put", "patch", "delete"}


def modules(package: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every .py file below the package."""
    out = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _is_name_dict(node: ast.AST) -> bool:
    """A dict literal whose keys are all plain strings or numbers and whose values hold Chinese text."""
    if not isinstance(node, ast.Dict) or not node.keys:
        return False
    if not all(isinstance(k, ast.Constant) and isinstance(k.value, (str, int)) for k in node.keys):
        return False
    return any(CJK.search(ast.unparse(v)) for v in node.values)


def name_dicts(trees: dict[str, ast.Module]) -> list[str]:
    found = []
    for name, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None and _is_name_dict(node.value):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                found.append(f"{name}:{node.lineno} {ast.unparse(targets[0])}")
    return found


def commit_sites(files: dict[str, Path], package: Path) -> list[str]:
    sites = []
    for name, path in files.items():
        if path.relative_to(package).parts[0] == "workflow":
            continue
        for i, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if "db.session.commit(" in line:
                sites.append(f"{name}:{i}")
    return sites


def _resolve(current: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = current.split(".") if is_package else current.split(".")[:-1]
    base = base[:len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def import_graph(trees: dict[str, ast.Module], files: dict[str, Path], top_level_only: bool) -> dict[str, set[str]]:
    """Edges module -> imported package module; `top_level_only` skips imports inside functions."""
    graph: dict[str, set[str]] = {name: set() for name in trees}
    for name, tree in trees.items():
        is_package = files[name].name == "__init__.py"
        nodes = tree.body if top_level_only else list(ast.walk(tree))
        if top_level_only:  # also imports under module-level if/try blocks
            nodes = [n for top in tree.body if not isinstance(top, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                     ast.ClassDef)) for n in ast.walk(top)]
        for node in nodes:
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(name, is_package, node)
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in trees else base for a in node.names]
            for target in targets:
                while target and target not in trees:
                    target = target.rpartition(".")[0]
                if target and target != name and not name.startswith(target + "."):
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out = []
    sys.setrecursionlimit(10000)

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def view_lengths(trees: dict[str, ast.Module]) -> list[int]:
    """Lines of every function decorated as a route (decorators not counted)."""
    lengths = []
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
                    isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr in ROUTE_DECORATORS
                    for d in node.decorator_list):
                lengths.append(node.end_lineno - node.lineno + 1)
    return lengths


def _median(values: list[int]) -> float:
    # bench/statistics.py shadows the standard library's module when this script runs from bench/.
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def main() -> None:
    package = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "radiolic"
    files = modules(package)
    trees = {name: ast.parse(path.read_text("utf-8"), str(path)) for name, path in files.items()}
    root = [p.name for p in package.glob("*.py")]
    dicts = name_dicts(trees)
    commits = commit_sites(files, package)
    cycles_top = cycles(import_graph(trees, files, top_level_only=True))
    cycles_all = cycles(import_graph(trees, files, top_level_only=False))
    lengths = sorted(view_lengths(trees))
    p90 = lengths[max(0, int(round(0.9 * len(lengths))) - 1)]
    print(f"modules at the package root: {len(root)} (.py files, __init__.py included)")
    print(f"name dicts (code -> Chinese text): {len(dicts)}")
    for d in dicts:
        print(f"    {d}")
    print(f"commit sites outside workflow/: {len(commits)}")
    print(f"import cycles (module-level imports): {len(cycles_top)}")
    for c in cycles_top:
        print(f"    {' <-> '.join(c)}")
    print(f"import cycles (counting imports inside functions too): {len(cycles_all)}"
          f" (largest: {max((len(c) for c in cycles_all), default=0)} modules)")
    print(f"view functions: {len(lengths)}; median {_median(lengths):g} lines, p90 {p90} lines,"
          f" longest {lengths[-1]}")


if __name__ == "__main__":
    main()
