"""Scenarios of the domain check's server side (issue 15): one broken thing per domain.

Each domain publishes its servers the same consistent way (autoconfig at both HTTPS URLs, SRV
records in the same order, an MX), so that what differs is only what its servers do:

- ``audit-clean``: everything right (the report has no error and no warning);
- ``audit-legacy-tls``: Dovecot and Postfix (587) still accept TLS 1.0/1.1 (if OpenSSL can);
- ``audit-plaintext``: IMAP offers LOGIN, POP3 USER before STARTTLS, SMTP AUTH before it;
- ``audit-expiring``: Dovecot and Postfix present a certificate that expires in 5 days;
- ``audit-chain``: their certificate is signed by an intermediate they do not send;
- ``audit-no-starttls``: IMAP 143 and SMTP 587 without STARTTLS (and no implicit TLS);
- ``audit-port25``: SMTP only on port 25 (no submission).

Their port 25 serves the check's MX scenarios (tests/world/scenarios_check.py): the address of
``audit-no-starttls`` offers no STARTTLS there either (``check-mx-plain``), the one of
``audit-legacy-tls`` only TLS 1.0/1.1 (``check-mx-old-tls``).

The extra Dovecot and Postfix listeners live on their own addresses, 127.0.N.60-64
(:func:`mail_hosts`); tests/world/dovecot.py, postfix.py and certs.py read them from here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Literal

from tests.world.scenarios import (
    AUTOCONFIG_PATH,
    WELL_KNOWN_PATH,
    AddressPlan,
    Expect,
    Scenario,
    Server,
    WebFile,
    _Builder,
    clientconfig,
    standard_servers,
)

EXPIRING_DAYS = 5  # the audit-expiring certificate's remaining life

CertKind = Literal["normal", "expiring", "chain"]


@dataclasses.dataclass(frozen=True)
class MailHost:
    """An extra address where Dovecot and Postfix listen with settings of their own."""

    ip: str
    cert: CertKind  # "chain": a leaf of an intermediate CA, served without the intermediate
    dovecot: Mapping[str, str]  # settings of Dovecot's `local` block for this address
    submission: Mapping[str, str]  # `-o` overrides of Postfix's 587 service here
    relay: Mapping[str, str] = dataclasses.field(default_factory=dict)  # and of its port 25

    @property
    def cert_role(self) -> str:
        """The certificate's role name in tests/world/certs.py."""
        return f"audit-{self.ip.rsplit('.', 1)[1]}"


def _ip(plan: AddressPlan, last: int) -> str:
    return f"127.0.{plan.net}.{last}"


def legacy_ip(plan: AddressPlan) -> str:
    return _ip(plan, 60)


def plaintext_ip(plan: AddressPlan) -> str:
    return _ip(plan, 61)


def expiring_ip(plan: AddressPlan) -> str:
    return _ip(plan, 62)


def chain_ip(plan: AddressPlan) -> str:
    return _ip(plan, 63)


def no_starttls_ip(plan: AddressPlan) -> str:
    return _ip(plan, 64)


def mail_hosts(plan: AddressPlan) -> tuple[MailHost, ...]:
    """The extra Dovecot/Postfix addresses and what is different on each."""
    return (
        MailHost(
            legacy_ip(plan),
            "normal",
            {"ssl_min_protocol": "TLSv1", "ssl_cipher_list": "DEFAULT:@SECLEVEL=0"},
            {
                "smtpd_tls_protocols": ">=TLSv1",
                "smtpd_tls_mandatory_protocols": ">=TLSv1",
                "tls_medium_cipherlist": "DEFAULT:@SECLEVEL=0",
            },
            # An MX that speaks only TLS 1.0/1.1 (check-mx-old-tls, scenarios_check.py).
            {
                "smtpd_tls_protocols": "<=TLSv1.1",
                "tls_medium_cipherlist": "DEFAULT:@SECLEVEL=0",
            },
        ),
        MailHost(
            plaintext_ip(plan),
            "normal",
            {"disable_plaintext_auth": "no"},
            {"smtpd_tls_security_level": "may", "smtpd_tls_auth_only": "no"},
        ),
        MailHost(expiring_ip(plan), "expiring", {}, {}),
        MailHost(chain_ip(plan), "chain", {}, {}),
        MailHost(
            no_starttls_ip(plan),
            "normal",
            {"ssl": "no"},
            {"smtpd_tls_security_level": "none"},
            # An MX without STARTTLS too (check-mx-plain, tests/world/scenarios_check.py).
            {"smtpd_tls_security_level": "none"},
        ),
    )


NAMES = (
    "audit-clean",
    "audit-legacy-tls",
    "audit-plaintext",
    "audit-expiring",
    "audit-chain",
    "audit-no-starttls",
    "audit-port25",
)


