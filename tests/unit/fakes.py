"""The one set of fakes the unit tests share: a DNS client and sources, all network-free."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence

from autoconf.address import is_ip
from autoconf.errors import DeadlineExceeded, HostNotFound
from autoconf.models import (
    AttemptStatus,
    AuthMethod,
    DiscoveryWarning,
    DnssecStatus,
    Protocol,
    Security,
    ServerSettings,
    SourceAttempt,
    SourceName,
    Trust,
)
from autoconf.options import Deadline
from autoconf.parsers.srv import SrvRecord
from autoconf.sources.base import SourceContext, SourceOutcome

__all__ = ["LOCAL_GMAIL", "BrokenSource", "FakeDns", "FakeSource", "ScriptedSource", "server"]

# A corporate override of gmail.com, for the local source.
LOCAL_GMAIL = b"""<?xml version="1.0"?>
<clientConfig version="1.1"><emailProvider id="corp-gmail">
  <domain>gmail.com</domain><displayName>Corporate override</displayName>
  <incomingServer type="imap"><hostname>imap.corp.example</hostname><port>993</port>
    <socketType>SSL</socketType><username>%EMAILLOCALPART%</username>
    <authentication>password-cleartext</authentication></incomingServer>
  <outgoingServer type="smtp"><hostname>smtp.corp.example</hostname><port>465</port>
    <socketType>SSL</socketType><authentication>password-cleartext</authentication>
  </outgoingServer>
</emailProvider></clientConfig>"""


class FakeDns:
    """A DNS client answering from tables, with the real one's contract; records what is asked.

    ``hosts`` maps names to addresses (a plain set of names means each has 127.0.0.1); any
    other name does not exist, unless ``every_host`` gives the answer for all names. Names in
    ``slow`` time out. A deadline that has passed raises, as it does for the real client.
    """

    def __init__(
        self,
        hosts: Mapping[str, list[str]] | Iterable[str] = (),
        *,
        srv: Sequence[SrvRecord] = (),
        txt: Mapping[str, Sequence[tuple[bytes, ...]]] | None = None,
        every_host: list[str] | None = None,
        slow: Iterable[str] = (),
        delay: float = 0.0,
        dnssec: DnssecStatus | None = None,
    ) -> None:
        self.dnssec = dnssec
        if isinstance(hosts, Mapping):
            self.hosts = {name: list(ips) for name, ips in hosts.items()}
        else:
            self.hosts = {name: ["127.0.0.1"] for name in hosts}
        self.srv_records = list(srv)
        self.txt_records = dict(txt or {})
        self.every_host = every_host
        self.slow = set(slow)
        self.delay = delay
        self.asked: list[str] = []

    async def addresses(
        self, host: str, deadline: Deadline, *, limit: float | None = None
    ) -> list[str]:
        deadline.phase(limit)
        self.asked.append(host)
        if self.delay:
            await asyncio.sleep(self.delay)
        if host in self.slow:
            raise DeadlineExceeded(f"no DNS answer for {host}", host=host)
        if self.every_host is not None:
            return list(self.every_host)
        if host not in self.hosts:
            raise HostNotFound(f"{host} does not exist", host=host)
        return list(self.hosts[host])

    def attempt_status(self, name: str, rdtype: str) -> DnssecStatus | None:
        """``status`` for every answer (None: DNSSEC off, as by default)."""
        return self.dnssec

    def dnssec_of(self, name: str, rdtype: str) -> DnssecStatus | None:
        return self.dnssec

    def address_status(self, host: str, address: str | None = None) -> DnssecStatus | None:
        """``status`` for every host name; None for an IP literal (no DNS fact)."""
        return None if is_ip(host) else self.dnssec

    async def srv(self, name: str, deadline: Deadline, *, limit: float | None = None):
        deadline.phase(limit)
        self.asked.append(name)
        return list(self.srv_records)

    async def txt(self, name: str, deadline: Deadline, *, limit: float | None = None):
        deadline.phase(limit)
        self.asked.append(name)
        return list(self.txt_records.get(name, ()))


class FakeSource:
    """A source that answers after a delay (or never), for timing and cancellation tests."""

    def __init__(self, name: SourceName, delay: float, host: str | None = "imap.fake.example"):
        self.name = name
        self.delay = delay
        self.host = host
        self.cancelled = False
        self.started = False

    async def run(self, ctx: SourceContext) -> SourceOutcome:
        self.started = True
        try:
            await asyncio.sleep(self.delay)
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        attempt = SourceAttempt(source=self.name, target="fake", status=AttemptStatus.OK)
        if self.host is None:
            return SourceOutcome(source=self.name, attempts=[attempt])
        server = ServerSettings(
            protocol=Protocol.IMAP,
            host=self.host,
            port=993,
            security=Security.TLS,
            sources=[self.name],
            trust=Trust.HIGH,
        )
        smtp = server.model_copy(update={"protocol": Protocol.SMTP, "port": 465})
        return SourceOutcome(
            source=self.name, attempts=[attempt], incoming=[server], outgoing=[smtp]
        )


class BrokenSource:
    """A source with a bug: it raises instead of returning an outcome."""

    name = SourceName.SRV

    async def run(self, ctx: SourceContext) -> SourceOutcome:
        raise RuntimeError("boom")


def server(
    protocol: Protocol = Protocol.IMAP,
    host: str = "imap.example.com",
    port: int = 993,
    security: Security = Security.TLS,
    **extra: object,
) -> ServerSettings:
    fields: dict[str, object] = {
        "protocol": protocol,
        "host": host,
        "port": port,
        "security": security,
        "username": "jane@example.com",
        "auth": [AuthMethod.PASSWORD_CLEARTEXT],
        "sources": [SourceName.AUTOCONFIG],
        "trust": Trust.HIGH,
    }
    fields.update(extra)
    return ServerSettings(**fields)  # type: ignore[arg-type]


class ScriptedSource:
    """A network-free source that answers with given servers (or nothing) after a delay."""

    def __init__(
        self,
        name: SourceName,
        *,
        incoming: list[ServerSettings] | None = None,
        outgoing: list[ServerSettings] | None = None,
        delay: float = 0.0,
        status: AttemptStatus = AttemptStatus.OK,
        detail: str | None = None,
        warnings: list[DiscoveryWarning] | None = None,
    ) -> None:
        self.name = name
        self.incoming = incoming or []
        self.outgoing = outgoing or []
        self.delay = delay
        self.status = status
        self.detail = detail
        self.warnings = warnings or []
        self.seen: list[str] = []

    async def run(self, ctx: SourceContext) -> SourceOutcome:
        self.seen.append(str(ctx.address))
        await asyncio.sleep(self.delay)
        attempt = SourceAttempt(
            source=self.name,
            target=f"https://autoconfig.{ctx.address.domain}/mail/config-v1.1.xml",
            status=self.status,
            elapsed_ms=12.0,
            detail=self.detail,
        )
        return SourceOutcome(
            source=self.name,
            attempts=[attempt],
            incoming=list(self.incoming),
            outgoing=list(self.outgoing),
            warnings=list(self.warnings),
        )
