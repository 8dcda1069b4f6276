"""The one module that owns sockets and TLS for mail probes.

It resolves the host through the session's DNS client, connects (the addresses raced,
Happy Eyeballs: :mod:`autoconf.net.eyeballs`), performs implicit TLS or the STARTTLS upgrade
the conversation asks for on a stream whose buffer is ours (:mod:`autoconf.net.stream`),
feeds replies to the pure conversation and turns everything that happens into a
:class:`~autoconf.models.Verification`. Every step has its phase limit, and the whole probe
its budget (``Options.probe_budget``), cut short by the one deadline; nothing here raises to
the caller except cancellation.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from .._logging import log_probe
from ..address import is_ip
from ..errors import (
    DeadlineExceeded,
    DnsError,
    DnsFailure,
    HostNotFound,
    NetworkError,
    bounded,
)
from ..masking import masked_verification
from ..models import (
    Certificate,
    CertificateKind,
    DaneStatus,
    DnssecStatus,
    FailureKind,
    LoginStatus,
    Security,
    ServerSettings,
    TlsStatus,
    Verification,
)
from ..net.addresses import AddressPolicy, permitted, pick_addresses
from ..net.certificates import (
    certificate_kind,
    dane_certificate,
    presented_chain,
    refused_certificate,
    verified_certificate,
)
from ..net.dane import DaneOutcome, available, check_chain, usable_records
from ..net.dns import DnsAnswer, DnsClient
from ..net.eyeballs import AllAttemptsFailed, race
from ..net.stream import MailStream, open_stream
from ..net.tls import dane_context, legacy_context, unverified_context
from ..options import Deadline, DnssecMode, Options
from ..parsers.tlsa import TlsaRecord
from .conversation import (
    LineReader,
    Login,
    ProtocolViolation,
    Receive,
    Reply,
    Send,
    Transcript,
    UpgradeTLS,
    conversation,
)

__all__ = [
    "LegacyTlsOutcome",
    "LegacyTlsProbe",
    "ProbeLimits",
    "TlsFacts",
    "fetch_presented_chain",
    "fetch_tls_facts",
    "probe_legacy_tls",
    "probe_server",
]

R = TypeVar("R")

# asyncio's own handshake timeout is set this much later than ours, as a backstop: ours fires
# first and is a plain TimeoutError (asyncio's is a ConnectionAbortedError, not a timeout).
_TLS_BACKSTOP_SLACK = 0.5
_CLOSE_GRACE = 0.5  # seconds a polite close may take before the connection is just dropped
# Below this much time left, a refused certificate is not fetched again for its details: a
# second connection and handshake would not fit.
_MIN_FOR_CERTIFICATE_DETAILS = 0.2


@dataclass(frozen=True, slots=True)
class ProbeLimits:
    """The phase limits of one probe, and whether it looks for TLSA records; their defaults
    live in :class:`Options` alone."""

    connect: float
    tls: float
    first_byte: float
    budget: float  # the whole probe: connect, TLS and every reply together
    # Look up the server's TLSA records beside the connection and let DNSSEC-secure ones
    # decide its certificate (DANE); on with ``Options.dnssec`` (never when it is off).
    dane: bool = False

    @classmethod
    def from_options(cls, options: Options) -> ProbeLimits:
        return cls(
            connect=options.connect_timeout,
            tls=options.tls_timeout,
            first_byte=options.first_byte_timeout,
            budget=options.probe_budget,
            dane=options.dnssec is not DnssecMode.OFF,
        )


class _Failure(Exception):
    """A step of the probe failed; ``tls`` when it failed while setting up TLS."""

    def __init__(self, reason: str, kind: FailureKind, *, tls: bool = False) -> None:
        super().__init__(reason)
        self.kind = kind
        self.tls = tls


class _TlsRefused(Exception):
    def __init__(self, error: ssl.SSLError) -> None:
        super().__init__(str(error))
        self.error = error


class _DaneRefused(Exception):
    """The server's secure TLSA records decided against its certificate (or were bogus)."""

    def __init__(self, outcome: DaneOutcome, leaf: bytes | None, kind: CertificateKind) -> None:
        super().__init__(outcome.reason)
        self.outcome = outcome
        self.leaf = leaf
        self.kind = kind


_BOGUS = DaneOutcome(
    DaneStatus.FAILED, reason="the server's TLSA records failed DNSSEC validation (bogus)"
)


