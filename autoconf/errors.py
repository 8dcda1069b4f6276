"""The one exception tree of mail-autoconf.

::

    AutoconfError                       root: catch this to catch everything we raise
    ├── InvalidAddress (ValueError)     the email address cannot be used; ``kind`` is an
    │                                   :class:`AddressFailure`
    ├── OptionsError (ValueError)       contradictory or malformed Options / CLI values
    │   └── SessionClosed               a Session used after aclose()
    ├── ParseError (ValueError)         a document (XML, DNS answer) is unusable
    ├── ExportError (ValueError)        a file format cannot express the settings; ``reason``
    │                                   is an :class:`ExportFailure`
    └── NetworkError (OSError)          I/O failed; raised inside sources and probes only
        ├── DeadlineExceeded (TimeoutError)
        ├── DnsError                    a DNS look-up failed; ``kind`` is a :class:`DnsFailure`
        │   ├── HostNotFound            the name has no address (NXDOMAIN, no A/AAAA)
        │   └── DnsTimeout (DeadlineExceeded)
        ├── TLSError                    handshake or certificate verification failed
        └── FetchError                  an HTTP answer or a connection we refuse; ``kind`` is a
                                        :class:`FetchFailure`, ``status`` the HTTP status

Code decides on the ``kind`` enums and fields, never on the wording of a message: messages
are for people (and are cut to :data:`MAX_MESSAGE_CHARS`, so an error built from a thousand
parts stays readable).

Leaves also inherit the builtin they resemble, so ``except ValueError`` keeps working for
callers that do not know this package. ``discover()`` lets only :class:`InvalidAddress` (and
:class:`OptionsError` for bad options) escape; every network failure becomes a
``SourceAttempt`` with a status instead.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "MAX_MESSAGE_CHARS",
    "AddressFailure",
    "AutoconfError",
    "DeadlineExceeded",
    "DnsError",
    "DnsFailure",
    "DnsTimeout",
    "ExportError",
    "ExportFailure",
    "FetchError",
    "FetchFailure",
    "HostNotFound",
    "InvalidAddress",
    "NetworkError",
    "OptionsError",
    "ParseError",
    "SessionClosed",
    "TLSError",
    "bounded",
]

# Characters of one error message at most: enough for a person, never 64 KB of addresses.
MAX_MESSAGE_CHARS = 500


def bounded(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` cut to at most ``limit`` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class FetchFailure(StrEnum):
    """Why an HTTP fetch was refused (the ``kind`` of a :class:`FetchError`)."""

    HTTP_STATUS = "http-status"  # a status other than 2xx (see ``status``)
    TOO_LARGE = "too-large"  # the body is over the byte cap
    DECODING = "decoding"  # a content coding we refuse (stacked, unknown) or corrupt data
    REDIRECT_REFUSED = "redirect-refused"  # downgrade, loop, bad scheme, too many, no Location
    BLOCKED = "blocked"  # the host resolves only to addresses the address policy refuses


class DnsFailure(StrEnum):
    """Why a DNS look-up failed (the ``kind`` of a :class:`DnsError`)."""

    NXDOMAIN = "nxdomain"  # the name does not exist
    NO_ANSWER = "no-answer"  # the name exists but has no record of the type asked for
    TIMEOUT = "timeout"  # no answer within the limit
    SERVFAIL = "servfail"  # every nameserver failed or refused
    BOGUS = "dnssec-bogus"  # an answer DNSSEC proves forged or broken: never used
    ERROR = "error"  # anything else dnspython or the system resolver reported


class AddressFailure(StrEnum):
    """Why a text is not a usable email address (the ``kind`` of an :class:`InvalidAddress`).

    An app translates these codes into its own language; the error's message is English.
    """

    NOT_TEXT = "not-text"  # not a str at all
    NOT_UTF8 = "not-utf8"  # holds a lone surrogate (an undecodable byte of the command line)
    EMPTY = "empty"  # nothing, or only white space
    SPACE = "space"  # white space inside the address
    NO_AT = "no-at"  # no '@' between the name and the domain
    MANY_AT = "many-at"  # more than one '@'
    BAD_LOCAL_PART = "bad-local-part"  # the part before '@' is empty, or has a bad character or dot
    BAD_DOMAIN = "bad-domain"  # the domain is empty, an IP address, or not a valid host name
    TOO_LONG = "too-long"  # the local part, the domain or one of its labels is too long
    OTHER = "other"  # raised by code outside this package without a kind


class AutoconfError(Exception):
    """Root of every exception this package raises on purpose."""


class InvalidAddress(AutoconfError, ValueError):
    """The text given is not an email address we can discover settings for.

    ``kind`` (an :class:`AddressFailure`) is for code to decide on; ``reason`` says the same
    in an English sentence, for people.
    """

    def __init__(
        self, address: str, reason: str, *, kind: AddressFailure = AddressFailure.OTHER
    ) -> None:
        self.address = address
        self.reason = reason
        self.kind = kind
        super().__init__(f"invalid email address {address!r}: {reason}")


class OptionsError(AutoconfError, ValueError):
    """An option has a value that cannot work (bad nameserver, unreadable CA file, …)."""


class SessionClosed(OptionsError):
    """A :class:`~autoconf.Session` was used after ``aclose()``: it builds no new network."""


class ParseError(AutoconfError, ValueError):
    """A document could not be turned into settings.

    ``reason`` is a short human sentence; ``where`` names the element, line or record when
    known; ``source`` names the document (file name or URL) when the caller passed one.
    """

    def __init__(self, reason: str, *, where: str | None = None, source: str | None = None) -> None:
        self.reason = reason
        self.where = where
        self.source = source
        text = reason if where is None else f"{reason} (at {where})"
        if source is not None:
            text = f"{source}: {text}"
        super().__init__(text)


class NetworkError(AutoconfError, OSError):
    """A network operation failed. Carries the host/port or URL it concerned when known."""

    def __init__(
        self,
        message: str,
        *,
        host: str | None = None,
        port: int | None = None,
        url: str | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.url = url
        super().__init__(bounded(message))

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class DeadlineExceeded(NetworkError, TimeoutError):
    """A phase limit or the overall deadline ran out."""


class DnsError(NetworkError):
    """A DNS look-up failed; ``kind`` says how."""

    def __init__(
        self, message: str, *, kind: DnsFailure = DnsFailure.ERROR, host: str | None = None
    ) -> None:
        self.kind = kind
        super().__init__(message, host=host)


class HostNotFound(DnsError):
    """The host name does not exist or has no address: nothing is published there."""

    def __init__(
        self,
        message: str,
        *,
        kind: DnsFailure = DnsFailure.NXDOMAIN,
        host: str | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(message, kind=kind, host=host)
        self.url = url


class DnsTimeout(DnsError, DeadlineExceeded):
    """No DNS answer within the limit (a :class:`DeadlineExceeded` too)."""

    def __init__(self, message: str, *, host: str | None = None) -> None:
        super().__init__(message, kind=DnsFailure.TIMEOUT, host=host)


class TLSError(NetworkError):
    """TLS could not be established or the certificate was refused.

    ``kind`` is one of ``hostname-mismatch``, ``expired``, ``self-signed``, ``untrusted``,
    ``handshake`` when known.
    """

    def __init__(self, message: str, *, kind: str = "handshake", **where: object) -> None:
        self.kind = kind
        super().__init__(message, **where)  # type: ignore[arg-type]


class FetchError(NetworkError):
    """An HTTP answer we refuse: bad status, too large, bad coding, a forbidden redirect, or a
    host whose addresses the address policy blocks. ``status`` is the HTTP status when an
    answer came."""

    def __init__(
        self,
        message: str,
        *,
        kind: FetchFailure,
        status: int | None = None,
        host: str | None = None,
        url: str | None = None,
    ) -> None:
        self.kind = kind
        self.status = status
        super().__init__(message, host=host, url=url)


class ExportFailure(StrEnum):
    """Why settings could not be written in a file format (the ``reason`` of an ExportError)."""

    UNKNOWN_FORMAT = "unknown-format"  # no format of that name
    NO_INCOMING = "no-incoming"  # the format needs an incoming server and there is none
    NO_OUTGOING = "no-outgoing"  # the format needs an SMTP server and there is none
    PROTOCOL = "protocol"  # the format cannot speak the server's protocol (POP3 for mbsync)
    SECURITY = "security"  # the format cannot secure the connection as the server needs
    NOT_IN_RESULT = "not-in-result"  # the chosen server is not one of the result's
    # A value (user name, command, path) holds a control character (a line break, ...) that
    # would let it write settings of its own into the file.
    UNSAFE_VALUE = "unsafe-value"
    # The format's client cannot sign in as the server requires (OAuth2 only, in fetchmail 6.4).
    AUTH = "auth"


class ExportError(AutoconfError, ValueError):
    """A file format cannot express the settings; ``reason`` says why, ``format`` names it."""

    def __init__(self, message: str, *, reason: ExportFailure, format: str) -> None:
        self.reason = reason
        self.format = format
        super().__init__(bounded(message))