def _srv_records(servers: list[Server]) -> list[tuple[str, str]]:
    """SRV (service, rdata) for ``servers`` in their order: priority 0, 10, ... per service."""
    service = {
        ("imap", "tls"): "_imaps._tcp",
        ("imap", "starttls"): "_imap._tcp",
        ("pop3", "tls"): "_pop3s._tcp",
        ("pop3", "starttls"): "_pop3._tcp",
        ("smtp", "tls"): "_submissions._tcp",
        ("smtp", "starttls"): "_submission._tcp",
    }
    records = []
    for priority, s in enumerate(servers):
        name = service.get((s.protocol, s.security))
        if name is not None and s.port != 25:  # SRV has no name for SMTP relay on 25
            records.append((name, f"{priority * 10} 1 {s.port} {s.host}."))
    return records


def _publish(
    b: _Builder,
    name: str,
    d: str,
    description: str,
    servers: list[Server],
    hosts: Mapping[str, str],
) -> None:
    """A domain whose autoconfig (both URLs), SRV and MX all name ``servers``."""
    z = b.zone(d)
    for host, ip in hosts.items():
        b.a(z, host, ip)
    b.a(z, f"mx.{d}", b.plan.postfix)
    z.add(d, "MX", f"10 mx.{d}.")
    doc = clientconfig(d, [d], servers)
    b.webhost(z, f"autoconfig.{d}").files[AUTOCONFIG_PATH] = WebFile(doc)
    b.webhost(z, d).files[WELL_KNOWN_PATH] = WebFile(doc)
    for service, rdata in _srv_records(servers):
        z.add(f"{service}.{d}", "SRV", rdata)
    incoming = next(s for s in servers if s.protocol != "smtp")
    outgoing = next(s for s in servers if s.protocol == "smtp")
    b.add(
        Scenario(
            name,
            d,
            description,
            Expect(incoming.host, incoming.port, incoming.security),
            Expect(outgoing.host, outgoing.port, outgoing.security),
        )
    )


def _standard(
    b: _Builder, name: str, description: str, imap_ip: str, smtp_ip: str, *, pop3_110: bool = False
) -> None:
    """IMAP 993/143, POP3 995 (and 110), SMTP 465/587 on imap./pop./smtp. of ``name``.test."""
    d = f"{name}.test"
    hosts = {f"imap.{d}": imap_ip, f"pop.{d}": imap_ip, f"smtp.{d}": smtp_ip}
    servers = standard_servers(d)
    if pop3_110:
        servers.insert(3, Server("pop3", f"pop.{d}", 110, "starttls"))
    _publish(b, name, d, description, servers, hosts)


def add(b: _Builder) -> None:
    """Add the audit scenarios to the world being built (called from scenarios.build)."""
    p = b.plan
    _standard(b, "audit-clean", "every mechanism and every server right", p.dovecot, p.postfix)
    _standard(
        b,
        "audit-legacy-tls",
        "IMAP, POP3 and SMTP 587 accept TLS 1.0/1.1 (Dovecot ssl_min_protocol = TLSv1, "
        "Postfix smtpd_tls_protocols = >=TLSv1, @SECLEVEL=0)",
        legacy_ip(p),
        legacy_ip(p),
    )
    _standard(
        b,
        "audit-plaintext",
        "IMAP LOGIN, POP3 USER and SMTP AUTH offered before STARTTLS",
        plaintext_ip(p),
        plaintext_ip(p),
        pop3_110=True,
    )
    _standard(
        b,
        "audit-expiring",
        f"IMAP/POP3/SMTP certificate expires in {EXPIRING_DAYS} days",
        expiring_ip(p),
        expiring_ip(p),
    )
    _standard(
        b,
        "audit-chain",
        "certificate signed by an intermediate CA the servers do not send",
        chain_ip(p),
        chain_ip(p),
    )
    d = "audit-no-starttls.test"
    _publish(
        b,
        "audit-no-starttls",
        d,
        "IMAP 143 and SMTP 587 published as STARTTLS but offer no STARTTLS; no implicit TLS",
        [
            Server("imap", f"imap.{d}", 143, "starttls"),
            Server("smtp", f"smtp.{d}", 587, "starttls"),
        ],
        {f"imap.{d}": no_starttls_ip(p), f"smtp.{d}": no_starttls_ip(p)},
    )
    d = "audit-port25.test"
    _publish(
        b,
        "audit-port25",
        d,
        "SMTP published only on port 25 (no submission); IMAP 993 fine",
        [Server("imap", f"imap.{d}", 993, "tls"), Server("smtp", f"smtp.{d}", 25, "starttls")],
        {f"imap.{d}": p.dovecot, f"smtp.{d}": p.postfix},
    )