class _Trust:
    """Who decides a server's certificate: the trust store, or its DNSSEC-secure TLSA records.

    :meth:`start` is the one place a probe starts TLS and decides that it is verified: it
    returns only once the certificate passed, by the CA store and the host name, or by DANE
    (RFC 7671) where a usable secure TLSA record exists, so nothing (a credential least of
    all) is ever sent over a TLS connection whose certificate did not pass. Without secure
    records the verifying context decides, unchanged; an insecure or unknown answer relaxes
    nothing.
    """

    def __init__(
        self,
        verifying: ssl.SSLContext,
        lookup: asyncio.Task[DnsAnswer[TlsaRecord]] | None = None,
    ) -> None:
        self.verifying = verifying
        self.lookup = lookup  # the TLSA look-up, running beside the connection
        self.certificate: Certificate | None = None
        self.dane: DaneStatus | None = None  # None: not looked up (or TLS never started)
        self.record: TlsaRecord | None = None
        # The names a DANE-TA leaf may carry: the host, and what a secure CNAME expands it to.
        self.names: list[str] = []

    async def start(
        self, connection: _Connection, host: str, deadline: Deadline, *, upgrade: bool
    ) -> None:
        """TLS on ``connection`` (see :meth:`_Connection.start_tls`), its certificate judged."""
        records, bogus = await self._secure_records()
        by_dane = bool(records) or bogus
        ctx = dane_context() if by_dane else self.verifying
        await connection.start_tls(ctx, host, deadline, upgrade=upgrade)
        if not by_dane:
            self.certificate = verified_certificate(connection.ssl_object)
            return
        chain = _chain(connection.ssl_object)
        outcome = _BOGUS if bogus else check_chain(chain, records, names=self.names or [host])
        self.dane, self.record = outcome.status, outcome.record
        if outcome.status is not DaneStatus.VERIFIED:
            kind = CertificateKind.DANE_BOGUS if bogus else CertificateKind.DANE_MISMATCH
            raise _DaneRefused(outcome, chain[0] if chain else None, kind)
        self.certificate = dane_certificate(chain[0])

    def close(self) -> None:
        """Cancel the look-up if it still runs, else take its outcome (so none is logged)."""
        if self.lookup is None:
            return
        if not self.lookup.done():
            self.lookup.cancel()
        elif not self.lookup.cancelled():
            self.lookup.exception()

    async def _secure_records(self) -> tuple[tuple[TlsaRecord, ...], bool]:
        """The usable TLSA records DNSSEC proves, and whether the answer was bogus.

        A failed look-up proves nothing: the normal check decides (RFC 7671 §4 would refuse
        to connect; a probe reports the certificate the normal way instead).
        """
        if self.lookup is None:
            return (), False
        self.dane = DaneStatus.NONE
        try:
            answer = await self.lookup
        except DnsError as exc:
            return (), exc.kind is DnsFailure.BOGUS  # bogus records refuse; others prove nothing
        except NetworkError:
            return (), False
        if answer.dnssec is DnssecStatus.BOGUS:
            return (), True
        if answer.dnssec is not DnssecStatus.SECURE:
            return (), False
        self.names = list(answer.names)
        return usable_records(answer.records), False


def _chain(ssl_object: ssl.SSLObject | None) -> list[bytes]:
    """The certificates the server presented (DER, leaf first); the leaf alone where this
    Python cannot read the rest (DANE-EE needs no more)."""
    if ssl_object is None:
        return []
    chain = presented_chain(ssl_object)
    if chain:
        return chain
    leaf = ssl_object.getpeercert(binary_form=True)
    return [leaf] if leaf else []


def _tlsa_lookup(
    server: ServerSettings, dns: DnsClient, deadline: Deadline, limits: ProbeLimits
) -> asyncio.Task[DnsAnswer[TlsaRecord]] | None:
    """The server's TLSA look-up (``_PORT._tcp.HOST``), started now, when the probe uses DANE.

    Every probed host is looked up, however it was named. RFC 7673 asks for TLSA only behind
    a secure SRV answer, since DANE proves no more than the name it is given; here the name's
    provenance is judged apart, by trust levels: a host outside the domain that only DNS
    named never gets a password, whatever vouches for its certificate
    (``autoconf.verify.password_refusal``).
    """
    if not limits.dane or server.security is Security.PLAIN or is_ip(server.host):
        return None
    if not available():
        return None  # no record could be used: the normal check alone, as with DNSSEC off
    return asyncio.ensure_future(dns.tlsa(server.host, server.port, deadline, limit=limits.connect))


