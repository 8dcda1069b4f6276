"""The layers of autoconf import only downward, and no modules import each other in a cycle.

Every import counts: module-level, function-local and ``TYPE_CHECKING`` ones alike.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "autoconf"

# Lowest first; a module may import its own layer and those below it. Longest prefix wins.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("autoconf.models", "autoconf.errors", "autoconf.masking", "autoconf._logging"),
    (
        "autoconf.options",
        "autoconf.address",
        "autoconf.events",
        "autoconf.hints",
        "autoconf.recommend",
    ),
    ("autoconf.parsers", "autoconf._data", "autoconf.export"),
    ("autoconf.net",),
    ("autoconf.probe",),
    ("autoconf.sources",),
    ("autoconf.engine", "autoconf.verify", "autoconf.check"),
    ("autoconf.api",),
    ("autoconf.cli", "autoconf.cli.batch", "autoconf.cli.render", "autoconf"),
    ("autoconf.server",),  # the optional service: nothing below imports it
    ("autoconf.__main__",),
)


def modules(package: Path) -> dict[str, Path]:
    """Dotted module name → file, for every module of the package at ``package``."""
    found: dict[str, Path] = {}
    for path in package.rglob("*.py"):
        parts = path.relative_to(package.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The modules of ``known`` that module ``name`` imports, wherever the import is."""
    is_package = path.name == "__init__.py"
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(name, is_package, node.level, node.module)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                targets.add(submodule if submodule in known else base)
    return {t for t in targets if t in known and t != name}


def _absolute(name: str, is_package: bool, level: int, module: str | None) -> str:
    if level == 0:
        return module or ""
    parts = name.split(".") if is_package else name.split(".")[:-1]
    parts = parts[: len(parts) - (level - 1)]
    return ".".join([*parts, module] if module else parts)


def layer_of(name: str, layers: tuple[tuple[str, ...], ...] = LAYERS) -> int:
    best, best_len = -1, -1
    for index, prefixes in enumerate(layers):
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = index, len(prefix)
    if best < 0:
        raise AssertionError(f"{name} belongs to no layer: add it to LAYERS")
    return best


def upward_imports(package: Path, layers: tuple[tuple[str, ...], ...] = LAYERS) -> list[str]:
    """Every import of a module from a higher layer, as readable lines."""
    known = modules(package)
    problems = []
    for name, path in sorted(known.items()):
        for target in sorted(imports(name, path, known)):
            if layer_of(target, layers) > layer_of(name, layers):
                problems.append(
                    f"{name} (layer {layer_of(name, layers)}) imports {target} "
                    f"(layer {layer_of(target, layers)})"
                )
    return problems


def cycles(package: Path) -> list[list[str]]:
    """The import cycles (strongly connected groups of more than one module)."""
    known = modules(package)
    graph = {name: imports(name, path, known) for name, path in known.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return found


def test_no_module_imports_a_higher_layer():
    """models → options/address/events/hints/recommend → parsers → net → probe → sources →
    engine → API → cli/: no import goes up, counting function-local and TYPE_CHECKING ones."""
    assert upward_imports(PACKAGE) == []


def test_no_import_cycles():
    """No group of modules imports each other in a cycle."""
    assert cycles(PACKAGE) == []


def _tree(root: Path, files: dict[str, str]) -> Path:
    package = root / "autoconf"
    for relative, text in files.items():
        path = package / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return package


def test_the_checker_catches_an_upward_import_even_inside_a_function(tmp_path: Path):
    """A synthetic tree whose sources module imports the API inside a function, or under
    TYPE_CHECKING, is reported (and the cycle it makes); the same tree without it is clean."""
    clean = {
        "__init__.py": "from .api import discover\n",
        "api.py": "from .sources.base import Source\n",
        "sources/__init__.py": "",
        "sources/base.py": "from ..models import Thing\n",
        "models.py": "",
    }
    assert upward_imports(_tree(tmp_path / "clean", clean)) == []
    for label, text in {
        "local": "def later():\n    from .. import api\n    return api\n",
        "typing": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..api import S\n",
    }.items():
        bad = {**clean, "sources/base.py": text}
        package = _tree(tmp_path / label, bad)
        assert upward_imports(package) == [
            "autoconf.sources.base (layer 5) imports autoconf.api (layer 7)"
        ]
        assert cycles(package) == [["autoconf.api", "autoconf.sources.base"]]


def test_the_checker_catches_an_import_of_the_package_itself(tmp_path: Path):
    """``from .. import Options`` in a low layer is an import of the top-level package."""
    tree = {"__init__.py": "", "net/__init__.py": "", "net/dns.py": "from .. import Options\n"}
    assert upward_imports(_tree(tmp_path, tree)) == [
        "autoconf.net.dns (layer 3) imports autoconf (layer 8)"
    ]
