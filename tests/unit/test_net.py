from __future__ import annotations

import asyncio
import ssl

import httpx
import pytest

from autoconf import (
    AttemptStatus,
    DeadlineExceeded,
    FetchError,
    Options,
    OptionsError,
    SourceName,
    TLSError,
    discover,
)
from autoconf.errors import FetchFailure
from autoconf.net.cache import TTLCache
from autoconf.net.http import HttpFetcher, _connect_error
from autoconf.net.psl import registrable_domain
from autoconf.options import Deadline, parse_nameserver, split_sources
from autoconf.sources.mx import mx_candidate_domains

DOC = b"""<clientConfig version="1.1"><emailProvider id="mock.example">
<domain>mock.example</domain>
<incomingServer type="imap"><hostname>imap.mock.example</hostname><port>993</port>
<socketType>SSL</socketType><username>%EMAILADDRESS%</username>
<authentication>password-cleartext</authentication></incomingServer>
<outgoingServer type="smtp"><hostname>smtp.mock.example</hostname><port>465</port>
<socketType>SSL</socketType><authentication>password-cleartext</authentication>
</outgoingServer></emailProvider></clientConfig>"""


def fetcher(handler) -> HttpFetcher:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return HttpFetcher(client, connect_timeout=1, tls_timeout=1, first_byte_timeout=1)


async def test_a_plain_get_returns_body_and_type():
    """A 200 answer gives its body, its content type and no redirects."""
    f = fetcher(lambda r: httpx.Response(200, content=DOC, headers={"content-type": "text/xml"}))
    result = await f.get("https://a.example/x", Deadline(5))
    assert (result.status, result.body, result.content_type) == (200, DOC, "text/xml")
    assert result.redirects == ()


async def test_size_cap_by_header_and_by_stream():
    """Bodies over the cap are refused whether or not Content-Length announces them."""
    big = b"x" * 2000
    f = fetcher(lambda r: httpx.Response(200, content=big))
    with pytest.raises(FetchError, match="limit"):
        await f.get("https://a.example/x", Deadline(5), max_bytes=1000)

    async def stream():
        for _ in range(4):
            yield b"y" * 500

    g = fetcher(lambda r: httpx.Response(200, content=stream()))
    with pytest.raises(FetchError, match="more than the 1000-byte limit"):
        await g.get("https://a.example/x", Deadline(5), max_bytes=1000)


async def test_https_to_http_redirect_is_refused():
    """A redirect from HTTPS down to HTTP is refused."""
    f = fetcher(lambda r: httpx.Response(302, headers={"location": "http://a.example/x"}))
    with pytest.raises(FetchError, match="down to"):
        await f.get("https://a.example/x", Deadline(5))


async def test_http_to_https_upgrade_is_followed():
    """HTTP may redirect up to HTTPS; the chain is recorded."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.scheme == "http":
            return httpx.Response(301, headers={"location": "https://a.example/x"})
        return httpx.Response(200, content=DOC)

    result = await fetcher(handler).get("http://a.example/x", Deadline(5))
    assert result.url == "https://a.example/x"
    assert result.redirects == ("http://a.example/x",)
    assert not result.changed_domain


async def test_redirect_loops_and_long_chains_are_refused():
    """A loop is caught at once; more than 5 redirects are refused."""
    loop = fetcher(lambda r: httpx.Response(302, headers={"location": "/x"}))
    with pytest.raises(FetchError, match="redirect loop"):
        await loop.get("https://a.example/x", Deadline(5))

    def chain(request: httpx.Request) -> httpx.Response:
        n = int(request.url.path.strip("/") or 0)
        return httpx.Response(302, headers={"location": f"/{n + 1}"})

    with pytest.raises(FetchError, match="more than 5 redirects"):
        await fetcher(chain).get("https://a.example/0", Deadline(5))


async def test_redirect_to_another_domain_is_flagged():
    """A redirect to another registrable domain is followed but flagged."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "autoconfig.a.example":
            return httpx.Response(302, headers={"location": "https://config.b.example/x"})
        return httpx.Response(200, content=DOC)

    result = await fetcher(handler).get("https://autoconfig.a.example/x", Deadline(5))
    assert result.changed_domain
    assert "b.example" in result.warnings[0]


