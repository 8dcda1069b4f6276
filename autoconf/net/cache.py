"""A small TTL cache with in-flight de-duplication, owned by one Session; the one
process-wide cache: DNS answers shared by every Session of the process (:data:`SHARED_ANSWERS`);
and the interface of a cache shared by many processes (:class:`SharedCache`, e.g.
:class:`~autoconf.net.redis_cache.RedisCache`), which a Session's caches put in front of.

The layers, nearest first: the Session's :class:`TTLCache` (a hit costs nothing, and askers in
the process share one call), then the shared cache (:func:`through_shared`: a hit costs one
round trip; a miss claims a short lock so that many processes asking for one new name make one
request), then the network. What goes into a shared cache is plain data (JSON) made by a
:class:`Codec`, never pickled objects: another program may have written what is read back.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

__all__ = [
    "DNS_ENTRIES",
    "DOCUMENT_BYTES",
    "DOCUMENT_ENTRIES",
    "PROBE_ENTRIES",
    "SHARED_ANSWERS",
    "Codec",
    "RecentDict",
    "SharedAnswers",
    "SharedCache",
    "TTLCache",
    "clean_copy",
    "through_shared",
]

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def clean_copy(exc: Exception) -> Exception:
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


# The bounds of the caches: a long batch (one Session, any number of addresses) holds at most
# this much, however long it runs; a cache that is full forgets its least recently used entry.
# About 0.7 KiB per DNS answer (its records, the key, the entry), a few KiB per document.
DNS_ENTRIES = 4096  # a Session's DNS answers; as many again shared by the process
DOCUMENT_ENTRIES = 1024  # a Session's fetched documents (ISPDB, autoconfig, ...)
DOCUMENT_BYTES = 8 * 1024 * 1024  # their bodies together (one may be up to 1 MiB)
PROBE_ENTRIES = 1024  # a Session's verifications by endpoint
SWEEP_S = 30.0  # how often entries past their time are dropped (a read drops one at once)


class _Entries:
    """Values by key until they expire; at most ``max_entries`` of them (and ``max_weight``
    of their weights), the least recently used dropped first, expired ones every SWEEP_S."""

    def __init__(self, max_entries: int, max_weight: int | None = None) -> None:
        self._items: OrderedDict[Hashable, tuple[float, int, Any]] = OrderedDict()
        self._max = max(1, max_entries)
        self._max_weight = max_weight
        self._weight = 0
        self._next_sweep = time.monotonic() + SWEEP_S

    def get(self, key: Hashable, now: float) -> tuple[bool, Any]:
        entry = self._items.get(key)
        if entry is None:
            return False, None
        if entry[0] <= now:
            self._drop(key)
            return False, None
        self._items.move_to_end(key)
        return True, entry[2]

    def put(self, key: Hashable, value: Any, expires: float, now: float, weight: int = 0) -> None:
        self._drop(key)
        if now >= self._next_sweep:
            for old in [k for k, e in self._items.items() if e[0] <= now]:
                self._drop(old)
            self._next_sweep = now + SWEEP_S
        if self._max_weight is not None and weight > self._max_weight:
            return  # larger than the whole cache: not kept
        while self._items and (
            len(self._items) >= self._max
            or (self._max_weight is not None and self._weight + weight > self._max_weight)
        ):
            self._drop(next(iter(self._items)))
        self._items[key] = (expires, weight, value)
        self._weight += weight

    def _drop(self, key: Hashable) -> None:
        entry = self._items.pop(key, None)
        if entry is not None:
            self._weight -= entry[1]

    def clear(self) -> None:
        self._items.clear()
        self._weight = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def weight(self) -> int:
        return self._weight


class RecentDict(OrderedDict[K, V]):
    """A dict that keeps the ``limit`` most recently set keys; the oldest go first."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = max(1, limit)

    def __setitem__(self, key: K, value: V) -> None:
        if key in self:
            self.move_to_end(key)
        super().__setitem__(key, value)
        while len(self) > self.limit:
            self.popitem(last=False)


class TTLCache:
    """Remember results for their time to live; concurrent askers of one key share one call.

    Failures are remembered for ``negative_ttl`` seconds (so a batch does not hammer a dead
    host), successes for the TTL the caller returns with them. Bounded: at most
    ``max_entries`` results (and, with ``weigh``, ``max_weight`` of their weight), the least
    recently used forgotten first; expired ones are dropped as they are met and every SWEEP_S.
    """

    def __init__(
        self,
        *,
        max_entries: int = 10_000,
        negative_ttl: float = 30.0,
        max_weight: int | None = None,
        weigh: Callable[[Any], int] | None = None,
    ) -> None:
        self._entries = _Entries(max_entries, max_weight)
        self._weigh = weigh
        self._inflight: dict[Hashable, asyncio.Future[Any]] = {}
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
                self._store(key, False, clean_copy(exc), self._negative_ttl)
            future.set_exception(clean_copy(exc))
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
        found, entry = self._entries.get(key, time.monotonic())
        if not found:
            return False, None
        self.hits += 1
        ok, value = entry
        if ok:
            return True, value
        raise clean_copy(value)

    def _store(self, key: Hashable, ok: bool, value: Any, ttl: float) -> None:
        if ttl <= 0:
            return
        now = time.monotonic()
        weight = self._weigh(value) if ok and self._weigh is not None else 0
        self._entries.put(key, (ok, value), now + ttl, now, weight)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def weight(self) -> int:
        """The weight of what is kept (``weigh`` of each value; 0 without ``weigh``)."""
        return self._entries.weight


