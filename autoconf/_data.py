"""The bundled ISPDB: a compiled index (domain → provider template) shipped with the package.

The index is made from ``data/ispdb/*.xml`` by ``scripts/compile_ispdb.py`` so that a lookup
never parses XML at run time; a test rebuilds it and fails if it differs from the committed one.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import AutoconfError
from .parsers.clientconfig import ClientConfigTemplate

__all__ = ["INDEX_NAME", "BundledIspdb", "data_dir", "default_ispdb"]

INDEX_NAME = "ispdb-index.json"
INDEX_FORMAT = 1


def data_dir() -> Path:
    """Where the bundled data lives: inside the wheel, or ``data/`` of a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_bundled", here.parent / "data"):
        if (candidate / INDEX_NAME).is_file():
            return candidate
    raise AutoconfError(
        f"the bundled ISPDB index ({INDEX_NAME}) is missing from the installation; "
        "reinstall mail-autoconf"
    )


@dataclass(frozen=True)
class BundledIspdb:
    """Read-only view of one compiled index. Templates are decoded on first use."""

    domains: dict[str, str]  # domain → provider key (the snapshot's file name)
    providers: dict[str, dict[str, Any]]  # provider key → template JSON
    snapshot: str = ""
    _decoded: dict[str, ClientConfigTemplate] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, path: Path | None = None) -> BundledIspdb:
        path = path if path is not None else data_dir() / INDEX_NAME
        try:
            raw = json.loads(path.read_bytes())
        except (OSError, ValueError) as exc:
            raise AutoconfError(f"cannot read the bundled ISPDB index {path}: {exc}") from exc
        if raw.get("format") != INDEX_FORMAT:
            raise AutoconfError(f"the bundled ISPDB index {path} has an unknown format")
        return cls(domains=raw["domains"], providers=raw["providers"], snapshot=raw["snapshot"])

    def provider_key(self, domain: str) -> str | None:
        return self.domains.get(domain)

    def lookup(self, domain: str) -> ClientConfigTemplate | None:
        """The provider template for ``domain`` (exact match, as the ISPDB service does)."""
        key = self.domains.get(domain)
        if key is None:
            return None
        template = self._decoded.get(key)
        if template is None:
            template = ClientConfigTemplate.from_json(self.providers[key])
            self._decoded[key] = template
        return template

    def __contains__(self, domain: object) -> bool:
        return domain in self.domains

    def __iter__(self) -> Iterator[str]:
        return iter(self.domains)

    def __len__(self) -> int:
        return len(self.domains)


@functools.cache
def default_ispdb() -> BundledIspdb:
    """The index shipped with the package, loaded once per process.

    Cached at module level on purpose: it is immutable data that ships with the code, and
    reading it once is what makes batch runs cheap. Callers who want another index pass a
    :class:`BundledIspdb` of their own.
    """
    return BundledIspdb.load()
