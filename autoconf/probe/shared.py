"""One probe per endpoint per Session: verifications shared for a minute, in flight too.

A batch of many users at a few providers, or a thousand discoveries at once, would otherwise
probe the same servers again and again (most of the TLS handshakes of a verified discovery
are probes). A probe without credentials says the same about an endpoint (protocol, host,
port, security) to every caller of the Session, so its result is kept for
:data:`PROBE_TTL_S`, and callers that ask while it runs wait for it. Never shared: a probe
with a login (it is about the caller's password), and an answer that says nothing lasting
about the server (a phase limit or a deadline cut it short).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import DeadlineExceeded
from ..models import FailureKind, ServerSettings, Verification
from . import driver

if TYPE_CHECKING:
    from ..net.session import CallNetwork
    from ..options import Deadline
    from .conversation import Login
    from .driver import ProbeLimits

__all__ = ["PROBE_TTL_S", "probe_shared", "says_nothing"]

PROBE_TTL_S = 60.0
# A failed probe that ended this close to its deadline was most likely cut short by it.
CUT_SHORT_MARGIN_S = 0.05
_SAYS_NOTHING = frozenset({FailureKind.TIMEOUT, FailureKind.DEADLINE})


async def probe_shared(
    server: ServerSettings,
    net: CallNetwork,
    deadline: Deadline,
    limits: ProbeLimits,
    *,
    login: Login | None = None,
) -> Verification:
    """What a probe of ``server`` finds: a fresh probe, or the Session's recent one of the
    same endpoint (with the same phase limits) when no login is asked for."""
    if login is not None:
        return await _probe(server, net, deadline, limits, login)

    async def fetch() -> tuple[Verification, float]:
        found = await _probe(server, net, deadline, limits, None)
        return found, 0.0 if says_nothing(found, deadline) else PROBE_TTL_S

    key = ("probe", server.endpoint, limits)
    found = await net.probes.get_or_fetch(key, fetch)
    if found.failure is FailureKind.DEADLINE and not deadline.expired:
        # Another call's deadline cut the probe this call waited for; ours has time left.
        found = await net.probes.get_or_fetch(key, fetch)
    return found


def says_nothing(verification: Verification, deadline: Deadline) -> bool:
    """True for a probe a phase limit or the deadline cut short: not kept for others."""
    if verification.failure in _SAYS_NOTHING:
        return True
    return not verification.ok and deadline.remaining() < CUT_SHORT_MARGIN_S


async def _probe(
    server: ServerSettings,
    net: CallNetwork,
    deadline: Deadline,
    limits: ProbeLimits,
    login: Login | None,
) -> Verification:
    try:
        async with net.hosts.admitted(server.host, deadline):
            return await driver.probe_server(  # looked up at the call: tests replace it
                server,
                dns=net.dns,
                ssl_context=net.ssl_context,
                deadline=deadline,
                limits=limits,
                login=login,
                block_private=net.block_private,
            )
    except DeadlineExceeded as exc:  # only the wait for a place at the host raises it
        return Verification(
            reachable=False, error=str(exc), failure=FailureKind.DEADLINE, elapsed_ms=0.0
        )
