"""fetchmail: a poll entry for ``~/.fetchmailrc`` (IMAP or POP3)."""

from __future__ import annotations

from ..errors import ExportError, ExportFailure
from ..models import AuthMethod, Protocol, Security, ServerSettings
from ._common import Account, Reader, header, oauth2

__all__ = ["DESCRIPTION", "READER", "fq", "render"]

DESCRIPTION = "fetchmail: a poll entry for ~/.fetchmailrc (IMAP or POP3)"
# fetchmail's lexer takes a string between double quotes or between single quotes, each up to
# the next quote of its kind (no escape for it), then reads C escapes inside (\\ is one
# backslash): a value holding both quote characters cannot be written (fq).
READER = Reader(quotes="\"'")

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
    host = fq(server.host) if ":" in server.host else server.host  # an IPv6 address: quoted
    lines += ["", f"poll {host} with protocol {_PROTOCOLS[server.protocol]}"]
    lines.append(f"    service {server.port}")
    lines += _auth(account, server)
    lines.append(f"    user {fq(account.user(server))}")
    if server.security is Security.TLS:
        lines.append("    ssl")
    elif server.security is Security.STARTTLS:
        lines.append("    sslproto 'TLS1.2+'  # STARTTLS, required")
    else:
        lines.append("    # The server offers no encryption: the password would travel in clear.")
    if server.security is not Security.PLAIN:
        lines.append("    sslcertck")
        if account.ca_file is not None:
            lines.append(f"    sslcertfile {fq(account.ca_file)}")
    lines += ["    keep", ""]
    return "\n".join(lines)


def _auth(account: Account, server: ServerSettings) -> list[str]:
    """Comment lines for a provider that wants OAuth2, which fetchmail 6.4 (Debian 12's)
    cannot do: it stops at ``auth oauthbearer`` as a syntax error. With another method also
    taken the entry signs in with it (fetchmail's ``auth any``); a server that takes OAuth2
    only cannot be written."""
    if not oauth2(server):
        return []
    if all(m is AuthMethod.OAUTH2 for m in server.auth):
        raise ExportError(
            f"{server.host} takes only OAuth2 sign-in, which fetchmail 6.4 cannot do "
            "(its files stop at 'auth oauthbearer'); choose another format",
            reason=ExportFailure.AUTH,
            format=account.format,
        )
    return [
        "    # The provider prefers OAuth2, which fetchmail 6.4 cannot use (6.5 and later",
        "    # know 'auth oauthbearer'): this entry signs in with the password.",
    ]


def fq(text: str) -> str:
    """``text`` as fetchmail's lexer reads a string back: between double quotes (single ones
    when it holds a double quote), every backslash doubled. The one check refuses a value
    holding both quote characters before a writer gets it (:data:`READER`)."""
    quote = "'" if '"' in text else '"'
    return quote + text.replace("\\", "\\\\") + quote
