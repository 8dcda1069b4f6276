"""STUB, replaced by the ``audit`` branch at merge: probe every server a mechanism names.

Only the interface is fixed here, so that :mod:`autoconf.check.run` can call it; this
version probes nothing and reports every server with ``verification=None``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .report import Finding, Mechanism, ServerReport

if TYPE_CHECKING:
    from ..models import ServerSettings
    from ..net.session import CallNetwork
    from ..options import Deadline, Options

__all__ = ["check_servers"]


async def check_servers(
    servers: Sequence[tuple[ServerSettings, frozenset[Mechanism]]],
    *,
    network: CallNetwork,
    options: Options,
    deadline: Deadline,
    domain: str,
) -> tuple[list[ServerReport], list[Finding]]:
    """The servers as reports, unprobed (the audit branch's version probes them)."""
    del network, options, deadline, domain
    reports = [
        ServerReport(
            protocol=server.protocol,
            host=server.host,
            port=server.port,
            security=server.security,
            mechanisms=sorted(mechanisms),
        )
        for server, mechanisms in servers
    ]
    return reports, []
