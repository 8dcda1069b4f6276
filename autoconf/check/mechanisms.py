"""Every mechanism a domain may publish its mail settings by, each looked at on its own.

Unlike a discovery, nothing here stops at the first answer: the two autoconfig URLs are each
fetched with and without ``?emailaddress=`` and over plain HTTP too, all six SRV services are
asked and each target resolved, Autodiscover, both ISPDBs and the MX records are looked at,
and every answer is kept (:class:`~autoconf.check.report.HttpLookup`,
:class:`~autoconf.check.report.DnsRecord`) for :mod:`autoconf.check.findings` to judge.
The I/O goes through the sources' own helpers and the net layer; nothing here decides on a
message text.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from ..errors import (
    AutoconfError,
    DeadlineExceeded,
    DnsError,
    DnsFailure,
    FetchError,
    FetchFailure,
    HostNotFound,
    ParseError,
    TLSError,
    bounded,
)
from ..models import (
    AttemptStatus,
    PaccRecordProblem,
    ServerSettings,
    ServiceKind,
    SourceAttempt,
    SourceName,
    Trust,
    WarningCode,
)
from ..net.http import FetchResult
from ..parsers.clientconfig import parse_template
from ..parsers.pacc import (
    IntegrityRecord,
    PaccDocument,
    digest_of,
    document_url,
    matching_record,
    parse_document,
    record_for,
    settings_from_pacc,
    txt_name,
)
from ..parsers.srv import (
    DAV_SERVICES,
    SERVICES,
    SrvRecord,
    services_from_srv,
    settings_from_srv,
)
from ..sources._fetch import fetch, marked
from ..sources.autoconfig import autoconfig_urls
from ..sources.autodiscover import AutodiscoverSource
from ..sources.base import SourceContext, SourceOutcome, Stopwatch
from ..sources.ispdb import IspdbSource
from ..sources.ispdb_bundled import BundledIspdbSource
from ..sources.mx import MxSource, domain_missing
from ..sources.pacc import oauth_metadata, read_document, read_records
from ..sources.services import ask_service
from ..sources.srv import dav_paths
from .findings import MAX_SERVICES, MAX_SRV_RECORDS
from .report import (
    DnsRecord,
    HttpLookup,
    LookupOutcome,
    Mechanism,
    MechanismReport,
    OAuthCheck,
    PaccDetails,
    PaccRecord,
    ServiceCheck,
)

__all__ = [
    "check_autoconfig",
    "check_autodiscover",
    "check_ispdb",
    "check_mechanisms",
    "check_mx",
    "check_pacc",
    "check_services",
    "check_srv",
    "failed_lookup",
    "fetched_lookup",
    "lookup_clientconfig",
    "servers_named",
]

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_GONE = frozenset({404, 410})


async def check_mechanisms(ctx: SourceContext) -> list[MechanismReport]:
    """Every mechanism at once, each bounded by the context's deadline; reports in a fixed order."""
    checks: list[tuple[Mechanism, Callable[[], Awaitable[_Reports]]]] = [
        (Mechanism.AUTOCONFIG, lambda: check_autoconfig(ctx)),
        (Mechanism.SRV, lambda: check_srv(ctx)),
        (Mechanism.AUTODISCOVER, lambda: check_autodiscover(ctx)),
        (Mechanism.ISPDB, lambda: check_ispdb(ctx)),
        (Mechanism.MX, lambda: check_mx(ctx)),
        (Mechanism.PACC, lambda: check_pacc(ctx)),
    ]
    results = await asyncio.gather(*(_bounded(ctx, m, run) for m, run in checks))
    reports: list[MechanismReport] = []
    for result in results:
        reports.extend(result)
    return reports


_Reports = MechanismReport | list[MechanismReport]


async def _bounded(
    ctx: SourceContext, mechanism: Mechanism, run: Callable[[], Awaitable[_Reports]]
) -> list[MechanismReport]:
    """One mechanism's reports; one that outlives the deadline ends as a timeout report, and
    one that fails with a bug as an error report (as the discovery treats a source)."""
    watch = Stopwatch()
    try:
        async with asyncio.timeout(ctx.deadline.remaining()):
            result = await run()
    except TimeoutError:
        status, detail = AttemptStatus.TIMEOUT, "the check's deadline passed"
    except Exception as exc:  # a bug in one mechanism must not cost the others' reports
        status, detail = AttemptStatus.ERROR, bounded(f"{type(exc).__name__}: {exc}")
    else:
        return result if isinstance(result, list) else [result]
    attempt = SourceAttempt(
        source=_SOURCE_OF[mechanism],
        target=mechanism.value,
        status=status,
        elapsed_ms=watch.ms(),
        detail=detail,
    )
    return [MechanismReport(mechanism=mechanism, published=False, attempts=[attempt])]


