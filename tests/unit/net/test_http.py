"""HTTP fetching against scripted loopback servers: bombs, blocked addresses, many addresses."""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import ssl
import time
import tracemalloc
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpcore
import httpx
import pytest
import trustme

from autoconf import (
    AttemptStatus,
    DeadlineExceeded,
    FetchError,
    Options,
    SourceName,
    TLSError,
    discover,
)
from autoconf.errors import (
    MAX_MESSAGE_CHARS,
    FetchFailure,
    NetworkError,
)
from autoconf.net import transport as http_module
from autoconf.net.addresses import AddressPolicy
from autoconf.net.dns import DnsClient
from autoconf.net.http import HttpFetcher, _connect_error, make_http_client
from autoconf.options import Deadline
from tests.timing import halfway

from ..fakes import FakeDns

DOC = b'<?xml version="1.0"?><clientConfig version="1.1"></clientConfig>'


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = DOC


@dataclass
class Server:
    """A scripted HTTP/1.1 server on 127.0.0.1: one request per connection, then close."""

    routes: dict[str, Reply]
    port: int = 0
    connections: int = 0
    requests: list[dict[str, str]] = field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            path = lines[0].split()[1]
            headers = {k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])}
            self.requests.append({"path": path, **headers})
            length = int(headers.get("content-length", "0") or 0)
            if length:
                await reader.readexactly(length)
            reply = self.routes.get(path, Reply(404, body=b"no"))
            fields = {"Content-Type": "text/xml", "Connection": "close", **reply.headers}
            fields.setdefault("Content-Length", str(len(reply.body)))
            text = f"HTTP/1.1 {reply.status} X\r\n"
            text += "".join(f"{k}: {v}\r\n" for k, v in fields.items())
            writer.write(text.encode() + b"\r\n")
            for start in range(0, len(reply.body), 16384):
                writer.write(reply.body[start : start + 16384])
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


@asynccontextmanager
async def serve(
    routes: dict[str, Reply], *, tls: ssl.SSLContext | None = None
) -> AsyncIterator[Server]:
    state = Server(routes)
    server = await asyncio.start_server(state.handle, "127.0.0.1", 0, ssl=tls)
    state.port = server.sockets[0].getsockname()[1]
    try:
        yield state
    finally:
        server.close()
        await server.wait_closed()


# The loopback test server stands for a public one: the policy lets 127.0.0.1 through, the
# rest of the private ranges stay refused (as allowed_networks does for a deployment).
LOOPBACK_ALLOWED = AddressPolicy(
    block_private=True, allowed=(ipaddress.ip_network("127.0.0.1/32"),)
)


def fetcher(
    dns: object | None = None,
    *,
    block: bool | AddressPolicy = False,
    context: ssl.SSLContext | None = None,
) -> HttpFetcher:
    client = make_http_client(
        dns=dns or DnsClient(),  # type: ignore[arg-type]
        ssl_context=context or ssl.create_default_context(),
        block_private=block,
    )
    return HttpFetcher(client, connect_timeout=1, tls_timeout=1, first_byte_timeout=1)


