"""The ``ispdb-bundled`` source: the ISPDB snapshot shipped with the package (no I/O)."""

from __future__ import annotations

from ..models import AttemptStatus, SourceAttempt, SourceName, Trust
from ..parsers.clientconfig import ClientConfig
from ._fetch import outcome_from
from .base import SourceContext, SourceOutcome, Stopwatch

__all__ = ["BundledIspdbSource", "bundled_lookup"]


def bundled_lookup(
    ctx: SourceContext, source: SourceName, domain: str, trust: Trust
) -> tuple[SourceAttempt, ClientConfig | None]:
    """Look ``domain`` up in the bundled index and resolve it for the context's address."""
    watch = Stopwatch()
    target = f"bundled ISPDB {ctx.ispdb.snapshot[:12]}: {domain}".replace(" :", ":")
    template = ctx.ispdb.lookup(domain)
    if template is None:
        attempt = SourceAttempt(
            source=source,
            target=target,
            status=AttemptStatus.EMPTY,
            elapsed_ms=watch.ms(),
            detail=f"{domain} is not among the {len(ctx.ispdb)} bundled domains",
        )
        return attempt, None
    config = template.resolve(
        ctx.address, source=source, trust=trust, real_name=ctx.options.real_name
    )
    attempt = SourceAttempt(
        source=source,
        target=target,
        status=AttemptStatus.OK,
        elapsed_ms=watch.ms(),
        detail=f"provider {ctx.ispdb.provider_key(domain)}",
    )
    return attempt, config


class BundledIspdbSource:
    name = SourceName.ISPDB_BUNDLED

    async def run(self, ctx: SourceContext) -> SourceOutcome:
        found = bundled_lookup(ctx, self.name, ctx.address.domain, Trust.HIGH)
        return outcome_from(self.name, [found])
