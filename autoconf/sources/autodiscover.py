"""The ``autodiscover`` source: Microsoft Autodiscover POX for IMAP, POP3 and SMTP.

Endpoints, all at once: ``https://{domain}/autodiscover/autodiscover.xml``,
``https://autodiscover.{domain}/autodiscover/autodiscover.xml`` and the target of the
``_autodiscover._tcp.{domain}`` SRV record (the first in RFC 2782 order). ``redirectUrl``
re-POSTs to the new HTTPS URL; ``redirectAddr`` starts again with the new address at its
domain's endpoints. At most 10 hops per endpoint, never the same (URL, address) twice: the
pure :func:`next_hop` decides. No credentials are ever sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Set
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..address import EmailAddress, is_within, normalize_host, parse_address
from ..errors import AutoconfError, bounded
from ..models import (
    AttemptStatus,
    DiscoveryWarning,
    ServerSettings,
    SourceAttempt,
    SourceName,
    Trust,
    WarningCode,
)
from ..net.psl import registrable_domain
from ..parsers.autodiscover import AutodiscoverResponse, build_request, parse_autodiscover
from ..parsers.srv import order_records
from ._fetch import failed_attempt, fetch, lower, marked, redirected
from .base import SourceContext, SourceOutcome, Stopwatch

__all__ = ["MAX_HOPS", "AutodiscoverSource", "Redirect", "Refused", "autodiscover_urls", "next_hop"]

MAX_HOPS = 10
_PATH = "/autodiscover/autodiscover.xml"


def autodiscover_urls(domain: str) -> list[str]:
    return [f"https://{domain}{_PATH}", f"https://autodiscover.{domain}{_PATH}"]


@dataclass(frozen=True, slots=True)
class Redirect:
    """Go on: POST for ``address`` to ``urls``, in order, until one answers."""

    urls: tuple[str, ...]
    address: EmailAddress
    detail: str  # for the attempt record
    message: str  # for the warning


@dataclass(frozen=True, slots=True)
class Refused:
    """Stop: the redirect may not be followed."""

    detail: str


def next_hop(
    response: AutodiscoverResponse,
    *,
    url: str,
    address: EmailAddress,
    hops: int,
    seen: Set[tuple[str, str]] = frozenset(),
) -> Redirect | Refused | None:
    """Where a chain goes after ``response`` from ``url``; None when the answer is final.

    ``hops`` counts the redirects followed so far, ``seen`` the (URL, address) pairs already
    asked. Pure: no I/O, so every rule (HTTPS only, at most :data:`MAX_HOPS`, no loops) is
    tested without a network.
    """
    if response.redirect_url is None and response.redirect_addr is None:
        return None
    if hops >= MAX_HOPS:
        return Refused(f"more than {MAX_HOPS} redirects")
    if response.redirect_url is not None:
        target = response.redirect_url
        if not target.lower().startswith("https://"):
            return Refused(f"redirect to non-HTTPS {target} refused")
        try:
            normalize_host(urlsplit(target).hostname or "")
        except ValueError as exc:  # urlsplit's own errors (a bad [...]) are ValueErrors too
            return Refused(bounded(f"redirect to {target!r} refused: {exc}"))
        if (target, str(address)) in seen:
            return Refused(f"redirect loop at {target}")
        return Redirect(
            (target,),
            address,
            f"redirectUrl → {target}",
            f"Autodiscover at {url} redirected to {target}",
        )
    assert response.redirect_addr is not None
    try:
        new = parse_address(response.redirect_addr)
    except AutoconfError as exc:
        return Refused(f"bad redirectAddr: {exc}")
    # The autodiscover. host first: the bare domain is usually a web site.
    urls = tuple(u for u in autodiscover_urls(new.domain)[::-1] if (u, str(new)) not in seen)
    if not urls:
        return Refused(f"redirect loop at {new}")
    return Redirect(
        urls, new, f"redirectAddr → {new}", f"Autodiscover at {url} sent the look-up on to {new}"
    )


def _leaves(hop: Redirect, email_domain: str) -> bool:
    """Does a POX redirect lead to another registrable domain than the email domain's?"""
    host = urlsplit(hop.urls[0]).hostname or ""
    return registrable_domain(host) != registrable_domain(email_domain)


@dataclass
class _Chain:
    """What one chain of hops from a start URL has gathered."""

    trust: Trust
    # The chain left the email domain's registrable domain (an HTTP or POX redirect, or the
    # SRV endpoint): what it finds only ever hints at a host (``ServerSettings.redirected``).
    elsewhere: bool = False
    attempts: list[SourceAttempt] = field(default_factory=list)
    warnings: list[DiscoveryWarning] = field(default_factory=list)


