"""A PACC document (draft-ietf-mailmaint-pacc) and the TXT record that vouches for it, for
the domain's admin.

The document is written deterministically (sorted keys, compact separators, UTF-8 without
``\\u`` escapes) and ends with one newline; the digest in the TXT record is over exactly those
bytes, the first line of the output with its newline. PACC can only name implicit-TLS servers on
the default ports (IMAP 993, POP3 995, submission 465) and the full address as user name:
servers it cannot express are listed in comment lines after the record, never silently dropped.
"""

from __future__ import annotations

import json
from typing import Any

from ..models import AuthMethod, Protocol, Security, ServerSettings
from ..parsers.pacc import PACC_PATH, PACC_PORTS, record_for, txt_name
from ._common import Account, Reader, clean

__all__ = ["DESCRIPTION", "READER", "document_bytes", "render"]

DESCRIPTION = (
    "PACC: the user-agent-configuration.json document and its _ua-auto-config TXT record "
    "(for admins)"
)

# JSON escapes what it must (json.dumps); the record line holds only base64.
READER = Reader()

TTL = 3600
_KEYS = {protocol: key for key, (protocol, _) in PACC_PORTS.items()}
_PORTS = {protocol: port for _, (protocol, port) in PACC_PORTS.items()}
_PASSWORDS = frozenset({AuthMethod.PASSWORD_CLEARTEXT, AuthMethod.PASSWORD_ENCRYPTED})


def render(account: Account) -> str:
    chosen, left_out = _servers(account)
    if not any(s.protocol is not Protocol.SMTP for s in chosen):
        account.need_incoming(securities=(Security.TLS,))  # raises: nothing PACC can name
    body = document_bytes(account, chosen)
    zone = account.domain.rstrip(".")
    lines = [
        body.decode("utf-8").rstrip("\n"),
        "",
        "; Serve the first line above, with its newline and nothing else, at",
        f"; https://ua-auto-config.{zone}{PACC_PATH}",
        "; (a certificate for that name), and publish this record beside it:",
        f'{txt_name(zone)}. {TTL} IN TXT "{record_for(body)}"',
    ]
    lines += [
        f"; not in the document: {s.protocol.value} {s.host} port {s.port} "
        f"({s.security.value}): {_why_not(account, s)}"
        for s in left_out
    ]
    return "\n".join(lines) + "\n"


def document_bytes(account: Account, servers: list[ServerSettings]) -> bytes:
    """The document's exact bytes for ``servers`` (one per protocol), newline included."""
    protocols = {_KEYS[s.protocol]: {"host": s.host} for s in servers}
    auth = [m for s in servers for m in s.auth]
    authentication: dict[str, Any] = {"password": any(m in _PASSWORDS for m in auth)}
    issuer = _issuer(account)
    if AuthMethod.OAUTH2 in auth and issuer is not None:
        authentication["oauth-public"] = {"issuer": issuer}
    value = {
        "protocols": protocols,
        "authentication": authentication,
        "info": {"provider": _provider(account)},
    }
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def _issuer(account: Account) -> str | None:
    """The OAuth issuer as PACC writes it: an https URL (ISPDB's bare host names get https)."""
    oauth2 = account.provider.oauth2 if account.provider else None
    issuer = oauth2.issuer if oauth2 else None
    if not issuer:
        return None
    if "://" not in issuer:
        return f"https://{issuer}"
    return issuer if issuer.startswith("https://") else None


def _provider(account: Account) -> dict[str, str]:
    """``info.provider``: the name (at most 60 characters), and the short name (at most 20)."""
    provider = account.provider
    name = clean(provider.display_name or "") if provider else ""
    short = clean(provider.display_short_name or "") if provider else ""
    value = {"name": (name or account.name)[:60]}
    if short:
        value["shortName"] = short[:20]
    return value


def _servers(account: Account) -> tuple[list[ServerSettings], list[ServerSettings]]:
    """The first expressible server per protocol (the chosen ones first), and the rest."""
    chosen: dict[Protocol, ServerSettings] = {}
    left_out: list[ServerSettings] = []
    for server in (*account.all_incoming, *account.all_outgoing):
        fits = _why_not(account, server) is None
        if fits and server.protocol not in chosen:
            chosen[server.protocol] = server
        elif not fits:
            left_out.append(server)
    return list(chosen.values()), left_out


def _why_not(account: Account, server: ServerSettings) -> str | None:
    """Why PACC cannot name ``server``, or None when it can."""
    port = _PORTS[server.protocol]
    if server.security is not Security.TLS or server.port != port:
        return f"PACC names only implicit TLS on port {port}"
    if account.user(server) != account.address:
        return "PACC's user name is always the full address"
    return None
