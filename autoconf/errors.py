"""The one exception tree of mail-autoconf.

::

    AutoconfError                       root: catch this to catch everything we raise
    ├── InvalidAddress (ValueError)     the email address cannot be used
    ├── OptionsError (ValueError)       contradictory or malformed Options / CLI values
    ├── ParseError (ValueError)         a document (XML, DNS answer) is unusable
    └── NetworkError (OSError)          I/O failed; raised inside sources and probes only
        ├── DeadlineExceeded (TimeoutError)
        ├── HostNotFound                the name has no address (NXDOMAIN, no A/AAAA)
        ├── TLSError                    handshake or certificate verification failed
        └── FetchError                  an HTTP answer we refuse (status, size, type, redirect)

Leaves also inherit the builtin they resemble, so ``except ValueError`` keeps working for
callers that do not know this package. ``discover()`` lets only :class:`InvalidAddress` (and
:class:`OptionsError` for bad options) escape; every network failure becomes a
``SourceAttempt`` with a status instead.
"""

from __future__ import annotations

__all__ = [
    "AutoconfError",
    "DeadlineExceeded",
    "FetchError",
    "HostNotFound",
    "InvalidAddress",
    "NetworkError",
    "OptionsError",
    "ParseError",
    "TLSError",
]


class AutoconfError(Exception):
    """Root of every exception this package raises on purpose."""


class InvalidAddress(AutoconfError, ValueError):
    """The text given is not an email address we can discover settings for."""

    def __init__(self, address: str, reason: str) -> None:
        self.address = address
        self.reason = reason
        super().__init__(f"invalid email address {address!r}: {reason}")


class OptionsError(AutoconfError, ValueError):
    """An option has a value that cannot work (bad nameserver, unreadable CA file, …)."""


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
        super().__init__(message)

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class DeadlineExceeded(NetworkError, TimeoutError):
    """A phase limit or the overall deadline ran out."""


class HostNotFound(NetworkError):
    """The host name does not exist or has no address: nothing is published there."""


class TLSError(NetworkError):
    """TLS could not be established or the certificate was refused.

    ``kind`` is one of ``hostname-mismatch``, ``expired``, ``self-signed``, ``untrusted``,
    ``handshake`` when known.
    """

    def __init__(self, message: str, *, kind: str = "handshake", **where: object) -> None:
        self.kind = kind
        super().__init__(message, **where)  # type: ignore[arg-type]


class FetchError(NetworkError):
    """An HTTP answer we refuse: bad status, too large, wrong type, or a forbidden redirect."""
