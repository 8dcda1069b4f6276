"""The ``guess`` source: find servers nobody published by probing likely names and ports.

Incoming: IMAP on ``imap.``, ``mail.`` and the bare domain (993 TLS, 143 STARTTLS), POP3 on
``pop3.``, ``pop.``, ``mail.`` and the bare domain (995 TLS, 110 STLS). Outgoing: SMTP on
``smtp.``, ``mail.`` and the bare domain (465 TLS, 587 and 25 STARTTLS). Plain-text ports are
never guessed.

The candidate host names (at most six) are looked up first, all at once, through the session's
DNS client, while guessing waits for the other sources; a try whose host has no address ends
there (``empty``, no probe), so a domain with no such hosts is done within one DNS round trip.
A name whose look-up failed for another reason (timeout, no DNS) is probed all the same, and
the probe says what happened. The remaining tries run concurrently with a small stagger and a
cap; in each direction the first try (in the order above) that succeeds once every better try
has failed wins, and the rest are cancelled. Only what a probe confirms — TLS verified,
STARTTLS performed — becomes a candidate, with low trust.

Guessing waits for the other sources for a moment (or until they are done) and is skipped for a
direction they have already answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from dataclasses import dataclass

from ..errors import DeadlineExceeded, DnsFailure, HostNotFound, NetworkError
from ..models import (
    AttemptStatus,
    AuthMethod,
    FailureKind,
    Protocol,
    Security,
    ServerSettings,
    SourceAttempt,
    SourceName,
    TlsStatus,
    Trust,
    Verification,
)
from ..options import GUESS_GRACE, GUESS_MAX_CONCURRENT, GUESS_STAGGER
from ..probe.driver import ProbeLimits
from ..probe.shared import probe_shared
from .base import SourceContext, SourceOutcome, Stopwatch

__all__ = ["GuessSource", "Try", "guess_tries"]

# Failures that mean a try ran out of time (its phase limit, or the discovery's deadline).
_TIMED_OUT = frozenset({FailureKind.TIMEOUT, FailureKind.DEADLINE})


@dataclass(frozen=True, slots=True)
class Try:
    protocol: Protocol
    host: str
    port: int
    security: Security

    @property
    def label(self) -> str:
        return f"{self.protocol.value} {self.host}:{self.port} {self.security.value}"


def guess_tries(domain: str) -> tuple[list[Try], list[Try]]:
    """Incoming and outgoing tries for ``domain``, best first."""
    incoming, outgoing = _tries(domain)
    return list(incoming), list(outgoing)


@functools.lru_cache(maxsize=256)  # every discovery at a domain asks again (tries are frozen)
def _tries(domain: str) -> tuple[tuple[Try, ...], tuple[Try, ...]]:
    def hosts(*prefixes: str) -> list[str]:
        return [f"{p}.{domain}" if p else domain for p in prefixes]

    incoming: list[Try] = []
    for protocol, port, security, prefixes in (
        (Protocol.IMAP, 993, Security.TLS, ("imap", "mail", "")),
        (Protocol.IMAP, 143, Security.STARTTLS, ("imap", "mail", "")),
        (Protocol.POP3, 995, Security.TLS, ("pop3", "pop", "mail", "")),
        (Protocol.POP3, 110, Security.STARTTLS, ("pop3", "pop", "mail", "")),
    ):
        incoming.extend(Try(protocol, h, port, security) for h in hosts(*prefixes))
    outgoing: list[Try] = []
    for port, security in ((465, Security.TLS), (587, Security.STARTTLS), (25, Security.STARTTLS)):
        outgoing.extend(Try(Protocol.SMTP, h, port, security) for h in hosts("smtp", "mail", ""))
    return tuple(incoming), tuple(outgoing)


_AUTH_FROM_SASL = {
    "PLAIN": AuthMethod.PASSWORD_CLEARTEXT,
    "LOGIN": AuthMethod.PASSWORD_CLEARTEXT,
    "CRAM-MD5": AuthMethod.PASSWORD_ENCRYPTED,
    "SCRAM-SHA-1": AuthMethod.PASSWORD_ENCRYPTED,
    "SCRAM-SHA-256": AuthMethod.PASSWORD_ENCRYPTED,
    "XOAUTH2": AuthMethod.OAUTH2,
    "OAUTHBEARER": AuthMethod.OAUTH2,
    "GSSAPI": AuthMethod.GSSAPI,
    "NTLM": AuthMethod.NTLM,
    "EXTERNAL": AuthMethod.CLIENT_CERT,
}


def _auth_from_sasl(mechanisms: list[str]) -> list[AuthMethod]:
    found: list[AuthMethod] = []
    for mechanism in mechanisms:
        method = _AUTH_FROM_SASL.get(mechanism.upper())
        if method is not None and method not in found:
            found.append(method)
    return found


def _confirmed(verification: Verification) -> bool:
    """A guess counts only when the probe performed TLS (implicit or STARTTLS) cleanly."""
    return verification.ok and verification.tls is TlsStatus.OK


class GuessSource:
    name = SourceName.GUESS

    def __init__(
        self, *, grace: float = GUESS_GRACE, max_concurrent: int = GUESS_MAX_CONCURRENT
    ) -> None:
        self.grace = grace
        self.max_concurrent = max_concurrent

    async def run(self, ctx: SourceContext) -> SourceOutcome:
        incoming_tries, outgoing_tries = guess_tries(ctx.address.domain)
        hosts = list(dict.fromkeys(t.host for t in incoming_tries + outgoing_tries))
        lookup = asyncio.create_task(_missing_hosts(ctx, hosts))
        try:
            need_in, need_out = await self._needed(ctx)
            missing = await lookup if need_in or need_out else {}
        finally:
            if not lookup.done():
                lookup.cancel()
                await asyncio.gather(lookup, return_exceptions=True)
        if not need_in and not need_out:
            attempt = SourceAttempt(
                source=self.name,
                target=ctx.address.domain,
                status=AttemptStatus.SKIPPED,
                detail="not needed: other sources already found both servers",
            )
            return SourceOutcome(source=self.name, attempts=[attempt])
        limit = asyncio.Semaphore(self.max_concurrent)
        groups = []
        if need_in:
            groups.append(incoming_tries)
        if need_out:
            groups.append(outgoing_tries)
        results = await asyncio.gather(
            *(
                self._direction(ctx, tries, missing, limit, offset=i)
                for i, tries in enumerate(groups)
            )
        )
        attempts = [a for found in results for a in found[0]]
        servers = [s for found in results for s in found[1]]
        return SourceOutcome(
            source=self.name,
            attempts=attempts,
            incoming=[s for s in servers if s.protocol is not Protocol.SMTP],
            outgoing=[s for s in servers if s.protocol is Protocol.SMTP],
        )

    async def _needed(self, ctx: SourceContext) -> tuple[bool, bool]:
        """Whether guessing is still needed for incoming and for outgoing mail."""
        board = ctx.board
        if board is None:
            return True, True
        await board.wait_for_others(min(self.grace, ctx.deadline.remaining()))
        return not board.answered(incoming=True), not board.answered(incoming=False)

    async def _direction(
        self,
        ctx: SourceContext,
        tries: list[Try],
        missing: dict[str, SourceAttempt],
        limit: asyncio.Semaphore,
        *,
        offset: int,
    ) -> tuple[list[SourceAttempt], list[ServerSettings]]:
        """Probe one direction's tries whose host exists; the first confirmed one wins."""
        live = [t for t in tries if t.host not in missing]
        watches = {t: Stopwatch() for t in live}
        found = await _race(ctx, live, limit, offset=offset)
        results = {live[i]: v for i, v in found.items()}
        attempts: list[SourceAttempt] = []
        servers: list[ServerSettings] = []
        for item in tries:
            if item.host in missing:
                attempts.append(missing[item.host].model_copy(update={"target": item.label}))
                continue
            verification = results.get(item)
            if verification is None:
                attempts.append(
                    SourceAttempt(
                        source=self.name,
                        target=item.label,
                        status=AttemptStatus.SKIPPED,
                        elapsed_ms=watches[item].ms(),
                        detail="cancelled: a better guess was confirmed",
                    )
                )
                continue
            attempts.append(self._attempt(item, verification))
            if _confirmed(verification):
                servers.append(self._server(ctx, item, verification))
        return attempts, servers

    def _attempt(self, item: Try, verification: Verification) -> SourceAttempt:
        ok = _confirmed(verification)
        if ok:
            status = AttemptStatus.OK
        elif verification.failure in _TIMED_OUT:
            status = AttemptStatus.TIMEOUT
        elif verification.failure is FailureKind.BLOCKED:
            status = AttemptStatus.BLOCKED
        elif not verification.reachable:
            status = AttemptStatus.EMPTY
        else:
            status = AttemptStatus.ERROR
        return SourceAttempt(
            source=self.name,
            target=item.label,
            status=status,
            elapsed_ms=verification.elapsed_ms,
            detail=verification.error or ("confirmed" if ok else None),
        )

    def _server(self, ctx: SourceContext, item: Try, verification: Verification) -> ServerSettings:
        return ServerSettings(
            protocol=item.protocol,
            host=item.host,
            port=item.port,
            security=item.security,
            username=str(ctx.address),
            auth=_auth_from_sasl(verification.sasl_mechanisms),
            sources=[self.name],
            trust=Trust.LOW,
            verification=verification,
        )


