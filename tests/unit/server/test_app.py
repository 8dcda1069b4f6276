"""The service's app in process, without a network: offline look-ups from the bundled data."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest

from autoconf import discover
from autoconf.options import Options
from autoconf.server import ServerConfig, create_app
from tests.unit.server.openapi import validate

OFFLINE = Options(offline=True, block_private_addresses=True)

Client = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def client() -> Client:
    """Opens the app (its lifespan included) for one test, with its settings."""

    @asynccontextmanager
    async def open_app(**settings: Any) -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(ServerConfig(options=OFFLINE, **settings))
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://service") as http,
        ):
            yield http

    return open_app


async def openapi(http: httpx.AsyncClient) -> dict[str, Any]:
    answer = await http.get("/openapi.json")
    assert answer.status_code == 200
    return dict(answer.json())


async def test_settings_are_the_clis_json_with_the_rate_limit_headers(client: Client):
    """GET /v1/settings answers what --json prints, plus the caller's limit figures."""
    async with client(rate_limit="5/minute") as http:
        answer = await http.get("/v1/settings", params={"address": "joe@gmail.com"})
        validate(await openapi(http), answer)
    assert answer.status_code == 200
    expected = (await discover("joe@gmail.com", options=OFFLINE)).model_dump(mode="json")
    body = answer.json()
    assert set(body) == set(expected)
    assert (body["domain"], body["provider"]) == (expected["domain"], expected["provider"])
    assert body["incoming"] == expected["incoming"]
    assert answer.headers["x-ratelimit-limit"] == "5"
    assert answer.headers["x-ratelimit-remaining"] == "4"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"address": "joe"}, "invalid-address"),
        ({"address": "joe@@gmail.com"}, "invalid-address"),
        ({}, "invalid-address"),
        ({"address": "joe@gmail.com", "timeout": "soon"}, "invalid-parameter"),
        ({"address": "joe@gmail.com", "timeout": "-1"}, "invalid-parameter"),
        ({"address": "joe@gmail.com", "mode": "hasty"}, "invalid-parameter"),
        # Too short to ask anything: a 400, not a 503 "busy" from a deadline already past.
        ({"address": "joe@gmail.com", "timeout": "1e-300"}, "invalid-parameter"),
        ({"address": "joe@gmail.com", "timeout": "nan"}, "invalid-parameter"),
        ({"address": "joe@gmail.com", "timeout": "%00"}, "invalid-parameter"),
        # An IPv6 literal with a zone id, control characters, an over-long address.
        ({"address": "joe@[fe80::1%eth0]"}, "invalid-address"),
        ({"address": "joe@gmail.com\r\nX-Injected: 1"}, "invalid-address"),
        ({"address": "joe@gmail.com\x00"}, "invalid-address"),
        ({"address": "a" * 600 + "@gmail.com"}, "invalid-address"),
        ({"address": "a@" + ".".join(["b" * 63] * 4) + ".com"}, "invalid-address"),
        ({"address": "joe@gmail.com", "verify": "maybe"}, "invalid-parameter"),
    ],
)
async def test_a_bad_parameter_is_a_400_in_the_error_shape(
    client: Client, params: dict[str, str], code: str
):
    """Every bad parameter is a 400 {"error": {"code", "message"}}, never FastAPI's 422."""
    async with client() as http:
        answer = await http.get("/v1/settings", params=params)
        validate(await openapi(http), answer)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == code
    assert answer.json()["error"]["message"]


@pytest.mark.parametrize(
    ("path", "params", "code"),
    [
        ("/v1/check", {"domain": "fe80::1%eth0"}, "invalid-domain"),
        ("/v1/check", {"domain": "x" * 300}, "invalid-parameter"),
        ("/v1/check", {"domain": "\x00"}, "invalid-domain"),
        ("/v1/check", {"domain": "%C0%80.com"}, "invalid-domain"),
        ("/v1/check", {"domain": "example.com", "timeout": "0"}, "invalid-parameter"),
        (
            "/v1/export",
            {"address": "joe@gmail.com", "format": "../../etc/passwd"},
            "invalid-format",
        ),
        ("/v1/export", {"address": "joe@gmail.com", "format": "x" * 5000}, "invalid-format"),
        ("/v1/export", {"address": "joe@[::1%lo]", "format": "msmtp"}, "invalid-address"),
    ],
)
async def test_hostile_parameters_of_every_endpoint_are_400s_in_the_error_shape(
    client: Client, path: str, params: dict[str, str], code: str
):
    async with client() as http:
        answer = await http.get(path, params=params)
        validate(await openapi(http), answer)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == code


