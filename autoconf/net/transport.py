"""The HTTP transport: an httpcore pool whose network backend is ours.

- every host name is resolved through our :class:`DnsClient` (so ``--nameserver`` covers it);
  at most :data:`~autoconf.net.addresses.MAX_ADDRESSES_PER_HOST` of its addresses are tried,
  and with ``block_private`` none that :func:`~autoconf.net.addresses.is_blocked` refuses;
- the addresses are raced (Happy Eyeballs, :mod:`autoconf.net.eyeballs`): the next one starts
  250 ms after the one before while it keeps trying, and the first to connect wins; the
  connect phase covers the name look-up and the race together (no limit of its own for DNS);
- a connection that failed for a reason that will not change in a moment (the name has no
  address, only blocked addresses, the port refused, the certificate was refused) is recorded
  in the client's :class:`ConnectFailures` (timeouts are never remembered);
- idle connections are kept for a while (up to the pool's size) so that a Session's many
  requests to one host share a TLS handshake;
- this is the one boundary where httpcore's errors become ours: the backend raises our errors
  itself, whatever httpcore raises is translated by :func:`translate` (for the request and for
  its body alike), and httpx passes errors that are not its own through untouched.
"""

from __future__ import annotations

import select
import socket
import ssl
import time
from collections import OrderedDict
from collections.abc import AsyncIterable, AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

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
from .addresses import AddressPolicy, permitted, pick_addresses
from .cache import clean_copy
from .certificates import certificate_kind
from .dns import DnsClient
from .eyeballs import AllAttemptsFailed, race
from .inflate import ACCEPT_ENCODING

__all__ = [
    "CONNECT_FAILURE_TTL",
    "KEEPALIVE_S",
    "MAX_CONNECTIONS",
    "USER_AGENT",
    "ConnectFailures",
    "for_url",
    "make_http_client",
    "tls_error",
    "translate",
]

USER_AGENT = "mail-autoconf/0.1 (+https://pypi.org/project/mail-autoconf/)"
# Seconds a connection failure to one host and port is remembered (see ConnectFailures).
CONNECT_FAILURE_TTL = 10.0
# Connections one client opens at most (a Session: its max_http_requests), and keeps open
# while idle for KEEPALIVE_S seconds.
MAX_CONNECTIONS = 48
KEEPALIVE_S = 5.0
# HTTP pools (one per origin) a client keeps, and the idle connections each keeps open.
MAX_POOLS = 32
KEEPALIVE_PER_ORIGIN = 8


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
        max_entries: int = 1024,
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
        now = self._clock()
        # Insertion order is expiry order (one TTL for all): the expired leave from the front,
        # then, when still full, the oldest.
        while self._entries and (
            len(self._entries) >= self._max or next(iter(self._entries.values()))[0] <= now
        ):
            del self._entries[next(iter(self._entries))]
        # A copy without the traceback: ``error`` is still on its way up, and the frames it
        # passes (the whole request: pool, locks, headers) would stay alive with the entry.
        copy = clean_copy(error)
        self._entries[key] = (
            now + self._ttl,
            copy if isinstance(copy, NetworkError) else error,
        )

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


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, kind):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


