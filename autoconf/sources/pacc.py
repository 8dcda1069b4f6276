"""The ``pacc`` source: draft-ietf-mailmaint-pacc's document, used only when DNS vouches for it.

The document is fetched over HTTPS from ``ua-auto-config.DOMAIN`` (no address sent, no redirect
followed) while the ``_ua-auto-config.DOMAIN`` TXT records are looked up; the document counts
only when one record's SHA-256 digest equals that of its exact bytes. A document no record
vouches for is recorded and never used; a digest mismatch is warned about
(``pacc-digest-mismatch``: tampering or a stale record).
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from ..errors import AutoconfError, ParseError, bounded
from ..models import (
    AttemptStatus,
    DiscoveryWarning,
    Service,
    ServiceKind,
    SourceAttempt,
    SourceName,
    Trust,
    WarningCode,
)
from ..parsers.pacc import (
    IntegrityRecord,
    digest_of,
    document_url,
    matching_record,
    parse_document,
    parse_integrity_record,
    settings_from_pacc,
    txt_name,
)
from ._fetch import failed_attempt, fetch, marked
from .base import SourceContext, SourceOutcome, Stopwatch

__all__ = ["PaccSource"]


class PaccSource:
    name = SourceName.PACC

    async def run(self, ctx: SourceContext) -> SourceOutcome:
        url = document_url(ctx.address.domain)
        (doc_attempt, body), (txt_attempt, records) = await asyncio.gather(
            self._document(ctx, url), self._records(ctx)
        )
        attempts = [doc_attempt, txt_attempt]
        if body is None:
            return SourceOutcome(source=self.name, attempts=attempts)
        matched = matching_record(body, records)
        if matched is None:
            return self._unvouched(url, body, records, attempts)
        try:
            document = parse_document(body, origin=url)
        except ParseError as exc:
            attempts[0] = _with(doc_attempt, AttemptStatus.ERROR, bounded(str(exc)))
            return SourceOutcome(source=self.name, attempts=attempts)
        incoming, outgoing, provider = settings_from_pacc(document, ctx.address)
        status = AttemptStatus.OK if incoming or outgoing or document.urls else AttemptStatus.EMPTY
        detail = "vouched for by its _ua-auto-config TXT record"
        if document.problems:
            detail = bounded(f"{detail}; ignored: {'; '.join(document.problems)}")
        attempts[0] = _with(doc_attempt, status, detail)
        services = [
            Service(kind=ServiceKind(u.kind), url=u.url, sources=[self.name], trust=Trust.HIGH)
            for u in document.urls
        ]
        return SourceOutcome(
            source=self.name,
            attempts=attempts,
            incoming=incoming,
            outgoing=outgoing,
            provider=provider,
            services=services,
        )

    async def _document(self, ctx: SourceContext, url: str) -> tuple[SourceAttempt, bytes | None]:
        watch = Stopwatch()
        try:
            result = await fetch(ctx, url, follow_redirects=False)
        except (AutoconfError, OSError) as exc:
            return failed_attempt(self.name, url, exc, watch), None
        attempt = SourceAttempt(
            source=self.name, target=url, status=AttemptStatus.OK, elapsed_ms=watch.ms()
        )
        return attempt, result.body

    async def _records(self, ctx: SourceContext) -> tuple[SourceAttempt, list[IntegrityRecord]]:
        watch = Stopwatch()
        query = txt_name(ctx.address.domain)
        target = f"{query} TXT"
        try:
            answer = await ctx.network().dns.txt(
                query, ctx.deadline, limit=ctx.options.first_byte_timeout
            )
        except (AutoconfError, OSError) as exc:
            return marked(ctx, failed_attempt(self.name, target, exc, watch), query, "TXT"), []
        records = [parse_integrity_record(strings) for strings in answer]
        usable = [r for r in records if r.usable]
        status = AttemptStatus.OK if usable else AttemptStatus.EMPTY
        detail = f"{len(usable)} usable of {len(records)} record(s)" if records else "no record"
        attempt = SourceAttempt(
            source=self.name, target=target, status=status, elapsed_ms=watch.ms(), detail=detail
        )
        return marked(ctx, attempt, query, "TXT"), records

    def _unvouched(
        self,
        url: str,
        body: bytes,
        records: list[IntegrityRecord],
        attempts: list[SourceAttempt],
    ) -> SourceOutcome:
        """The outcome for a document no record vouches for: recorded, never used."""
        warnings: list[DiscoveryWarning] = []
        if any(r.usable for r in records):
            detail = f"not used: its digest {digest_of(body)} matches no _ua-auto-config TXT record"
            warnings.append(
                DiscoveryWarning(
                    code=WarningCode.PACC_DIGEST_MISMATCH,
                    message=(
                        f"the PACC document at {url} does not match the digest its domain "
                        "publishes in DNS: it was changed on the way or the record is stale; "
                        "it was not used"
                    ),
                    host=urlsplit(url).hostname,
                )
            )
        else:
            detail = "not used: no _ua-auto-config TXT record vouches for it"
        attempts[0] = _with(attempts[0], AttemptStatus.ERROR, detail)
        return SourceOutcome(source=self.name, attempts=attempts, warnings=warnings)


def _with(attempt: SourceAttempt, status: AttemptStatus, detail: str | None) -> SourceAttempt:
    return attempt.model_copy(update={"status": status, "detail": detail})
