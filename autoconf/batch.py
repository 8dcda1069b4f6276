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
* A bad line costs only that line: it becomes ``{"address", "error", "message", "line"}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import IO, Any

from .address import parse_address
from .errors import InvalidAddress
from .models import DiscoveryResult

__all__ = ["MAX_LINE", "BatchSummary", "read_lines", "run_batch"]

MAX_LINE = 4096  # characters; a longer line is reported as invalid, not read into memory


@dataclass(slots=True)
class BatchSummary:
    """Running counts; complete when :func:`run_batch` returns, partial if it was cancelled."""

    found: int = 0
    not_found: int = 0
    invalid: int = 0
    errors: int = 0  # an unexpected failure while looking up one address

    @property
    def done(self) -> int:
        return self.found + self.not_found + self.invalid + self.errors

    def sentence(self) -> str:
        text = (
            f"{self.done} address{'es' if self.done != 1 else ''}: {self.found} found, "
            f"{self.not_found} not found, {self.invalid} invalid"
        )
        if self.errors:
            text += f", {self.errors} failed unexpectedly"
        return text


async def read_lines(
    stream: IO[Any], *, max_line: int = MAX_LINE, queue_size: int = 1024
) -> AsyncIterator[tuple[int, str | None]]:
    """(line number, text) for every line of ``stream``; text is None for an over-long line.

    Reads in a daemon thread so that waiting on a pipe or terminal never blocks the event
    loop and never holds up the exit on Ctrl-C. Bytes are decoded as UTF-8, bad bytes
    replaced (such a line then fails as an invalid address).
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[int, str | None] | None] = asyncio.Queue(queue_size)
    stop = threading.Event()
    failure: list[BaseException] = []

    def put(item: tuple[int, str | None] | None) -> None:
        asyncio.run_coroutine_threadsafe(queue.put(item), loop).result()

    def produce() -> None:
        try:
            for item in _lines(stream, max_line):
                if stop.is_set():
                    return
                put(item)
        except BaseException as exc:  # reported to the consumer, never printed by the thread
            failure.append(exc)
        # If the loop is gone, nobody is listening any more.
        with contextlib.suppress(BaseException):
            put(None)

    thread = threading.Thread(target=produce, name="autoconf-batch-input", daemon=True)
    thread.start()
    try:
        while True:
            item = await queue.get()
            if item is None:
                if failure:
                    raise failure[0]
                return
            yield item
    finally:
        stop.set()


def _lines(stream: IO[Any], max_line: int) -> Any:
    number = 0
    while True:
        raw = stream.readline(max_line + 1)
        if not raw:
            return
        number += 1
        text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
        if number == 1:
            text = text.lstrip("\ufeff")
        if len(raw) > max_line and not text.endswith("\n"):
            newline: Any = b"\n" if isinstance(raw, bytes) else "\n"
            while True:  # skip the rest of the over-long line without keeping it
                rest = stream.readline(max_line)
                if not rest or rest.endswith(newline):
                    break
            yield number, None
            continue
        yield number, text


def error_line(address: str, code: str, message: str, line: int) -> str:
    return json.dumps(
        {"address": address, "error": code, "message": message, "line": line},
        ensure_ascii=False,
    )


async def run_batch(
    lines: AsyncIterator[tuple[int, str | None]],
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
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    summary = summary if summary is not None else BatchSummary()
    window = window if window is not None else max(4 * concurrency, 64)
    slots = asyncio.Semaphore(max(window, concurrency))
    running = asyncio.Semaphore(concurrency)
    ready: dict[int, str] = {}
    next_out = 0
    tasks: set[asyncio.Task[None]] = set()
    reader = asyncio.current_task()
    write_failed: list[BaseException] = []

    def finish(index: int, text: str) -> None:
        nonlocal next_out
        ready[index] = text
        if write_failed:
            return
        while next_out in ready:
            try:
                write(ready.pop(next_out) + "\n")
            except BaseException as exc:
                # Output is gone (a closed pipe, a full disk): the whole batch must stop,
                # not just this address. The reader may be waiting for a slot: wake it.
                if asyncio.current_task() is reader or reader is None:
                    raise
                write_failed.append(exc)
                reader.cancel()
                return
            next_out += 1
            slots.release()
        if on_progress is not None:
            on_progress(summary)

    async def one(index: int, address: str, number: int) -> None:
        try:
            async with running:
                result = await discover(address)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is None or task.cancelling():
                raise  # the batch itself is being stopped
            # Not meant for us (a bug below): it costs this line, not the batch.
            summary.errors += 1
            message = "the look-up was cancelled from outside; try this address again"
            finish(index, error_line(address, "cancelled", message, number))
            return
        except InvalidAddress as exc:  # the pipeline is stricter than parse_address alone
            summary.invalid += 1
            finish(index, error_line(address, "invalid-address", exc.reason, number))
            return
        except Exception as exc:  # one address's failure must not cost the batch
            summary.errors += 1
            finish(
                index, error_line(address, "internal-error", f"{type(exc).__name__}: {exc}", number)
            )
            return
        if result.found:
            summary.found += 1
        else:
            summary.not_found += 1
        finish(index, json.dumps(result.model_dump(mode="json"), ensure_ascii=False))

    index = 0
    try:
        async for number, text in lines:
            if text is not None:
                text = text.strip()
                if not text or text.startswith("#"):
                    continue
            await slots.acquire()
            if text is None:
                summary.invalid += 1
                finish(
                    index,
                    error_line(
                        "",
                        "invalid-address",
                        f"the line is longer than {MAX_LINE} characters",
                        number,
                    ),
                )
            else:
                try:
                    parse_address(text)
                except InvalidAddress as exc:
                    summary.invalid += 1
                    finish(index, error_line(text, "invalid-address", exc.reason, number))
                else:
                    task = asyncio.create_task(one(index, text, number))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
            index += 1
        if tasks:
            await asyncio.gather(*tasks)
    except asyncio.CancelledError:
        if not write_failed or reader is None:
            raise
        reader.uncancel()
        raise write_failed[0] from None
    finally:
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
    return summary
