"""The layout's rules (docs/architecture.md), read from the source: the web shell builds no
SQL and imports no table, the command line builds no SQL, and no two modules of `server/`
import each other in a ring."""

from __future__ import annotations

import ast
from pathlib import Path

SERVER = Path(__file__).resolve().parents[1] / "server"
SQL_BUILDERS = {"select", "insert", "update", "delete", "text", "col", "func"}


def _module(path: Path) -> str:
    parts = path.relative_to(SERVER.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _top_level_imports(path: Path) -> list[tuple[str, str]]:
    """(module, name) of every import at a module's top level ("" for `import x`)."""
    found: list[tuple[str, str]] = []
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            found.extend((alias.name, "") for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.extend((node.module, alias.name) for alias in node.names)
    return found


def _all_imports(path: Path) -> list[tuple[str, str]]:
    """Every import of a module, function-level ones too."""
    found: list[tuple[str, str]] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.extend((alias.name, "") for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.extend((node.module, alias.name) for alias in node.names)
    return found


def _offences(folder: str, *, tables: bool) -> list[str]:
    """SQL built in `server/<folder>`: `select(`, a SQL builder imported, and (`tables`) a
    table model imported."""
    offences = []
    for path in sorted((SERVER / folder).rglob("*.py")):
        where = path.relative_to(SERVER.parent)
        if "select(" in path.read_text():
            offences.append(f"{where}: select(")
        for module, name in _all_imports(path):
            model = module == "server.models" or module.startswith("server.models.")
            sql = module.split(".")[0] in {"sqlalchemy", "sqlmodel"} and name in SQL_BUILDERS
            if sql or (tables and model):
                offences.append(f"{where}: {module} {name}".strip())
    return offences


def test_web_modules_build_no_sql_and_import_no_table_models():
    assert _offences("web", tables=True) == []


def test_the_command_line_builds_no_sql():
    """The CLI parses, calls domain functions and prints: its queries live beside the rules."""
    assert _offences("cli", tables=False) == []


def test_no_import_cycle_between_server_modules():
    modules = {_module(path): path for path in SERVER.rglob("*.py")}

    def owner(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges = set()
        for module, imported in _top_level_imports(path):
            target = owner(f"{module}.{imported}" if imported else module)
            if target and target != name:
                edges.add(target)
        graph[name] = edges

    def ring_from(start: str) -> list[str] | None:
        stack = [(start, [start])]
        seen = set()
        while stack:
            node, path = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    return [*path, start]
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*path, nxt]))
        return None

    rings = [ring for name in sorted(graph) if (ring := ring_from(name))]
    assert rings == []
