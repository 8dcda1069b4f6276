"""The domain check: every mechanism, then every server they name, under ONE deadline.

:func:`run_check` is the check itself; the public ``check_domain`` of :mod:`autoconf.api` runs it
inside a :class:`~autoconf.Session` (the one owner of network lifetimes), which hands it the
network. It takes a domain or an address (the address is then the one sent as
``?emailaddress=``; for a bare domain ``postmaster@{domain}`` stands in, the one mailbox
RFC 5321 requires). It never raises for a network failure: a host that says nothing costs its
phase limits and appears as a finding.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from .._data import default_ispdb
from ..address import parse_address
from ..models import Security
from ..options import Deadline, Options, checked_options
from ..sources.base import SourceContext
from ..sources.ispdb import ispdb_host_attempt
from .findings import MAX_SERVERS, findings_for, for_the_admin, left_out_finding
from .local import local_finding, local_problem
from .mechanisms import check_mechanisms, servers_named
from .report import (
    DomainReport,
    Finding,
    FindingCode,
    Mechanism,
    MechanismReport,
    ServerReport,
    Severity,
    TransportReport,
)
from .transport import Endpoint, TlsaFound, check_transport
from .transport_findings import server_tlsa_findings, transport_findings, with_tlsa

if TYPE_CHECKING:
    from .._data import BundledIspdb
    from ..models import ServerSettings
    from ..net.session import CallNetwork

__all__ = ["CheckServers", "run_check"]

# The server half keeps to the deadline itself; this is only the safety net around it.
_GRACE = 0.5

# The server half of the check (autoconf.check.servers.check_servers has this shape).
CheckServers = Callable[..., Awaitable[tuple[list[ServerReport], list[Finding]]]]


async def run_check(
    domain_or_address: str,
    *,
    options: Options,
    network: Callable[[], CallNetwork],
    ispdb: BundledIspdb | None = None,
    check_servers: CheckServers | None = None,
) -> DomainReport:
    """Check everything ``domain_or_address``'s domain publishes for mail clients.

    ``network`` gives the call's handle on a session's network (built on first use). Raises
    only :class:`~autoconf.errors.InvalidAddress`; ``check_servers`` replaces the server half
    (tests). A name that must exist is looked up beside the mechanisms: when this machine's
    DNS or network is down, the report says so in one finding and judges nothing else.
    """
    started = time.perf_counter()
    given = domain_or_address.strip()
    address = parse_address(given if "@" in given else f"postmaster@{given}")
    options = checked_options(options)
    deadline = Deadline(options.deadline)
    handle = network()
    ctx = SourceContext(
        address=address,
        options=options,
        deadline=deadline,
        ispdb=ispdb if ispdb is not None else default_ispdb(),
        network=lambda: handle,
    )
    mechanisms, must_exist = await asyncio.gather(check_mechanisms(ctx), ispdb_host_attempt(ctx))
    problem = local_problem(mechanisms, must_exist)
    if problem is not None:  # nothing here is about the domain: probe nothing, blame nothing
        servers: list[ServerReport] = []
        findings = [local_finding(problem, address.domain, mechanisms, must_exist)]
        left_out = 0
        transport = None
    else:
        servers, findings, left_out, transport = await _judged(
            check_servers, mechanisms, handle, options, deadline, address.domain
        )
    return DomainReport(
        domain=address.domain,
        address=str(address) if "@" in given else None,
        checked_at=datetime.now(UTC),
        elapsed_ms=round((time.perf_counter() - started) * 1000.0, 3),
        mechanisms=mechanisms,
        servers=servers,
        findings=findings,
        local_problem=problem,
        servers_left_out=left_out,
        transport=transport,
    )


async def _judged(
    check_servers: CheckServers | None,
    mechanisms: list[MechanismReport],
    network: CallNetwork,
    options: Options,
    deadline: Deadline,
    domain: str,
) -> tuple[list[ServerReport], list[Finding], int, TransportReport | None]:
    """The named servers probed (at most MAX_SERVERS), how many were left out, and every
    finding about the domain's mechanisms and servers."""
    named = servers_named(mechanisms)
    named, left_out = named[:MAX_SERVERS], named[MAX_SERVERS:]
    (servers, server_findings), (transport, tlsa, transport_found) = await asyncio.gather(
        _servers(check_servers, named, network, options, deadline, domain),
        _transport(domain, mechanisms, named, network, options, deadline),
    )
    servers = [
        with_tlsa(s, *tlsa[(s.host, s.port)]) if (s.host, s.port) in tlsa else s for s in servers
    ]
    found = findings_for(domain, mechanisms) + server_findings + _left_out(left_out)
    found += transport_found + server_tlsa_findings(servers)
    return servers, for_the_admin(domain, found), len(left_out), transport


