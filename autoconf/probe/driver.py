"""The one module that owns sockets and TLS for mail probes.

It resolves the host through the session's DNS client, connects, performs implicit TLS or
the STARTTLS upgrade the conversation asks for, feeds replies to the pure conversation and
turns everything that happens into a :class:`~autoconf.models.Verification`. Every step has
its phase limit cut short by the one deadline; nothing here raises to the caller except
cancellation.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from .._logging import log_probe
from ..errors import DeadlineExceeded, HostNotFound, NetworkError, bounded
from ..masking import masked_verification
from ..models import (
    Certificate,
    CertificateKind,
    FailureKind,
    LoginStatus,
    Security,
    ServerSettings,
    TlsStatus,
    Verification,
)
from ..net.addresses import is_blocked, pick_addresses
from ..net.dns import DnsClient
from ..net.tls import certificate_kind, legacy_context, presented_chain, unverified_context
from ..options import Deadline, Options
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
    "fetch_presented_chain",
    "probe_legacy_tls",
    "probe_server",
]

_READ_CHUNK = 4096
# asyncio's own handshake timeout is set this much later than ours, as a backstop: ours fires
# first and is a plain TimeoutError (asyncio's is a ConnectionAbortedError, not a timeout).
_TLS_BACKSTOP_SLACK = 0.5
_CLOSE_GRACE = 0.5  # seconds a polite close may take before the connection is just dropped
# Below this much time left, a refused certificate is not fetched again for its details: a
# second connection and handshake would not fit.
_MIN_FOR_CERTIFICATE_DETAILS = 0.2


@dataclass(frozen=True, slots=True)
class ProbeLimits:
    """The phase limits of one probe; their defaults live in :class:`Options` alone."""

    connect: float
    tls: float
    first_byte: float

    @classmethod
    def from_options(cls, options: Options) -> ProbeLimits:
        return cls(
            connect=options.connect_timeout,
            tls=options.tls_timeout,
            first_byte=options.first_byte_timeout,
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


class _Connection:
    """A stream pair plus line framing; knows how to read one reply and upgrade to TLS."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        limits: ProbeLimits,
        address: str | None = None,
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.limits = limits
        self.address = address
        self.lines = LineReader()
        self.queue: deque[str] = deque()

    async def send(self, data: bytes, deadline: Deadline) -> None:
        self.writer.write(data)
        try:
            async with asyncio.timeout(deadline.phase(self.limits.first_byte)):
                await self.writer.drain()
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
                    data = await self.reader.read(_READ_CHUNK)
                    if not data:
                        raise _Failure(
                            f"the server closed the connection before the {what}",
                            FailureKind.CLOSED,
                        )
                    self.queue.extend(self.lines.feed(data))
        except TimeoutError as exc:
            raise _Failure(f"no complete {what} within {limit:.1f} s", FailureKind.TIMEOUT) from exc
        return reply

    async def start_tls(self, ctx: ssl.SSLContext, host: str, deadline: Deadline) -> None:
        # Bytes the server sent after agreeing to STARTTLS would later be read as if they had
        # come over TLS (the CVE-2011-0411 pattern). They may sit in our line buffer or still
        # in the StreamReader's; asyncio has no public way to ask the latter, hence `_buffer`.
        unread = len(getattr(self.reader, "_buffer", b""))
        if self.queue or self.lines.pending or unread:
            raise _Failure(
                "the server sent data after agreeing to STARTTLS (injection)",
                FailureKind.PROTOCOL,
                tls=True,
            )
        limit = deadline.phase(self.limits.tls)
        try:
            async with asyncio.timeout(limit):
                await self.writer.start_tls(
                    # The host name, or an IP literal: ssl then checks the certificate's IP
                    # addresses instead of its names (and sends no SNI).
                    ctx,
                    server_hostname=host,
                    ssl_handshake_timeout=limit + _TLS_BACKSTOP_SLACK,
                )
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

    def abort(self) -> None:
        self.writer.transport.abort()

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(Exception):
            async with asyncio.timeout(_CLOSE_GRACE):
                await self.writer.wait_closed()


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


