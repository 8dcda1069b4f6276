"""DNS look-ups (SRV, MX, A/AAAA) under the one deadline, with a TTL cache.

Every method takes the call's :class:`~autoconf.options.Deadline` and an optional phase
``limit`` (seconds, from ``Options``); a look-up gets ``deadline.phase(limit)``, the same clock
and the same rule as every HTTP step.

With nameservers given (``--nameserver``) every query, including the addresses of hosts we
fetch or probe, goes to them through dnspython and nowhere else. Without, SRV and MX use
dnspython's reading of the system configuration and host addresses come from the system
resolver (so ``/etc/hosts`` is honoured, as every other program on the machine does).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import dns.asyncresolver
import dns.exception
import dns.nameserver
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.resolver

from ..address import normalize_host
from ..errors import DnsError, DnsFailure, DnsTimeout, HostNotFound
from ..parsers.srv import SrvRecord
from ..parsers.tlsa import TlsaRecord
from .cache import SHARED_ANSWERS, Codec, SharedCache, TTLCache, through_shared
from .dnsudp import SharedUdpBackend

if TYPE_CHECKING:
    from ..models import DnssecStatus
    from ..options import Deadline

__all__ = ["DnsAnswer", "DnsClient", "MxRecord"]

T = TypeVar("T")
R = TypeVar("R")

_MIN_TTL = 5.0
_MAX_TTL = 3600.0


@dataclass(frozen=True, slots=True)
class MxRecord:
    preference: int
    exchange: str  # without the trailing dot; "" for a null MX (RFC 7505)


@dataclass(frozen=True, slots=True)
class DnsAnswer(Generic[R]):
    """Records with what DNSSEC proves about them (``None`` when DNSSEC is off)."""

    records: tuple[R, ...]
    dnssec: DnssecStatus | None = None


class DnsClient:
    def __init__(
        self,
        *,
        nameservers: tuple[tuple[str, int], ...] = (),
        resolver: dns.asyncresolver.Resolver | None = None,
        cache: TTLCache | None = None,
        shared_socket: bool = False,
        shared: SharedCache | None = None,
    ) -> None:
        self.hermetic = bool(nameservers) or resolver is not None
        injected = resolver is not None
        if resolver is None:
            if nameservers:
                resolver = dns.asyncresolver.Resolver(configure=False)
                resolver.nameservers = [
                    dns.nameserver.Do53Nameserver(host, port) for host, port in nameservers
                ]
            else:
                try:
                    resolver = dns.asyncresolver.Resolver()
                except dns.resolver.NoResolverConfiguration:
                    resolver = dns.asyncresolver.Resolver(configure=False)
                    resolver.nameservers = ["127.0.0.1"]
        resolver.cache = None  # our own cache, so a batch shares it and TTLs are respected
        self._resolver = resolver
        self._cache = cache if cache is not None else TTLCache()
        # Our own resolver: answers shared by the process (keyed by the nameservers asked) and,
        # with ``shared_socket``, one UDP socket per nameserver. An injected resolver is the
        # caller's: left as is.
        self._backend = SharedUdpBackend() if shared_socket and not injected else None
        self._scope: tuple[str, ...] | None = (
            None if injected else tuple(str(ns) for ns in resolver.nameservers)
        )
        # Answers shared with other processes (keyed by the nameservers, as the process's).
        self._remote = shared if self._scope is not None else None

    async def srv(
        self, name: str, deadline: Deadline, *, limit: float | None = None
    ) -> list[SrvRecord]:
        """SRV records of ``name``; [] when the name or the records do not exist."""
        answer = await self._query(name, "SRV", deadline.phase(limit))
        return [
            SrvRecord(r.priority, r.weight, r.port, r.target.to_text(omit_final_dot=False))
            for r in answer
        ]

    async def mx(
        self, domain: str, deadline: Deadline, *, limit: float | None = None
    ) -> list[MxRecord]:
        """MX records, lowest preference first; [] when there are none."""
        answer = await self._query(domain, "MX", deadline.phase(limit))
        records = [
            MxRecord(r.preference, r.exchange.to_text(omit_final_dot=True).lower().rstrip("."))
            for r in answer
        ]
        return sorted(records, key=lambda r: (r.preference, r.exchange))

    async def txt(
        self, name: str, deadline: Deadline, *, limit: float | None = None
    ) -> list[tuple[bytes, ...]]:
        """TXT records of ``name``, each as its character-strings; [] when there are none."""
        answer = await self._query(name, "TXT", deadline.phase(limit))
        return [tuple(r.strings) for r in answer]

    async def tlsa(
        self, host: str, port: int, deadline: Deadline, *, limit: float | None = None
    ) -> DnsAnswer[TlsaRecord]:
        """TLSA records of ``_PORT._tcp.HOST`` (RFC 6698 §3); empty when there are none."""
        answer = await self._query(f"_{port}._tcp.{host}", "TLSA", deadline.phase(limit))
        records = tuple(TlsaRecord(r.usage, r.selector, r.mtype, bytes(r.cert)) for r in answer)
        return DnsAnswer(records)

    async def addresses(
        self, host: str, deadline: Deadline, *, limit: float | None = None
    ) -> list[str]:
        """IPv4 and IPv6 addresses of ``host`` (IPv4 first); an IP literal is returned as is.

        ``host`` must pass the library's one host rule (:func:`~autoconf.address.normalize_host`)
        whoever built it: a scoped IPv6 address or a name IDNA cannot encode is
        :class:`~autoconf.errors.HostNotFound`, never a socket call (nor a ``UnicodeError``).
        """
        try:
            host = normalize_host(host)
        except ValueError as exc:
            raise HostNotFound(
                f"{host!r} is not a host name: {exc}", kind=DnsFailure.ERROR, host=host
            ) from exc
        try:
            return [str(ipaddress.ip_address(host))]
        except ValueError:
            pass
        within = deadline.phase(limit)
        if not self.hermetic:
            return await self._system_addresses(host, within)
        answers: tuple[list[Any] | BaseException, ...] = await asyncio.gather(
            self._query(host, "A", within),
            self._query(host, "AAAA", within),
            return_exceptions=True,
        )
        found: list[str] = []
        errors: list[BaseException] = []
        for answer in answers:
            if isinstance(answer, BaseException):
                errors.append(answer)
            else:
                found.extend(r.address for r in answer)
        if not found and errors:
            raise errors[0]
        if not found:
            raise HostNotFound(
                f"{host} has no IPv4 or IPv6 address", kind=DnsFailure.NO_ANSWER, host=host
            )
        return found

    async def no_such_domain(
        self, name: str, deadline: Deadline, *, limit: float | None = None
    ) -> bool:
        """True when the DNS says ``name`` does not exist: NXDOMAIN for its MX and its A.

        Asked of the DNS servers themselves (never ``/etc/hosts``); a failed look-up raises
        :class:`~autoconf.errors.DnsError` as every other query does.
        """
        within = deadline.phase(limit)
        mx, a = await asyncio.gather(
            self._query(name, "MX", within), self._query(name, "A", within)
        )
        return isinstance(mx, _NoSuchName) and isinstance(a, _NoSuchName)

    async def _system_addresses(self, host: str, within: float) -> list[str]:
        loop = asyncio.get_running_loop()

        async def fetch() -> tuple[list[str], float]:
            try:
                async with asyncio.timeout(within):
                    infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
            except TimeoutError as exc:
                raise DnsTimeout(f"no address for {host} within {within:.1f} s", host=host) from exc
            except socket.gaierror as exc:
                raise HostNotFound(
                    f"cannot resolve {host}: {exc.strerror}", kind=_gai_kind(exc), host=host
                ) from exc
            except OSError as exc:
                raise DnsError(f"cannot resolve {host}: {exc}", host=host) from exc
            ips = list(dict.fromkeys(str(info[4][0]) for info in infos))
            ips.sort(key=lambda ip: ":" in ip)
            return ips, 60.0

        return await self._shared(("getaddrinfo", host), fetch, _ADDRESSES, within)

    async def _query(self, name: str, rdtype: str, within: float) -> list[Any]:
        async def fetch() -> tuple[list[Any], float]:
            try:
                extra: dict[str, Any] = {} if self._backend is None else {"backend": self._backend}
                answer = await self._resolver.resolve(
                    name, rdtype, lifetime=max(within, 0.05), search=False, **extra
                )
            except dns.resolver.NXDOMAIN:
                return _NoSuchName(), 60.0
            except dns.resolver.NoAnswer:
                return [], 60.0
            except dns.resolver.LifetimeTimeout as exc:
                raise DnsTimeout(
                    f"no DNS answer for {name} {rdtype} within {within:.1f} s", host=name
                ) from exc
            except dns.resolver.NoNameservers as exc:
                raise DnsError(
                    f"DNS servers failed for {name} {rdtype}: {exc}",
                    kind=DnsFailure.SERVFAIL,
                    host=name,
                ) from exc
            except dns.exception.DNSException as exc:
                raise DnsError(f"DNS error for {name} {rdtype}: {exc}", host=name) from exc
            ttl = min(max(float(answer.rrset.ttl if answer.rrset else 60), _MIN_TTL), _MAX_TTL)
            return list(answer), ttl

        return await self._shared((name.lower(), rdtype), fetch, _records_codec(rdtype), within)

    async def _shared(
        self,
        key: tuple[str, str],
        fetch: Callable[[], Awaitable[tuple[T, float]]],
        codec: Codec[T],
        within: float,
    ) -> T:
        """The process's fresh answer for ``key``, else this Session's (asked once at a time),
        else the shared cache's (:func:`~autoconf.net.cache.through_shared`)."""
        if self._scope is None:
            return await self._cache.get_or_fetch(key, fetch)
        scoped = (self._scope, *key)
        found, value = SHARED_ANSWERS.get(scoped)
        if found:
            return value  # type: ignore[no-any-return]
        remote = through_shared(self._remote, repr(scoped), codec, fetch, within)

        async def fetch_and_share() -> tuple[T, float]:
            value, ttl = await remote()
            SHARED_ANSWERS.put(scoped, value, ttl)
            return value, ttl

        return await self._cache.get_or_fetch(key, fetch_and_share)

    def close(self) -> None:
        """Close the Session's DNS sockets."""
        if self._backend is not None:
            self._backend.close()


