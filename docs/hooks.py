"""MkDocs hook: replace each ``<!-- generated: NAME -->`` marker with the code's own words.

The sections are made by ``scripts/docs_pages.py`` (the argparse parser's flags, the finding
codes, the export formats, the JSON schemas, BENCHMARKS.md), so the site cannot drift.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

_ROOT = Path(__file__).resolve().parents[1]


def _pages() -> ModuleType:
    name = "docs_pages"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, _ROOT / "scripts" / "docs_pages.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def on_page_markdown(markdown: str, **_: Any) -> str:
    """Expand the markers of one page."""
    expanded: str = _pages().expand(markdown)
    return expanded
