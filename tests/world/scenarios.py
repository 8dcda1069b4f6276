"""The world's content: address plan, DNS zones, web documents and what each scenario expects.

Everything here is pure data built from an `AddressPlan`; the daemon modules turn it into
configuration files. One scenario is one `.test` zone (plus, for redirects and hosting, the
zones it leads to). Every host name a scenario uses has an A record in its zone, so a client
that resolves through the world's nameserver finds all of it and nothing else.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Mapping
from typing import Literal
from xml.sax.saxutils import escape

Security = Literal["tls", "starttls", "plain"]

WORLD_NAME = "world"
USER = "alice"
PASSWORD = "correct horse battery staple"
WRONG_NAME = "unrelated-host.world.test"

AUTODISCOVER_PATH = "/autodiscover/autodiscover.xml"
AUTOCONFIG_PATH = "/mail/config-v1.1.xml"
WELL_KNOWN_PATH = "/.well-known/autoconfig/mail/config-v1.1.xml"
_RESPONSE_NS = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
_OUTLOOK_NS = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"


@dataclasses.dataclass(frozen=True)
class AddressPlan:
    """Which 127.0.N.x address each server binds; N separates concurrent worlds."""

    net: int = 0
    dns_port: int = 15353

    def _ip(self, last: int) -> str:
        return f"127.0.{self.net}.{last}"

    @property
    def dns(self) -> str:
        return "127.0.0.1"

    @property
    def dovecot(self) -> str:
        return self._ip(10)

    @property
    def postfix(self) -> str:
        return self._ip(11)

    @property
    def web(self) -> str:
        return self._ip(12)

    @property
    def automx2(self) -> str:
        return self._ip(13)

    @property
    def web_http_only(self) -> str:
        return self._ip(14)

    @property
    def automua(self) -> str:
        return self._ip(15)

    @property
    def wrong_name(self) -> str:
        """Dovecot, Postfix and nginx here present a certificate for `WRONG_NAME`."""
        return self._ip(21)

    @property
    def expired(self) -> str:
        """Dovecot, Postfix and nginx here present an expired certificate."""
        return self._ip(22)

    @property
    def dane(self) -> str:
        """Dovecot and Postfix here present a certificate of a second CA, not in the CA file,
        that only DANE (a TLSA record in a signed zone) vouches for."""
        return self._ip(40)

    @property
    def silent(self) -> str:
        """Accepts TCP connections and never sends a byte."""
        return self._ip(30)

    @property
    def endless(self) -> str:
        """Greets with a line that never ends."""
        return self._ip(31)

    @property
    def capabilities(self) -> str:
        """An IMAP server whose CAPABILITY reply never ends."""
        return self._ip(32)

    @property
    def dropped(self) -> str:
        """A listener whose accept queue is full: every SYN to it is dropped, never refused."""
        return self._ip(33)

    @property
    def slow(self) -> str:
        """An IMAP server that answers every reply after 3.9 s (inside each phase limit)."""
        return self._ip(34)

    @property
    def ipv6(self) -> str | None:
        """The IPv6 loopback, where nginx and Dovecot also listen for the dual-stack scenario.

        IPv6 has one loopback address, not a /8: only the world on net 0 serves there, so
        worlds on other nets can run beside it (they have no dual-stack scenario).
        """
        return "::1" if self.net == 0 else None

    @property
    def automx2_port(self) -> int:
        return 8000

    @property
    def automua_port(self) -> int:
        return 8000


@dataclasses.dataclass(frozen=True)
class Expect:
    """One server a client should find first: host name, port and security."""

    host: str
    port: int
    security: Security


@dataclasses.dataclass(frozen=True)
class Scenario:
    """One published (or hostile) configuration, reachable through one email domain."""

    name: str
    domain: str
    description: str
    incoming: Expect | None
    outgoing: Expect | None

    @property
    def address(self) -> str:
        """The world user's address in this scenario's domain."""
        return f"{USER}@{self.domain}"


@dataclasses.dataclass(frozen=True)
class Server:
    """A server entry in a clientConfig or Autodiscover document."""

    protocol: Literal["imap", "pop3", "smtp"]
    host: str
    port: int
    security: Security


@dataclasses.dataclass
class WebFile:
    """A static answer nginx serves for GET (and, for Autodiscover, POST)."""

    body: bytes
    content_type: str = "text/xml"
    allow_post: bool = False


@dataclasses.dataclass
class WebHost:
    """One virtual host: where it listens, which certificate, what it answers."""

    name: str
    ip: str
    https: bool = True
    http: bool = True
    cert: Literal["web", "wrong-name", "expired"] = "web"
    files: dict[str, WebFile] = dataclasses.field(default_factory=dict)
    redirects: dict[str, tuple[int, str]] = dataclasses.field(default_factory=dict)
    proxy_to: str | None = None
    # With `proxy_to`: exact paths passed to the upstream as another path (the query kept).
    proxy_paths: dict[str, str] = dataclasses.field(default_factory=dict)
    # A file path answered from another of `files` when the query has ?emailaddress=.
    with_address: dict[str, str] = dataclasses.field(default_factory=dict)
    # Paths answered 401, with this WWW-Authenticate challenge (None: without one), as a JMAP
    # or DAV service asked without credentials answers.
    challenges: dict[str, str | None] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Zone:
    """An authoritative zone: SOA, NS and the records added by scenarios."""

    origin: str
    records: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)
    # DNSSEC (tests/world/dnssec.py): "signed" by Knot, with its DS in the parent zone;
    # "bogus": signed too, but the parent's DS is of a key the zone never publishes.
    signing: Literal["unsigned", "signed", "bogus"] = "unsigned"
    # TLSA "3 1 1" records (usage: tlsa_usage) whose digest is of a certificate issued at
    # start: (owner, the certificate's role in tests/world/certs.py).
    tlsa: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    # The usage field of those records: 3 (DANE-EE), or 1 (PKIX-EE, which mail should not use).
    tlsa_usage: int = 3

    def add(self, owner: str, rtype: str, rdata: str) -> None:
        """Add a record; `owner` is absolute (no trailing dot)."""
        self.records.append((owner, rtype, rdata))

    def render(self) -> str:
        """The zone file text (absolute names throughout)."""
        o = self.origin
        apex = "." if o == "." else f"{o}."
        ns = "ns." if o == "." else f"ns.{o}."
        lines = [
            "$TTL 300",
            f"{apex} IN SOA {ns} hostmaster.{apex.lstrip('.')} 1 3600 600 86400 300",
            f"{apex} IN NS {ns}",
        ]
        lines += [f"{owner}. IN {rtype} {rdata}" for owner, rtype, rdata in self.records]
        return "\n".join(lines) + "\n"


_SOCKET_TYPE: dict[Security, str] = {"tls": "SSL", "starttls": "STARTTLS", "plain": "plain"}


def clientconfig(provider: str, domains: list[str], servers: list[Server]) -> bytes:
    """A clientConfig 1.1 document, servers in the given (preferred-first) order."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<clientConfig version="1.1">',
        f'  <emailProvider id="{escape(provider)}">',
    ]
    parts += [f"    <domain>{escape(d)}</domain>" for d in domains]
    parts += [
        f"    <displayName>{escape(provider)} (test world)</displayName>",
        f"    <displayShortName>{escape(provider.split('.')[0][:12])}</displayShortName>",
    ]
    for s in servers:
        tag = "outgoingServer" if s.protocol == "smtp" else "incomingServer"
        parts += [
            f'    <{tag} type="{s.protocol}">',
            f"      <hostname>{escape(s.host)}</hostname>",
            f"      <port>{s.port}</port>",
            f"      <socketType>{_SOCKET_TYPE[s.security]}</socketType>",
            "      <authentication>password-cleartext</authentication>",
            "      <username>%EMAILADDRESS%</username>",
            f"    </{tag}>",
        ]
    parts += ["  </emailProvider>", "</clientConfig>", ""]
    return "\n".join(parts).encode()


