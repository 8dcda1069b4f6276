"""--batch over 1,000 addresses against the test world and the bundled ISPDB."""

from __future__ import annotations

import io
import json

import pytest

from autoconf import Options, discover_sync
from autoconf._data import default_ispdb
from autoconf.cli import main
from tests.world import WorldInfo
from tests.world.library import NO_GUESS_ARG, PUBLISHED, UNPUBLISHED

pytestmark = pytest.mark.world


def build_input(world: WorldInfo, total: int = 1000) -> tuple[str, list[tuple[str, str]]]:
    """The batch text, and per output line (address as printed, expected outcome)."""
    bundled = sorted(default_ispdb())[::8]  # ~120 bundled domains, spread over the alphabet
    bundled_found = {
        d: discover_sync(f"x@{d}", options=Options(offline=True)).found for d in bundled
    }
    lines: list[str] = ["# a batch as people write them", ""]
    expected: list[tuple[str, str]] = []
    i = 0
    while len(expected) < total:
        kind = i % 10
        if kind in (0, 1, 2, 3):
            name = PUBLISHED[i % len(PUBLISHED)]
            address = f"user{i}@{world.scenarios[name].domain}"
            outcome = "found"
        elif kind == 4:
            name = UNPUBLISHED[i % len(UNPUBLISHED)]
            address = f"user{i}@{world.scenarios[name].domain}"
            outcome = "not-found"
        elif kind in (5, 6, 7):
            domain = bundled[i % len(bundled)]
            address = f"user{i}@{domain}"
            outcome = "found" if bundled_found[domain] else "not-found"
        elif kind == 8:
            address = f"user{i}@nowhere-{i % 25}.test"
            outcome = "not-found"
        else:
            address = f"user {i}@broken" if i % 20 == 9 else f"user{i}@@twice.test"
            outcome = "invalid"
        lines.append(f"  {address}  " if i % 7 == 0 else address)
        if i % 50 == 0:
            lines.append("# a comment in the middle")
        expected.append((address, outcome))
        i += 1
    return "\n".join(lines) + "\n", expected


def test_batch_of_1000_keeps_order_and_counts(world: WorldInfo):
    """1,000 lines: one JSON line each, in input order, found/not-found/invalid as expected."""
    text, expected = build_input(world)
    host, port = world.nameserver
    out, err = io.StringIO(), io.StringIO()
    # Throughput is a figure of benchmarks/batch.py (BENCHMARKS.md), not a claim of this test.
    code = main(
        [
            "--batch",
            "-",
            "--no-verify",
            # A generous deadline per address: this test is about order and counts, and 64 at a
            # time on a loaded 2-core machine may take longer than the default 10 s.
            "--timeout",
            "60",
            "--sources",
            NO_GUESS_ARG,
            "--concurrency",
            "64",
            "--nameserver",
            f"{host}:{port}",
            "--ca-file",
            str(world.ca_file),
            "--ispdb-url",
            world.ispdb_url,
        ],
        stdout=out,
        stderr=err,
        stdin=io.StringIO(text),
    )
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(rows) == 1000
    for row, (address, outcome) in zip(rows, expected, strict=True):
        if outcome == "invalid":
            assert row["error"] == "invalid-address", row
            assert row["address"] == address
            continue
        assert row["address"] == address.lower() or row["address"] == address
        found = bool(row["incoming"]) and bool(row["outgoing"])
        assert found == (outcome == "found"), (address, row["attempts"])
    counts = {k: sum(1 for _, o in expected if o == k) for k in ("found", "not-found", "invalid")}
    assert err.getvalue() == (
        f"1000 addresses: {counts['found']} found, {counts['not-found']} not found, "
        f"{counts['invalid']} invalid\n"
    )
    assert code == 1  # some valid addresses were not found
