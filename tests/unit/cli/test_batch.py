"""--batch: JSON Lines in input order, bounded concurrency and memory, per-line errors."""

from __future__ import annotations

import asyncio
import io
import json
import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from autoconf import DiscoveryResult, Protocol, SourceName
from autoconf.cli import main
from autoconf.cli.batch import BadLine, BatchSummary, read_lines, run_batch
from autoconf.sources.base import SourceContext, SourceOutcome

from ..fakes import ScriptedSource, server

INPUT = """\
# customers, exported 2026-11-27
someone@gmail.com

someone@unknown.example
not an address
   other@GMAIL.com
two@@example.com
jane@yahoo.com
"""


def run(*argv: str, stdin: str = "", **kwargs: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err, stdin=io.StringIO(stdin), **kwargs)  # type: ignore[arg-type]
    return code, out.getvalue(), err.getvalue()


def test_batch_prints_one_json_line_per_address_in_input_order(tmp_path: Path):
    """Each address gives one JSON line, in input order; comments and blank lines are skipped."""
    path = tmp_path / "list.txt"
    path.write_text(INPUT)
    code, out, err = run("--batch", str(path), "--offline")
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["address"] for line in lines] == [
        "someone@gmail.com",
        "someone@unknown.example",
        "not an address",
        "other@gmail.com",
        "two@@example.com",
        "jane@yahoo.com",
    ]
    assert lines[0]["incoming"][0]["host"] == "imap.gmail.com"
    assert lines[1]["incoming"] == []
    assert lines[2] == {
        "address": "not an address",
        "error": "invalid-address",
        "message": "an address cannot contain spaces",
        "line": 5,
    }
    assert lines[4]["error"] == "invalid-address"
    assert code == 1  # someone@unknown.example was not found
    assert err == "6 addresses: 3 found, 1 not found, 2 invalid\n"


def test_lines_written_as_people_write_addresses_are_cleaned_like_the_argument():
    """A batch line takes the same forms as the address argument: mailto:, a name with the
    address in angle brackets, quotes."""
    lines_in = 'mailto:Someone@Gmail.com?subject=hi\nJane Doe <jane@yahoo.com>\n"x@gmail.com"\n'
    code, out, _ = run("--batch", "-", "--offline", "--quiet", stdin=lines_in)
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["address"] for line in lines] == [
        "Someone@gmail.com",
        "jane@yahoo.com",
        "x@gmail.com",
    ]
    assert all(line["incoming"] for line in lines)
    assert code == 0


def test_found_lines_are_exactly_the_json_of_the_result():
    """A found line is DiscoveryResult.model_dump(mode='json'), on one line."""
    _, out, _ = run("--batch", "-", "--offline", stdin="someone@gmail.com\n")
    (line,) = out.splitlines()
    data = json.loads(line)
    assert DiscoveryResult.model_validate(data).model_dump(mode="json") == data


def test_batch_exits_0_when_every_valid_address_was_found():
    """Invalid lines do not change the exit status; all valid addresses found means 0."""
    code, out, err = run(
        "--batch", "-", "--offline", stdin="someone@gmail.com\nnope\n#x\njane@yahoo.com\n"
    )
    assert code == 0
    assert len(out.splitlines()) == 3
    assert err == "3 addresses: 2 found, 0 not found, 1 invalid\n"


def test_quiet_batch_prints_no_summary():
    """-q leaves stderr empty in batch mode."""
    code, _, err = run("--batch", "-", "--offline", "-q", stdin="someone@gmail.com\n")
    assert code == 0
    assert err == ""


def test_empty_input_is_fine():
    """An input with only comments gives no output and exit 0."""
    code, out, err = run("--batch", "-", "--offline", stdin="# nothing\n\n")
    assert (code, out) == (0, "")
    assert err == "0 addresses: 0 found, 0 not found, 0 invalid\n"


