"""getmail6: a getmailrc retrieving into a Maildir (IMAP or POP3 over implicit TLS)."""

from __future__ import annotations

import json

from ..models import Protocol, Security
from ._common import NO_PASSWORD_NOTE, Account, Reader, header, oauth2, password_command

__all__ = ["DESCRIPTION", "READER", "render"]

DESCRIPTION = "getmail6: a getmailrc retrieving IMAP or POP3 mail into a Maildir"
# RawConfigParser (no interpolation): values unquoted, blanks around them dropped; paths
# (path, ca_certs) go through os.path.expandvars, so $NAME in them would be replaced.
READER = Reader(trims=True, expands=True)

# getmail6 has no STARTTLS: only implicit TLS (the *SSLRetriever types) or none at all.
_TYPES = {
    (Protocol.IMAP, Security.TLS): "SimpleIMAPSSLRetriever",
    (Protocol.IMAP, Security.PLAIN): "SimpleIMAPRetriever",
    (Protocol.POP3, Security.TLS): "SimplePOP3SSLRetriever",
    (Protocol.POP3, Security.PLAIN): "SimplePOP3Retriever",
}


def render(account: Account) -> str:
    server = account.need_incoming(securities=(Security.TLS, Security.PLAIN))
    lines = [*header(account, "getmail6 rc file"), "", "[retriever]"]
    if server.security is Security.PLAIN:
        lines.append("# The server offers no encryption: the password would travel in clear.")
    lines += [
        f"type = {_TYPES[(server.protocol, server.security)]}",
        f"server = {server.host}",
        f"port = {server.port}",
        f"username = {account.user(server)}",
    ]
    command, given = password_command(account)
    if not given:
        lines += NO_PASSWORD_NOTE
    # A tuple of quoted strings: the program, then its arguments; a shell runs the command.
    value = "(" + ", ".join(_quoted(part) for part in ("/bin/sh", "-c", command)) + ")"
    lines.append(("" if given else "# ") + f"password_command = {value}")
    if server.protocol is Protocol.IMAP:
        lines.append('mailboxes = ("INBOX",)')
        if oauth2(server):
            lines += [
                "# The provider wants OAuth2: password_command must print an access token.",
                "use_xoauth2 = true",
            ]
    elif oauth2(server):
        lines.append("# The provider wants OAuth2, which getmail6 offers for IMAP only.")
    if account.ca_file is not None and server.security is Security.TLS:
        lines.append(f"ca_certs = {account.ca_file}")
    lines += [
        "",
        "[destination]",
        "type = Maildir",
        f"path = {account.mail_folder}",
        "",
        "[options]",
        "# Leave the messages on the server and fetch only new ones.",
        "delete = false",
        "read_all = false",
        "",
    ]
    return "\n".join(lines)


def _quoted(text: str) -> str:
    """A double-quoted string literal as getmail reads one in a tuple."""
    return json.dumps(text, ensure_ascii=False)
