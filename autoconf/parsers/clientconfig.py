"""The clientConfig format: ISPDB files and providers' ``config-v1.1.xml`` (versions 1.1, 1.2).

Parsing happens in two pure steps so the bundled ISPDB can be compiled ahead of time:

1. :func:`parse_template` turns the document into a :class:`ClientConfigTemplate` whose host
   names and user names may still hold ``%EMAILADDRESS%``-style placeholders;
2. :meth:`ClientConfigTemplate.resolve` fills the placeholders for one address and returns
   :class:`ClientConfig` with ready :class:`~autoconf.models.ServerSettings`.

:func:`parse_clientconfig` does both. Following the draft's must-ignore rule, unknown elements
and values are ignored and an unusable server section is skipped with a reason; the document is
refused (``ParseError``) only when it is not XML, not a clientConfig, or leaves no usable server.

Rules for one server section (an unusable one is skipped with a ``skipped-server`` warning):

* ``<authentication>``: a section without any is skipped, as Thunderbird does ("need proper
  <authentication>"): a client could not know how to sign in. Values we do not know, and empty
  ones, are ignored beside a value we know (as K-9 does); a section with none we know is
  skipped. ``system=`` variants (a named SASL or HTTP mechanism) are left to the generic
  value that follows them.
* ``<socketType>``: ``SSL``, ``STARTTLS`` and ``plain`` (any case). An unknown value (automua
  writes ``TLS``, one ISPDB file had ``STARTSSL``) on a well-known port is read by the port
  (993/995/465 implicit TLS, 143/110/587/25 STARTTLS, never plain), with a
  ``security-from-port`` warning naming the value, and the server's trust is at most medium;
  on any other port the section is skipped with that reason.

A resolved document that leaves no incoming or no outgoing server carries an
``incomplete-document`` warning.

``<domain>%EMAILDOMAIN%</domain>`` (mailcow and Mailu serve exactly that) means "the domain
this document was fetched for": :meth:`ClientConfigTemplate.resolve` adds the address's domain
to ``provider.domains``. It names no domain by itself, so a ``--config-dir`` file (the
``local`` source, which matches files by the domains they name) is matched only by the
domains it lists besides the placeholder; a file with nothing else matches no address.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote
from xml.etree.ElementTree import Element

from ..address import EmailAddress, normalize_domain, normalize_host
from ..errors import ParseError
from ..models import (
    AuthMethod,
    DiscoveryWarning,
    Documentation,
    EnableInstructions,
    LocalizedText,
    OAuth2Info,
    Pop3Options,
    Protocol,
    ProviderInfo,
    Security,
    ServerSettings,
    Service,
    ServiceKind,
    SourceName,
    Trust,
    WarningCode,
)
from ._ports import port_security, security_words
from ._urls import https_url
from ._xml import MAX_DOCUMENT_BYTES, child, children, load_root, local_name, text_of

__all__ = [
    "ClientConfig",
    "ClientConfigTemplate",
    "ServerTemplate",
    "parse_clientconfig",
    "parse_template",
]

_SOCKET_TYPES = {"ssl": Security.TLS, "starttls": Security.STARTTLS, "plain": Security.PLAIN}

# ISPDB's vocabulary plus the legacy spellings Thunderbird still accepts.
_AUTH_VALUES = {
    "password-cleartext": AuthMethod.PASSWORD_CLEARTEXT,
    "plain": AuthMethod.PASSWORD_CLEARTEXT,
    "password-encrypted": AuthMethod.PASSWORD_ENCRYPTED,
    "secure": AuthMethod.PASSWORD_ENCRYPTED,
    "oauth2": AuthMethod.OAUTH2,
    "oauth": AuthMethod.OAUTH2,
    "ntlm": AuthMethod.NTLM,
    "gssapi": AuthMethod.GSSAPI,
    "tls-client-cert": AuthMethod.CLIENT_CERT,
    "client-cert": AuthMethod.CLIENT_CERT,
    "none": AuthMethod.NONE,
    "client-ip-address": AuthMethod.NONE,
    "smtp-after-pop": AuthMethod.NONE,
}
_INCOMING_TYPES = {"imap": Protocol.IMAP, "pop3": Protocol.POP3}
_OUTGOING_TYPES = {"smtp": Protocol.SMTP}
_PLACEHOLDER_PROBE = EmailAddress("placeholder", "placeholder.invalid")
_DOMAIN_PLACEHOLDER = "%EMAILDOMAIN%"


@dataclass(frozen=True, slots=True)
class ServerTemplate:
    """One server section as published, placeholders not yet filled in."""

    protocol: Protocol
    hostname: str
    port: int
    security: Security
    username: str | None
    auth: tuple[AuthMethod, ...]
    pop3: Pop3Options | None = None
    # Set when the port decided the security (unknown <socketType>): why, for the warning.
    security_note: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "protocol": self.protocol.value,
            "hostname": self.hostname,
            "port": self.port,
            "security": self.security.value,
            "username": self.username,
            "auth": [a.value for a in self.auth],
        }
        if self.pop3 is not None:
            data["pop3"] = self.pop3.model_dump(exclude_none=True)
        if self.security_note is not None:
            data["security_note"] = self.security_note
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ServerTemplate:
        pop3 = data.get("pop3")
        return cls(
            protocol=Protocol(data["protocol"]),
            hostname=data["hostname"],
            port=int(data["port"]),
            security=Security(data["security"]),
            username=data.get("username"),
            auth=tuple(AuthMethod(a) for a in data["auth"]),
            pop3=Pop3Options.model_validate(pop3) if pop3 is not None else None,
            security_note=data.get("security_note"),
        )


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """A clientConfig document resolved for one address."""

    provider: ProviderInfo
    incoming: list[ServerSettings]
    outgoing: list[ServerSettings]
    warnings: list[DiscoveryWarning] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)  # JMAP, CalDAV, CardDAV (v1.2)


@dataclass(frozen=True, slots=True)
class ClientConfigTemplate:
    """A parsed clientConfig document, independent of the address."""

    provider: ProviderInfo
    servers: tuple[ServerTemplate, ...]  # document order, incoming and outgoing together
    skipped: tuple[str, ...] = ()  # why server sections were left out
    domain_placeholder: bool = False  # a <domain>%EMAILDOMAIN%</domain>: "this domain"
    # Version 1.2's URL services: (kind, URL with placeholders), in document order.
    services: tuple[tuple[ServiceKind, str], ...] = ()

    def resolve(
        self,
        address: EmailAddress,
        *,
        source: SourceName,
        trust: Trust,
        real_name: str | None = None,
    ) -> ClientConfig:
        """Fill the placeholders for ``address`` and build the servers' settings."""
        warnings = [
            DiscoveryWarning(code=WarningCode.SKIPPED_SERVER, message=reason)
            for reason in self.skipped
        ]
        incoming: list[ServerSettings] = []
        outgoing: list[ServerSettings] = []
        for server in self.servers:
            settings = _settings(server, address, real_name, source, trust, warnings)
            if settings is not None:
                (outgoing if server.protocol is Protocol.SMTP else incoming).append(settings)
        warnings.extend(_incomplete(incoming, outgoing))
        return ClientConfig(
            provider=self._provider_for(address, real_name),
            incoming=incoming,
            outgoing=outgoing,
            warnings=warnings,
            services=_services_for(self.services, address, source, trust),
        )

    def _provider_for(self, address: EmailAddress, real_name: str | None) -> ProviderInfo:
        provider = self.provider
        update: dict[str, Any] = {}
        if provider.display_name or provider.display_short_name:
            update["display_name"] = _fill_opt(provider.display_name, address, real_name)
            update["display_short_name"] = _fill_opt(
                provider.display_short_name, address, real_name
            )
        if self.domain_placeholder and address.domain not in provider.domains:
            update["domains"] = [*provider.domains, address.domain]
        if provider.oauth2 is not None and _has_placeholder(provider.oauth2):
            update["oauth2"] = _oauth2_for(provider.oauth2, address)
        return provider.model_copy(update=update) if update else provider

    def to_json(self) -> dict[str, Any]:
        return (
            {
                "provider": self.provider.model_dump(mode="json", exclude_defaults=True),
                "servers": [s.to_json() for s in self.servers],
                "skipped": list(self.skipped),
            }
            | ({"domain_placeholder": True} if self.domain_placeholder else {})
            | (
                {"services": [[kind.value, url] for kind, url in self.services]}
                if self.services
                else {}
            )
        )

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ClientConfigTemplate:
        return cls(
            provider=ProviderInfo.model_validate(data["provider"]),
            servers=tuple(ServerTemplate.from_json(s) for s in data["servers"]),
            skipped=tuple(data.get("skipped", ())),
            domain_placeholder=bool(data.get("domain_placeholder", False)),
            services=tuple((ServiceKind(k), str(u)) for k, u in data.get("services", ())),
        )