class SharedAnswers:
    """Values by key until their TTL, shared by every Session of the process; thread-safe.

    The one cache that outlives a Session (an exception to "no module-level caches"): DNS
    answers are public and carry their own lifetime, and short-lived sessions (each
    ``discover()`` without a Session, a server's requests) would otherwise ask the same
    questions again. Only answers go in, never errors; in-flight de-duplication stays per
    Session (:class:`TTLCache`), since a waiter must be on the asker's event loop. At most
    ``max_entries``, the least recently used forgotten first.
    """

    def __init__(self, *, max_entries: int = DNS_ENTRIES) -> None:
        self._lock = threading.Lock()
        self._entries = _Entries(max_entries)

    def get(self, key: Hashable) -> tuple[bool, Any]:
        """(True, value) while ``key`` is fresh, else (False, None)."""
        with self._lock:
            return self._entries.get(key, time.monotonic())

    def put(self, key: Hashable, value: Any, ttl: float) -> None:
        if ttl <= 0:
            return
        with self._lock:
            now = time.monotonic()
            self._entries.put(key, value, now + ttl, now)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


SHARED_ANSWERS = SharedAnswers()


@runtime_checkable
class SharedCache(Protocol):
    """A cache many processes share (:class:`~autoconf.net.redis_cache.RedisCache`).

    Every method answers soon (a short timeout of its own) and never raises: a shared cache
    that is down or slow is a miss, and the caller fetches for itself.
    """

    async def get(self, key: str) -> tuple[Any, float] | None:
        """(plain data, seconds it stays fresh) for ``key``, or None."""
        ...

    async def put(self, key: str, value: Any, ttl: float) -> None:
        """Keep plain data (JSON types) under ``key`` for ``ttl`` seconds."""
        ...

    async def claim(self, key: str, ttl: float) -> bool:
        """Take the in-flight lock of ``key`` for at most ``ttl`` seconds: False only while
        another process holds it (True when the shared cache cannot be asked: nothing to wait
        for)."""
        ...

    async def release(self, key: str) -> None:
        """Give back a lock this process claimed (it expires by itself otherwise)."""
        ...

    def attach(self) -> None:
        """A Session on the running event loop starts using this cache."""
        ...

    async def detach(self) -> None:
        """That Session is closed: the last one on its loop closes the loop's connections."""
        ...


@dataclass(frozen=True, slots=True)
class Codec(Generic[T]):
    """How one kind of value goes to plain data and back; ``decode`` raises on what it does
    not accept (ValueError, TypeError, KeyError), and such a value is ignored."""

    kind: str  # part of the key: values of different kinds never meet
    encode: Callable[[T], Any]
    decode: Callable[[Any], T]  # may raise the failure ``failure`` wrote down, rebuilt
    # A failure as plain data, for a failure worth sharing (a lasting "nothing here");
    # None for any other, which stays in the process.
    failure: Callable[[Exception], Any] | None = None


NEGATIVE_TTL = 30.0  # seconds a shared failure is kept (as TTLCache keeps one)

LOCK_SHARE = 0.5  # the part of a call's remaining time its lock (and a waiter's wait) may take
LOCK_MAX_S = 10.0
_POLL_S = 0.05


def through_shared(
    shared: SharedCache | None,
    key: str,
    codec: Codec[T] | None,
    fetch: Callable[[], Awaitable[tuple[T, float]]],
    within: float,
) -> Callable[[], Awaitable[tuple[T, float]]]:
    """``fetch`` behind ``shared`` (itself without one, or without a ``codec``: a value kept in
    the process only): the shared answer if there is one;
    else the one process holding the lock fetches and shares, the others wait for its answer
    at most a part of ``within`` seconds (the time their call has left) and then fetch for
    themselves."""
    if shared is None or codec is None:
        return fetch
    full = f"{codec.kind}:{key}"
    hold = min(max(within * LOCK_SHARE, _POLL_S), LOCK_MAX_S)

    async def run() -> tuple[T, float]:
        found = await _load(shared, full, codec)
        if found is not None:
            return found
        until = time.monotonic() + hold
        while not await shared.claim(full, hold):
            if time.monotonic() >= until:
                return await fetch()  # the holder is late: no longer wait for it
            await asyncio.sleep(_POLL_S)
            found = await _load(shared, full, codec)
            if found is not None:
                return found
        try:
            return await _fetch_and_share(shared, full, codec, fetch)
        finally:
            await shared.release(full)

    return run


async def _fetch_and_share(
    shared: SharedCache,
    full: str,
    codec: Codec[T],
    fetch: Callable[[], Awaitable[tuple[T, float]]],
) -> tuple[T, float]:
    """With the lock held: fetch, and share what was found (or a failure worth sharing)."""
    # Another may have shared it between our first look and our claim (and let go).
    found = await _load(shared, full, codec)
    if found is not None:
        return found
    try:
        value, ttl = await fetch()
    except Exception as exc:
        plain = codec.failure(exc) if codec.failure is not None else None
        if plain is not None:
            await shared.put(full, plain, NEGATIVE_TTL)
        raise
    try:
        plain = codec.encode(value)
    except (ValueError, TypeError):  # a value this codec does not carry: kept locally
        return value, ttl
    await shared.put(full, plain, ttl)
    return value, ttl


async def _load(shared: SharedCache, key: str, codec: Codec[T]) -> tuple[T, float] | None:
    found = await shared.get(key)
    if found is None:
        return None
    try:
        return codec.decode(found[0]), found[1]
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None  # written by another version or another program: fetched again
