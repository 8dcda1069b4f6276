"""The bundled provider index: domain → provider template, compiled and shipped with the package.

The index is made by ``scripts/compile_providers.py`` from four databases in ``data/``: ISPDB,
Delta Chat's, K-9's and mailcore2's (precedence in that script's docstring), so that a lookup
never parses XML or YAML at run time; a test rebuilds it and fails if it differs from the
committed one. Each template's ``provider.database`` names the database its servers came from;
Delta Chat's hints for a domain another database serves are laid over that provider on lookup.
The index is read once, on the first look-up (:func:`default_ispdb`), never at import.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import AutoconfError
from .models import ProviderDatabase, Trust
from .parsers.clientconfig import ClientConfigTemplate

__all__ = [
    "DATABASE_TRUST",
    "HINT_FIELDS",
    "INDEX_NAME",
    "NO_IMAP_FIELDS",
    "BundledIspdb",
    "data_dir",
    "default_ispdb",
]

INDEX_NAME = "providers-index.json"
INDEX_FORMAT = 2
_OLD_FORMAT = 1  # ISPDB only (``scripts/compile_ispdb.py`` before issue 13): still readable

# The most a server from each database is trusted: ISPDB is curated, Delta Chat maintained,
# K-9 and mailcore2 frozen. (Network sources rank above the secondary ones: engine/rank.py.)
DATABASE_TRUST = {
    ProviderDatabase.ISPDB: Trust.HIGH,
    ProviderDatabase.DELTACHAT: Trust.MEDIUM,
    ProviderDatabase.K9: Trust.LOW,
    ProviderDatabase.MAILCORE2: Trust.LOW,
}
# What Delta Chat's record adds to the provider of a domain another database serves.
HINT_FIELDS = (
    "status",
    "before_login_hint",
    "after_login_hint",
    "app_password_required",
    "website",
    "note_url",
)
NO_IMAP_FIELDS = ("no_imap", "no_imap_advice")  # only where no database has servers


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

    domains: dict[str, str]  # domain → provider key (ISPDB's file name, "deltachat/gmx.net")
    providers: Mapping[str, dict[str, Any]]  # provider key → template JSON (decoded on use)
    snapshot: str = ""  # the ISPDB commit
    hints: dict[str, str] = field(default_factory=dict)  # domain → Delta Chat key with hints
    mx: list[tuple[str, str]] = field(default_factory=list)  # (MX host regex, provider key)
    _decoded: dict[tuple[str, str | None], ClientConfigTemplate] = field(
        default_factory=dict, repr=False
    )
    _mx_compiled: list[tuple[re.Pattern[str], str]] = field(default_factory=list, repr=False)

    @classmethod
    def load(cls, path: Path | None = None) -> BundledIspdb:
        """Read an index: format 2 is a JSON header line (domains, hints, MX patterns) and
        one ``["key", template]`` JSON line per provider, parsed only when looked up; format 1
        (one JSON document, ISPDB only) is still read."""
        path = path if path is not None else data_dir() / INDEX_NAME
        try:
            data = path.read_bytes()
            end = data.find(b"\n")
            raw = json.loads(data[: end if end >= 0 else None])
        except (OSError, ValueError) as exc:
            raise AutoconfError(f"cannot read the bundled ISPDB index {path}: {exc}") from exc
        if not isinstance(raw, dict) or raw.get("format") not in (INDEX_FORMAT, _OLD_FORMAT):
            raise AutoconfError(f"the bundled ISPDB index {path} has an unknown format")
        return cls(
            domains=raw["domains"],
            providers=raw["providers"] if raw["format"] == _OLD_FORMAT else _Lines(data, end),
            snapshot=raw["snapshot"],
            hints=raw.get("hints", {}),
            mx=[(pattern, key) for pattern, key in raw.get("mx", [])],
        )

    def provider_key(self, domain: str) -> str | None:
        return self.domains.get(domain)

    def lookup(self, domain: str) -> ClientConfigTemplate | None:
        """The provider template for ``domain`` (exact match, as the ISPDB service does)."""
        key = self.domains.get(domain)
        if key is None:
            return None
        return self.template(key, self.hints.get(domain))

    def template(self, key: str, hints: str | None = None) -> ClientConfigTemplate:
        """Provider ``key``'s template, with the hints of provider ``hints`` laid over it."""
        template = self._decoded.get((key, hints))
        if template is None:
            template = ClientConfigTemplate.from_json(self.providers[key])
            if hints is not None:
                template = _with_hints(
                    template, ClientConfigTemplate.from_json(self.providers[hints])
                )
            self._decoded[(key, hints)] = template
        return template

    def mx_provider(self, mx_host: str) -> str | None:
        """The key of the provider whose MX pattern (mailcore2's) matches ``mx_host``."""
        if self.mx and not self._mx_compiled:
            self._mx_compiled.extend((re.compile(p, re.IGNORECASE), k) for p, k in self.mx)
        for pattern, key in self._mx_compiled:
            if pattern.fullmatch(mx_host):
                return key
        return None

    def __contains__(self, domain: object) -> bool:
        return domain in self.domains

    def __iter__(self) -> Iterator[str]:
        return iter(self.domains)

    def __len__(self) -> int:
        return len(self.domains)


class _Lines(Mapping[str, dict[str, Any]]):
    """The provider lines of a format-2 index (after its header line), each parsed when
    first asked for: the file's bytes are searched, only the line found is decoded."""

    def __init__(self, data: bytes, start: int) -> None:
        self._data = data
        self._start = start  # the newline that ends the header

    def __getitem__(self, key: str) -> dict[str, Any]:
        if '"' in key or "\\" in key or "\n" in key:
            raise KeyError(key)
        begin = self._data.find(b'\n["' + key.encode() + b'",', self._start)
        if begin < 0:
            raise KeyError(key)
        end = self._data.find(b"\n", begin + 1)
        line = json.loads(self._data[begin + 1 : end if end >= 0 else None])
        return line[1]  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[str]:
        for line in self._data[self._start :].decode("utf-8").split("\n"):
            if line:
                yield line[2 : line.index('",')]

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _with_hints(
    template: ClientConfigTemplate, hinting: ClientConfigTemplate
) -> ClientConfigTemplate:
    """``template`` whose provider also carries what ``hinting``'s provider says."""
    source = hinting.provider
    names = HINT_FIELDS + (() if template.servers else NO_IMAP_FIELDS)
    update: dict[str, Any] = {
        name: getattr(source, name) for name in names if getattr(source, name) is not None
    }
    update["hints_database"] = source.database
    update["records"] = [*template.provider.records, *source.records]
    provider = template.provider.model_copy(update=update)
    return ClientConfigTemplate(
        provider, template.servers, template.skipped, template.domain_placeholder
    )


@functools.cache
def default_ispdb() -> BundledIspdb:
    """The index shipped with the package, loaded once per process.

    Cached at module level on purpose: it is immutable data that ships with the code, and
    reading it once is what makes batch runs cheap. Callers who want another index pass a
    :class:`BundledIspdb` of their own.
    """
    return BundledIspdb.load()
