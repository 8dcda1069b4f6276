"""The ``pacc`` source: draft-ietf-mailmaint-pacc's document, used only when DNS vouches for it.

The document is fetched over HTTPS from ``ua-auto-config.DOMAIN`` (no address sent, no redirect
followed) while the ``_ua-auto-config.DOMAIN`` TXT records are looked up; the document counts
only when one record's SHA-256 digest equals that of its exact bytes. A document no record
vouches for is recorded and never used; a digest mismatch is warned about
(``pacc-digest-mismatch``: tampering or a stale record).
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..errors import AutoconfError, FetchError, FetchFailure, ParseError, bounded
from ..models import (
    AttemptStatus,
    AuthMethod,
    DiscoveryWarning,
    OAuthMetadataStatus,
    ProviderInfo,
    ServerSettings,
    Service,
    ServiceKind,
    SourceAttempt,
    SourceName,
    Trust,
    WarningCode,
)
from ..parsers.oauth import OAuthMetadata, metadata_urls, oauth_info, parse_metadata
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
from ._fetch import failed_attempt, fetch
from .base import SourceContext, SourceOutcome, Stopwatch

if TYPE_CHECKING:
    from ..net.http import FetchResult

__all__ = ["OAuthLookup", "PaccSource", "oauth_metadata", "read_document", "read_records"]


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
        outcome = SourceOutcome(
            source=self.name,
            attempts=attempts,
            incoming=incoming,
            outgoing=outgoing,
            provider=provider,
            services=services,
        )
        if document.oauth_issuer is None or provider is None:
            return outcome
        return await self._with_oauth(ctx, outcome, provider, document.oauth_issuer)

    async def _with_oauth(
        self, ctx: SourceContext, outcome: SourceOutcome, provider: ProviderInfo, issuer: str
    ) -> SourceOutcome:
        """``outcome`` with the issuer's endpoints from its metadata (RFC 8414); metadata for
        another issuer takes OAuth away (a client must stop there), any failure is warned of."""
        lookup = await oauth_metadata(ctx, issuer)
        kinds = frozenset(s.kind.value for s in outcome.services)
        info = oauth_info(issuer, lookup.metadata, lookup.status, services=kinds)
        ok = lookup.status is OAuthMetadataStatus.OK
        attempt = SourceAttempt(
            source=self.name,
            target=lookup.url,
            status=AttemptStatus.OK if ok else AttemptStatus.ERROR,
            elapsed_ms=lookup.elapsed_ms,
            detail=None if ok else f"{lookup.status.value}: {lookup.detail}",
        )
        warnings = list(outcome.warnings)
        if not ok:
            message = (
                f"the OAuth issuer {issuer} the PACC document names has no usable metadata "
                f"({lookup.status.value}: {lookup.detail})"
            )
            host = urlsplit(issuer).hostname
            warnings.append(
                DiscoveryWarning(
                    code=WarningCode.OAUTH_METADATA, message=bounded(message), host=host
                )
            )
        mismatch = lookup.status is OAuthMetadataStatus.MISMATCH
        return dataclasses.replace(
            outcome,
            attempts=[*outcome.attempts, attempt],
            provider=provider.model_copy(update={"oauth2": info}),
            warnings=warnings,
            incoming=_without_oauth(outcome.incoming) if mismatch else outcome.incoming,
            outgoing=_without_oauth(outcome.outgoing) if mismatch else outcome.outgoing,
        )

    async def _document(self, ctx: SourceContext, url: str) -> tuple[SourceAttempt, bytes | None]:
        watch = Stopwatch()
        try:
            result = await read_document(ctx, url)
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
            records = await read_records(ctx, query)
        except (AutoconfError, OSError) as exc:
            return failed_attempt(self.name, target, exc, watch), []
        usable = [r for r in records if r.usable]
        status = AttemptStatus.OK if usable else AttemptStatus.EMPTY
        detail = f"{len(usable)} usable of {len(records)} record(s)" if records else "no record"
        attempt = SourceAttempt(
            source=self.name, target=target, status=status, elapsed_ms=watch.ms(), detail=detail
        )
        return attempt, records

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


async def read_document(ctx: SourceContext, url: str) -> FetchResult:
    """The PACC document's answer: HTTPS, no redirect followed (draft §1), cached a while."""
    return await fetch(ctx, url, follow_redirects=False)


async def read_records(ctx: SourceContext, name: str) -> list[IntegrityRecord]:
    """Every TXT record at ``name`` (``_ua-auto-config.DOMAIN``), each read as UAAC1."""
    answer = await ctx.network().dns.txt(name, ctx.deadline, limit=ctx.options.first_byte_timeout)
    return [parse_integrity_record(strings) for strings in answer]


@dataclasses.dataclass(frozen=True, slots=True)
class OAuthLookup:
    """How an issuer's metadata was looked for: the status, the metadata when it matched, the
    URL that decided, and what went wrong (for people)."""

    status: OAuthMetadataStatus
    url: str
    metadata: OAuthMetadata | None = None
    detail: str | None = None
    elapsed_ms: float = 0.0


async def oauth_metadata(ctx: SourceContext, issuer: str) -> OAuthLookup:
    """``issuer``'s metadata: RFC 8414's URL, then OpenID Connect's; the first that loads.

    A document for another issuer ends the search (RFC 8414 §3.3: the client stops). Redirects
    are followed within the fetcher's bounds (HTTPS only).
    """
    watch = Stopwatch()
    urls = metadata_urls(issuer)
    failures: list[tuple[OAuthMetadataStatus, str, str]] = []
    for url in urls:
        try:
            result = await fetch(ctx, url)
            metadata = parse_metadata(result.body, issuer=issuer, origin=result.url)
        except ParseError as exc:
            status = OAuthMetadataStatus.MISMATCH if exc.where == "issuer" else _INVALID
            if status is OAuthMetadataStatus.MISMATCH:
                return OAuthLookup(status, url, detail=bounded(str(exc)), elapsed_ms=watch.ms())
            failures.append((status, url, bounded(str(exc))))
        except (AutoconfError, OSError) as exc:
            gone = isinstance(exc, FetchError) and exc.kind is FetchFailure.HTTP_STATUS
            status = OAuthMetadataStatus.MISSING if gone else OAuthMetadataStatus.UNREACHABLE
            failures.append((status, url, bounded(str(exc) or type(exc).__name__)))
        else:
            return OAuthLookup(OAuthMetadataStatus.OK, url, metadata, elapsed_ms=watch.ms())
    status, url, detail = min(failures, key=lambda f: _WORST_FIRST.index(f[0]))
    return OAuthLookup(status, url, detail=detail, elapsed_ms=watch.ms())


_INVALID = OAuthMetadataStatus.INVALID
# Which failure names the lookup when every URL failed: an answer that is wrong says more
# than a missing one, and a missing one more than no answer.
_WORST_FIRST = (_INVALID, OAuthMetadataStatus.MISSING, OAuthMetadataStatus.UNREACHABLE)


def _without_oauth(servers: list[ServerSettings]) -> list[ServerSettings]:
    return [
        s.model_copy(update={"auth": [a for a in s.auth if a is not AuthMethod.OAUTH2]})
        for s in servers
    ]


def _with(attempt: SourceAttempt, status: AttemptStatus, detail: str | None) -> SourceAttempt:
    return attempt.model_copy(update={"status": status, "detail": detail})
