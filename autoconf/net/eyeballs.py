"""Happy Eyeballs (RFC 8305 §5): a host's addresses tried in a staggered race.

The first address is tried at once; the next one starts after :data:`CONNECTION_ATTEMPT_DELAY`
(or as soon as every running attempt has failed) while the earlier ones keep trying. The first
attempt to connect wins; the others are cancelled, and one that connected anyway is closed.
The whole race has one limit (the connect phase, cut short by the deadline).

Written here rather than taken from asyncio: ``loop.create_connection(host, port,
happy_eyeballs_delay=..., interleave=...)`` races the addresses *it* resolves through
``getaddrinfo``, which would bypass the session's resolver (``--nameserver``) and the address
policy applied to each address; given one IP literal it has nothing to race. The addresses
come from :func:`~autoconf.net.addresses.pick_addresses` (families interleaved, RFC 8305 §4),
already filtered by that policy, and HTTP fetches and mail probes share this one race.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

__all__ = ["CONNECTION_ATTEMPT_DELAY", "AllAttemptsFailed", "race"]

# RFC 8305 §5: "a recommended value for a default delay is 250 milliseconds".
CONNECTION_ATTEMPT_DELAY = 0.25

T = TypeVar("T")


class AllAttemptsFailed(Exception):
    """No address connected: each attempt's error, in the order the attempts ended.

    An attempt still running when the limit passed has a :class:`TimeoutError`; an address
    never tried (no time was left to start it) is not listed.
    """

    def __init__(self, failures: list[tuple[str, BaseException]]) -> None:
        super().__init__("; ".join(f"{address}: {error!r}" for address, error in failures))
        self.failures = failures


async def race(
    addresses: Sequence[str],
    attempt: Callable[[str], Awaitable[T]],
    discard: Callable[[T], Awaitable[None]],
    *,
    limit: float,
    delay: float = CONNECTION_ATTEMPT_DELAY,
) -> tuple[str, T]:
    """The first address whose ``attempt`` succeeds within ``limit`` seconds, and its result.

    ``discard`` closes a connection that lost the race. Raises :class:`AllAttemptsFailed`.
    """
    if len(addresses) == 1:  # nothing to race: the one attempt runs in this task
        return await _alone(addresses[0], attempt, limit)
    return await _Race(addresses, attempt, discard, delay).run(limit)


async def _alone(
    address: str, attempt: Callable[[str], Awaitable[T]], limit: float
) -> tuple[str, T]:
    try:
        async with asyncio.timeout(max(limit, 0.0)):
            return address, await attempt(address)
    except Exception as error:  # the limit's TimeoutError too
        raise AllAttemptsFailed([(address, error)]) from error


class _Race(Generic[T]):
    def __init__(
        self,
        addresses: Sequence[str],
        attempt: Callable[[str], Awaitable[T]],
        discard: Callable[[T], Awaitable[None]],
        delay: float,
    ) -> None:
        self._waiting = list(addresses)
        self._attempt = attempt
        self._discard = discard
        self._delay = delay
        self._running: dict[asyncio.Task[T], str] = {}
        self._failures: list[tuple[str, BaseException]] = []
        self._loop = asyncio.get_running_loop()
        self._next_start = self._loop.time()

    async def run(self, limit: float) -> tuple[str, T]:
        ends_at = self._loop.time() + limit
        try:
            while self._waiting or self._running:
                self._start_due()
                wait = ends_at - self._loop.time()
                if wait <= 0:
                    break
                if self._waiting:
                    wait = min(wait, max(0.0, self._next_start - self._loop.time()))
                done, _ = await asyncio.wait(
                    self._running, timeout=wait, return_when=asyncio.FIRST_COMPLETED
                )
                winner = await self._settle(done)
                if winner is not None:
                    return winner
        finally:
            await self._cancel_running()
        raise AllAttemptsFailed(self._failures)

    def _start_due(self) -> None:
        """Start the next address when its delay is up, or at once when nothing is running."""
        if self._waiting and (not self._running or self._loop.time() >= self._next_start):
            address = self._waiting.pop(0)
            self._running[asyncio.ensure_future(self._attempt(address))] = address
            self._next_start = self._loop.time() + self._delay

    async def _settle(self, done: set[asyncio.Task[T]]) -> tuple[str, T] | None:
        """The first success among ``done`` (any other success is discarded); failures noted."""
        winner: tuple[str, T] | None = None
        for task in done:
            address = self._running.pop(task)
            error = task.exception()
            if error is not None:
                self._failures.append((address, error))
            elif winner is None:
                winner = (address, task.result())
            else:
                await self._discard(task.result())
        if winner is None and not self._running:
            self._next_start = self._loop.time()  # §5: a failure starts the next one at once
        return winner

    async def _cancel_running(self) -> None:
        """Cancel the attempts still running; close one that connected before it noticed."""
        running, self._running = self._running, {}
        for task in running:
            task.cancel()
        if running:
            await asyncio.wait(running)
        for task, address in running.items():
            late = TimeoutError(f"{address}: no connection in time")
            error = late if task.cancelled() else task.exception()
            if error is None:
                await self._discard(task.result())
            else:
                self._failures.append((address, error))