class _ResolvingBackend(httpcore.AsyncNetworkBackend):
    """Resolves host names with our DnsClient, refuses private addresses when asked, races
    the addresses, and records in ``failures`` the connections that failed for a lasting
    reason. Raises our errors (see the module's docstring)."""

    def __init__(
        self,
        dns: DnsClient,
        *,
        block_private: AddressPolicy | bool,
        failures: ConnectFailures | None = None,
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

        async def attempt(ip: str) -> httpcore.AsyncNetworkStream:
            return await self._inner.connect_tcp(
                ip,
                port,
                timeout=max(phase.remaining(), 1e-3),  # the race's own limit ends it sooner
                local_address=local_address,
                socket_options=socket_options,
            )

        async def discard(stream: httpcore.AsyncNetworkStream) -> None:
            await stream.aclose()

        try:
            _, stream = await race(pick_addresses(ips), attempt, discard, limit=phase.remaining())
        except AllAttemptsFailed as failed:
            raise self._not_connected(host, port, [e for _, e in failed.failures]) from failed
        return _ClosingStream(stream, self._failures, host, port)

    def _not_connected(self, host: str, port: int, errors: list[BaseException]) -> NetworkError:
        """Our error for a race that every address lost; a refusal by all is remembered."""
        if not errors:
            return NetworkError(f"cannot connect: {host} has no address", host=host, port=port)
        if all(_caused_by(e, ConnectionRefusedError) for e in errors):
            refused = NetworkError(
                f"cannot connect: {host} refused port {port} ({errors[-1]})", host=host, port=port
            )
            self._failures.record(host, port, refused)
            return refused
        if all(isinstance(e, TimeoutError | httpcore.ConnectTimeout) for e in errors):
            return DeadlineExceeded(f"connecting to {host} took too long", host=host, port=port)
        return NetworkError(f"cannot connect to {host}: {errors[-1]}", host=host, port=port)

    async def _resolve(self, host: str, port: int, phase: Deadline) -> list[str]:
        """The addresses of ``host`` that may be tried; a lasting failure is recorded."""
        try:
            ips = await self._dns.addresses(host, phase)
        except DeadlineExceeded as exc:
            raise DeadlineExceeded(f"connecting to {host}: {exc}", host=host) from exc
        except HostNotFound as exc:  # the name has no address (not a DNS hiccup)
            self._failures.record(host, port, exc)
            raise
        if self._block_private:
            ips = permitted(ips, self._block_private)
            if not ips:
                blocked = FetchError(
                    f"{host} resolves only to private or local addresses, which are blocked",
                    kind=FetchFailure.BLOCKED,
                    host=host,
                )
                self._failures.record(host, port, blocked)
                raise blocked
        return ips

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not used")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


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
            tls = tls_error(exc)
            if tls is None:
                raise
            if _caused_by(exc, ssl.SSLCertVerificationError):  # the same on the next try
                self._failures.record(*self._where, tls, tls=True)
            raise tls from exc
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


# httpcore's exception classes have no common base; these are the roots of its tree.
_HTTPCORE_ERRORS = (
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.ProxyError,
    httpcore.UnsupportedProtocol,
)


def translate(exc: Exception, url: str) -> NetworkError | None:
    """Our error for ``exc`` raised while fetching ``url``, or None when it is not a network
    error (a bug, left to propagate). Decided on the exception's class and cause chain."""
    if isinstance(exc, NetworkError):
        return for_url(exc, url)
    if isinstance(exc, httpcore.TimeoutException):
        return DeadlineExceeded(f"{url}: timed out ({type(exc).__name__})", url=url)
    if isinstance(exc, httpcore.ConnectError):
        tls = tls_error(exc)
        return for_url(tls, url) if tls else NetworkError(f"{url}: cannot connect: {exc}", url=url)
    if isinstance(exc, _HTTPCORE_ERRORS):
        return NetworkError(f"{url}: {type(exc).__name__}: {exc}", url=url)
    if isinstance(exc, OSError):
        return NetworkError(f"{url}: {exc}", url=url)
    return None


def tls_error(exc: BaseException) -> TLSError | None:
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


def for_url(error: NetworkError, url: str, *, note: str = "") -> NetworkError:
    """``error`` again, its message and ``url`` naming the URL that was being fetched."""
    if error.url == url and not note:
        return error
    message = f"{url}: {error}{note}"
    if isinstance(error, HostNotFound):
        return HostNotFound(message, kind=error.kind, host=error.host, url=url)
    if isinstance(error, DeadlineExceeded):
        return DeadlineExceeded(message, host=error.host, port=error.port, url=url)
    if isinstance(error, DnsError):
        return DnsError(message, kind=error.kind, host=error.host)
    if isinstance(error, FetchError):
        return FetchError(message, kind=error.kind, status=error.status, host=error.host, url=url)
    if isinstance(error, TLSError):
        return TLSError(message, kind=error.kind, url=url)
    return NetworkError(message, host=error.host, port=error.port, url=url)


class _Body(httpx.AsyncByteStream):
    """An httpcore response body as httpx reads it, its errors translated into ours;
    ``done`` is called once when it is closed."""

    def __init__(
        self, stream: AsyncIterable[bytes], url: str, done: Callable[[], None] | None = None
    ) -> None:
        self._stream = stream
        self._url = url
        self._done = done

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._stream:
                yield chunk
        except Exception as exc:
            ours = translate(exc, self._url)
            if ours is None:
                raise
            raise ours from exc

    async def aclose(self) -> None:
        try:
            close = getattr(self._stream, "aclose", None)
            if close is not None:
                await close()
        finally:
            done, self._done = self._done, None
            if done is not None:
                done()


Origin = tuple[bytes, bytes, int | None]  # scheme, host, port


@dataclass(slots=True)
class _OriginPool:
    pool: httpcore.AsyncConnectionPool
    in_flight: int = 0  # requests whose response is not closed yet
    used: float = 0.0  # when a request last started on it (monotonic)


class _OriginPools:
    """One httpcore pool per origin (scheme, host, port), not one for every host at once.

    httpcore's pool scans every connection it holds (its idle ones once per idle connection)
    whenever a request comes or goes: one pool holding a Session's 48 connections made that
    scan about an eighth of a busy Session's CPU (``benchmarks/concurrency.py``); a pool per
    origin scans only that host's few. At most MAX_POOLS are kept: before a new one is made,
    those nothing is in flight on that were not used for KEEPALIVE_S (their connections have
    expired) are closed, then, while there are still too many, the least recently used of
    those nothing is in flight on. The Session's bound on requests in flight is unchanged
    (``AdmittedFetcher``); idle connections are at most KEEPALIVE_PER_ORIGIN per pool.
    """

    def __init__(self, make: Callable[[], httpcore.AsyncConnectionPool]) -> None:
        self._make = make
        self._pools: OrderedDict[Origin, _OriginPool] = OrderedDict()

    async def acquire(self, origin: Origin) -> _OriginPool:
        """The pool of ``origin`` with one more request in flight (see :meth:`release`)."""
        entry = self._pools.get(origin)
        if entry is None:
            await self._trim()
            entry = self._pools.setdefault(origin, _OriginPool(self._make()))
        self._pools.move_to_end(origin)
        entry.in_flight += 1
        entry.used = time.monotonic()
        return entry

    @staticmethod
    def release(entry: _OriginPool) -> None:
        entry.in_flight -= 1

    async def _trim(self) -> None:
        now = time.monotonic()
        idle = [k for k, e in self._pools.items() if not e.in_flight]  # least recent first
        stale = [k for k in idle if now - self._pools[k].used > KEEPALIVE_S]
        surplus = max(0, len(self._pools) - len(stale) - MAX_POOLS + 1)
        fresh = [k for k in idle if k not in stale][:surplus]
        closing = [self._pools.pop(k).pool for k in (*stale, *fresh)]
        for pool in closing:
            await pool.aclose()

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), OrderedDict()
        for entry in pools:
            await entry.pool.aclose()


