"""HTTP(S) fetching with the rules every source shares.

- at most ``max_bytes`` of body (1 MiB by default), read as a stream and cut off beyond; the
  cap counts decompressed bytes, inflated by us in bounded steps (one content coding at
  most: ``gzip`` or ``deflate``; a stacked or unknown coding is refused), so a compression
  bomb costs at most the cap in memory and never a long stall of the event loop;
- at most 5 redirects, never from HTTPS down to HTTP; the chain is recorded;
- a redirect to another registrable domain is allowed but flagged (lower trust, a warning);
- every host name is resolved through our :class:`DnsClient` (so ``--nameserver`` covers it);
  at most :data:`~autoconf.net.addresses.MAX_ADDRESSES_PER_HOST` of its addresses are tried,
  and with ``block_private`` none that :func:`~autoconf.net.addresses.is_blocked` refuses;
  certificates are checked against the host name with the one ``ssl.SSLContext``;
- phase limits (connect, TLS, first byte) cut short by the one deadline; the connect phase
  covers the name look-up and the TCP connects together (no limit of its own for DNS);
- a connection that failed for a reason that will not change in a moment (the name has no
  address, only blocked addresses, the port refused, the certificate was refused) is not
  tried again for :data:`CONNECT_FAILURE_TTL` seconds within the client's
  :class:`ConnectFailures`: the same error is raised at once (timeouts are never remembered);
- idle connections are kept for a while (up to the pool's size) so that a Session's many
  requests to one host share a TLS handshake;
- failures are our errors with structured fields (``FetchError.kind``/``status``, ``TLSError``
  from the ssl exception itself), never decided on message text.
"""

from __future__ import annotations

import select
import socket
import ssl
import time
import zlib
from collections.abc import AsyncIterable, AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpcore
import httpx

from ..address import normalize_host
from ..errors import (
    DeadlineExceeded,
    DnsError,
    FetchError,
    FetchFailure,
    HostNotFound,
    NetworkError,
    TLSError,
)
from ..options import Deadline
from .addresses import is_blocked, pick_addresses
from .dns import DnsClient
from .psl import registrable_domain
from .tls import certificate_kind

__all__ = [
    "CONNECT_FAILURE_TTL",
    "ConnectFailures",
    "FetchResult",
    "HttpFetcher",
    "make_http_client",
]

MAX_BODY_BYTES = 1024 * 1024
MAX_REDIRECTS = 5
# Only the codings _Inflater decodes in bounded steps (no br/zstd: we cannot bound them here).
ACCEPT_ENCODING = "gzip, deflate"
USER_AGENT = "mail-autoconf/0.1 (+https://pypi.org/project/mail-autoconf/)"
# Seconds a connection failure to one host and port is remembered (see ConnectFailures).
CONNECT_FAILURE_TTL = 10.0
# Connections one client opens at most (a Session: its max_http_requests), and keeps open
# while idle for KEEPALIVE_S seconds.
MAX_CONNECTIONS = 48
KEEPALIVE_S = 5.0


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str  # the final URL after redirects
    status: int
    body: bytes
    content_type: str
    redirects: tuple[str, ...] = ()  # every URL visited before the final one
    warnings: tuple[str, ...] = field(default=())

    @property
    def changed_domain(self) -> bool:
        return bool(self.warnings)


class ConnectFailures:
    """The connections that failed a moment ago, per host and port, and why.

    Remembered are only failures that would repeat on an immediate retry: the name has no
    address, it has only blocked addresses, every address refused the port, or (for TLS) the
    certificate was refused. A timeout or a broken handshake is never remembered. Owned by
    one HTTP client (so one Session); bounded in entries.
    """

    def __init__(
        self,
        ttl: float = CONNECT_FAILURE_TTL,
        *,
        max_entries: int = 4096,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl
        self._max = max_entries
        self._clock = clock
        self._entries: dict[tuple[str, int, bool], tuple[float, NetworkError]] = {}

    def record(self, host: str, port: int, error: NetworkError, *, tls: bool = False) -> None:
        """Remember ``error`` for ``host``:``port`` (``tls``: for TLS connections only)."""
        key = (host.lower(), port, tls)
        self._entries.pop(key, None)
        while len(self._entries) >= self._max:  # the oldest first (insertion order)
            del self._entries[next(iter(self._entries))]
        self._entries[key] = (self._clock() + self._ttl, error)

    def recent(self, host: str, port: int, *, tls: bool) -> NetworkError | None:
        """The failure remembered for a connection to ``host``:``port``, if still fresh."""
        host = host.lower()
        for key in ((host, port, False), (host, port, True)) if tls else ((host, port, False),):
            entry = self._entries.get(key)
            if entry is None:
                continue
            if entry[0] > self._clock():
                return entry[1]
            del self._entries[key]
        return None

    def __len__(self) -> int:
        return len(self._entries)


def _all_refused(errors: list[Exception]) -> bool:
    """True if every connect attempt in ``errors`` was refused by the peer."""
    return bool(errors) and all(_caused_by(e, ConnectionRefusedError) for e in errors)


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, kind):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