def gzip_zeros(size: int) -> bytes:
    """``size`` zero bytes, gzip-compressed (streamed, never all in memory)."""
    inner = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(1 << 20)
    return b"".join(inner.compress(chunk) for _ in range(size // len(chunk))) + inner.flush()


@pytest.fixture(scope="module")
def bombs() -> dict[int, bytes]:
    """1-, 2- and 3-layer gzip bombs, each inflating to 128 MiB of zeros."""
    one = gzip_zeros(128 << 20)
    two = gzip.compress(one, 9)
    return {1: one, 2: two, 3: gzip.compress(two, 9)}


def bomb_routes(bombs: dict[int, bytes]) -> dict[str, Reply]:
    codings = {1: "gzip", 2: "gzip, gzip", 3: "gzip, gzip, gzip"}
    routes = {
        f"/bomb{n}": Reply(headers={"Content-Encoding": codings[n]}, body=body)
        for n, body in bombs.items()
    }
    routes["/good"] = Reply(headers={"Content-Encoding": "gzip"}, body=gzip.compress(DOC))
    return routes


@pytest.mark.parametrize("layers", [1, 2, 3])
async def test_gzip_bombs_are_refused_within_the_limits_and_small_memory(
    bombs: dict[int, bytes], layers: int
):
    """A 1-, 2- or 3-layer gzip bomb fails fast with a FetchError and little memory."""
    assert len(bombs[layers]) < 300_000  # small on the wire
    async with serve(bomb_routes(bombs)) as server:
        f = fetcher()
        tracemalloc.start()
        started = time.monotonic()
        try:
            with pytest.raises(FetchError) as caught:
                await f.get(f"http://127.0.0.1:{server.port}/bomb{layers}", Deadline(20))
            elapsed = time.monotonic() - started
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    expected = FetchFailure.TOO_LARGE if layers == 1 else FetchFailure.DECODING
    assert caught.value.kind is expected
    assert elapsed < halfway(1.0, 20.0)  # refused at a cap, long before the deadline
    assert peak < 20 * 1024 * 1024


async def test_a_bomb_does_not_stall_concurrent_fetches(bombs: dict[int, bytes]):
    """While bombs are served, ten normal fetches on the same client succeed, the loop runs."""
    async with serve(bomb_routes(bombs)) as server:
        f = fetcher()
        base = f"http://127.0.0.1:{server.port}"
        gaps: list[float] = []

        async def ticker() -> None:
            last = time.monotonic()
            while True:
                await asyncio.sleep(0.01)
                now = time.monotonic()
                gaps.append(now - last)
                last = now

        tick = asyncio.create_task(ticker())
        deadline = Deadline(5)
        results = await asyncio.gather(
            *(f.get(f"{base}/bomb{n}", deadline) for n in (1, 2, 3)),
            *(f.get(f"{base}/good", deadline) for _ in range(10)),
            return_exceptions=True,
        )
        tick.cancel()
    assert all(isinstance(r, FetchError) for r in results[:3])
    assert all(not isinstance(r, BaseException) and r.body == DOC for r in results[3:])
    assert max(gaps) < 1.0


async def test_codings_we_decode_and_those_we_refuse():
    """gzip, zlib and raw deflate decode; an unknown coding (br) is a decoding refusal."""
    raw = zlib.compressobj(6, zlib.DEFLATED, -15)
    routes = {
        "/gzip": Reply(headers={"Content-Encoding": "gzip"}, body=gzip.compress(DOC) + b"\0\0"),
        "/zlib": Reply(headers={"Content-Encoding": "deflate"}, body=zlib.compress(DOC)),
        "/raw": Reply(
            headers={"Content-Encoding": "deflate"}, body=raw.compress(DOC) + raw.flush()
        ),
        "/id": Reply(headers={"Content-Encoding": "identity"}),
        "/br": Reply(headers={"Content-Encoding": "br"}, body=b"\x8b\x00"),
        "/bad": Reply(headers={"Content-Encoding": "gzip"}, body=b"not gzip at all"),
    }
    async with serve(routes) as server:
        f = fetcher()
        base = f"http://127.0.0.1:{server.port}"
        for path in ("/gzip", "/zlib", "/raw", "/id"):
            assert (await f.get(base + path, Deadline(5))).body == DOC, path
        for path in ("/br", "/bad"):
            with pytest.raises(FetchError) as caught:
                await f.get(base + path, Deadline(5))
            assert caught.value.kind is FetchFailure.DECODING, path
    assert {r["accept-encoding"] for r in server.requests} == {"gzip, deflate"}


async def test_http_status_is_a_field():
    """A 404 answer is a FetchError with status 404 and kind http-status."""
    async with serve({}) as server:
        with pytest.raises(FetchError) as caught:
            await fetcher().get(f"http://127.0.0.1:{server.port}/missing", Deadline(5))
    assert (caught.value.status, caught.value.kind) == (404, FetchFailure.HTTP_STATUS)


@pytest.mark.parametrize("ip", ["100.64.0.1", "100.100.100.200", "127.0.0.1", "::ffff:10.0.0.1"])
async def test_a_name_resolving_to_a_blocked_address_is_never_connected(ip: str):
    """With block_private, a host resolving to CGN/metadata/loopback gets no connection."""
    async with serve({"/": Reply()}) as server:
        dns = FakeDns({"inside.example": [ip]})
        with pytest.raises(FetchError) as caught:
            await fetcher(dns, block=True).get(f"http://inside.example:{server.port}/", Deadline(5))
    assert caught.value.kind is FetchFailure.BLOCKED
    assert "blocked" in str(caught.value)
    assert server.connections == 0
    assert dns.asked == ["inside.example"]


async def test_a_blocked_ip_literal_is_refused_too():
    """A URL naming 100.100.100.200 directly is blocked like a name resolving to it."""
    with pytest.raises(FetchError) as caught:
        await fetcher(block=True).get("http://100.100.100.200/latest/meta-data/", Deadline(5))
    assert caught.value.kind is FetchFailure.BLOCKED


@pytest.fixture
def good_example_tls() -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context for good.example and a client context trusting its CA."""
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("good.example").configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    return server_ctx, client_ctx


async def test_an_https_redirect_to_a_blocked_address_is_refused(
    good_example_tls: tuple[ssl.SSLContext, ssl.SSLContext],
):
    """An HTTPS answer redirecting to a host at 100.100.100.200 is refused before connecting."""
    server_ctx, client_ctx = good_example_tls
    routes = {"/": Reply(302, {"Location": "https://metadata.example/latest"}, b"")}
    async with serve(routes, tls=server_ctx) as server:
        dns = FakeDns({"good.example": ["127.0.0.1"], "metadata.example": ["100.100.100.200"]})
        f = fetcher(dns, block=LOOPBACK_ALLOWED, context=client_ctx)
        with pytest.raises(FetchError) as caught:
            await f.get(f"https://good.example:{server.port}/", Deadline(5))
    assert caught.value.kind is FetchFailure.BLOCKED
    assert dns.asked == ["good.example", "metadata.example"]
    assert server.connections == 1


async def test_a_thousand_addresses_cost_four_attempts_and_a_short_message(
    monkeypatch: pytest.MonkeyPatch,
):
    """A name with 1,049 addresses: at most 4 connects (families mixed), error text bounded."""
    tried: list[str] = []

    async def refuse(self: object, host: str, port: int, **kwargs: object) -> None:
        tried.append(host)
        raise httpcore.ConnectError(f"connection to {host} refused " + "x" * 200)

    monkeypatch.setattr(httpcore.AnyIOBackend, "connect_tcp", refuse)
    many = [f"127.1.{i // 250}.{i % 250 + 1}" for i in range(1000)]
    many += [f"2001:db8::{i:x}" for i in range(49)]
    dns = FakeDns({"many.example": many})
    with pytest.raises(NetworkError) as caught:
        await fetcher(dns).get("http://many.example/", Deadline(5))
    assert len(tried) <= 4
    assert {":" in ip for ip in tried} == {True, False}
    assert len(str(caught.value)) <= MAX_MESSAGE_CHARS


def test_messages_are_bounded():
    """An error built from a thousand parts is cut to the bound, with an ellipsis."""
    exc = NetworkError("; ".join(f"10.0.0.{i}: refused" for i in range(1000)))
    assert len(str(exc)) == MAX_MESSAGE_CHARS
    assert str(exc).endswith("…")
    assert str(NetworkError("short")) == "short"


def test_certificate_is_judged_by_the_cause_not_the_wording():
    """A connect error that only mentions 'certificate' in its text is not a TLS error."""
    import httpx

    plain = httpx.ConnectError("bad certificate store path")
    assert type(_connect_error("https://a.example/", plain)) is NetworkError
    cert = ssl.SSLCertVerificationError(1, "certificate verify failed")
    cert.verify_code, cert.verify_message = 62, "Hostname mismatch"
    wrapped = httpx.ConnectError("handshake failed")
    wrapped.__cause__ = httpcore.ConnectError("x")
    wrapped.__cause__.__cause__ = cert
    assert isinstance(_connect_error("https://a.example/", wrapped), TLSError)


async def test_the_backend_has_no_hidden_connect_limit():
    """The resolving backend has no hidden limit: without a connect limit it refuses."""
    backend = http_module._ResolvingBackend(FakeDns({}), block_private=False)  # type: ignore[arg-type]
    with pytest.raises(httpcore.ConnectError, match="no connect limit"):
        await backend.connect_tcp("a.example", 80, timeout=None)


async def test_a_slow_name_lookup_is_a_connect_timeout():
    """A DNS look-up that outlives the connect phase surfaces as DeadlineExceeded."""

    class SlowDns(FakeDns):
        async def addresses(self, host: str, deadline: Deadline, *, limit: float | None = None):
            await asyncio.sleep(deadline.phase(limit) + 0.05)
            deadline.phase(limit)
            return []

    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        await fetcher(SlowDns({})).get("http://slow.example/", Deadline(20))
    assert time.monotonic() - started < halfway(1.0, 20.0)  # the connect limit, not the deadline


async def test_an_untrusted_certificate_is_a_tls_error_with_a_kind(
    good_example_tls: tuple[ssl.SSLContext, ssl.SSLContext],
):
    """A real handshake against an unknown CA gives TLSError 'untrusted' (from the ssl error)."""
    server_ctx, _ = good_example_tls
    async with serve({"/": Reply()}, tls=server_ctx) as server:
        dns = FakeDns({"good.example": ["127.0.0.1"]})
        with pytest.raises(TLSError) as caught:
            await fetcher(dns).get(f"https://good.example:{server.port}/", Deadline(5))
    assert caught.value.kind == "untrusted"


MOCK_DOC = b"""<clientConfig version="1.1"><emailProvider id="mock.example">
<domain>mock.example</domain>
<incomingServer type="imap"><hostname>imap.mock.example</hostname><port>993</port>
<socketType>SSL</socketType><username>%EMAILADDRESS%</username>
<authentication>password-cleartext</authentication></incomingServer>
<outgoingServer type="smtp"><hostname>smtp.mock.example</hostname><port>465</port>
<socketType>SSL</socketType><authentication>password-cleartext</authentication>
</outgoingServer></emailProvider></clientConfig>"""


def mock_fetcher(handler) -> HttpFetcher:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return HttpFetcher(client, connect_timeout=1, tls_timeout=1, first_byte_timeout=1)


async def test_a_plain_get_returns_body_and_type():
    """A 200 answer gives its body, its content type and no redirects."""
    f = mock_fetcher(
        lambda r: httpx.Response(200, content=MOCK_DOC, headers={"content-type": "text/xml"})
    )
    result = await f.get("https://a.example/x", Deadline(5))
    assert (result.status, result.body, result.content_type) == (200, MOCK_DOC, "text/xml")
    assert result.redirects == ()


async def test_size_cap_by_header_and_by_stream():
    """Bodies over the cap are refused whether or not Content-Length announces them."""
    big = b"x" * 2000
    f = mock_fetcher(lambda r: httpx.Response(200, content=big))
    with pytest.raises(FetchError, match="limit"):
        await f.get("https://a.example/x", Deadline(5), max_bytes=1000)

    async def stream():
        for _ in range(4):
            yield b"y" * 500

    g = mock_fetcher(lambda r: httpx.Response(200, content=stream()))
    with pytest.raises(FetchError, match="more than the 1000-byte limit"):
        await g.get("https://a.example/x", Deadline(5), max_bytes=1000)


async def test_https_to_http_redirect_is_refused():
    """A redirect from HTTPS down to HTTP is refused."""
    f = mock_fetcher(lambda r: httpx.Response(302, headers={"location": "http://a.example/x"}))
    with pytest.raises(FetchError, match="down to"):
        await f.get("https://a.example/x", Deadline(5))


async def test_http_to_https_upgrade_is_followed():
    """HTTP may redirect up to HTTPS; the chain is recorded."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.scheme == "http":
            return httpx.Response(301, headers={"location": "https://a.example/x"})
        return httpx.Response(200, content=MOCK_DOC)

    result = await mock_fetcher(handler).get("http://a.example/x", Deadline(5))
    assert result.url == "https://a.example/x"
    assert result.redirects == ("http://a.example/x",)
    assert not result.changed_domain


async def test_redirect_loops_and_long_chains_are_refused():
    """A loop is caught at once; more than 5 redirects are refused."""
    loop = mock_fetcher(lambda r: httpx.Response(302, headers={"location": "/x"}))
    with pytest.raises(FetchError, match="redirect loop"):
        await loop.get("https://a.example/x", Deadline(5))

    def chain(request: httpx.Request) -> httpx.Response:
        n = int(request.url.path.strip("/") or 0)
        return httpx.Response(302, headers={"location": f"/{n + 1}"})

    with pytest.raises(FetchError, match="more than 5 redirects"):
        await mock_fetcher(chain).get("https://a.example/0", Deadline(5))


async def test_redirect_to_another_domain_is_flagged():
    """A redirect to another registrable domain is followed but flagged."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "autoconfig.a.example":
            return httpx.Response(302, headers={"location": "https://config.b.example/x"})
        return httpx.Response(200, content=MOCK_DOC)

    result = await mock_fetcher(handler).get("https://autoconfig.a.example/x", Deadline(5))
    assert result.changed_domain
    assert "b.example" in result.warnings[0]


async def test_http_errors_and_timeouts_are_translated():
    """A 404 is a FetchError naming the status; an httpx timeout is DeadlineExceeded."""
    with pytest.raises(FetchError, match="HTTP 404"):
        await mock_fetcher(lambda r: httpx.Response(404)).get("https://a.example/x", Deadline(5))

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(DeadlineExceeded):
        await mock_fetcher(slow).get("https://a.example/x", Deadline(5))
    deadline = Deadline(0.001)
    await asyncio.sleep(0.01)
    with pytest.raises(DeadlineExceeded):
        await mock_fetcher(lambda r: httpx.Response(200)).get("https://a.example/x", deadline)


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
            return httpx.Response(200, content=MOCK_DOC, headers={"content-type": "text/xml"})
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