async def test_http_errors_and_timeouts_are_translated():
    """A 404 is a FetchError naming the status; an httpx timeout is DeadlineExceeded."""
    with pytest.raises(FetchError, match="HTTP 404"):
        await fetcher(lambda r: httpx.Response(404)).get("https://a.example/x", Deadline(5))

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(DeadlineExceeded):
        await fetcher(slow).get("https://a.example/x", Deadline(5))
    deadline = Deadline(0.001)
    await asyncio.sleep(0.01)
    with pytest.raises(DeadlineExceeded):
        await fetcher(lambda r: httpx.Response(200)).get("https://a.example/x", deadline)


def test_certificate_errors_are_classified():
    """Verification failures inside a ConnectError become TLSError with a kind."""
    for code, message, kind in (  # OpenSSL's X509_V_ERR_* verify codes decide, not the text
        (62, "Hostname mismatch, certificate is not valid for 'x'.", "hostname-mismatch"),
        (10, "certificate has expired", "expired"),
        (18, "self-signed certificate", "self-signed"),
        (20, "unable to get local issuer certificate", "untrusted"),
    ):
        cause = ssl.SSLCertVerificationError(1, message)
        cause.verify_message = message
        cause.verify_code = code
        error = httpx.ConnectError("failed")
        error.__cause__ = cause
        translated = _connect_error("https://x.example/", error)
        assert isinstance(translated, TLSError)
        assert translated.kind == kind


async def test_injected_http_client_is_honoured():
    """An httpx.AsyncClient given in Options answers for the autoconfig source."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.url.host == "autoconfig.mock.example":
            return httpx.Response(200, content=DOC, headers={"content-type": "text/xml"})
        return httpx.Response(404)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        result = await discover(
            "jane@mock.example",
            options=Options(http_client=client, sources=frozenset({SourceName.AUTOCONFIG})),
        )
        assert not client.is_closed  # the caller's client stays the caller's
    assert result.incoming[0].host == "imap.mock.example"
    assert result.incoming[0].sources == [SourceName.AUTOCONFIG]
    assert "emailaddress=jane@mock.example" in seen[0]
    statuses = sorted(a.status for a in result.attempts)
    assert statuses == [AttemptStatus.EMPTY, AttemptStatus.OK]


async def test_html_answers_are_refused_by_content_type():
    """A text/html answer on the autoconfig URL is an error naming the HTML page."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"<p>hi</p>", headers={"content-type": "text/html"})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        result = await discover(
            "jane@mock.example",
            options=Options(http_client=client, sources=frozenset({SourceName.AUTOCONFIG})),
        )
    assert all("HTML page" in (a.detail or "") for a in result.attempts)


async def test_cache_shares_one_fetch_between_concurrent_askers():
    """Two concurrent askers of one key cause one fetch; later askers hit the cache."""
    cache = TTLCache()
    calls = 0

    async def fetch() -> tuple[str, float]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.01)
        return "value", 60.0

    results = await asyncio.gather(*(cache.get_or_fetch("k", fetch) for _ in range(5)))
    assert results == ["value"] * 5
    assert await cache.get_or_fetch("k", fetch) == "value"
    assert calls == 1
    assert cache.hits == 5


