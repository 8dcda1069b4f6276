"""Microsoft Autodiscover "POX" responses (outlook/responseschema/2006a) for IMAP, POP3, SMTP.

Security, our rule (RFC 8314: never fall back to cleartext on a guess):

* On the well-known ports the port decides: 993, 995 and 465 are implicit TLS; 143, 110, 587
  and 25 are STARTTLS, even with ``<SSL>off</SSL>``. Only an explicit ``<Encryption>None``
  means plain there. The probe then says whether STARTTLS is really offered.
* On other ports (or with no ``<Port>``) the elements decide: ``Encryption`` ``TLS`` (or the
  unofficial ``STARTTLS``) means STARTTLS, ``SSL`` implicit TLS, ``None`` plain; without it
  (or with ``Auto``) ``<SSL>off</SSL>`` means plain and ``on`` (the default) implicit TLS. An
  unknown ``Encryption`` value there skips the protocol with a ``skipped-server`` warning.
* Whenever the elements name a kind of security that a well-known port contradicts (or an
  ``Encryption`` value we do not know), a ``security-from-port`` warning names the element
  values and the port. ``<SSL>on</SSL>``
  alone only says "encrypted", which both kinds of port are, so it is never a disagreement.

Real servers need this: Stalwart and automua write ``<SSL>on</SSL><Encryption>TLS</Encryption>``
on 993/995/465 meaning implicit TLS; Stalwart writes a bare ``<SSL>off</SSL>`` on 143/587 and
Modoboa ``SSL=off`` for its STARTTLS services. Thunderbird (``ExchangeAutoDiscover.sys.mjs``)
reads ``SSL=off`` or ``Encryption=None`` as plain, otherwise ignores ``Encryption`` and lets
the port decide (143/110/25/587 STARTTLS, everything else implicit TLS); we differ in reading
``SSL=off`` on a well-known port by the port (never as plain, which would send a password in
clear to a server that requires STARTTLS), and in letting the elements decide on ports that
say nothing.

``<Type>`` ``IMAP``, ``POP3`` (also ``POP``, as Monogramm's autodiscover-email-settings writes)
and ``SMTP`` are read; Exchange types are ignored. ``SPA=on`` means NTLM-style secure
authentication, anything else a password.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from ..address import EmailAddress, normalize_host
from ..errors import ParseError
from ..models import (
    AuthMethod,
    DiscoveryWarning,
    Protocol,
    Security,
    ServerSettings,
    SourceName,
    Trust,
    WarningCode,
)
from ._ports import port_security, security_words
from ._xml import child, children, load_root, text_of

__all__ = ["AutodiscoverResponse", "build_request", "parse_autodiscover"]

REQUEST_SCHEMA = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
RESPONSE_SCHEMA = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"

_TYPES = {"imap": Protocol.IMAP, "pop3": Protocol.POP3, "pop": Protocol.POP3, "smtp": Protocol.SMTP}
_ENCRYPTION = {
    "none": Security.PLAIN,
    "ssl": Security.TLS,
    "tls": Security.STARTTLS,
    "starttls": Security.STARTTLS,
}
_DEFAULT_PORTS = {
    (Protocol.IMAP, Security.TLS): 993,
    (Protocol.IMAP, Security.STARTTLS): 143,
    (Protocol.IMAP, Security.PLAIN): 143,
    (Protocol.POP3, Security.TLS): 995,
    (Protocol.POP3, Security.STARTTLS): 110,
    (Protocol.POP3, Security.PLAIN): 110,
    (Protocol.SMTP, Security.TLS): 465,
    (Protocol.SMTP, Security.STARTTLS): 587,
    (Protocol.SMTP, Security.PLAIN): 587,
}


@dataclass(frozen=True, slots=True)
class AutodiscoverResponse:
    """What one Autodiscover answer says: settings, a redirect, or an error."""

    incoming: list[ServerSettings] = field(default_factory=list)
    outgoing: list[ServerSettings] = field(default_factory=list)
    redirect_url: str | None = None
    redirect_addr: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    warnings: list[DiscoveryWarning] = field(default_factory=list)


def build_request(address: EmailAddress | str) -> bytes:
    """The POX request body for ``address``."""
    from xml.sax.saxutils import escape

    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<Autodiscover xmlns="{REQUEST_SCHEMA}">\n'
        "  <Request>\n"
        f"    <EMailAddress>{escape(str(address))}</EMailAddress>\n"
        f"    <AcceptableResponseSchema>{RESPONSE_SCHEMA}</AcceptableResponseSchema>\n"
        "  </Request>\n"
        "</Autodiscover>\n"
    ).encode()


def parse_autodiscover(
    data: bytes,
    address: EmailAddress,
    *,
    source: SourceName = SourceName.AUTODISCOVER,
    trust: Trust = Trust.MEDIUM,
    origin: str | None = None,
) -> AutodiscoverResponse:
    """Parse an Autodiscover POX response for ``address``.

    Raises :class:`ParseError` when the document is not an Autodiscover response or says
    nothing usable (no mail protocol, no redirect, no error).
    """
    root = load_root(data, "Autodiscover", kind="an Autodiscover response", source=origin)
    response = child(root, "Response")
    if response is None:
        raise ParseError("no <Response> element", source=origin)
    error = child(response, "Error")
    account = child(response, "Account")
    if account is None:
        if error is not None:
            return _error_response(error)
        raise ParseError("no <Account> element", source=origin)
    redirect = _redirect(account, origin)
    if redirect is not None:
        return redirect

    incoming, outgoing, warnings = _servers(account, address, source=source, trust=trust)
    if not incoming and not outgoing:
        account_error = child(account, "Error")
        if account_error is not None:
            return _error_response(account_error)
        if error is not None:
            return _error_response(error)
        detail = "; ".join(w.message for w in warnings) or "no IMAP, POP3 or SMTP protocol"
        raise ParseError(f"no usable server in the response: {detail}", source=origin)
    return AutodiscoverResponse(incoming=incoming, outgoing=outgoing, warnings=warnings)


def _error_response(error: Element) -> AutodiscoverResponse:
    return AutodiscoverResponse(
        error_code=text_of(error, "ErrorCode"), error_message=text_of(error, "Message")
    )


def _redirect(account: Element, origin: str | None) -> AutodiscoverResponse | None:
    """A redirectUrl / redirectAddr answer, or None when the account carries settings."""
    action = (text_of(account, "Action") or "").lower()
    if action == "redirecturl":
        url = text_of(account, "RedirectUrl")
        if url is None:
            raise ParseError("Action redirectUrl without a <RedirectUrl>", source=origin)
        return AutodiscoverResponse(redirect_url=url)
    if action == "redirectaddr":
        addr = text_of(account, "RedirectAddr")
        if addr is None:
            raise ParseError("Action redirectAddr without a <RedirectAddr>", source=origin)
        return AutodiscoverResponse(redirect_addr=addr)
    return None


def _servers(
    account: Element, address: EmailAddress, *, source: SourceName, trust: Trust
) -> tuple[list[ServerSettings], list[ServerSettings], list[DiscoveryWarning]]:
    """The IMAP/POP3 (incoming) and SMTP (outgoing) servers, and a warning per skipped one."""
    incoming: list[ServerSettings] = []
    outgoing: list[ServerSettings] = []
    warnings: list[DiscoveryWarning] = []
    for index, element in enumerate(children(account, "Protocol")):
        kind = (text_of(element, "Type") or element.get("Type") or "").lower()
        protocol = _TYPES.get(kind)
        if protocol is None:
            continue  # EXCH, EXPR, WEB, mapiHttp …: Exchange, not ours
        try:
            settings, note = _protocol(element, protocol, address, source=source, trust=trust)
        except ValueError as exc:
            warnings.append(
                DiscoveryWarning(
                    code=WarningCode.SKIPPED_SERVER,
                    message=f"Protocol #{index + 1} ({kind}) skipped: {exc}",
                )
            )
            continue
        if note is not None:
            warnings.append(
                DiscoveryWarning(
                    code=WarningCode.SECURITY_FROM_PORT, message=note, host=settings.host
                )
            )
        (outgoing if protocol is Protocol.SMTP else incoming).append(settings)
    return incoming, outgoing, warnings


def _protocol(
    element: Element,
    protocol: Protocol,
    address: EmailAddress,
    *,
    source: SourceName,
    trust: Trust,
) -> tuple[ServerSettings, str | None]:
    """One Protocol's settings, and a note when its elements and its port disagree."""
    server = text_of(element, "Server")
    if server is None:
        raise ValueError("no <Server>")
    if "://" in server:
        raise ValueError(f"<Server> {server!r} is a URL, not a host name")
    host = normalize_host(server)

    port = _port(element)
    security, note = _security(text_of(element, "Encryption"), text_of(element, "SSL"), port)
    if note is not None:
        note = f"{protocol.value} {host}: {note}"
    if port is None:
        port = _DEFAULT_PORTS[(protocol, security)]

    spa = (text_of(element, "SPA") or "").lower()
    auth = [AuthMethod.NTLM] if spa == "on" else [AuthMethod.PASSWORD_CLEARTEXT]
    if (text_of(element, "AuthRequired") or "").lower() == "off" and protocol is Protocol.SMTP:
        auth = [AuthMethod.NONE]

    username = _username(element, address)
    settings = ServerSettings(
        protocol=protocol,
        host=host,
        port=port,
        security=security,
        username=username,
        auth=auth,
        sources=[source],
        trust=trust,
    )
    return settings, note


