"""A Session shares network resources and caches across many discoveries.

A single ``discover()`` makes its own short-lived session. A batch, a server or a wizard that
looks up many addresses keeps one, so DNS answers and fetched documents are reused for their
TTL and connections stay warm::

    async with autoconf.Session(options) as session:
        for address in addresses:
            result = await session.discover(address)

The network stack (httpx, dnspython) is imported and built only when a network source runs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from types import TracebackType
from typing import TYPE_CHECKING

from .options import Options

if TYPE_CHECKING:
    from ._data import BundledIspdb
    from .models import DiscoveryResult
    from .net.session import Network
    from .pipeline import DiscoveryEvent
    from .sources.base import Source

__all__ = ["Session"]


class Session:
    def __init__(self, options: Options | None = None) -> None:
        self.options = options if options is not None else Options()
        self._network: Network | None = None

    def network(self) -> Network:
        if self._network is None:
            from .net.session import Network

            self._network = Network(self.options)
        return self._network

    async def discover(
        self,
        address: str,
        *,
        options: Options | None = None,
        ispdb: BundledIspdb | None = None,
        sources: Sequence[Source] | None = None,
    ) -> DiscoveryResult:
        """Like :func:`autoconf.discover`, sharing this session's network and caches."""
        from .pipeline import discover

        return await discover(
            address, options=options or self.options, ispdb=ispdb, sources=sources, session=self
        )

    def discover_events(
        self,
        address: str,
        *,
        options: Options | None = None,
        ispdb: BundledIspdb | None = None,
        sources: Sequence[Source] | None = None,
    ) -> AsyncIterator[DiscoveryEvent]:
        from .pipeline import discover_events

        return discover_events(
            address, options=options or self.options, ispdb=ispdb, sources=sources, session=self
        )

    async def aclose(self) -> None:
        if self._network is not None:
            network, self._network = self._network, None
            await network.aclose()

    async def __aenter__(self) -> Session:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
