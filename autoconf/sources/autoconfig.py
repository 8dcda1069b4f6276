"""The ``autoconfig`` and ``autoconfig-http`` sources: the provider's own config-v1.1.xml.

Over HTTPS the address is sent (``?emailaddress=``) on both URLs, as Thunderbird does, so
providers can tailor the answer (some, like automua, answer 400 without it); over plain HTTP
it is not, and whatever comes back is marked insecure (low trust, a warning).
"""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from ..models import SourceName, Trust
from ._fetch import clientconfig_from, outcome_from
from .base import SourceContext, SourceOutcome

__all__ = ["AutoconfigSource", "autoconfig_urls"]


def autoconfig_urls(domain: str, address: str | None, *, scheme: str = "https") -> list[str]:
    query = f"?emailaddress={quote(address, safe='@')}" if address is not None else ""
    return [
        f"{scheme}://autoconfig.{domain}/mail/config-v1.1.xml{query}",
        f"{scheme}://{domain}/.well-known/autoconfig/mail/config-v1.1.xml{query}",
    ]


class AutoconfigSource:
    def __init__(self, *, secure: bool = True) -> None:
        self.secure = secure
        self.name = SourceName.AUTOCONFIG if secure else SourceName.AUTOCONFIG_HTTP
        self.trust = Trust.HIGH if secure else Trust.LOW

    async def run(self, ctx: SourceContext) -> SourceOutcome:
        address = str(ctx.address) if self.secure else None
        urls = autoconfig_urls(
            ctx.address.domain, address, scheme="https" if self.secure else "http"
        )
        # A URL that carries the address gets a personal answer, which is not cached.
        shared = address is None
        results = await asyncio.gather(
            *(clientconfig_from(ctx, self.name, url, self.trust, shared=shared) for url in urls)
        )
        return outcome_from(self.name, results)
