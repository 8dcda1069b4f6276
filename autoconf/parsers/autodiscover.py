"""Microsoft Autodiscover "POX" responses (outlook/responseschema/2006a) for IMAP, POP3, SMTP.

Mapping (as Thunderbird and Outlook read it): ``Encryption`` (None/SSL/TLS/Auto) wins over
``SSL`` (on/off, default on); ``Encryption=TLS`` means STARTTLS, ``SSL`` means implicit TLS;
``Auto`` or a bare ``SSL=on`` is decided by the port (143/110/25/587 → STARTTLS, others →
implicit TLS). ``SPA=on`` means NTLM-style secure authentication, anything else a password.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from ..address import EmailAddress, normalize_host
from ..errors import ParseError
from ..models import (
    AuthMethod,
    Protocol,
    Security,
    ServerSettings,
    SourceName,
    Trust,
    Warning,
    WarningCode,
)
from ._xml import child, children, load_root, text_of

__all__ = ["AutodiscoverResponse", "build_request", "parse_autodiscover"]

REQUEST_SCHEMA = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
RESPONSE_SCHEMA = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"

_TYPES = {"imap": Protocol.IMAP, "pop3": Protocol.POP3, "smtp": Protocol.SMTP}
_STARTTLS_PORTS = frozenset({143, 110, 25, 587})
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
    display_name: str | None = None
    warnings: list[Warning] = field(default_factory=list)

    @property
    def is_redirect(self) -> bool:
        return self.redirect_url is not None or self.redirect_addr is not None


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
            return AutodiscoverResponse(
                error_code=text_of(error, "ErrorCode"), error_message=text_of(error, "Message")
            )
        raise ParseError("no <Account> element", source=origin)
    user = child(response, "User")
    display_name = text_of(user, "DisplayName") if user is not None else None

    action = (text_of(account, "Action") or "").lower()
    if action == "redirecturl":
        url = text_of(account, "RedirectUrl")
        if url is None:
            raise ParseError("Action redirectUrl without a <RedirectUrl>", source=origin)
        return AutodiscoverResponse(redirect_url=url, display_name=display_name)
    if action == "redirectaddr":
        addr = text_of(account, "RedirectAddr")
        if addr is None:
            raise ParseError("Action redirectAddr without a <RedirectAddr>", source=origin)
        return AutodiscoverResponse(redirect_addr=addr, display_name=display_name)

    account_error = child(account, "Error")
    incoming: list[ServerSettings] = []
    outgoing: list[ServerSettings] = []
    warnings: list[Warning] = []
    for index, element in enumerate(children(account, "Protocol")):
        kind = (text_of(element, "Type") or element.get("Type") or "").lower()
        protocol = _TYPES.get(kind)
        if protocol is None:
            continue  # EXCH, EXPR, WEB, mapiHttp …: Exchange, not ours
        try:
            settings = _protocol(element, protocol, address, source=source, trust=trust)
        except ValueError as exc:
            warnings.append(
                Warning(
                    code=WarningCode.SKIPPED_SERVER,
                    message=f"Protocol #{index + 1} ({kind}) skipped: {exc}",
                )
            )
            continue
        (outgoing if protocol is Protocol.SMTP else incoming).append(settings)
    if not incoming and not outgoing:
        if account_error is not None or error is not None:
            err = account_error if account_error is not None else error
            return AutodiscoverResponse(
                error_code=text_of(err, "ErrorCode"), error_message=text_of(err, "Message")
            )
        detail = "; ".join(w.message for w in warnings) or "no IMAP, POP3 or SMTP protocol"
        raise ParseError(f"no usable server in the response: {detail}", source=origin)
    return AutodiscoverResponse(
        incoming=incoming, outgoing=outgoing, display_name=display_name, warnings=warnings
    )


def _protocol(
    element: Element,
    protocol: Protocol,
    address: EmailAddress,
    *,
    source: SourceName,
    trust: Trust,
) -> ServerSettings:
    server = text_of(element, "Server")
    if server is None:
        raise ValueError("no <Server>")
    if "://" in server:
        raise ValueError(f"<Server> {server!r} is a URL, not a host name")
    host = normalize_host(server)

    port: int | None = None
    port_text = text_of(element, "Port")
    if port_text is not None:
        try:
            port = int(port_text)
        except ValueError:
            raise ValueError(f"<Port> {port_text!r} is not a number") from None
        if not 1 <= port <= 65535:
            raise ValueError(f"<Port> {port} is out of range")

    security = _security(text_of(element, "Encryption"), text_of(element, "SSL"), port, protocol)
    if port is None:
        port = _DEFAULT_PORTS[(protocol, security)]

    spa = (text_of(element, "SPA") or "").lower()
    auth = [AuthMethod.NTLM] if spa == "on" else [AuthMethod.PASSWORD_CLEARTEXT]
    if (text_of(element, "AuthRequired") or "").lower() == "off" and protocol is Protocol.SMTP:
        auth = [AuthMethod.NONE]

    login = text_of(element, "LoginName")
    domain_required = (text_of(element, "DomainRequired") or "").lower() == "on"
    domain_name = text_of(element, "DomainName")
    if login is None:
        username = str(address)
    elif domain_required and domain_name and "\\" not in login and "@" not in login:
        username = f"{domain_name}\\{login}"
    else:
        username = login
    return ServerSettings(
        protocol=protocol,
        host=host,
        port=port,
        security=security,
        username=username,
        auth=auth,
        sources=[source],
        trust=trust,
    )


def _security(
    encryption: str | None, ssl: str | None, port: int | None, protocol: Protocol
) -> Security:
    if encryption is not None:
        value = encryption.strip().lower()
        if value == "none":
            return Security.PLAIN
        if value == "ssl":
            return Security.TLS
        if value in ("tls", "starttls"):
            return Security.STARTTLS
        if value != "auto":
            raise ValueError(f"unknown <Encryption> {encryption!r}")
    elif ssl is not None and ssl.strip().lower() == "off":
        return Security.PLAIN
    if port is None:
        return Security.TLS
    return Security.STARTTLS if port in _STARTTLS_PORTS else Security.TLS
