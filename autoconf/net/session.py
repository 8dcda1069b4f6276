"""Network resources one or many discoveries share: DNS, HTTP, TLS, their caches and bounds.

The caches: DNS answers for their TTL, shared documents for a while, what a probe of an
endpoint found for a minute (:mod:`autoconf.probe.shared`), and the connections that
failed a moment ago for a lasting reason (:class:`~autoconf.net.http.ConnectFailures`), so
that many discoveries at one domain do not each ask a dead or refusing host again.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..errors import DeadlineExceeded
from ..options import Deadline, Options
from .addresses import AddressPolicy
from .cache import (
    DNS_ENTRIES,
    DOCUMENT_BYTES,
    DOCUMENT_ENTRIES,
    PROBE_ENTRIES,
    SharedCache,
    TTLCache,
)
from .dns import DnsClient
from .dnssec import Anchors, read_anchors
from .http import MAX_BODY_BYTES, ConnectFailures, FetchResult, HttpFetcher, make_http_client
from .tls import make_ssl_context

if TYPE_CHECKING:
    import httpx

__all__ = ["AdmittedFetcher", "CallNetwork", "HostSlots", "Network"]


class HostSlots:
    """At most ``limit`` HTTP requests and probes in flight to one host across a Session
    (``Options.max_per_host``; None: no bound). A wait counts against the caller's deadline."""

    def __init__(self, limit: int | None) -> None:
        self._limit = limit
        self._held: dict[str, tuple[asyncio.Semaphore, list[int]]] = {}

    @contextlib.asynccontextmanager
    async def admitted(self, host: str, deadline: Deadline) -> AsyncIterator[None]:
        """Holds one of ``host``'s places; DeadlineExceeded when none frees up in time."""
        if self._limit is None:
            yield
            return
        slots, users = self._held.setdefault(host, (asyncio.Semaphore(self._limit), [0]))
        users[0] += 1
        try:
            try:
                async with asyncio.timeout(deadline.phase()):
                    await slots.acquire()
            except TimeoutError as exc:
                raise DeadlineExceeded(
                    f"{host}: the deadline passed while waiting for a free place at this host",
                    host=host,
                ) from exc
            try:
                yield
            finally:
                slots.release()
        finally:
            users[0] -= 1
            if not users[0]:
                del self._held[host]


class AdmittedFetcher:
    """An :class:`HttpFetcher` behind the session's bound on HTTP requests in flight.

    A request waits for a free place at most until its deadline; the wait is part of it.
    """

    def __init__(
        self, inner: HttpFetcher, slots: asyncio.Semaphore, hosts: HostSlots | None = None
    ) -> None:
        self._inner = inner
        self._slots = slots
        self._hosts = hosts or HostSlots(None)

    async def get(
        self,
        url: str,
        deadline: Deadline,
        *,
        max_bytes: int = MAX_BODY_BYTES,
        follow_redirects: bool = True,
        accept: frozenset[int] = frozenset(),
    ) -> FetchResult:
        async with self._admitted(url, deadline):
            return await self._inner.get(
                url,
                deadline,
                max_bytes=max_bytes,
                follow_redirects=follow_redirects,
                accept=accept,
            )

    async def post(
        self,
        url: str,
        deadline: Deadline,
        *,
        body: bytes,
        content_type: str,
        max_bytes: int = MAX_BODY_BYTES,
    ) -> FetchResult:
        async with self._admitted(url, deadline):
            return await self._inner.post(
                url, deadline, body=body, content_type=content_type, max_bytes=max_bytes
            )

    @contextlib.asynccontextmanager
    async def _admitted(self, url: str, deadline: Deadline) -> AsyncIterator[None]:
        async with (
            self._hosts.admitted(urlsplit(url).hostname or "", deadline),
            self._session(url, deadline),
        ):
            yield

    @contextlib.asynccontextmanager
    async def _session(self, url: str, deadline: Deadline) -> AsyncIterator[None]:
        try:
            async with asyncio.timeout(deadline.phase()):
                await self._slots.acquire()
        except TimeoutError as exc:
            raise DeadlineExceeded(
                f"{url}: the deadline passed while waiting for a free HTTP slot in the session",
                url=url,
            ) from exc
        try:
            yield
        finally:
            self._slots.release()


@dataclass(frozen=True, slots=True)
class CallNetwork:
    """One discovery's handle on the session's network: shared resources, its phase limits."""

    dns: DnsClient
    http: AdmittedFetcher
    ssl_context: ssl.SSLContext
    block_private: AddressPolicy
    cache: TTLCache
    documents: TTLCache
    probes: TTLCache = field(default_factory=TTLCache)  # verifications by endpoint
    hosts: HostSlots = field(default_factory=lambda: HostSlots(None))  # max_per_host
    # Behind ``documents``: a cache shared with other processes, for answers that are the
    # same for everyone (None without one, or when the session's HTTPS is the caller's own),
    # under keys that start with ``shared_scope`` (what else decides what a fetch returns).
    shared: SharedCache | None = None
    shared_scope: str = ""


