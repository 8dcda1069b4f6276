"""NeoMutt and Mutt: a muttrc with the IMAP or POP3 folder and the SMTP URL."""

from __future__ import annotations

from urllib.parse import quote

from ..errors import ExportError, ExportFailure
from ..models import Protocol, Security, ServerSettings
from ._common import (
    NO_PASSWORD_NOTE,
    PLACEHOLDER_COMMAND,
    Account,
    Reader,
    header,
    oauth2,
    password_command,
    url_host,
)

__all__ = ["DESCRIPTION", "MUTT_DESCRIPTION", "READER", "mq", "render", "render_mutt"]

DESCRIPTION = "NeoMutt: a neomuttrc for the IMAP or POP3 account and SMTP"
MUTT_DESCRIPTION = "Mutt: a muttrc for the IMAP or POP3 account and SMTP"
# muttrc lines have no length limit; values are quoted by mq (backslash, quote, ` and $); a
# path variable (certificate_file) expands a leading mailbox shortcut (measured, NeoMutt 2022).
READER = Reader(shortcuts="+=!@-<>^")

_SCHEMES = {
    (Protocol.IMAP, True): "imaps",
    (Protocol.IMAP, False): "imap",
    (Protocol.POP3, True): "pops",
    (Protocol.POP3, False): "pop",
    (Protocol.SMTP, True): "smtps",
    (Protocol.SMTP, False): "smtp",
}
_PASS_VARIABLES = {
    Protocol.IMAP: "imap_pass",
    Protocol.POP3: "pop_pass",
    Protocol.SMTP: "smtp_pass",
}
# With OAUTHBEARER (Mutt 1.11+, NeoMutt) the token comes from these commands, not *_pass.
_OAUTH_VARIABLES = {
    Protocol.IMAP: "imap_oauth_refresh_command",
    Protocol.POP3: "pop_oauth_refresh_command",
    Protocol.SMTP: "smtp_oauth_refresh_command",
}
_AUTH_VARIABLES = {
    Protocol.IMAP: "imap_authenticators",
    Protocol.POP3: "pop_authenticators",
    Protocol.SMTP: "smtp_authenticators",
}


def render(account: Account) -> str:
    return _render(account, "NeoMutt configuration (neomuttrc)")


def render_mutt(account: Account) -> str:
    return _render(account, "Mutt configuration (muttrc)")


def _render(account: Account, what: str) -> str:
    incoming = account.need_incoming()
    outgoing = account.need_outgoing()
    lines = [*header(account, what), ""]
    lines += [
        f"set from = {mq(account.address)}",
        f"set folder = {mq(_url(account, incoming))}",
        'set spoolfile = "+INBOX"' if incoming.protocol is Protocol.IMAP else 'set spoolfile = "+"',
    ]
    if incoming.protocol is Protocol.IMAP:
        lines += ['set record = "+Sent"', 'set postponed = "+Drafts"']
    lines.append(f"set smtp_url = {mq(_url(account, outgoing))}")
    if Security.PLAIN in (incoming.security, outgoing.security):
        lines.append("# A server offers no encryption: the password would travel in clear.")
    else:
        lines.append("set ssl_force_tls = yes")
    if account.ca_file is not None:
        lines.append(f"set certificate_file = {mq(account.ca_file)}")
    command, given = password_command(account)
    if "`" in command and not given:  # the address in our placeholder: leave it out
        command = PLACEHOLDER_COMMAND.format(address="ADDRESS")
    if "`" in command:
        raise ExportError(
            f"the password command {command!r} holds a backtick, which ends the backtick "
            "command a muttrc runs; wrap it in a script",
            reason=ExportFailure.UNSAFE_VALUE,
            format=account.format,
        )
    if not given:
        lines += NO_PASSWORD_NOTE
    for server in (incoming, outgoing):
        lines += _password(server, command, given)
    lines.append("")
    return "\n".join(lines)


def _password(server: ServerSettings, command: str, given: bool) -> list[str]:
    """The password's lines for one server: a backtick command, run when the file is read;
    for OAuth2 the refresh command the client runs for each sign-in."""
    prefix = "" if given else "# "
    if not oauth2(server):
        # In "`...`" NeoMutt unescapes the command and expands its own $variables before a
        # shell runs it (measured, NeoMutt 2022): escaped as mq does, a $ reaches the shell.
        backticked = '"`' + mq(command)[1:-1] + '`"'
        return [f"{prefix}set {_PASS_VARIABLES[server.protocol]} = {backticked}"]
    return [
        "# The provider wants OAuth2: the command below must print an access token.",
        f"{prefix}set {_OAUTH_VARIABLES[server.protocol]} = {mq(command)}",
        f'set {_AUTH_VARIABLES[server.protocol]} = "oauthbearer"',
    ]


def mq(text: str) -> str:
    """``text`` in a muttrc's double quotes, taken literally: there a backtick runs a command
    and ``$`` names a variable, so both are escaped as well (an address may hold either)."""
    return '"' + "".join("\\" + c if c in '\\"`$' else c for c in text) + '"'


def _url(account: Account, server: ServerSettings) -> str:
    scheme = _SCHEMES[(server.protocol, server.security is Security.TLS)]
    user = quote(account.user(server), safe="")
    return f"{scheme}://{user}@{url_host(server.host)}:{server.port}/"
