"""What every format writer shares: the account to write, and the checks a format makes.

Pure: no I/O. A writer gets an :class:`Account` (the chosen servers and the caller's options)
and returns the file's text; it raises :class:`~autoconf.errors.ExportError` when the format
cannot express the account.
"""

from __future__ import annotations

import re
import shlex
import textwrap
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import Enum

from ..address import normalize_domain, normalize_host
from ..errors import ExportError, ExportFailure
from ..models import AuthMethod, Protocol, ProviderInfo, Security, ServerSettings
from ..parsers._ports import security_words

__all__ = [
    "NO_PASSWORD_NOTE",
    "PLACEHOLDER_COMMAND",
    "Account",
    "Kind",
    "Reader",
    "before_you_connect",
    "check_hosts",
    "check_lines",
    "check_values",
    "clean",
    "dq",
    "header",
    "oauth2",
    "password_command",
    "plain_domain",
    "plain_host",
    "shell_path",
    "unsafe",
    "url_host",
]

_PROTOCOL_WORDS = {Protocol.IMAP: "IMAP", Protocol.POP3: "POP3", Protocol.SMTP: "SMTP"}


@dataclass(frozen=True, slots=True)
class Account:
    """One mail account as the writers see it."""

    format: str  # the format being written, for error messages
    address: str
    domain: str
    provider: ProviderInfo | None
    incoming: ServerSettings | None  # the chosen one (default: the recommended one)
    outgoing: ServerSettings | None
    all_incoming: tuple[ServerSettings, ...]  # every one, the chosen first
    all_outgoing: tuple[ServerSettings, ...]
    password_command: str | None = None
    ca_file: str | None = None
    maildir: str | None = None  # where sync tools keep mail; None: ~/Mail/<address>/

    @property
    def name(self) -> str:
        """A short name for the account: the provider's, else the domain."""
        if self.provider is not None:
            for name in (self.provider.display_short_name, self.provider.display_name):
                if name and clean(name):
                    return clean(name)
        return self.domain

    @property
    def mail_folder(self) -> str:
        """The local Maildir folder, with a trailing slash."""
        folder = self.maildir if self.maildir is not None else f"~/Mail/{self.address}"
        return folder if folder.endswith("/") else folder + "/"

    def user(self, server: ServerSettings) -> str:
        """The user name to sign in with: the server's own, else the address."""
        return server.username if server.username else self.address

    def need_incoming(
        self,
        protocols: Collection[Protocol] = (Protocol.IMAP, Protocol.POP3),
        securities: Collection[Security] = tuple(Security),
    ) -> ServerSettings:
        """The chosen incoming server, or ExportError when there is none or the format cannot
        speak its protocol or give it its security."""
        server = self.incoming
        if server is None:
            raise ExportError(
                f"the {self.format} format needs an incoming server, and none was found",
                reason=ExportFailure.NO_INCOMING,
                format=self.format,
            )
        self._check(server, protocols, securities)
        return server

    def need_outgoing(self, securities: Collection[Security] = tuple(Security)) -> ServerSettings:
        """The chosen SMTP server, or ExportError when there is none."""
        server = self.outgoing
        if server is None:
            raise ExportError(
                f"the {self.format} format needs an outgoing (SMTP) server, and none was found",
                reason=ExportFailure.NO_OUTGOING,
                format=self.format,
            )
        self._check(server, (Protocol.SMTP,), securities)
        return server

    def _check(
        self,
        server: ServerSettings,
        protocols: Collection[Protocol],
        securities: Collection[Security],
    ) -> None:
        if server.protocol not in protocols:
            spoken = " and ".join(_PROTOCOL_WORDS[p] for p in protocols)
            raise ExportError(
                f"{self.format} speaks only {spoken}, but the incoming server "
                f"{server.host} is {_PROTOCOL_WORDS[server.protocol]}",
                reason=ExportFailure.PROTOCOL,
                format=self.format,
            )
        if server.security not in securities:
            raise ExportError(
                f"{self.format} cannot connect to {server.host} port {server.port} with "
                f"{security_words(server.security)}; choose a server with implicit TLS",
                reason=ExportFailure.SECURITY,
                format=self.format,
            )


