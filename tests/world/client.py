"""Hermetic clients for checking the world: names resolve through the world's nameserver only.

Every connection goes to an IP literal found with dnspython, while TLS still verifies the
certificate against the host *name* (SNI + hostname check) and the world's CA alone.
"""

from __future__ import annotations

import imaplib
import poplib
import smtplib
import socket
import ssl
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

import dns.resolver
import httpx

from tests.world.core import WorldInfo

# Seconds any one step of these checking clients may take. A guard against a hang, not a
# claim about speed: the world's servers answer in milliseconds, but on a loaded machine (two
# cores, load average 10) one of them may not be scheduled for a second or two. Tests that
# expect a time-out pass their own short timeout.
TIMEOUT = 10.0


def resolver(info: WorldInfo) -> dns.resolver.Resolver:
    """A resolver that asks the world's nameserver and nothing else (no /etc/resolv.conf)."""
    r = dns.resolver.Resolver(configure=False)
    r.nameservers = [info.nameserver[0]]
    r.port = info.nameserver[1]
    r.lifetime = TIMEOUT
    return r


def resolve_a(info: WorldInfo, host: str) -> str:
    """The first IPv4 address of `host` according to the world's nameserver."""
    return str(resolver(info).resolve(host, "A")[0])


def tls_context(info: WorldInfo) -> ssl.SSLContext:
    """A client context trusting only the world's CA (the system store is not loaded)."""
    return ssl.create_default_context(cafile=str(info.ca_file))


@dataclass(frozen=True)
class HttpAnswer:
    """One HTTP exchange (after any redirects the caller asked to follow)."""

    url: str
    status: int
    content_type: str
    body: bytes
    location: str | None
    history: tuple[str, ...]


def http(
    info: WorldInfo,
    method: str,
    url: str,
    *,
    content: bytes | None = None,
    headers: dict[str, str] | None = None,
    follow: int = 0,
) -> HttpAnswer:
    """Send one request to `url` by IP (Host header + SNI carry the name); follow `follow` hops.

    Raises httpx.TooManyRedirects when more than `follow` redirects come back."""
    history: list[str] = []
    with httpx.Client(verify=tls_context(info), trust_env=False, timeout=TIMEOUT) as client:
        while True:
            parts = urlsplit(url)
            host = parts.hostname or ""
            ip = resolve_a(info, host)
            netloc = ip if parts.port is None else f"{ip}:{parts.port}"
            request_headers = {"Host": parts.netloc, **(headers or {})}
            answer = client.request(
                method,
                urlunsplit(parts._replace(netloc=netloc)),
                content=content,
                headers=request_headers,
                extensions={"sni_hostname": host},
            )
            location = answer.headers.get("location")
            if answer.is_redirect and location is not None:
                history.append(url)
                if len(history) > follow:
                    if follow:
                        raise httpx.TooManyRedirects(
                            f"more than {follow} redirects: {history}", request=answer.request
                        )
                else:
                    url = location
                    continue
            return HttpAnswer(
                url=url,
                status=answer.status_code,
                content_type=answer.headers.get("content-type", ""),
                body=answer.content,
                location=location,
                history=tuple(history),
            )


# --- mail clients: stdlib protocol code, but connecting to the world's IP for a name ---------


class WorldIMAP(imaplib.IMAP4):
    """IMAP (plain, STARTTLS-capable) that connects to `ip` while speaking to `host`."""

    def __init__(self, ip: str, host: str, port: int) -> None:
        self._ip = ip
        super().__init__(host, port, timeout=TIMEOUT)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        return socket.create_connection((self._ip, self.port), timeout)


class WorldIMAPS(imaplib.IMAP4_SSL):
    """IMAP over implicit TLS to `ip`, certificate checked for `host`."""

    def __init__(self, ip: str, host: str, port: int, context: ssl.SSLContext) -> None:
        self._ip = ip
        super().__init__(host, port, ssl_context=context, timeout=TIMEOUT)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        sock = socket.create_connection((self._ip, self.port), timeout)
        return cast(socket.socket, self.ssl_context.wrap_socket(sock, server_hostname=self.host))


class WorldPOP3(poplib.POP3):
    """POP3 (STLS-capable) to `ip` for `host`."""

    def __init__(self, ip: str, host: str, port: int) -> None:
        self._ip = ip
        super().__init__(host, port, timeout=TIMEOUT)

    def _create_socket(self, timeout: float) -> socket.socket:
        return socket.create_connection((self._ip, self.port), timeout)


class WorldPOP3S(poplib.POP3_SSL):
    """POP3 over implicit TLS to `ip`, certificate checked for `host`."""

    def __init__(self, ip: str, host: str, port: int, context: ssl.SSLContext) -> None:
        self._ip = ip
        self._context = context
        super().__init__(host, port, timeout=TIMEOUT, context=context)

    def _create_socket(self, timeout: float) -> socket.socket:
        sock = socket.create_connection((self._ip, self.port), timeout)
        return self._context.wrap_socket(sock, server_hostname=self.host)


class WorldSMTP(smtplib.SMTP):
    """SMTP (STARTTLS-capable) to `ip` for `host`."""

    def __init__(self, ip: str, host: str, port: int) -> None:
        self._ip = ip
        super().__init__(local_hostname="client.world.test", timeout=TIMEOUT)
        self._host = host
        self.connect(host, port)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return socket.create_connection((self._ip, port), timeout)


class WorldSMTPS(smtplib.SMTP_SSL):
    """SMTP over implicit TLS to `ip`, certificate checked for `host`."""

    def __init__(self, ip: str, host: str, port: int, context: ssl.SSLContext) -> None:
        self._ip = ip
        super().__init__(local_hostname="client.world.test", timeout=TIMEOUT, context=context)
        self._host = host
        self.connect(host, port)

    def _get_socket(self, host: str, port: int, timeout: float) -> Any:
        sock = socket.create_connection((self._ip, port), timeout)
        return self.context.wrap_socket(sock, server_hostname=self._host)


def raw_connect(
    info: WorldInfo, host: str, port: int, *, tls: bool, timeout: float = TIMEOUT
) -> socket.socket:
    """A TCP (optionally TLS) socket to `host`:`port` through the world's DNS."""
    sock = socket.create_connection((resolve_a(info, host), port), timeout)
    if not tls:
        return sock
    try:
        return tls_context(info).wrap_socket(sock, server_hostname=host)
    except BaseException:
        sock.close()
        raise
