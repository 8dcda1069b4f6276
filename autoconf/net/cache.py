"""A small TTL cache with in-flight de-duplication, owned by one Session, and the one
process-wide cache: DNS answers shared by every Session of the process (:data:`SHARED_ANSWERS`)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

__all__ = ["SHARED_ANSWERS", "SharedAnswers", "TTLCache"]

T = TypeVar("T")


def _clean_copy(exc: Exception) -> Exception:
    """The same error, without the traceback (and so without the frames it would keep)."""
    try:
        # Built without calling __init__, so keyword-only fields (``kind``) need not be in args.
        fresh = type(exc).__new__(type(exc), *exc.args)
        fresh.args = exc.args  # OSError.__new__ leaves args to an overridden __init__
        fresh.__dict__.update(exc.__dict__)
    except Exception:  # an exception type that cannot be rebuilt this way
        fresh = RuntimeError(str(exc))
    fresh.__traceback__ = fresh.__context__ = fresh.__cause__ = None
    return fresh


class _Abandoned(Exception):  # internal signal between the waiters of one key
    """The fetch a waiter relied on was cancelled with its caller."""


class TTLCache:
    """Remember results for their time to live; concurrent askers of one key share one call.

    Failures are remembered for ``negative_ttl`` seconds (so a batch does not hammer a dead
    host), successes for the TTL the caller returns with them.
    """

    def __init__(self, *, max_entries: int = 10_000, negative_ttl: float = 30.0) -> None:
        self._entries: dict[Hashable, tuple[float, bool, Any]] = {}
        self._inflight: dict[Hashable, asyncio.Future[Any]] = {}
        self._max = max_entries
        self._negative_ttl = negative_ttl
        self.hits = 0
        self.misses = 0

    async def get_or_fetch(
        self, key: Hashable, fetch: Callable[[], Awaitable[tuple[T, float]]]
    ) -> T:
        """Return the cached value for ``key`` or await ``fetch()`` → (value, ttl seconds)."""
        while True:
            found, value = self._fresh(key)
            if found:
                return value  # type: ignore[no-any-return]
            waiting = self._inflight.get(key)
            if waiting is None:
                break
            self.hits += 1
            try:
                return await asyncio.shield(waiting)
            except _Abandoned:
                continue  # whoever started it was cancelled: fetch it ourselves
        self.misses += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            value, ttl = await fetch()
        except asyncio.CancelledError:
            # The starter's deadline passed; the others waiting for this key must not be
            # cancelled with it (their deadlines are their own): they fetch again.
            future.set_exception(_Abandoned())
            future.exception()
            raise
        except Exception as exc:
            # What is remembered or handed to waiters is a copy without a traceback: the
            # frames of a traceback would keep whole discoveries (and sockets) alive.
            if not isinstance(exc, TimeoutError):  # a timeout says little about the next try
                self._store(key, False, _clean_copy(exc), self._negative_ttl)
            future.set_exception(_clean_copy(exc))
            future.exception()  # mark retrieved: waiters re-raise it themselves
            raise
        else:
            self._store(key, True, value, ttl)
            future.set_result(value)
            return value
        finally:
            self._inflight.pop(key, None)

    def _fresh(self, key: Hashable) -> tuple[bool, Any]:
        """(True, value) for an unexpired entry; raises a remembered error; else (False, None)."""
        entry = self._entries.get(key)
        if entry is None:
            return False, None
        expires, ok, value = entry
        if expires <= time.monotonic():
            del self._entries[key]
            return False, None
        self.hits += 1
        if ok:
            return True, value
        raise _clean_copy(value)

    def _store(self, key: Hashable, ok: bool, value: Any, ttl: float) -> None:
        if ttl <= 0:
            return
        if len(self._entries) >= self._max:
            # Drop the entry closest to expiry; good enough for a bounded batch cache.
            oldest = min(self._entries, key=lambda k: self._entries[k][0])
            del self._entries[oldest]
        self._entries[key] = (time.monotonic() + ttl, ok, value)

    def __len__(self) -> int:
        return len(self._entries)


class SharedAnswers:
    """Values by key until their TTL, shared by every Session of the process; thread-safe.

    The one cache that outlives a Session (an exception to "no module-level caches"): DNS
    answers are public and carry their own lifetime, and short-lived sessions (each
    ``discover()`` without a Session, a server's requests) would otherwise ask the same
    questions again. Only answers go in, never errors; in-flight de-duplication stays per
    Session (:class:`TTLCache`), since a waiter must be on the asker's event loop.
    """

    def __init__(self, *, max_entries: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._entries: dict[Hashable, tuple[float, Any]] = {}
        self._max = max_entries

    def get(self, key: Hashable) -> tuple[bool, Any]:
        """(True, value) while ``key`` is fresh, else (False, None)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return False, None
            if entry[0] <= time.monotonic():
                del self._entries[key]
                return False, None
            return True, entry[1]

    def put(self, key: Hashable, value: Any, ttl: float) -> None:
        if ttl <= 0:
            return
        with self._lock:
            if len(self._entries) >= self._max:
                now = time.monotonic()
                self._entries = {k: e for k, e in self._entries.items() if e[0] > now}
                if len(self._entries) >= self._max:
                    self._entries.clear()
            self._entries[key] = (time.monotonic() + ttl, value)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


SHARED_ANSWERS = SharedAnswers()
