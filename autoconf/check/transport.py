"""How other mail servers reach the domain: the MX hosts on port 25, DANE, MTA-STS, TLS-RPT.

The network half (the judging is :mod:`autoconf.check.transport_findings`, pure): the zone's
DNSSEC status (validated from the trust anchors, with the link that decides it), every MX
host probed as a sending server would (EHLO, STARTTLS, the certificate against the WebPKI, and
an unverified handshake for the TLS version and the presented key, which DANE judges apart
from the WebPKI; when those fail, one offering only TLS 1.0/1.1 tells an MX stuck there from
one without TLS), the TLSA records of the MX hosts and of the named servers, the ``_mta-sts``
TXT record and the policy file (fetched with the certificate checked and no redirect followed,
RFC 8461 §3.3, bounded to 64 KiB), and the ``_smtp._tls`` TXT record. Everything runs at once
within the check's one deadline; a look-up that fails is recorded, never raised.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from ..errors import AutoconfError, DeadlineExceeded, DnsError, DnsFailure, ParseError, bounded
from ..models import DaneStatus, DnssecStatus, Protocol, Security, ServerSettings, TlsStatus
from ..net.dane import check_chain, usable_records
from ..net.dns import DnsAnswer
from ..net.session import CallNetwork
from ..options import Deadline, Options
from ..parsers.mtasts import MAX_POLICY_BYTES, parse_policy, sts_record
from ..parsers.tlsa import TlsaRecord
from ..parsers.tlsrpt import tlsrpt_record
from ..probe.driver import (
    LegacyTlsOutcome,
    ProbeLimits,
    fetch_tls_facts,
    probe_legacy_tls,
    probe_server,
)
from .mechanisms import failed_lookup, fetched_lookup
from .report import (
    DnsRecord,
    HttpLookup,
    MtaStsDetails,
    MxHostReport,
    TlsaCheck,
    TransportReport,
)
from .servers import deadline_passed
from .transport_findings import compare_tlsa

__all__ = ["MAX_MX_HOSTS", "Endpoint", "TlsaFound", "check_transport", "lookup_tlsa"]

MAX_MX_HOSTS = 8  # MX hosts probed at most (senders try the first few)
Endpoint = tuple[str, int]
TlsaFound = tuple[TlsaCheck, tuple[TlsaRecord, ...]]


async def check_transport(
    domain: str,
    mx: Sequence[DnsRecord],
    endpoints: Sequence[Endpoint],
    *,
    network: CallNetwork,
    options: Options,
    deadline: Deadline,
) -> tuple[TransportReport, dict[Endpoint, TlsaFound]]:
    """The transport report of ``domain`` (MX records ``mx``), and the TLSA records of the
    named servers' ``endpoints`` (compared with their keys once those are probed)."""
    hosts = [r for r in mx if r.target not in ("", ".")][:MAX_MX_HOSTS]
    limits = ProbeLimits.from_options(options)
    probes = asyncio.gather(*(_mx_host(r, network, limits, deadline) for r in hosts))
    tlsa = asyncio.gather(*(lookup_tlsa(h, p, network, limits, deadline) for h, p in endpoints))
    found, checks, sts, rpt, (zone, detail) = await asyncio.gather(
        probes,
        tlsa,
        _mta_sts(domain, network, options, deadline),
        _tls_rpt(domain, network, options, deadline),
        network.dns.zone_dnssec(domain, deadline, limit=options.first_byte_timeout),
    )
    report = TransportReport(
        dnssec=zone,
        dnssec_detail=detail,
        mx=list(found),
        mta_sts=sts,
        tls_rpt=rpt[0],
        tls_rpt_problem=rpt[1],
    )
    return report, dict(zip(endpoints, checks, strict=True))


async def lookup_tlsa(
    host: str, port: int, network: CallNetwork, limits: ProbeLimits, deadline: Deadline
) -> tuple[TlsaCheck, tuple[TlsaRecord, ...]]:
    """``_PORT._tcp.HOST``'s TLSA records: the report's form, and the records themselves."""
    check, answer = await _tlsa_answer(host, port, network, limits, deadline)
    return check, answer.records if answer is not None else ()


async def _tlsa_answer(
    host: str, port: int, network: CallNetwork, limits: ProbeLimits, deadline: Deadline
) -> tuple[TlsaCheck, DnsAnswer[TlsaRecord] | None]:
    """The TLSA look-up in the report's form, and its answer (None when it failed)."""
    try:
        answer = await network.dns.tlsa(host, port, deadline, limit=limits.connect)
    except (AutoconfError, OSError) as exc:
        # A bogus answer is never returned (autoconf.net.dns): its status is what it says.
        bogus = isinstance(exc, DnsError) and exc.kind is DnsFailure.BOGUS
        error = bounded(str(exc) or type(exc).__name__)
        return TlsaCheck(error=error, dnssec=DnssecStatus.BOGUS if bogus else None), None
    check = TlsaCheck(records=[r.to_text() for r in answer.records], dnssec=answer.dnssec)
    return check, answer


