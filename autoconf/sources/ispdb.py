"""The ``ispdb`` source: Mozilla's online ISPDB (base URL configurable; sends the domain only).

The ISPDB's own host, a name that must exist, is looked up beside the fetch: when the fetch
got no answer and even that name does not resolve (NXDOMAIN, or no DNS answer at all), the
attempt is ``unresolved`` instead of ``empty``, ``timeout`` or ``error`` (with the email
domain's own look-up failing too, the discovery reads it as this machine's DNS or network
being down).
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from ..errors import DnsError, bounded
from ..models import AttemptStatus, SourceAttempt, SourceName, Trust
from ._fetch import clientconfig_from, outcome_from
from .base import SourceContext, SourceOutcome, Stopwatch

__all__ = ["IspdbSource", "ispdb_host_attempt", "ispdb_url"]


def ispdb_url(base: str, domain: str) -> str:
    return (base if base.endswith("/") else base + "/") + domain


class IspdbSource:
    name = SourceName.ISPDB

    async def run(self, ctx: SourceContext) -> SourceOutcome:
        url = ispdb_url(ctx.options.ispdb_url, ctx.address.domain)
        # The host is looked up beside the fetch, not after it: both ask the DNS the same
        # question at once (the cache answers them with one query), so a resolver that never
        # answers costs one phase limit here, not two.
        (attempt, config), host = await asyncio.gather(
            clientconfig_from(ctx, self.name, url, Trust.HIGH), ispdb_host_attempt(ctx)
        )
        if attempt.status in _NOT_ANSWERED and host.status is AttemptStatus.UNRESOLVED:
            attempt = attempt.model_copy(update={"status": AttemptStatus.UNRESOLVED})
        return outcome_from(self.name, [(attempt, config)])


# How a fetch ends when its host may not have resolved (a DNS failure is one of these).
_NOT_ANSWERED = frozenset({AttemptStatus.EMPTY, AttemptStatus.TIMEOUT, AttemptStatus.ERROR})


async def ispdb_host_attempt(ctx: SourceContext) -> SourceAttempt:
    """The look-up of the online ISPDB's host (from ``ispdb_url``), a name that must exist.

    ``ok`` when it resolves; ``unresolved`` when the DNS says it does not exist or gives no
    answer (a :class:`~autoconf.errors.DnsError`); ``timeout`` when the call's deadline ends
    it first and ``error`` for another failure, which both say nothing about the DNS.
    """
    watch = Stopwatch()
    host = urlsplit(ctx.options.ispdb_url).hostname or ""
    status, detail = AttemptStatus.OK, None
    try:
        async with asyncio.timeout(ctx.deadline.remaining()):
            await ctx.network().dns.addresses(host, ctx.deadline, limit=ctx.options.connect_timeout)
    except DnsError as exc:
        status, detail = AttemptStatus.UNRESOLVED, str(exc) or None
    except TimeoutError:  # the deadline (DeadlineExceeded is one too)
        status, detail = AttemptStatus.TIMEOUT, "the deadline passed"
    except OSError as exc:
        status, detail = AttemptStatus.ERROR, str(exc) or type(exc).__name__
    return SourceAttempt(
        source=SourceName.ISPDB,
        target=f"{host} A/AAAA",
        status=status,
        elapsed_ms=watch.ms(),
        detail=bounded(detail) if detail else None,
    )
