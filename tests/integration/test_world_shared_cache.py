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

from autoconf import DiscoveryResult, DnssecMode, DnssecStatus, RedisCache, Session, SourceName
from autoconf.net.cache import SHARED_ANSWERS
from tests.integration.test_discovery import world_options
from tests.world import WorldInfo
from tests.world.dns import queries_answered
from tests.world.library import library_options
from tests.world.redisserver import RedisServer

pytestmark = pytest.mark.world

SCENARIO = "ispdb"  # published in the world's ISPDB only
# A generous Redis timeout where a test counts fetches: on a busy machine the default 0.1 s
# may pass, and the cache is then rightly bypassed (tested with a stopped Redis below).
PATIENT_S = 2.0
VALIDATE = DnssecMode.VALIDATE


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
    first = await discover_in_session(
        world, RedisCache(redis_server.url, prefix=prefix, timeout=PATIENT_S)
    )
    assert ispdb_fetches(world, domain) == before + 1
    SHARED_ANSWERS.clear()  # as in another process: only Redis knows the answers
    cache = RedisCache(redis_server.url, prefix=prefix, timeout=PATIENT_S)
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
        cache = RedisCache(redis_server.url, prefix=prefix, timeout=PATIENT_S)
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
            cache = RedisCache(redis_server.url, prefix=prefix, timeout=PATIENT_S)
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


async def _srv_statuses(
    world: WorldInfo, cache: RedisCache, scenario: str, mode: DnssecMode
) -> list[DnssecStatus | None]:
    """The DNSSEC statuses of the SRV attempts of one discovery in a new Session."""
    options = library_options(
        world,
        dnssec=mode,
        trust_anchors=world.trust_anchor,
        sources=frozenset({SourceName.SRV}),
        verify=False,
        deadline=20.0,
    )
    async with Session(options, cache=cache) as session:
        result = await session.discover(world.address(scenario))
    return sorted({a.dnssec for a in result.attempts if a.source is SourceName.SRV}, key=str)


@pytest.mark.parametrize(
    ("scenario", "status"),
    [
        ("dnssec-srv", DnssecStatus.SECURE),
        ("dnssec-bogus", DnssecStatus.BOGUS),
        ("srv", DnssecStatus.INSECURE),
    ],
)
async def test_dnssec_statuses_read_back_from_redis_are_the_ones_proven(
    world: WorldInfo, redis_server: RedisServer, scenario: str, status: DnssecStatus
):
    """Validated answers stored in Redis keep their status when another process (a new
    Session, the process's answers forgotten) reads them back instead of asking knot: secure
    stays secure, and a bogus or insecure answer is never read back as more."""
    prefix = f"dnssec-{uuid.uuid4().hex}"
    first = await _srv_statuses(
        world, RedisCache(redis_server.url, prefix=prefix, timeout=PATIENT_S), scenario, VALIDATE
    )
    assert first == [status]
    SHARED_ANSWERS.clear()
    asked = queries_answered(world.state_dir)
    cache = RedisCache(redis_server.url, prefix=prefix, timeout=PATIENT_S)
    second = await _srv_statuses(world, cache, scenario, VALIDATE)
    assert second == [status]
    assert cache.hits > 0
    assert queries_answered(world.state_dir) == asked  # all of it from Redis


async def test_plain_answers_in_redis_are_never_taken_as_validated(
    world: WorldInfo, redis_server: RedisServer
):
    """Answers stored by a session without DNSSEC (no status) are not what a validating one
    reads: it asks knot and proves them itself."""
    prefix = f"plain-{uuid.uuid4().hex}"
    plain = RedisCache(redis_server.url, prefix=prefix, timeout=PATIENT_S)
    assert await _srv_statuses(world, plain, "dnssec-bogus", DnssecMode.OFF) == [None]
    SHARED_ANSWERS.clear()
    asked = queries_answered(world.state_dir)
    cache = RedisCache(redis_server.url, prefix=prefix, timeout=PATIENT_S)
    judged = await _srv_statuses(world, cache, "dnssec-bogus", VALIDATE)
    assert judged == [DnssecStatus.BOGUS]
    assert queries_answered(world.state_dir) > asked
