"""Rules for every module of the package: exports say what is defined, functions stay short."""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import inspect
import pkgutil
import re
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

import autoconf

PACKAGE = Path(autoconf.__file__).parent
MAX_FUNCTION_LINES = 60


def _modules() -> list[ModuleType]:
    names = ["autoconf"] + [
        info.name
        for info in pkgutil.walk_packages(autoconf.__path__, prefix="autoconf.")
        if not info.name.endswith("__main__")
    ]
    return [importlib.import_module(name) for name in sorted(names)]


def _defined_here(module: ModuleType) -> set[str]:
    """Public classes and functions whose home is this module."""
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and getattr(value, "__module__", None) == module.__name__
    }


def _isort_order(name: str) -> tuple[int, str]:
    """Ruff's RUF022 order: CONSTANTS, then Classes, then everything else, each sorted."""
    if name.isupper():
        return 0, name
    return (1 if name[:1].isupper() else 2), name


@pytest.mark.parametrize("module", _modules(), ids=lambda m: m.__name__)
def test_all_names_what_the_module_defines(module: ModuleType):
    """Each __all__ is in ruff's order, names only what exists, and every public definition."""
    exported = getattr(module, "__all__", None)
    if exported is None:
        assert not _defined_here(module), f"{module.__name__} defines public names but no __all__"
        return
    assert list(exported) == sorted(exported, key=_isort_order), f"{module.__name__}.__all__ order"
    missing = [name for name in exported if not hasattr(module, name)]
    assert not missing, f"{module.__name__}.__all__ names what it lacks: {missing}"
    if module.__name__ == "autoconf":
        return  # the package re-exports; its list is pinned in test_api
    unlisted = sorted(_defined_here(module) - set(exported))
    assert not unlisted, f"{module.__name__} defines public names not in __all__: {unlisted}"


def _long_functions(source: str) -> list[tuple[str, int]]:
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            assert node.end_lineno is not None
            length = node.end_lineno - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                found.append((node.name, length))
    return found


def test_the_length_check_sees_a_long_function():
    """The checker below would catch a function over the bound (so its silence means something)."""
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    assert _long_functions(f"def f():\n{body}\n") == [("f", MAX_FUNCTION_LINES + 1)]
    assert _long_functions("def g():\n    return 1\n") == []