def _autodiscover(account: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<Autodiscover xmlns="{_RESPONSE_NS}">\n'
        f'  <Response xmlns="{_OUTLOOK_NS}">\n'
        "    <Account>\n"
        "      <AccountType>email</AccountType>\n"
        f"{account}"
        "    </Account>\n"
        "  </Response>\n"
        "</Autodiscover>\n"
    ).encode()


_ENCRYPTION: dict[Security, str] = {"tls": "SSL", "starttls": "TLS", "plain": "None"}


def autodiscover_settings(login: str, servers: list[Server]) -> bytes:
    """An Autodiscover POX answer with Action=settings."""
    protos = "".join(
        "      <Protocol>\n"
        f"        <Type>{s.protocol.upper()}</Type>\n"
        f"        <Server>{escape(s.host)}</Server>\n"
        f"        <Port>{s.port}</Port>\n"
        f"        <LoginName>{escape(login)}</LoginName>\n"
        "        <DomainRequired>off</DomainRequired>\n"
        "        <SPA>off</SPA>\n"
        f"        <SSL>{'off' if s.security == 'plain' else 'on'}</SSL>\n"
        f"        <Encryption>{_ENCRYPTION[s.security]}</Encryption>\n"
        "        <AuthRequired>on</AuthRequired>\n"
        "      </Protocol>\n"
        for s in servers
    )
    return _autodiscover(f"      <Action>settings</Action>\n{protos}")