class _Transport(httpx.AsyncBaseTransport):
    """An httpx transport over an httpcore pool that resolves through our network backend.

    httpx has no hook for name resolution, but both halves are public: httpx takes any
    ``AsyncBaseTransport``, and httpcore's pool takes a network backend. So nothing private
    of either is touched (httpcore is a declared dependency for it).
    """

    def __init__(
        self, *, ssl_context: ssl.SSLContext, backend: _ResolvingBackend, max_connections: int
    ) -> None:
        def make() -> httpcore.AsyncConnectionPool:
            return httpcore.AsyncConnectionPool(
                ssl_context=ssl_context,
                # No more than the requests in flight need (the Session bounds them).
                max_connections=max_connections,
                # A Session's requests come in bursts to the same few hosts, and a new TLS
                # handshake costs more than an idle socket: some stay open while idle.
                max_keepalive_connections=min(max_connections, KEEPALIVE_PER_ORIGIN),
                keepalive_expiry=KEEPALIVE_S,
                http1=True,
                http2=False,
                retries=0,
                network_backend=backend,
            )

        self._pools = _OriginPools(make)

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
        entry = await self._pools.acquire((url.raw_scheme, url.raw_host, url.port))
        try:
            answer = await entry.pool.handle_async_request(core)
        except BaseException as exc:
            self._pools.release(entry)
            ours = translate(exc, str(url)) if isinstance(exc, Exception) else None
            if ours is None:
                raise
            raise ours from exc
        assert isinstance(answer.stream, AsyncIterable)
        return httpx.Response(
            status_code=answer.status,
            headers=answer.headers,
            stream=_Body(answer.stream, str(url), lambda: self._pools.release(entry)),
            extensions=answer.extensions,
        )

    async def aclose(self) -> None:
        await self._pools.aclose()


def make_http_client(
    *,
    dns: DnsClient,
    ssl_context: ssl.SSLContext,
    block_private: AddressPolicy | bool = False,
    failures: ConnectFailures | None = None,
    max_connections: int = MAX_CONNECTIONS,
) -> httpx.AsyncClient:
    """The client every fetch goes through; lasting connect failures go into ``failures``
    (give the same object to the :class:`~autoconf.net.http.HttpFetcher` so it does not retry
    them at once)."""
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
