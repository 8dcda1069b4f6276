"""msmtp: one account for ``~/.msmtprc`` (send only, SMTP)."""

from __future__ import annotations

from ..models import AuthMethod, Security
from ._common import NO_PASSWORD_NOTE, Account, Reader, header, oauth2, password_command

__all__ = ["DESCRIPTION", "READER", "render"]

DESCRIPTION = "msmtp: an account for ~/.msmtprc (sending mail)"
# msmtp refuses a line of 500 characters or more ("line longer than 500 characters": 499
# bytes and the line break are read, measured with msmtp 1.8.23) and takes an argument in
# double quotes by dropping the outer pair only: a backslash stays a backslash (_quoted).
READER = Reader(max_line=499)


def render(account: Account) -> str:
    server = account.need_outgoing()
    lines = [*header(account, "msmtp account"), "", "defaults", "logfile -", ""]
    lines += [
        f"account {account.address}",
        f"host {server.host}",
        f"port {server.port}",
        f"from {account.address}",
    ]
    lines += _tls(account, server.security)
    if server.auth and server.auth[0] is AuthMethod.NONE:
        lines.append("auth off")
    else:
        if oauth2(server):
            lines += [
                "# The provider wants OAuth2: the command below must print an access token.",
                "auth oauthbearer",
            ]
        else:
            lines.append("auth on")
        lines.append(f"user {_quoted(account.user(server))}")
        command, given = password_command(account)
        if not given:
            lines += NO_PASSWORD_NOTE
        lines.append(("" if given else "# ") + f"passwordeval {_quoted(command)}")
    lines += ["", f"account default : {account.address}", ""]
    return "\n".join(lines)


def _tls(account: Account, security: Security) -> list[str]:
    if security is Security.PLAIN:
        return ["# The server offers no encryption: the password would travel in clear.", "tls off"]
    lines = ["tls on", f"tls_starttls {'on' if security is Security.STARTTLS else 'off'}"]
    if account.ca_file is not None:
        lines.append(f"tls_trust_file {_quoted(account.ca_file)}")
    # Without it msmtp trusts the system's CA certificates.
    return lines


def _quoted(text: str) -> str:
    """``text`` as msmtp reads an argument back: in double quotes, which msmtp drops, and
    nothing escaped (msmtp has no escapes: ``\\"`` would be read as two characters)."""
    return f'"{text}"'
