"""OfflineIMAP: an account with an IMAP and a Maildir repository for ``~/.offlineimaprc``."""

from __future__ import annotations

from ..models import Protocol, Security
from ._common import NO_PASSWORD_NOTE, Account, Reader, header, oauth2, password_command

__all__ = ["DESCRIPTION", "READER", "pc", "render"]

DESCRIPTION = "OfflineIMAP: ~/.offlineimaprc syncing IMAP into a local Maildir"
# configparser: values unquoted, blanks around them dropped, % interpolated (pc).
READER = Reader(trims=True)


def render(account: Account) -> str:
    server = account.need_incoming((Protocol.IMAP,))
    name = account.address  # section names are read as written; values interpolated (pc)
    lines = [*header(account, "OfflineIMAP configuration"), ""]
    lines += ["[general]", f"accounts = {pc(name)}", ""]
    lines += [
        f"[Account {name}]",
        f"localrepository = {pc(name)}-local",
        f"remoterepository = {pc(name)}-remote",
        "",
        f"[Repository {name}-local]",
        "type = Maildir",
        f"localfolders = {pc(account.mail_folder)}",
        "",
        f"[Repository {name}-remote]",
        "type = IMAP",
        f"remotehost = {server.host}",
        f"remoteport = {server.port}",
        f"remoteuser = {pc(account.user(server))}",
    ]
    command, given = password_command(account)
    if not given:
        lines += NO_PASSWORD_NOTE
    # remotepasseval is a Python expression: run the command, take its first line.
    expression = (
        '__import__("subprocess").run(' + repr(command) + ", shell=True, check=True, "
        "capture_output=True, text=True).stdout.splitlines()[0]"
    )
    lines.append(("" if given else "# ") + f"remotepasseval = {pc(expression)}")
    lines += _tls(account, server.security)
    if oauth2(server):
        lines += [
            "# The provider wants OAuth2: set oauth2_client_id, oauth2_client_secret,",
            "# oauth2_request_url and oauth2_refresh_token for it.",
            "auth_mechanisms = XOAUTH2",
        ]
    lines.append("")
    return "\n".join(lines)


def _tls(account: Account, security: Security) -> list[str]:
    if security is Security.PLAIN:
        return [
            "# The server offers no encryption: the password would travel in clear.",
            "ssl = no",
            "starttls = no",
        ]
    lines = (
        ["ssl = yes", "starttls = no"]
        if security is Security.TLS
        else ["ssl = no", "starttls = yes"]
    )
    if account.ca_file is not None:
        lines.append(f"sslcacertfile = {pc(account.ca_file)}")
    else:
        lines.append("sslcacertfile = OS-DEFAULT")
    return lines


def pc(value: str) -> str:
    """``value`` as OfflineIMAP's configparser reads it back: it interpolates ``%(name)s``,
    so a ``%`` (allowed in addresses, user names, commands) is written ``%%``."""
    return value.replace("%", "%%")