class _ResolvingBackend(httpcore.AsyncNetworkBackend):
    """Resolves host names with our DnsClient, refuses private addresses when asked, and
    records in ``failures`` the connections that failed for a lasting reason."""

    def __init__(
        self, dns: DnsClient, *, block_private: bool, failures: ConnectFailures | None = None
    ) -> None:
        self._dns = dns
        self._block_private = block_private
        self._failures = failures if failures is not None else ConnectFailures()
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's signature
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        if timeout is None:  # HttpFetcher always gives one; no hidden default here
            raise httpcore.ConnectError("no connect limit was given")
        # Name resolution and the TCP connects share the connect phase, on the Deadline clock.
        phase = Deadline(max(timeout, 1e-3))
        ips = await self._resolve(host, port, phase)
        errors: list[Exception] = []
        for ip in pick_addresses(ips):
            try:
                stream = await self._inner.connect_tcp(
                    ip,
                    port,
                    timeout=phase.phase(),
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except DeadlineExceeded as exc:
                raise httpcore.ConnectTimeout(f"connecting to {host} took too long") from exc
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                errors.append(exc)
            else:
                return _ClosingStream(stream, self._failures, host, port)
        if not errors:
            raise httpcore.ConnectError(f"{host} has no address")
        if _all_refused(errors):
            refused = NetworkError(
                f"cannot connect: {host} refused port {port} ({errors[-1]})", host=host, port=port
            )
            self._failures.record(host, port, refused)
            raise _Translated(refused) from errors[-1]
        raise errors[-1]

    async def _resolve(self, host: str, port: int, phase: Deadline) -> list[str]:
        """The addresses of ``host`` that may be tried; a lasting failure is recorded."""
        try:
            ips = await self._dns.addresses(host, phase)
        except DeadlineExceeded as exc:
            raise httpcore.ConnectTimeout(str(exc)) from exc
        except NetworkError as exc:
            if isinstance(exc, HostNotFound):  # the name has no address (not a DNS hiccup)
                self._failures.record(host, port, exc)
            raise _Translated(exc) from exc
        if self._block_private:
            ips = [ip for ip in ips if not is_blocked(ip)]
            if not ips:
                blocked = FetchError(
                    f"{host} resolves only to private or local addresses, which are blocked",
                    kind=FetchFailure.BLOCKED,
                    host=host,
                )
                self._failures.record(host, port, blocked)
                raise _Translated(blocked)
        return ips

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not used")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _Translated(httpcore.ConnectError):
    """A connect failure already translated into our error, carried out through httpcore.

    httpcore's pool re-raises with ``from None``, dropping the cause chain, so the error
    travels as an attribute; :func:`_connect_error` unpacks it.
    """

    def __init__(self, error: NetworkError) -> None:
        super().__init__(str(error))
        self.error = error


class _ClosingStream(httpcore.AsyncNetworkStream):
    """Closes the connection when a TLS handshake is cancelled (the deadline passed).

    httpcore closes it on errors but not on cancellation, which would leave the socket to the
    garbage collector. A refused certificate is recorded in the client's ConnectFailures.
    """

    def __init__(
        self, inner: httpcore.AsyncNetworkStream, failures: ConnectFailures, host: str, port: int
    ) -> None:
        self._inner = inner
        self._failures = failures
        self._where = (host, port)
        self._socket: socket.socket | None = None

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's signature
    ) -> httpcore.AsyncNetworkStream:
        try:
            wrapped = await self._inner.start_tls(ssl_context, server_hostname, timeout)
        except httpcore.ConnectError as exc:
            await self._inner.aclose()
            tls = _tls_error(exc)
            if tls is None:
                raise
            if _caused_by(exc, ssl.SSLCertVerificationError):  # the same on the next try
                self._failures.record(*self._where, tls, tls=True)
            raise _Translated(tls) from exc
        except BaseException:
            await self._inner.aclose()
            raise
        return _ClosingStream(wrapped, self._failures, *self._where)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            # Asked of every idle connection each time the pool assigns a request; the lookup
            # through the stream layers costs far more than the poll, so the socket is kept.
            if self._socket is None:
                self._socket = self._inner.get_extra_info("socket")
            return self._socket is None or _readable(self._socket)
        return self._inner.get_extra_info(info)


