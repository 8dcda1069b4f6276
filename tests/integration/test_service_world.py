"""The service as real processes: two replicas sharing one real redis-server, against the world.

Each replica is ``python -m autoconf serve`` under uvicorn, started and stopped by the suite;
the world's hosts live on loopback, so the replicas open its ranges with --allow-network (a
third process, without it, shows loopback refused). Each test sends its own X-Forwarded-For
(the replicas trust one proxy), so every test has rate limits of its own.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.unit.server.openapi import validate
from tests.world import WorldInfo
from tests.world.redisserver import RedisServer, redis_server_available
from tests.world.service import Replica, world_networks

pytestmark = pytest.mark.world

# A guard against a hang, not a claim about speed (see tests/world/client.py).
CLIENT_TIMEOUT = 60.0
RATE_LIMIT = 5  # per caller and minute, shared by both replicas through Redis
_callers = itertools.count(1)


class Service:
    """Redis, the two replicas and the strict one (no --allow-network) of this module."""

    def __init__(self, redis: RedisServer, a: Replica, b: Replica, strict: Replica) -> None:
        self.redis, self.a, self.b, self.strict = redis, a, b, strict
        self._openapi: dict[str, Any] | None = None

    def openapi(self) -> dict[str, Any]:
        if self._openapi is None:
            self._openapi = httpx.get(f"{self.a.url}/openapi.json", timeout=CLIENT_TIMEOUT).json()
        return self._openapi

    def get(self, replica: Replica, path: str, caller: str, **params: str) -> httpx.Response:
        """GET ``path`` on ``replica`` as ``caller``; the answer checked against the OpenAPI."""
        answer = httpx.get(
            f"{replica.url}{path}",
            params=params,
            headers={"X-Forwarded-For": caller},
            timeout=CLIENT_TIMEOUT,
        )
        validate(self.openapi(), answer)
        return answer


def new_caller() -> str:
    """A client address no other test uses (its own rate-limit window)."""
    return f"198.51.100.{next(_callers)}"


@pytest.fixture(scope="module")
def service(world: WorldInfo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """redis-server, two replicas sharing it, and a replica without --allow-network."""
    if not redis_server_available():
        pytest.fail("redis-server is missing; run scripts/install-world-deps")
    folder = tmp_path_factory.mktemp("service")
    redis = RedisServer()
    opened = [flag for net in world_networks(world) for flag in ("--allow-network", net)]
    # A generous Redis timeout: a loaded machine must not make a cache look-up give up.
    shared = ["--redis-url", redis.url, "--redis-timeout", "5", "--trusted-proxies", "1"]
    limit = ["--rate-limit", f"{RATE_LIMIT}/minute"]
    replicas = [
        Replica("replica-a", folder, world, *shared, *opened, *limit),
        Replica("replica-b", folder, world, *shared, *opened, *limit),
        Replica("strict", folder, world, "--trusted-proxies", "1"),
    ]
    try:
        for replica in replicas:
            replica.wait_ready()
        yield Service(redis, *replicas)
    finally:
        for replica in replicas:
            replica.stop()
        redis.stop()


def access_lines(world: WorldInfo) -> list[str]:
    """nginx's access log of the world: one line per HTTP request that reached it."""
    log = Path(world.state_dir) / "nginx" / "access.log"
    return log.read_text(errors="replace").splitlines() if log.exists() else []


def test_both_replicas_find_the_worlds_settings_with_redis_up(service: Service, world: WorldInfo):
    """Each replica answers a world address with verified settings; health sees Redis."""
    for replica in (service.a, service.b):
        health = service.get(replica, "/healthz", new_caller())
        assert health.json()["redis"] == "ok"
        answer = service.get(
            replica, "/v1/settings", new_caller(), address=world.address("autoconfig")
        )
        assert answer.status_code == 200
        body = answer.json()
        assert body["recommendation"]["verdict"] == "verified"
        assert body["domain"] == world.scenarios["autoconfig"].domain


def test_a_domain_found_through_one_replica_is_answered_by_the_other(
    service: Service, world: WorldInfo
):
    """The first replica's look-up reaches the world (nginx logs its requests); the second
    replica's look-up of the same address is answered from Redis: nginx logs nothing new."""
    address = world.address("ispdb")  # every request its look-up makes is the same for all
    before = len(access_lines(world))
    first = service.get(service.a, "/v1/settings", new_caller(), address=address)
    middle = len(access_lines(world))
    second = service.get(service.b, "/v1/settings", new_caller(), address=address)
    after = len(access_lines(world))
    assert (first.status_code, second.status_code) == (200, 200)
    assert middle > before  # the first look-up did ask the world
    assert after == middle, access_lines(world)[middle:]
    servers = [[(s["host"], s["port"]) for s in a.json()["incoming"]] for a in (first, second)]
    assert servers[0]
    assert servers[0] == servers[1]
    metrics = service.get(service.b, "/metrics", new_caller()).text
    assert 'autoconf_cache_total{kind="redis",outcome="hit"}' in metrics


