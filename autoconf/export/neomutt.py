"""NeoMutt and Mutt: a muttrc with the IMAP or POP3 folder and the SMTP URL."""

from __future__ import annotations

from urllib.parse import quote

from ..errors import ExportError, ExportFailure
from ..models import Protocol, Security, ServerSettings
from ._common import NO_PASSWORD_NOTE, Account, dq, header, oauth2, password_command

__all__ = ["DESCRIPTION", "MUTT_DESCRIPTION", "render", "render_mutt"]

DESCRIPTION = "NeoMutt: a neomuttrc for the IMAP or POP3 account and SMTP"
MUTT_DESCRIPTION = "Mutt: a muttrc for the IMAP or POP3 account and SMTP"

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
        f"set from = {dq(account.address)}",
        f"set folder = {dq(_url(account, incoming))}",
        'set spoolfile = "+INBOX"' if incoming.protocol is Protocol.IMAP else 'set spoolfile = "+"',
    ]
    if incoming.protocol is Protocol.IMAP:
        lines += ['set record = "+Sent"', 'set postponed = "+Drafts"']
    lines.append(f"set smtp_url = {dq(_url(account, outgoing))}")
    if Security.PLAIN in (incoming.security, outgoing.security):
        lines.append("# A server offers no encryption: the password would travel in clear.")
    else:
        lines.append("set ssl_force_tls = yes")
    if account.ca_file is not None:
        lines.append(f"set certificate_file = {dq(account.ca_file)}")
    command, given = password_command(account)
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
        # A backtick command in a muttrc runs when the file is read.
        lines.append(
            ("" if given else "# ")
            + f"set {_PASS_VARIABLES[server.protocol]} = {dq('`' + command + '`')}"
        )
        if oauth2(server):
            lines += [
                "# The provider wants OAuth2: the command above must print an access token.",
                f'set {_AUTH_VARIABLES[server.protocol]} = "oauthbearer"',
            ]
    lines.append("")
    return "\n".join(lines)


def _url(account: Account, server: ServerSettings) -> str:
    scheme = _SCHEMES[(server.protocol, server.security is Security.TLS)]
    user = quote(account.user(server), safe="")
    return f"{scheme}://{user}@{server.host}:{server.port}/"