def test_bad_bytes_and_overlong_lines_cost_only_their_line():
    """Undecodable bytes and a 10 kB line are invalid lines; the neighbours are answered."""
    data = b"someone@gmail.com\nbad@gm\xff\xfeail.com\n" + b"x" * 10_000 + b"\njane@yahoo.com\n"
    out, err = io.StringIO(), io.StringIO()
    code = main(["--batch", "-", "--offline"], stdout=out, stderr=err, stdin=io.BytesIO(data))
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == 4
    assert lines[0]["incoming"][0]["host"] == "imap.gmail.com"
    assert lines[1]["error"] == "invalid-address"
    assert lines[2]["error"] == "invalid-address"
    assert "longer than" in lines[2]["message"]
    assert lines[2]["line"] == 3
    assert lines[3]["incoming"][0]["host"] == "imap.mail.yahoo.com"
    assert code == 0


def test_an_unexpected_failure_costs_only_its_line():
    """A source bug for one address gives an internal-error line; the batch goes on, exit 1."""

    class Flaky(ScriptedSource):
        async def run(self, ctx: SourceContext) -> SourceOutcome:
            if ctx.address.local_part == "boom":
                raise RuntimeError("kaboom")
            return await super().run(ctx)

    sources = [
        Flaky(
            SourceName.AUTOCONFIG,
            incoming=[server()],
            outgoing=[server(Protocol.SMTP, "smtp.example.com", 465)],
        )
    ]

    async def discover(address: str) -> DiscoveryResult:
        from autoconf import Options, discover

        if address.startswith("crash@"):
            raise RuntimeError("unexpected")
        return await discover(address, options=Options(verify=False), sources=sources)

    async def go() -> tuple[BatchSummary, list[str]]:
        written: list[str] = []
        summary = await run_batch(
            _lines(["a@example.com", "crash@example.com", "b@example.com"]),
            discover,
            written.append,
        )
        return summary, written

    summary, written = asyncio.run(go())
    assert [json.loads(w).get("error") for w in written] == [None, "internal-error", None]
    assert "unexpected" in json.loads(written[1])["message"]
    assert (summary.found, summary.errors) == (2, 1)


def test_one_session_is_shared_across_the_batch():
    """Every discovery of a batch runs in the same autoconf.Session (shared caches)."""
    sessions: set[int] = set()

    class Spy(ScriptedSource):
        async def run(self, ctx: SourceContext) -> SourceOutcome:
            sessions.add(id(ctx.network().cache))
            return await super().run(ctx)

    sources = [
        Spy(
            SourceName.AUTOCONFIG,
            incoming=[server()],
            outgoing=[server(Protocol.SMTP, "smtp.example.com", 465)],
        )
    ]
    stdin = "".join(f"user{i}@example.com\n" for i in range(20))
    code, out, _ = run("--batch", "-", "--no-verify", stdin=stdin, sources=sources)
    assert code == 0
    assert len(out.splitlines()) == 20
    assert len(sessions) == 1


async def _lines(items: list[str]) -> AsyncIterator[tuple[int, str | BadLine]]:
    for number, item in enumerate(items, 1):
        yield number, item


@pytest.mark.parametrize("concurrency", [1, 4, 16])
async def test_order_concurrency_and_window_are_bounded(concurrency: int):
    """With random delays: output in input order, at most N running, at most W held back."""
    rng = random.Random(concurrency)
    window = 4 * concurrency + 3
    running = 0
    max_running = 0
    pulled = 0
    written: list[str] = []
    max_ahead = 0

    async def source() -> AsyncIterator[tuple[int, str | BadLine]]:
        nonlocal pulled, max_ahead
        for i in range(300):
            pulled += 1
            max_ahead = max(max_ahead, pulled - len(written))
            yield i + 1, f"user{i}@example.com"

    async def discover(address: str) -> DiscoveryResult:
        nonlocal running, max_running
        running += 1
        max_running = max(max_running, running)
        # Now and then a slow one, to hold the head of the line back.
        await asyncio.sleep(0.02 if rng.random() < 0.05 else rng.random() / 1000)
        running -= 1
        return DiscoveryResult(address=address, domain="example.com")

    summary = await run_batch(
        source(), discover, written.append, concurrency=concurrency, window=window
    )
    assert [json.loads(w)["address"] for w in written] == [
        f"user{i}@example.com" for i in range(300)
    ]
    assert summary.not_found == 300
    assert max_running <= concurrency
    assert max_ahead <= window + 1  # the line being read may be one past the window
    if concurrency > 1:
        assert max_running > 1


