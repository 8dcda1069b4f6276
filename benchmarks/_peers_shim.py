"""Call one peer tool's Python entry point and print what it found as one JSON line.

Runs under the peers' own virtual environment (`benchmarks/.peers/venv`), never under the
library's:

    benchmarks/.peers/venv/bin/python benchmarks/_peers_shim.py TOOL ADDRESS

TOOL is `myl-discovery` (calls `myldiscovery.autodiscover(address)`) or `maildiscover`
(calls `maildiscover.get(address)`). The answer is reduced to the first incoming and the
first outgoing server a client would take from it, as {"host", "port"}:

- myl-discovery returns one `imap` and one `smtp` entry: those two.
- maildiscover returns up to six services; incoming is the first present of imaps, imap,
  pop3s, pop3 and outgoing the first present of smtp, submission (its own field order, the
  implicit-TLS variant first).

The tool's log output goes to stderr; an exception is reported as {"error": ...}.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any


def _server(host: Any, port: Any) -> dict[str, Any] | None:
    if not host:
        return None
    return {
        "host": str(host).lower().rstrip("."),
        "port": int(port) if port is not None else None,
    }


def myl_discovery(address: str) -> dict[str, Any]:
    from myldiscovery import autodiscover  # type: ignore[import-not-found]

    res = autodiscover(address) or {}
    imap = res.get("imap") or {}
    smtp = res.get("smtp") or {}
    return {
        "incoming": _server(imap.get("server"), imap.get("port")),
        "outgoing": _server(smtp.get("server"), smtp.get("port")),
        "raw": res,
    }


def maildiscover(address: str) -> dict[str, Any]:
    import maildiscover as md  # type: ignore[import-not-found]

    found = md.get(address).to_dict()

    def first(*names: str) -> dict[str, Any] | None:
        for name in names:
            if name in found:
                host, port, _auth = found[name]
                return _server(host, port)
        return None

    return {
        "incoming": first("imaps", "imap", "pop3s", "pop3"),
        "outgoing": first("smtp", "submission"),
        "raw": {k: [v[0], v[1]] for k, v in found.items()},
    }


TOOLS = {"myl-discovery": myl_discovery, "maildiscover": maildiscover}


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[1] not in TOOLS:
        print(f"usage: {argv[0]} {{{','.join(TOOLS)}}} ADDRESS", file=sys.stderr)
        return 2
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
    try:
        answer = TOOLS[argv[1]](argv[2])
    except Exception as exc:  # the tool's own failure is a result, not a crash of ours
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"[:300]}))
        return 1
    print(json.dumps(answer, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