def _settings(
    server: ServerTemplate,
    address: EmailAddress,
    real_name: str | None,
    source: SourceName,
    trust: Trust,
    warnings: list[DiscoveryWarning],
) -> ServerSettings | None:
    """One server's settings for ``address``; None (and a warning) when its host is bad."""
    raw_host = _fill(server.hostname, address, real_name)
    try:
        host = normalize_host(raw_host)
    except ValueError as exc:
        warnings.append(
            DiscoveryWarning(
                code=WarningCode.SKIPPED_SERVER,
                message=f"{server.protocol.value} server {raw_host!r} skipped: {exc}",
            )
        )
        return None
    if server.security_note is not None:
        warnings.append(
            DiscoveryWarning(
                code=WarningCode.SECURITY_FROM_PORT,
                message=f"{server.protocol.value} server {host}: {server.security_note}",
                host=host,
            )
        )
        trust = Trust.LOW if trust is Trust.LOW else Trust.MEDIUM
    return ServerSettings(
        protocol=server.protocol,
        host=host,
        port=server.port,
        security=server.security,
        username=(
            _fill(server.username, address, real_name) if server.username is not None else None
        ),
        auth=list(server.auth),
        sources=[source],
        trust=trust,
        pop3=server.pop3,
    )


def _incomplete(
    incoming: list[ServerSettings], outgoing: list[ServerSettings]
) -> list[DiscoveryWarning]:
    """An ``incomplete-document`` warning for each direction left without a server."""
    return [
        DiscoveryWarning(
            code=WarningCode.INCOMPLETE_DOCUMENT,
            message=f"the document names no usable {direction} server",
        )
        for direction, servers in (
            ("incoming (IMAP or POP3)", incoming),
            ("outgoing (SMTP)", outgoing),
        )
        if not servers
    ]