async def probe_server(
    server: ServerSettings,
    *,
    dns: DnsClient,
    ssl_context: ssl.SSLContext,
    deadline: Deadline,
    limits: ProbeLimits | None = None,
    login: Login | None = None,
    block_private: bool = False,
) -> Verification:
    """Connect to ``server`` for real and report what works. Never raises (but cancellation).

    ``limits`` defaults to the phase limits of a default :class:`Options`.
    """
    started = time.perf_counter()
    limits = limits or ProbeLimits.from_options(Options())
    try:
        ips = await _resolve(server.host, dns, deadline, limits, block_private=block_private)
        connection = await _connect(ips, server.port, deadline, limits)
    except _Unreachable as exc:
        elapsed = _elapsed_ms(started)
        return log_probe(
            server,
            Verification(
                reachable=False, error=_clip(str(exc)), failure=exc.kind, elapsed_ms=elapsed
            ),
        )
    outcome = await _session(connection, server, ssl_context, deadline, limits, login)
    verification = _verification(outcome, _elapsed_ms(started))
    if login is None:
        return log_probe(server, verification)
    # What the server said after a login may echo it: kept only with the password masked.
    masked = masked_verification(verification, username=login.username, password=login.password)
    return log_probe(server, masked)


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)


def _clip(text: str | None) -> str | None:
    return None if text is None else bounded(text)


async def _resolve(
    host: str, dns: DnsClient, deadline: Deadline, limits: ProbeLimits, *, block_private: bool
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
        ips = [ip for ip in ips if not is_blocked(ip)]
        if not ips:
            reason = f"{host} resolves only to private or local addresses (blocked)"
            raise _Unreachable(reason, FailureKind.BLOCKED)
    return pick_addresses(ips)


async def _connect(
    ips: list[str], port: int, deadline: Deadline, limits: ProbeLimits
) -> _Connection:
    """A TCP connection to the first of ``ips`` that answers, each within the connect limit."""
    errors: list[str] = []
    kinds: list[FailureKind] = []
    for ip in ips:
        limit = min(limits.connect, deadline.remaining())
        if limit <= 0:
            break
        try:
            async with asyncio.timeout(limit):
                reader, writer = await asyncio.open_connection(ip, port)
        except TimeoutError:
            errors.append(f"{ip}: no TCP connection within {limit:.1f} s")
            kinds.append(FailureKind.TIMEOUT)
            continue
        except OSError as exc:
            errors.append(f"{ip}: {exc.strerror or exc}")
            refused = isinstance(exc, ConnectionRefusedError)
            kinds.append(FailureKind.REFUSED if refused else FailureKind.UNREACHABLE)
            continue
        return _Connection(reader, writer, limits, address=ip)
    raise _Unreachable("cannot connect: " + "; ".join(errors or ["deadline"]), _worst(kinds))


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
    ssl_context: ssl.SSLContext,
    deadline: Deadline,
    limits: ProbeLimits,
    login: Login | None,
) -> _Outcome:
    """TLS as the server's security asks, the conversation, and what came of it."""
    out = _Outcome(address=connection.address)
    try:
        await _secure_and_converse(out, connection, server, ssl_context, deadline, login)
    except _TlsRefused as refused:
        out.tls = TlsStatus.FAILED
        out.certificate, out.error, out.failure = await _refused_certificate(
            refused.error, server, connection.address, deadline, limits
        )
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
        if out.error is not None:
            connection.abort()
        else:
            await connection.close()
    return out


async def _secure_and_converse(
    out: _Outcome,
    connection: _Connection,
    server: ServerSettings,
    ssl_context: ssl.SSLContext,
    deadline: Deadline,
    login: Login | None,
) -> None:
    """Implicit TLS if asked, then the conversation; ``out`` records TLS and the transcript."""
    if server.security is Security.TLS:
        await connection.start_tls(ssl_context, server.host, deadline)
        out.certificate, out.tls = _certificate_of(connection.writer), TlsStatus.OK
    out.transcript = await _converse(connection, server, ssl_context, deadline, login)
    if out.transcript.starttls_offered is False:
        out.tls = TlsStatus.NOT_OFFERED
    elif server.security is Security.STARTTLS and out.transcript.tls_performed:
        out.certificate, out.tls = _certificate_of(connection.writer), TlsStatus.OK
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
    )


