#!/usr/bin/env python3
"""Compile data/ispdb/*.xml into data/ispdb-index.json (domain → provider template).

python scripts/compile_ispdb.py           # rewrite the index
python scripts/compile_ispdb.py --check   # exit 1 if the committed index is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autoconf._data import INDEX_FORMAT, INDEX_NAME  # noqa: E402
from autoconf.parsers.clientconfig import parse_template  # noqa: E402


def build_index(source_dir: Path) -> dict[str, Any]:
    """Parse every snapshot file; fail loudly on any that does not parse or clashes."""
    providers: dict[str, dict[str, Any]] = {}
    domains: dict[str, str] = {}
    for path in sorted(source_dir.glob("*.xml")):
        template = parse_template(path.read_bytes(), origin=path.name)
        key = path.name[: -len(".xml")]
        providers[key] = template.to_json()
        for domain in template.provider.domains:
            if domain in domains and domains[domain] != key:
                raise SystemExit(f"{domain} is claimed by both {domains[domain]} and {key}")
            domains[domain] = key
    snapshot = ""
    source_txt = source_dir / "SOURCE.txt"
    if source_txt.is_file():
        for line in source_txt.read_text().splitlines():
            if line.startswith("Commit:"):
                snapshot = line.split(":", 1)[1].strip().split()[0]
    return {
        "format": INDEX_FORMAT,
        "snapshot": snapshot,
        "providers": providers,
        "domains": dict(sorted(domains.items())),
    }


def render(index: dict[str, Any]) -> str:
    return json.dumps(index, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check the committed index")
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    args = parser.parse_args(argv)
    text = render(build_index(args.data / "ispdb"))
    target = args.data / INDEX_NAME
    if args.check:
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            print(f"{target} is stale: run python scripts/compile_ispdb.py", file=sys.stderr)
            return 1
        return 0
    target.write_text(text, encoding="utf-8")
    index = json.loads(text)
    print(f"wrote {target}: {len(index['providers'])} providers, {len(index['domains'])} domains")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