def parse_clientconfig(
    data: bytes,
    address: EmailAddress,
    *,
    source: SourceName = SourceName.AUTOCONFIG,
    trust: Trust = Trust.HIGH,
    origin: str | None = None,
    real_name: str | None = None,
) -> ClientConfig:
    """Parse a clientConfig document and resolve it for ``address``.

    ``origin`` (a URL or file name) only makes error messages clearer.
    """
    template = parse_template(data, origin=origin)
    return template.resolve(address, source=source, trust=trust, real_name=real_name)


# Templates of documents parsed lately, by their bytes: every discovery at a domain fetches the
# same document again (its URL names the address, so the fetch itself is not shared), and a
# template is immutable and independent of the address. A refusal raises and is not kept.
_TEMPLATES_KEPT = 64
_TEMPLATE_BYTES_KEPT = 64 * 1024  # larger documents are parsed each time (memory stays small)


def parse_template(
    data: bytes, *, origin: str | None = None, limit: int = MAX_DOCUMENT_BYTES
) -> ClientConfigTemplate:
    """Parse a clientConfig document without filling placeholders (``origin``, a URL or file
    name, only makes error messages clearer)."""
    if type(data) is not bytes or len(data) > _TEMPLATE_BYTES_KEPT:
        return _parse_template(data, origin, limit)
    try:
        return _kept_template(data, limit)
    except ParseError:
        return _parse_template(data, origin, limit)  # again, for the message naming ``origin``