def autodiscover_redirect_url(url: str) -> bytes:
    """An Autodiscover POX answer with Action=redirectUrl."""
    return _autodiscover(
        f"      <Action>redirectUrl</Action>\n      <RedirectUrl>{escape(url)}</RedirectUrl>\n"
    )


def autodiscover_redirect_addr(address: str) -> bytes:
    """An Autodiscover POX answer with Action=redirectAddr."""
    return _autodiscover(
        "      <Action>redirectAddr</Action>\n"
        f"      <RedirectAddr>{escape(address)}</RedirectAddr>\n"
    )


HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Welcome</title></head>\n"
    b"<body><h1>Parked domain</h1><p>This page is not a mail configuration.</p></body></html>\n"
)


@dataclasses.dataclass(frozen=True)
class Content:
    """Everything the daemons serve, derived from one address plan."""

    plan: AddressPlan
    scenarios: Mapping[str, Scenario]
    zones: tuple[Zone, ...]
    web_hosts: tuple[WebHost, ...]
    hosts: Mapping[str, str]
    ispdb_host: str
    automx2_domain: str
    automx2_seed: Mapping[str, object]
    automua_domain: str
    automua_seed: Mapping[str, object]
    logins: tuple[str, ...]
    # Dual-stack names (A: the dropped address, AAAA: ::1) by the IPv4 address of the server
    # that answers for them on ::1 (its certificate carries them); not in `hosts`.
    dual_stack: Mapping[str, str] = dataclasses.field(
        default_factory=lambda: types.MappingProxyType({})
    )

    def names_on(self, ip: str) -> list[str]:
        """Every host name whose A record points at `ip` (or served there over IPv6), sorted."""
        names = [h for h, a in self.hosts.items() if a == ip]
        return sorted(names + [h for h, a in self.dual_stack.items() if a == ip])


class _Builder:
    def __init__(self, plan: AddressPlan) -> None:
        self.plan = plan
        self.zones: dict[str, Zone] = {}
        self.web: dict[str, WebHost] = {}
        self.hosts: dict[str, str] = {}
        self.scenarios: dict[str, Scenario] = {}
        self.dual: dict[str, str] = {}

    def zone(self, origin: str) -> Zone:
        if origin not in self.zones:
            z = Zone(origin)
            self.zones[origin] = z
            self.a(z, f"ns.{origin}", self.plan.dns)
        return self.zones[origin]

    def a(self, zone: Zone, host: str, ip: str) -> None:
        if self.hosts.get(host, ip) != ip:
            raise ValueError(f"{host} already points at {self.hosts[host]}")
        if host not in self.hosts:
            zone.add(host, "A", ip)
        self.hosts[host] = ip

    def webhost(self, zone: Zone, name: str, ip: str | None = None, **kw: object) -> WebHost:
        ip = ip or self.plan.web
        self.a(zone, name, ip)
        if name not in self.web:
            self.web[name] = WebHost(name=name, ip=ip, **kw)  # type: ignore[arg-type]
        return self.web[name]

    def dual_stack(self, zone: Zone, host: str, ipv6: str, served_by: str) -> None:
        """`host` has an IPv4 address whose SYNs are dropped and a working IPv6 one, where the
        server otherwise on `served_by` answers for it."""
        zone.add(host, "A", self.plan.dropped)
        zone.add(host, "AAAA", ipv6)
        self.dual[host] = served_by

    def mail_hosts(self, zone: Zone, d: str, imap_ip: str, smtp_ip: str) -> None:
        self.a(zone, f"imap.{d}", imap_ip)
        self.a(zone, f"pop.{d}", imap_ip)
        self.a(zone, f"smtp.{d}", smtp_ip)

    def add(self, s: Scenario) -> None:
        self.scenarios[s.name] = s


