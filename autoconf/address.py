"""Parse and normalise email addresses (pure)."""

from __future__ import annotations

import functools
import ipaddress
import re
from dataclasses import dataclass

from .errors import AddressFailure, InvalidAddress

__all__ = [
    "EmailAddress",
    "is_ip",
    "is_within",
    "normalize_domain",
    "normalize_host",
    "parse_address",
    "printable_address",
]

# RFC 5321 limits: local part 64 octets, domain 255 octets (253 as text), label 63.
_MAX_LOCAL = 64
_MAX_DOMAIN = 253
_MAX_LABEL = 63
_LDH = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
_FORBIDDEN_LOCAL = frozenset('<>()[]\\,;:"')


@dataclass(frozen=True, slots=True)
class EmailAddress:
    """An address split into the local part (kept as typed) and an IDNA-encoded domain."""

    local_part: str
    domain: str  # ASCII, lower case, no trailing dot

    def __str__(self) -> str:
        return f"{self.local_part}@{self.domain}"


def parse_address(text: str) -> EmailAddress:
    """Split ``text`` into local part and normalised domain, or raise :class:`InvalidAddress`."""
    if not isinstance(text, str):
        raise InvalidAddress(repr(text), "an address must be text", kind=AddressFailure.NOT_TEXT)
    _check_encodable(text)
    stripped = text.strip()
    if not stripped:
        raise InvalidAddress(text, "the address is empty", kind=AddressFailure.EMPTY)
    if any(ch.isspace() for ch in stripped):
        raise InvalidAddress(text, "an address cannot contain spaces", kind=AddressFailure.SPACE)
    local, domain = _split(text, stripped)
    _check_local(text, local)
    try:
        ascii_domain = normalize_domain(domain)
    except _BadDomain as exc:
        raise InvalidAddress(text, str(exc), kind=exc.kind) from exc
    return EmailAddress(local_part=local, domain=ascii_domain)


def _split(text: str, stripped: str) -> tuple[str, str]:
    """The local part and the domain of ``stripped``: exactly one '@', both sides non-empty."""
    count = stripped.count("@")
    if count == 0:
        raise InvalidAddress(
            text, "there is no '@' between the name and the domain", kind=AddressFailure.NO_AT
        )
    if count > 1:
        raise InvalidAddress(text, "there is more than one '@'", kind=AddressFailure.MANY_AT)
    local, _, domain = stripped.partition("@")
    if not local:
        raise InvalidAddress(
            text, "the part before '@' is empty", kind=AddressFailure.BAD_LOCAL_PART
        )
    if not domain:
        raise InvalidAddress(text, "the domain after '@' is empty", kind=AddressFailure.BAD_DOMAIN)
    return local, domain


def _check_local(text: str, local: str) -> None:
    """Refuse a local part that is too long, has a forbidden character or a misplaced dot."""
    if len(local.encode("utf-8")) > _MAX_LOCAL:
        raise InvalidAddress(
            text,
            f"the part before '@' is longer than {_MAX_LOCAL} bytes",
            kind=AddressFailure.TOO_LONG,
        )
    if any(ch in _FORBIDDEN_LOCAL or ord(ch) < 32 or ord(ch) == 127 for ch in local):
        raise InvalidAddress(
            text,
            "the part before '@' contains a character not allowed there",
            kind=AddressFailure.BAD_LOCAL_PART,
        )
    if local.startswith(".") or local.endswith(".") or ".." in local:
        raise InvalidAddress(
            text, "the part before '@' has a misplaced dot", kind=AddressFailure.BAD_LOCAL_PART
        )


