"""The domains of the admin's check (issue 15): one clean, and one broken per finding code.

Hooked into :func:`tests.world.scenarios.build`. Each scenario is a ``check-*.test`` zone whose
mail hosts are the world's real Dovecot and Postfix, so the servers a mechanism names answer;
what is wrong is only what the scenario's description says. Findings that existing scenarios
already produce (plain HTTP only, one URL, HTML, broken XML, the address question, a "."
target, silence) are listed in :data:`FROM_EXISTING`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tests.world.scenarios import (
    AUTOCONFIG_PATH,
    AUTODISCOVER_PATH,
    USER,
    WELL_KNOWN_PATH,
    AddressPlan,
    Expect,
    Scenario,
    Server,
    WebFile,
    WebHost,
    Zone,
    autodiscover_settings,
    clientconfig,
    standard_servers,
)
from tests.world.scenarios_audit import legacy_ip, no_starttls_ip
from tests.world.scenarios_pacc import FINDINGS as PACC_FINDINGS

if TYPE_CHECKING:
    from tests.world.scenarios import _Builder

__all__ = [
    "CHECK_NAMES",
    "CHECK_SCENARIOS",
    "FROM_EXISTING",
    "TRANSPORT_SCENARIOS",
    "add_check_scenarios",
]

# finding code -> the existing scenario (tests/world/scenarios.py) that produces it
FROM_EXISTING = {
    "autoconfig-http-only": "http-only",
    "autoconfig-one-url": "autoconfig",
    "autoconfig-needs-address": "automua",
    "autoconfig-not-xml": "html-page",
    "bad-document": "broken-xml",
    "srv-not-offered": "srv",
    "nothing-published": "guess",
    "mechanism-timeout": "silent",
    "mx-none": "autoconfig",
    **PACC_FINDINGS,  # tests/world/scenarios_pacc.py
}

# finding code -> the check-* scenario made for it
CHECK_SCENARIOS = {
    "mechanisms-disagree": "check-srv-elsewhere",
    "srv-target-outside-domain": "check-srv-outside",
    "srv-target-unresolved": "check-srv-unresolved",
    "srv-starttls-preferred": "check-starttls-first",
    "order-differs": "check-starttls-first",
    "autoconfig-content-type": "check-content-type",
    "autoconfig-redirect-elsewhere": "check-redirect",
    "autoconfig-certificate": "check-web-cert",
    "skipped-server": "check-skipped",
    "ispdb-stale": "check-ispdb-stale",
    "pop3-not-everywhere": "check-pop3",
    "mx-null": "check-null-mx",
    "mx-unresolved": "check-mx-unresolved",
    "mx-provider": "check-mx-provider",
    "mx-provider-mismatch": "check-mx-provider",
    "autoconfig-depends-on-address": "check-by-address",
    "srv-records-left-out": "srv-many",
    "servers-left-out": "srv-many",
}

# finding code -> the scenario of mail between servers (MX on port 25, MTA-STS, TLS-RPT) that
# produces it; check-clean's MX is the world's Postfix on port 25 with a valid certificate.
TRANSPORT_SCENARIOS = {
    "mta-sts-missing": "check-clean",
    "mx-unreachable": "check-mta-sts",
    "mx-certificate": "check-mta-sts",
    "mta-sts-mx-mismatch": "check-mta-sts",
    "tls-rpt-missing": "check-mta-sts",
    "mta-sts-testing": "check-mta-sts-testing",
    "tls-rpt-bad-record": "check-mta-sts-testing",
    "mta-sts-bad-record": "check-mta-sts-bad-record",
    "mta-sts-bad-policy": "check-mta-sts-bad-policy",
    "mta-sts-policy-unreachable": "check-mta-sts-unserved",
    "mta-sts-no-record": "check-mta-sts-orphan",
    "mx-starttls-missing": "check-mx-plain",
    "mx-old-tls": "check-mx-old-tls",  # where this OpenSSL offers TLS 1.0/1.1 (test_check.py)
    "zone-unsigned": "check-clean",  # every check-* zone is unsigned, under the signed test.
}

# Every scenario added here; each one's imap./smtp. are the world's working Dovecot and Postfix.
CHECK_NAMES = (
    "check-clean",
    *sorted(set(CHECK_SCENARIOS.values()) | set(TRANSPORT_SCENARIOS.values()) - {"check-clean"}),
)
MTA_STS_PATH = "/.well-known/mta-sts.txt"

_HOSTING = "hostingco.test"  # scenarios.py's hosting company, known to the world's ISPDB
_OTHER = "check-other.test"  # a second domain, for targets outside and redirects elsewhere


def _srv_standard(z: Zone, d: str, *, pop3: bool = True) -> None:
    """SRV records that agree with :func:`standard_servers` (RFC 8314 priorities)."""
    z.add(f"_submissions._tcp.{d}", "SRV", f"0 1 465 smtp.{d}.")
    z.add(f"_submission._tcp.{d}", "SRV", f"10 1 587 smtp.{d}.")
    z.add(f"_imaps._tcp.{d}", "SRV", f"0 1 993 imap.{d}.")
    z.add(f"_imap._tcp.{d}", "SRV", f"10 1 143 imap.{d}.")
    if pop3:
        z.add(f"_pop3s._tcp.{d}", "SRV", f"0 1 995 pop.{d}.")
    z.add(f"_pop3._tcp.{d}", "SRV", "0 0 0 .")


def add_check_scenarios(b: _Builder, plan: AddressPlan, ispdb: WebHost) -> None:
    """Add the clean domain and the broken ones to the world being built."""
    p = plan

    def domain(name: str, description: str, *, mx: bool = True) -> tuple[Zone, str]:
        d = f"{name}.test"
        z = b.zone(d)
        b.mail_hosts(z, d, p.dovecot, p.postfix)
        if mx:
            b.a(z, f"mx.{d}", p.postfix)
            z.add(d, "MX", f"10 mx.{d}.")
        b.add(
            Scenario(
                name,
                d,
                description,
                Expect(f"imap.{d}", 993, "tls"),
                Expect(f"smtp.{d}", 465, "tls"),
            )
        )
        return z, d

    def autoconfig(z: Zone, d: str, servers: list[Server], **kw: object) -> WebFile:
        doc = WebFile(clientconfig(d, [d], servers), **kw)  # type: ignore[arg-type]
        b.webhost(z, f"autoconfig.{d}").files[AUTOCONFIG_PATH] = doc
        return doc

    other = b.zone(_OTHER)
    b.a(other, f"imap.{_OTHER}", p.dovecot)

    # The clean domain: both autoconfig URLs, SRV, Autodiscover and MX, all in agreement.
    z, d = domain("check-clean", "everything right: autoconfig (both URLs), SRV, Autodiscover, MX")
    doc = autoconfig(z, d, standard_servers(d))
    b.webhost(z, d).files[WELL_KNOWN_PATH] = doc
    _srv_standard(z, d)
    b.webhost(z, f"autodiscover.{d}").files[AUTODISCOVER_PATH] = WebFile(
        autodiscover_settings(f"{USER}@{d}", standard_servers(d)), allow_post=True
    )

    # SRV names other hosts than the autoconfig file.
    z, d = domain("check-srv-elsewhere", "autoconfig names imap./smtp.; SRV names imap2./smtp2.")
    autoconfig(z, d, standard_servers(d))
    b.a(z, f"imap2.{d}", p.dovecot)
    b.a(z, f"smtp2.{d}", p.postfix)
    z.add(f"_imaps._tcp.{d}", "SRV", f"0 1 993 imap2.{d}.")
    z.add(f"_submissions._tcp.{d}", "SRV", f"0 1 465 smtp2.{d}.")

    # SRV target outside the domain, and SRV target without an address.
    z, d = domain("check-srv-outside", f"_imaps._tcp points at imap.{_OTHER}")
    z.add(f"_imaps._tcp.{d}", "SRV", f"0 1 993 imap.{_OTHER}.")
    z.add(f"_submissions._tcp.{d}", "SRV", f"0 1 465 smtp.{d}.")
    z, d = domain("check-srv-unresolved", "_imaps._tcp points at a name with no address")
    z.add(f"_imaps._tcp.{d}", "SRV", f"0 1 993 nowhere.{d}.")
    z.add(f"_submissions._tcp.{d}", "SRV", f"0 1 465 smtp.{d}.")

    # STARTTLS at a better priority than implicit TLS (and so another order than autoconfig).
    z, d = domain("check-starttls-first", "SRV prefers _imap/_submission to _imaps/_submissions")
    autoconfig(z, d, standard_servers(d))
    z.add(f"_imaps._tcp.{d}", "SRV", f"10 1 993 imap.{d}.")
    z.add(f"_imap._tcp.{d}", "SRV", f"0 1 143 imap.{d}.")
    z.add(f"_submissions._tcp.{d}", "SRV", f"10 1 465 smtp.{d}.")
    z.add(f"_submission._tcp.{d}", "SRV", f"0 1 587 smtp.{d}.")
    z.add(f"_pop3s._tcp.{d}", "SRV", f"0 1 995 pop.{d}.")

    # The autoconfig file served as text/plain.
    z, d = domain("check-content-type", "autoconfig.{domain} serves the file as text/plain")
    autoconfig(z, d, standard_servers(d), content_type="text/plain")

    # A redirect to another registrable domain.
    z, d = domain("check-redirect", f"autoconfig.{{domain}} answers 301 to config.{_OTHER}")
    b.webhost(z, f"autoconfig.{d}").redirects[AUTOCONFIG_PATH] = (
        301,
        f"https://config.{_OTHER}{AUTOCONFIG_PATH}",
    )
    b.webhost(other, f"config.{_OTHER}").files[AUTOCONFIG_PATH] = WebFile(
        clientconfig(d, [d], standard_servers(d))
    )

    # The autoconfig web host presents a certificate for another name.
    z, d = domain("check-web-cert", "autoconfig.{domain} presents a certificate for another name")
    b.webhost(z, f"autoconfig.{d}", cert="wrong-name").files[AUTOCONFIG_PATH] = WebFile(
        clientconfig(d, [d], standard_servers(d))
    )

    # A server entry the parser must skip (port out of range).
    z, d = domain("check-skipped", "the autoconfig file has an IMAP entry with port 99999")
    bad = (
        '    <incomingServer type="imap">\n'
        f"      <hostname>imap.{d}</hostname>\n      <port>99999</port>\n"
        "      <socketType>SSL</socketType>\n"
        "      <authentication>password-cleartext</authentication>\n"
        "      <username>%EMAILADDRESS%</username>\n    </incomingServer>\n"
    ).encode()
    body = clientconfig(d, [d], standard_servers(d)).replace(
        b"  </emailProvider>", bad + b"  </emailProvider>"
    )
    b.webhost(z, f"autoconfig.{d}").files[AUTOCONFIG_PATH] = WebFile(body)

    # Another answer when ?emailaddress= is sent (nginx switches on the query).
    z, d = domain("check-by-address", "with ?emailaddress= the file names imap2./smtp2.")
    host = b.webhost(z, f"autoconfig.{d}")
    b.a(z, f"imap2.{d}", p.dovecot)
    b.a(z, f"smtp2.{d}", p.postfix)
    host.files[AUTOCONFIG_PATH] = WebFile(clientconfig(d, [d], standard_servers(d)))
    personal = "/mail/personal-config-v1.1.xml"
    host.files[personal] = WebFile(
        clientconfig(
            d,
            [d],
            [Server("imap", f"imap2.{d}", 993, "tls"), Server("smtp", f"smtp2.{d}", 465, "tls")],
        )
    )
    host.with_address[AUTOCONFIG_PATH] = personal

    # The world's ISPDB lists old settings for the domain.
    z, d = domain("check-ispdb-stale", "the world's ISPDB lists IMAP on 143 only; autoconfig 993")
    autoconfig(z, d, standard_servers(d))
    ispdb.files[f"/v1.1/{d}"] = WebFile(
        clientconfig(
            d,
            [d],
            [
                Server("imap", f"imap.{d}", 143, "starttls"),
                Server("smtp", f"smtp.{d}", 587, "starttls"),
            ],
        ),
        "application/xml",
    )

    # POP3 in SRV only.
    z, d = domain("check-pop3", "SRV publishes _pop3s; the autoconfig file has no POP3")
    autoconfig(z, d, [s for s in standard_servers(d) if s.protocol != "pop3"])
    _srv_standard(z, d)

    # Null MX; MX without an address; MX at a hosting company the ISPDB knows.
    z, d = domain("check-null-mx", "MX 0 . (RFC 7505) but an autoconfig file", mx=False)
    autoconfig(z, d, standard_servers(d))
    z.add(d, "MX", "0 .")
    z, d = domain("check-mx-unresolved", "MX points at a name with no address", mx=False)
    autoconfig(z, d, standard_servers(d))
    z.add(d, "MX", f"10 nomx.{d}.")
    z, d = domain(
        "check-mx-provider",
        f"MX at mx1.{_HOSTING} (in the ISPDB); autoconfig names its own",
        mx=False,
    )
    autoconfig(z, d, standard_servers(d))
    z.add(d, "MX", f"10 mx1.{_HOSTING}.")

    _mta_sts(b, domain, p)

    # Many SRV records (issue 19.5): more than the check looks at per service (16) and more
    # servers than it probes (32). srv-many has 40 per service for its finding codes;
    # srv-thousands has the 6 x 1,000 of the issue. Priorities count up from 0; the first 16
    # targets of each (those the check keeps) resolve to the world's Dovecot and Postfix.
    for name, count in (("srv-many", 40), ("srv-thousands", 1000)):
        z, d = domain(name, f"6 x {count} SRV records; the check looks at the first few")
        for service, port, kind in _MANY_SERVICES:
            for i in range(count):
                z.add(f"{service}.{d}", "SRV", f"{i} 1 {port} {kind}{i}.{d}.")
        for i in range(16):
            b.a(z, f"in{i}.{d}", p.dovecot)
            b.a(z, f"out{i}.{d}", p.postfix)


def _mta_sts(b: _Builder, domain: Callable[..., tuple[Zone, str]], p: AddressPlan) -> None:
    """MTA-STS (RFC 8461) and TLS-RPT (RFC 8460) scenarios; the MX is the world's Postfix."""

    def policy(z: Zone, d: str, body: str, *, record: str | None = "v=STSv1; id=1") -> None:
        if record is not None:
            z.add(f"_mta-sts.{d}", "TXT", f'"{record}"')
        if body:
            host = b.webhost(z, f"mta-sts.{d}")
            host.files[MTA_STS_PATH] = WebFile(body.encode(), "text/plain")

    # Enforce, but one MX outside the patterns (and not answering), one with a wrong-name
    # certificate; no TLS-RPT record.
    z, d = domain("check-mta-sts", "MTA-STS enforce; mx3 matches no pattern, mx2 a wrong cert")
    b.a(z, f"mx2.{d}", p.wrong_name)
    b.a(z, f"mx3.{d}", p.dovecot)  # nothing listens on its port 25
    z.add(d, "MX", f"20 mx2.{d}.")
    z.add(d, "MX", f"30 mx3.{d}.")
    policy(
        z, d, f"version: STSv1\r\nmode: enforce\r\nmx: mx.{d}\r\nmx: mx2.{d}\r\nmax_age: 86400\r\n"
    )
    z, d = domain("check-mta-sts-testing", "MTA-STS testing with *.; a TLS-RPT record with ftp:")
    policy(z, d, f"version: STSv1\nmode: testing\nmx: *.{d}\nmax_age: 604800\n")
    z.add(f"_smtp._tls.{d}", "TXT", '"v=TLSRPTv1; rua=ftp://reports.example/"')
    z, d = domain("check-mta-sts-bad-record", "the _mta-sts record's id has a dash")
    policy(
        z,
        d,
        f"version: STSv1\nmode: enforce\nmx: mx.{d}\nmax_age: 86400\n",
        record="v=STSv1; id=2024-01",
    )
    z, d = domain("check-mta-sts-bad-policy", "the policy's mode is 'strict'")
    policy(z, d, f"version: STSv1\nmode: strict\nmx: mx.{d}\nmax_age: 86400\n")
    z, d = domain("check-mta-sts-unserved", "an _mta-sts record, no mta-sts web host")
    policy(z, d, "")
    z, d = domain("check-mta-sts-orphan", "a policy served, no _mta-sts record")
    policy(z, d, f"version: STSv1\nmode: enforce\nmx: mx.{d}\nmax_age: 86400\n", record=None)

    # An MX whose port 25 offers no STARTTLS (the audit's no-STARTTLS Postfix address).
    z, d = domain("check-mx-plain", "the MX on port 25 offers no STARTTLS", mx=False)
    _srv_standard(z, d)
    b.a(z, f"mx.{d}", no_starttls_ip(p))
    z.add(d, "MX", f"10 mx.{d}.")
    # An MX whose port 25 speaks only TLS 1.0/1.1 (the audit's legacy-TLS Postfix address).
    z, d = domain("check-mx-old-tls", "the MX on port 25 agrees to TLS 1.0/1.1 only", mx=False)
    _srv_standard(z, d)
    b.a(z, f"mx.{d}", legacy_ip(p))
    z.add(d, "MX", f"10 mx.{d}.")


_MANY_SERVICES = (
    ("_submissions._tcp", 465, "out"),
    ("_submission._tcp", 587, "out"),
    ("_imaps._tcp", 993, "in"),
    ("_imap._tcp", 143, "in"),
    ("_pop3s._tcp", 995, "in"),
    ("_pop3._tcp", 110, "in"),
)
