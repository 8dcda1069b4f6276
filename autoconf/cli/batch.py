"""Batch discovery: many addresses in, JSON Lines out, in input order, in bounded memory.

Used by ``python -m autoconf --batch FILE``; also usable from Python::

    summary = BatchSummary()
    async with Session(options) as session:
        await run_batch(read_lines(stream), session.discover, out.write, summary=summary)

* Input is streamed: a reader thread feeds lines through a bounded queue, so a slow or endless
  stdin neither blocks the event loop nor fills memory.
* At most ``concurrency`` discoveries run at once; at most ``window`` addresses are in flight
  or waiting for their turn to be written, so one slow address holds back the output (and the
  reading) by no more than ``window`` lines.
* A bad line costs only that line: it becomes ``{"address", "error", "message", "line"}``;
  a line that is not UTF-8 is such a line, never repaired and looked up.
* Every line is written whole (see :class:`WholeLines`) and counted once written, so the
  summary after an interruption says exactly what the reader got.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import select
import stat
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import IO, Any

from ..address import parse_address, printable_address
from ..errors import InvalidAddress
from ..models import DiscoveryResult
from .inputs import person_address
from .render.terminal import escape_json
from .status import ExitCode, lookup_status

__all__ = [
    "MAX_LINE",
    "BadLine",
    "BatchSummary",
    "Outcome",
    "WholeLines",
    "read_lines",
    "run_batch",
]

MAX_LINE = 4096  # bytes (characters for a text stream); a longer line is reported, not read


@dataclass(slots=True)
class BatchSummary:
    """Counts of the lines really written; complete when :func:`run_batch` returns.

    A line counts only once its write returned, so after an interruption or a broken pipe
    :attr:`done` is exactly the number of lines the reader got.
    """

    found: int = 0
    not_found: int = 0
    invalid: int = 0
    errors: int = 0  # an unexpected failure while looking up one address

    @property
    def done(self) -> int:
        return self.found + self.not_found + self.invalid + self.errors

    def add(self, outcome: Outcome) -> None:
        if outcome is Outcome.FOUND:
            self.found += 1
        elif outcome is Outcome.NOT_FOUND:
            self.not_found += 1
        elif outcome is Outcome.INVALID:
            self.invalid += 1
        else:
            self.errors += 1

    def counts(self) -> str:
        text = f"{self.found} found, {self.not_found} not found, {self.invalid} invalid"
        if self.errors:
            text += f", {self.errors} failed unexpectedly"
        return text

    def sentence(self) -> str:
        return f"{self.done} address{'es' if self.done != 1 else ''}: {self.counts()}"


class Outcome(Enum):
    """What one output line says, for the counts of :class:`BatchSummary`."""

    FOUND = "found"
    NOT_FOUND = "not-found"
    INVALID = "invalid"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class BadLine:
    """An input line that cannot be an address: what can be shown of it, and why."""

    shown: str
    reason: str


class WholeLines:
    """Writes text to ``stream`` so that a line is never cut short.

    For a stream with a file descriptor (stdout on a pipe or a file) the text goes straight to
    the descriptor with :func:`os.write`, looping until every byte is out: a signal whose
    handler does not raise cannot cut it, and nothing is left in a buffer to lose at exit.
    Other streams (``StringIO`` in tests) get ``write`` and ``flush``. Always UTF-8.
    """

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._fd: int | None = None
        try:
            stream.flush()
            self._fd = stream.fileno()
        except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError
            self._fd = None

    def write(self, text: str) -> None:
        if self._fd is None:
            self._stream.write(text)
            self._stream.flush()
            return
        view = memoryview(text.encode("utf-8"))
        while view:
            view = view[os.write(self._fd, view) :]


async def read_lines(
    stream: IO[Any], *, max_line: int = MAX_LINE, queue_size: int = 1024
) -> AsyncIterator[tuple[int, str | BadLine]]:
    """(line number, text) for every line of ``stream``, or a :class:`BadLine` for a line
    that is too long or, from a byte stream, not valid UTF-8.

    Reads in a daemon thread so that waiting on a pipe or terminal never blocks the event
    loop and never holds up the exit on Ctrl-C. Bytes are decoded strictly: a line with a bad
    byte is reported, never repaired and looked up. Lines are handed to the loop in blocks of
    up to :data:`BLOCK` (one hand-off per block, not per line): a block ends early when the
    stream has nothing more ready, so a line typed at a terminal still arrives at once. At
    most about ``queue_size`` lines wait.
    """
    loop = asyncio.get_running_loop()
    size = min(BLOCK, max(1, queue_size // 4))
    # Waiting at most: the block being handed on, the queue's blocks, the block being read.
    queue: asyncio.Queue[list[tuple[int, str | BadLine]] | None] = asyncio.Queue(
        max(1, queue_size // size - 2)
    )
    stop = threading.Event()
    failure: list[BaseException] = []

    def put(item: list[tuple[int, str | BadLine]] | None) -> None:
        asyncio.run_coroutine_threadsafe(queue.put(item), loop).result()

    def produce() -> None:
        try:
            for block in _blocks(stream, max_line, size):
                if stop.is_set():
                    return
                put(block)
        except BaseException as exc:  # reported to the consumer, never printed by the thread
            failure.append(exc)
        # If the loop is gone, nobody is listening any more.
        with contextlib.suppress(BaseException):
            put(None)

    thread = threading.Thread(target=produce, name="autoconf-batch-input", daemon=True)
    thread.start()
    try:
        while True:
            block = await queue.get()
            if block is None:
                if failure:
                    raise failure[0]
                return
            for item in block:
                yield item
    finally:
        stop.set()


BLOCK = 64  # lines per hand-off from the reader thread to the loop, at most


def _blocks(stream: IO[Any], max_line: int, size: int) -> Iterator[list[tuple[int, str | BadLine]]]:
    """The lines of ``stream`` in blocks of ``size``, or fewer when no more is ready."""
    block: list[tuple[int, str | BadLine]] = []
    for item in _lines(stream, max_line):
        block.append(item)
        if len(block) >= size or not _more_ready(stream):
            yield block
            block = []
    if block:
        yield block


def _more_ready(stream: IO[Any]) -> bool:
    """Can the next line be read at once? Yes for a regular file or an in-memory stream; for
    a pipe or terminal only when its buffer or the descriptor already holds data."""
    buffered = getattr(stream, "buffer", stream)
    peek = getattr(buffered, "peek", None)
    try:
        fd = stream.fileno()
        if stat.S_ISREG(os.fstat(fd).st_mode):
            return True
        if peek is not None and peek(0):  # bytes already in Python's buffer
            return True
        return bool(select.select([fd], [], [], 0)[0])
    except (AttributeError, OSError, ValueError):  # no descriptor: in memory, never waits
        return True


def _lines(stream: IO[Any], max_line: int) -> Iterator[tuple[int, str | BadLine]]:
    number = 0
    while True:
        raw = stream.readline(max_line + 1)
        if not raw:
            return
        number += 1
        newline: Any = b"\n" if isinstance(raw, bytes) else "\n"
        if len(raw) > max_line and not raw.endswith(newline):
            while True:  # skip the rest of the over-long line without keeping it
                rest = stream.readline(max_line)
                if not rest or rest.endswith(newline):
                    break
            unit = "bytes" if isinstance(raw, bytes) else "characters"
            yield number, BadLine("", f"the line is longer than {max_line} {unit}")
            continue
        line = _decode(raw) if isinstance(raw, bytes) else raw
        if number == 1 and isinstance(line, str):
            line = line.lstrip("\ufeff")
        yield number, line


def _decode(raw: bytes) -> str | BadLine:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        shown = raw.decode("utf-8", "backslashreplace").strip()
        return BadLine(
            shown,
            f"the line is not valid UTF-8 text (byte 0x{raw[exc.start]:02x} at byte "
            f"{exc.start + 1})",
        )


def _error_line(address: str, code: str, message: str, line: int) -> str:
    return escape_json(
        json.dumps(
            {
                "address": printable_address(address),
                "error": code,
                "message": message,
                "line": line,
            },
            ensure_ascii=False,
        )
    )


async def run_batch(
    lines: AsyncIterator[tuple[int, str | BadLine]],
    discover: Callable[[str], Awaitable[DiscoveryResult]],
    write: Callable[[str], object],
    *,
    concurrency: int = 16,
    window: int | None = None,
    summary: BatchSummary | None = None,
    on_progress: Callable[[BatchSummary], None] | None = None,
) -> BatchSummary:
    """Discover every address of ``lines``; ``write`` one JSON line each, in input order.

    Blank lines and ``#`` comments are skipped. ``window`` (default: four times the
    concurrency, at least 64) bounds the addresses in flight or waiting to be written.
    ``summary`` counts only lines whose ``write`` returned.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    summary = summary if summary is not None else BatchSummary()
    window = window if window is not None else max(4 * concurrency, 64)
    batch = _Batch(discover, write, concurrency, window, summary, on_progress)
    await batch.run(lines)
    return summary