class Network:
    """Built from the session's Options: DNS, the HTTP client, the SSL context, the bounds.

    ``shared`` (a :class:`~autoconf.net.cache.SharedCache`) stands behind the DNS answers and
    the documents. Probe results never go there: a probe's verdict depends on this session's
    trust store, credentials and client certificate, and is kept one minute in the process.
    """

    def __init__(self, options: Options, shared: SharedCache | None = None) -> None:
        # Bounded (autoconf.net.cache): a Session that lives for a long batch or a server's
        # lifetime holds no more than these, however many domains it meets.
        self.cache = TTLCache(max_entries=DNS_ENTRIES)
        self.documents = TTLCache(
            max_entries=DOCUMENT_ENTRIES, max_weight=DOCUMENT_BYTES, weigh=_body_size
        )
        self.probes = TTLCache(max_entries=PROBE_ENTRIES)  # verifications by endpoint
        self.ssl_context: ssl.SSLContext = make_ssl_context(
            ca_file=options.ca_file, context=options.ssl_context
        )
        self.dns = DnsClient(
            nameservers=options.nameservers,
            resolver=options.resolver,
            cache=self.cache,
            shared_socket=options.shared_dns_socket,
            shared=shared,
            dnssec=options.dnssec,
            trust_anchors=_trust_anchors(options),
        )
        self.block_private = AddressPolicy(
            block_private=options.block_private_addresses, allowed=options.allowed_networks
        )
        # A document's key names the roots it was verified with (another process, with other
        # roots, must not take it as verified); with an SSL context or HTTP client of the
        # caller's own, which cannot be named, documents are not shared.
        own_tls = options.ssl_context is not None or options.http_client is not None
        self.shared = None if own_tls else shared
        self._cache_user = shared  # closed with the network (its connections on this loop)
        if shared is not None:
            shared.attach()
        allowed = ",".join(str(network) for network in options.allowed_networks)
        self.shared_scope = f"{options.block_private_addresses}:{allowed}:{options.ca_file or ''}"
        self._owns_client = options.http_client is None
        # Only our own client records connect failures (an injected one connects by itself).
        self.connect_failures = ConnectFailures() if self._owns_client else None
        self.client: httpx.AsyncClient = options.http_client or make_http_client(
            dns=self.dns,
            ssl_context=self.ssl_context,
            block_private=self.block_private,
            failures=self.connect_failures,
            max_connections=options.max_http_requests,  # no more are ever in use at once
        )
        self._http_slots = asyncio.Semaphore(options.max_http_requests)
        self.hosts = HostSlots(options.max_per_host)
        # The last handle, for the Options it was made for: a discovery asks for its handle
        # each time a source reaches the network, and most calls run with the session's own
        # Options (a handle holds nothing of one call: it is shared as it is).
        self._last: tuple[Options, CallNetwork] | None = None
        self.http = self.for_call(options).http

    def for_call(self, options: Options) -> CallNetwork:
        """The handle one discovery uses: HTTP with that call's phase limits."""
        last = self._last
        if last is not None and last[0] is options:
            return last[1]
        fetcher = HttpFetcher(
            self.client,
            connect_timeout=options.connect_timeout,
            tls_timeout=options.tls_timeout,
            first_byte_timeout=options.first_byte_timeout,
            failures=self.connect_failures,
            dns=self.dns,
        )
        handle = CallNetwork(
            dns=self.dns,
            http=AdmittedFetcher(fetcher, self._http_slots, self.hosts),
            ssl_context=self.ssl_context,
            block_private=self.block_private,
            cache=self.cache,
            documents=self.documents,
            probes=self.probes,
            hosts=self.hosts,
            shared=self.shared,
            shared_scope=self.shared_scope,
        )
        self._last = (options, handle)
        return handle

    async def aclose(self) -> None:
        try:
            if self._owns_client:
                await self.client.aclose()
        finally:
            self.dns.close()
            if self._cache_user is not None:
                await self._cache_user.detach()


def _body_size(document: object) -> int:
    """What a fetched document weighs in the documents cache: its body's bytes."""
    body = getattr(document, "body", None)
    return len(body) if isinstance(body, bytes) else 0


def _trust_anchors(options: Options) -> Anchors | None:
    """The trust anchors of ``Options.trust_anchors`` (None: the bundled root KSKs)."""
    if options.trust_anchors is None:
        return None
    return read_anchors(options.trust_anchors)
