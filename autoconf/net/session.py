"""Network resources one or many discoveries share: DNS, HTTP, TLS and their caches."""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING

from ..options import Options
from .cache import TTLCache
from .dns import DnsClient
from .http import HttpFetcher, make_http_client
from .tls import make_ssl_context

if TYPE_CHECKING:
    import httpx

__all__ = ["Network"]


class Network:
    """Built from Options: the DNS client, the HTTP client and fetcher, the SSL context."""

    def __init__(self, options: Options) -> None:
        self.cache = TTLCache()
        self.documents = TTLCache()
        self.ssl_context: ssl.SSLContext = make_ssl_context(
            ca_file=options.ca_file, context=options.ssl_context
        )
        self.dns = DnsClient(
            nameservers=options.nameservers, resolver=options.resolver, cache=self.cache
        )
        self._owns_client = options.http_client is None
        self.client: httpx.AsyncClient = options.http_client or make_http_client(
            dns=self.dns,
            ssl_context=self.ssl_context,
            block_private=options.block_private_addresses,
        )
        self.http = HttpFetcher(
            self.client,
            connect_timeout=options.connect_timeout,
            tls_timeout=options.tls_timeout,
            first_byte_timeout=options.first_byte_timeout,
        )
        self.block_private = options.block_private_addresses

    async def aclose(self) -> None:
        if self._owns_client:
            await self.client.aclose()
