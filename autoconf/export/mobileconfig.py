"""An Apple configuration profile (``.mobileconfig``) with one ``com.apple.mail.managed``
payload, unsigned, its keys as Apple's Configuration Profile Reference names them. The UUIDs
come from the address (uuid5), so the same address always gives the same profile and
installing a newer one replaces the older."""

from __future__ import annotations

import plistlib
import uuid
from typing import Any

from ..models import AuthMethod, Protocol, Security, ServerSettings
from ._common import Account, Reader, oauth2

__all__ = ["DESCRIPTION", "READER", "render", "uuids"]

DESCRIPTION = "Apple: a .mobileconfig profile for Mail on iOS, iPadOS and macOS (unsigned)"
# An XML plist: the rules every format keeps are exactly what XML cannot hold.
READER = Reader()

_ACCOUNT_TYPES = {Protocol.IMAP: "EmailTypeIMAP", Protocol.POP3: "EmailTypePOP"}
_AUTH = {
    AuthMethod.PASSWORD_CLEARTEXT: "EmailAuthPassword",
    AuthMethod.PASSWORD_ENCRYPTED: "EmailAuthCRAMMD5",
    AuthMethod.NTLM: "EmailAuthNTLM",
    AuthMethod.NONE: "EmailAuthNone",
}


def uuids(address: str) -> tuple[str, str]:
    """The profile's and the mail payload's UUIDs: stable for one address."""
    profile = uuid.uuid5(uuid.NAMESPACE_URL, f"mailto:{address}")
    payload = uuid.uuid5(profile, "com.apple.mail.managed")
    return str(profile).upper(), str(payload).upper()


def render(account: Account) -> str:
    incoming = account.need_incoming()
    outgoing = account.need_outgoing()
    profile_uuid, payload_uuid = uuids(account.address)
    identifier = ".".join(reversed(account.domain.split("."))) + ".mail-autoconf." + profile_uuid
    description = f"Mail settings for {account.address}, written by mail-autoconf."
    if oauth2(incoming) or oauth2(outgoing):
        description += " The provider wants OAuth2, which a profile cannot set up: sign in in Mail."
    mail: dict[str, Any] = {
        "PayloadType": "com.apple.mail.managed",
        "PayloadVersion": 1,
        "PayloadIdentifier": f"{identifier}.mail",
        "PayloadUUID": payload_uuid,
        "PayloadDisplayName": f"Mail ({account.address})",
        "EmailAccountDescription": account.name,
        "EmailAccountType": _ACCOUNT_TYPES[incoming.protocol],
        "EmailAddress": account.address,
        **_server("Incoming", incoming, account),
        **_server("Outgoing", outgoing, account),
        "OutgoingPasswordSameAsIncomingPassword": account.user(incoming) == account.user(outgoing),
    }
    profile: dict[str, Any] = {
        "PayloadType": "Configuration",
        "PayloadVersion": 1,
        "PayloadIdentifier": identifier,
        "PayloadUUID": profile_uuid,
        "PayloadDisplayName": f"Mail: {account.address}",
        "PayloadDescription": description,
        "PayloadContent": [mail],
    }
    return plistlib.dumps(profile, fmt=plistlib.FMT_XML, sort_keys=True).decode("utf-8")


def _server(prefix: str, server: ServerSettings, account: Account) -> dict[str, Any]:
    """The ``IncomingMailServer*`` or ``OutgoingMailServer*`` keys. No password key: Mail
    asks for it when the profile is installed."""
    auth = next((_AUTH[m] for m in server.auth if m in _AUTH), "EmailAuthPassword")
    return {
        f"{prefix}MailServerHostName": server.host,
        f"{prefix}MailServerPortNumber": server.port,
        f"{prefix}MailServerUseSSL": server.security is not Security.PLAIN,
        f"{prefix}MailServerAuthentication": auth,
        f"{prefix}MailServerUsername": account.user(server),
    }