def _port(element: Element) -> int | None:
    """The ``<Port>``, checked; None when the element is absent."""
    port_text = text_of(element, "Port")
    if port_text is None:
        return None
    try:
        port = int(port_text)
    except ValueError as exc:
        raise ValueError(f"<Port> {port_text!r} is not a number") from exc
    if not 1 <= port <= 65535:
        raise ValueError(f"<Port> {port} is out of range")
    return port


def _username(element: Element, address: EmailAddress) -> str:
    """``<LoginName>`` (prefixed with ``<DomainName>\\`` when the domain is required), else
    the address."""
    login = text_of(element, "LoginName")
    domain_required = (text_of(element, "DomainRequired") or "").lower() == "on"
    domain_name = text_of(element, "DomainName")
    if login is None:
        return str(address)
    if domain_required and domain_name and "\\" not in login and "@" not in login:
        return f"{domain_name}\\{login}"
    return login


def _security(
    encryption: str | None, ssl: str | None, port: int | None
) -> tuple[Security, str | None]:
    """The security of one Protocol (see the module's rule), and a note on any disagreement.

    Raises ValueError for an unknown ``Encryption`` value on a port that says nothing.
    """
    said = " ".join(
        f"<{name}>{value}</{name}>"
        for name, value in (("SSL", ssl), ("Encryption", encryption))
        if value is not None
    )
    claimed = _claimed(encryption, ssl)
    by_port = port_security(port)
    if by_port is None:
        if claimed is _UNKNOWN:
            raise ValueError(f"unknown <Encryption> {encryption!r}")
        if isinstance(claimed, Security):
            return claimed, None
        return Security.TLS, None  # SSL on (or unspecified, default on): implicit TLS
    if claimed is Security.PLAIN and _word(encryption) == "none":
        return Security.PLAIN, (
            f"{said} on port {port}, which stands for {security_words(by_port)}: "
            "read as plain, as the document says"
        )
    if claimed is _UNKNOWN:
        return by_port, (
            f"unknown {said} on port {port}: read as {security_words(by_port)}, by the port"
        )
    if isinstance(claimed, Security) and claimed is not by_port:
        return by_port, (
            f"{said} says {security_words(claimed)}, but port {port} stands for "
            f"{security_words(by_port)}: read as {security_words(by_port)}, by the port"
        )
    return by_port, None


_UNKNOWN = object()  # an Encryption value we do not know


def _claimed(encryption: str | None, ssl: str | None) -> Security | object | None:
    """What the elements alone say: a Security, None for "encrypted, kind unsaid", or _UNKNOWN."""
    value = _word(encryption)
    if value is not None and value != "auto":
        return _ENCRYPTION.get(value, _UNKNOWN)
    if _word(ssl) == "off":
        return Security.PLAIN
    return None


def _word(text: str | None) -> str | None:
    return None if text is None else text.strip().lower()
