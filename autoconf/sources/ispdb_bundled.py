"""The ``ispdb-bundled`` source: the ISPDB snapshot shipped with the package (no I/O)."""

from __future__ import annotations

from ..models import AttemptStatus, SourceAttempt, SourceName, Trust
from .base import SourceContext, SourceOutcome, Stopwatch

__all__ = ["BundledIspdbSource"]


class BundledIspdbSource:
    name = SourceName.ISPDB_BUNDLED

    async def run(self, ctx: SourceContext) -> SourceOutcome:
        watch = Stopwatch()
        domain = ctx.address.domain
        target = f"bundled ISPDB {ctx.ispdb.snapshot[:12]}: {domain}".replace(" :", ":")
        template = ctx.ispdb.lookup(domain)
        if template is None:
            attempt = SourceAttempt(
                source=self.name,
                target=target,
                status=AttemptStatus.EMPTY,
                elapsed_ms=watch.ms(),
                detail=f"{domain} is not among the {len(ctx.ispdb)} bundled domains",
            )
            return SourceOutcome(source=self.name, attempts=[attempt])
        config = template.resolve(
            ctx.address, source=self.name, trust=Trust.HIGH, real_name=ctx.options.real_name
        )
        attempt = SourceAttempt(
            source=self.name,
            target=target,
            status=AttemptStatus.OK,
            elapsed_ms=watch.ms(),
            detail=f"provider {ctx.ispdb.provider_key(domain)}",
        )
        return SourceOutcome(
            source=self.name,
            attempts=[attempt],
            incoming=config.incoming,
            outgoing=config.outgoing,
            provider=config.provider,
            warnings=config.warnings,
        )
