"""mbsync (isync): IMAPAccount, IMAPStore, MaildirStore and Channel for ``~/.mbsyncrc``."""

from __future__ import annotations

import re

from ..models import Protocol, Security
from ._common import (
    NO_PASSWORD_NOTE,
    Account,
    Reader,
    dq,
    header,
    oauth2,
    password_command,
    shell_path,
)

__all__ = ["DESCRIPTION", "READER", "render"]

DESCRIPTION = "mbsync (isync): ~/.mbsyncrc syncing IMAP into a local Maildir"
# isync 1.4 reads a line into a 1024-byte buffer: a longer one is cut, and its rest read as a
# line of its own (measured: 1021 bytes read whole, 1022 not). Values are quoted by dq.
READER = Reader(max_line=1021)

# isync 1.4 spells it SSLType (1.5 also reads it, as the old name of TLSType).
_PLAIN = re.compile(r"[A-Za-z0-9@._+=%~/:-]+")
_SSL_TYPE = {Security.TLS: "IMAPS", Security.STARTTLS: "STARTTLS", Security.PLAIN: "None"}


def render(account: Account) -> str:
    server = account.need_incoming((Protocol.IMAP,))
    name = account.address
    folder = account.mail_folder
    lines = [*header(account, "mbsync (isync) configuration"), ""]
    lines += [
        f"IMAPAccount {_word(name)}",
        f"Host {server.host}",
        f"Port {server.port}",
        f"User {dq(account.user(server))}",
    ]
    command, given = password_command(account)
    if not given:
        lines += NO_PASSWORD_NOTE
    lines.append(("" if given else "# ") + f"PassCmd {dq(command)}")
    if server.security is Security.PLAIN:
        lines.append("# The server offers no encryption: the password would travel in clear.")
    lines.append(f"SSLType {_SSL_TYPE[server.security]}")
    if account.ca_file is not None and server.security is not Security.PLAIN:
        lines.append(f"CertificateFile {dq(account.ca_file)}")
    if oauth2(server):
        lines += [
            "# The provider wants OAuth2: PassCmd must print an access token (and isync needs",
            "# its XOAUTH2 SASL plug-in, e.g. cyrus-sasl-xoauth2).",
            "AuthMechs XOAUTH2",
        ]
    lines += [
        "",
        f"IMAPStore {_word(name + '-remote')}",
        f"Account {_word(name)}",
        "",
        f"# mbsync does not create this folder: mkdir -p {shell_path(folder)} first.",
        f"MaildirStore {_word(name + '-local')}",
        f"Path {dq(folder)}",
        f"Inbox {dq(folder + 'INBOX')}",
        "SubFolders Verbatim",
        "",
        f"Channel {_word(name)}",
        f"Far {_word(':' + name + '-remote:')}",
        f"Near {_word(':' + name + '-local:')}",
        "Patterns *",
        "Create Near",
        "SyncState *",
        "",
    ]
    return "\n".join(lines)


def _word(text: str) -> str:
    """A name as mbsync reads one word: as it is when plain, else in double quotes (an
    address may begin with ``#``, which would make the rest of the line a comment)."""
    return text if _PLAIN.fullmatch(text) else dq(text)
