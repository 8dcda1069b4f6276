"""Thunderbird's clientConfig ``config-v1.1.xml``: what an admin publishes at
``https://autoconfig.{domain}/mail/config-v1.1.xml``; every server of the result, the chosen
ones first. The library's own parser (:mod:`autoconf.parsers.clientconfig`) reads it back to
the same servers."""

from __future__ import annotations

from xml.etree.ElementTree import Element, SubElement, indent, tostring

from ..models import AuthMethod, OAuth2Info, Security, ServerSettings
from ._common import Account, Reader, clean, plain_domain

__all__ = ["DESCRIPTION", "READER", "render"]

DESCRIPTION = "Thunderbird: clientConfig config-v1.1.xml (for autoconfig.{domain})"
# XML 1.0 through ElementTree: the rules every format keeps (no controls, no noncharacters)
# are exactly what XML cannot hold; no line limit.
READER = Reader()

_SOCKET_TYPES = {Security.TLS: "SSL", Security.STARTTLS: "STARTTLS", Security.PLAIN: "plain"}


def render(account: Account) -> str:
    if account.incoming is None and account.outgoing is None:
        account.need_incoming()  # raises: a clientConfig needs at least one server
    root = Element("clientConfig", version="1.1")
    provider = account.provider
    el = SubElement(
        root,
        "emailProvider",
        id=(clean(provider.id) if provider and provider.id else "") or account.domain,
    )
    # The provider's own list (it may come from the network): only plain domain names.
    listed = [d for d in (provider.domains if provider else []) if plain_domain(d)]
    domains = listed or [account.domain]
    for domain in domains:
        SubElement(el, "domain").text = domain
    display = clean(provider.display_name) if provider and provider.display_name else ""
    SubElement(el, "displayName").text = display or account.name
    SubElement(el, "displayShortName").text = account.name
    for server in account.all_incoming:
        _server(SubElement(el, "incomingServer", type=server.protocol.value), server, account)
    for server in account.all_outgoing:
        _server(SubElement(el, "outgoingServer", type="smtp"), server, account)
    if provider is not None and provider.oauth2 is not None:
        _oauth2(root, provider.oauth2)
    indent(root)
    body = tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def _server(el: Element, server: ServerSettings, account: Account) -> None:
    SubElement(el, "hostname").text = server.host
    SubElement(el, "port").text = str(server.port)
    SubElement(el, "socketType").text = _SOCKET_TYPES[server.security]
    SubElement(el, "username").text = _username(account.user(server), account)
    for method in server.auth or [AuthMethod.PASSWORD_CLEARTEXT]:
        SubElement(el, "authentication").text = method.value


def _username(user: str, account: Account) -> str:
    """The placeholder Thunderbird fills in, where the user name is one of its values."""
    if user == account.address:
        return "%EMAILADDRESS%"
    if user == account.address.rsplit("@", 1)[0]:
        return "%EMAILLOCALPART%"
    return user


def _oauth2(root: Element, info: OAuth2Info) -> None:
    el = SubElement(root, "oAuth2")
    for name, value in (
        ("issuer", info.issuer),
        ("scope", " ".join(info.scopes) or None),
        ("authURL", info.auth_url),
        ("tokenURL", info.token_url),
    ):
        if value and clean(value):  # published by the provider: no controls in the XML
            SubElement(el, name).text = clean(value)