async def _mx_host(
    record: DnsRecord, network: CallNetwork, limits: ProbeLimits, deadline: Deadline
) -> MxHostReport:
    """:func:`_mx_host_now` behind the session's bound on work in flight to one host
    (``Options.max_per_host``), as every probe of the check."""
    try:
        async with network.hosts.admitted(record.target, deadline):
            return await _mx_host_now(record, network, limits, deadline)
    except DeadlineExceeded:
        return MxHostReport(
            host=record.target, preference=record.priority, verification=deadline_passed()
        )


async def _mx_host_now(
    record: DnsRecord, network: CallNetwork, limits: ProbeLimits, deadline: Deadline
) -> MxHostReport:
    """One MX host: the SMTP probe on port 25, the unverified handshake, its TLSA records."""
    server = ServerSettings(
        protocol=Protocol.SMTP, host=record.target, port=25, security=Security.STARTTLS
    )
    dns, private = network.dns, network.block_private
    verification, facts, (tlsa, answer) = await asyncio.gather(
        probe_server(
            server,
            dns=dns,
            ssl_context=network.ssl_context,
            deadline=deadline,
            limits=limits,
            block_private=private,
        ),
        fetch_tls_facts(server, dns=dns, deadline=deadline, limits=limits, block_private=private),
        _tlsa_answer(server.host, 25, network, limits, deadline),
    )
    records = answer.records if answer is not None else ()
    # DANE-TA's reference identifiers: the host, and the name a secure alias expands it to.
    names = list(answer.names) if answer is not None and answer.names else [server.host]
    version = facts.version if facts is not None else None
    if version is None and verification.tls is TlsStatus.FAILED and not deadline.expired:
        version = await _legacy_version(server, network, limits, deadline)
    chain = facts.chain if facts is not None else None
    spki = None
    if chain:
        from ..net.certificates import spki_sha256

        spki = spki_sha256(chain[0])
    matches = compare_tlsa(records, spki)
    usable = usable_records(records)
    if chain and usable:  # DANE's own matching decides where it can (RFC 7671)
        matches = check_chain(chain, usable, names=names).status is DaneStatus.VERIFIED
    return MxHostReport(
        host=record.target,
        preference=record.priority,
        verification=verification,
        tls_version=version,
        spki_sha256=spki,
        tlsa=tlsa.model_copy(update={"matches": matches}) if records else tlsa,
    )


async def _legacy_version(
    server: ServerSettings, network: CallNetwork, limits: ProbeLimits, deadline: Deadline
) -> str | None:
    """The TLS 1.0/1.1 an MX agrees to when it refused every newer version (STARTTLS offered,
    the handshakes from TLS 1.2 up failed); None when it refuses those too, or when this
    machine's OpenSSL cannot offer them."""
    legacy = await probe_legacy_tls(
        server,
        dns=network.dns,
        deadline=deadline,
        limits=limits,
        block_private=network.block_private,
    )
    return legacy.version if legacy.outcome is LegacyTlsOutcome.ACCEPTED else None


async def _txt(
    name: str, network: CallNetwork, options: Options, deadline: Deadline
) -> list[tuple[bytes, ...]]:
    try:
        return await network.dns.txt(name, deadline, limit=options.first_byte_timeout)
    except (AutoconfError, OSError):
        return []  # a failed look-up publishes nothing this check could judge


async def _mta_sts(
    domain: str, network: CallNetwork, options: Options, deadline: Deadline
) -> MtaStsDetails:
    """The ``_mta-sts`` record and the policy file, each read strictly."""
    url = f"https://mta-sts.{domain}/.well-known/mta-sts.txt"
    texts, (lookup, body) = await asyncio.gather(
        _txt(f"_mta-sts.{domain}", network, options, deadline), _policy(url, network, deadline)
    )
    details = MtaStsDetails(policy=lookup)
    try:
        record = sts_record(texts)
        if record is not None:
            details = details.model_copy(update={"record": record.text})
    except ParseError as exc:
        details = details.model_copy(update={"record_problem": str(exc)})
    if body is None:
        return details
    try:
        policy = parse_policy(body)
    except ParseError as exc:
        return details.model_copy(update={"policy_problem": str(exc)})
    update = {"mode": policy.mode.value, "max_age": policy.max_age, "mx": list(policy.mx)}
    return details.model_copy(update=update)


async def _policy(
    url: str, network: CallNetwork, deadline: Deadline
) -> tuple[HttpLookup, bytes | None]:
    """The policy file: 200 only, no redirect, at most 64 KiB (RFC 8461 §3.3)."""
    try:
        result = await network.http.get(
            url, deadline, max_bytes=MAX_POLICY_BYTES, follow_redirects=False
        )
    except (AutoconfError, OSError) as exc:
        return failed_lookup(url, False, exc), None
    return fetched_lookup(url, result), result.body


async def _tls_rpt(
    domain: str, network: CallNetwork, options: Options, deadline: Deadline
) -> tuple[str | None, str | None]:
    """The ``_smtp._tls`` record's text and, when it is unusable, why."""
    texts = await _txt(f"_smtp._tls.{domain}", network, options, deadline)
    try:
        record = tlsrpt_record(texts)
    except ParseError as exc:
        shown = [b"".join(t).decode("utf-8", "replace") for t in texts]
        return next((t for t in shown if t.startswith("v=TLSRPT")), None), str(exc)
    return (record.text if record else None), None