class _OrderedWriter:
    """Takes lines as they finish, in any order; writes them in input order."""

    def __init__(
        self,
        write: Callable[[str], object],
        summary: BatchSummary,
        on_written: Callable[[], None],
    ) -> None:
        self._write = write
        self._summary = summary
        self._on_written = on_written
        self._ready: dict[int, tuple[str, Outcome]] = {}
        self._next = 0

    def put(self, index: int, line: str, outcome: Outcome) -> None:
        """Keep line ``index``; write every line that is now next in order. A failed write
        raises, and the line it concerned is not counted."""
        self._ready[index] = (line, outcome)
        while self._next in self._ready:
            line, outcome = self._ready[self._next]
            self._write(line + "\n")
            del self._ready[self._next]
            self._summary.add(outcome)
            self._next += 1
            self._on_written()


class _Batch:
    """One run of :func:`run_batch`: the reading loop, the look-ups and the ordered output."""

    def __init__(
        self,
        discover: Callable[[str], Awaitable[DiscoveryResult]],
        write: Callable[[str], object],
        concurrency: int,
        window: int,
        summary: BatchSummary,
        on_progress: Callable[[BatchSummary], None] | None,
    ) -> None:
        self._discover = discover
        self._summary = summary
        self._on_progress = on_progress
        self._slots = asyncio.Semaphore(max(window, concurrency))
        self._running = asyncio.Semaphore(concurrency)
        self._writer = _OrderedWriter(write, summary, self._slots.release)
        self._tasks: set[asyncio.Task[None]] = set()
        self._reader = asyncio.current_task()
        self._write_failed: BaseException | None = None

    async def run(self, lines: AsyncIterator[tuple[int, str | BadLine]]) -> None:
        try:
            index = 0
            async for number, item in lines:
                if isinstance(item, str):
                    item = item.strip()
                    if not item or item.startswith("#"):
                        continue
                    item = person_address(item)  # mailto:, "Name <address>", quotes
                await self._slots.acquire()
                self._start(index, number, item)
                index += 1
            if self._tasks:
                await asyncio.gather(*self._tasks)
        except asyncio.CancelledError:
            if self._write_failed is None or self._reader is None:
                raise
            self._reader.uncancel()
            # The cancellation only delivered the write failure (which has its own cause).
            raise self._write_failed from None
        finally:
            for task in self._tasks:
                task.cancel()
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)

    def _start(self, index: int, number: int, item: str | BadLine) -> None:
        """Answer a bad line at once; start the look-up of a good one."""
        if isinstance(item, BadLine):
            self._finish(index, _error_line(item.shown, "invalid-address", item.reason, number))
            return
        try:
            parse_address(item)
        except InvalidAddress as exc:
            self._finish(index, _error_line(item, "invalid-address", exc.reason, number))
            return
        task = asyncio.create_task(self._one(index, item, number))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _one(self, index: int, address: str, number: int) -> None:
        try:
            async with self._running:
                result = await self._discover(address)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is None or task.cancelling():
                raise  # the batch itself is being stopped
            # Not meant for us (a bug below): it costs this line, not the batch.
            message = "the look-up was cancelled from outside; try this address again"
            self._finish(index, _error_line(address, "cancelled", message, number), Outcome.ERROR)
            return
        except InvalidAddress as exc:  # the pipeline is stricter than parse_address alone
            self._finish(index, _error_line(address, "invalid-address", exc.reason, number))
            return
        except Exception as exc:  # one address's failure must not cost the batch
            message = f"{type(exc).__name__}: {exc}"
            line = _error_line(address, "internal-error", message, number)
            self._finish(index, line, Outcome.ERROR)
            return
        found = lookup_status(result) is ExitCode.FOUND
        outcome = Outcome.FOUND if found else Outcome.NOT_FOUND
        line = escape_json(json.dumps(result.model_dump(mode="json"), ensure_ascii=False))
        self._finish(index, line, outcome)

    def _finish(self, index: int, line: str, outcome: Outcome = Outcome.INVALID) -> None:
        if self._write_failed is not None:
            return
        try:
            self._writer.put(index, line, outcome)
        except BaseException as exc:
            # Output is gone (a closed pipe, a full disk): the whole batch must stop, not
            # just this address. The reader may be waiting for a slot: wake it.
            if asyncio.current_task() is self._reader or self._reader is None:
                raise
            self._write_failed = exc
            self._reader.cancel()
            return
        if self._on_progress is not None:
            self._on_progress(self._summary)