_SOURCE_OF = {
    Mechanism.AUTOCONFIG: SourceName.AUTOCONFIG,
    Mechanism.SRV: SourceName.SRV,
    Mechanism.AUTODISCOVER: SourceName.AUTODISCOVER,
    Mechanism.ISPDB: SourceName.ISPDB,
    Mechanism.MX: SourceName.MX,
    Mechanism.PACC: SourceName.PACC,
}


# -- autoconfig ------------------------------------------------------------------------------


async def check_autoconfig(ctx: SourceContext) -> MechanismReport:
    """Both URLs over HTTPS with and without the address, and both over plain HTTP."""
    domain, address = ctx.address.domain, str(ctx.address)
    plan = [(url, True) for url in autoconfig_urls(domain, address)]
    plan += [(url, False) for url in autoconfig_urls(domain, None)]
    plan += [(url, False) for url in autoconfig_urls(domain, None, scheme="http")]
    lookups = await asyncio.gather(
        *(lookup_clientconfig(ctx, url, with_address=with_address) for url, with_address in plan)
    )
    counted = next((x for x in lookups if x.outcome is LookupOutcome.OK), None)
    return MechanismReport(
        mechanism=Mechanism.AUTOCONFIG,
        published=counted is not None,
        where=[x.url for x in lookups],
        http_status=counted.status if counted else None,
        content_type=counted.content_type if counted else None,
        incoming=counted.incoming if counted else [],
        outgoing=counted.outgoing if counted else [],
        lookups=list(lookups),
    )


async def lookup_clientconfig(
    ctx: SourceContext, url: str, *, with_address: bool, source: SourceName | None = None
) -> HttpLookup:
    """Fetch ``url`` and parse it as a clientConfig, keeping the whole answer's evidence and
    (with DNSSEC on) what DNSSEC proved of the URL host's addresses."""
    lookup = await _clientconfig_lookup(ctx, url, with_address=with_address, source=source)
    host = urlsplit(url).hostname
    status = ctx.network().dns.address_status(host) if host else None
    return lookup if status is None else lookup.model_copy(update={"dnssec": status})


async def _clientconfig_lookup(
    ctx: SourceContext, url: str, *, with_address: bool, source: SourceName | None
) -> HttpLookup:
    secure = url.startswith("https://")
    source = source or (SourceName.AUTOCONFIG if secure else SourceName.AUTOCONFIG_HTTP)
    try:
        result = await fetch(ctx, url, shared=not with_address)
    except (AutoconfError, OSError) as exc:
        return failed_lookup(url, with_address, exc)
    seen = {
        "url": url,
        "with_address": with_address,
        "status": result.status,
        "content_type": result.content_type or None,
        "final_url": result.url,
        "redirects": list(result.redirects),
        "redirected_elsewhere": result.changed_domain,
    }
    if result.content_type.lower() in _HTML_TYPES or not _looks_like_xml(result.body):
        detail = f"the answer is not XML ({result.content_type or 'no content type'})"
        return HttpLookup(outcome=LookupOutcome.NOT_XML, detail=detail, **seen)
    try:
        template = parse_template(result.body, origin=result.url)
    except ParseError as exc:
        return HttpLookup(outcome=LookupOutcome.BAD_DOCUMENT, detail=bounded(str(exc)), **seen)
    config = template.resolve(ctx.address, source=source, trust=Trust.HIGH if secure else Trust.LOW)
    found = bool(config.incoming or config.outgoing)
    skipped = [w.message for w in config.warnings if w.code is WarningCode.SKIPPED_SERVER]
    return HttpLookup(
        outcome=LookupOutcome.OK if found else LookupOutcome.EMPTY,
        incoming=config.incoming,
        outgoing=config.outgoing,
        skipped=skipped,
        **seen,
    )


def _looks_like_xml(body: bytes) -> bool:
    start = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:64].lower()
    return start.startswith(b"<") and not start.startswith((b"<!doctype html", b"<html"))


