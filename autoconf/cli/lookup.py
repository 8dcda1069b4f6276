"""One address: look it up (with live progress on a terminal) and print the answer as the
human view, ``--brief``, ``--json`` or a client's file (``--format``); and ``--schema``."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from io import StringIO
from typing import TYPE_CHECKING

from ..address import parse_address
from ..errors import InvalidAddress
from ..options import Options
from .inputs import person_address
from .output import Streams, json_text, say, write
from .render.terminal import Terminal, for_stream
from .signals import Interrupts, run
from .status import ExitCode, Usage, lookup_status

if TYPE_CHECKING:
    from ..models import DiscoveryResult
    from ..sources.base import Source
    from .render.progress import DiscoveryProgress

__all__ = ["lookup", "schema"]


def schema(streams: Streams, interrupts: Interrupts) -> int:
    """``--schema``: the JSON schema that ``--json`` output follows."""
    from ..models import DiscoveryResult, json_schema

    write(streams.out, interrupts, json_text(json_schema(DiscoveryResult), streams.out))
    return ExitCode.FOUND


def lookup(
    args: argparse.Namespace,
    options: Options,
    streams: Streams,
    sources: Sequence[Source] | None,
    interrupts: Interrupts,
) -> int:
    """Look up ``args.address`` and print the answer; the exit status of :func:`lookup_status`
    (or of ``--format``)."""
    address = _address(args.address, streams.prog)
    try:
        parse_address(address)  # before anything shows it: it may not even be text
        result = _discover_shown(address, args, options, streams, sources, interrupts)
    except InvalidAddress as exc:
        say(
            streams.err,
            f"{streams.prog}: {exc.reason} in '{exc.address}'; type the whole address, like "
            "name@example.com",
        )
        return ExitCode.USAGE
    if args.format is not None:
        from .export import write_export

        return write_export(result, args, streams, interrupts.writing)
    if args.json:
        text = json_text(result.model_dump(mode="json"), streams.out)
    else:
        from .render.human import render_result

        buffer = StringIO()
        render_result(
            result,
            buffer,
            Terminal.of(streams.out, streams.env),
            trace=args.trace,
            brief=args.brief,
            offline=options.offline,
            notes=() if args.quiet or args.brief else _notes(options),
        )
        text = for_stream(buffer.getvalue(), streams.out)
    write(streams.out, interrupts, text)
    return lookup_status(result, signed_in=options.credentials is not None)


def _address(typed: str, prog: str) -> str:
    """The address in what was typed (see :func:`person_address`); a bare domain is a usage
    error that points at ``--check``."""
    address = person_address(typed)
    if "@" not in address and "." in address and not any(c.isspace() for c in address):
        raise Usage(
            f"{address} is a domain, not an email address; type the whole address, like "
            f"name@{address} (or did you mean {prog} --check {address}?)"
        )
    return address


def _discover_shown(
    address: str,
    args: argparse.Namespace,
    options: Options,
    streams: Streams,
    sources: Sequence[Source] | None,
    interrupts: Interrupts,
) -> DiscoveryResult:
    """The discovery, with live progress on stderr when it is a terminal."""
    err_term = Terminal.of(streams.err, streams.env)
    progress: DiscoveryProgress | None = None
    if err_term.tty and not args.quiet:
        from .render.progress import DiscoveryProgress

        progress = DiscoveryProgress(streams.err, err_term, address)
    try:
        return run(_discover(address, options, progress, sources), interrupts)
    finally:
        if progress is not None:
            progress.close()


async def _discover(
    address: str,
    options: Options,
    progress: DiscoveryProgress | None,
    sources: Sequence[Source] | None,
) -> DiscoveryResult:
    from ..api import discover_events
    from ..events import DiscoveryFinished

    ticker: asyncio.Task[None] | None = None
    if progress is not None:
        ticker = asyncio.create_task(_tick(progress))
    try:
        async for event in discover_events(address, options=options, sources=sources):
            if progress is not None:
                progress.handle(event)
            if isinstance(event, DiscoveryFinished):
                return event.result
    finally:
        if ticker is not None:
            ticker.cancel()
        if progress is not None:
            progress.close()
    raise AssertionError("discover_events ended without a result")  # pragma: no cover


async def _tick(progress: DiscoveryProgress) -> None:
    """Redraw ten times a second, so spinners turn and times count up."""
    while True:
        await asyncio.sleep(0.1)
        progress.refresh()


def _notes(options: Options) -> list[str]:
    if options.offline:
        where = "the bundled provider database"
        if options.config_dir is not None:
            where = f"{options.config_dir} and {where}"
        return [f"Offline: only {where} was consulted, and no server was contacted."]
    if not options.verify:
        return ["The servers were not contacted to check them (--no-verify)."]
    return []