class _Connection:
    """A stream plus line framing; knows how to read one reply and upgrade to TLS."""

    def __init__(self, stream: MailStream, limits: ProbeLimits, address: str | None = None) -> None:
        self.stream = stream
        self.limits = limits
        self.address = address
        self.lines = LineReader()
        self.queue: deque[str] = deque()

    async def send(self, data: bytes, deadline: Deadline) -> None:
        self.stream.write(data)
        try:
            async with asyncio.timeout(deadline.phase(self.limits.first_byte)):
                await self.stream.drain()
        except TimeoutError as exc:
            raise _Failure("the server stopped reading", FailureKind.TIMEOUT) from exc

    async def receive(self, reply: Reply, deadline: Deadline, what: str) -> Reply:
        limit = deadline.phase(self.limits.first_byte)
        try:
            async with asyncio.timeout(limit):
                while not reply.done:
                    if self.queue:
                        reply.feed(self.queue.popleft())
                        continue
                    data = await self.stream.read()
                    if not data:
                        raise _Failure(
                            f"the server closed the connection before the {what}",
                            FailureKind.CLOSED,
                        )
                    self.queue.extend(self.lines.feed(data))
        except TimeoutError as exc:
            raise _Failure(f"no complete {what} within {limit:.1f} s", FailureKind.TIMEOUT) from exc
        return reply

    async def start_tls(
        self, ctx: ssl.SSLContext, host: str, deadline: Deadline, *, upgrade: bool
    ) -> None:
        """TLS now: at once (implicit TLS) or as the ``upgrade`` after STARTTLS was agreed."""
        if self.queue or self.lines.pending or self.stream.unread:
            # Bytes that came before the handshake would later be read as if they had come
            # over TLS (after STARTTLS: the CVE-2011-0411 injection pattern).
            if upgrade:
                reason = "the server sent data after agreeing to STARTTLS (injection)"
                raise _Failure(reason, FailureKind.PROTOCOL, tls=True)
            reason = "the server spoke in plain text where TLS was expected"
            raise _Failure(reason, FailureKind.TLS_HANDSHAKE, tls=True)
        limit = deadline.phase(self.limits.tls)
        try:
            async with asyncio.timeout(limit):
                # The host name, or an IP literal: ssl then checks the certificate's IP
                # addresses instead of its names (and sends no SNI).
                await self.stream.start_tls(ctx, host, limit + _TLS_BACKSTOP_SLACK)
        except ssl.SSLError as exc:
            raise _TlsRefused(exc) from exc
        except TimeoutError as exc:
            raise _Failure(
                f"no TLS handshake within {limit:.1f} s", FailureKind.TIMEOUT, tls=True
            ) from exc
        except (ConnectionError, OSError) as exc:
            raise _Failure(
                f"the TLS handshake failed: {exc}", FailureKind.TLS_HANDSHAKE, tls=True
            ) from exc

    @property
    def ssl_object(self) -> ssl.SSLObject | None:
        return self.stream.ssl_object

    def abort(self) -> None:
        self.stream.abort()

    async def close(self) -> None:
        await self.stream.close(_CLOSE_GRACE)


class _Unreachable(Exception):
    """No connection was made: the host did not resolve, was blocked or refused."""

    def __init__(self, reason: str, kind: FailureKind) -> None:
        super().__init__(reason)
        self.kind = kind


@dataclass
class _Outcome:
    """What one conversation on an open connection came to."""

    address: str | None
    transcript: Transcript = field(default_factory=Transcript)
    tls: TlsStatus = TlsStatus.NOT_TRIED
    certificate: Certificate | None = None
    error: str | None = None
    failure: FailureKind | None = None
    dane: DaneStatus | None = None
    dane_record: TlsaRecord | None = None