def _readable(sock: socket.socket) -> bool:
    """True if ``sock`` has data or an end of stream waiting (an idle keep-alive was closed)."""
    if sock.fileno() < 0:
        return True
    poll = select.poll()
    poll.register(sock, select.POLLIN)
    return bool(poll.poll(0))


# httpcore's errors and the httpx errors the fetcher catches, most specific first (a lookup
# walks the raised error's MRO, so a ConnectTimeout finds ConnectTimeout, not TimeoutException).
_HTTPX_ERRORS: dict[type[Exception], type[httpx.TransportError]] = {
    httpcore.ConnectTimeout: httpx.ConnectTimeout,
    httpcore.ReadTimeout: httpx.ReadTimeout,
    httpcore.WriteTimeout: httpx.WriteTimeout,
    httpcore.PoolTimeout: httpx.PoolTimeout,
    httpcore.TimeoutException: httpx.TimeoutException,
    httpcore.ConnectError: httpx.ConnectError,
    httpcore.ReadError: httpx.ReadError,
    httpcore.WriteError: httpx.WriteError,
    httpcore.NetworkError: httpx.NetworkError,
    httpcore.ProxyError: httpx.ProxyError,
    httpcore.UnsupportedProtocol: httpx.UnsupportedProtocol,
    httpcore.RemoteProtocolError: httpx.RemoteProtocolError,
    httpcore.LocalProtocolError: httpx.LocalProtocolError,
    httpcore.ProtocolError: httpx.ProtocolError,
}


def _as_httpx(exc: Exception, request: httpx.Request | None) -> httpx.TransportError | None:
    """The httpx error for an httpcore one (to be raised from it), or None for any other."""
    for cls in type(exc).__mro__:
        target = _HTTPX_ERRORS.get(cls)
        if target is not None:
            return target(str(exc), request=request)
    return None


class _Body(httpx.AsyncByteStream):
    """An httpcore response body as httpx reads it, its errors turned into httpx's."""

    def __init__(self, stream: AsyncIterable[bytes], request: httpx.Request) -> None:
        self._stream = stream
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._stream:
                yield chunk
        except Exception as exc:
            mapped = _as_httpx(exc, self._request)
            if mapped is None:
                raise
            raise mapped from exc

    async def aclose(self) -> None:
        close = getattr(self._stream, "aclose", None)
        if close is not None:
            await close()


