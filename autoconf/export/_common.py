"""What every format writer shares: the account to write, and the checks a format makes.

Pure: no I/O. A writer gets an :class:`Account` (the chosen servers and the caller's options)
and returns the file's text; it raises :class:`~autoconf.errors.ExportError` when the format
cannot express the account.
"""

from __future__ import annotations

import shlex
import textwrap
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from ..address import normalize_host
from ..errors import ExportError, ExportFailure
from ..hints import general_hints
from ..models import AuthMethod, Protocol, ProviderInfo, Security, ServerSettings, SignIn
from ..parsers._ports import security_words

__all__ = [
    "NO_PASSWORD_NOTE",
    "PLACEHOLDER_COMMAND",
    "Account",
    "before_you_connect",
    "check_hosts",
    "check_safe",
    "clean",
    "dq",
    "header",
    "password_command",
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
    sign_in: SignIn | None = None  # how the file signs in; None: by each server's first method

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

    def oauth2(self, server: ServerSettings) -> bool:
        """The file signs in to ``server`` with OAuth2: the sign-in chosen is OAuth2 and the
        server offers it (without a choice: the server's first method is OAuth2)."""
        if self.sign_in is None:
            return bool(server.auth) and server.auth[0] is AuthMethod.OAUTH2
        return self.sign_in is SignIn.OAUTH2 and AuthMethod.OAUTH2 in server.auth

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
# format characters (bidi overrides), line and paragraph separators.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def unsafe(text: str) -> bool:
    """``text`` holds a character that could end a line or hide what follows it."""
    return any(unicodedata.category(c) in _UNSAFE_CATEGORIES for c in text)


def clean(text: str) -> str:
    """A display name with the unsafe characters dropped, for comments and descriptions."""
    return "".join(c for c in text if unicodedata.category(c) not in _UNSAFE_CATEGORIES).strip()


def check_safe(format: str, values: Iterable[tuple[str, str | None]]) -> None:
    """ExportError (``unsafe-value``) naming the first value that is unsafe to write."""
    for what, value in values:
        if value is not None and unsafe(value):
            raise ExportError(
                f"the {what} {value!r} holds a control character; {format} files cannot "
                "carry it safely, so nothing was written",
                reason=ExportFailure.UNSAFE_VALUE,
                format=format,
            )


def plain_host(name: str) -> bool:
    """``name`` is a host name (or IP address) as the library writes them: IDNA ASCII."""
    try:
        return normalize_host(name) == name.lower()
    except ValueError:
        return False


def check_hosts(format: str, names: Iterable[tuple[str, str]]) -> None:
    """ExportError (``unsafe-value``) naming the first server or domain name that is not a
    plain host name: files write them unquoted (msmtp ``host``, zone lines), so a name with a
    space, quote or line break could add settings or records of its own."""
    for what, name in names:
        if not plain_host(name):
            raise ExportError(
                f"the {what} {name!r} is not a plain host name; {format} files cannot "
                "carry it safely, so nothing was written",
                reason=ExportFailure.UNSAFE_VALUE,
                format=format,
            )


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
        *before_you_connect(account.provider, account.sign_in),
    ]


_SIGN_IN_WORDS = {
    SignIn.APP_PASSWORD: "Sign in with an app password made in the account's settings.",
    SignIn.PASSWORD_AFTER_ENABLING: "Enable IMAP (or POP3) in the account's settings first.",
}


def before_you_connect(provider: ProviderInfo | None, sign_in: SignIn | None = None) -> list[str]:
    """Comment lines with how this file signs in and the provider's steps before signing in
    (the hints fit for every client, marked with their language), each on comment lines of
    its own, control characters dropped."""
    if provider is None:
        return []
    said = []
    if sign_in is None and provider.app_password_required:
        sign_in = SignIn.APP_PASSWORD
    if sign_in in _SIGN_IN_WORDS:
        said.append(_SIGN_IN_WORDS[sign_in])
    # The databases' hints are about signing in with a password; a file written for OAuth2
    # signs in on the provider's page, where they would only contradict it.
    hints = [] if sign_in is SignIn.OAUTH2 else general_hints(provider)
    for hint in hints:
        text = clean(hint.text)
        if text:
            said.append(f"(in {hint.language}) {text}" if hint.language else text)
    if not said:
        return []
    source = provider.hints_database.value if hints and provider.hints_database else None
    lines = [
        "# Before you connect (the provider's notes"
        + (f"; hints from the {source} provider database):" if source else "):")
    ]
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