# Unicode categories no configuration value may hold: controls (line breaks, NUL, ESC),
# format characters (bidi overrides), line and paragraph separators, lone surrogates.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def _noncharacter(c: str) -> bool:
    """U+FDD0..U+FDEF and the last two code points of every plane (U+FFFE, U+FFFF, ...):
    never text, and XML 1.0 (Thunderbird, Autodiscover, the plist) cannot hold U+FFFE/U+FFFF."""
    code = ord(c)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def unsafe(text: str) -> bool:
    """``text`` holds a character that could end a line, hide what follows it, or make an XML
    file ill-formed."""
    return any(unicodedata.category(c) in _UNSAFE_CATEGORIES or _noncharacter(c) for c in text)


def clean(text: str) -> str:
    """A display name with the unsafe characters dropped, for comments and descriptions."""
    return "".join(
        c
        for c in text
        if unicodedata.category(c) not in _UNSAFE_CATEGORIES and not _noncharacter(c)
    ).strip()


class Kind(Enum):
    """What a value is to a format's reader: the rules of :class:`Reader` apply by kind."""

    TEXT = "text"  # an address, a password command: always written quoted or in a comment
    USER = "user"  # a user name, written as a value of its own
    PATH = "path"  # a file or folder name, written as a value of its own


@dataclass(frozen=True, slots=True)
class Reader:
    """What one format's reader takes back exactly as written: the rules :func:`check_values`
    and :func:`check_lines` hold every value and every line to (a writer quotes by these
    rules, so what passes reads back unchanged). Every format also gets the rules all share:
    no unsafe character (:func:`unsafe`) in any value, only plain host names as hosts."""

    max_line: int | None = None
    """The longest line it reads, in UTF-8 bytes without the line break (msmtp 499, isync
    1.4's mbsync 1021); None: no limit."""
    trims: bool = False
    """It strips blanks around a value (INI readers: getmail, OfflineIMAP): a user name or
    path must not begin or end with one."""
    quotes: str = ""
    """Its quote characters, with no escape for them (fetchmail's ``"`` and ``'``): a user
    name or path holding every one of them cannot be written."""
    shortcuts: str = ""
    """Characters it replaces at the start of a path (NeoMutt's and Mutt's mailbox shortcuts:
    ``+x`` and ``=x`` are in the folder, ``!`` the spool file): a path beginning with one is
    refused."""
    expands: bool = False
    """It expands ``$NAME`` and ``${NAME}`` in paths (getmail's ``os.path.expandvars``): a
    path holding either is refused."""


def check_values(
    format: str, reader: Reader, values: Iterable[tuple[str, str | None, Kind]]
) -> None:
    """ExportError (``unsafe-value``) naming the first value ``reader`` cannot take back."""
    for what, value, kind in values:
        if value is None:
            continue
        problem = _problem(reader, value, kind)
        if problem is not None:
            raise ExportError(
                f"the {what} {value!r} {problem}; {format} files cannot carry it safely, "
                "so nothing was written",
                reason=ExportFailure.UNSAFE_VALUE,
                format=format,
            )


# What os.path.expandvars replaces (a $ before anything else stays as it is).
_EXPANDED = re.compile(r"\$(\w|\{)", re.ASCII)


def _problem(reader: Reader, value: str, kind: Kind) -> str | None:
    """Why ``reader`` cannot take ``value`` back as it is, or None."""
    if unsafe(value):
        return "holds a control character or a noncharacter"
    if kind is Kind.TEXT:
        return None
    if reader.trims and value != value.strip():
        return "begins or ends with a blank, which the reader drops"
    if reader.quotes and all(q in value for q in reader.quotes):
        return f"holds every quote character the reader knows ({reader.quotes})"
    if kind is Kind.PATH and value[:1] and value[0] in reader.shortcuts:
        return f"begins with {value[0]}, which the reader replaces by a folder of its own"
    if reader.expands and kind is Kind.PATH and _EXPANDED.search(value):
        return "holds $NAME or ${NAME}, which the reader replaces by an environment variable"
    return None


