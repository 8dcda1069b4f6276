"""The ``ispdb`` source: Mozilla's online ISPDB (base URL configurable; sends the domain only).

When nothing came back, the ISPDB's own host is looked up again: if even that name does not
resolve, the attempt is ``unresolved`` instead of ``empty`` (with the email domain missing too,
the discovery reads it as this machine's DNS or network being down).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ..errors import DnsError
from ..models import AttemptStatus, SourceAttempt, SourceName, Trust
from ._fetch import clientconfig_from, outcome_from
from .base import SourceContext, SourceOutcome

__all__ = ["IspdbSource", "ispdb_url"]


def ispdb_url(base: str, domain: str) -> str:
    return (base if base.endswith("/") else base + "/") + domain


class IspdbSource:
    name = SourceName.ISPDB

    async def run(self, ctx: SourceContext) -> SourceOutcome:
        url = ispdb_url(ctx.options.ispdb_url, ctx.address.domain)
        attempt, config = await clientconfig_from(ctx, self.name, url, Trust.HIGH)
        if attempt.status is AttemptStatus.EMPTY:
            attempt = await _unless_unresolved(ctx, attempt, urlsplit(url).hostname or "")
        return outcome_from(self.name, [(attempt, config)])


async def _unless_unresolved(
    ctx: SourceContext, attempt: SourceAttempt, host: str
) -> SourceAttempt:
    """``attempt``, marked ``unresolved`` when the ISPDB's host name does not resolve."""
    try:
        await ctx.network().dns.addresses(host, ctx.deadline, limit=ctx.options.connect_timeout)
    except DnsError:
        return attempt.model_copy(update={"status": AttemptStatus.UNRESOLVED})
    except OSError:  # a deadline or another failure: this says nothing about the DNS
        pass
    return attempt