async def _transport(
    domain: str,
    mechanisms: Sequence[MechanismReport],
    named: Sequence[tuple[ServerSettings, frozenset[Mechanism]]],
    network: CallNetwork,
    options: Options,
    deadline: Deadline,
) -> tuple[TransportReport | None, dict[Endpoint, TlsaFound], list[Finding]]:
    """The MX hosts, DANE, MTA-STS and TLS-RPT (not with ``verify`` off), beside the servers;
    when the deadline cuts it short, a finding says so."""
    if not options.verify:
        return None, {}, []
    mx = [r for m in mechanisms if m.mechanism is Mechanism.MX for r in m.dns]
    endpoints = list(
        dict.fromkeys((s.host, s.port) for s, _ in named if s.security is not Security.PLAIN)
    )
    try:
        async with asyncio.timeout(deadline.remaining() + _GRACE):
            report, tlsa = await check_transport(
                domain, mx, endpoints, network=network, options=options, deadline=deadline
            )
    except TimeoutError:
        late = Finding(
            code=FindingCode.MECHANISM_TIMEOUT,
            severity=Severity.WARNING,
            mechanisms=[Mechanism.MX, Mechanism.MTA_STS],
            message="The MX hosts, MTA-STS and TLS-RPT could not be checked before the "
            "deadline passed.",
            fix="Run the check again with a longer --timeout.",
            evidence=["failure: deadline"],
        )
        return None, {}, [late]
    return report, tlsa, transport_findings(domain, report)


def _left_out(servers: Sequence[tuple[ServerSettings, frozenset[Mechanism]]]) -> list[Finding]:
    """The warning for the servers beyond MAX_SERVERS, named by the mechanisms that named them."""
    if not servers:
        return []
    mechanisms = sorted({m for _, named_by in servers for m in named_by}, key=list(Mechanism).index)
    return [left_out_finding(FindingCode.SERVERS_LEFT_OUT, len(servers), mechanisms)]


async def _servers(
    check_servers: CheckServers | None,
    named: Sequence[tuple[ServerSettings, frozenset[Mechanism]]],
    network: CallNetwork,
    options: Options,
    deadline: Deadline,
    domain: str,
) -> tuple[list[ServerReport], list[Finding]]:
    """Probe the named servers with what is left of the deadline (never past it); with
    ``verify`` off (``--no-verify``) they are reported unprobed."""
    if check_servers is None:
        from .servers import check_servers as probe_all

        check_servers = probe_all
    unprobed = [
        ServerReport(
            protocol=s.protocol,
            host=s.host,
            port=s.port,
            security=s.security,
            mechanisms=sorted(m),
        )
        for s, m in named
    ]
    if not named or not options.verify:
        return unprobed, []
    if deadline.expired:
        return unprobed, _not_checked(unprobed)
    try:
        async with asyncio.timeout(deadline.remaining() + _GRACE):
            return await check_servers(
                named, network=network, options=options, deadline=deadline, domain=domain
            )
    except TimeoutError:
        return unprobed, _not_checked(unprobed)


def _not_checked(servers: Sequence[ServerReport]) -> list[Finding]:
    """A warning per server that the deadline left unprobed: never a silent "all fine"."""
    return [
        Finding(
            code=FindingCode.SERVER_UNREACHABLE,
            severity=Severity.WARNING,
            mechanisms=s.mechanisms,
            message=(
                f"{s.protocol.value.upper()} server {s.host}:{s.port} could not be checked "
                "before the deadline passed."
            ),
            fix="Run the check again with a longer --timeout.",
            evidence=["failure: deadline"],
            host=s.host,
            port=s.port,
        )
        for s in servers
    ]