def failed_lookup(url: str, with_address: bool, exc: BaseException) -> HttpLookup:
    """The lookup record for a fetch that raised ``exc`` (decided on its type and fields)."""
    status: int | None = None
    certificate: str | None = None
    if isinstance(exc, DeadlineExceeded | TimeoutError):
        outcome = LookupOutcome.TIMEOUT
    elif isinstance(exc, HostNotFound):
        outcome = LookupOutcome.NOT_FOUND
    elif isinstance(exc, TLSError):
        known = exc.kind != "handshake"
        outcome = LookupOutcome.CERTIFICATE if known else LookupOutcome.TLS
        certificate = exc.kind if known else None
    elif isinstance(exc, FetchError):
        status = exc.status
        if exc.kind is FetchFailure.HTTP_STATUS:
            outcome = LookupOutcome.NOT_FOUND if status in _GONE else LookupOutcome.HTTP_ERROR
        elif exc.kind is FetchFailure.REDIRECT_REFUSED:
            outcome = LookupOutcome.REDIRECT_REFUSED
        else:
            outcome = LookupOutcome.ERROR
    elif isinstance(exc, DnsError | OSError):
        outcome = LookupOutcome.UNREACHABLE
    else:
        outcome = LookupOutcome.ERROR
    return HttpLookup(
        url=url,
        with_address=with_address,
        outcome=outcome,
        status=status,
        certificate=certificate,
        detail=bounded(str(exc) or type(exc).__name__),
    )


def fetched_lookup(url: str, result: FetchResult) -> HttpLookup:
    """The lookup record for a fetch that answered: status, type, final URL and redirects."""
    return HttpLookup(
        url=url,
        outcome=LookupOutcome.OK,
        status=result.status,
        content_type=result.content_type or None,
        final_url=result.url,
        redirects=list(result.redirects),
        redirected_elsewhere=result.changed_domain,
    )


# -- SRV -------------------------------------------------------------------------------------


async def check_srv(ctx: SourceContext) -> MechanismReport:
    """All six RFC 6186 / RFC 8314 services, and whether each target resolves."""
    domain = ctx.address.domain
    answers: dict[str, list[SrvRecord]] = {}
    attempts: list[SourceAttempt] = []

    async def one(service: str) -> None:
        watch = Stopwatch()
        name = f"{service}.{domain}"
        try:
            records = await ctx.network().dns.srv(
                name, ctx.deadline, limit=ctx.options.first_byte_timeout
            )
        except (AutoconfError, OSError) as exc:
            attempts.append(
                marked(ctx, _attempt(SourceName.SRV, f"{name} SRV", exc, watch), name, "SRV")
            )
            return
        answers[service] = records
        status = AttemptStatus.OK if records else AttemptStatus.EMPTY
        attempts.append(
            marked(ctx, _note(SourceName.SRV, f"{name} SRV", status, watch), name, "SRV")
        )

    await asyncio.gather(*(one(service) for service in (*SERVICES, *DAV_SERVICES)))
    answers, left_out = _first_records(answers)
    dns, paths = await asyncio.gather(_srv_records(ctx, answers), dav_paths(ctx, answers))
    settings = settings_from_srv(answers, ctx.address)
    named = services_from_srv(answers, paths, ctx.address)
    services = await check_services(ctx, [(s.kind, s.url) for s in named])
    # The JMAP/DAV look-ups are listed only when they found records (as in a discovery).
    attempts = [a for a in attempts if a.status is not AttemptStatus.EMPTY or _mail(a.target)]
    return MechanismReport(
        mechanism=Mechanism.SRV,
        published=bool(settings.incoming or settings.outgoing),
        where=[f"{service}.{domain}" for service in SERVICES],
        incoming=settings.incoming,
        outgoing=settings.outgoing,
        skipped=[w for w in settings.warnings if w.code is WarningCode.SKIPPED_SERVER],
        attempts=sorted(attempts, key=lambda a: a.target),
        records=[_srv_text(r) for r in dns],
        dns=dns,
        records_left_out=left_out,
        services=services,
    )


def _mail(target: str) -> bool:
    """Whether an SRV attempt's target is one of the mail services (not JMAP or DAV)."""
    return not target.startswith(tuple(DAV_SERVICES))


