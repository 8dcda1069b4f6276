"""Refuse host-name lookups through the system resolver (IP literals pass through).

The world is reached only through its own nameserver; a lookup that reaches
`socket.getaddrinfo` with a name would go to the machine's resolver, so it is refused and
recorded. asyncio's `loop.getaddrinfo` calls `socket.getaddrinfo`, so it is covered too.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from collections.abc import Callable, Iterator
from typing import Any


def is_ip_literal(host: object) -> bool:
    """True for None, an IPv4/IPv6 literal (str or bytes), or a numeric scope like 'fe80::1%lo'."""
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True


class ResolverGuard:
    """Records every refused lookup; `install` patches the socket module while active."""

    def __init__(self) -> None:
        self.violations: list[str] = []

    def _refuse(self, what: str, host: object) -> socket.gaierror:
        self.violations.append(f"{what}({host!r})")
        return socket.gaierror(
            socket.EAI_NONAME, f"test world: system resolver refused for {host!r} ({what})"
        )

    def wrap_getaddrinfo(self, real: Callable[..., Any]) -> Callable[..., Any]:
        def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
            if not is_ip_literal(host):
                raise self._refuse("getaddrinfo", host)
            return real(host, *args, **kwargs)

        return getaddrinfo

    def wrap_byname(self, name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def byname(host: Any, *args: Any, **kwargs: Any) -> Any:
            if not is_ip_literal(host):
                raise self._refuse(name, host)
            return real(host, *args, **kwargs)

        return byname

    def patches(self) -> dict[str, Callable[..., Any]]:
        """Replacement functions for the socket module, keyed by attribute name."""
        return {
            "getaddrinfo": self.wrap_getaddrinfo(socket.getaddrinfo),
            "gethostbyname": self.wrap_byname("gethostbyname", socket.gethostbyname),
            "gethostbyname_ex": self.wrap_byname("gethostbyname_ex", socket.gethostbyname_ex),
        }


@contextlib.contextmanager
def no_system_resolver() -> Iterator[ResolverGuard]:
    """Patch the socket module for the duration of the block (used by the harness itself)."""
    guard = ResolverGuard()
    saved = {
        name: getattr(socket, name) for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex")
    }
    for name, fn in guard.patches().items():
        setattr(socket, name, fn)
    try:
        yield guard
    finally:
        for name, fn in saved.items():
            setattr(socket, name, fn)
    if guard.violations:
        raise RuntimeError(f"test world resolved names through the system: {guard.violations}")