async def probe_server(
    server: ServerSettings,
    *,
    dns: DnsClient,
    ssl_context: ssl.SSLContext,
    deadline: Deadline,
    limits: ProbeLimits | None = None,
    login: Login | None = None,
    block_private: AddressPolicy | bool = False,
) -> Verification:
    """Connect to ``server`` for real and report what works. Never raises (but cancellation).

    ``limits`` defaults to the phase limits of a default :class:`Options`.
    """
    started = time.perf_counter()
    limits = limits or ProbeLimits.from_options(Options())
    budget = deadline.narrowed(limits.budget)
    trust = _Trust(ssl_context, _tlsa_lookup(server, dns, budget, limits))
    try:
        ips = await _resolve(server.host, dns, budget, limits, block_private=block_private)
        connection = await _connect(ips, server.port, budget, limits)
    except _Unreachable as exc:
        elapsed = _elapsed_ms(started)
        verification = Verification(
            reachable=False, error=_clip(str(exc)), failure=exc.kind, elapsed_ms=elapsed
        )
    else:
        outcome = await _session(connection, server, trust, budget, limits, login)
        verification = _verification(outcome, _elapsed_ms(started))
    finally:
        trust.close()
    verification = _over_budget(verification, budget, deadline, limits)
    status = dns.address_status(server.host, verification.address)  # None: DNSSEC off
    if status is not None:
        verification = verification.model_copy(update={"address_dnssec": status})
    if login is None:
        return log_probe(server, verification)
    # What the server said after a login may echo it: kept only with the password masked.
    masked = masked_verification(verification, username=login.username, password=login.password)
    return log_probe(server, masked)


def _over_budget(
    verification: Verification, budget: Deadline, deadline: Deadline, limits: ProbeLimits
) -> Verification:
    """A probe its own budget ended is a timeout of this server, not the discovery's deadline."""
    timed_out = verification.failure in (FailureKind.TIMEOUT, FailureKind.DEADLINE)
    if not timed_out or not budget.expired or deadline.expired:
        return verification
    reason = f"the probe ran past its budget of {limits.budget:g} s"
    if verification.failure is FailureKind.TIMEOUT and verification.error:
        reason += f" ({verification.error})"  # the step it was in; a DEADLINE's text is wrong
    return verification.model_copy(update={"failure": FailureKind.TIMEOUT, "error": _clip(reason)})


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)


def _clip(text: str | None) -> str | None:
    return None if text is None else bounded(text)


async def _resolve(
    host: str,
    dns: DnsClient,
    deadline: Deadline,
    limits: ProbeLimits,
    *,
    block_private: AddressPolicy | bool,
) -> list[str]:
    """The few addresses of ``host`` worth trying (the one address policy decides which)."""
    try:
        ips = await dns.addresses(host, deadline, limit=limits.connect)
    except HostNotFound as exc:
        raise _Unreachable(str(exc), FailureKind.DNS) from exc
    except DeadlineExceeded as exc:
        kind = FailureKind.DEADLINE if deadline.expired else FailureKind.TIMEOUT
        raise _Unreachable(f"cannot resolve {host}: {exc}", kind) from exc
    except NetworkError as exc:
        raise _Unreachable(f"cannot resolve {host}: {exc}", FailureKind.DNS) from exc
    if block_private:
        ips = permitted(ips, block_private)
        if not ips:
            reason = f"{host} resolves only to private or local addresses (blocked)"
            raise _Unreachable(reason, FailureKind.BLOCKED)
    return pick_addresses(ips)


async def _connect(
    ips: list[str], port: int, deadline: Deadline, limits: ProbeLimits
) -> _Connection:
    """A TCP connection to the first of ``ips`` that answers (Happy Eyeballs, RFC 8305).

    The race as a whole has the connect limit, cut short by the deadline.
    """
    limit = min(limits.connect, deadline.remaining())
    if limit <= 0 or not ips:
        raise _Unreachable("cannot connect: deadline", FailureKind.DEADLINE)

    async def attempt(ip: str) -> _Connection:
        return _Connection(await open_stream(ip, port), limits, address=ip)

    async def discard(connection: _Connection) -> None:
        connection.abort()

    try:
        return (await race(ips, attempt, discard, limit=limit))[1]
    except AllAttemptsFailed as failed:
        errors: list[str] = []
        kinds: list[FailureKind] = []
        for ip, exc in failed.failures:
            if isinstance(exc, TimeoutError):
                errors.append(f"{ip}: no TCP connection within {limit:.1f} s")
                kinds.append(FailureKind.TIMEOUT)
            else:
                errors.append(f"{ip}: {getattr(exc, 'strerror', None) or exc}")
                refused = isinstance(exc, ConnectionRefusedError)
                kinds.append(FailureKind.REFUSED if refused else FailureKind.UNREACHABLE)
        reason = "cannot connect: " + "; ".join(errors or ["deadline"])
        raise _Unreachable(reason, _worst(kinds)) from failed


