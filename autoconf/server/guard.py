"""Who is calling, how often they may, and how much work runs at once.

- :func:`caller_of` — the caller a limit counts against: the API key's hash when keys are
  required, else the client's address (from ``X-Forwarded-For`` only past trusted proxies).
- :class:`RateLimiter` — the per-caller limit through the ``limits`` library: a moving window
  in Redis when the service has one (shared by every replica), in memory otherwise. Redis
  unreachable or slow: the replica counts in memory for the while, so it keeps answering.
- :class:`Shedder` — the overall bound: beyond it a request is refused at once (503).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from .config import ServerConfig, hash_key

__all__ = ["REDIS_PAUSE_S", "Caller", "Decision", "RateLimiter", "Shedder", "caller_of"]

log = logging.getLogger("autoconf.server")

# Seconds Redis is not asked about rate limits after it failed (each replica counts alone).
REDIS_PAUSE_S = 5.0


@dataclass(frozen=True, slots=True)
class Caller:
    """Whom a request is counted against: ``key:<hash prefix>`` or ``ip:<address>``."""

    id: str
    key_ok: bool  # False: keys are required and none (or an unknown one) was given


def caller_of(config: ServerConfig, client: str | None, headers: dict[str, str]) -> Caller:
    """The caller of a request with the client address ``client`` and ``headers`` (lower-case
    names). X-Forwarded-For is read from the right, skipping ``trusted_proxies`` hops."""
    if config.api_key_hashes:
        given = headers.get("x-api-key") or _bearer(headers.get("authorization", ""))
        digest = hash_key(given) if given else ""
        if digest in config.api_key_hashes:
            return Caller(id=f"key:{digest[:16]}", key_ok=True)
        return Caller(id=f"ip:{client or 'unknown'}", key_ok=False)
    address = client or "unknown"
    if config.trusted_proxies and "x-forwarded-for" in headers:
        hops = [h.strip() for h in headers["x-forwarded-for"].split(",") if h.strip()]
        # The last trusted_proxies entries were added by our own proxies; the one before them
        # is the client as the outermost trusted proxy saw it.
        if len(hops) >= config.trusted_proxies:
            address = hops[-config.trusted_proxies]
    return Caller(id=f"ip:{address}", key_ok=True)


def _bearer(value: str) -> str:
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@dataclass(frozen=True, slots=True)
class Decision:
    """One rate-limit verdict and the figures its headers carry."""

    allowed: bool
    limit: int
    remaining: int
    reset_after: int  # seconds until the window has room again

    def headers(self) -> dict[str, str]:
        figures = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_after),
        }
        if not self.allowed:
            figures["Retry-After"] = str(max(1, self.reset_after))
        return figures


class RateLimiter:
    """The per-caller rate limit; shared through Redis by every replica when it has one."""

    def __init__(self, config: ServerConfig) -> None:
        self.item: RateLimitItem = parse(config.rate_limit)
        self._timeout = config.redis_timeout
        self._local = MovingWindowRateLimiter(MemoryStorage())
        self._shared: MovingWindowRateLimiter | None = None
        self._skip_until = 0.0  # after a failure Redis is left alone for a while
        if config.redis_url is not None:
            storage = storage_from_string(
                "async+" + config.redis_url, key_prefix="mail-autoconf-limits"
            )
            assert isinstance(storage, Storage)  # an async+ URL gives an asyncio storage
            self._shared = MovingWindowRateLimiter(storage)

    async def hit(self, caller: str) -> Decision:
        """Counts one request of ``caller`` and says whether it may go on."""
        if self._shared is not None:
            try:
                async with asyncio.timeout(self._timeout):
                    return await self._decide(self._shared, caller)
            except Exception as exc:
                log.warning("rate limit storage unavailable, counting in memory: %s", exc)
        return await self._decide(self._local, caller)

    async def _decide(self, limiter: MovingWindowRateLimiter, caller: str) -> Decision:
        allowed = await limiter.hit(self.item, caller)
        stats = await limiter.get_window_stats(self.item, caller)
        reset = max(0, math.ceil(stats.reset_time - time.time()))
        return Decision(allowed, self.item.amount, stats.remaining, reset)


class Shedder:
    """At most ``limit`` requests in work at once; one more is refused, never queued."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.active = 0

    def enter(self) -> bool:
        if self.active >= self.limit:
            return False
        self.active += 1
        return True

    def leave(self) -> None:
        self.active -= 1
