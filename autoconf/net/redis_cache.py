"""A cache shared by many processes on Redis or Valkey (redis-py's asyncio client).

``Session(cache=RedisCache("redis://cache.internal:6379/0", prefix="mail"))`` lets the workers
of a deployment (Celery, Django, several servers) share what a Session caches that is the same
for every address: DNS answers for their TTL, documents fetched without the address (ISPDB, a
provider's autoconfig file, PACC), NXDOMAIN and NODATA answers. What names the address (an
autoconfig URL with ``?emailaddress=``, an Autodiscover request) and what a probe found (which
depends on the session's certificates and credentials) stay in the process.

Redis is a help, never a dependency: every command has a short timeout (``timeout``, 0.1 s by
default, no retries); one failure opens a circuit breaker for ``pause`` seconds, during which
Redis is not asked at all and the Session works from its own cache. :meth:`RedisCache.status`
says which, for a health check. One discovery asks many questions at once (an address for every
host it found), so each event loop keeps at most ``max_connections`` connections and a command
waits for a free one within its timeout; a command that found none in time is a miss but no
failure (busy is not broken: a pool that refused outright at its limit opened the breaker
under load, and Redis then saved nothing). Only a command that Redis failed to answer in time
opens the breaker.

Stored values are JSON (never pickle: another program may write the same keys), at most
``max_value_bytes`` long, under ``<prefix>:v<FORMAT>:<kind>:<sha256 of the key>``; a value that
is not what this version writes is ignored. Importing this module needs the ``redis`` extra
(``pip install 'mail-autoconf[redis]'``); ``import autoconf`` never imports it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from ..errors import OptionsError

try:
    import redis.asyncio as aioredis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff
    from redis.exceptions import RedisError
except ImportError as exc:  # pragma: no cover - the extra is installed in every test run
    raise ImportError("RedisCache needs redis-py: pip install 'mail-autoconf[redis]'") from exc

__all__ = ["FORMAT", "RedisCache"]

FORMAT = 1  # the layout of stored values; another layout is another key
T = TypeVar("T")

# Releases a lock only if it is still ours (it may have expired and been taken by another).
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class RedisCache:
    """A :class:`~autoconf.net.cache.SharedCache` on Redis/Valkey; see the module."""

    def __init__(
        self,
        url: str = "redis://localhost:6379/0",
        *,
        prefix: str = "autoconf",
        timeout: float = 0.1,
        pause: float = 10.0,
        max_value_bytes: int = 2 * 1024 * 1024,
        max_connections: int = 32,
    ) -> None:
        if not isinstance(prefix, str) or not prefix or any(c.isspace() for c in prefix):
            raise OptionsError("RedisCache prefix must be a non-empty string without spaces")
        if not 0 < timeout <= 5 or not 0 <= pause <= 3600 or max_value_bytes < 1024:
            raise OptionsError(
                "RedisCache needs 0 < timeout <= 5 s, 0 <= pause <= 3600 s, max_value_bytes >= 1024"
            )
        if not isinstance(max_connections, int) or not 1 <= max_connections <= 10_000:
            raise OptionsError("RedisCache max_connections must be from 1 to 10000")
        try:
            aioredis.ConnectionPool.from_url(url)  # checks the URL; connects to nothing
        except (ValueError, TypeError) as exc:
            raise OptionsError(f"RedisCache: not a Redis URL: {url!r} ({exc})") from exc
        self.url = url
        self.prefix = prefix
        self.timeout = timeout
        self.pause = pause
        self.max_value_bytes = max_value_bytes
        self.max_connections = max_connections
        # A client is bound to the event loop that made its connections: one per loop.
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aioredis.Redis] = (
            weakref.WeakKeyDictionary()
        )
        self._users: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, int] = (
            weakref.WeakKeyDictionary()
        )  # open Sessions per loop (attach, detach)
        # The connections a loop may use at once: a command waits here, never in the pool.
        self._slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )
        self._tokens: dict[str, str] = {}  # the locks this object holds: key -> token
        self._open_until = 0.0  # monotonic time until which Redis is not asked
        self.failures = 0
        self.busy = 0  # commands given up for want of a free connection (not failures)
        self.last_error: str | None = None
        self.hits = 0
        self.misses = 0

    # -- the SharedCache interface --------------------------------------------------------

    async def get(self, key: str) -> tuple[Any, float] | None:
        full = self._key(key)
        raw = await self._call(lambda r: r.getrange(full, 0, self.max_value_bytes))
        found = self._decode(raw)
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found

    async def put(self, key: str, value: Any, ttl: float) -> None:
        if ttl <= 0:
            return
        try:
            data = json.dumps(
                {"v": FORMAT, "until": time.time() + ttl, "ttl": ttl, "data": value},
                separators=(",", ":"),
                ensure_ascii=False,
                allow_nan=False,
            ).encode()
        except (TypeError, ValueError):
            return
        if len(data) > self.max_value_bytes:
            return
        full = self._key(key)
        await self._call(lambda r: r.set(full, data, px=max(int(ttl * 1000), 1)))

    async def claim(self, key: str, ttl: float) -> bool:
        full = self._key(key) + ":lock"
        token = secrets.token_hex(8)
        ms = max(int(ttl * 1000), 1)
        got = await self._call(lambda r: r.set(full, token, nx=True, px=ms), failed=True)
        if got:
            self._tokens[full] = token
        return bool(got)

    async def release(self, key: str) -> None:
        full = self._key(key) + ":lock"
        token = self._tokens.pop(full, None)
        if token is not None:
            await self._call(lambda r: r.eval(_RELEASE, 1, full, token))

    def attach(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # a Session built outside a loop: nothing to count yet
            return
        self._users[loop] = self._users.get(loop, 0) + 1

    async def detach(self) -> None:
        loop = asyncio.get_running_loop()
        users = self._users.get(loop, 0) - 1
        if users > 0:
            self._users[loop] = users
            return
        self._users.pop(loop, None)
        await self.aclose()

    # -- health ----------------------------------------------------------------------------

    @property
    def healthy(self) -> bool:
        """False while the breaker is open (Redis failed or was slow a moment ago)."""
        return time.monotonic() >= self._open_until

    def status(self) -> dict[str, Any]:
        """Plain data for a health check: ``state`` ("ok" or "bypassed"), failures so far,
        the last error, seconds until Redis is asked again, hits, misses, and ``busy`` (commands
        given up for want of a free connection)."""
        left = max(self._open_until - time.monotonic(), 0.0)
        return {
            "state": "ok" if left == 0 else "bypassed",
            "failures": self.failures,
            "last_error": self.last_error,
            "retry_in_s": round(left, 3),
            "hits": self.hits,
            "misses": self.misses,
            "busy": self.busy,
        }

    async def aclose(self) -> None:
        """Close the running event loop's connections (a Session closes them itself when it
        is the last one open on the loop; they are made again when needed)."""
        client = self._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()

    # -- internals -------------------------------------------------------------------------

    def _key(self, key: str) -> str:
        kind, _, rest = key.partition(":")
        digest = hashlib.sha256(rest.encode("utf-8", "surrogatepass")).hexdigest()
        return f"{self.prefix}:v{FORMAT}:{kind}:{digest}"

    def _decode(self, raw: Any) -> tuple[Any, float] | None:
        if not isinstance(raw, bytes) or not raw or len(raw) > self.max_value_bytes:
            return None  # absent, or longer than we keep (GETRANGE read one byte too many)
        try:
            stored = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError):
            return None
        if not isinstance(stored, dict) or stored.get("v") != FORMAT:
            return None
        until, ttl = stored.get("until"), stored.get("ttl")
        if not isinstance(until, int | float) or not isinstance(ttl, int | float):
            return None
        left = min(float(until) - time.time(), float(ttl))  # a clock ahead never lengthens it
        if not left > 0 or "data" not in stored:
            return None
        return stored["data"], left

    def _client(self) -> aioredis.Redis:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            # Blocking: past max_connections a command waits for a connection (within the
            # command's timeout, _call) instead of failing at once.
            pool = aioredis.BlockingConnectionPool.from_url(
                self.url,
                max_connections=self.max_connections,
                timeout=None,
                socket_connect_timeout=self.timeout,
                socket_timeout=self.timeout,
                retry=Retry(NoBackoff(), 0),
                health_check_interval=0,
            )
            client = aioredis.Redis.from_pool(pool)
            self._clients[loop] = client
        return client

    async def _call(
        self, command: Callable[[aioredis.Redis], Awaitable[T]], *, failed: Any = None
    ) -> T | Any:
        """``command`` within the timeout (waiting for a free connection included), or
        ``failed``: the breaker opens when Redis failed or was late, not when every connection
        was in use."""
        if not self.healthy:
            return failed
        slots = self._slots_of_loop()
        sent = False
        try:
            async with asyncio.timeout(self.timeout):
                async with slots:
                    if not self.healthy:  # it opened while this command waited
                        return failed
                    sent = True
                    return await command(self._client())
        except (RedisError, OSError, TimeoutError) as exc:
            if not sent:
                self.busy += 1
                return failed
            self.failures += 1
            self.last_error = f"{type(exc).__name__}: {exc}"[:200]
            self._open_until = time.monotonic() + self.pause
            return failed

    def _slots_of_loop(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        slots = self._slots.get(loop)
        if slots is None:
            slots = self._slots[loop] = asyncio.Semaphore(self.max_connections)
        return slots