def _worst(kinds: list[FailureKind]) -> FailureKind:
    """One kind for several failed addresses: a timeout if any, refused if all, else unreachable."""
    if not kinds:
        return FailureKind.DEADLINE
    if FailureKind.TIMEOUT in kinds:
        return FailureKind.TIMEOUT
    if all(kind is FailureKind.REFUSED for kind in kinds):
        return FailureKind.REFUSED
    return FailureKind.UNREACHABLE


async def _session(
    connection: _Connection,
    server: ServerSettings,
    trust: _Trust,
    deadline: Deadline,
    limits: ProbeLimits,
    login: Login | None,
) -> _Outcome:
    """TLS as the server's security asks, the conversation, and what came of it."""
    out = _Outcome(address=connection.address)
    try:
        await _secure_and_converse(out, connection, server, trust, deadline, login)
    except _TlsRefused as refused:
        out.tls = TlsStatus.FAILED
        out.certificate, out.error, out.failure = await _refused_certificate(
            refused.error, server, connection.address, deadline, limits
        )
    except _DaneRefused as refused:
        out.tls, out.failure = TlsStatus.FAILED, FailureKind.CERTIFICATE
        out.certificate = refused_certificate(refused.leaf, refused.kind)
        out.error = f"certificate refused ({refused.kind}): {refused.outcome.reason}"
    except _Failure as failure:
        out.error, out.failure = str(failure), failure.kind
        if failure.tls and server.security is not Security.PLAIN and out.tls is TlsStatus.NOT_TRIED:
            out.tls = TlsStatus.FAILED
    except ProtocolViolation as violation:
        out.error, out.failure = str(violation), FailureKind.PROTOCOL
    except DeadlineExceeded:
        out.error = "the discovery deadline passed during the probe"
        out.failure = FailureKind.DEADLINE
    except (ConnectionError, OSError) as exc:
        out.error, out.failure = f"connection lost: {exc}", FailureKind.CLOSED
    except asyncio.CancelledError:
        connection.abort()
        raise
    finally:
        out.dane, out.dane_record = trust.dane, trust.record
        if out.error is not None:
            connection.abort()
        else:
            await connection.close()
    return out


async def _secure_and_converse(
    out: _Outcome,
    connection: _Connection,
    server: ServerSettings,
    trust: _Trust,
    deadline: Deadline,
    login: Login | None,
) -> None:
    """Implicit TLS if asked, then the conversation; ``out`` records TLS and the transcript."""
    if server.security is Security.TLS:
        await trust.start(connection, server.host, deadline, upgrade=False)
        out.certificate, out.tls = trust.certificate, TlsStatus.OK
    out.transcript = await _converse(connection, server, trust, deadline, login)
    if out.transcript.starttls_offered is False:
        out.tls = TlsStatus.NOT_OFFERED
    elif server.security is Security.STARTTLS and out.transcript.tls_performed:
        out.certificate, out.tls = trust.certificate, TlsStatus.OK
    out.error, out.failure = out.transcript.error, out.transcript.failure


_LOGIN_STATUS = {True: LoginStatus.OK, False: LoginStatus.FAILED, None: LoginStatus.NOT_TRIED}


def _verification(out: _Outcome, elapsed_ms: float) -> Verification:
    """The public record of a probe that reached the server."""
    transcript = out.transcript
    return Verification(
        reachable=True,
        tls=out.tls,
        certificate=out.certificate,
        capabilities=transcript.capabilities,
        capabilities_before_tls=transcript.capabilities_before_tls,
        sasl_mechanisms=transcript.sasl_mechanisms,
        login=_LOGIN_STATUS[transcript.login],
        login_detail=_clip(transcript.login_detail),
        greeting=_clip(transcript.greeting) or None,
        error=_clip(out.error),
        failure=out.failure,
        address=out.address,
        elapsed_ms=elapsed_ms,
        dane=out.dane,
        dane_record=out.dane_record.to_text() if out.dane_record else None,
    )