class _NoSuchName(list[Any]):
    """The empty answer to a name that does not exist (NXDOMAIN), told apart from NODATA."""


# How answers travel through a shared cache (JSON): host addresses as strings; records as
# their presentation text, read back by dnspython for the type asked; NXDOMAIN as "nxdomain".
def _addresses(plain: Any) -> list[str]:
    if not isinstance(plain, list) or not all(isinstance(ip, str) for ip in plain):
        raise ValueError("not a list of addresses")
    return [str(ipaddress.ip_address(ip)) for ip in plain]


_ADDRESSES: Codec[list[str]] = Codec("dns-addr", encode=list, decode=_addresses)


def _records_codec(rdtype: str) -> Codec[list[Any]]:
    def encode(records: list[Any]) -> Any:
        if isinstance(records, _NoSuchName):
            return "nxdomain"
        return [r.to_text() for r in records]

    def decode(plain: Any) -> list[Any]:
        if plain == "nxdomain":
            return _NoSuchName()
        if not isinstance(plain, list) or not all(isinstance(t, str) for t in plain):
            raise ValueError("not a list of records")
        try:
            return [dns.rdata.from_text(dns.rdataclass.IN, rdtype, t) for t in plain]
        except dns.exception.DNSException as exc:
            raise ValueError(str(exc)) from exc

    return Codec(f"dns-{rdtype.lower()}", encode=encode, decode=decode)


def _gai_kind(exc: socket.gaierror) -> DnsFailure:
    """The failure a getaddrinfo error code stands for."""
    if exc.errno == socket.EAI_NONAME:
        return DnsFailure.NXDOMAIN
    if exc.errno == socket.EAI_AGAIN:
        return DnsFailure.SERVFAIL
    nodata = getattr(socket, "EAI_NODATA", None)
    if nodata is not None and exc.errno == nodata:
        return DnsFailure.NO_ANSWER
    return DnsFailure.ERROR