async def test_cache_remembers_failures_briefly_but_not_timeouts():
    """A failure is reused for the negative TTL; a timeout is retried next time."""
    cache = TTLCache(negative_ttl=60)
    calls = 0

    async def broken() -> tuple[str, float]:
        nonlocal calls
        calls += 1
        raise FetchError("HTTP 500", kind=FetchFailure.HTTP_STATUS, status=500)

    for _ in range(2):
        with pytest.raises(FetchError):
            await cache.get_or_fetch("b", broken)
    assert calls == 1

    async def slow() -> tuple[str, float]:
        nonlocal calls
        calls += 1
        raise DeadlineExceeded("slow")

    for _ in range(2):
        with pytest.raises(DeadlineExceeded):
            await cache.get_or_fetch("t", slow)
    assert calls == 3


def test_mx_candidate_domains():
    """MX host minus its first label, then the registrable domain; the email domain is left out."""
    assert mx_candidate_domains("aspmx.l.google.com", "example.com") == [
        "l.google.com",
        "google.com",
    ]
    assert mx_candidate_domains("mx1.hostingco.test", "mx-hosted.test") == ["hostingco.test"]
    assert mx_candidate_domains("mail.example.com", "example.com") == []
    assert mx_candidate_domains("eur.olc.protection.outlook.com", "contoso.example") == [
        "olc.protection.outlook.com",
        "outlook.com",
    ]


def test_registrable_domain():
    """The Public Suffix List decides where the registrable domain starts."""
    assert registrable_domain("a.b.example.co.uk") == "example.co.uk"
    assert registrable_domain("MX.Example.COM.") == "example.com"
    assert registrable_domain("127.0.0.1") == "127.0.0.1"


def test_nameserver_and_source_parsing():
    """--nameserver accepts IPv4, IPv4:port, [IPv6]:port and bare IPv6; names are refused."""
    assert parse_nameserver("127.0.0.1") == ("127.0.0.1", 53)
    assert parse_nameserver("127.0.0.1:5353") == ("127.0.0.1", 5353)
    assert parse_nameserver("[::1]:5353") == ("::1", 5353)
    assert parse_nameserver("2001:db8::1") == ("2001:db8::1", 53)
    for bad in ("ns.example", "127.0.0.1:99999", "[::1", "127.0.0.1:x", "[::1]x"):
        with pytest.raises(OptionsError):
            parse_nameserver(bad)
    assert split_sources(["srv,mx", "ispdb"]) == {SourceName.SRV, SourceName.MX, SourceName.ISPDB}
    with pytest.raises(OptionsError, match="known sources"):
        split_sources(["smoke-signals"])


def test_deadline_phases():
    """A phase gets its own limit cut short by what is left; an expired deadline raises."""
    deadline = Deadline(0.5)
    assert deadline.phase(3.0) <= 0.5
    assert deadline.phase(0.1) == 0.1
    assert not deadline.expired
    with pytest.raises(OptionsError):
        Deadline(0)
    past = Deadline(0.001, clock=iter([0.0, 1.0, 1.0]).__next__)
    assert past.expired


async def test_a_cancelled_starter_does_not_cancel_other_waiters():
    """When the first asker is cancelled, another asker of the same key fetches itself."""
    cache = TTLCache()
    calls = 0

    async def fetch() -> tuple[str, float]:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return "value", 60.0

    starter = asyncio.create_task(cache.get_or_fetch("k", fetch))
    await asyncio.sleep(0.01)
    waiter = asyncio.create_task(cache.get_or_fetch("k", fetch))
    await asyncio.sleep(0.01)
    starter.cancel()
    assert await waiter == "value"
    assert calls == 2
    with pytest.raises(asyncio.CancelledError):
        await starter


async def test_remembered_errors_keep_no_traceback():
    """A negatively cached error is stored without the frames that raised it."""
    cache = TTLCache()

    async def broken() -> tuple[str, float]:
        try:
            raise OSError("inner")
        except OSError:
            raise FetchError("HTTP 500", kind=FetchFailure.HTTP_STATUS, status=500) from None

    with pytest.raises(FetchError):
        await cache.get_or_fetch("b", broken)
    with pytest.raises(FetchError) as again:
        await cache.get_or_fetch("b", broken)
    assert again.value.__context__ is None
