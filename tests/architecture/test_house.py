"""The shape of the house, read from the code's own imports: stages as subpackages, imports one way, engines in db/.

Every ``import`` counts, the ones inside functions too: a lazy import that only dodges a circle is still a circle.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "smsync_core"
PACKAGES = {"smsync_core": CORE, "smsync_widgets": ROOT / "widgets" / "smsync_widgets"}
MAX_LINES = 500
MAX_TOP_LEVEL_MODULES = 12
#: Engines and their drivers are named only under smsync_core/db/ (the demo writes SQLite files itself).
ENGINE_HOME = ("smsync_core.db", "smsync_core.demo")
DRIVERS = ("pyodbc", "psycopg", "pymysql", "MySQLdb", "sqlite3", "arrow_odbc", "adbc_driver_sqlite",
           "adbc_driver_postgresql", "adbc_driver_manager", "sqlalchemy.dialects")
ENGINE_WORDS = re.compile(r"""["'](sqlite|postgresql|mysql|mariadb|mssql)["']""")


def _module_name(path: Path) -> str:
    for package, folder in PACKAGES.items():
        if path.is_relative_to(folder):
            parts = [package, *path.relative_to(folder).with_suffix("").parts]
            return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
    raise AssertionError(path)


def _sources() -> Iterator[tuple[str, Path, ast.Module]]:
    for folder in PACKAGES.values():
        for path in sorted(folder.rglob("*.py")):
            yield _module_name(path), path, ast.parse(path.read_text("utf-8"), str(path))


MODULES = {name: (path, tree) for name, path, tree in _sources()}


def _package_of(name: str, path: Path) -> str:
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def _imports(name: str, path: Path, tree: ast.Module) -> Iterator[tuple[str, int]]:
    """Each project module this module imports (at any depth of the code), with the line."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = _package_of(name, path).split(".")
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                yield (candidate if candidate in MODULES else base), node.lineno


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, (path, tree) in MODULES.items():
        for target, _ in _imports(name, path, tree):
            if target in MODULES and target != name:
                graph[name].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _without_faces(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The graph without the edges *from* package faces to their own children.

    A face (``audit/__init__.py``) re-exports its children; a child importing a sibling through the face's
    name is an edge to the face and is kept, so a child that imports its own face is still caught.
    """
    faces = {name for name, (path, _) in MODULES.items() if path.name == "__init__.py"}
    return {name: {t for t in targets if not (name in faces and t.startswith(name + "."))}
            for name, targets in graph.items()}


def test_no_import_circle() -> None:
    cycles = _cycles(_without_faces(_graph()))
    assert not cycles, "import circles (imports inside functions count): " + "; ".join(" <-> ".join(c) for c in cycles)


def test_no_child_imports_its_own_face() -> None:
    bad = [f"{name} imports {target}" for name, targets in _graph().items() for target in targets
           if MODULES[name][0].name != "__init__.py" and name.startswith(target + ".") and target != "smsync_core"]
    assert not bad, bad


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_is_readable_in_one_sitting(name: str) -> None:
    lines = len(MODULES[name][0].read_text("utf-8").splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines (at most {MAX_LINES})"


def test_few_modules_directly_in_smsync_core() -> None:
    top = sorted(p.name for p in CORE.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_MODULES, f"{len(top)} modules directly in smsync_core: {top}"


def test_stages_are_subpackages() -> None:
    for stage in ("db", "sources", "targets", "apply", "audit", "notebooks", "suggest", "app", "demo", "cli"):
        assert (CORE / stage / "__init__.py").is_file(), stage
    prefixed = [p.name for p in CORE.glob("*.py") if re.match(r"(audit|apply|notebook|suggest)_", p.name)]
    assert not prefixed, f"stage prefixes left as flat modules: {prefixed}"


def _outside_engine_home(name: str) -> bool:
    return not any(name == home or name.startswith(home + ".") for home in ENGINE_HOME)


def test_no_driver_import_outside_db() -> None:
    bad = []
    for name, (path, tree) in MODULES.items():
        if not _outside_engine_home(name):
            continue
        for target, line in _imports(name, path, tree):
            if any(target == d or target.startswith(d + ".") for d in DRIVERS):
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert not bad, bad


def test_no_engine_name_outside_db() -> None:
    bad = []
    for name, (path, tree) in MODULES.items():
        if not _outside_engine_home(name):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare):
                text = ast.unparse(node)
                if "dialect" in text or "drivername" in text or "backend_name" in text:
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno}: {text}")
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and ENGINE_WORDS.fullmatch(
                    repr(node.value)):
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}")
    assert not bad, "engine names outside smsync_core/db/: " + "; ".join(bad)


def test_the_check_sees_a_circle() -> None:
    """The circle finder itself: a two-module circle and a three-module one are found, a chain is not."""
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": set()}) == [["a", "b"]]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