@functools.lru_cache(maxsize=_TEMPLATES_KEPT)
def _kept_template(data: bytes, limit: int) -> ClientConfigTemplate:
    return _parse_template(data, None, limit)


def _parse_template(data: bytes, origin: str | None, limit: int) -> ClientConfigTemplate:
    root = load_root(
        data, "clientConfig", kind="a clientConfig document", source=origin, limit=limit
    )
    provider_el = child(root, "emailProvider")
    if provider_el is None:
        raise ParseError("no <emailProvider> element", source=origin)

    servers: list[ServerTemplate] = []
    skipped: list[str] = []
    for index, element in enumerate(provider_el):
        name = local_name(element)
        if name == "incomingServer":
            table = _INCOMING_TYPES
        elif name == "outgoingServer":
            table = _OUTGOING_TYPES
        else:
            continue
        kind = (element.get("type") or "").strip().lower()
        protocol = table.get(kind)
        if protocol is None:
            continue  # jmap, ews, activeSync, exchange, nntp …: not ours to configure
        try:
            servers.append(_server(element, protocol))
        except _Skip as why:
            skipped.append(f"{name} #{index + 1} ({kind}) skipped: {why}")
    if not servers:
        detail = "; ".join(skipped) if skipped else "no imap, pop3 or smtp server section"
        raise ParseError(f"no usable server in the document: {detail}", source=origin)
    provider, domain_placeholder = _provider(root, provider_el)
    return ClientConfigTemplate(
        provider=provider,
        servers=tuple(servers),
        skipped=tuple(skipped),
        domain_placeholder=domain_placeholder,
        services=_service_templates(root, provider_el),
    )


# Version 1.2's URL-based sections: (where, element name, type) → the service kind.
_SERVICE_SECTIONS = {
    ("provider", "incomingserver", "jmap"): ServiceKind.JMAP,
    ("root", "calendar", "caldav"): ServiceKind.CALDAV,
    ("root", "addressbook", "carddav"): ServiceKind.CARDDAV,
}


def _service_templates(root: Element, provider_el: Element) -> tuple[tuple[ServiceKind, str], ...]:
    """The JMAP (an incoming server with a URL), CalDAV and CardDAV sections, by document
    order; a section without a URL is left out (it names nothing to connect to)."""
    found: list[tuple[ServiceKind, str]] = []
    for where, parent in (("provider", provider_el), ("root", root)):
        for element in parent:
            kind = (element.get("type") or "").strip().lower()
            service = _SERVICE_SECTIONS.get((where, local_name(element).lower(), kind))
            url = text_of(element, "url") if service is not None else None
            if service is not None and url:
                found.append((service, url))
    return tuple(found)


class _Skip(Exception):
    """A server section is unusable; the message says why."""


def _server(element: Element, protocol: Protocol) -> ServerTemplate:
    hostname = text_of(element, "hostname")
    if hostname is None:
        raise _Skip("no <hostname>")
    try:
        normalize_host(_fill(hostname, _PLACEHOLDER_PROBE, None))
    except ValueError as exc:
        raise _Skip(f"bad <hostname> {hostname!r}: {exc}") from exc

    port = _port(element)
    security, security_note = _socket_type(element, port)

    auth = _auth(element)
    return ServerTemplate(
        protocol=protocol,
        hostname=hostname,
        port=port,
        security=security,
        username=text_of(element, "username"),
        auth=tuple(auth),
        pop3=_pop3(element) if protocol is Protocol.POP3 else None,
        security_note=security_note,
    )


