"""SIGINT and SIGTERM while the command line runs, and running its coroutines."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Coroutine, Iterator
from typing import Any, NoReturn, TypeVar

__all__ = ["Interrupts", "run"]


class Interrupts:
    """SIGINT and SIGTERM during :func:`main`: no output line cut, no traceback, and an exit
    status that names the signal (130 for SIGINT, 143 for SIGTERM).

    Outside the event loop a signal raises :class:`KeyboardInterrupt` (it must end a password
    prompt or a blocking read). While the loop runs, the first signal cancels the main task
    and a second one raises from a loop callback (asyncio then cancels every task). While a
    line is being written the signal only waits: its effect comes when the line is whole (see
    :meth:`writing`).
    """

    def __init__(self) -> None:
        self.signum: int | None = None
        self._count = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[Any] | None = None
        self._writing = 0
        self._pending = False
        self._previous: dict[int, Any] = {}

    @property
    def status(self) -> int:
        return 128 + (self.signum if self.signum is not None else signal.SIGINT)

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # signals go to the main thread only; the caller handles them there
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._previous[sig] = signal.signal(sig, self._handle)

    def restore(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
        self._previous.clear()

    def attach(self, loop: asyncio.AbstractEventLoop, task: asyncio.Task[Any] | None) -> None:
        self._loop, self._task = loop, task

    def detach(self) -> None:
        self._loop = self._task = None

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold back the effect of a signal until the enclosed write is complete."""
        self._writing += 1
        try:
            yield
        finally:
            self._writing -= 1
        if not self._writing and self._pending:
            self._pending = False
            self._act()

    def _handle(self, signum: int, frame: object) -> None:
        self._count += 1
        if self.signum is None:
            self.signum = signum
        if self._writing:
            self._pending = True
            return
        self._act()

    def _act(self) -> None:
        if self._task is None or self._loop is None:
            raise KeyboardInterrupt
        # In the loop, act between callbacks: never inside a write or the count that follows it.
        if self._count == 1:
            self._loop.call_soon_threadsafe(self._task.cancel)
        else:
            self._loop.call_soon_threadsafe(_raise_interrupt)


def _raise_interrupt() -> NoReturn:
    raise KeyboardInterrupt


_T = TypeVar("_T")


def run(coro: Coroutine[Any, Any, _T], interrupts: Interrupts) -> _T:
    """Run ``coro`` on a new loop (uvloop's when installed), also from inside a running loop
    (then on a private thread); a signal cancels the main task (see :class:`Interrupts`)."""

    async def main_task() -> _T:
        interrupts.attach(asyncio.get_running_loop(), asyncio.current_task())
        try:
            return await coro
        finally:
            interrupts.detach()

    from ..engine.runner import new_event_loop, run_sync

    return run_sync(main_task(), loop_factory=new_event_loop)
