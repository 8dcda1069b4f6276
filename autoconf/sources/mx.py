"""The ``mx`` source: find the hosting provider from where the domain's mail goes.

The lowest-preference MX host gives two candidate provider domains: the host minus its first
label (``aspmx.l.google.com`` → ``l.google.com``) and its registrable domain by the Public
Suffix List (``google.com``). For each, in that order: the bundled ISPDB, the online ISPDB and
``https://autoconfig.{mxdomain}/mail/config-v1.1.xml`` (the address is not sent to it). Skipped
when the MX domain is the email domain itself; a null MX means the domain takes no mail.
Before those, the MX host itself is matched against the bundled index's MX patterns
(mailcore2's ``mx-match``: any host under ``mail.outlook.com`` is Outlook's), which works
even when the MX host is inside the email domain.
With no MX record, NXDOMAIN for the domain's MX and its A makes the attempt ``no-domain``: the
email domain does not exist (the discovery then skips guessing).
"""

from __future__ import annotations

import asyncio
import dataclasses

from ..address import normalize_host
from ..errors import AutoconfError, bounded
from ..models import AttemptStatus, DnssecStatus, SourceAttempt, SourceName, Trust
from ..net.psl import registrable_domain
from ..parsers.clientconfig import ClientConfig
from ._fetch import clientconfig_from, failed_attempt, marked, outcome_from
from .autoconfig import autoconfig_urls
from .base import SourceContext, SourceOutcome, Stopwatch
from .ispdb import ispdb_url
from .ispdb_bundled import bundled_lookup, bundled_resolve

__all__ = ["MxSource", "domain_missing", "mx_candidate_domains"]


def mx_candidate_domains(mx_host: str, email_domain: str) -> list[str]:
    """The provider domains to look up for ``mx_host``, best first, email domain excluded."""
    base = registrable_domain(mx_host)
    full = mx_host.split(".", 1)[1] if "." in mx_host else ""
    # The autoconfig draft's %MXFULLDOMAIN% is used only when longer than %MXBASEDOMAIN%: the
    # MX host example.co.uk must never send the library to autoconfig.co.uk.
    candidates = [full] if len(full) > len(base) else []
    candidates.append(base)
    kept: list[str] = []
    for domain in candidates:
        if domain.count(".") < 1 or domain in kept:
            continue
        if domain == email_domain:
            continue
        kept.append(domain)
    return kept


class MxSource:
    name = SourceName.MX

    async def run(self, ctx: SourceContext) -> SourceOutcome:
        watch = Stopwatch()
        domain = ctx.address.domain
        target = f"{domain} MX"
        try:
            records = await ctx.network().dns.mx(
                domain, ctx.deadline, limit=ctx.options.first_byte_timeout
            )
        except (AutoconfError, OSError) as exc:
            failed = marked(ctx, failed_attempt(self.name, target, exc, watch), domain, "MX")
            return SourceOutcome(source=self.name, attempts=[failed])
        if not records:
            if await domain_missing(ctx):
                detail = f"{domain} does not exist (NXDOMAIN for its MX and its A)"
                return self._only(ctx, AttemptStatus.NO_DOMAIN, detail, watch)
            return self._only(ctx, AttemptStatus.EMPTY, "no MX record", watch)
        best = records[0]
        if best.exchange in ("", "."):
            return self._only(
                ctx,
                AttemptStatus.EMPTY,
                "null MX (RFC 7505): the domain accepts no mail",
                watch,
            )
        try:
            exchange = normalize_host(best.exchange)
        except ValueError as exc:  # unauthenticated DNS data: refused, the rest goes on
            detail = bounded(f"MX target {best.exchange!r} refused: {exc}")
            return self._only(ctx, AttemptStatus.ERROR, detail, watch)
        candidates = mx_candidate_domains(exchange, domain)
        matched = self._pattern(ctx, exchange)
        mx_attempt = SourceAttempt(
            source=self.name,
            target=target,
            status=AttemptStatus.OK if candidates else AttemptStatus.SKIPPED,
            elapsed_ms=watch.ms(),
            detail=(
                f"{exchange} → provider domains {', '.join(candidates)}"
                if candidates
                else f"{exchange} is inside {domain}: nothing to learn from it"
            ),
        )
        mx_attempt = marked(ctx, mx_attempt, domain, "MX")
        if not candidates:
            return outcome_from(self.name, matched, before=[mx_attempt])

        # The bundled index answers at once; the online ISPDB and autoconfig run together.
        bundled = matched + [bundled_lookup(ctx, self.name, c, Trust.MEDIUM) for c in candidates]
        urls = [ispdb_url(ctx.options.ispdb_url, c) for c in candidates] + [
            autoconfig_urls(c, None)[0] for c in candidates
        ]
        fetched = await asyncio.gather(
            *(clientconfig_from(ctx, self.name, url, Trust.MEDIUM) for url in urls)
        )
        outcome = outcome_from(self.name, [*bundled, *fetched], before=[mx_attempt])
        return _signed_by(outcome, mx_attempt.dnssec)

    def _pattern(
        self, ctx: SourceContext, mx_host: str
    ) -> list[tuple[SourceAttempt, ClientConfig | None]]:
        """The bundled provider whose MX pattern matches ``mx_host``, if any (no I/O)."""
        key = ctx.ispdb.mx_provider(mx_host)
        if key is None:
            return []
        watch = Stopwatch()
        config = bundled_resolve(ctx, ctx.ispdb.template(key), self.name, Trust.MEDIUM)
        attempt = SourceAttempt(
            source=self.name,
            target=f"bundled MX patterns: {mx_host}",
            status=AttemptStatus.OK,
            elapsed_ms=watch.ms(),
            detail=f"{mx_host} matches provider {key}",
        )
        return [(attempt, config)]

    def _only(
        self, ctx: SourceContext, status: AttemptStatus, detail: str, watch: Stopwatch
    ) -> SourceOutcome:
        """The one attempt of an MX look-up that leads nowhere."""
        domain = ctx.address.domain
        attempt = SourceAttempt(
            source=self.name,
            target=f"{domain} MX",
            status=status,
            elapsed_ms=watch.ms(),
            detail=detail,
        )
        return SourceOutcome(source=self.name, attempts=[marked(ctx, attempt, domain, "MX")])


def _signed_by(outcome: SourceOutcome, status: DnssecStatus | None) -> SourceOutcome:
    """``outcome`` with its servers marked with what DNSSEC proved of the MX they came from."""
    if status is None:
        return outcome
    return dataclasses.replace(
        outcome,
        incoming=[s.model_copy(update={"dnssec": status}) for s in outcome.incoming],
        outgoing=[s.model_copy(update={"dnssec": status}) for s in outcome.outgoing],
    )


async def domain_missing(ctx: SourceContext) -> bool:
    """Does the DNS say the email domain does not exist? False when it cannot tell."""
    try:
        return await ctx.network().dns.no_such_domain(
            ctx.address.domain, ctx.deadline, limit=ctx.options.first_byte_timeout
        )
    except (AutoconfError, OSError):
        return False