def _port(element: Element) -> int:
    port_text = text_of(element, "port")
    if port_text is None:
        raise _Skip("no <port>")
    try:
        port = int(port_text)
    except ValueError as exc:
        raise _Skip(f"<port> {port_text!r} is not a number") from exc
    if not 1 <= port <= 65535:
        raise _Skip(f"<port> {port} is out of range")
    return port


def _auth(element: Element) -> list[AuthMethod]:
    """The generic ``<authentication>`` methods we know, in the provider's order."""
    auth: list[AuthMethod] = []
    auth_elements = children(element, "authentication")
    if not auth_elements:
        raise _Skip("no <authentication>, so a client cannot know how to sign in")
    for el in auth_elements:
        if (el.get("system") or "").strip():
            continue  # a specific SASL or HTTP mechanism; the generic value follows it
        method = _AUTH_VALUES.get((el.text or "").strip().lower())
        if method is not None and method not in auth:
            auth.append(method)
    if not auth:
        raise _Skip("no <authentication> method we know")
    return auth


def _socket_type(element: Element, port: int) -> tuple[Security, str | None]:
    """The first ``<socketType>`` we know; else, on a well-known port, what the port says.

    The note is set when the port decided. Raises _Skip when neither can tell.
    """
    unknown: list[str] = []
    for el in children(element, "socketType"):
        value = (el.text or "").strip()
        security = _SOCKET_TYPES.get(value.lower())
        if security is not None:
            return security, None
        unknown.append(value)
    if not unknown:
        raise _Skip("no <socketType>")
    by_port = port_security(port)
    if by_port is None:
        raise _Skip(f"unknown <socketType> {unknown[0]!r} on port {port}, which says nothing")
    return by_port, (
        f"unknown <socketType> {unknown[0]!r} on port {port}: read as "
        f"{security_words(by_port)}, by the port (trust at most medium)"
    )


def _pop3(element: Element) -> Pop3Options | None:
    pop3 = child(element, "pop3")
    if pop3 is None:
        return None
    interval = child(pop3, "checkInterval")
    options = Pop3Options(
        leave_messages_on_server=_bool(text_of(pop3, "leaveMessagesOnServer")),
        days_to_leave_messages_on_server=_int(text_of(pop3, "daysToLeaveMessagesOnServer")),
        download_on_biff=_bool(text_of(pop3, "downloadOnBiff")),
        check_interval_minutes=_int(interval.get("minutes")) if interval is not None else None,
    )
    return options if options != Pop3Options() else None


def _provider(root: Element, provider_el: Element) -> tuple[ProviderInfo, bool]:
    """The provider's description, and whether a ``<domain>`` is ``%EMAILDOMAIN%``."""
    domains: list[str] = []
    mx_domains: list[str] = []
    placeholder = False
    for el in children(provider_el, "domain"):
        value = text_of(el)
        if value is None:
            continue
        mx = (el.get("purpose") or "").strip().lower() == "mx"
        if value.upper() == _DOMAIN_PLACEHOLDER:
            placeholder = placeholder or not mx  # "the MX domain is this domain": no news
            continue
        try:
            domain = normalize_domain(value)
        except ValueError:
            continue
        found = mx_domains if mx else domains  # an MX domain is not an email domain served
        if domain not in found:
            found.append(domain)
    documentation = [
        Documentation(url=url, descriptions=_texts(el, "descr"))
        for el in children(provider_el, "documentation")
        if (url := (el.get("url") or "").strip())
    ]
    provider_id = (provider_el.get("id") or "").strip() or None
    info = ProviderInfo(
        id=provider_id,
        display_name=text_of(provider_el, "displayName"),
        display_short_name=text_of(provider_el, "displayShortName"),
        domains=domains,
        mx_domains=mx_domains,
        documentation=documentation,
        oauth2=_oauth2(root),
        enable=_enable(root, provider_el),
        webmail_url=_webmail(root, provider_el),
    )
    return info, placeholder