def _first_records(
    answers: dict[str, list[SrvRecord]],
) -> tuple[dict[str, list[SrvRecord]], int]:
    """At most MAX_SRV_RECORDS per service, those a client tries first (lowest priority, then
    highest weight), and how many were left out: thousands of records are neither resolved,
    listed nor probed. A service within the bound keeps its records as published."""
    kept: dict[str, list[SrvRecord]] = {}
    left_out = 0
    for service, records in answers.items():
        if len(records) > MAX_SRV_RECORDS:
            left_out += len(records) - MAX_SRV_RECORDS
            first = sorted(records, key=lambda r: (r.priority, -r.weight, r.target, r.port))
            records = first[:MAX_SRV_RECORDS]
        kept[service] = records
    return kept, left_out


async def _srv_records(ctx: SourceContext, answers: dict[str, list[SrvRecord]]) -> list[DnsRecord]:
    """The records found, each with whether its target resolves, in the services' order."""
    found: list[tuple[str, SrvRecord]] = [
        (service, record) for service in SERVICES for record in answers.get(service, [])
    ]
    resolved = await asyncio.gather(
        *(_resolves(ctx, record.target.rstrip(".")) for _, record in found)
    )
    dns = ctx.network().dns
    return [
        DnsRecord(
            name=f"{service}.{ctx.address.domain}",
            rtype="SRV",
            priority=record.priority,
            weight=record.weight,
            port=record.port,
            target=record.target.rstrip(".").lower() or ".",
            resolves=ok,
            dnssec=dns.dnssec_of(f"{service}.{ctx.address.domain}", "SRV"),
        )
        for (service, record), ok in zip(found, resolved, strict=True)
    ]


async def _resolves(ctx: SourceContext, host: str) -> bool | None:
    """True if ``host`` has an address, False if the DNS says it has none, None if unknown
    (the look-up failed, or DNSSEC proved its answer bogus: what it holds cannot be read)."""
    if not host:
        return None
    try:
        await ctx.network().dns.addresses(host, ctx.deadline, limit=ctx.options.connect_timeout)
    except DnsError as exc:
        return None if exc.kind is DnsFailure.BOGUS else False
    except (AutoconfError, OSError):
        return None
    return True


def _srv_text(record: DnsRecord) -> str:
    target = "." if record.target == "." else f"{record.target}."
    return f"{record.name}. SRV {record.priority} {record.weight} {record.port} {target}"


# -- Autodiscover, ISPDB, MX -----------------------------------------------------------------


def _from_outcome(mechanism: Mechanism, outcome: SourceOutcome, **extra: object) -> MechanismReport:
    return MechanismReport(
        mechanism=mechanism,
        published=outcome.found_anything,
        where=[a.target for a in outcome.attempts],
        incoming=outcome.incoming,
        outgoing=outcome.outgoing,
        skipped=[w for w in outcome.warnings if w.code is WarningCode.SKIPPED_SERVER],
        attempts=outcome.attempts,
        provider=outcome.provider,
        **extra,
    )


async def check_autodiscover(ctx: SourceContext) -> MechanismReport:
    """Autodiscover POX at its three endpoints, redirects followed (the source's own rules)."""
    return _from_outcome(Mechanism.AUTODISCOVER, await AutodiscoverSource().run(ctx))


async def check_ispdb(ctx: SourceContext) -> list[MechanismReport]:
    """The bundled ISPDB entry and the online one, as two reports."""
    bundled = await BundledIspdbSource().run(ctx)
    online = await IspdbSource().run(ctx)
    reached = any(a.status in _ANSWERED for a in online.attempts)
    return [
        _from_outcome(Mechanism.ISPDB, bundled, source=SourceName.ISPDB_BUNDLED),
        _from_outcome(Mechanism.ISPDB, online, source=SourceName.ISPDB, reached=reached),
    ]


# An online ISPDB fetch that ended so got an HTTP answer (a 404 is ``empty``).
_ANSWERED = frozenset({AttemptStatus.OK, AttemptStatus.EMPTY})