async def _converse(
    connection: _Connection,
    server: ServerSettings,
    trust: _Trust,
    deadline: Deadline,
    login: Login | None,
    *,
    stop_after_tls: bool = False,
) -> Transcript:
    steps = conversation(server.protocol, server.security, login)
    answer: Reply | None = None
    greeted = False
    try:
        action = steps.send(None)
        while True:
            if isinstance(action, Send):
                await connection.send(action.data, deadline)
                answer = None
            elif isinstance(action, Receive):
                what = "reply" if greeted else "greeting"
                try:
                    answer = await connection.receive(action.reply, deadline, what)
                except _Failure:
                    if not action.optional:
                        raise
                    answer = action.reply
                greeted = True
            elif isinstance(action, UpgradeTLS):
                await trust.start(connection, server.host, deadline, upgrade=True)
                if stop_after_tls:
                    return Transcript(tls_performed=True)
                answer = None
            action = steps.send(answer)
    except StopIteration as stop:
        result: Transcript = stop.value
        return result


async def _refused_certificate(
    error: ssl.SSLError,
    server: ServerSettings,
    address: str | None,
    deadline: Deadline,
    limits: ProbeLimits,
) -> tuple[Certificate, str, FailureKind]:
    """Why TLS failed, with the refused certificate's names, issuer and expiry when readable."""
    if not isinstance(error, ssl.SSLCertVerificationError):
        reason = f"TLS handshake failed: {error.reason or error}"
        return Certificate(valid=False, error="handshake"), reason, FailureKind.TLS_HANDSHAKE
    der = None
    if address is not None and deadline.remaining() >= _MIN_FOR_CERTIFICATE_DETAILS:
        der = await _fetch_refused(server, address, deadline, limits)
    kind = certificate_kind(error, der)
    reason = f"certificate refused ({kind}): {error.verify_message}"
    details = refused_certificate(der, kind)
    return details, reason, FailureKind.CERTIFICATE


async def _fetch_refused(
    server: ServerSettings, address: str, deadline: Deadline, limits: ProbeLimits
) -> bytes | None:
    """A second handshake that only reads the certificate (no command, no credential)."""
    try:
        async with asyncio.timeout(deadline.phase(limits.connect + limits.tls)):
            connection = _Connection(await open_stream(address, server.port), limits, address)
            try:
                if server.security is Security.TLS:
                    await connection.start_tls(
                        unverified_context(), server.host, deadline, upgrade=False
                    )
                else:
                    await _converse(
                        connection,
                        server,
                        _Trust(unverified_context()),
                        deadline,
                        None,
                        stop_after_tls=True,
                    )
                ssl_object = connection.ssl_object
                return ssl_object.getpeercert(binary_form=True) if ssl_object else None
            finally:
                connection.abort()
    except Exception:
        return None


# Audits of one server's TLS, for the admin's domain check ------------------------------------


class LegacyTlsOutcome(StrEnum):
    """What a handshake offering only TLS 1.0/1.1 came to."""

    ACCEPTED = "accepted"  # the server agreed to TLS 1.0 or 1.1
    REFUSED = "refused"  # the server answered the handshake with an alert or hung up on it
    UNAVAILABLE = "unavailable"  # this machine's OpenSSL cannot offer TLS 1.0/1.1
    NOT_REACHED = "not-reached"  # no handshake took place: no connection, no STARTTLS, no time


@dataclass(frozen=True, slots=True)
class LegacyTlsProbe:
    outcome: LegacyTlsOutcome
    version: str | None = None  # the version the server agreed to, when it did
    detail: str = ""  # for people


_LEGACY_VERSIONS = frozenset({"TLSv1", "TLSv1.1"})


async def probe_legacy_tls(
    server: ServerSettings,
    *,
    dns: DnsClient,
    deadline: Deadline,
    limits: ProbeLimits,
    block_private: AddressPolicy | bool = False,
) -> LegacyTlsProbe:
    """Does ``server`` still accept TLS 1.0 or 1.1? One handshake, nothing sent after it.

    STARTTLS servers get their protocol's STARTTLS first (capability query and STARTTLS
    only). Never raises (but cancellation).
    """
    ctx = legacy_context()
    if ctx is None:
        detail = "this machine's OpenSSL cannot offer TLS 1.0 or 1.1"
        return LegacyTlsProbe(LegacyTlsOutcome.UNAVAILABLE, detail=detail)
    try:
        connection, ssl_object = await _handshake(server, ctx, dns, deadline, limits, block_private)
    except _TlsRefused as refused:
        detail = f"the server refused the handshake: {refused.error.reason or refused.error}"
        return LegacyTlsProbe(LegacyTlsOutcome.REFUSED, detail=detail)
    except _Failure as failure:
        if failure.tls and failure.kind is FailureKind.TLS_HANDSHAKE:
            return LegacyTlsProbe(LegacyTlsOutcome.REFUSED, detail=str(failure))
        return LegacyTlsProbe(LegacyTlsOutcome.NOT_REACHED, detail=str(failure))
    except (_Unreachable, ProtocolViolation, DeadlineExceeded, OSError) as exc:
        return LegacyTlsProbe(LegacyTlsOutcome.NOT_REACHED, detail=bounded(str(exc)))
    try:
        version = ssl_object.version()
    finally:
        connection.abort()
    if version in _LEGACY_VERSIONS:
        detail = f"the server agreed to {version}"
        return LegacyTlsProbe(LegacyTlsOutcome.ACCEPTED, version=version, detail=detail)
    return LegacyTlsProbe(LegacyTlsOutcome.REFUSED, version=version, detail=f"got {version}")