async def _missing_hosts(ctx: SourceContext, hosts: list[str]) -> dict[str, SourceAttempt]:
    """Look ``hosts`` up at once; an ``empty`` attempt for each one that has no address.

    A look-up that fails otherwise (timeout, no DNS) leaves the host to the probe.
    """
    dns = ctx.network().dns

    async def one(host: str) -> SourceAttempt | None:
        watch = Stopwatch()
        try:
            await dns.addresses(host, ctx.deadline, limit=ctx.options.connect_timeout)
        except HostNotFound as exc:
            if exc.kind not in (DnsFailure.NXDOMAIN, DnsFailure.NO_ANSWER):
                return None  # the resolver could not tell (EAI_AGAIN): leave it to the probe
            return SourceAttempt(
                source=SourceName.GUESS,
                target=host,
                status=AttemptStatus.EMPTY,
                elapsed_ms=watch.ms(),
                detail=f"not probed: {exc}",
            )
        except (NetworkError, DeadlineExceeded):
            pass
        return None

    found = await asyncio.gather(*(one(h) for h in hosts))
    return {h: a for h, a in zip(hosts, found, strict=True) if a is not None}


async def _stagger(delay: float, previous: asyncio.Event | None) -> None:
    """Wait ``delay`` before a try, or less: only until the try ranked before it has ended (as
    Happy Eyeballs does), so a refused port does not hold the next try back."""
    if previous is None:
        await asyncio.sleep(delay)
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(previous.wait(), delay)