async def test_read_lines_streams_without_reading_ahead_unboundedly():
    """The reader thread stays within its queue: a huge input is not read into memory."""

    class Counting(io.StringIO):
        reads = 0

        def readline(self, size: int | None = -1, /) -> str:
            Counting.reads += 1
            return f"user{Counting.reads}@example.com\n"  # an endless stream

    stream = Counting()
    seen = 0
    async for _number, _text in read_lines(stream, queue_size=10):
        seen += 1
        if seen == 5:
            break
    await asyncio.sleep(0.05)
    assert Counting.reads <= 5 + 10 + 2


async def test_a_closed_output_stops_the_batch_at_once():
    """When writing fails (the reader of a pipe went away), the batch stops instead of hanging."""

    async def endless() -> AsyncIterator[tuple[int, str | BadLine]]:
        number = 0
        while True:
            number += 1
            yield number, f"user{number}@example.com"

    async def discover(address: str) -> DiscoveryResult:
        await asyncio.sleep(0.001)
        return DiscoveryResult(address=address, domain="example.com")

    written: list[str] = []

    def write(text: str) -> None:
        if len(written) == 5:
            raise BrokenPipeError(32, "Broken pipe")
        written.append(text)

    with pytest.raises(BrokenPipeError):
        await asyncio.wait_for(run_batch(endless(), discover, write, concurrency=4), timeout=5)
    assert len(written) == 5


def test_broken_pipe_exits_quietly():
    """main() with a stdout that breaks mid-batch returns 141 (not 1) with nothing on stderr."""

    class Closing(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    err = io.StringIO()
    code = main(
        ["--batch", "-", "--offline"],
        stdout=Closing(),
        stderr=err,
        stdin=io.StringIO("someone@gmail.com\n" * 50),
    )
    assert code == 141
    assert err.getvalue() == ""


async def test_a_stray_cancellation_costs_one_line_not_the_batch():
    """A CancelledError not aimed at the batch is reported for that line; the rest go on."""

    async def discover(address: str) -> DiscoveryResult:
        if address.startswith("doomed@"):
            raise asyncio.CancelledError  # a bug below must not end the batch
        return DiscoveryResult(address=address, domain="example.com")

    written: list[str] = []
    summary = await run_batch(
        _lines(["a@example.com", "doomed@example.com", "b@example.com"]),
        discover,
        written.append,
    )
    rows = [json.loads(w) for w in written]
    assert [r["address"] for r in rows] == ["a@example.com", "doomed@example.com", "b@example.com"]
    assert rows[1]["error"] == "cancelled"
    assert (summary.not_found, summary.errors) == (2, 1)


async def test_the_summary_counts_only_lines_really_written():
    """When output breaks, the summary counts exactly the lines written, not those finished."""

    async def discover(address: str) -> DiscoveryResult:
        if address.startswith("slow"):
            await asyncio.sleep(0.05)  # the lines after it finish first and wait their turn
        return DiscoveryResult(address=address, domain="example.com")

    written: list[str] = []

    def write(text: str) -> None:
        if len(written) == 3:
            raise BrokenPipeError(32, "Broken pipe")
        written.append(text)

    addresses = [f"a{i}@example.com" for i in range(3)] + ["slow@example.com"]
    addresses += [f"b{i}@example.com" for i in range(20)]
    summary = BatchSummary()
    with pytest.raises(BrokenPipeError):
        await run_batch(_lines(addresses), discover, write, concurrency=8, summary=summary)
    assert len(written) == 3
    assert summary.done == 3
