"""A long batch holds no more than its caches' caps, however many domains it meets.

The memory of one Session running a batch is bounded by the caps of its caches (DNS answers,
the process's shared answers, documents and their bytes, verifications, remembered connect
failures, DNSSEC statuses), not by the input's length. Here the caps are made small and a
batch of many distinct domains runs against the world in one Session; after every line
written, no cache holds more than its cap, and the caps were reached (the input overflowed
them), while the answers stay those of the world. Counted, never timed.
"""

from __future__ import annotations

import functools
import io
import json
from typing import Any

import pytest

from autoconf import Session
from autoconf.cli.batch import BatchSummary, read_lines, run_batch
from autoconf.net import dns as dns_module
from autoconf.net import session as session_module
from autoconf.net.cache import SharedAnswers
from autoconf.net.http import ConnectFailures
from tests.world import WorldInfo
from tests.world.library import PUBLISHED, WITHOUT_GUESS, library_options

pytestmark = pytest.mark.world

CAPS = {"dns": 60, "shared": 60, "documents": 6, "document_bytes": 16 * 1024, "failures": 12}


def addresses(world: WorldInfo, count: int) -> list[str]:
    """Mostly distinct domains nobody publishes (each asks the DNS anew), and world domains
    that publish their settings between them."""
    out: list[str] = []
    for i in range(count):
        if i % 4 == 0:
            out.append(f"user{i}@{world.scenarios[PUBLISHED[i % len(PUBLISHED)]].domain}")
        else:
            out.append(f"user{i}@distinct-{i}.test")
    return out


async def test_a_long_batch_stays_within_the_cache_caps(
    world: WorldInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session_module, "DNS_ENTRIES", CAPS["dns"])
    monkeypatch.setattr(session_module, "DOCUMENT_ENTRIES", CAPS["documents"])
    monkeypatch.setattr(session_module, "DOCUMENT_BYTES", CAPS["document_bytes"])
    monkeypatch.setattr(
        session_module,
        "ConnectFailures",
        functools.partial(ConnectFailures, max_entries=CAPS["failures"]),
    )
    shared = SharedAnswers(max_entries=CAPS["shared"])
    monkeypatch.setattr(dns_module, "SHARED_ANSWERS", shared)
    options = library_options(world, verify=False, deadline=60.0, sources=WITHOUT_GUESS)
    targets = addresses(world, 240)
    peaks: dict[str, int] = dict.fromkeys(("dns", "shared", "documents", "bytes", "failures"), 0)
    found: dict[str, bool] = {}

    async with Session(options) as session:
        network = session.network()
        assert network.connect_failures is not None
        failures = network.connect_failures

        def write(text: str) -> None:
            for line in text.splitlines():
                row: dict[str, Any] = json.loads(line)
                found[row["address"]] = bool(row.get("incoming"))
            sizes = {
                "dns": len(network.cache),
                "shared": len(shared),
                "documents": len(network.documents),
                "bytes": network.documents.weight,
                "failures": len(failures),
            }
            for name, size in sizes.items():
                peaks[name] = max(peaks[name], size)

        stream = io.StringIO("\n".join(targets) + "\n")
        summary = BatchSummary()
        await run_batch(read_lines(stream), session.discover, write, concurrency=8, summary=summary)

    assert summary.done == len(targets)
    assert peaks["dns"] <= CAPS["dns"]
    assert peaks["shared"] <= CAPS["shared"]
    assert peaks["documents"] <= CAPS["documents"]
    assert peaks["bytes"] <= CAPS["document_bytes"]
    assert peaks["failures"] <= CAPS["failures"]
    # The input overflowed the caps: they, not the input's end, kept the caches this small.
    assert peaks["dns"] == CAPS["dns"]
    assert peaks["shared"] == CAPS["shared"]
    # The answers are the world's: every published domain found, no made-up domain.
    for address, was_found in found.items():
        assert was_found is ("distinct-" not in address), address
