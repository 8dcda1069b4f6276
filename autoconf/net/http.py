"""HTTP(S) fetching with the rules every source shares.

- at most ``max_bytes`` of body (1 MiB by default), read as a stream and cut off beyond;
- at most 5 redirects, never from HTTPS down to HTTP; the chain is recorded;
- a redirect to another registrable domain is allowed but flagged (lower trust, a warning);
- every host name is resolved through our :class:`DnsClient` (so ``--nameserver`` covers it),
  certificates are checked against the host name with the one ``ssl.SSLContext``;
- phase limits (connect, TLS, first byte) cut short by the one deadline.
"""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass, field
from typing import Any

import httpcore
import httpx

from ..errors import DeadlineExceeded, FetchError, HostNotFound, NetworkError, TLSError
from ..options import Deadline
from .dns import DnsClient
from .psl import registrable_domain
from .tls import certificate_kind

__all__ = ["FetchResult", "HttpFetcher", "make_http_client"]

MAX_BODY_BYTES = 1024 * 1024
MAX_REDIRECTS = 5
USER_AGENT = "mail-autoconf/0.1 (+https://pypi.org/project/mail-autoconf/)"


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


class _ResolvingBackend(httpcore.AsyncNetworkBackend):
    """Resolves host names with our DnsClient, refuses private addresses when asked."""

    def __init__(self, dns: DnsClient, *, block_private: bool) -> None:
        self._dns = dns
        self._block_private = block_private
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's signature
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        limit = timeout if timeout is not None else 3.0
        try:
            ips = await self._dns.addresses(host, within=limit)
        except DeadlineExceeded as exc:
            raise httpcore.ConnectTimeout(str(exc)) from exc
        except NetworkError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        if self._block_private:
            ips = [ip for ip in ips if _is_public(ip)]
            if not ips:
                raise httpcore.ConnectError(
                    f"{host} resolves only to private or local addresses, which are blocked"
                )
        error: Exception | None = None
        for ip in ips:
            try:
                stream = await self._inner.connect_tcp(
                    ip,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
            else:
                return _ClosingStream(stream)
        assert error is not None
        raise error

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not used")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _ClosingStream(httpcore.AsyncNetworkStream):
    """Closes the connection when a TLS handshake is cancelled (the deadline passed).

    httpcore closes it on errors but not on cancellation, which would leave the socket to the
    garbage collector.
    """

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner

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
            return await self._inner.start_tls(ssl_context, server_hostname, timeout)
        except BaseException:
            await self._inner.aclose()
            raise

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


def _is_public(ip: str) -> bool:
    address = ipaddress.ip_address(ip)
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


class _Transport(httpx.AsyncHTTPTransport):
    """httpx's transport over our resolving network backend.

    httpx has no public hook for name resolution; its transport wraps an httpcore pool, and
    httpcore takes a network backend. We swap in a pool built with ours (the attribute is
    stable across httpx 0.2x; the packaging pin keeps us on that line).
    """

    def __init__(self, *, ssl_context: ssl.SSLContext, backend: _ResolvingBackend) -> None:
        super().__init__(verify=ssl_context, http1=True, http2=False, retries=0)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            http1=True,
            http2=False,
            retries=0,
            network_backend=backend,
        )