async def check_mx(ctx: SourceContext) -> MechanismReport:
    """The MX records, whether each host resolves, and the provider they point at."""
    watch = Stopwatch()
    domain = ctx.address.domain
    try:
        records = await ctx.network().dns.mx(
            domain, ctx.deadline, limit=ctx.options.first_byte_timeout
        )
    except (AutoconfError, OSError) as exc:
        attempt = marked(ctx, _attempt(SourceName.MX, f"{domain} MX", exc, watch), domain, "MX")
        return MechanismReport(mechanism=Mechanism.MX, published=False, attempts=[attempt])
    resolved = await asyncio.gather(*(_resolves(ctx, r.exchange) for r in records))
    signed = ctx.network().dns.dnssec_of(domain, "MX")
    dns = [
        DnsRecord(
            name=domain,
            rtype="MX",
            priority=r.preference,
            target=r.exchange or ".",
            resolves=ok,
            dnssec=signed,
        )
        for r, ok in zip(records, resolved, strict=True)
    ]
    text = [f"{domain}. MX {r.priority} {r.target.rstrip('.')}." for r in dns]
    if not records or all(r.target == "." for r in dns):
        missing = not records and await domain_missing(ctx)
        status = AttemptStatus.NO_DOMAIN if missing else AttemptStatus.EMPTY
        attempt = marked(ctx, _note(SourceName.MX, f"{domain} MX", status, watch), domain, "MX")
        return MechanismReport(
            mechanism=Mechanism.MX,
            published=bool(records),
            attempts=[attempt],
            records=text,
            dns=dns,
        )
    provider = await MxSource().run(ctx)
    report = _from_outcome(Mechanism.MX, provider, records=text, dns=dns)
    return report.model_copy(update={"published": True, "where": [f"{domain} MX", *report.where]})


def _attempt(
    source: SourceName, target: str, exc: BaseException, watch: Stopwatch
) -> SourceAttempt:
    status = AttemptStatus.TIMEOUT if isinstance(exc, TimeoutError) else AttemptStatus.ERROR
    if isinstance(exc, HostNotFound):
        status = AttemptStatus.EMPTY
    detail = bounded(str(exc) or type(exc).__name__)
    return SourceAttempt(
        source=source, target=target, status=status, elapsed_ms=watch.ms(), detail=detail
    )


def _note(
    source: SourceName, target: str, status: AttemptStatus, watch: Stopwatch
) -> SourceAttempt:
    return SourceAttempt(source=source, target=target, status=status, elapsed_ms=watch.ms())


def servers_named(
    reports: list[MechanismReport],
) -> list[tuple[ServerSettings, frozenset[Mechanism]]]:
    """Every server some mechanism names, once each, with the mechanisms that name it."""
    seen: dict[tuple[str, str, int, str], tuple[ServerSettings, set[Mechanism]]] = {}
    for report in reports:
        for server in [*report.incoming, *report.outgoing]:
            key = (server.protocol.value, server.host, server.port, server.security.value)
            seen.setdefault(key, (server, set()))[1].add(report.mechanism)
    return [(server, frozenset(mechanisms)) for server, mechanisms in seen.values()]


# -- PACC ------------------------------------------------------------------------------------


async def check_pacc(ctx: SourceContext) -> MechanismReport:
    """The PACC document (HTTPS, no redirect followed) and its TXT records, read side by side.

    The servers count as published only when a record vouches for the document, as clients
    decide; the details keep everything else (the digest, each record, ignored entries).
    """
    domain = ctx.address.domain
    url, name = document_url(domain), txt_name(domain)
    (lookup, body), (attempt, records) = await asyncio.gather(
        _pacc_document(ctx, url), _pacc_records(ctx, name)
    )
    details = PaccDetails(records=[PaccRecord(text=r.text, problem=r.problem) for r in records])
    report = MechanismReport(
        mechanism=Mechanism.PACC,
        published=False,
        where=[url, f"{name} TXT"],
        http_status=lookup.status,
        content_type=lookup.content_type,
        attempts=[attempt],
        records=[r.text for r in records],
        lookups=[lookup],
        pacc=details,
    )
    if body is None:
        return report
    report, document = _pacc_judged(ctx, report, lookup, body, records)
    if document is None:
        return report
    issuer = document.oauth_issuer
    oauth, services = await asyncio.gather(
        _oauth_check(ctx, issuer) if issuer else _nothing(),
        check_services(ctx, [(ServiceKind(u.kind), u.url) for u in document.urls]),
    )
    pacc = report.pacc.model_copy(update={"oauth": oauth}) if report.pacc else None
    return report.model_copy(update={"pacc": pacc, "services": services})


async def _nothing() -> None:
    return None