def check_lines(format: str, reader: Reader, text: str) -> str:
    """``text`` when every line fits ``reader``'s line limit, else ExportError
    (``unsafe-value``): a reader that cuts or refuses a long line would read other settings."""
    if reader.max_line is not None:
        for number, line in enumerate(text.splitlines(), 1):
            if len(line.encode("utf-8")) > reader.max_line:
                raise ExportError(
                    f"line {number} would be longer than the {reader.max_line} bytes {format} "
                    "reads in one line (a long user name, path or command); nothing was written",
                    reason=ExportFailure.UNSAFE_VALUE,
                    format=format,
                )
    return text


def plain_host(name: str) -> bool:
    """``name`` is a host name (or IP address) as the library writes them: IDNA ASCII."""
    try:
        return normalize_host(name) == name.lower()
    except ValueError:
        return False


def plain_domain(name: str) -> bool:
    """``name`` is a domain name (not an IP address) as the library writes them."""
    try:
        return normalize_domain(name) == name.lower()
    except ValueError:
        return False


def check_hosts(format: str, names: Iterable[tuple[str, str]]) -> None:
    """ExportError (``unsafe-value``) naming the first server or domain name that is not a
    plain host name (the library's one host rule): files write them unquoted (msmtp ``host``,
    zone lines), so a name with a space, quote, line break or zone id could add settings or
    records of its own."""
    for what, name in names:
        if not plain_host(name):
            raise ExportError(
                f"the {what} {name!r} is not a plain host name; {format} files cannot "
                "carry it safely, so nothing was written",
                reason=ExportFailure.UNSAFE_VALUE,
                format=format,
            )


def oauth2(server: ServerSettings) -> bool:
    """The provider wants OAuth2 for this server (its first authentication method)."""
    return bool(server.auth) and server.auth[0] is AuthMethod.OAUTH2


def dq(text: str) -> str:
    """``text`` in double quotes, with backslash and double quote escaped (msmtp, mbsync,
    muttrc, getmail tuples all read this)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def header(account: Account, what: str) -> list[str]:
    """The opening comment lines: what the file is, where it came from, and what the provider
    says users must do before signing in (the bundled databases' hints)."""
    return [
        f"# {what} for {account.address}, written by mail-autoconf.",
        "# Check it before use; the password is never written here.",
        *before_you_connect(account.provider),
    ]


def before_you_connect(provider: ProviderInfo | None) -> list[str]:
    """Comment lines with the provider's steps before signing in (an app password, enabling
    IMAP), each hint on comment lines of its own, control characters dropped."""
    if provider is None:
        return []
    said = []
    if provider.app_password_required:
        said.append("Sign in with an app password made in the account's settings.")
    for hint in (provider.before_login_hint, provider.after_login_hint):
        if hint and clean(hint):
            said.append(" ".join(clean(line) for line in hint.splitlines()).strip())
    if not said:
        return []
    lines = ["# Before you connect (the provider's notes):"]
    for text in said:
        lines += textwrap.wrap(text, 88, initial_indent="#   ", subsequent_indent="#   ")
    return lines


# Written where no password command was given, above the commented-out placeholder line.
NO_PASSWORD_NOTE = (
    "# No password command was given (--password-command CMD): the line below is",
    "# a placeholder; uncomment it and put in a command that prints the password.",
)


PLACEHOLDER_COMMAND = "pass show email/{address}"


def password_command(account: Account) -> tuple[str, bool]:
    """The command that prints the password, and whether it is the caller's (False: ours,
    a placeholder to be replaced)."""
    if account.password_command is not None:
        return account.password_command, True
    # Quoted for the shell: an address may hold ` $ & | ; (all allowed before the '@').
    return PLACEHOLDER_COMMAND.format(address=shlex.quote(account.address)), False


def url_host(host: str) -> str:
    """``host`` as a URL writes it: an IPv6 address in brackets."""
    return f"[{host}]" if ":" in host else host


def shell_path(path: str) -> str:
    """``path`` quoted for a shell command line, a leading ``~/`` left for the shell."""
    if path.startswith("~/"):
        return "~/" + shlex.quote(path[2:])
    return shlex.quote(path)