async def fetch_presented_chain(
    server: ServerSettings,
    *,
    dns: DnsClient,
    deadline: Deadline,
    limits: ProbeLimits,
    block_private: AddressPolicy | bool = False,
) -> list[bytes] | None:
    """The certificates ``server`` sends (DER, leaf first); None when they cannot be read.

    An unverified handshake (after STARTTLS where the server's security says so) that only
    reads them: no command, no credential. Never raises (but cancellation).
    """
    return await _unverified(server, presented_chain, dns, deadline, limits, block_private)


@dataclass(frozen=True, slots=True)
class TlsFacts:
    """What an unverified handshake learned: the TLS version agreed and the chain sent."""

    version: str | None  # "TLSv1.3", as ``ssl`` names it
    chain: list[bytes] | None  # DER, leaf first; None when this Python cannot read it


async def fetch_tls_facts(
    server: ServerSettings,
    *,
    dns: DnsClient,
    deadline: Deadline,
    limits: ProbeLimits,
    block_private: AddressPolicy | bool = False,
) -> TlsFacts | None:
    """The TLS version ``server`` agrees to and the certificates it sends, by a handshake that
    verifies nothing (after STARTTLS where its security says so), sends no command and no
    credential; None when no TLS was reached. Never raises (but cancellation)."""

    def facts(ssl_object: ssl.SSLObject) -> TlsFacts:
        return TlsFacts(version=ssl_object.version(), chain=_chain(ssl_object))

    return await _unverified(server, facts, dns, deadline, limits, block_private)


async def _unverified(
    server: ServerSettings,
    read: Callable[[ssl.SSLObject], R],
    dns: DnsClient,
    deadline: Deadline,
    limits: ProbeLimits,
    block_private: AddressPolicy | bool,
) -> R | None:
    """``read`` of an unverified handshake with ``server`` (no command, no credential), then the
    connection is dropped; None when no TLS was reached. Never raises (but cancellation)."""
    try:
        connection, ssl_object = await _handshake(
            server, unverified_context(), dns, deadline, limits, block_private
        )
    except (_TlsRefused, _Failure, _Unreachable, ProtocolViolation, DeadlineExceeded, OSError):
        return None
    try:
        return read(ssl_object)
    finally:
        connection.abort()


async def _handshake(
    server: ServerSettings,
    ctx: ssl.SSLContext,
    dns: DnsClient,
    deadline: Deadline,
    limits: ProbeLimits,
    block_private: AddressPolicy | bool,
) -> tuple[_Connection, ssl.SSLObject]:
    """A new connection to ``server`` with TLS started on it by ``ctx``; the caller aborts it."""
    if server.security is Security.PLAIN:
        raise _Failure("the server is published without TLS", FailureKind.PROTOCOL)
    deadline = deadline.narrowed(limits.budget)
    ips = await _resolve(server.host, dns, deadline, limits, block_private=block_private)
    connection = await _connect(ips, server.port, deadline, limits)
    try:
        if server.security is Security.TLS:
            await connection.start_tls(ctx, server.host, deadline, upgrade=False)
        else:
            transcript = await _converse(
                connection, server, _Trust(ctx), deadline, None, stop_after_tls=True
            )
            if not transcript.tls_performed:
                reason = transcript.error or "the server did not start TLS"
                raise _Failure(reason, transcript.failure or FailureKind.PROTOCOL)
        ssl_object = connection.ssl_object
        if ssl_object is None:
            raise _Failure("no TLS on the connection", FailureKind.TLS_HANDSHAKE, tls=True)
    except BaseException:
        connection.abort()
        raise
    return connection, ssl_object