async def _oauth_check(ctx: SourceContext, issuer: str) -> OAuthCheck:
    """The issuer's metadata as a client reads it (:func:`autoconf.sources.pacc.oauth_metadata`)."""
    found = await oauth_metadata(ctx, issuer)
    meta = found.metadata
    if meta is None:
        return OAuthCheck(issuer=issuer, status=found.status, url=found.url, detail=found.detail)
    return OAuthCheck(
        issuer=issuer,
        status=found.status,
        url=found.url,
        authorization_endpoint=meta.authorization_endpoint,
        token_endpoint=meta.token_endpoint,
        registration_endpoint=meta.registration_endpoint,
        grant_types=meta.grant_types,
        pkce_methods=meta.pkce_methods,
        token_auth_methods=meta.token_auth_methods,
        public_client_ready=meta.public_client_ready,
        detail="; ".join(meta.problems) or None,
    )


async def check_services(
    ctx: SourceContext, services: list[tuple[ServiceKind, str]]
) -> list[ServiceCheck]:
    """Each JMAP/DAV URL asked once without credentials (:func:`~autoconf.sources.services.
    ask_service`: 2xx or 401 at the end of its redirects is an ``ok`` lookup); none with
    ``verify`` off."""
    if not ctx.options.verify:
        return []

    async def one(kind: ServiceKind, url: str) -> ServiceCheck:
        try:
            result = await ask_service(ctx, url)
        except (AutoconfError, OSError) as exc:
            return ServiceCheck(kind=kind, lookup=failed_lookup(url, False, exc))
        lookup = fetched_lookup(url, result)
        return ServiceCheck(kind=kind, lookup=lookup, challenges=list(result.www_authenticate))

    unique = list(dict.fromkeys(services))[:MAX_SERVICES]
    return list(await asyncio.gather(*(one(kind, url) for kind, url in unique)))


def _pacc_judged(
    ctx: SourceContext,
    report: MechanismReport,
    lookup: HttpLookup,
    body: bytes,
    records: list[IntegrityRecord],
) -> tuple[MechanismReport, PaccDocument | None]:
    """``report`` completed from the document's bytes: digest, matches, servers if vouched."""
    matched = matching_record(body, records)
    details = PaccDetails(
        digest=digest_of(body),
        record_to_publish=record_for(body),
        records=[PaccRecord(text=r.text, problem=r.problem, matches=r is matched) for r in records],
    )
    try:
        document = parse_document(body, origin=lookup.url)
    except ParseError as exc:
        bad = lookup.model_copy(
            update={"outcome": LookupOutcome.BAD_DOCUMENT, "detail": bounded(str(exc))}
        )
        return report.model_copy(update={"lookups": [bad], "pacc": details}), None
    details = details.model_copy(
        update={
            "keys": sorted(document.keys),
            "ignored": list(document.problems),
            "urls": [u.url for u in document.urls],
        }
    )
    incoming, outgoing, provider = settings_from_pacc(document, ctx.address)
    found = bool(incoming or outgoing or document.urls)
    lookup = lookup.model_copy(
        update={
            "outcome": LookupOutcome.OK if found else LookupOutcome.EMPTY,
            "incoming": incoming,
            "outgoing": outgoing,
        }
    )
    vouched = matched is not None
    judged = report.model_copy(
        update={
            "published": vouched and found,
            "incoming": incoming if vouched else [],
            "outgoing": outgoing if vouched else [],
            "lookups": [lookup],
            "provider": provider if vouched else None,
            "pacc": details,
        }
    )
    return judged, document


async def _pacc_document(ctx: SourceContext, url: str) -> tuple[HttpLookup, bytes | None]:
    try:
        result = await read_document(ctx, url)
    except (AutoconfError, OSError) as exc:
        return failed_lookup(url, False, exc), None
    return fetched_lookup(url, result), result.body


async def _pacc_records(
    ctx: SourceContext, name: str
) -> tuple[SourceAttempt, list[IntegrityRecord]]:
    watch = Stopwatch()
    try:
        records = await read_records(ctx, name)
    except (AutoconfError, OSError) as exc:
        return marked(ctx, _attempt(SourceName.PACC, f"{name} TXT", exc, watch), name, "TXT"), []
    records = [r for r in records if r.problem is not PaccRecordProblem.NOT_UAAC]
    status = AttemptStatus.OK if records else AttemptStatus.EMPTY
    return marked(ctx, _note(SourceName.PACC, f"{name} TXT", status, watch), name, "TXT"), records