def _check_encodable(text: str) -> None:
    """Refuse text that is not valid Unicode: a lone surrogate, e.g. an undecodable argv byte.

    Python turns bytes of ``sys.argv`` that are not UTF-8 into lone surrogates; nothing can
    encode them, so such an address could never be looked up, printed or written as JSON.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        shown = printable_address(text)
        bad = printable_address(text[exc.start : exc.end])
        raise InvalidAddress(
            shown,
            f"the address is not valid UTF-8 text ({bad} at character {exc.start + 1})",
            kind=AddressFailure.NOT_UTF8,
        ) from exc


def printable_address(text: str) -> str:
    """``text`` with each lone surrogate shown visibly: ``\\xff`` for an undecodable byte
    (the ``surrogateescape`` of ``sys.argv``), ``U+D800`` for any other."""
    return "".join(_printable_char(ch) for ch in text)


def _printable_char(ch: str) -> str:
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"
    if 0xD800 <= code <= 0xDFFF:
        return f"U+{code:04X}"
    return ch


class _BadDomain(ValueError):
    """A domain :func:`normalize_domain` refuses, with the :class:`AddressFailure` it is."""

    def __init__(self, reason: str, kind: AddressFailure = AddressFailure.BAD_DOMAIN) -> None:
        super().__init__(reason)
        self.kind = kind


def normalize_domain(domain: str) -> str:
    """Return ``domain`` as lower-case IDNA ASCII without a trailing dot.

    Raises :class:`ValueError` with a human reason for IP literals, empty or over-long labels,
    single-label names and anything IDNA refuses.
    """
    if not isinstance(domain, str):
        raise _BadDomain("a domain must be text")
    return _normalized_domain(domain)


# The same few names come back in every document, record and redirect of a discovery, and
# in every discovery at a domain: each is judged once (a refusal is not kept, it raises).
_NAMES_KEPT = 4096


@functools.lru_cache(maxsize=_NAMES_KEPT)
def _normalized_domain(domain: str) -> str:
    name = domain.strip()
    if name.startswith("[") or is_ip(name):
        raise _BadDomain("the domain is an IP address; discovery needs a domain name")
    if name.endswith("."):
        name = name[:-1]
    if not name:
        raise _BadDomain("the domain is empty")
    labels = name.split(".")
    if any(not label for label in labels):
        raise _BadDomain("the domain has an empty label (two dots in a row, or a leading dot)")
    if len(labels) < 2:
        raise _BadDomain("the domain needs at least two labels, like example.com")
    ascii_labels = [_to_ascii_label(label) for label in labels]
    result = ".".join(ascii_labels)
    if len(result) > _MAX_DOMAIN:
        raise _BadDomain(
            f"the domain is longer than {_MAX_DOMAIN} characters", AddressFailure.TOO_LONG
        )
    if ascii_labels[-1].isdigit():
        raise _BadDomain("the last label of the domain cannot be all digits")
    return result


def is_ip(name: str) -> bool:
    """``name`` is an IP address (IPv4 or IPv6, as :mod:`ipaddress` reads one)."""
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _to_ascii_label(label: str) -> str:
    if label.isascii():
        ascii_label = label.lower()
        if ascii_label.startswith("xn--"):
            _check_punycode(ascii_label)
    else:
        # The idna package implements IDNA 2008 with the UTS #46 mapping (what browsers and
        # mail clients do); the stdlib codec is IDNA 2003 and maps some letters wrongly.
        import idna

        try:
            ascii_label = idna.encode(label, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            raise _BadDomain(
                f"the domain label {label!r} is not a valid international name: {exc}"
            ) from exc
    if len(ascii_label) > _MAX_LABEL:
        raise _BadDomain(
            f"the domain label {label!r} is longer than {_MAX_LABEL} characters",
            AddressFailure.TOO_LONG,
        )
    if not _LDH.match(ascii_label):
        raise _BadDomain(
            f"the domain label {label!r} may only hold letters, digits and inner hyphens"
        )
    return ascii_label


def _check_punycode(label: str) -> None:
    import idna

    try:
        idna.decode(label)
    except (idna.IDNAError, UnicodeError) as exc:
        raise _BadDomain(f"the domain label {label!r} is not valid punycode: {exc}") from exc


# What may surround a host name in a document (XML pretty-printing): ASCII blanks only.
_BLANKS = " \t\r\n"


def normalize_host(name: str) -> str:
    """Return a server host name as lower-case IDNA ASCII without a trailing dot.

    The one rule for every host that enters the library (documents, SRV and MX targets,
    redirects, local files, bundled data): a plain DNS host name (LDH labels of at most 63
    octets, IDNA for international ones, at most 253 octets) or a plain IP literal, returned
    in canonical form. Anything else raises :class:`ValueError` with a human reason: an IPv6
    zone id (``%eth0``: a mail server is never a scoped address), a control, space, quote or
    any character a host name cannot hold, an empty or over-long label. Blanks around the
    name (a pretty-printed document) are dropped.
    """
    if not isinstance(name, str):
        raise ValueError("a host name must be text")
    return _normalized_host(name)


@functools.lru_cache(maxsize=_NAMES_KEPT)
def _normalized_host(name: str) -> str:
    host = name.strip(_BLANKS)
    if not host:
        raise ValueError("the host name is empty")
    bracketed = host.startswith("[") and host.endswith("]")
    if bracketed:
        host = host[1:-1]
    if "%" in host and ":" in host:
        raise ValueError(
            "an IPv6 address with a zone id (%...) names a local interface, not a server"
        )
    ip = _ip_literal(host)
    if ip is not None:
        return ip
    if bracketed or ":" in host:
        raise ValueError("the host is neither a host name nor a plain IP address")
    if any(c.isspace() for c in host):
        raise ValueError("a host name cannot contain spaces or line breaks")
    return normalize_domain(host)


def _ip_literal(host: str) -> str | None:
    """``host`` as a canonical IP address, or None when it is not one (a zone id is not)."""
    if "%" in host:
        return None
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


def is_within(host: str, domain: str) -> bool:
    """True when ``host`` is ``domain`` or a name below it (both normalised)."""
    return host == domain or host.endswith("." + domain)
