"""Import a script from benchmarks/ or scripts/ as a module, for the tests that run it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = ROOT / "benchmarks"
SCRIPTS = ROOT / "scripts"


def load_script(path: Path) -> ModuleType:
    """The file at ``path`` as the module named by its stem (registered in ``sys.modules``,
    since dataclasses look their module up there)."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def load_benchmark(name: str) -> ModuleType:
    """benchmarks/NAME.py as the module NAME."""
    return load_script(BENCHMARKS / f"{name}.py")


def compiler() -> ModuleType:
    """scripts/compile_providers.py, the compiler of the bundled provider index."""
    return load_script(SCRIPTS / "compile_providers.py")
