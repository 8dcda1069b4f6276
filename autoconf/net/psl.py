"""Registrable domains through the Public Suffix List (the publicsuffixlist package)."""

from __future__ import annotations

import functools
import ipaddress

__all__ = ["registrable_domain"]


@functools.cache
def _psl() -> object:
    # Loading the list takes ~0.1 s, so it happens once per process and only when needed.
    # Cached at module level on purpose: immutable data that ships with the package.
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def registrable_domain(host: str) -> str:
    """``aspmx.l.google.com`` → ``google.com``; an IP or a bare suffix is returned as is."""
    name = host.lower().rstrip(".")
    try:
        ipaddress.ip_address(name)
    except ValueError:
        pass
    else:
        return name
    found = _psl().privatesuffix(name)  # type: ignore[attr-defined]
    return str(found) if found else name
