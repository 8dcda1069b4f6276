#!/usr/bin/env python3
"""Copy newer upstream provider databases into data/, recompile, and say what changed.

python scripts/refresh_providers.py --deltachat ~/provider-db/_providers \\
    [--ispdb ~/autoconfig/ispdb] [--k9 providers.xml] [--mailcore2 providers.json]

Each option replaces that database's files in data/ (the licence files stay; update
data/SOURCES.md and, for ISPDB, data/ispdb/SOURCE.txt with the new commit by hand). The index
and report are then rebuilt by scripts/compile_providers.py, and the domains added, removed
and changed (other servers or another serving database) are printed. --dry-run compiles in a
temporary copy of data/ and changes nothing.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autoconf._data import BundledIspdb  # noqa: E402


def _compiler() -> Any:
    sys.path.insert(0, str(ROOT / "scripts"))
    import compile_providers

    return compile_providers


def copy_in(data: Path, args: argparse.Namespace) -> list[str]:
    """Replace the data files of each database given; what was copied, in words."""
    done = []
    for folder, source, pattern in (
        ("ispdb", args.ispdb, "*.xml"),
        ("deltachat/_providers", args.deltachat, "*.md"),
    ):
        if source is None:
            continue
        target = data / folder
        for old in target.glob(pattern):
            old.unlink()
        files = sorted(Path(source).glob(pattern))
        for path in files:
            shutil.copy2(path, target / path.name)
        done.append(f"{folder}: {len(files)} files from {source}")
    for name, source in (
        ("k9/providers.xml", args.k9),
        ("mailcore2/providers.json", args.mailcore2),
    ):
        if source is not None:
            shutil.copy2(source, data / name)
            done.append(f"{name} from {source}")
    return done


def _servers(index: BundledIspdb, domain: str) -> tuple[str, list[tuple[object, ...]]]:
    template = index.providers[index.domains[domain]]
    database = str(template["provider"].get("database", "ispdb"))
    servers: list[tuple[object, ...]] = sorted(
        (s["protocol"], s["hostname"], s["port"], s["security"]) for s in template["servers"]
    )
    return database, servers


def changes(old: BundledIspdb, new: BundledIspdb) -> list[str]:
    """Domains added, removed, and changed (servers or serving database), one line each."""
    before, after = set(old.domains), set(new.domains)
    lines = [f"+ {d} ({_servers(new, d)[0]})" for d in sorted(after - before)]
    lines += [f"- {d}" for d in sorted(before - after)]
    for domain in sorted(before & after):
        was, now = _servers(old, domain), _servers(new, domain)
        if was != now:
            lines.append(f"~ {domain}: {was[0]} {was[1]} -> {now[0]} {now[1]}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--ispdb", type=Path, help="a folder of ISPDB *.xml files")
    parser.add_argument("--deltachat", type=Path, help="provider-db's _providers folder")
    parser.add_argument("--k9", type=Path, help="K-9's providers.xml")
    parser.add_argument("--mailcore2", type=Path, help="mailcore2's providers.json")
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    parser.add_argument("--dry-run", action="store_true", help="change nothing in data/")
    args = parser.parse_args(argv)
    compiler = _compiler()
    index_path = args.data / compiler.INDEX_NAME
    old = BundledIspdb.load(index_path) if index_path.is_file() else BundledIspdb({}, {})
    with tempfile.TemporaryDirectory() as scratch:
        data = args.data
        if args.dry_run:
            data = Path(scratch) / "data"
            shutil.copytree(args.data, data)
        for line in copy_in(data, args):
            print(f"copied {line}")
        code = int(compiler.main(["--data", str(data)]))
        if code:
            return code
        new = BundledIspdb.load(data / compiler.INDEX_NAME)
    lines = changes(old, new)
    print("\n".join(lines) if lines else "no domain changed")
    print(f"{len(old)} -> {len(new)} domains")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
