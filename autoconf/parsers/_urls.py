"""The one rule for a service URL a document names (JMAP, CalDAV, CardDAV, OAuth endpoints).

An absolute ``https`` URL on a host *name* (an IP literal is refused: PACC asks for an FQDN,
and a certificate is checked against a name), without user or password, with no space or
control character; the host normalised (:func:`autoconf.address.normalize_host`). Shared by
the clientConfig, PACC and OAuth metadata parsers so that they agree on every URL.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from ..address import normalize_host

__all__ = ["host_name", "https_url"]


def host_name(text: str) -> str:
    """A host name (an FQDN): IP literals and scoped addresses are refused with ValueError."""
    try:
        ipaddress.ip_address(text.split("%", 1)[0].strip("[]"))
    except ValueError:
        return normalize_host(text)
    raise ValueError("an IP address, not a host name")


def https_url(url: str) -> tuple[str, bool] | None:
    """``url`` with a normalised host and whether it names a port; None when not usable."""
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
        host = host_name(parts.hostname or "")
    except ValueError:
        return None
    if parts.scheme.lower() != "https" or parts.username is not None or parts.password is not None:
        return None
    netloc = host if port is None else f"{host}:{port}"
    return parts._replace(scheme="https", netloc=netloc).geturl(), port is not None
