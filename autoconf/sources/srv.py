"""The ``srv`` source: RFC 6186 / RFC 8314 SRV records of the email domain.

Beside the mail services it asks for JMAP (RFC 8620 §2.2: ``_jmap._tcp``) and CalDAV/CardDAV
(RFC 6764: ``_caldavs._tcp``, ``_carddavs._tcp`` and their plain-HTTP labels, with the TXT
``path`` beside them), which become ``DiscoveryResult.services``.
"""

from __future__ import annotations

import asyncio

from ..errors import AutoconfError, bounded
from ..models import AttemptStatus, SourceAttempt, SourceName
from ..parsers.srv import (
    DAV_SERVICES,
    SERVICES,
    SrvRecord,
    services_from_srv,
    settings_from_srv,
    txt_path,
)
from ._fetch import failed_attempt
from .base import SourceContext, SourceOutcome, Stopwatch

__all__ = ["SrvSource", "dav_paths"]


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

        labels = [*SERVICES, *DAV_SERVICES]
        results = await asyncio.gather(*(one(label) for label in labels))
        answers = {label: records for label, (_, records) in zip(labels, results, strict=True)}
        settings = settings_from_srv(answers, ctx.address)
        paths = await dav_paths(ctx, answers)
        return SourceOutcome(
            source=self.name,
            # The JMAP/DAV look-ups are recorded only when they found records: they are not
            # about mail, and every domain without them would list five empty attempts.
            attempts=[
                attempt
                for label, (attempt, records) in zip(labels, results, strict=True)
                if label in SERVICES or records
            ],
            incoming=settings.incoming,
            outgoing=settings.outgoing,
            warnings=settings.warnings,
            services=services_from_srv(answers, paths, ctx.address),
        )


async def dav_paths(
    ctx: SourceContext, answers: dict[str, list[SrvRecord]]
) -> dict[str, str | None]:
    """The TXT ``path`` beside each DAV SRV record that has one (RFC 6764 §4)."""
    asked = [label for label in DAV_SERVICES if label != "_jmap._tcp" and answers.get(label)]

    async def path(label: str) -> str | None:
        name = f"{label}.{ctx.address.domain}"
        try:
            found = await ctx.network().dns.txt(
                name, ctx.deadline, limit=ctx.options.first_byte_timeout
            )
        except (AutoconfError, OSError):
            return None  # no path: the well-known URL is used
        return txt_path(found)

    found = await asyncio.gather(*(path(label) for label in asked))
    return dict(zip(asked, found, strict=True))