def make_http_client(
    *, dns: DnsClient, ssl_context: ssl.SSLContext, block_private: bool = False
) -> httpx.AsyncClient:
    backend = _ResolvingBackend(dns, block_private=block_private)
    return httpx.AsyncClient(
        transport=_Transport(ssl_context=ssl_context, backend=backend),
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": USER_AGENT, "Accept": "application/xml, text/xml, */*;q=0.1"},
    )


class HttpFetcher:
    """GET and POST with the shared rules, returning bytes or raising our NetworkErrors."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        connect_timeout: float,
        tls_timeout: float,
        first_byte_timeout: float,
    ) -> None:
        self._client = client
        # httpcore applies its "connect" limit to the TCP connect and to the TLS handshake
        # separately, so one number serves both phases.
        self._connect = max(connect_timeout, tls_timeout)
        self._first_byte = first_byte_timeout

    async def get(
        self, url: str, deadline: Deadline, *, max_bytes: int = MAX_BODY_BYTES
    ) -> FetchResult:
        return await self._request("GET", url, deadline, None, {}, max_bytes)

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
    ) -> FetchResult:
        visited: list[str] = []
        warnings: list[str] = []
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            status, location, content_type, data = await self._once(
                method, current, deadline, body, headers, max_bytes
            )
            if location is None:
                if not 200 <= status < 300:
                    raise FetchError(f"HTTP {status} from {current}", url=current)
                return FetchResult(
                    url=current,
                    status=status,
                    body=data,
                    content_type=content_type,
                    redirects=tuple(visited),
                    warnings=tuple(warnings),
                )
            target = str(httpx.URL(current).join(location))
            if current.startswith("https://") and not target.startswith("https://"):
                raise FetchError(
                    f"{current} redirects from HTTPS down to {target}; refused", url=current
                )
            if not target.startswith(("https://", "http://")):
                raise FetchError(f"{current} redirects to {target!r}; refused", url=current)
            if target == current or target in visited:
                raise FetchError(f"redirect loop at {target}", url=current)
            # The Public Suffix List is consulted only when there is a redirect to judge.
            new_domain = _registrable(target)
            if new_domain != _registrable(url):
                warnings.append(f"{url} redirected to another domain ({new_domain}): {target}")
            visited.append(current)
            current = target  # the same method again: Autodiscover re-POSTs on a redirect
        raise FetchError(f"more than {MAX_REDIRECTS} redirects starting at {url}", url=url)

    async def _once(
        self,
        method: str,
        url: str,
        deadline: Deadline,
        body: bytes | None,
        headers: dict[str, str],
        max_bytes: int,
    ) -> tuple[int, str | None, str, bytes]:
        timeout = httpx.Timeout(
            connect=deadline.phase(self._connect),
            read=deadline.phase(self._first_byte),
            write=deadline.phase(self._first_byte),
            pool=deadline.phase(self._connect),
        )
        try:
            async with self._client.stream(
                method, url, content=body, headers=headers, timeout=timeout
            ) as response:
                status = response.status_code
                content_type = response.headers.get("content-type", "").split(";")[0].strip()
                if status in (301, 302, 303, 307, 308):
                    location = response.headers.get("location")
                    if not location:
                        raise FetchError(f"HTTP {status} from {url} without a Location", url=url)
                    return status, location, content_type, b""
                declared = response.headers.get("content-length")
                if declared is not None and declared.isdigit() and int(declared) > max_bytes:
                    raise FetchError(
                        f"{url} answers {declared} bytes, more than the {max_bytes}-byte limit",
                        url=url,
                    )
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise FetchError(
                            f"{url} sent more than the {max_bytes}-byte limit", url=url
                        )
                    chunks.append(chunk)
                    if deadline.expired:
                        raise DeadlineExceeded(f"reading {url} ran past the deadline", url=url)
                return status, None, content_type, b"".join(chunks)
        except (FetchError, DeadlineExceeded):
            raise
        except httpx.TimeoutException as exc:
            raise DeadlineExceeded(f"{url}: timed out ({type(exc).__name__})", url=url) from None
        except httpx.ConnectError as exc:
            raise _connect_error(url, exc) from None
        except httpx.HTTPError as exc:
            raise NetworkError(f"{url}: {type(exc).__name__}: {exc}", url=url) from None
        except OSError as exc:
            raise NetworkError(f"{url}: {exc}", url=url) from None


def _connect_error(url: str, exc: httpx.ConnectError) -> NetworkError:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, HostNotFound):
            return HostNotFound(f"{url}: {cause}", host=cause.host, url=url)
        if isinstance(cause, ssl.SSLCertVerificationError):
            return TLSError(
                f"{url}: certificate refused: {cause.verify_message}",
                kind=certificate_kind(cause),
                url=url,
            )
        if isinstance(cause, ssl.SSLError):
            return TLSError(f"{url}: TLS failed: {cause.reason or cause}", url=url)
        cause = cause.__cause__ or cause.__context__
    text = str(exc)
    if "certificate" in text.lower():
        return TLSError(f"{url}: {text}", url=url)
    return NetworkError(f"{url}: cannot connect: {text}", url=url)


def _registrable(url: str) -> str:
    host = httpx.URL(url).host
    return registrable_domain(host)