class _Transport(httpx.AsyncBaseTransport):
    """An httpx transport over an httpcore pool that resolves through our network backend.

    httpx has no hook for name resolution, but both halves are public: httpx takes any
    ``AsyncBaseTransport``, and httpcore's pool takes a network backend. So nothing private
    of either is touched (httpcore is a declared dependency for it).
    """

    def __init__(
        self, *, ssl_context: ssl.SSLContext, backend: _ResolvingBackend, max_connections: int
    ) -> None:
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            # The pool's bookkeeping scans every connection (idle ones twice over) whenever a
            # request comes or goes, so it is no larger than the requests in flight need.
            max_connections=max_connections,
            # Every connection may stay open while idle: a Session's requests come in bursts
            # to the same few hosts, and a new TLS handshake costs more than an idle socket.
            max_keepalive_connections=max_connections,
            keepalive_expiry=KEEPALIVE_S,
            http1=True,
            http2=False,
            retries=0,
            network_backend=backend,
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        url = request.url
        core = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        try:
            answer = await self._pool.handle_async_request(core)
        except Exception as exc:
            mapped = _as_httpx(exc, request)
            if mapped is None:
                raise
            raise mapped from exc
        assert isinstance(answer.stream, AsyncIterable)
        return httpx.Response(
            status_code=answer.status,
            headers=answer.headers,
            stream=_Body(answer.stream, request),
            extensions=answer.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()


def make_http_client(
    *,
    dns: DnsClient,
    ssl_context: ssl.SSLContext,
    block_private: bool = False,
    failures: ConnectFailures | None = None,
    max_connections: int = MAX_CONNECTIONS,
) -> httpx.AsyncClient:
    """The client every fetch goes through; lasting connect failures go into ``failures``
    (give the same object to the :class:`HttpFetcher` so it does not retry them at once)."""
    failures = failures if failures is not None else ConnectFailures()
    backend = _ResolvingBackend(dns, block_private=block_private, failures=failures)
    return httpx.AsyncClient(
        transport=_Transport(
            ssl_context=ssl_context, backend=backend, max_connections=max_connections
        ),
        follow_redirects=False,
        trust_env=False,
        headers={
            "User-Agent": USER_AGENT,
            "Accept": "application/xml, text/xml, */*;q=0.1",
            "Accept-Encoding": ACCEPT_ENCODING,
        },
    )


# The content codings we decode, with the zlib window bits for each.
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


class _Inflater:
    """Decodes one content coding in steps that never produce more than the byte cap.

    ``zlib``'s ``max_length`` bounds each call, so a bomb is refused after at most
    ``max_bytes`` + 1 bytes of output, however small its compressed form.
    """

    def __init__(self, coding: str, url: str, max_bytes: int) -> None:
        self._url = url
        self._max = max_bytes
        if coding and coding not in _WBITS:
            raise FetchError(
                f"{url} uses the content coding {coding!r}, which is not accepted",
                kind=FetchFailure.DECODING,
                url=url,
            )
        self._wbits = _WBITS.get(coding, 0)
        self._zlib = zlib.decompressobj(self._wbits) if coding else None
        self._first = True
        self._raw = 0
        self.size = 0

    def feed(self, raw: bytes) -> bytes:
        if self._zlib is None:
            return self._count(raw)
        self._raw += len(raw)  # empty deflate blocks inflate to nothing: cap the input too
        if self._raw > self._max:
            raise FetchError(
                f"{self._url} sent more than the {self._max}-byte limit",
                kind=FetchFailure.TOO_LARGE,
                url=self._url,
            )
        out: list[bytes] = []
        pending = raw
        while pending:
            try:
                piece = self._zlib.decompress(pending, self._max - self.size + 1)
            except zlib.error as exc:
                if self._first and self._wbits == zlib.MAX_WBITS:  # raw deflate, no zlib header
                    self._wbits = -zlib.MAX_WBITS
                    self._zlib = zlib.decompressobj(self._wbits)
                    continue
                raise FetchError(
                    f"{self._url} sent a corrupt compressed body: {exc}",
                    kind=FetchFailure.DECODING,
                    url=self._url,
                ) from exc
            self._first = False
            out.append(self._count(piece))
            # Whatever follows the end of the stream is ignored, as httpx's own decoder does.
            pending = b"" if self._zlib.eof else self._zlib.unconsumed_tail
        return b"".join(out)

    def _count(self, data: bytes) -> bytes:
        self.size += len(data)
        if self.size > self._max:
            raise FetchError(
                f"{self._url} sent more than the {self._max}-byte limit",
                kind=FetchFailure.TOO_LARGE,
                url=self._url,
            )
        return data


def _inflater(response: httpx.Response, url: str, max_bytes: int) -> _Inflater:
    codings = [
        c.strip().lower()
        for c in response.headers.get("content-encoding", "").split(",")
        if c.strip().lower() not in ("", "identity")
    ]
    if len(codings) > 1:
        raise FetchError(
            f"{url} stacks content codings ({', '.join(codings)}); only one is accepted",
            kind=FetchFailure.DECODING,
            url=url,
        )
    return _Inflater(codings[0] if codings else "", url, max_bytes)


class HttpFetcher:
    """GET and POST with the shared rules, returning bytes or raising our NetworkErrors."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        connect_timeout: float,
        tls_timeout: float,
        first_byte_timeout: float,
        failures: ConnectFailures | None = None,
    ) -> None:
        self._client = client
        self._failures = failures
        # httpcore applies its "connect" limit to the TCP connect and to the TLS handshake
        # separately, so one number serves both phases.
        self._connect = max(connect_timeout, tls_timeout)
        self._first_byte = first_byte_timeout

    async def get(
        self,
        url: str,
        deadline: Deadline,
        *,
        max_bytes: int = MAX_BODY_BYTES,
        follow_redirects: bool = True,
    ) -> FetchResult:
        """GET ``url``; with ``follow_redirects=False`` a redirect is a refusal, not followed."""
        hops = MAX_REDIRECTS if follow_redirects else 0
        return await self._request("GET", url, deadline, None, {}, max_bytes, hops)

    async def post(
        self,
        url: str,
        deadline: Deadline,
        *,
        body: bytes,
        content_type: str,
        max_bytes: int = MAX_BODY_BYTES,
    ) -> FetchResult:
        headers = {"Content-Type": content_type}
        return await self._request("POST", url, deadline, body, headers, max_bytes)

    async def _request(
        self,
        method: str,
        url: str,
        deadline: Deadline,
        body: bytes | None,
        headers: dict[str, str],
        max_bytes: int,
        hops: int = MAX_REDIRECTS,
    ) -> FetchResult:
        visited: list[str] = []
        warnings: list[str] = []
        current = url
        for _ in range(hops + 1):
            status, location, content_type, data = await self._once(
                method, current, deadline, body, headers, max_bytes
            )
            if location is None:
                if not 200 <= status < 300:
                    raise FetchError(
                        f"HTTP {status} from {current}",
                        kind=FetchFailure.HTTP_STATUS,
                        status=status,
                        url=current,
                    )
                return FetchResult(
                    url=current,
                    status=status,
                    body=data,
                    content_type=content_type,
                    redirects=tuple(visited),
                    warnings=tuple(warnings),
                )
            target = _redirect_target(current, location, visited, status)
            if hops == 0:
                raise _refused(f"{current} redirects to {target}; not followed", current, status)
            # The Public Suffix List is consulted only when there is a redirect to judge.
            new_domain = _registrable(target)
            if new_domain != _registrable(url):
                warnings.append(f"{url} redirected to another domain ({new_domain}): {target}")
            visited.append(current)
            current = target  # the same method again: Autodiscover re-POSTs on a redirect
        raise _refused(f"more than {hops} redirects starting at {url}", url, None)

    async def _once(
        self,
        method: str,
        url: str,
        deadline: Deadline,
        body: bytes | None,
        headers: dict[str, str],
        max_bytes: int,
    ) -> tuple[int, str | None, str, bytes]:
        self._refuse_if_failed(url)
        timeout = httpx.Timeout(
            connect=deadline.phase(self._connect),
            read=deadline.phase(self._first_byte),
            write=deadline.phase(self._first_byte),
            pool=deadline.phase(self._connect),
        )
        headers = {**headers, "Accept-Encoding": ACCEPT_ENCODING}
        try:
            async with self._client.stream(
                method, url, content=body, headers=headers, timeout=timeout
            ) as response:
                status = response.status_code
                content_type = response.headers.get("content-type", "").split(";")[0].strip()
                if status in (301, 302, 303, 307, 308):
                    location = response.headers.get("location")
                    if not location:
                        raise _refused(f"HTTP {status} from {url} without a Location", url, status)
                    return status, location, content_type, b""
                data = await _read_body(response, url, deadline, max_bytes)
                return status, None, content_type, data
        except (FetchError, DeadlineExceeded):
            raise
        except httpx.TimeoutException as exc:
            raise DeadlineExceeded(f"{url}: timed out ({type(exc).__name__})", url=url) from exc
        except httpx.ConnectError as exc:
            raise _connect_error(url, exc) from exc
        except httpx.HTTPError as exc:
            raise NetworkError(f"{url}: {type(exc).__name__}: {exc}", url=url) from exc
        except (httpx.InvalidURL, UnicodeError) as exc:  # httpx reads a Location's host (IDNA)
            raise NetworkError(f"{url}: unusable URL: {exc}", url=url) from exc
        except OSError as exc:
            raise NetworkError(f"{url}: {exc}", url=url) from exc

    def _refuse_if_failed(self, url: str) -> None:
        """Raise at once the failure a connection to ``url``'s host and port had a moment ago."""
        if self._failures is None or not len(self._failures):
            return
        parsed = httpx.URL(url)
        tls = parsed.scheme == "https"
        port = parsed.port or (443 if tls else 80)
        error = self._failures.recent(parsed.raw_host.decode("ascii"), port, tls=tls)
        if error is not None:
            raise _for_url(error, url, note=f" (failed within the last {CONNECT_FAILURE_TTL:g} s)")


async def _read_body(
    response: httpx.Response, url: str, deadline: Deadline, max_bytes: int
) -> bytes:
    """The decoded body, refused as soon as it passes ``max_bytes`` or the deadline."""
    declared = response.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(
            f"{url} answers {declared} bytes, more than the {max_bytes}-byte limit",
            kind=FetchFailure.TOO_LARGE,
            url=url,
        )
    if response.is_stream_consumed:
        # A response built in memory (httpx.MockTransport with bytes): httpx has decoded it
        # already; only the network path below streams raw bytes.
        return _Inflater("", url, max_bytes).feed(response.content)
    inflater = _inflater(response, url, max_bytes)
    chunks: list[bytes] = []
    async for raw in response.aiter_raw():
        chunks.append(inflater.feed(raw))
        if deadline.expired:
            raise DeadlineExceeded(f"reading {url} ran past the deadline", url=url)
    return b"".join(chunks)


def _redirect_target(current: str, location: str, visited: list[str], status: int) -> str:
    """Where a redirect from ``current`` leads, or a refusal (downgrade, scheme, loop, a host
    that is not a plain host name or IP address: the library's one host rule)."""
    try:
        joined = httpx.URL(current).join(location)
        normalize_host(joined.host)
        target = str(joined)
    except (httpx.InvalidURL, ValueError) as exc:  # the IDNA codec's UnicodeError included
        message = f"{current} redirects to {location!r}; refused: {exc}"
        raise _refused(message, current, status) from exc
    if current.startswith("https://") and not target.startswith("https://"):
        raise _refused(f"{current} redirects from HTTPS down to {target}; refused", current, status)
    if not target.startswith(("https://", "http://")):
        raise _refused(f"{current} redirects to {target!r}; refused", current, status)
    if target == current or target in visited:
        raise _refused(f"redirect loop at {target}", current, status)
    return target


def _refused(message: str, url: str, status: int | None) -> FetchError:
    return FetchError(message, kind=FetchFailure.REDIRECT_REFUSED, status=status, url=url)


def _connect_error(url: str, exc: httpx.ConnectError) -> NetworkError:
    """Our error for a failed connection, from the cause chain (never from message text)."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, _Translated):
            return _for_url(cause.error, url)
        if isinstance(cause, NetworkError):
            return _for_url(cause, url)
        cause = cause.__cause__ or cause.__context__
    tls = _tls_error(exc)
    if tls is not None:
        return _for_url(tls, url)
    return NetworkError(f"{url}: cannot connect: {exc}", url=url)


def _tls_error(exc: BaseException) -> TLSError | None:
    """The TLSError for an ssl error in ``exc``'s cause chain, if there is one."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return TLSError(
                f"certificate refused: {cause.verify_message}", kind=certificate_kind(cause)
            )
        if isinstance(cause, ssl.SSLError):
            return TLSError(f"TLS failed: {cause.reason or cause}")
        cause = cause.__cause__ or cause.__context__
    return None


def _for_url(error: NetworkError, url: str, *, note: str = "") -> NetworkError:
    """``error`` again, its message and ``url`` naming the URL that was being fetched."""
    message = f"{url}: {error}{note}"
    if isinstance(error, HostNotFound):
        return HostNotFound(message, kind=error.kind, host=error.host, url=url)
    if isinstance(error, DnsError):
        return DnsError(message, kind=error.kind, host=error.host)
    if isinstance(error, FetchError):
        return FetchError(message, kind=error.kind, status=error.status, host=error.host, url=url)
    if isinstance(error, TLSError):
        return TLSError(message, kind=error.kind, url=url)
    return NetworkError(message, host=error.host, port=error.port, url=url)


def _registrable(url: str) -> str:
    host = httpx.URL(url).host
    return registrable_domain(host)