@pytest.mark.parametrize(
    ("path", "query", "code"),
    [
        ("/v1/settings", "address=%ff%fe@gmail.com", "invalid-parameter"),
        ("/v1/settings", "address=j%C3%B6e@gmail.com&mode=%C0%80", "invalid-parameter"),
        ("/v1/settings", "address=a@gmail.com&address=b@yahoo.com", "invalid-address"),
        ("/v1/check", "domain=example.com&domain=example.org", "invalid-parameter"),
        ("/v1/export", "address=a@gmail.com&format=msmtp&format=mbsync", "invalid-parameter"),
        (
            "/v1/settings",
            "address=a@gmail.com&" + "&".join(f"x{i}=1" for i in range(40)),
            "invalid-parameter",
        ),
    ],
)
async def test_a_query_that_is_not_one_utf8_value_per_parameter_is_a_400(
    client: Client, path: str, query: str, code: str
):
    """Bytes that are not UTF-8 (which would become U+FFFD) and a parameter given twice (of
    which only one would be used) are refused, never answered for another address."""
    async with client() as http:
        answer = await http.get(f"{path}?{query}")
        validate(await openapi(http), answer)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == code


async def test_a_utf8_address_percent_encoded_still_passes(client: Client):
    """The query check refuses only what is not UTF-8: an internationalised local part,
    percent-encoded as UTF-8, is looked up."""
    async with client() as http:
        answer = await http.get("/v1/settings?address=j%C3%B6e@gmail.com")
    assert answer.status_code == 200
    assert answer.json()["domain"] == "gmail.com"
    assert answer.json()["incoming"]


async def test_a_huge_timeout_is_capped_and_a_unicode_domain_is_looked_up_by_its_a_label(
    client: Client,
):
    async with client() as http:
        params = {"address": "joe@gmail.com", "timeout": "1e308"}
        huge = await http.get("/v1/settings", params=params)
        infinite = await http.get("/v1/settings", params={**params, "timeout": "inf"})
        idn = await http.get("/v1/settings", params={"address": "jöe@bücher.example"})
    assert (huge.status_code, infinite.status_code) == (200, 200)
    assert idn.status_code == 200
    assert idn.json()["domain"] == "xn--bcher-kva.example"


async def test_the_rate_limit_answers_429_with_retry_after(client: Client):
    """The third request in a minute under 2/minute is refused, saying when to come back."""
    async with client(rate_limit="2/minute") as http:
        answers = [await http.get("/healthz")]  # not counted: only /v1/ is limited
        for _ in range(3):
            answers.append(await http.get("/v1/settings", params={"address": "a@gmail.com"}))
        metrics = (await http.get("/metrics")).text
        validate(await openapi(http), answers[-1])
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.json()["error"]["code"] == "rate-limited"
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert "autoconf_rate_limited_total 1.0" in metrics


async def test_with_api_keys_a_request_needs_a_known_key_and_counts_per_key(client: Client):
    """Keys stored as hashes: none or a wrong one is 401; each key has its own limit."""
    hashes = frozenset(hashlib.sha256(k.encode()).hexdigest() for k in ("alpha", "beta"))
    async with client(api_key_hashes=hashes, rate_limit="1/minute") as http:
        query = {"address": "a@gmail.com"}
        none = await http.get("/v1/settings", params=query)
        wrong = await http.get("/v1/settings", params=query, headers={"X-API-Key": "gamma"})
        alpha = await http.get("/v1/settings", params=query, headers={"X-API-Key": "alpha"})
        again = await http.get(
            "/v1/settings", params=query, headers={"Authorization": "Bearer alpha"}
        )
        beta = await http.get("/v1/settings", params=query, headers={"X-API-Key": "beta"})
    assert [none.status_code, wrong.status_code] == [401, 401]
    assert [alpha.status_code, again.status_code, beta.status_code] == [200, 429, 200]