def _oauth2(root: Element) -> OAuth2Info | None:
    el = child(root, "oAuth2")
    if el is None:
        return None
    info = OAuth2Info(
        issuer=text_of(el, "issuer"),
        scopes=(text_of(el, "scope") or "").split(),
        auth_url=text_of(el, "authURL"),
        token_url=text_of(el, "tokenURL"),
    )
    return info if info != OAuth2Info() else None


def _enable(root: Element, provider_el: Element) -> EnableInstructions | None:
    el = child(root, "enable")
    if el is None:  # an Element without children is falsy: test for None, never truth
        el = child(provider_el, "enable")
    if el is None:
        return None
    visit = (el.get("visiturl") or "").strip() or None
    instructions = _texts(el, "instruction")
    if visit is None and not instructions:
        return None
    return EnableInstructions(visit_url=visit, instructions=instructions)


def _webmail(root: Element, provider_el: Element) -> str | None:
    el = child(root, "webMail")
    if el is None:
        el = child(provider_el, "webMail")
    if el is None:
        return None
    for name in ("loginPage", "loginPageInfo"):
        page = child(el, name)
        if page is not None and (url := (page.get("url") or "").strip()):
            return url
    return None


def _texts(element: Element, name: str) -> list[LocalizedText]:
    return [
        LocalizedText(text=text, lang=(el.get("lang") or "").strip() or None)
        for el in children(element, name)
        if (text := text_of(el)) is not None
    ]


def _bool(text: str | None) -> bool | None:
    if text is None:
        return None
    lowered = text.lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    return None


def _int(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        return None
    return value if value >= 0 else None


def _fill(text: str, address: EmailAddress, real_name: str | None) -> str:
    if "%" not in text:
        return text
    return (
        text.replace("%EMAILADDRESS%", str(address))
        .replace("%EMAILLOCALPART%", address.local_part)
        .replace("%EMAILDOMAIN%", address.domain)
        .replace("%REALNAME%", real_name or "")
    )


def _has_placeholder(info: OAuth2Info) -> bool:
    return any("%" in (url or "") for url in (info.issuer, info.auth_url, info.token_url))


def _fill_url(url: str, address: EmailAddress) -> str:
    """``url`` with its placeholders filled (the autoconfig draft), each value percent-encoded,
    so an address cannot add a query parameter, a path or a fragment to it."""
    encoded = EmailAddress(quote(address.local_part, safe=""), quote(address.domain, safe=""))
    return _fill(url, encoded, None)


def _services_for(
    templates: Iterable[tuple[ServiceKind, str]],
    address: EmailAddress,
    source: SourceName,
    trust: Trust,
) -> list[Service]:
    """The services for ``address``: absolute https URLs on a host name only (the one URL
    rule, :func:`autoconf.parsers._urls.https_url`)."""
    services: list[Service] = []
    for kind, template in templates:
        checked = https_url(_fill_url(template, address))
        if checked is not None:
            services.append(Service(kind=kind, url=checked[0], sources=[source], trust=trust))
    return services


def _oauth2_for(info: OAuth2Info, address: EmailAddress) -> OAuth2Info:
    """The OAuth2 URLs with their placeholders filled, percent-encoded (:func:`_fill_url`)."""

    def fill(url: str | None) -> str | None:
        return None if url is None else _fill_url(url, address)

    return info.model_copy(
        update={
            "issuer": fill(info.issuer),
            "auth_url": fill(info.auth_url),
            "token_url": fill(info.token_url),
        }
    )


def _fill_opt(text: str | None, address: EmailAddress, real_name: str | None) -> str | None:
    return None if text is None else _fill(text, address, real_name)