async def _converse(
    connection: _Connection,
    server: ServerSettings,
    ssl_context: ssl.SSLContext,
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
                await connection.start_tls(ssl_context, server.host, deadline)
                if stop_after_tls:
                    return Transcript(tls_performed=True)
                answer = None
            action = steps.send(answer)
    except StopIteration as stop:
        result: Transcript = stop.value
        return result


def _certificate_of(writer: asyncio.StreamWriter) -> Certificate | None:
    ssl_object = writer.get_extra_info("ssl_object")
    if ssl_object is None:
        return None
    info = ssl_object.getpeercert()
    if not info:
        return Certificate(valid=True)
    names = [value for kind, value in info.get("subjectAltName", ()) if kind == "DNS"]
    not_after = None
    if "notAfter" in info:
        not_after = datetime.fromtimestamp(ssl.cert_time_to_seconds(info["notAfter"]), tz=UTC)
    return Certificate(
        valid=True,
        subject_names=names,
        not_after=not_after,
        issuer=_name(info.get("issuer", ())),
    )


def _name(rdns: object) -> str | None:
    parts: dict[str, str] = {}
    for rdn in rdns or ():  # type: ignore[attr-defined]
        for key, value in rdn:
            parts.setdefault(key, value)
    return parts.get("commonName") or parts.get("organizationName")


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
    details = _decode(der, kind) or Certificate(valid=False, error=kind.value, kind=kind)
    return details, reason, FailureKind.CERTIFICATE


async def _fetch_refused(
    server: ServerSettings, address: str, deadline: Deadline, limits: ProbeLimits
) -> bytes | None:
    """A second handshake that only reads the certificate (no command, no credential)."""
    try:
        async with asyncio.timeout(deadline.phase(limits.connect + limits.tls)):
            reader, writer = await asyncio.open_connection(address, server.port)
            connection = _Connection(reader, writer, limits, address=address)
            try:
                if server.security is Security.TLS:
                    await connection.start_tls(unverified_context(), server.host, deadline)
                else:
                    await _converse(
                        connection,
                        server,
                        unverified_context(),
                        deadline,
                        None,
                        stop_after_tls=True,
                    )
                ssl_object = connection.writer.get_extra_info("ssl_object")
                return ssl_object.getpeercert(binary_form=True) if ssl_object else None
            finally:
                connection.abort()
    except Exception:
        return None


def _decode(der: bytes | None, kind: CertificateKind) -> Certificate | None:
    if not der:
        return None
    try:
        # Optional: `cryptography` reads certificates that failed verification. Without it the
        # verdict and reason are still reported, only names, issuer and expiry stay empty.
        from cryptography import x509
    except ImportError:
        return None
    try:
        cert = x509.load_der_x509_certificate(der)
        try:
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
            names = san.value.get_values_for_type(x509.DNSName)
        except x509.ExtensionNotFound:
            names = []
        issuer = cert.issuer.get_attributes_for_oid(x509.NameOID.COMMON_NAME) or (
            cert.issuer.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)
        )
        return Certificate(
            valid=False,
            error=kind.value,
            kind=kind,
            subject_names=list(names),
            not_after=cert.not_valid_after_utc,
            issuer=str(issuer[0].value) if issuer else None,
        )
    except ValueError:
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
    block_private: bool = False,
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
    block_private: bool = False,
) -> list[bytes] | None:
    """The certificates ``server`` sends (DER, leaf first); None when they cannot be read.

    An unverified handshake (after STARTTLS where the server's security says so) that only
    reads them: no command, no credential. Never raises (but cancellation).
    """
    try:
        connection, ssl_object = await _handshake(
            server, unverified_context(), dns, deadline, limits, block_private
        )
    except (_TlsRefused, _Failure, _Unreachable, ProtocolViolation, DeadlineExceeded, OSError):
        return None
    try:
        return presented_chain(ssl_object)
    finally:
        connection.abort()


async def _handshake(
    server: ServerSettings,
    ctx: ssl.SSLContext,
    dns: DnsClient,
    deadline: Deadline,
    limits: ProbeLimits,
    block_private: bool,
) -> tuple[_Connection, ssl.SSLObject]:
    """A new connection to ``server`` with TLS started on it by ``ctx``; the caller aborts it."""
    if server.security is Security.PLAIN:
        raise _Failure("the server is published without TLS", FailureKind.PROTOCOL)
    ips = await _resolve(server.host, dns, deadline, limits, block_private=block_private)
    connection = await _connect(ips, server.port, deadline, limits)
    try:
        if server.security is Security.TLS:
            await connection.start_tls(ctx, server.host, deadline)
        else:
            transcript = await _converse(
                connection, server, ctx, deadline, None, stop_after_tls=True
            )
            if not transcript.tls_performed:
                reason = transcript.error or "the server did not start TLS"
                raise _Failure(reason, transcript.failure or FailureKind.PROTOCOL)
        ssl_object = connection.writer.get_extra_info("ssl_object")
        if ssl_object is None:
            raise _Failure("no TLS on the connection", FailureKind.TLS_HANDSHAKE, tls=True)
    except BaseException:
        connection.abort()
        raise
    return connection, ssl_object
