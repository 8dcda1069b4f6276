"""Verify candidates with live probes while the discovery runs.

A candidate is probed as soon as a source proposes it (at most :data:`EARLY_PER_DIRECTION`
per direction, in the order they arrive), so probing overlaps the slower sources; once the
sources are done, the top :data:`PROBES_PER_DIRECTION` of each direction are probed too if
they were not already. Everything is bounded by the discovery's deadline.

By default (``Options.probe_all`` off) each direction is probed best first: the best candidate
of the first source to name one (the engine starts a source's candidates best first, not in
the order its document lists them), and after the merge the best of all (ranked as if every
candidate worked, so that a guess's earlier confirmation does not count), are probed at once;
the others only once that probe failed, or has not answered within :data:`ALTERNATES_AFTER_S`
(a silent server must not make the alternates wait for its phase limits). When the best candidate
works, the alternates that probing everything would have probed are marked
``NotProbed.BEST_WORKS``. The answer is the same as probing everything gives: a working best
candidate stays first (ranking puts a working server above unchecked and failed ones, and
among working ones keeps the merged order), and when it fails every candidate that probing
everything would have tried is tried.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Iterable

from .address import is_within
from .events import ProbeFinished
from .models import FailureKind, NotProbed, Protocol, ServerSettings, Trust, Verification
from .sources.base import SourceContext

__all__ = [
    "ALTERNATES_AFTER_S",
    "EARLY_PER_DIRECTION",
    "PROBES_PER_DIRECTION",
    "Prober",
    "mark_not_probed",
    "password_refusal",
]

PROBES_PER_DIRECTION = 3
EARLY_PER_DIRECTION = 4
# Best first: the alternates of a direction start once its first probe has run this long
# without an answer (a working server on a loaded machine answers well within it).
ALTERNATES_AFTER_S = 1.0
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
        self._reported: set[Endpoint] = set()
        self.verified: dict[Endpoint, Verification] = {}
        self.probe_all = ctx.options.probe_all
        # Best first: per direction (incoming?), the probe that leads it, when it started,
        # the early candidates waiting for it to fail, and whether they may start now.
        self._lead: dict[bool, tuple[Endpoint, float]] = {}
        self._waiting: dict[bool, list[ServerSettings]] = {True: [], False: []}
        self._released = {True: False, False: False}
        self._watchers: list[asyncio.Task[None]] = []

    def start(self, server: ServerSettings, *, early: bool) -> bool:
        """Start probing ``server`` unless it is known already; True when a probe started.

        Best first, an early candidate that is not the first of its direction waits (False)
        until that first one failed or took too long; it then starts without an event.
        """
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
            if self._held(incoming):
                self._waiting[incoming].append(server)
                return False
        self._launch(server, incoming)
        return True

    def _held(self, incoming: bool) -> bool:
        """Best first: must an early alternate of this direction wait for its lead probe?"""
        if self.probe_all or self._released[incoming]:
            return False
        return incoming in self._lead

    def _launch(self, server: ServerSettings, incoming: bool) -> None:
        self._servers[server.endpoint] = server
        self._tasks[server.endpoint] = asyncio.create_task(self._probe(server))
        if not self.probe_all and incoming not in self._lead:
            self._lead[incoming] = (server.endpoint, time.monotonic())
            self._watchers.append(asyncio.create_task(self._watch(incoming)))

    async def _watch(self, incoming: bool) -> None:
        """Let the early alternates of a direction start once its lead probe failed or has
        run :data:`ALTERNATES_AFTER_S` without an answer."""
        endpoint, _ = self._lead[incoming]
        task = self._tasks[endpoint]
        await asyncio.wait({task}, timeout=self._patience(incoming))
        if not (task.done() and task.result().ok):
            self.release(incoming)

    def _patience(self, incoming: bool) -> float:
        """Seconds left until the lead probe of a direction has had its time."""
        _, began = self._lead[incoming]
        left = began + ALTERNATES_AFTER_S - time.monotonic()
        return max(0.0, min(left, self._ctx.deadline.remaining()))

    def release(self, incoming: bool) -> None:
        """Start the early alternates of a direction that were waiting (no events)."""
        self._released[incoming] = True
        waiting, self._waiting[incoming] = self._waiting[incoming], []
        for server in waiting:
            if server.endpoint not in self._tasks and not self._ctx.deadline.expired:
                self._launch(server, incoming)

    async def settle(self, best: Iterable[ServerSettings]) -> AsyncGenerator[ProbeFinished, None]:
        """Wait until the probe of each of ``best`` ended or had its time; yield what ended."""
        for server in best:
            task = self._tasks.get(server.endpoint)
            if task is None or task.done():
                continue
            incoming = server.protocol is not Protocol.SMTP
            began = self._lead.get(incoming, (None, time.monotonic()))[1]
            left = began + ALTERNATES_AFTER_S - time.monotonic()
            await asyncio.wait({task}, timeout=max(0.0, min(left, self._ctx.deadline.remaining())))
        for endpoint, task in list(self._tasks.items()):
            if task.done() and endpoint not in self._reported:
                yield self._record(endpoint, task.result())

    def works(self, server: ServerSettings) -> bool:
        """Did ``server`` (its own verification, or this discovery's probe of it) work?"""
        found = server.verification or self.verified.get(server.endpoint)
        return found is not None and found.probed and found.ok

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
        """Wait for every started probe (bounded by the deadline), yielding each result once."""
        by_task = {
            task: endpoint
            for endpoint, task in self._tasks.items()
            if endpoint not in self._reported
        }
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
        self._reported.add(endpoint)
        if not cut_short:
            self.verified[endpoint] = verification
        server = self._servers[endpoint].model_copy(update={"verification": verification})
        return ProbeFinished(server)

    async def aclose(self) -> None:
        tasks = [*self._watchers, *self._tasks.values()]
        for task in tasks:
            if not task.done():
                task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def mark_not_probed(servers: list[ServerSettings]) -> list[ServerSettings]:
    """Best first: when the best of a direction works, the alternates that probing everything
    would have probed (the top :data:`PROBES_PER_DIRECTION`) and that nothing was learned
    about say so in their verification (``NotProbed.BEST_WORKS``)."""
    best = servers[0].verification if servers else None
    if best is None or not best.probed or not best.ok:
        return servers
    skipped = Verification(reachable=False, not_probed=NotProbed.BEST_WORKS)
    return [
        s.model_copy(update={"verification": skipped})
        if i < PROBES_PER_DIRECTION and s.verification is None
        else s
        for i, s in enumerate(servers)
    ]
