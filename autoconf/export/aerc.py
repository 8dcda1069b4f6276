"""aerc: an account for ``~/.config/aerc/accounts.conf`` (IMAP in, SMTP out)."""

from __future__ import annotations

from urllib.parse import quote

from ..models import Protocol, Security, ServerSettings
from ._common import NO_PASSWORD_NOTE, Account, Reader, header, oauth2, password_command, url_host

__all__ = ["DESCRIPTION", "READER", "render"]

DESCRIPTION = "aerc: an account for ~/.config/aerc/accounts.conf"
# go-ini: no line limit; values are quoted by _value, URLs percent-encode the user name.
READER = Reader()

# aerc's URL schemes: imap:// and smtp:// use STARTTLS; +insecure means no encryption.
_SCHEMES = {
    (Protocol.IMAP, Security.TLS): "imaps",
    (Protocol.IMAP, Security.STARTTLS): "imap",
    (Protocol.IMAP, Security.PLAIN): "imap+insecure",
    (Protocol.SMTP, Security.TLS): "smtps",
    (Protocol.SMTP, Security.STARTTLS): "smtp",
    (Protocol.SMTP, Security.PLAIN): "smtp+insecure",
}


def render(account: Account) -> str:
    incoming = account.need_incoming((Protocol.IMAP,))
    outgoing = account.need_outgoing()
    command, given = password_command(account)
    prefix = "" if given else "# "
    lines = [*header(account, "aerc account"), ""]
    if account.ca_file is not None:
        lines += [
            "# aerc has no setting for a CA file: run it with SSL_CERT_FILE set to",
            f"# {account.ca_file} to trust what discovery trusted.",
        ]
    lines += [
        f"[{account.address}]",
        f"source = {_url(account, incoming)}",
        *([] if given else NO_PASSWORD_NOTE),
        f"{prefix}source-cred-cmd = {_value(command)}",
        f"outgoing = {_url(account, outgoing)}",
        f"{prefix}outgoing-cred-cmd = {_value(command)}",
        "default = INBOX",
        f"from = {_value(account.address)}",
        "copy-to = Sent",
        "",
    ]
    return "\n".join(lines)


def _url(account: Account, server: ServerSettings) -> str:
    scheme = _SCHEMES[(server.protocol, server.security)]
    if oauth2(server):
        # The provider wants OAuth2: the cred-cmd must print an access token.
        scheme = scheme.replace("+insecure", "") + "+oauthbearer"
    user = quote(account.user(server), safe="")
    return f"{scheme}://{user}@{url_host(server.host)}:{server.port}"


def _value(text: str) -> str:
    """``text`` as aerc's INI reader (go-ini) gives it back: it cuts a value at the first
    ``#`` or ``;``, drops blanks around it and takes a leading quote as quoting, so such a
    value goes between backticks, which it returns as written (up to the last backtick of
    the line)."""
    if (
        any(c in text for c in "#;")
        or text.startswith(("'", '"', "`"))
        or text.endswith("\\")
        or text != text.strip()
    ):
        return "`" + text + "`"
    return text
