"""Discoveries in many sessions share what they learn through a real redis-server.

The world's nginx access log counts the requests: the ISPDB path names the domain, so its
lines are the fetches of that domain's ISPDB answer.
"""

from __future__ import annotations

import asyncio
import threading
import uuid

import pytest
import redis

from autoconf import DiscoveryResult, RedisCache, Session
from autoconf.net.cache import SHARED_ANSWERS
from tests.integration.test_discovery import world_options
from tests.world import WorldInfo
from tests.world.redisserver import RedisServer

pytestmark = pytest.mark.world

SCENARIO = "ispdb"  # published in the world's ISPDB only


def ispdb_fetches(world: WorldInfo, domain: str) -> int:
    log = world.state_dir / "nginx" / "access.log"
    return sum(f"/v1.1/{domain} " in line for line in log.read_text(errors="replace").splitlines())


async def discover_in_session(
    world: WorldInfo, cache: RedisCache, scenario: str = SCENARIO
) -> DiscoveryResult:
    """One discovery in a new Session (which closes the cache's connections of this loop)."""
    async with Session(world_options(world, deadline=20.0), cache=cache) as session:
        return await session.discover(world.address(scenario))


def first_servers(result: DiscoveryResult) -> list[tuple[str, int]]:
    return [(s.host, s.port) for s in (*result.incoming, *result.outgoing)]


async def test_a_second_session_asks_redis_not_the_world(
    world: WorldInfo, redis_server: RedisServer
):
    domain = world.scenarios[SCENARIO].domain
    prefix = f"two-{uuid.uuid4().hex}"
    before = ispdb_fetches(world, domain)
    first = await discover_in_session(world, RedisCache(redis_server.url, prefix=prefix))
    assert ispdb_fetches(world, domain) == before + 1
    SHARED_ANSWERS.clear()  # as in another process: only Redis knows the answers
    cache = RedisCache(redis_server.url, prefix=prefix)
    second = await discover_in_session(world, cache)
    assert ispdb_fetches(world, domain) == before + 1
    assert first_servers(second) == first_servers(first)
    assert first_servers(second)
    assert cache.hits > 0
    assert cache.healthy
    keys = [k.decode() for k in redis.Redis.from_url(redis_server.url).keys(f"{prefix}:*")]
    assert any(":dns-" in k for k in keys)
    assert any(":doc:" in k for k in keys)


async def test_nothing_personal_goes_to_redis(world: WorldInfo, redis_server: RedisServer):
    prefix = f"private-{uuid.uuid4().hex}"
    for scenario in ("autoconfig", "autodiscover", SCENARIO):
        cache = RedisCache(redis_server.url, prefix=prefix)
        result = await discover_in_session(world, cache, scenario)
        assert result.found, scenario
    store = redis.Redis.from_url(redis_server.url)
    values = [store.get(k) or b"" for k in store.keys(f"{prefix}:*")]
    assert values
    for scenario in ("autoconfig", "autodiscover", SCENARIO):
        address = world.address(scenario).encode()
        assert not [v for v in values if address.lower() in v.lower()], scenario
    assert not [v for v in values if f"{world.user}@".encode() in v]


def test_ten_sessions_at_once_fetch_a_new_domain_once(world: WorldInfo, redis_server: RedisServer):
    """Ten sessions, each on its own event loop with its own caches (as ten workers)."""
    domain = world.scenarios[SCENARIO].domain
    prefix = f"ten-{uuid.uuid4().hex}"
    before = ispdb_fetches(world, domain)
    results: list[DiscoveryResult] = []
    start = threading.Barrier(10)

    def worker() -> None:
        async def main() -> None:
            start.wait()
            # A generous timeout: ten event loops share two busy cores.
            cache = RedisCache(redis_server.url, prefix=prefix, timeout=2.0)
            results.append(await discover_in_session(world, cache))

        asyncio.run(main())

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(results) == 10
    assert all(first_servers(r) == first_servers(results[0]) for r in results)
    assert first_servers(results[0])
    assert ispdb_fetches(world, domain) == before + 1


async def test_redis_stopped_then_dead_mid_test(world: WorldInfo, redis_server: RedisServer):
    """Slow (SIGSTOP), then down (terminated): discoveries answer within their deadline."""
    cache = RedisCache(redis_server.url, prefix=f"stop-{uuid.uuid4().hex}", pause=60)
    await cache.put("test:warm", 1, 30)  # connected while it answered
    redis_server.pause()
    try:
        slow = await asyncio.wait_for(discover_in_session(world, cache), 60)
    finally:
        redis_server.resume()
    assert slow.found
    assert cache.status()["state"] == "bypassed"
    redis_server.stop()
    SHARED_ANSWERS.clear()
    dead_cache = RedisCache(redis_server.url, prefix="dead", pause=60)
    down = await asyncio.wait_for(discover_in_session(world, dead_cache), 60)
    assert first_servers(down) == first_servers(slow)
    assert not dead_cache.healthy
    assert dead_cache.status()["failures"] >= 1
