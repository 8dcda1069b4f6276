"""What the network sources share: cached fetches and turning failures into attempts."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from ..errors import (
    AutoconfError,
    DeadlineExceeded,
    FetchError,
    FetchFailure,
    HostNotFound,
    ParseError,
    TLSError,
    bounded,
)
from ..models import (
    AttemptStatus,
    DiscoveryWarning,
    ProviderInfo,
    ServerSettings,
    Service,
    SourceAttempt,
    SourceName,
    Trust,
    WarningCode,
)
from ..net.cache import Codec, through_shared
from ..parsers.clientconfig import ClientConfig, parse_template
from .base import SourceContext, SourceOutcome, Stopwatch

if TYPE_CHECKING:
    from ..net.http import FetchResult

__all__ = [
    "DOCUMENTS",
    "DOCUMENT_TTL",
    "clientconfig_from",
    "failed_attempt",
    "fetch",
    "lower",
    "marked",
    "names_address",
    "outcome_from",
    "redirected",
]

DOCUMENT_TTL = 300.0  # seconds a fetched document is reused within one Session
_NOTHING_THERE = frozenset({404, 410})  # HTTP statuses that mean "nothing published here"
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


async def fetch(
    ctx: SourceContext,
    url: str,
    *,
    post: bytes | None = None,
    shared: bool = True,
    follow_redirects: bool = True,
) -> FetchResult:
    """GET (or POST ``post``) through the session's fetcher.

    ``shared`` answers (the same for every address: ISPDB, a provider's file fetched without
    the address) are reused for a while; answers to a request that names the address are not
    kept, since no other look-up would ask for them again.
    """
    net = ctx.network()

    async def run() -> tuple[FetchResult, float]:
        if post is None:
            result = await net.http.get(url, ctx.deadline, follow_redirects=follow_redirects)
        else:
            result = await net.http.post(
                url, ctx.deadline, body=post, content_type="text/xml; charset=utf-8"
            )
        return result, DOCUMENT_TTL

    if not shared:
        result, _ = await run()
        return result
    key = ("POST" if post else "GET", url, post, follow_redirects)
    if net.shared is None or post is not None or names_address(ctx, url):
        return await net.documents.get_or_fetch(key, run)
    remote = f"{net.shared_scope}:{follow_redirects}:{url}"
    shared_run = through_shared(net.shared, remote, DOCUMENTS, run, ctx.deadline.phase())
    return await net.documents.get_or_fetch(key, shared_run)


def names_address(ctx: SourceContext, url: str) -> bool:
    """Whether ``url`` carries the address (or its local part), plainly or %-encoded: such
    an answer may be personal and never leaves the process."""
    text = unquote_plus(url).casefold()
    address = ctx.address
    return str(address).casefold() in text or f"{address.local_part}@".casefold() in text


def _document(plain: Any) -> FetchResult:
    from ..net.http import FetchResult

    if not isinstance(plain, dict):
        raise ValueError("not a stored document")
    if "missing" in plain:
        raise _missing(plain)
    url, status, body, ctype = plain["url"], plain["status"], plain["body"], plain["type"]
    redirects, warnings = plain["redirects"], plain["warnings"]
    texts = (url, ctype, body, *redirects, *warnings)
    if not all(isinstance(t, str) for t in texts) or type(status) is not int:
        raise ValueError("not a stored document")
    return FetchResult(
        url=url,
        status=status,
        body=base64.b64decode(body, validate=True),
        content_type=ctype,
        redirects=tuple(redirects),
        warnings=tuple(warnings),
    )


def _plain(result: FetchResult) -> dict[str, Any]:
    return {
        "url": result.url,
        "status": result.status,
        "body": base64.b64encode(result.body).decode("ascii"),
        "type": result.content_type,
        "redirects": list(result.redirects),
        "warnings": list(result.warnings),
    }


def _nothing_there(exc: Exception) -> Any:
    """A 404 or 410 as plain data (a lasting answer, worth sharing); None for the rest."""
    if not isinstance(exc, FetchError) or exc.status not in _NOTHING_THERE:
        return None
    return {"missing": exc.status, "message": bounded(str(exc)), "url": exc.url or ""}


def _missing(plain: dict[str, Any]) -> FetchError:
    status, message, url = plain["missing"], plain["message"], plain["url"]
    if status not in _NOTHING_THERE or not isinstance(message, str) or not isinstance(url, str):
        raise ValueError("not a stored failure")
    return FetchError(
        bounded(message), kind=FetchFailure.HTTP_STATUS, status=status, url=url or None
    )


# A fetched document (or a 404/410) as JSON, for a cache shared with other processes.
DOCUMENTS: Codec[FetchResult] = Codec(
    "doc", encode=_plain, decode=_document, failure=_nothing_there
)


def failed_attempt(
    source: SourceName, target: str, exc: BaseException, watch: Stopwatch
) -> SourceAttempt:
    """The attempt record for a look-up that failed with ``exc``."""
    if isinstance(exc, DeadlineExceeded | TimeoutError):
        status = AttemptStatus.TIMEOUT
    elif isinstance(exc, HostNotFound) or (
        isinstance(exc, FetchError) and exc.status in _NOTHING_THERE
    ):
        status = AttemptStatus.EMPTY
    elif isinstance(exc, FetchError) and exc.kind is FetchFailure.BLOCKED:
        status = AttemptStatus.BLOCKED
    else:
        status = AttemptStatus.ERROR
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, TLSError):
        detail = f"{exc.kind}: {detail}"
    detail = bounded(detail)
    return SourceAttempt(
        source=source, target=target, status=status, elapsed_ms=watch.ms(), detail=detail
    )


def marked(ctx: SourceContext, attempt: SourceAttempt, name: str, rdtype: str) -> SourceAttempt:
    """``attempt`` (a DNS look-up of ``name``/``rdtype``) with what DNSSEC proved of it."""
    status = ctx.network().dns.attempt_status(name, rdtype)
    if status is attempt.dnssec:  # DNSSEC off: nothing to add, no copy
        return attempt
    return attempt.model_copy(update={"dnssec": status})


def lower(trust: Trust) -> Trust:
    return Trust.MEDIUM if trust is Trust.HIGH else Trust.LOW


def redirected(servers: Iterable[ServerSettings]) -> list[ServerSettings]:
    """``servers`` marked as named through a redirect to another domain (the ranker then
    never lets them vouch for a host, see :mod:`autoconf.engine.rank`)."""
    return [s.model_copy(update={"redirected": True}) for s in servers]


async def clientconfig_from(
    ctx: SourceContext, source: SourceName, url: str, trust: Trust, *, shared: bool = True
) -> tuple[SourceAttempt, ClientConfig | None]:
    """Fetch ``url`` and parse it as a clientConfig document for the context's address."""
    watch = Stopwatch()
    target = url
    try:
        result = await fetch(ctx, url, shared=shared)
        if result.content_type.lower() in _HTML_TYPES:
            raise ParseError(f"got an HTML page ({result.content_type}), not a clientConfig")
        template = parse_template(result.body, origin=result.url)
    except (AutoconfError, OSError) as exc:
        return failed_attempt(source, target, exc, watch), None
    warnings: list[DiscoveryWarning] = []
    if result.changed_domain:
        trust = lower(trust)
        warnings.extend(
            DiscoveryWarning(code=WarningCode.REDIRECTED, message=message)
            for message in result.warnings
        )
    config = template.resolve(
        ctx.address, source=source, trust=trust, real_name=ctx.options.real_name
    )
    if warnings:
        config = ClientConfig(
            provider=config.provider,
            incoming=redirected(config.incoming),
            outgoing=redirected(config.outgoing),
            warnings=warnings + config.warnings,
            services=config.services,
        )
    found = config.incoming or config.outgoing
    detail = f"redirected via {', '.join(result.redirects)}" if result.redirects else None
    attempt = SourceAttempt(
        source=source,
        target=target,
        status=AttemptStatus.OK if found else AttemptStatus.EMPTY,
        elapsed_ms=watch.ms(),
        detail=detail,
    )
    return attempt, config


def outcome_from(
    source: SourceName,
    results: Iterable[tuple[SourceAttempt, ClientConfig | None]],
    *,
    before: Iterable[SourceAttempt] = (),
) -> SourceOutcome:
    """One outcome from several look-ups: every attempt, every server, the first provider."""
    attempts = list(before)
    incoming: list[ServerSettings] = []
    outgoing: list[ServerSettings] = []
    warnings: list[DiscoveryWarning] = []
    services: list[Service] = []
    provider: ProviderInfo | None = None
    for attempt, config in results:
        attempts.append(attempt)
        if config is None:
            continue
        incoming.extend(config.incoming)
        outgoing.extend(config.outgoing)
        warnings.extend(config.warnings)
        services.extend(config.services)
        provider = provider or config.provider
    return SourceOutcome(
        source=source,
        attempts=attempts,
        incoming=incoming,
        outgoing=outgoing,
        provider=provider,
        warnings=warnings,
        services=services,
    )
