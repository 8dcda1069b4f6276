"""``--batch FILE``: many addresses, one JSON line each, in input order (the mode around
:mod:`autoconf.cli.batch`, which runs them)."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ..options import Options
from .output import Streams, say
from .render.terminal import Terminal
from .signals import Interrupts, run
from .status import ExitCode, Usage

if TYPE_CHECKING:
    from ..models import DiscoveryResult
    from ..sources.base import Source
    from .batch import BatchSummary

__all__ = ["batch"]


def batch(
    args: argparse.Namespace,
    options: Options,
    streams: Streams,
    sources: Sequence[Source] | None,
    interrupts: Interrupts,
) -> int:
    """``--batch FILE``: one JSON line per address; 0 when every address was found, else 1
    (the rule of :func:`~autoconf.cli.status.lookup_status`, applied per line)."""
    from .batch import BatchSummary

    stream, close = _batch_input(args.batch, streams.inp)
    err_term = Terminal.of(streams.err, streams.env)
    show = err_term.tty and not args.quiet
    total = _count_lines(stream) if show and close else None
    summary = BatchSummary()
    try:
        job = _batch_async(
            stream,
            options,
            streams,
            err_term if show else None,
            total,
            args,
            summary,
            sources,
            interrupts,
        )
        run(job, interrupts)
    except (KeyboardInterrupt, asyncio.CancelledError) as exc:
        if isinstance(exc, asyncio.CancelledError) and interrupts.signum is None:
            raise
        lines = f"{summary.done} line{'s' if summary.done != 1 else ''}"
        say(streams.err, f"interrupted; {lines} written ({summary.counts()})")
        return interrupts.status
    finally:
        if close:
            stream.close()
    if not args.quiet:
        say(streams.err, summary.sentence())
    return ExitCode.FOUND if summary.not_found == 0 and summary.errors == 0 else ExitCode.NOT_FOUND


def _batch_input(name: str, inp: IO[Any]) -> tuple[IO[Any], bool]:
    """The stream of addresses (bytes where possible: decoded strictly line by line) and
    whether it is ours to close."""
    if name == "-":
        return getattr(inp, "buffer", inp), False
    if Path(name).is_dir():
        raise Usage(
            f"the batch file {name} is a folder, not a file of addresses; check the path "
            "(or give - to read addresses from stdin)"
        )
    try:
        return Path(name).open("rb"), True
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise Usage(
            f"cannot read the batch file {name}: {reason.lower()}; check the path "
            "(or give - to read addresses from stdin)"
        ) from exc


def _count_lines(stream: IO[bytes]) -> int | None:
    """Addresses in a regular file (for the progress bar); None when it cannot be counted."""
    try:
        start = stream.tell()
        count = 0
        for raw in iter(lambda: stream.read(1 << 20), b""):
            count += raw.count(b"\n")
        stream.seek(start)
        return count or None
    except (OSError, ValueError):
        return None


async def _batch_async(
    stream: IO[Any],
    options: Options,
    streams: Streams,
    progress_term: Terminal | None,
    total: int | None,
    args: argparse.Namespace,
    summary: BatchSummary,
    sources: Sequence[Source] | None,
    interrupts: Interrupts,
) -> None:
    from ..api import Session
    from .batch import WholeLines, read_lines, run_batch

    bar = None
    if progress_term is not None:
        from .render.progress import BatchProgress

        bar = BatchProgress(streams.err, progress_term, total)

    def progress(s: BatchSummary) -> None:
        if bar is not None:
            bar.update(s.done, s.found, s.not_found, s.invalid + s.errors)

    output = WholeLines(streams.out)

    def write(text: str) -> None:
        with interrupts.writing():
            output.write(text)

    try:
        async with Session(options) as session:

            async def discover(address: str) -> DiscoveryResult:
                return await session.discover(address, sources=sources)

            await run_batch(
                read_lines(stream),
                discover,
                write,
                concurrency=args.concurrency,
                summary=summary,
                on_progress=progress,
            )
    finally:
        if bar is not None:
            bar.close()