def standard_servers(d: str, first_out: Security = "tls") -> list[Server]:
    """IMAP 993/143, POP3 995, SMTP 465 and 587 on imap./pop./smtp. of `d`."""
    out = [Server("smtp", f"smtp.{d}", 465, "tls"), Server("smtp", f"smtp.{d}", 587, "starttls")]
    if first_out == "starttls":
        out.reverse()
    return [
        Server("imap", f"imap.{d}", 993, "tls"),
        Server("imap", f"imap.{d}", 143, "starttls"),
        Server("pop3", f"pop.{d}", 995, "tls"),
        *out,
    ]


def build(plan: AddressPlan) -> Content:
    """Build the whole world's content for one address plan."""
    b = _Builder(plan)
    p = plan

    # The world's own zone: the nameserver and the ISPDB.
    world = b.zone(f"{WORLD_NAME}.test")
    ispdb_host = f"ispdb.{WORLD_NAME}.test"
    ispdb = b.webhost(world, ispdb_host)

    def simple(name: str, d: str, description: str, *, first_out: Security = "tls") -> Zone:
        z = b.zone(d)
        b.mail_hosts(z, d, p.dovecot, p.postfix)
        b.add(
            Scenario(
                name,
                d,
                description,
                Expect(f"imap.{d}", 993, "tls"),
                Expect(f"smtp.{d}", 465 if first_out == "tls" else 587, first_out),
            )
        )
        return z

    # 1. The provider's own autoconfig host over HTTPS.
    d = "https-autoconfig.test"
    z = simple("autoconfig", d, "autoconfig.{domain} serves config-v1.1.xml over HTTPS")
    b.webhost(z, f"autoconfig.{d}").files[AUTOCONFIG_PATH] = WebFile(
        clientconfig(d, [d], standard_servers(d))
    )

    # 2. Only the .well-known URL on the domain itself.
    d = "wellknown.test"
    # The document lists SMTP 587/STARTTLS before 465/TLS; ranking puts implicit TLS first
    # (RFC 8314), so the expected first outgoing server is still 465.
    z = simple(
        "well-known",
        d,
        "only https://{domain}/.well-known/autoconfig/...; no autoconfig.{domain}",
    )
    b.webhost(z, d).files[WELL_KNOWN_PATH] = WebFile(
        clientconfig(d, [d], standard_servers(d, "starttls"))
    )

    # 3. SRV records only (RFC 6186 / RFC 8314), with a "." target for POP3.
    d = "srv-only.test"
    z = simple("srv", d, "SRV records only; _pop3._tcp has target '.' (not offered)")
    z.add(f"_submissions._tcp.{d}", "SRV", f"0 1 465 smtp.{d}.")
    z.add(f"_submission._tcp.{d}", "SRV", f"10 1 587 smtp.{d}.")
    z.add(f"_imaps._tcp.{d}", "SRV", f"0 1 993 imap.{d}.")
    z.add(f"_imap._tcp.{d}", "SRV", f"10 1 143 imap.{d}.")
    z.add(f"_pop3s._tcp.{d}", "SRV", f"20 1 995 pop.{d}.")
    z.add(f"_pop3._tcp.{d}", "SRV", "0 0 0 .")

    # 4. MX at a hosting company that only the world's ISPDB knows.
    hosting = "hostingco.test"
    hz = b.zone(hosting)
    b.mail_hosts(hz, hosting, p.dovecot, p.postfix)
    b.a(hz, f"mx1.{hosting}", p.postfix)
    ispdb.files[f"/v1.1/{hosting}"] = WebFile(
        clientconfig(hosting, [hosting], standard_servers(hosting)), "application/xml"
    )
    d = "mx-hosted.test"
    z = b.zone(d)
    z.add(d, "MX", f"10 mx1.{hosting}.")
    b.add(
        Scenario(
            "mx-hosting",
            d,
            f"MX -> mx1.{hosting}; ISPDB knows {hosting}, nothing else is published",
            Expect(f"imap.{hosting}", 993, "tls"),
            Expect(f"smtp.{hosting}", 465, "tls"),
        )
    )

    # 5. The domain itself is in the world's ISPDB.
    d = "ispdb-listed.test"
    simple("ispdb", d, "listed in the world's ISPDB only")
    ispdb.files[f"/v1.1/{d}"] = WebFile(
        clientconfig(d, [d], standard_servers(d)), "application/xml"
    )

    # 6. Autodiscover only: redirectUrl, then redirectAddr to another domain, then settings.
    d = "autodiscover-only.test"
    target = "ad-target.test"
    z = b.zone(d)
    b.webhost(z, d)  # answers 404 on the Autodiscover path, as many web sites do
    b.webhost(z, f"autodiscover.{d}").files[AUTODISCOVER_PATH] = WebFile(
        autodiscover_redirect_url(f"https://exchange.{d}{AUTODISCOVER_PATH}"), allow_post=True
    )
    b.webhost(z, f"exchange.{d}").files[AUTODISCOVER_PATH] = WebFile(
        autodiscover_redirect_addr(f"{USER}@{target}"), allow_post=True
    )
    tz = b.zone(target)
    b.mail_hosts(tz, target, p.dovecot, p.postfix)
    b.webhost(tz, f"autodiscover.{target}").files[AUTODISCOVER_PATH] = WebFile(
        autodiscover_settings(
            f"{USER}@{target}",
            [
                Server("imap", f"imap.{target}", 993, "tls"),
                Server("pop3", f"pop.{target}", 995, "tls"),
                Server("smtp", f"smtp.{target}", 587, "starttls"),
            ],
        ),
        allow_post=True,
    )
    b.add(
        Scenario(
            "autodiscover",
            d,
            f"Autodiscover only: autodiscover.{{domain}} -> redirectUrl exchange.{{domain}} "
            f"-> redirectAddr {USER}@{target} -> settings",
            Expect(f"imap.{target}", 993, "tls"),
            Expect(f"smtp.{target}", 587, "starttls"),
        )
    )

    # 7. Nothing published; imap./smtp. exist and work (guessing).
    simple("guess", "guess-only.test", "nothing published; real imap./smtp. hosts")

    # 8. Autoconfig over plain HTTP only (port 443 refuses connections).
    d = "http-autoconfig.test"
    z = simple("http-only", d, "autoconfig.{domain} over http:// only; HTTPS refused")
    b.webhost(z, f"autoconfig.{d}", p.web_http_only, https=False).files[AUTOCONFIG_PATH] = WebFile(
        clientconfig(d, [d], standard_servers(d))
    )

    # 9. SRV and autoconfig disagree (autoconfig outranks SRV).
    d = "srv-vs-autoconfig.test"
    z = simple("disagree", d, "autoconfig says imap./smtp. on 993/465; SRV says imap2./smtp2.")
    b.webhost(z, f"autoconfig.{d}").files[AUTOCONFIG_PATH] = WebFile(
        clientconfig(d, [d], standard_servers(d))
    )
    b.a(z, f"imap2.{d}", p.dovecot)
    b.a(z, f"smtp2.{d}", p.postfix)
    z.add(f"_imap._tcp.{d}", "SRV", f"0 1 143 imap2.{d}.")
    z.add(f"_submission._tcp.{d}", "SRV", f"0 1 587 smtp2.{d}.")

    # 10. An internationalised domain: bücher.test.
    d = "xn--bcher-kva.test"
    z = simple("idn", d, "IDN domain bücher.test, autoconfig over HTTPS")
    b.webhost(z, f"autoconfig.{d}").files[AUTOCONFIG_PATH] = WebFile(
        clientconfig(d, [d], standard_servers(d))
    )

    # 11. An HTTP redirect leads to the document on another host.
    d = "https-redirect.test"
    z = simple("http-redirect", d, "autoconfig.{domain} answers 301 to config.{domain}")
    b.webhost(z, f"autoconfig.{d}").redirects[AUTOCONFIG_PATH] = (
        301,
        f"https://config.{d}{AUTOCONFIG_PATH}",
    )
    b.webhost(z, f"config.{d}").files[AUTOCONFIG_PATH] = WebFile(
        clientconfig(d, [d], standard_servers(d))
    )

    # 12. automx2, a real autoconfig/Autodiscover server, behind nginx.
    d = "automx2.test"
    z = simple("automx2", d, "autoconfig.{domain} and autodiscover.{domain} answered by automx2")
    upstream = f"{p.automx2}:{p.automx2_port}"
    b.webhost(z, f"autoconfig.{d}", proxy_to=upstream)
    b.webhost(z, f"autodiscover.{d}", proxy_to=upstream)
    automx2_seed: dict[str, object] = {
        "version": 2,
        "provider": "Automx2 Test Provider",
        "domains": [{"name": d}],
        "servers": [
            {"name": f"imap.{d}", "type": "imap", "port": 993, "prio": 10},
            {"name": f"imap.{d}", "type": "imap", "port": 143, "prio": 20},
            {"name": f"pop.{d}", "type": "pop", "port": 995, "prio": 10},
            {"name": f"smtp.{d}", "type": "smtp", "port": 465, "prio": 10},
            {"name": f"smtp.{d}", "type": "smtp", "port": 587, "prio": 20},
        ],
    }

    # 13. automua (2023.0, a fork of automx2), behind nginx on all three autoconfig hosts.
    # automua has no /.well-known/autoconfig route, so nginx maps it to /mail/config-v1.1.xml
    # as an admin would. Its Autodiscover answer writes <SSL>on</SSL><Encryption>TLS</Encryption>
    # on 993/995/465, meaning implicit TLS (tests/unit/documents/automua/ has recorded copies).
    d = automua_domain = "automua.test"
    z = simple("automua", d, "autoconfig., autodiscover. and the bare {domain} answered by automua")
    upstream = f"{p.automua}:{p.automua_port}"
    for name in (f"autoconfig.{d}", f"autodiscover.{d}", d):
        b.webhost(z, name, proxy_to=upstream).proxy_paths[WELL_KNOWN_PATH] = AUTOCONFIG_PATH
    # The same as tests/unit/documents/automua/initdb.json (the recorded answers' database).
    automua_seed: dict[str, object] = {
        "provider": "Automua Test Mail",
        "domains": [d],
        "servers": [
            {"name": f"{kind}.{d}", "type": kind, "port": port, "prio": prio}
            for kind, ports in (("imap", (993, 143)), ("pop", (995, 110)), ("smtp", (465, 587)))
            for port, prio in zip(ports, (10, 20), strict=True)
        ],
    }

    # Hostile 1 and 2: mail servers (and the bare domain's web server) with bad certificates.
    for name, d, ip, cert, what in (
        ("wrong-name", "wrong-name.test", p.wrong_name, "wrong-name", f"for {WRONG_NAME}"),
        ("expired", "expired-cert.test", p.expired, "expired", "that has expired"),
    ):
        z = b.zone(d)
        b.mail_hosts(z, d, ip, ip)
        doc = clientconfig(d, [d], standard_servers(d))
        b.webhost(z, f"autoconfig.{d}").files[AUTOCONFIG_PATH] = WebFile(doc)
        b.webhost(z, d, ip, cert=cert).files[WELL_KNOWN_PATH] = WebFile(doc)
        b.add(
            Scenario(
                name,
                d,
                f"imap./smtp. and https://{{domain}} present a certificate {what}; "
                "autoconfig.{domain} itself is fine",
                Expect(f"imap.{d}", 993, "tls"),
                Expect(f"smtp.{d}", 465, "tls"),
            )
        )

    # Hostile 3: every port accepts and never speaks (autoconfig HTTPS too).
    d = "silent.test"
    z = b.zone(d)
    b.mail_hosts(z, d, p.silent, p.silent)
    b.a(z, f"autoconfig.{d}", p.silent)
    z.add(f"_imaps._tcp.{d}", "SRV", f"0 1 993 imap.{d}.")
    z.add(f"_submissions._tcp.{d}", "SRV", f"0 1 465 smtp.{d}.")
    b.add(
        Scenario(
            "silent",
            d,
            "SRV to hosts that accept TCP and never send a byte (also autoconfig.{domain}:443)",
            Expect(f"imap.{d}", 993, "tls"),
            Expect(f"smtp.{d}", 465, "tls"),
        )
    )

    # Hostile 3a: the IPv4 address of autoconfig.{d} drops SYNs; its IPv6 address works
    # (Happy Eyeballs must find it well inside the 3 s connect limit). imap6.{d} is the same
    # for a mail server (Dovecot on ::1), for probes.
    if p.ipv6 is not None:
        d = "dual-stack.test"
        z = simple("dual-stack", d, "autoconfig.{domain}: A drops SYNs, AAAA (::1) answers")
        b.dual_stack(z, f"autoconfig.{d}", p.ipv6, p.web)
        b.web[f"autoconfig.{d}"] = WebHost(f"autoconfig.{d}", p.ipv6, http=False)
        b.web[f"autoconfig.{d}"].files[AUTOCONFIG_PATH] = WebFile(
            clientconfig(d, [d], standard_servers(d))
        )
        b.dual_stack(z, f"imap6.{d}", p.ipv6, p.dovecot)

    # Hostile 3b: nothing published and every name a guess would try is a silent host.
    d = "silent-guess.test"
    z = b.zone(d)
    for prefix in ("imap.", "mail.", "pop3.", "pop.", "smtp.", ""):
        b.a(z, f"{prefix}{d}", p.silent)
    b.add(
        Scenario(
            "silent-guess",
            d,
            "nothing published; imap./mail./pop3./pop./smtp. and the bare domain all accept TCP "
            "and never speak, so guessing must give up within the deadline",
            None,
            None,
        )
    )

    # Hostile 4: servers whose greeting line never ends.
    d = "endless-line.test"
    z = b.zone(d)
    b.mail_hosts(z, d, p.endless, p.endless)
    z.add(f"_imap._tcp.{d}", "SRV", f"0 1 143 imap.{d}.")
    z.add(f"_submission._tcp.{d}", "SRV", f"0 1 587 smtp.{d}.")
    b.add(
        Scenario(
            "endless-line",
            d,
            "SRV to hosts that send an endless greeting line (plain on 143/110/587/25, TLS on "
            "993/995/465)",
            Expect(f"imap.{d}", 143, "starttls"),
            Expect(f"smtp.{d}", 587, "starttls"),
        )
    )

    # Hostile 4b: an IMAP server whose CAPABILITY lines never stop (each one well formed).
    d = "endless-caps.test"
    z = b.zone(d)
    b.a(z, f"imap.{d}", p.capabilities)
    z.add(f"_imaps._tcp.{d}", "SRV", f"0 1 993 imap.{d}.")
    z.add(f"_imap._tcp.{d}", "SRV", f"10 1 143 imap.{d}.")
    b.add(
        Scenario(
            "endless-capabilities",
            d,
            "SRV to an IMAP server that greets, then answers with CAPABILITY lines that never "
            "end (TLS on 993, plain on 143); no outgoing server",
            Expect(f"imap.{d}", 993, "tls"),
            None,
        )
    )

    # Hostile 4c: autoconfig answers a stacked gzip bomb (Content-Encoding: gzip, gzip).
    d = "gzip-bomb.test"
    z = b.zone(d)
    b.a(z, f"autoconfig.{d}", p.endless)
    b.add(
        Scenario(
            "gzip-bomb",
            d,
            "autoconfig.{domain} answers a few hundred bytes with Content-Encoding: gzip, gzip "
            "that inflate to 128 MiB; nothing else published",
            None,
            None,
        )
    )

    # Hostile 5: the autoconfig URLs answer an HTML page (200, text/html).
    d = "html-page.test"
    z = b.zone(d)
    b.webhost(z, f"autoconfig.{d}").files[AUTOCONFIG_PATH] = WebFile(HTML_PAGE, "text/html")
    b.webhost(z, d).files[WELL_KNOWN_PATH] = WebFile(HTML_PAGE, "text/html")
    b.add(
        Scenario(
            "html-page",
            d,
            "both autoconfig URLs answer 200 text/html (a parked page); nothing usable",
            None,
            None,
        )
    )

    # Hostile 6: broken answers: truncated XML (200 text/xml) and a server error.
    d = "broken-xml.test"
    z = b.zone(d)
    whole = clientconfig(d, [d], standard_servers(d))
    b.webhost(z, f"autoconfig.{d}").files[AUTOCONFIG_PATH] = WebFile(whole[: len(whole) // 2])
    b.webhost(z, d).redirects[WELL_KNOWN_PATH] = (500, "internal error")
    b.mail_hosts(z, d, p.dovecot, p.postfix)
    b.add(
        Scenario(
            "broken-xml",
            d,
            "autoconfig.{domain} answers 200 text/xml cut off mid-document; .well-known answers "
            "500; nothing else published (real imap./smtp. hosts, so guessing still works)",
            Expect(f"imap.{d}", 993, "tls"),
            Expect(f"smtp.{d}", 465, "tls"),
        )
    )

    # Hostile 7: redirect loops (HTTP for autoconfig, POX redirectUrl for Autodiscover).
    d = "redirect-loop.test"
    z = b.zone(d)
    ac = b.webhost(z, f"autoconfig.{d}")
    ac.redirects[AUTOCONFIG_PATH] = (302, f"https://autoconfig.{d}/loop/1")
    ac.redirects["/loop/1"] = (302, f"https://autoconfig.{d}/loop/2")
    ac.redirects["/loop/2"] = (302, f"https://autoconfig.{d}{AUTOCONFIG_PATH}")
    bare = b.webhost(z, d)
    bare.redirects[WELL_KNOWN_PATH] = (301, f"https://{d}{WELL_KNOWN_PATH}")
    bare.files[AUTODISCOVER_PATH] = WebFile(
        autodiscover_redirect_url(f"https://autodiscover.{d}{AUTODISCOVER_PATH}"), allow_post=True
    )
    b.webhost(z, f"autodiscover.{d}").files[AUTODISCOVER_PATH] = WebFile(
        autodiscover_redirect_url(f"https://{d}{AUTODISCOVER_PATH}"), allow_post=True
    )
    b.add(
        Scenario(
            "redirect-loop",
            d,
            "autoconfig URLs redirect in a circle; Autodiscover redirectUrl ping-pongs",
            None,
            None,
        )
    )

    from tests.world import scenarios_audit  # the domain check's server scenarios (issue 15)

    scenarios_audit.add(b)

    from tests.world import scenarios_export  # the export tests' scenario (issue 14)

    scenarios_export.add(b)
    from tests.world import scenarios_pacc  # issue 24: PACC documents and their TXT digests

    scenarios_pacc.add(b)
    from tests.world import scenarios_hosts  # hosts that are not host names (issue 19)

    scenarios_hosts.add(b)
    from tests.world import scenarios_trust  # issue 19: who gets the password, echoed logins

    scenarios_trust.add(b)
    from tests.world.scenarios_check import add_check_scenarios  # issue 15: the admin's check

    add_check_scenarios(b, p, ispdb)
    from tests.world import scenarios_dnssec  # issue 23: signed zones, DANE, MTA-STS

    scenarios_dnssec.add(b)

    logins = [USER] + [f"{USER}@{z}" for z in sorted(b.zones)]
    return Content(
        plan=plan,
        scenarios=types.MappingProxyType(dict(b.scenarios)),
        zones=tuple(b.zones.values()),
        web_hosts=tuple(b.web.values()),
        hosts=types.MappingProxyType(dict(sorted(b.hosts.items()))),
        ispdb_host=ispdb_host,
        automx2_domain="automx2.test",
        automx2_seed=types.MappingProxyType(automx2_seed),
        automua_domain=automua_domain,
        automua_seed=types.MappingProxyType(automua_seed),
        logins=tuple(logins),
        dual_stack=types.MappingProxyType(dict(b.dual)),
    )
