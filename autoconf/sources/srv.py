"""The ``srv`` source: RFC 6186 / RFC 8314 SRV records of the email domain."""

from __future__ import annotations

import asyncio

from ..errors import AutoconfError, bounded
from ..models import AttemptStatus, SourceAttempt, SourceName
from ..parsers.srv import SERVICES, SrvRecord, settings_from_srv
from ._fetch import failed_attempt
from .base import SourceContext, SourceOutcome, Stopwatch

__all__ = ["SrvSource"]


class SrvSource:
    name = SourceName.SRV

    async def run(self, ctx: SourceContext) -> SourceOutcome:
        dns = ctx.network().dns
        domain = ctx.address.domain

        async def one(service: str) -> tuple[SourceAttempt, list[SrvRecord]]:
            watch = Stopwatch()
            query = f"{service}.{domain}"
            try:
                records = await dns.srv(query, ctx.deadline, limit=ctx.options.first_byte_timeout)
            except (AutoconfError, OSError) as exc:
                return failed_attempt(self.name, f"{query} SRV", exc, watch), []
            if not records:
                status, detail = AttemptStatus.EMPTY, "no record"
            elif all(not r.target.strip(".") for r in records):
                status, detail = AttemptStatus.OK, "target '.': the service is not offered"
            else:
                status = AttemptStatus.OK
                detail = bounded(
                    ", ".join(f"{r.priority} {r.weight} {r.port} {r.target}" for r in records)
                )
            attempt = SourceAttempt(
                source=self.name,
                target=f"{query} SRV",
                status=status,
                elapsed_ms=watch.ms(),
                detail=detail,
            )
            return attempt, records

        results = await asyncio.gather(*(one(service) for service in SERVICES))
        answers = {
            service: records for service, (_, records) in zip(SERVICES, results, strict=True)
        }
        settings = settings_from_srv(answers, ctx.address)
        return SourceOutcome(
            source=self.name,
            attempts=[attempt for attempt, _ in results],
            incoming=settings.incoming,
            outgoing=settings.outgoing,
            warnings=settings.warnings,
        )
