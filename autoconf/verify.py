"""Verify candidates with live probes while the discovery runs.

A candidate is probed as soon as a source proposes it (at most :data:`EARLY_PER_DIRECTION`
per direction, in the order they arrive), so probing overlaps the slower sources; once the
sources are done, the top :data:`PROBES_PER_DIRECTION` of each direction are probed too if
they were not already. Everything is bounded by the discovery's deadline.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

from .address import is_within
from .events import ProbeFinished
from .models import FailureKind, Protocol, ServerSettings, Trust, Verification
from .sources.base import SourceContext

__all__ = ["EARLY_PER_DIRECTION", "PROBES_PER_DIRECTION", "Prober", "password_refusal"]

PROBES_PER_DIRECTION = 3
EARLY_PER_DIRECTION = 4
# A failed probe that ended this close to the deadline was most likely cut short by it.
_CUT_SHORT_MARGIN = 0.05

Endpoint = tuple[object, ...]


def password_refusal(server: ServerSettings, email_domain: str) -> str | None:
    """Why the caller's password must not go to ``server``, or None when it may.

    TLS only proves the server is the host it was told to reach; whether that host is the
    user's provider depends on who named it. A password goes to a host inside the email domain
    (its certificate proves it belongs there), or to a host named by a source we trust highly
    (the caller's own files, the provider's HTTPS autoconfig, the curated ISPDB) — never to a
    host that only unauthenticated DNS, plain HTTP or a redirect elsewhere pointed at.
    """
    if server.trust is Trust.HIGH:
        return None
    if server.trust is Trust.MEDIUM and is_within(server.host, email_domain):
        return None
    sources = ", ".join(s.value for s in server.sources)
    where = "inside" if is_within(server.host, email_domain) else "outside"
    return (
        f"not tried: {server.host} ({where} {email_domain}) was named only by {sources} "
        f"({server.trust.value} trust), so the password was not sent to it"
    )


class Prober:
    def __init__(self, ctx: SourceContext) -> None:
        self._ctx = ctx
        self._tasks: dict[Endpoint, asyncio.Task[Verification]] = {}
        self._servers: dict[Endpoint, ServerSettings] = {}
        self._early = {True: 0, False: 0}
        self.verified: dict[Endpoint, Verification] = {}

    def start(self, server: ServerSettings, *, early: bool) -> bool:
        """Start probing ``server`` unless it is known already; True when a probe started."""
        if server.verification is not None or server.endpoint in self._tasks:
            return False
        if self._ctx.deadline.expired:
            return False
        incoming = server.protocol is not Protocol.SMTP
        if early:
            if self._early[incoming] >= EARLY_PER_DIRECTION:
                return False
            if self._ctx.options.credentials is not None and password_refusal(
                server, self._ctx.address.domain
            ):
                # Another source may still vouch for this server; probe it (with the login)
                # after the merge rather than now without it.
                return False
            self._early[incoming] += 1
        self._servers[server.endpoint] = server
        self._tasks[server.endpoint] = asyncio.create_task(self._probe(server))
        return True

    async def _probe(self, server: ServerSettings) -> Verification:
        from .probe.conversation import Login
        from .probe.driver import ProbeLimits
        from .probe.shared import probe_shared

        ctx, options = self._ctx, self._ctx.options
        login = None
        withheld: str | None = None
        if options.credentials is not None:
            withheld = password_refusal(server, ctx.address.domain)
            if withheld is None:
                username = options.credentials.username or server.username or str(ctx.address)
                login = Login(username, options.credentials.password.get_secret_value())
        limits = ProbeLimits.from_options(options)
        verification = await probe_shared(server, ctx.network(), ctx.deadline, limits, login=login)
        if withheld is not None:
            verification = verification.model_copy(update={"login_detail": withheld})
        return verification

    async def finish(self) -> AsyncGenerator[ProbeFinished, None]:
        """Wait for every started probe (bounded by the deadline), yielding each result."""
        by_task = {task: endpoint for endpoint, task in self._tasks.items()}
        pending = {t for t in by_task if not t.done()}
        for task in [t for t in by_task if t.done()]:
            yield self._record(by_task[task], task.result())
        while pending:
            done, pending = await asyncio.wait(
                pending,
                timeout=self._ctx.deadline.remaining(),
                return_when=asyncio.FIRST_COMPLETED,
            )
            if not done:
                break
            for task in done:
                yield self._record(by_task[task], task.result())
        for task in pending:
            task.cancel()
            late = Verification(
                reachable=False,
                error="the discovery deadline passed during the probe",
                failure=FailureKind.DEADLINE,
            )
            yield self._record(by_task[task], late, cut_short=True)

    def _record(
        self, endpoint: Endpoint, verification: Verification, *, cut_short: bool = False
    ) -> ProbeFinished:
        # A probe the deadline cut short says nothing about the server: it stays unverified
        # (ranked between verified and failed servers) instead of counting as a failure.
        cut_short = cut_short or (
            verification.failure is FailureKind.DEADLINE
            or (not verification.ok and self._ctx.deadline.remaining() < _CUT_SHORT_MARGIN)
        )
        if not cut_short:
            self.verified[endpoint] = verification
        server = self._servers[endpoint].model_copy(update={"verification": verification})
        return ProbeFinished(server)

    async def aclose(self) -> None:
        for task in self._tasks.values():
            if not task.done():
                task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
