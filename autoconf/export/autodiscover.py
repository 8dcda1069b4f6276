"""A Microsoft Autodiscover POX response (outlook/responseschema/2006a): what
``https://autodiscover.{domain}/autodiscover/autodiscover.xml`` answers; every server of the
result, the chosen ones first. The library's own parser (:mod:`autoconf.parsers.autodiscover`)
reads it back to the same servers."""

from __future__ import annotations

from xml.sax.saxutils import escape

from ..models import AuthMethod, Protocol, Security, ServerSettings
from ..parsers.autodiscover import RESPONSE_SCHEMA
from ._common import Account, Reader

__all__ = ["DESCRIPTION", "READER", "render"]

DESCRIPTION = "Autodiscover: a POX response (for autodiscover.{domain})"
# XML 1.0, escaped: the rules every format keeps are exactly what XML cannot hold.
READER = Reader()

_OUTER_SCHEMA = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
_TYPES = {Protocol.IMAP: "IMAP", Protocol.POP3: "POP3", Protocol.SMTP: "SMTP"}
# <Encryption>: SSL is implicit TLS, TLS is STARTTLS, None is none at all.
_ENCRYPTION = {Security.TLS: "SSL", Security.STARTTLS: "TLS", Security.PLAIN: "None"}


def render(account: Account) -> str:
    if account.incoming is None and account.outgoing is None:
        account.need_incoming()  # raises: a response needs at least one server
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<Autodiscover xmlns="{_OUTER_SCHEMA}">',
        f'  <Response xmlns="{RESPONSE_SCHEMA}">',
        "    <Account>",
        "      <AccountType>email</AccountType>",
        "      <Action>settings</Action>",
    ]
    for server in (*account.all_incoming, *account.all_outgoing):
        lines += _protocol(account, server)
    lines += ["    </Account>", "  </Response>", "</Autodiscover>", ""]
    return "\n".join(lines)


def _protocol(account: Account, server: ServerSettings) -> list[str]:
    def element(name: str, value: str) -> str:
        return f"        <{name}>{escape(value)}</{name}>"

    spa = AuthMethod.NTLM in server.auth[:1]
    auth_required = not (server.auth and server.auth[0] is AuthMethod.NONE)
    return [
        "      <Protocol>",
        element("Type", _TYPES[server.protocol]),
        element("Server", server.host),
        element("Port", str(server.port)),
        element("LoginName", account.user(server)),
        element("DomainRequired", "off"),
        element("SPA", "on" if spa else "off"),
        element("SSL", "off" if server.security is Security.PLAIN else "on"),
        element("Encryption", _ENCRYPTION[server.security]),
        element("AuthRequired", "on" if auth_required else "off"),
        "      </Protocol>",
    ]
