"""fetchmail: a poll entry for ``~/.fetchmailrc`` (IMAP or POP3)."""

from __future__ import annotations

from ..models import Protocol, Security
from ._common import Account, dq, header

__all__ = ["DESCRIPTION", "render"]

DESCRIPTION = "fetchmail: a poll entry for ~/.fetchmailrc (IMAP or POP3)"

_PROTOCOLS = {Protocol.IMAP: "IMAP", Protocol.POP3: "POP3"}


def render(account: Account) -> str:
    server = account.need_incoming()
    lines = [
        *header(account, "fetchmail configuration"),
        "# fetchmail has no password command: it takes the password from ~/.netrc or asks",
        "# for it when run in a terminal.",
    ]
    if account.password_command is not None:
        lines.append(f"# To fill in ~/.netrc, use the password that {account.password_command!r}")
        lines.append("# prints.")
    lines += ["", f"poll {server.host} with protocol {_PROTOCOLS[server.protocol]}"]
    lines.append(f"    service {server.port}")
    if account.oauth2(server):
        lines += [
            "    # The provider wants OAuth2: fetchmail then needs an access token as password.",
            "    auth oauthbearer",
        ]
    lines.append(f"    user {dq(account.user(server))}")
    if server.security is Security.TLS:
        lines.append("    ssl")
    elif server.security is Security.STARTTLS:
        lines.append("    sslproto 'TLS1.2+'  # STARTTLS, required")
    else:
        lines.append("    # The server offers no encryption: the password would travel in clear.")
    if server.security is not Security.PLAIN:
        lines.append("    sslcertck")
        if account.ca_file is not None:
            lines.append(f"    sslcertfile {dq(account.ca_file)}")
    lines += ["    keep", ""]
    return "\n".join(lines)