async def test_beyond_the_overall_bound_a_request_is_shed_with_503(client: Client):
    """With every place taken, a request is refused at once with 503 and Retry-After."""
    async with client(max_concurrent=1) as http:
        service = http._transport.app.state.service  # type: ignore[attr-defined]
        assert service.shedder.enter()  # one request in work
        shed = await http.get("/v1/settings", params={"address": "a@gmail.com"})
        service.shedder.leave()
        after = await http.get("/v1/settings", params={"address": "a@gmail.com"})
        metrics = (await http.get("/metrics")).text
    assert shed.status_code == 503
    assert shed.headers["retry-after"] == "1"
    assert shed.json()["error"]["code"] == "busy"
    assert after.status_code == 200
    assert "autoconf_shed_total 1.0" in metrics


async def test_health_says_whether_redis_answers(client: Client):
    """/healthz is 200 while the process lives; Redis is a field (unreachable here, quickly)."""
    async with client() as http:
        alone = (await http.get("/healthz")).json()
    async with client(redis_url="redis://127.0.0.1:1/0") as http:
        answer = await http.get("/healthz")
        validate(await openapi(http), answer)
    assert alone["redis"] == "not-configured"
    assert alone["cache"] is None
    assert answer.status_code == 200
    assert answer.json()["redis"] == "unreachable"
    assert answer.json()["cache"]["state"] in {"ok", "bypassed"}  # nothing asked it yet, or so


async def test_an_unreachable_redis_leaves_the_rate_limit_counting_in_memory(client: Client):
    """Redis down: the limit still holds, counted by this replica alone."""
    async with client(redis_url="redis://127.0.0.1:1/0", rate_limit="1/minute") as http:
        first = await http.get("/v1/settings", params={"address": "a@gmail.com"})
        second = await http.get("/v1/settings", params={"address": "a@gmail.com"})
    assert [first.status_code, second.status_code] == [200, 429]


async def test_export_and_check_answer_in_their_shapes(client: Client):
    """An unknown format is a 400; a known one is the file as text, without a password; a
    check of an address or a bad domain is a 400; each answer fits the OpenAPI document."""
    async with client() as http:
        spec = await openapi(http)
        answers = [
            await http.get("/v1/export", params={"address": "a@gmail.com", "format": "nope"}),
            await http.get("/v1/export", params={"address": "a@gmail.com", "format": "msmtp"}),
            await http.get("/v1/check", params={"domain": "a@gmail.com"}),
            await http.get("/v1/check", params={"domain": "-bad-.example"}),
        ]
        for answer in answers:
            validate(spec, answer)
    assert [a.status_code for a in answers] == [400, 200, 400, 400]
    assert answers[0].json()["error"]["code"] == "invalid-format"
    assert answers[1].headers["content-type"].startswith("text/plain")
    assert "host smtp.gmail.com" in answers[1].text
    assert not any(line.startswith("password") for line in answers[1].text.splitlines())
    assert [a.json()["error"]["code"] for a in answers[2:]] == ["invalid-domain"] * 2


async def test_metrics_count_requests_sources_and_caches(client: Client):
    """/metrics is Prometheus text with requests, latency, source outcomes and caches."""
    async with client() as http:
        await http.get("/v1/settings", params={"address": "a@gmail.com"})
        text = (await http.get("/metrics")).text
    assert 'autoconf_requests_total{endpoint="/v1/settings",status="200"} 1.0' in text
    assert 'autoconf_request_seconds_count{endpoint="/v1/settings"} 1.0' in text
    assert 'autoconf_source_outcomes_total{source="ispdb-bundled",status="ok"} 1.0' in text


async def test_the_access_log_is_json_with_local_parts_masked(
    client: Client, caplog: pytest.LogCaptureFixture
):
    """One JSON line per request; the address's local part never appears in it."""
    with caplog.at_level(logging.INFO, logger="autoconf.server.access"):
        async with client() as http:
            await http.get("/v1/settings", params={"address": "secret.person@gmail.com"})
    lines = [r.getMessage() for r in caplog.records if r.name == "autoconf.server.access"]
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert (entry["path"], entry["status"]) == ("/v1/settings", 200)
    assert "secret.person" not in lines[0]
    assert "***%40gmail.com" in entry["query"]