async def _race(
    ctx: SourceContext, tries: list[Try], limit: asyncio.Semaphore, *, offset: int
) -> dict[int, Verification]:
    """Run the tries staggered; stop once the best try still possible is confirmed.

    Returns the verification of every try that finished, by its index; the rest were cancelled.
    """
    net = ctx.network()
    limits = ProbeLimits.from_options(ctx.options)

    ended = [asyncio.Event() for _ in tries]

    async def one(index: int, item: Try) -> Verification:
        try:
            await _stagger(
                GUESS_STAGGER * (2 * index + offset), ended[index - 1] if index else None
            )
            async with limit:
                server = ServerSettings(
                    protocol=item.protocol, host=item.host, port=item.port, security=item.security
                )
                return await probe_shared(server, net, ctx.deadline, limits)
        finally:
            ended[index].set()

    tasks = [asyncio.create_task(one(i, t)) for i, t in enumerate(tries)]
    results: dict[int, Verification] = {}
    try:
        pending = set(tasks)
        while pending and not _settled(results, len(tries)):
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                results[tasks.index(task)] = task.result()
    finally:
        for task in tasks:
            if not task.done():
                task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return results


def _settled(results: dict[int, Verification], count: int) -> bool:
    """True when a try is confirmed and every better one has finished (and failed)."""
    for index in range(count):
        if index not in results:
            return False  # a better try is still running: wait for it
        if _confirmed(results[index]):
            return True
    return False