def test_no_function_in_the_package_is_over_sixty_lines():
    """Every function in autoconf/ reads in one screen: at most 60 lines, decorators excluded."""
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}: {name} is {length} lines"
        for path in sorted(PACKAGE.rglob("*.py"))
        for name, length in _long_functions(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, "\n".join(offenders)


def _raises_without_cause(source: str) -> list[int]:
    """Lines of a ``raise X`` inside an ``except`` block that has no ``from`` (re-raising the
    caught exception itself, bare or by name, keeps its traceback and needs none), or says
    ``from None`` without a comment on the line before saying why the cause is noise."""
    lines = source.splitlines()
    found = []
    for handler in ast.walk(ast.parse(source)):
        if not isinstance(handler, ast.ExceptHandler):
            continue
        stack: list[ast.AST] = list(handler.body)
        while stack:
            node = stack.pop()
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                continue  # runs later, outside the except
            if isinstance(node, ast.Raise) and node.exc is not None and node.cause is None:
                reraise = isinstance(node.exc, ast.Name) and node.exc.id == handler.name
                if not reraise:
                    found.append(node.lineno)
            elif (
                isinstance(node, ast.Raise)
                and _is_none(node.cause)
                and not lines[node.lineno - 2].strip().startswith("#")
            ):
                found.append(node.lineno)
            stack.extend(ast.iter_child_nodes(node))
    return sorted(found)


def _is_none(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def test_the_cause_check_sees_a_lost_cause():
    """The checker below catches a raise that drops its cause (so its silence means something)."""
    lost = "try:\n    f()\nexcept OSError as exc:\n    raise ValueError('x')\n"
    kept = "try:\n    f()\nexcept OSError as exc:\n    raise ValueError('x') from exc\n"
    again = "try:\n    f()\nexcept OSError as exc:\n    if g():\n        raise exc\n    raise\n"
    assert _raises_without_cause(lost) == [4]
    assert _raises_without_cause(kept) == []
    assert _raises_without_cause(again) == []
    dropped = "try:\n    f()\nexcept OSError:\n    raise ValueError('x') from None\n"
    said = "try:\n    f()\nexcept OSError:\n    # noise\n    raise ValueError('x') from None\n"
    assert _raises_without_cause(dropped) == [4]
    assert _raises_without_cause(said) == []


def test_errors_keep_their_cause():
    """Every raise inside an except in autoconf/ says ``from exc`` (or ``from None``, with why)."""
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{line}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for line in _raises_without_cause(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, "raise without from: " + ", ".join(offenders)


def _third_party_imports() -> dict[str, set[str]]:
    """Top-level package imported → the autoconf files importing it (stdlib and own left out)."""
    found: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "autoconf":
                    found.setdefault(top, set()).add(str(path.relative_to(PACKAGE.parent)))
    return found


def test_every_imported_package_is_a_declared_dependency():
    """A package autoconf/ imports (httpcore included) is in pyproject's dependencies."""
    project = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    declared = {_requirement_name(r) for r in project["project"]["dependencies"]}
    extras = project["project"]["optional-dependencies"]
    declared |= {
        _requirement_name(r)
        for name in ("certificates", "fast", "redis", "server")
        for r in extras[name]
    }
    distributions = importlib.metadata.packages_distributions()
    undeclared = {
        top: sorted(files)
        for top, files in _third_party_imports().items()
        if not {d.lower().replace("_", "-") for d in distributions.get(top, [top])} & declared
    }
    assert not undeclared, f"imported but not declared in pyproject: {undeclared}"


def _requirement_name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0].lower()


def test_httpx_and_httpcore_are_used_through_public_names_only():
    """No `_private` name of httpx or httpcore is imported or read, and no transport subclasses
    httpx's own (whose private pool it would have to replace)."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        where = path.relative_to(PACKAGE.parent)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in _HTTP:
                private = [a.name for a in node.names if a.name.startswith("_")]
                if "._" in f".{node.module}" or private:
                    offenders.append(f"{where}:{node.lineno} imports a private name")
            elif (
                isinstance(node, ast.Attribute)
                and _attribute_root(node) in _HTTP
                and (node.attr.startswith("_") or node.attr == "AsyncHTTPTransport")
            ):
                offenders.append(f"{where}:{node.lineno} uses {node.attr}")
    assert not offenders, offenders


_HTTP = {"httpx", "httpcore"}


def _attribute_root(node: ast.Attribute) -> str | None:
    value = node.value
    return value.id if isinstance(value, ast.Name) else None


def _recommending(path: Path) -> list[str]:
    """What in one module looks like choosing the recommended servers itself: building a
    Recommendation, calling the rule directly, taking the first server of a result's list,
    or a function named like the deleted choosers."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute):
            name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            if name in {"Recommendation", "recommend"}:
                found.append(f"{path.name}:{node.lineno} calls {name}()")
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr in {"incoming", "outgoing"}
            and isinstance(node.slice, ast.Constant)
            and node.slice.value == 0
        ):
            found.append(f"{path.name}:{node.lineno} takes .{node.value.attr}[0]")
        if isinstance(node, ast.FunctionDef) and node.name in {"_pick", "chosen", "_refused"}:
            found.append(f"{path.name}:{node.lineno} defines {node.name}()")
    return found


def test_only_one_module_decides_what_is_recommended():
    """autoconf/recommend.py decides; the engine calls it once; every consumer (the CLI and
    its views, the export writers) reads result.recommendation and decides nothing itself."""
    consumers = sorted((PACKAGE / "cli").rglob("*.py")) + sorted((PACKAGE / "export").rglob("*.py"))
    assert consumers
    assert [problem for path in consumers for problem in _recommending(path)] == []
    callers = [
        path.relative_to(PACKAGE).as_posix()
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "recommend.py"
        and any("calls recommend()" in p for p in _recommending(path))
    ]
    assert callers == ["engine/discovery.py"]


def test_the_recommendation_checker_catches_a_second_chooser(tmp_path: Path):
    """A module that takes result.incoming[0] or defines chosen() is reported."""
    bad = tmp_path / "view.py"
    bad.write_text("def chosen(result):\n    return result.incoming[0]\n", encoding="utf-8")
    assert _recommending(bad) == ["view.py:1 defines chosen()", "view.py:2 takes .incoming[0]"]
