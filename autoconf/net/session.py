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

from ..errors import DeadlineExceeded
from ..options import Deadline, Options
from .cache import TTLCache
from .dns import DnsClient
from .http import MAX_BODY_BYTES, ConnectFailures, FetchResult, HttpFetcher, make_http_client
from .tls import make_ssl_context

if TYPE_CHECKING:
    import httpx

__all__ = ["AdmittedFetcher", "CallNetwork", "Network"]


class AdmittedFetcher:
    """An :class:`HttpFetcher` behind the session's bound on HTTP requests in flight.

    A request waits for a free place at most until its deadline; the wait is part of it.
    """

    def __init__(self, inner: HttpFetcher, slots: asyncio.Semaphore) -> None:
        self._inner = inner
        self._slots = slots

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
    block_private: bool
    cache: TTLCache
    documents: TTLCache
    probes: TTLCache = field(default_factory=TTLCache)  # verifications by endpoint


class Network:
    """Built from the session's Options: DNS, the HTTP client, the SSL context, the bounds."""

    def __init__(self, options: Options) -> None:
        self.cache = TTLCache()
        self.documents = TTLCache()
        self.probes = TTLCache()  # verifications by endpoint (autoconf.probe.shared)
        self.ssl_context: ssl.SSLContext = make_ssl_context(
            ca_file=options.ca_file, context=options.ssl_context
        )
        self.dns = DnsClient(
            nameservers=options.nameservers,
            resolver=options.resolver,
            cache=self.cache,
            shared_socket=options.shared_dns_socket,
        )
        self._owns_client = options.http_client is None
        # Only our own client records connect failures (an injected one connects by itself).
        self.connect_failures = ConnectFailures() if self._owns_client else None
        self.client: httpx.AsyncClient = options.http_client or make_http_client(
            dns=self.dns,
            ssl_context=self.ssl_context,
            block_private=options.block_private_addresses,
            failures=self.connect_failures,
            max_connections=options.max_http_requests,  # no more are ever in use at once
        )
        self.block_private = options.block_private_addresses
        self._http_slots = asyncio.Semaphore(options.max_http_requests)
        self.http = self.for_call(options).http

    def for_call(self, options: Options) -> CallNetwork:
        """The handle one discovery uses: HTTP with that call's phase limits."""
        fetcher = HttpFetcher(
            self.client,
            connect_timeout=options.connect_timeout,
            tls_timeout=options.tls_timeout,
            first_byte_timeout=options.first_byte_timeout,
            failures=self.connect_failures,
        )
        return CallNetwork(
            dns=self.dns,
            http=AdmittedFetcher(fetcher, self._http_slots),
            ssl_context=self.ssl_context,
            block_private=self.block_private,
            cache=self.cache,
            documents=self.documents,
            probes=self.probes,
        )

    async def aclose(self) -> None:
        try:
            if self._owns_client:
                await self.client.aclose()
        finally:
            self.dns.close()
