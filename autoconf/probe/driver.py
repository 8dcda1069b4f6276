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
import ipaddress
import ssl
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime

from ..errors import DeadlineExceeded, HostNotFound, NetworkError
from ..models import (
    Certificate,
    LoginStatus,
    Security,
    ServerSettings,
    TlsStatus,
    Verification,
)
from ..net.dns import DnsClient
from ..net.tls import certificate_kind, unverified_context
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

__all__ = ["ProbeLimits", "probe_server"]

_READ_CHUNK = 4096


@dataclass(frozen=True, slots=True)
class ProbeLimits:
    connect: float = 3.0
    tls: float = 3.0
    first_byte: float = 4.0

    @classmethod
    def from_options(cls, options: Options) -> ProbeLimits:
        return cls(
            connect=options.connect_timeout,
            tls=options.tls_timeout,
            first_byte=options.first_byte_timeout,
        )


class _Failure(Exception):
    def __init__(self, reason: str, *, timeout: bool = False) -> None:
        super().__init__(reason)
        self.timeout = timeout


class _TlsRefused(Exception):
    def __init__(self, error: ssl.SSLError) -> None:
        super().__init__(str(error))
        self.error = error


class _Connection:
    """A stream pair plus line framing; knows how to read one reply and upgrade to TLS."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, limits: ProbeLimits
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.limits = limits
        self.lines = LineReader()
        self.queue: deque[str] = deque()

    async def send(self, data: bytes, deadline: Deadline) -> None:
        self.writer.write(data)
        try:
            async with asyncio.timeout(deadline.phase(self.limits.first_byte)):
                await self.writer.drain()
        except TimeoutError:
            raise _Failure("the server stopped reading", timeout=True) from None

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
                        raise _Failure(f"the server closed the connection before the {what}")
                    self.queue.extend(self.lines.feed(data))
        except TimeoutError:
            raise _Failure(f"no complete {what} within {limit:.1f} s", timeout=True) from None
        return reply

    async def start_tls(self, ctx: ssl.SSLContext, host: str, deadline: Deadline) -> None:
        # Bytes the server sent after agreeing to STARTTLS would later be read as if they had
        # come over TLS (the CVE-2011-0411 pattern). They may sit in our line buffer or still
        # in the StreamReader's; asyncio has no public way to ask the latter, hence `_buffer`.
        unread = len(getattr(self.reader, "_buffer", b""))
        if self.queue or self.lines.pending or unread:
            raise _Failure("the server sent data after agreeing to STARTTLS (injection)")
        limit = deadline.phase(self.limits.tls)
        try:
            async with asyncio.timeout(limit + 0.5):
                await self.writer.start_tls(
                    # The host name, or an IP literal: ssl then checks the certificate's IP
                    # addresses instead of its names (and sends no SNI).
                    ctx,
                    server_hostname=host,
                    ssl_handshake_timeout=limit,
                )
        except ssl.SSLError as exc:
            raise _TlsRefused(exc) from None
        except TimeoutError:
            raise _Failure(f"no TLS handshake within {limit:.1f} s", timeout=True) from None
        except (ConnectionError, OSError) as exc:
            raise _Failure(f"the TLS handshake failed: {exc}") from None

    def abort(self) -> None:
        self.writer.transport.abort()

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(Exception):
            async with asyncio.timeout(0.5):
                await self.writer.wait_closed()


async def probe_server(
    server: ServerSettings,
    *,
    dns: DnsClient,
    ssl_context: ssl.SSLContext,
    deadline: Deadline,
    limits: ProbeLimits = ProbeLimits(),
    login: Login | None = None,
    block_private: bool = False,
) -> Verification:
    """Connect to ``server`` for real and report what works. Never raises (but cancellation)."""
    started = time.perf_counter()

    def done(**fields: object) -> Verification:
        fields.setdefault("elapsed_ms", round((time.perf_counter() - started) * 1000, 3))
        return Verification(**fields)

    try:
        ips = await dns.addresses(server.host, deadline, limit=limits.connect)
    except HostNotFound as exc:
        return done(reachable=False, error=str(exc))
    except (DeadlineExceeded, NetworkError) as exc:
        return done(reachable=False, error=f"cannot resolve {server.host}: {exc}")
    if block_private:
        ips = [ip for ip in ips if not _is_private(ip)]
        if not ips:
            return done(
                reachable=False,
                error=f"{server.host} resolves only to private or local addresses (blocked)",
            )

    connection: _Connection | None = None
    errors: list[str] = []
    address = None
    for ip in ips:
        limit = min(limits.connect, deadline.remaining())
        if limit <= 0:
            break
        try:
            async with asyncio.timeout(limit):
                reader, writer = await asyncio.open_connection(ip, server.port)
        except TimeoutError:
            errors.append(f"{ip}: no TCP connection within {limit:.1f} s")
            continue
        except OSError as exc:
            errors.append(f"{ip}: {exc.strerror or exc}")
            continue
        connection, address = _Connection(reader, writer, limits), ip
        break
    if connection is None:
        return done(reachable=False, error="cannot connect: " + "; ".join(errors or ["deadline"]))

    transcript = Transcript()
    certificate: Certificate | None = None
    tls = TlsStatus.NOT_TRIED
    error: str | None = None
    try:
        if server.security is Security.TLS:
            await connection.start_tls(ssl_context, server.host, deadline)
            certificate = _certificate_of(connection.writer)
            tls = TlsStatus.OK
        transcript = await _converse(connection, server, ssl_context, deadline, login)
        if transcript.starttls_offered is False:
            tls = TlsStatus.NOT_OFFERED
        elif server.security is Security.STARTTLS and transcript.tls_performed:
            tls = TlsStatus.OK
            certificate = _certificate_of(connection.writer)
        error = transcript.error
    except _TlsRefused as refused:
        tls = TlsStatus.FAILED
        certificate, error = await _refused_certificate(
            refused.error, server, address, ssl_context, deadline, limits
        )
    except _Failure as failure:
        error = str(failure)
        if (
            server.security is not Security.PLAIN
            and tls is TlsStatus.NOT_TRIED
            and ("TLS" in error)
        ):
            tls = TlsStatus.FAILED
    except ProtocolViolation as violation:
        error = str(violation)
    except DeadlineExceeded:
        error = "the discovery deadline passed during the probe"
    except (ConnectionError, OSError) as exc:
        error = f"connection lost: {exc}"
    except asyncio.CancelledError:
        connection.abort()
        raise
    finally:
        if error is not None:
            connection.abort()
        else:
            await connection.close()

    login_status = LoginStatus.NOT_TRIED
    if transcript.login is True:
        login_status = LoginStatus.OK
    elif transcript.login is False:
        login_status = LoginStatus.FAILED
    return done(
        reachable=True,
        tls=tls,
        certificate=certificate,
        capabilities=transcript.capabilities,
        capabilities_before_tls=transcript.capabilities_before_tls,
        sasl_mechanisms=transcript.sasl_mechanisms,
        login=login_status,
        login_detail=transcript.login_detail,
        greeting=transcript.greeting or None,
        error=error,
        address=address,
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


def _is_private(ip: str) -> bool:
    address = ipaddress.ip_address(ip)
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_unspecified
    )


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
    ssl_context: ssl.SSLContext,
    deadline: Deadline,
    limits: ProbeLimits,
) -> tuple[Certificate, str]:
    """Why TLS failed, with the refused certificate's names, issuer and expiry when readable."""
    if not isinstance(error, ssl.SSLCertVerificationError):
        reason = f"TLS handshake failed: {error.reason or error}"
        return Certificate(valid=False, error="handshake"), reason
    kind = certificate_kind(error)
    reason = f"certificate refused ({kind}): {error.verify_message}"
    details = Certificate(valid=False, error=kind)
    if address is None or deadline.remaining() < 0.2:
        return details, reason
    # A second handshake that only reads the certificate (no command, no credential).
    try:
        async with asyncio.timeout(deadline.phase(limits.connect + limits.tls)):
            reader, writer = await asyncio.open_connection(address, server.port)
            connection = _Connection(reader, writer, limits)
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
                der = ssl_object.getpeercert(binary_form=True) if ssl_object else None
            finally:
                connection.abort()
    except Exception:
        return details, reason
    return _decode(der, kind) or details, reason


def _decode(der: bytes | None, kind: str) -> Certificate | None:
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
            error=kind,
            subject_names=list(names),
            not_after=cert.not_valid_after_utc,
            issuer=str(issuer[0].value) if issuer else None,
        )
    except ValueError:
        return None
