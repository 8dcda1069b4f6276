"""RFC 6186 / RFC 8314 SRV answers → server settings (pure).

Records are ordered as RFC 2782 says: lowest priority first, then a weighted random choice
within a priority. The "random" numbers come from a generator seeded with the records
themselves, so equal inputs always give equal output (tests and caches rely on it) while
different record sets still spread load the way the weights ask.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ..address import EmailAddress, is_within, normalize_host
from ..models import (
    AuthMethod,
    DiscoveryWarning,
    DnssecStatus,
    Protocol,
    Security,
    ServerSettings,
    Service,
    ServiceKind,
    SourceName,
    Trust,
    WarningCode,
)

__all__ = [
    "DAV_SERVICES",
    "SERVICES",
    "SrvRecord",
    "SrvSettings",
    "order_records",
    "services_from_srv",
    "settings_from_srv",
    "txt_path",
]

# service label → (protocol, security). Implicit-TLS services first (RFC 8314 §5.1).
SERVICES: dict[str, tuple[Protocol, Security]] = {
    "_submissions._tcp": (Protocol.SMTP, Security.TLS),
    "_submission._tcp": (Protocol.SMTP, Security.STARTTLS),
    "_imaps._tcp": (Protocol.IMAP, Security.TLS),
    "_imap._tcp": (Protocol.IMAP, Security.STARTTLS),
    "_pop3s._tcp": (Protocol.POP3, Security.TLS),
    "_pop3._tcp": (Protocol.POP3, Security.STARTTLS),
}


@dataclass(frozen=True, slots=True)
class SrvRecord:
    priority: int
    weight: int
    port: int
    target: str  # as published; "." means the service is decidedly not offered


@dataclass(frozen=True, slots=True)
class SrvSettings:
    incoming: list[ServerSettings] = field(default_factory=list)
    outgoing: list[ServerSettings] = field(default_factory=list)
    not_offered: list[str] = field(default_factory=list)  # services answered with target "."
    warnings: list[DiscoveryWarning] = field(default_factory=list)


def order_records(records: Iterable[SrvRecord]) -> list[SrvRecord]:
    """Order records by RFC 2782: priority, then weighted choice (deterministic per input)."""
    pending = sorted(records, key=lambda r: (r.priority, r.weight, r.target, r.port))
    if len(pending) < 2:
        return pending  # nothing to choose between (and no generator to seed)
    seed = hashlib.sha256(repr(pending).encode()).digest()
    rng = random.Random(seed)  # noqa: S311 - load spreading, not security
    ordered: list[SrvRecord] = []
    for priority in sorted({r.priority for r in pending}):
        group = [r for r in pending if r.priority == priority]
        # Zero-weight records go first in the list so that they are only chosen when the
        # random number is 0 or when nothing else is left.
        group.sort(key=lambda r: r.weight != 0)
        while group:
            total = sum(r.weight for r in group)
            pick = rng.randint(0, total)
            running = 0
            for index, record in enumerate(group):
                running += record.weight
                if running >= pick:
                    ordered.append(group.pop(index))
                    break
    return ordered


def _outside(service: str, address: EmailAddress, host: str, *, proven: bool) -> DiscoveryWarning:
    """The warning for a target outside the email domain (saying when DNSSEC vouches for it)."""
    return DiscoveryWarning(
        code=WarningCode.HOST_OUTSIDE_DOMAIN,
        message=(
            f"the {service}.{address.domain} record points outside "
            f"{address.domain}, to {host} (RFC 6186 §6)"
            + ("; the delegation is DNSSEC-signed" if proven else "")
        ),
        host=host,
    )


def settings_from_srv(
    answers: Mapping[str, Sequence[SrvRecord]],
    address: EmailAddress,
    *,
    signed: Mapping[str, DnssecStatus | None] | None = None,
) -> SrvSettings:
    """Turn the SRV answers found for ``address.domain`` into settings.

    ``answers`` maps a service label (a key of :data:`SERVICES`) to its records; services that
    had no answer may be missing. The returned lists follow RFC 8314 (implicit TLS before
    STARTTLS) and RFC 6186 §3.4 (lowest priority across IMAP and POP3), then RFC 2782 order.

    ``signed`` maps a label to what DNSSEC proved of its answer: a ``secure`` answer is proof
    the domain's owner named the servers, so they get high trust even outside the domain.
    """
    ranked: list[tuple[int, int, int, ServerSettings]] = []
    not_offered: list[str] = []
    warnings: list[DiscoveryWarning] = []
    for order, (service, (protocol, security)) in enumerate(SERVICES.items()):
        records = answers.get(service, ())
        status = (signed or {}).get(service)
        proven = status is DnssecStatus.SECURE
        usable = [r for r in records if r.target.strip(".") and 0 < r.port <= 65535]
        if records and not usable:
            not_offered.append(service)
            continue
        for position, record in enumerate(order_records(usable)):
            try:
                host = normalize_host(record.target)
            except ValueError as exc:
                warnings.append(
                    DiscoveryWarning(
                        code=WarningCode.SKIPPED_SERVER,
                        message=f"{service} target {record.target!r} skipped: {exc}",
                    )
                )
                continue
            inside = is_within(host, address.domain)
            if not inside:
                warnings.append(_outside(service, address, host, proven=proven))
            settings = ServerSettings(
                protocol=protocol,
                host=host,
                port=record.port,
                security=security,
                username=str(address),  # RFC 6186 §4: the full address first
                auth=[AuthMethod.PASSWORD_CLEARTEXT],
                sources=[SourceName.SRV],
                trust=Trust.HIGH if proven else Trust.MEDIUM if inside else Trust.LOW,
                dnssec=status,
            )
            tls_rank = 0 if security is Security.TLS else 1
            ranked.append((tls_rank, record.priority, order * 1000 + position, settings))
    ranked.sort(key=lambda item: item[:3])
    incoming = [s for *_, s in ranked if s.protocol is not Protocol.SMTP]
    outgoing = [s for *_, s in ranked if s.protocol is Protocol.SMTP]
    return SrvSettings(
        incoming=incoming, outgoing=outgoing, not_offered=not_offered, warnings=warnings
    )


# service label → (kind, well-known path, scheme). The TLS labels first (RFC 6764 §3); the
# plain-HTTP labels lead to unencrypted HTTP and give low trust only.
DAV_SERVICES: dict[str, tuple[ServiceKind, str, str]] = {
    "_jmap._tcp": (ServiceKind.JMAP, "/.well-known/jmap", "https"),  # RFC 8620 §2.2
    "_caldavs._tcp": (ServiceKind.CALDAV, "/.well-known/caldav", "https"),
    "_carddavs._tcp": (ServiceKind.CARDDAV, "/.well-known/carddav", "https"),
    "_caldav._tcp": (ServiceKind.CALDAV, "/.well-known/caldav", "http"),
    "_carddav._tcp": (ServiceKind.CARDDAV, "/.well-known/carddav", "http"),
}
_DEFAULT_PORTS = {"https": 443, "http": 80}


def txt_path(strings: Sequence[Sequence[bytes]]) -> str | None:
    """The ``path=`` key of the TXT records beside a DAV SRV record (RFC 6764 §4), if any."""
    for record in strings:
        for part in record:
            key, sep, value = part.decode("utf-8", "replace").partition("=")
            clean = all(ch.isprintable() and not ch.isspace() for ch in value)
            if sep and key.strip().lower() == "path" and value.startswith("/") and clean:
                return value
    return None


def services_from_srv(
    answers: Mapping[str, Sequence[SrvRecord]],
    paths: Mapping[str, str | None],
    address: EmailAddress,
) -> list[Service]:
    """JMAP, CalDAV and CardDAV URLs from their SRV records (and TXT ``path``), best first.

    Only the first record of each label (RFC 2782 order) gives a URL; a ``.`` target says the
    service is not offered. A target outside the email domain, or plain HTTP, is low trust.
    """
    services: list[Service] = []
    for label, (kind, well_known, scheme) in DAV_SERVICES.items():
        usable = [r for r in answers.get(label, ()) if r.target.strip(".") and 0 < r.port <= 65535]
        if not usable:
            continue
        record = order_records(usable)[0]
        try:
            host = normalize_host(record.target)
        except ValueError:
            continue
        port = "" if record.port == _DEFAULT_PORTS[scheme] else f":{record.port}"
        path = paths.get(label) or well_known
        inside = is_within(host, address.domain)
        trust = Trust.MEDIUM if inside and scheme == "https" else Trust.LOW
        url = f"{scheme}://{host}{port}{path}"
        services.append(Service(kind=kind, url=url, sources=[SourceName.SRV], trust=trust))
    return services
