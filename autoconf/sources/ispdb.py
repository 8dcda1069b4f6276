"""The ``ispdb`` source: Mozilla's online ISPDB (base URL configurable; sends the domain only)."""

from __future__ import annotations

from ..models import SourceName, Trust
from ._fetch import clientconfig_from, outcome_from
from .base import SourceContext, SourceOutcome

__all__ = ["IspdbSource", "ispdb_url"]


def ispdb_url(base: str, domain: str) -> str:
    return (base if base.endswith("/") else base + "/") + domain


class IspdbSource:
    name = SourceName.ISPDB

    async def run(self, ctx: SourceContext) -> SourceOutcome:
        url = ispdb_url(ctx.options.ispdb_url, ctx.address.domain)
        result = await clientconfig_from(ctx, self.name, url, Trust.HIGH)
        return outcome_from(self.name, [result])
