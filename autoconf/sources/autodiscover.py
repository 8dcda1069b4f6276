"""The ``autodiscover`` source: Microsoft Autodiscover POX for IMAP, POP3 and SMTP.

Endpoints, all at once: ``https://{domain}/autodiscover/autodiscover.xml``,
``https://autodiscover.{domain}/autodiscover/autodiscover.xml`` and the target of the
``_autodiscover._tcp.{domain}`` SRV record. ``redirectUrl`` re-POSTs to the new HTTPS URL;
``redirectAddr`` starts again with the new address at its domain's endpoints. At most 10 hops
per endpoint, never the same (URL, address) twice. No credentials are ever sent.
"""

from __future__ import annotations

import asyncio

from ..address import EmailAddress, is_within, parse_address
from ..errors import AutoconfError
from ..models import (
    AttemptStatus,
    ServerSettings,
    SourceAttempt,
    SourceName,
    Trust,
    Warning,
    WarningCode,
)
from ..parsers.autodiscover import AutodiscoverResponse, build_request, parse_autodiscover
from ._fetch import failed_attempt, fetch, lower
from .base import SourceContext, SourceOutcome, Stopwatch

__all__ = ["MAX_HOPS", "AutodiscoverSource", "autodiscover_urls"]

MAX_HOPS = 10
_PATH = "/autodiscover/autodiscover.xml"


def autodiscover_urls(domain: str) -> list[str]:
    return [f"https://{domain}{_PATH}", f"https://autodiscover.{domain}{_PATH}"]


class AutodiscoverSource:
    name = SourceName.AUTODISCOVER

    async def run(self, ctx: SourceContext) -> SourceOutcome:
        domain = ctx.address.domain
        srv_attempt, srv_url = await self._srv_endpoint(ctx, domain)
        starts = autodiscover_urls(domain) + ([srv_url] if srv_url else [])
        chains = await asyncio.gather(*(self._chain(ctx, url) for url in starts))
        attempts = [srv_attempt]
        incoming: list[ServerSettings] = []
        outgoing: list[ServerSettings] = []
        warnings: list[Warning] = []
        for chain_attempts, response, chain_warnings in chains:
            attempts.extend(chain_attempts)
            warnings.extend(chain_warnings)
            if response is not None:
                incoming.extend(response.incoming)
                outgoing.extend(response.outgoing)
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
        watch = Stopwatch()
        query = f"_autodiscover._tcp.{domain}"
        try:
            records = await ctx.network().dns.srv(
                query, ctx.deadline, limit=ctx.options.first_byte_timeout
            )
        except (AutoconfError, OSError) as exc:
            return failed_attempt(self.name, f"{query} SRV", exc, watch), None
        usable = sorted(
            (r for r in records if r.target.strip(".")), key=lambda r: (r.priority, -r.weight)
        )
        if not usable:
            attempt = SourceAttempt(
                source=self.name,
                target=f"{query} SRV",
                status=AttemptStatus.EMPTY,
                elapsed_ms=watch.ms(),
                detail="no record",
            )
            return attempt, None
        record = usable[0]
        host = record.target.rstrip(".").lower()
        port = "" if record.port == 443 else f":{record.port}"
        url = f"https://{host}{port}{_PATH}"
        attempt = SourceAttempt(
            source=self.name,
            target=f"{query} SRV",
            status=AttemptStatus.OK,
            elapsed_ms=watch.ms(),
            detail=f"endpoint {url}",
        )
        return attempt, url

    async def _chain(
        self, ctx: SourceContext, start: str
    ) -> tuple[list[SourceAttempt], AutodiscoverResponse | None, list[Warning]]:
        attempts: list[SourceAttempt] = []
        warnings: list[Warning] = []
        address: EmailAddress = ctx.address
        queue = [start]
        seen: set[tuple[str, str]] = set()
        # An endpoint outside the email domain (the SRV target) was named by unauthenticated
        # DNS: what it says is a weak hint (RFC 6186 §6 reasoning applies alike).
        start_host = _url_host(start)
        trust = Trust.MEDIUM
        if not is_within(start_host, ctx.address.domain):
            trust = Trust.LOW
            warnings.append(
                Warning(
                    code=WarningCode.HOST_OUTSIDE_DOMAIN,
                    message=f"the _autodiscover._tcp record points outside "
                    f"{ctx.address.domain}, to {start_host}",
                    host=start_host,
                )
            )
        hops = 0
        while queue and hops <= MAX_HOPS:
            url = queue.pop(0)
            if (url, str(address)) in seen:
                attempts.append(self._note(url, AttemptStatus.ERROR, "redirect loop"))
                break
            seen.add((url, str(address)))
            if not url.startswith("https://"):
                attempts.append(
                    self._note(url, AttemptStatus.ERROR, "redirect to non-HTTPS refused")
                )
                break
            watch = Stopwatch()
            try:
                result = await fetch(ctx, url, post=build_request(address), shared=False)
                if result.changed_domain:  # an HTTP redirect to another domain on the way
                    trust = lower(trust)
                    warnings.extend(
                        Warning(code=WarningCode.REDIRECTED, message=m) for m in result.warnings
                    )
                response = parse_autodiscover(
                    result.body, address, source=self.name, trust=trust, origin=result.url
                )
            except (AutoconfError, OSError) as exc:
                attempts.append(failed_attempt(self.name, url, exc, watch))
                # One endpoint of a redirectAddr hop failing: try the next one queued.
                continue
            if response.redirect_url is not None:
                hops += 1
                attempts.append(
                    self._note(
                        url, AttemptStatus.OK, f"redirectUrl → {response.redirect_url}", watch
                    )
                )
                queue = [response.redirect_url]
                warnings.append(
                    Warning(
                        code=WarningCode.REDIRECTED,
                        message=f"Autodiscover at {url} redirected to {response.redirect_url}",
                    )
                )
                continue
            if response.redirect_addr is not None:
                hops += 1
                try:
                    address = parse_address(response.redirect_addr)
                except AutoconfError as exc:
                    attempts.append(
                        self._note(url, AttemptStatus.ERROR, f"bad redirectAddr: {exc}", watch)
                    )
                    break
                attempts.append(
                    self._note(url, AttemptStatus.OK, f"redirectAddr → {address}", watch)
                )
                warnings.append(
                    Warning(
                        code=WarningCode.REDIRECTED,
                        message=f"Autodiscover at {url} sent the look-up on to {address}",
                    )
                )
                queue = autodiscover_urls(address.domain)[::-1]
                continue
            if response.error_code is not None and not (response.incoming or response.outgoing):
                attempts.append(
                    self._note(
                        url,
                        AttemptStatus.ERROR,
                        f"Autodiscover error {response.error_code}: "
                        f"{response.error_message or 'no message'}",
                        watch,
                    )
                )
                continue
            attempts.append(self._note(url, AttemptStatus.OK, None, watch))
            return attempts, response, warnings
        if hops > MAX_HOPS:
            attempts.append(
                self._note(start, AttemptStatus.ERROR, f"more than {MAX_HOPS} redirects")
            )
        return attempts, None, warnings

    def _note(
        self, url: str, status: AttemptStatus, detail: str | None, watch: Stopwatch | None = None
    ) -> SourceAttempt:
        return SourceAttempt(
            source=self.name,
            target=url,
            status=status,
            elapsed_ms=watch.ms() if watch else 0.0,
            detail=detail,
        )


def _url_host(url: str) -> str:
    from urllib.parse import urlsplit

    return (urlsplit(url).hostname or "").lower()
