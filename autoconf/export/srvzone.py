"""SRV records (RFC 6186, with RFC 8314's implicit-TLS services) that would publish the
servers, as zone-file lines, for the domain's admin. Services without a server get the
target ``.`` (RFC 6186 §3.4: decidedly not offered)."""

from __future__ import annotations

from ..address import is_ip
from ..models import ServerSettings
from ..parsers.srv import SERVICES
from ._common import Account, Reader

__all__ = ["DESCRIPTION", "READER", "render"]

DESCRIPTION = "SRV records: RFC 6186/8314 zone-file lines publishing the servers (for admins)"
# Zone lines hold only plain host names and numbers (hosts pass the one host rule).
READER = Reader()

TTL = 3600


def render(account: Account) -> str:
    if account.incoming is None and account.outgoing is None:
        account.need_incoming()  # raises: nothing to publish
    zone = account.domain.rstrip(".") + "."
    by_service: dict[str, list[tuple[int, ServerSettings]]] = {s: [] for s in SERVICES}
    skipped: list[ServerSettings] = []
    for servers in (account.all_incoming, account.all_outgoing):
        for rank, server in enumerate(servers):
            service = _service(server)
            if service is None or is_ip(server.host):
                skipped.append(server)
            else:
                by_service[service].append((rank, server))
    lines = [
        f"; SRV records (RFC 6186, RFC 8314) publishing the mail servers of {zone}",
        "; written by mail-autoconf: check them, then add them to the zone.",
        '; Lower priority is preferred; a target of "." says the service is not offered.',
        "",
    ]
    for service, entries in by_service.items():
        owner = f"{service}.{zone}"
        if not entries:
            lines.append(f"{owner} {TTL} IN SRV 0 0 0 .")
            continue
        for rank, server in entries:
            lines.append(f"{owner} {TTL} IN SRV {rank * 10} 1 {server.port} {server.host}.")
    for server in skipped:
        why = (
            "is an IP address, and an SRV target is a host name (RFC 2782)"
            if is_ip(server.host)
            else "offers no encryption, and SRV records name only TLS and STARTTLS services"
        )
        lines.append(
            f"; not published: {server.protocol.value} {server.host} port {server.port} {why}"
        )
    lines.append("")
    return "\n".join(lines)


def _service(server: ServerSettings) -> str | None:
    for service, (protocol, security) in SERVICES.items():
        if (protocol, security) == (server.protocol, server.security):
            return service
    return None  # no encryption: RFC 6186 services are TLS or STARTTLS
