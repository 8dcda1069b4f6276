"""The cache shared by many processes (autoconf.RedisCache) against a real redis-server.

Without the world: values round-trip, hostile values are ignored, ten askers on ten event
loops make one fetch, a stopped or dead Redis is bypassed (the breaker opens).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any

import pytest
import redis

from autoconf import OptionsError, RedisCache, Session, SharedCache
from autoconf.errors import FetchError, FetchFailure
from autoconf.net.cache import Codec, through_shared
from autoconf.net.http import FetchResult
from autoconf.net.redis_cache import FORMAT
from autoconf.sources._fetch import DOCUMENTS
from tests.world.redisserver import RedisServer

PLAIN: Codec[Any] = Codec("test", encode=lambda v: v, decode=lambda p: p)


def raw(server: RedisServer) -> redis.Redis:
    return redis.Redis.from_url(server.url)


def counted(value: Any, ttl: float = 60.0, delay: float = 0.0) -> tuple[Any, list[int]]:
    calls: list[int] = []

    async def fetch() -> tuple[Any, float]:
        calls.append(1)
        await asyncio.sleep(delay)
        return value, ttl

    return fetch, calls


async def test_a_value_round_trips_as_json(redis_server: RedisServer):
    cache = RedisCache(redis_server.url, prefix="rt", timeout=2.0)
    assert isinstance(cache, SharedCache)
    await cache.put("test:k", {"a": [1, "b"]}, 30)
    found = await cache.get("test:k")
    assert found is not None
    assert found[0] == {"a": [1, "b"]}
    assert 0 < found[1] <= 30
    keys = [k.decode() for k in raw(redis_server).keys("*")]
    assert len(keys) == 1
    assert keys[0].startswith(f"rt:v{FORMAT}:test:")
    assert json.loads(raw(redis_server).get(keys[0]))["data"] == {"a": [1, "b"]}
    await cache.aclose()


async def test_a_document_is_fetched_once_then_read_back(redis_server: RedisServer):
    cache = RedisCache(redis_server.url, prefix="doc", timeout=2.0)
    doc = FetchResult(
        url="https://x.test/a", status=200, body=b"\x00<x/>\xff", content_type="text/xml"
    )
    fetch, calls = counted(doc)
    first = await through_shared(cache, "k", DOCUMENTS, fetch, 5.0)()
    second = await through_shared(cache, "k", DOCUMENTS, fetch, 5.0)()
    assert first[0] == second[0] == doc
    assert len(calls) == 1
    await cache.aclose()


async def test_a_404_is_shared_as_a_failure(redis_server: RedisServer):
    cache = RedisCache(redis_server.url, prefix="neg", timeout=2.0)
    calls: list[int] = []

    async def missing() -> tuple[FetchResult, float]:
        calls.append(1)
        raise FetchError("https://x.test/a: HTTP 404", kind=FetchFailure.HTTP_STATUS, status=404)

    for _ in range(2):
        with pytest.raises(FetchError) as caught:
            await through_shared(cache, "k", DOCUMENTS, missing, 5.0)()
        assert caught.value.status == 404
    assert len(calls) == 1
    await cache.aclose()


@pytest.mark.parametrize(
    "stored",
    [
        b"\x80garbage",
        b"[]",
        b'{"v": 999, "until": 9e99, "ttl": 60, "data": 1}',
        b'{"v": 1, "until": "soon", "ttl": 60, "data": 1}',
        b'{"v": 1, "until": 9e99, "ttl": 60}',
        b'{"v": 1, "until": 9e99, "ttl": 60, "data": {"url": 5}}',
        b'{"v": 1, "until": 9e99, "ttl": 60, "data": {"missing": 500, "message": "", "url": ""}}',
        b'{"v": 1, "until": 9e99, "ttl": 60, "data": "' + b"A" * (3 * 1024 * 1024) + b'"}',
        b"[" * 100_000,
    ],
    ids=[
        "garbage",
        "not-object",
        "wrong-version",
        "bad-until",
        "no-data",
        "bad-document",
        "bad-failure",
        "huge",
        "deep",
    ],
)
async def test_hostile_values_are_ignored(redis_server: RedisServer, stored: bytes):
    cache = RedisCache(redis_server.url, prefix="bad", timeout=2.0)
    doc = FetchResult(url="https://x.test/", status=200, body=b"ok", content_type="text/xml")
    key = cache._key("doc:k")  # where this version would look
    raw(redis_server).set(key, stored)
    fetch, calls = counted(doc)
    value, _ = await through_shared(cache, "k", DOCUMENTS, fetch, 5.0)()
    assert value == doc
    assert calls == [1]
    assert cache.healthy
    await cache.aclose()


def test_ten_event_loops_asking_at_once_make_one_fetch(redis_server: RedisServer):
    """Ten askers with caches of their own (as ten processes would be) share one fetch."""
    calls: list[int] = []
    results: list[Any] = []
    start = threading.Barrier(10)

    def worker() -> None:
        async def fetch() -> tuple[Any, float]:
            calls.append(1)
            await asyncio.sleep(0.5)  # long enough for the others to ask meanwhile
            return {"answer": 42}, 60.0

        async def main() -> None:
            cache = RedisCache(redis_server.url, prefix="ten", timeout=2.0)
            start.wait()
            results.append(await through_shared(cache, "k", PLAIN, fetch, 30.0)())
            await cache.aclose()

        asyncio.run(main())

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert [r[0] for r in results] == [{"answer": 42}] * 10
    assert len(calls) == 1


async def test_a_stopped_redis_is_bypassed_and_the_breaker_opens(redis_server: RedisServer):
    cache = RedisCache(redis_server.url, prefix="slow", timeout=0.1, pause=60)
    await cache.put("test:warm", 1, 30)  # connected while it answered
    redis_server.pause()
    fetch, calls = counted("fresh")
    try:
        value, _ = await asyncio.wait_for(through_shared(cache, "k", PLAIN, fetch, 5.0)(), 20)
    finally:
        redis_server.resume()
    assert value == "fresh"
    assert calls == [1]
    assert not cache.healthy
    status = cache.status()
    assert status["state"] == "bypassed"
    assert status["failures"] >= 1
    assert "Timeout" in status["last_error"]
    # While the breaker is open Redis is not asked at all, even now that it answers.
    value, _ = await through_shared(cache, "k", PLAIN, fetch, 5.0)()
    assert calls == [1, 1]
    assert cache.status()["failures"] == status["failures"]
    await cache.aclose()


async def test_a_dead_redis_is_bypassed_then_asked_again(redis_server: RedisServer):
    cache = RedisCache(redis_server.url, prefix="dead", timeout=0.1, pause=0.2)
    redis_server.stop()
    fetch, calls = counted("fresh")
    value, _ = await through_shared(cache, "k", PLAIN, fetch, 5.0)()
    assert value == "fresh"
    assert not cache.healthy
    first = cache.status()["failures"]
    await asyncio.sleep(0.3)  # the pause has passed: Redis is asked again, and fails again
    assert cache.healthy
    await through_shared(cache, "k", PLAIN, fetch, 5.0)()
    assert cache.status()["failures"] > first
    assert calls == [1, 1]
    await cache.aclose()


def test_bad_arguments_are_refused_clearly():
    with pytest.raises(OptionsError):
        RedisCache("not a url")
    with pytest.raises(OptionsError):
        RedisCache(prefix="has space")
    with pytest.raises(OptionsError):
        RedisCache(timeout=0)
    with pytest.raises(OptionsError):
        RedisCache(max_connections=0)
    with pytest.raises(OptionsError):
        Session(cache="redis://localhost")  # type: ignore[arg-type]


def test_import_autoconf_does_not_import_redis():
    import subprocess
    import sys

    code = "import sys, autoconf; autoconf.Session(); print('redis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_clock_ahead_never_lengthens_a_value(redis_server: RedisServer):
    cache = RedisCache(redis_server.url, prefix="clock", timeout=2.0)
    stored = {"v": FORMAT, "until": time.time() + 10_000, "ttl": 5, "data": 1}
    raw(redis_server).set(cache._key("test:k"), json.dumps(stored))

    async def main() -> Any:
        found = await cache.get("test:k")
        await cache.aclose()
        return found

    found = asyncio.run(main())
    assert found is not None
    assert found[1] <= 5


async def test_the_last_session_on_a_loop_closes_its_connections(redis_server: RedisServer):
    cache = RedisCache(redis_server.url, prefix="users", timeout=2.0)
    first, second = Session(cache=cache), Session(cache=cache)
    first.network()
    second.network()
    await cache.put("test:k", 1, 30)
    await first.aclose()
    assert await cache.get("test:k") is not None  # the other session still uses them
    assert len(cache._clients) == 1
    await second.aclose()
    assert len(cache._clients) == 0
    await cache.put("test:k", 2, 30)  # made again when needed
    assert (await cache.get("test:k") or (None,))[0] == 2
    await cache.aclose()


async def test_more_commands_at_once_than_connections_wait_for_one(redis_server: RedisServer):
    """A discovery asks many questions at once: past max_connections a command waits for a
    free connection within its timeout; the breaker stays closed and every value is read."""
    cache = RedisCache(redis_server.url, prefix="many", timeout=5.0, max_connections=4)
    await asyncio.gather(*(cache.put(f"test:{i}", i, 30) for i in range(300)))
    found = await asyncio.gather(*(cache.get(f"test:{i}") for i in range(300)))
    assert [f[0] if f else None for f in found] == list(range(300))
    assert cache.status()["failures"] == 0
    assert cache.healthy
    assert raw(redis_server).info("clients")["connected_clients"] <= 1 + 4  # ours and raw()
    await cache.aclose()


async def test_waiting_for_a_connection_is_not_a_redis_failure(redis_server: RedisServer):
    """One connection, Redis frozen: the command on it fails (the breaker opens); the four
    waiting for it are misses counted as busy, not four more failures."""
    cache = RedisCache(redis_server.url, prefix="busy", timeout=0.5, max_connections=1, pause=60)
    await cache.put("test:warm", 1, 30)  # connected while it answered
    redis_server.pause()
    try:
        found = await asyncio.wait_for(
            asyncio.gather(*(cache.get(f"test:{i}") for i in range(5))), 20
        )
    finally:
        redis_server.resume()
    assert found == [None] * 5
    status = cache.status()
    assert status["failures"] == 1
    assert status["busy"] <= 4  # given up waiting, or let go when the breaker opened
    assert status["state"] == "bypassed"
    await cache.aclose()


async def test_a_lock_that_expires_under_a_slow_holder_lets_the_waiter_fetch(
    redis_server: RedisServer,
):
    """The holder's lock (half of its short call) expires while it still fetches: a waiter
    then takes the lock and fetches for itself, long before its own deadline, without waiting
    for the holder. The holder's late write is a valid value, and its release leaves alone
    the lock another process holds by then."""
    holder, waiter, third = (
        RedisCache(redis_server.url, prefix="late", timeout=2.0) for _ in range(3)
    )
    started, waiter_done, third_holds = asyncio.Event(), asyncio.Event(), asyncio.Event()
    fetched: list[str] = []

    async def slow() -> tuple[Any, float]:
        fetched.append("holder")
        started.set()
        await asyncio.wait_for(third_holds.wait(), 30)  # still fetching: the others go on
        return "late", 60.0

    async def quick() -> tuple[Any, float]:
        fetched.append("waiter")
        return "own", 60.0

    async def hold() -> Any:
        return await through_shared(holder, "k", PLAIN, slow, 0.4)()  # a lock of 0.2 s

    async def wait() -> Any:
        await started.wait()
        try:
            return await through_shared(waiter, "k", PLAIN, quick, 30.0)()
        finally:
            waiter_done.set()

    async def third_claims_once_the_waiter_is_done() -> tuple[Any, bool]:
        await waiter_done.wait()
        # The waiter took the expired lock and shared its answer (a waiter that gave up on
        # a live lock would fetch without sharing).
        shared = await third.get("test:k")
        claimed = await third.claim("test:k", 30.0)
        third_holds.set()
        return shared, claimed

    late, own, (shared, claimed) = await asyncio.wait_for(
        asyncio.gather(hold(), wait(), third_claims_once_the_waiter_is_done()), 60
    )
    assert own == ("own", 60.0)
    assert shared is not None
    assert shared[0] == "own"
    assert late == ("late", 60.0)
    assert fetched == ["holder", "waiter"]  # the waiter fetched while the holder still did
    assert claimed
    assert not await waiter.claim("test:k", 30.0)  # the holder's release left the third's lock
    stored = await waiter.get("test:k")
    assert stored is not None
    assert stored[0] in {"late", "own"}  # whichever wrote last: both are answers
    for cache in (holder, waiter, third):
        await cache.aclose()
