"""HTTP(S) fetching with the rules every source shares.

- at most ``max_bytes`` of body (1 MiB by default), read as a stream and cut off beyond; the
  cap counts decompressed bytes (:mod:`autoconf.net.inflate`);
- at most 5 redirects, never from HTTPS down to HTTP; the chain is recorded;
- a redirect to another registrable domain is allowed but flagged (lower trust, a warning);
- name resolution, the address policy, Happy Eyeballs and the pool are the transport's
  (:mod:`autoconf.net.transport`);
- phase limits (connect, TLS, first byte) cut short by the one deadline;
- a connection that failed a moment ago for a lasting reason (see
  :class:`~autoconf.net.transport.ConnectFailures`) is not tried again for
  :data:`CONNECT_FAILURE_TTL` seconds: the same error is raised at once;
- failures are our errors with structured fields (``FetchError.kind``/``status``, ``TLSError``
  from the ssl exception itself), never decided on message text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx

from ..address import normalize_host
from ..errors import DeadlineExceeded, FetchError, FetchFailure, HostNotFound, NetworkError
from ..options import Deadline
from .inflate import ACCEPT_ENCODING, Inflater, inflater_for
from .psl import registrable_domain
from .transport import (
    CONNECT_FAILURE_TTL,
    ConnectFailures,
    for_url,
    make_http_client,
    tls_error,
)

if TYPE_CHECKING:
    from .dns import DnsClient

__all__ = [
    "CONNECT_FAILURE_TTL",
    "MAX_BODY_BYTES",
    "ConnectFailures",
    "FetchResult",
    "HttpFetcher",
    "make_http_client",
]

MAX_BODY_BYTES = 1024 * 1024
MAX_REDIRECTS = 5


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str  # the final URL after redirects
    status: int
    body: bytes
    content_type: str
    redirects: tuple[str, ...] = ()  # every URL visited before the final one
    warnings: tuple[str, ...] = field(default=())
    www_authenticate: tuple[str, ...] = ()  # the challenges of a 401 answer (RFC 9110 §11.6.1)

    @property
    def changed_domain(self) -> bool:
        return bool(self.warnings)


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
        dns: DnsClient | None = None,
    ) -> None:
        self._client = client
        self._failures = failures
        # The DNS our own client's transport resolves with (None for a client of the caller's):
        # a host the process already knows has no address is refused before the request is
        # built, as the transport would refuse it, at a fraction of the cost.
        self._dns = dns if failures is not None else None
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
        accept: frozenset[int] = frozenset(),
    ) -> FetchResult:
        """GET ``url``; with ``follow_redirects=False`` a redirect is a refusal, not followed.

        A final status outside 2xx raises, unless it is in ``accept`` (a service answering 401
        to a request without credentials is there): then it is the result.
        """
        hops = MAX_REDIRECTS if follow_redirects else 0
        return await self._request("GET", url, deadline, None, {}, max_bytes, hops, accept)

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
        accept: frozenset[int] = frozenset(),
    ) -> FetchResult:
        visited: list[str] = []
        warnings: list[str] = []
        current = url
        for _ in range(hops + 1):
            status, location, content_type, data, challenges = await self._once(
                method, current, deadline, body, headers, max_bytes
            )
            if location is None:
                if not 200 <= status < 300 and status not in accept:
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
                    www_authenticate=challenges,
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
    ) -> tuple[int, str | None, str, bytes, tuple[str, ...]]:
        self._refuse_if_failed(url)
        self._refuse_if_nowhere(url)
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
                    return status, location, content_type, b"", ()
                data = await _read_body(response, url, deadline, max_bytes)
                challenges = tuple(response.headers.get_list("www-authenticate")[:8])
                return status, None, content_type, data, challenges
        except NetworkError:
            raise  # ours already: the transport translated it, with the URL
        # httpx's errors come only from an injected client or from httpx itself (a bad URL):
        # our transport's are translated where they happen, in net.transport.
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
            raise for_url(error, url, note=f" (failed within the last {CONNECT_FAILURE_TTL:g} s)")

    def _refuse_if_nowhere(self, url: str) -> None:
        """Raise at once, and remember as the transport would, that ``url``'s host has no
        address, when the process's fresh DNS answers say so (the first request to a missing
        name in a short-lived Session: each would otherwise go through httpx to learn it)."""
        if self._dns is None or self._failures is None:
            return
        try:
            parts = urlsplit(url)
            host, port = parts.hostname, parts.port
        except ValueError:
            return  # httpx refuses it with its own words
        if not host or not host.isascii() or parts.scheme not in ("http", "https"):
            return
        try:
            self._dns.known_addresses(host)
        except HostNotFound as exc:
            self._failures.record(host, port or (443 if parts.scheme == "https" else 80), exc)
            raise for_url(exc, url) from exc


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
        return Inflater("", url, max_bytes).feed(response.content)
    inflater = inflater_for(response, url, max_bytes)
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
    """Our error for an injected client's failed connection, from the cause chain (never from
    message text)."""
    tls = tls_error(exc)
    if tls is not None:
        return for_url(tls, url)
    return NetworkError(f"{url}: cannot connect: {exc}", url=url)


def _registrable(url: str) -> str:
    host = httpx.URL(url).host
    return registrable_domain(host)
