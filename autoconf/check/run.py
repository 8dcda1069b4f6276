"""The domain check: every mechanism, then every server they name, under ONE deadline.

:func:`check_domain` takes a domain or an address (the address is then the one sent as
``?emailaddress=``; for a bare domain ``postmaster@{domain}`` stands in, the one mailbox
RFC 5321 requires). It never raises for a network failure: a host that says nothing costs its
phase limits and appears as a finding.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from .._data import default_ispdb
from ..address import parse_address
from ..engine.runner import run_sync
from ..options import Deadline, Options, checked_options
from ..sources.base import SourceContext
from .findings import MAX_SERVERS, findings_for, left_out_finding
from .mechanisms import check_mechanisms, servers_named
from .report import DomainReport, Finding, FindingCode, Mechanism, ServerReport, Severity

if TYPE_CHECKING:
    from .._data import BundledIspdb
    from ..models import ServerSettings
    from ..net.session import CallNetwork, Network

__all__ = ["CheckServers", "check_domain", "check_domain_sync"]

# The server half keeps to the deadline itself; this is only the safety net around it.
_GRACE = 0.5

# The server half of the check (autoconf.check.servers.check_servers has this shape).
CheckServers = Callable[..., Awaitable[tuple[list[ServerReport], list[Finding]]]]


class _HasNetwork(Protocol):
    """A :class:`~autoconf.Session` (or anything else) that owns a network to share."""

    def network(self) -> Network: ...


async def check_domain(
    domain_or_address: str,
    *,
    options: Options | None = None,
    session: _HasNetwork | None = None,
    ispdb: BundledIspdb | None = None,
    check_servers: CheckServers | None = None,
) -> DomainReport:
    """Check everything ``domain_or_address``'s domain publishes for mail clients.

    Raises only :class:`~autoconf.errors.InvalidAddress` (and ``OptionsError``). With a
    ``session`` its network and caches are used; otherwise the check builds its own.
    """
    started = time.perf_counter()
    given = domain_or_address.strip()
    address = parse_address(given if "@" in given else f"postmaster@{given}")
    options = checked_options(options)
    deadline = Deadline(options.deadline)
    own: Network | None = None
    if session is not None:
        network = session.network()
    else:
        from ..net.session import Network

        network = own = Network(options)
    try:
        handle = network.for_call(options)
        ctx = SourceContext(
            address=address,
            options=options,
            deadline=deadline,
            ispdb=ispdb if ispdb is not None else default_ispdb(),
            network=lambda: handle,
        )
        mechanisms = await check_mechanisms(ctx)
        named = servers_named(mechanisms)
        named, left_out = named[:MAX_SERVERS], named[MAX_SERVERS:]
        servers, server_findings = await _servers(
            check_servers, named, handle, options, deadline, address.domain
        )
    finally:
        if own is not None:
            await own.aclose()
    return DomainReport(
        domain=address.domain,
        address=str(address) if "@" in given else None,
        checked_at=datetime.now(UTC),
        elapsed_ms=round((time.perf_counter() - started) * 1000.0, 3),
        mechanisms=mechanisms,
        servers=servers,
        findings=findings_for(address.domain, mechanisms) + server_findings + _left_out(left_out),
        servers_left_out=len(left_out),
    )


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


def check_domain_sync(
    domain_or_address: str,
    *,
    options: Options | None = None,
    ispdb: BundledIspdb | None = None,
    check_servers: CheckServers | None = None,
) -> DomainReport:
    """:func:`check_domain` for synchronous callers (also safe inside a running event loop)."""
    return run_sync(
        check_domain(domain_or_address, options=options, ispdb=ispdb, check_servers=check_servers)
    )