class AutodiscoverSource:
    name = SourceName.AUTODISCOVER

    async def run(self, ctx: SourceContext) -> SourceOutcome:
        srv_attempt, srv_url = await self._srv_endpoint(ctx, ctx.address.domain)
        srv_name = f"_autodiscover._tcp.{ctx.address.domain}"
        srv_attempt = marked(ctx, srv_attempt, srv_name, "SRV")  # what DNSSEC proved of it
        starts = autodiscover_urls(ctx.address.domain) + ([srv_url] if srv_url else [])
        chains = await asyncio.gather(*(self._chain(ctx, url) for url in starts))
        attempts = [srv_attempt]
        incoming: list[ServerSettings] = []
        outgoing: list[ServerSettings] = []
        warnings: list[DiscoveryWarning] = []
        for chain, response in chains:
            attempts.extend(chain.attempts)
            warnings.extend(chain.warnings)
            if response is not None:
                mark = redirected if chain.elsewhere else list
                incoming.extend(mark(response.incoming))
                outgoing.extend(mark(response.outgoing))
                warnings.extend(response.warnings)
        return SourceOutcome(
            source=self.name,
            attempts=attempts,
            incoming=incoming,
            outgoing=outgoing,
            warnings=warnings,
        )

    async def _srv_endpoint(
        self, ctx: SourceContext, domain: str
    ) -> tuple[SourceAttempt, str | None]:
        """The endpoint ``_autodiscover._tcp`` names, first by the SRV parser's own order."""
        watch = Stopwatch()
        target = f"_autodiscover._tcp.{domain} SRV"
        try:
            records = await ctx.network().dns.srv(
                f"_autodiscover._tcp.{domain}", ctx.deadline, limit=ctx.options.first_byte_timeout
            )
        except (AutoconfError, OSError) as exc:
            return failed_attempt(self.name, target, exc, watch), None
        usable = order_records(r for r in records if r.target.strip("."))
        if not usable:
            return self._note(target, AttemptStatus.EMPTY, "no record", watch), None
        record = usable[0]
        try:
            host = normalize_host(record.target)
        except ValueError as exc:
            detail = bounded(f"target {record.target!r} refused: {exc}")
            return self._note(target, AttemptStatus.ERROR, detail, watch), None
        port = "" if record.port == 443 else f":{record.port}"
        url = f"https://{host}{port}{_PATH}"
        return self._note(target, AttemptStatus.OK, f"endpoint {url}", watch), url

    async def _chain(
        self, ctx: SourceContext, start: str
    ) -> tuple[_Chain, AutodiscoverResponse | None]:
        """Follow one start URL through its redirects to settings, an error or a refusal."""
        chain = self._start(ctx, start)
        address: EmailAddress = ctx.address
        queue = [start]
        seen = {(start, str(address))}
        hops = 0
        while queue:
            url = queue.pop(0)
            watch = Stopwatch()
            try:
                response = await self._ask(ctx, url, address, chain)
            except (AutoconfError, OSError) as exc:
                chain.attempts.append(failed_attempt(self.name, url, exc, watch))
                continue  # one endpoint of a redirectAddr hop failing: try the next one queued
            hop = next_hop(response, url=url, address=address, hops=hops, seen=seen)
            if isinstance(hop, Refused):
                chain.attempts.append(self._note(url, AttemptStatus.ERROR, hop.detail, watch))
                break
            if isinstance(hop, Redirect):
                hops += 1
                if _leaves(hop, ctx.address.domain):  # lowers trust as an HTTP redirect does
                    chain.trust, chain.elsewhere = lower(chain.trust), True
                address, queue = hop.address, list(hop.urls)
                seen.update((u, str(address)) for u in hop.urls)
                chain.attempts.append(self._note(url, AttemptStatus.OK, hop.detail, watch))
                chain.warnings.append(
                    DiscoveryWarning(code=WarningCode.REDIRECTED, message=hop.message)
                )
                continue
            if response.error_code is not None and not (response.incoming or response.outgoing):
                detail = bounded(
                    f"Autodiscover error {response.error_code}: "
                    f"{response.error_message or 'no message'}"
                )
                chain.attempts.append(self._note(url, AttemptStatus.ERROR, detail, watch))
                continue
            chain.attempts.append(self._note(url, AttemptStatus.OK, None, watch))
            return chain, response
        return chain, None

    def _start(self, ctx: SourceContext, start: str) -> _Chain:
        """A new chain; an endpoint outside the email domain (the SRV target) lowers trust.

        It was named by unauthenticated DNS: what it says is a weak hint (the reasoning of
        RFC 6186 §6 applies alike).
        """
        host = (urlsplit(start).hostname or "").lower()
        if is_within(host, ctx.address.domain):
            return _Chain(trust=Trust.MEDIUM)
        warning = DiscoveryWarning(
            code=WarningCode.HOST_OUTSIDE_DOMAIN,
            message=f"the _autodiscover._tcp record points outside {ctx.address.domain}, to {host}",
            host=host,
        )
        return _Chain(trust=Trust.LOW, elsewhere=True, warnings=[warning])

    async def _ask(
        self, ctx: SourceContext, url: str, address: EmailAddress, chain: _Chain
    ) -> AutodiscoverResponse:
        """POST the request for ``address`` to ``url`` and parse the answer."""
        result = await fetch(ctx, url, post=build_request(address), shared=False)
        if result.changed_domain:  # an HTTP redirect to another domain on the way
            chain.trust, chain.elsewhere = lower(chain.trust), True
            chain.warnings.extend(
                DiscoveryWarning(code=WarningCode.REDIRECTED, message=m) for m in result.warnings
            )
        return parse_autodiscover(
            result.body, address, source=self.name, trust=chain.trust, origin=result.url
        )

    def _note(
        self, target: str, status: AttemptStatus, detail: str | None, watch: Stopwatch
    ) -> SourceAttempt:
        return SourceAttempt(
            source=self.name, target=target, status=status, elapsed_ms=watch.ms(), detail=detail
        )