def test_a_loopback_target_is_refused_without_allow_network(service: Service, world: WorldInfo):
    """Without --allow-network the world's loopback hosts are refused, and the result says
    so in data: fetches are attempts with status `blocked`, nothing is recommended."""
    answer = service.get(
        service.strict, "/v1/settings", new_caller(), address=world.address("autoconfig")
    )
    assert answer.status_code == 200  # nothing found is still an answer
    body = answer.json()
    statuses = {a["status"] for a in body["attempts"] if a["source"] == "autoconfig"}
    assert "blocked" in statuses
    assert body["recommendation"]["incoming"] is None


def test_the_rate_limit_is_shared_by_the_replicas_and_answers_429(service: Service):
    """Requests of one caller spread over both replicas count against one limit in Redis."""
    caller = new_caller()
    answers = [
        service.get(replica, "/v1/settings", caller, address="someone@gmail.com", mode="fast")
        for replica in [service.a, service.b] * RATE_LIMIT
    ]
    statuses = [a.status_code for a in answers]
    assert statuses[:RATE_LIMIT] == [200] * RATE_LIMIT
    assert set(statuses[RATE_LIMIT:]) == {429}
    refused = answers[-1]
    assert refused.json()["error"]["code"] == "rate-limited"
    assert int(refused.headers["retry-after"]) >= 1
    metrics = service.get(service.b, "/metrics", new_caller()).text
    assert "autoconf_rate_limited_total" in metrics


def test_check_and_export_answer_against_the_world(service: Service, world: WorldInfo):
    """/v1/check is the domain report; /v1/export the client's file as text, no password."""
    scenario = world.scenarios["autoconfig"]
    check = service.get(service.a, "/v1/check", new_caller(), domain=scenario.domain)
    assert check.status_code == 200
    assert check.json()["domain"] == scenario.domain
    exported = service.get(
        service.b, "/v1/export", new_caller(), address=scenario.address, format="msmtp"
    )
    assert exported.status_code == 200
    assert f"host {scenario.outgoing.host}" in exported.text  # type: ignore[union-attr]
    assert world.password not in exported.text


def test_with_redis_stopped_both_replicas_keep_answering(service: Service, world: WorldInfo):
    """Redis stopped mid-run (first frozen, then gone): both replicas still answer within
    the deadline they were given (the cache skipped, rate limits counted in each replica),
    and health says Redis is unreachable. Last in this module: Redis stays down."""

    def answers(replica: Replica) -> None:
        answer = service.get(
            replica,
            "/v1/settings",
            new_caller(),
            address=world.address("well-known"),
            timeout="20",
        )
        assert answer.status_code == 200
        assert answer.json()["recommendation"]["verdict"] == "verified"

    service.redis.pause()  # SIGSTOP: connections accepted, nothing answered
    try:
        for replica in (service.a, service.b):
            answers(replica)
    finally:
        service.redis.resume()
    service.redis.stop()  # gone: connections refused
    for replica in (service.a, service.b):
        answers(replica)
        assert service.get(replica, "/healthz", new_caller()).json()["redis"] == "unreachable"


def test_serve_validates_dnssec_from_a_trust_anchor_file(
    world: WorldInfo, tmp_path_factory: pytest.TempPathFactory
):
    """``serve --dnssec validate --trust-anchor FILE``: the JSON of the signed scenarios has
    "dnssec" on the SRV attempts (secure, or bogus and unused), and DANE on verifications."""
    assert world.trust_anchor is not None
    opened = [flag for net in world_networks(world) for flag in ("--allow-network", net)]
    dnssec = ["--dnssec", "validate", "--trust-anchor", str(world.trust_anchor)]
    replica = Replica("dnssec", tmp_path_factory.mktemp("dnssec"), world, *opened, *dnssec)
    try:
        replica.wait_ready()
        schema = httpx.get(f"{replica.url}/openapi.json", timeout=CLIENT_TIMEOUT).json()

        def settings(scenario: str, verify: str) -> dict[str, Any]:
            answer = httpx.get(
                f"{replica.url}/v1/settings",
                params={"address": world.address(scenario), "verify": verify},
                timeout=CLIENT_TIMEOUT,
            )
            validate(schema, answer)
            assert answer.status_code == 200
            return dict(answer.json())

        def srv_statuses(body: dict[str, Any]) -> set[str | None]:
            return {a["dnssec"] for a in body["attempts"] if a["source"] == "srv"}

        assert srv_statuses(settings("dnssec-srv", "false")) == {"secure"}
        bogus = settings("dnssec-bogus", "false")
        assert "bogus" in srv_statuses(bogus)
        assert not [s for s in bogus["incoming"] + bogus["outgoing"] if "srv" in s["sources"]]
        dane = settings("dane", "true")
        assert srv_statuses(dane) == {"secure"}
        imap = next(s for s in dane["incoming"] if s["host"] == f"imap.{world.domains['dane']}")
        assert imap["verification"]["dane"] == "verified"
    finally:
        replica.stop()
