"""DNS look-ups (SRV, MX, A/AAAA) under the one deadline, with a TTL cache.

Every method takes the call's :class:`~autoconf.options.Deadline` and an optional phase
``limit`` (seconds, from ``Options``); a look-up gets ``deadline.phase(limit)``, the same clock
and the same rule as every HTTP step.

With nameservers given (``--nameserver``) every query, including the addresses of hosts we
fetch or probe, goes to them through dnspython and nowhere else. Without, SRV and MX use
dnspython's reading of the system configuration and host addresses come from the system
resolver (so ``/etc/hosts`` is honoured, as every other program on the machine does).

With ``Options.dnssec`` on, every query goes through dnspython with the DO bit (host addresses
included) and its answer carries a :class:`~autoconf.models.DnssecStatus`
(:meth:`DnsClient.dnssec_of`): ``validate`` checks the chain from the trust anchors in process
(:mod:`autoconf.net.dnssec`, asking with CD set), ``resolver`` trusts the AD bit of the
nameservers. A ``bogus`` answer is never returned: it raises :class:`~autoconf.errors.DnsError`
with ``kind=DnsFailure.BOGUS``.
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import socket
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import dns.asyncresolver
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.nameserver
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.resolver

from ..address import is_ip, normalize_host
from ..errors import DnsError, DnsFailure, DnsTimeout, HostNotFound
from ..models import DnssecStatus
from ..options import DnssecMode
from ..parsers.srv import SrvRecord
from ..parsers.tlsa import TlsaRecord
from . import dnssec as validation
from .cache import (
    DNS_ENTRIES,
    SHARED_ANSWERS,
    Codec,
    RecentDict,
    SharedCache,
    TTLCache,
    through_shared,
)
from .dnsudp import SharedUdpBackend

if TYPE_CHECKING:
    from ..options import Deadline

__all__ = ["DnsAnswer", "DnsClient", "MxRecord", "weakest"]

T = TypeVar("T")
R = TypeVar("R")

CHAIN_ENTRIES = 1024  # chains of trust a Session keeps (each a zone's validated keys)
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
    # TLSA: the host names the records speak for, the reference identifiers a DANE-TA leaf
    # may carry: the host asked, and the name a secure CNAME chain expands it to (RFC 7671 §7).
    names: tuple[str, ...] = ()


# From the weakest to the strongest: a fact is as proven as the least proven link it rests on.
_STRENGTH = (DnssecStatus.BOGUS, DnssecStatus.UNKNOWN, DnssecStatus.INSECURE, DnssecStatus.SECURE)


def weakest(statuses: Iterable[DnssecStatus | None]) -> DnssecStatus | None:
    """The least proven of ``statuses`` (None when there is none: DNSSEC off)."""
    present = [s for s in statuses if s is not None]
    return min(present, key=_STRENGTH.index) if present else None


class DnsClient:
    def __init__(
        self,
        *,
        nameservers: tuple[tuple[str, int], ...] = (),
        resolver: dns.asyncresolver.Resolver | None = None,
        cache: TTLCache | None = None,
        shared_socket: bool = False,
        shared: SharedCache | None = None,
        dnssec: DnssecMode = DnssecMode.OFF,
        trust_anchors: validation.Anchors | None = None,
    ) -> None:
        self.mode = dnssec
        self._anchors = trust_anchors or validation.parse_anchors(validation.ROOT_ANCHORS)
        # Both bounded like the answers they describe (a long batch meets ever new names).
        self._status: RecentDict[tuple[str, str], DnssecStatus] = RecentDict(DNS_ENTRIES)
        # The Session's chains of trust, followed once (one per zone).
        self._chains: validation.Chains = RecentDict(CHAIN_ENTRIES)
        # With DNSSEC on, host addresses come from the DNS too (getaddrinfo proves nothing).
        self.hermetic = bool(nameservers) or resolver is not None or dnssec is not DnssecMode.OFF
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
        self._cache = cache if cache is not None else TTLCache(max_entries=DNS_ENTRIES)
        # Our own resolver: answers shared by the process (keyed by the nameservers asked) and,
        # with ``shared_socket``, one UDP socket per nameserver. An injected resolver is the
        # caller's: left as is.
        self._backend = SharedUdpBackend() if shared_socket and not injected else None
        # Answers are shared by nameservers asked and DNSSEC mode (a judged answer is not a
        # plain one), and trust anchors.
        judged = dnssec.value
        if dnssec is DnssecMode.VALIDATE:  # a verdict holds for the anchors it came from
            judged += ":" + ";".join(sorted(r.to_text() for r in self._anchors.values()))
        self._scope: tuple[str, ...] | None = (
            None if injected else (judged, *(str(ns) for ns in resolver.nameservers))
        )
        # Answers shared with other processes (keyed by the nameservers, as the process's).
        self._remote = shared if self._scope is not None else None
        # The DNSSEC questions: DO set, and CD too when we validate ourselves.
        self._signed = (
            None
            if dnssec is DnssecMode.OFF
            else _dnssec_resolver(resolver, checking_disabled=dnssec is DnssecMode.VALIDATE)
        )

    def dnssec_of(self, name: str, rdtype: str) -> DnssecStatus | None:
        """The DNSSEC status of the answer this client got for ``name``/``rdtype`` (None: off,
        or not asked)."""
        return self._status.get((name.lower().rstrip(".") + ".", rdtype))

    def attempt_status(self, name: str, rdtype: str) -> DnssecStatus | None:
        """What an attempt that asked ``name``/``rdtype`` records: None with DNSSEC off, else
        the answer's status (``unknown`` when the look-up failed before one was judged)."""
        if self.mode is DnssecMode.OFF:
            return None
        return self.dnssec_of(name, rdtype) or DnssecStatus.UNKNOWN

    def address_status(self, host: str, address: str | None = None) -> DnssecStatus | None:
        """What DNSSEC proved of ``host``'s addresses: of the A (or, for an IPv6 ``address``,
        AAAA) answer ``address`` came from, else the weakest of both (``unknown`` for one
        not judged). None with DNSSEC off, or for an IP literal (no DNS fact)."""
        if self.mode is DnssecMode.OFF:
            return None
        if is_ip(host):
            return None
        try:
            name = normalize_host(host)
        except ValueError:  # never looked up (addresses() refuses it): nothing proven
            return DnssecStatus.UNKNOWN
        kinds = ("A", "AAAA") if address is None else ("AAAA" if ":" in address else "A",)
        return weakest(self.attempt_status(name, kind) for kind in kinds)

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
        """TLSA records of ``_PORT._tcp.HOST`` (RFC 6698 §3); empty when there are none.

        With DNSSEC on, a ``host`` that is a CNAME alias is expanded first (RFC 7671 §7,
        RFC 7673 §3): behind a secure chain the records at the expanded name are asked for
        first, then those at ``host``; the answer is only as proven as the weakest of the
        chain's links and the records (an insecure link leaves the records unusable). A bogus
        link raises as a bogus answer does."""
        within = deadline.phase(limit)
        if self.mode is DnssecMode.OFF:
            return DnsAnswer(await self._tlsa_at(host, port, within), names=(host,))
        target, chain = await self._expanded(host, within)
        names = (target, host) if target != host and chain is DnssecStatus.SECURE else (host,)
        for name in names:
            records = await self._tlsa_at(name, port, within)
            status = self.dnssec_of(f"_{port}._tcp.{name}", "TLSA")
            if records:
                break
        return DnsAnswer(records, weakest((chain, status)), names=names)

    async def _tlsa_at(self, host: str, port: int, within: float) -> tuple[TlsaRecord, ...]:
        answer = await self._query(f"_{port}._tcp.{host}", "TLSA", within)
        return tuple(TlsaRecord(r.usage, r.selector, r.mtype, bytes(r.cert)) for r in answer)

    async def _expanded(self, host: str, within: float) -> tuple[str, DnssecStatus | None]:
        """The name ``host``'s CNAME chain ends at, and how proven the chain is (its weakest
        link, the final "no CNAME here" included); at most 8 links are followed."""
        name, statuses = host, []
        for _ in range(8):
            try:
                records = await self._query(name, "CNAME", within)
            except DnsError as exc:
                if exc.kind is DnsFailure.BOGUS:
                    raise
                return name, DnssecStatus.UNKNOWN
            statuses.append(self.dnssec_of(name, "CNAME"))
            if not records:
                return name, weakest(statuses)
            name = records[0].target.to_text(omit_final_dot=True)
        return name, DnssecStatus.UNKNOWN  # a longer chain (or a loop) is not followed

    async def zone_dnssec(
        self, domain: str, deadline: Deadline, *, limit: float | None = None
    ) -> tuple[DnssecStatus, str]:
        """Whether ``domain``'s zone is signed with a chain of trust, and the link deciding it.

        Validated in process from the trust anchors whatever ``Options.dnssec`` says (with
        ``resolver``: the AD bit of the SOA answer). Never raises: a failed look-up is
        ``unknown`` with the failure in the detail."""
        within = deadline.phase(limit)
        try:
            name = dns.name.from_text(domain)
            async with asyncio.timeout(max(within, 0.05)):
                if self.mode is DnssecMode.RESOLVER:
                    return await self._resolver_zone_status(domain, name, within)
                verdict = await validation.zone_status(
                    self._asker(within), name, self._anchors, time.time(), self._chains
                )
        except TimeoutError:
            return DnssecStatus.UNKNOWN, f"no DNSSEC answer for {domain} within {within:.1f} s"
        except (DnsError, dns.exception.DNSException) as exc:
            return DnssecStatus.UNKNOWN, f"{domain}: {exc}"
        return verdict.status, verdict.detail

    async def _resolver_zone_status(
        self, domain: str, name: dns.name.Name, within: float
    ) -> tuple[DnssecStatus, str]:
        """The zone's status by the AD bit of its SOA answer; a SERVFAIL that answers with
        data under CD=1 is bogus, as for every other answer (:meth:`_servfail_checked`)."""
        try:
            msg = await self._ask_signed(name, dns.rdatatype.SOA, within)
        except DnsError as exc:
            if exc.kind is not DnsFailure.SERVFAIL:
                raise
            await self._servfail_checked(name, dns.rdatatype.SOA, within, exc)
            return DnssecStatus.BOGUS, (
                f"{domain}: the resolver fails its validation (SERVFAIL), yet answers with "
                "checking disabled"
            )
        if msg.flags & dns.flags.AD:
            return DnssecStatus.SECURE, f"{domain}: the resolver validated it (AD)"
        return DnssecStatus.INSECURE, f"{domain}: the resolver did not validate it"

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
        if ":" in host or host[-1:].isdigit():  # what an IP literal ends with (a cheap filter)
            try:
                return [str(ipaddress.ip_address(host))]
            except ValueError:
                pass
        within = deadline.phase(limit)
        if not self.hermetic:
            return await self._system_addresses(host, within)
        answers: tuple[list[Any] | BaseException, ...] | None = self._known_addresses(host)
        if answers is None:
            answers = await asyncio.gather(
                self._query(host, "A", within),
                self._query(host, "AAAA", within),
                return_exceptions=True,
            )
        return _addresses_in(host, answers)

    def known_addresses(self, host: str) -> list[str] | None:
        """What :meth:`addresses` would give for ``host`` (a name as
        :func:`~autoconf.address.normalize_host` returns it) from the process's fresh answers
        alone, raising the same :class:`~autoconf.errors.HostNotFound` when they give it no
        address; None when they are not all there (or DNSSEC is on, or names are the
        system's to resolve)."""
        answers = self._known_addresses(host) if self.hermetic else None
        return None if answers is None else _addresses_in(host, answers)

    def _known_addresses(self, host: str) -> tuple[list[Any], list[Any]] | None:
        """The process's fresh A and AAAA answers for ``host`` when it has both (DNSSEC off):
        what the two queries would return, without two tasks to learn it; else None."""
        if self._scope is None or self.mode is not DnssecMode.OFF:
            return None
        name = host.lower()
        found, a = SHARED_ANSWERS.get((self._scope, name, "A"))
        if not found:
            return None
        found, aaaa = SHARED_ANSWERS.get((self._scope, name, "AAAA"))
        return (a, aaaa) if found else None

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
        key = (name.lower(), rdtype)
        if self.mode is DnssecMode.OFF:
            plain = _records_codec(rdtype)
            return await self._shared(key, lambda: self._plain(name, rdtype, within), plain, within)
        records, status = await self._shared(
            key, lambda: self._judged(name, rdtype, within), _judged_codec(rdtype), within
        )
        self._status[(name.lower().rstrip(".") + ".", rdtype)] = status
        if status is DnssecStatus.BOGUS:
            raise DnsError(
                f"DNSSEC proves the answer for {name} {rdtype} bogus",
                kind=DnsFailure.BOGUS,
                host=name,
            )
        return records

    async def _plain(self, name: str, rdtype: str, within: float) -> tuple[list[Any], float]:
        try:
            extra: dict[str, Any] = {} if self._backend is None else {"backend": self._backend}
            answer = await self._resolver.resolve(
                name, rdtype, lifetime=max(within, 0.05), search=False, **extra
            )
        except dns.resolver.NXDOMAIN:
            return _NoSuchName(), 60.0
        except dns.resolver.NoAnswer:
            return [], 60.0
        except dns.exception.DNSException as exc:
            raise _dns_error(exc, name, rdtype, within) from exc
        ttl = min(max(float(answer.rrset.ttl if answer.rrset else 60), _MIN_TTL), _MAX_TTL)
        return list(answer), ttl

    async def _judged(
        self, name: str, rdtype: str, within: float
    ) -> tuple[tuple[list[Any], DnssecStatus], float]:
        """The answer with what DNSSEC proves of it (bogus answers are cached too)."""
        started = time.monotonic()
        qname = dns.name.from_text(name)
        qtype = dns.rdatatype.from_text(rdtype)
        try:
            msg = await self._ask_signed(qname, qtype, within)
        except DnsError as exc:
            if self.mode is DnssecMode.RESOLVER and exc.kind is DnsFailure.SERVFAIL:
                return await self._servfail_checked(qname, qtype, within, exc)
            raise
        records = _records(msg, qname, qtype)
        if self.mode is DnssecMode.RESOLVER:
            secure = bool(msg.flags & dns.flags.AD)
            status = DnssecStatus.SECURE if secure else DnssecStatus.INSECURE
        else:
            left = within - (time.monotonic() - started)
            status = await self._validate(msg, qname, qtype, left)
        return (records, status), _ttl(msg)

    async def _validate(
        self,
        msg: dns.message.Message,
        qname: dns.name.Name,
        qtype: dns.rdatatype.RdataType,
        within: float,
    ) -> DnssecStatus:
        """What the chain from the anchors proves of ``msg``; ``unknown`` when it cannot be
        decided within the call's deadline or a link's look-up fails."""
        try:
            async with asyncio.timeout(max(within, 0.05)):
                verdict = await validation.judge(
                    self._asker(within), msg, qname, qtype, self._anchors, time.time(), self._chains
                )
        except (TimeoutError, DnsError):
            return DnssecStatus.UNKNOWN
        return verdict.status

    async def _servfail_checked(
        self, qname: dns.name.Name, qtype: dns.rdatatype.RdataType, within: float, failure: DnsError
    ) -> tuple[tuple[list[Any], DnssecStatus], float]:
        """A SERVFAIL from a validating resolver that answers with data under CD=1: bogus."""
        assert self._signed is not None  # only asked with DNSSEC on
        checking = _dnssec_resolver(self._signed, checking_disabled=True)
        try:
            msg = await _ask(checking, qname, qtype, within, self._backend)
        except DnsError:
            # The first SERVFAIL is the failure to report; the CD=1 retry only tells it apart.
            raise failure from None
        if not _records(msg, qname, qtype):
            raise failure
        return ([], DnssecStatus.BOGUS), _ttl(msg)

    def _asker(self, within: float) -> validation.Ask:
        async def ask(name: dns.name.Name, rdtype: dns.rdatatype.RdataType) -> dns.message.Message:
            key = ("dnssec:" + name.to_text().lower(), dns.rdatatype.to_text(rdtype))

            async def fetch() -> tuple[dns.message.Message, float]:
                msg = await self._ask_signed(name, rdtype, within)
                return msg, _ttl(msg)

            return await self._shared(key, fetch, _MESSAGE, within)

        return ask

    async def _ask_signed(
        self, name: dns.name.Name, rdtype: dns.rdatatype.RdataType, within: float
    ) -> dns.message.Message:
        if self._signed is None:  # DNSSEC off: the admin check still asks (zone_dnssec)
            self._signed = _dnssec_resolver(self._resolver, checking_disabled=True)
        return await _ask(self._signed, name, rdtype, within, self._backend)

    async def _shared(
        self,
        key: tuple[str, str],
        fetch: Callable[[], Awaitable[tuple[T, float]]],
        codec: Codec[T] | None,
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


def _addresses_in(host: str, answers: Iterable[list[Any] | BaseException]) -> list[str]:
    """The addresses in the A and AAAA answers for ``host`` (IPv4 first); the first error
    when there are none and a query failed, else :class:`~autoconf.errors.HostNotFound`."""
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


def _dnssec_resolver(
    resolver: dns.asyncresolver.Resolver, *, checking_disabled: bool
) -> dns.asyncresolver.Resolver:
    """A copy of ``resolver`` asking with DO set (and CD when we validate ourselves)."""
    signed = dns.asyncresolver.Resolver(configure=False)
    signed.nameservers = list(resolver.nameservers)
    signed.port = resolver.port
    signed.cache = None
    signed.use_edns(0, dns.flags.DO, 1232)
    signed.flags = dns.flags.RD | (dns.flags.CD if checking_disabled else 0)
    return signed


async def _ask(
    resolver: dns.asyncresolver.Resolver,
    name: dns.name.Name,
    rdtype: dns.rdatatype.RdataType,
    within: float,
    backend: SharedUdpBackend | None,
) -> dns.message.Message:
    """The whole response message (NXDOMAIN and NODATA included) for ``name``/``rdtype``."""
    extra: dict[str, Any] = {} if backend is None else {"backend": backend}
    try:
        answer = await resolver.resolve(
            name,
            rdtype,
            lifetime=max(within, 0.05),
            search=False,
            raise_on_no_answer=False,
            **extra,
        )
    except dns.resolver.NXDOMAIN as exc:
        responses: dict[dns.name.Name, dns.message.Message] = exc.responses()  # type: ignore[no-untyped-call]
        return responses.get(name) or next(iter(responses.values()))
    except dns.exception.DNSException as exc:
        raise _dns_error(exc, name.to_text(), dns.rdatatype.to_text(rdtype), within) from exc
    assert answer.response is not None
    return answer.response


def _records(
    msg: dns.message.Message, qname: dns.name.Name, qtype: dns.rdatatype.RdataType
) -> list[Any]:
    """The records answering ``qname``/``qtype`` (through CNAMEs); NXDOMAIN told apart."""
    if msg.rcode() == dns.rcode.NXDOMAIN:
        return _NoSuchName()
    by_key = {(r.name, r.rdtype): r for r in msg.answer if r.rdclass == dns.rdataclass.IN}
    name = qname
    for _ in range(16):
        found = by_key.get((name, qtype))
        if found is not None:
            return list(found)
        cname = by_key.get((name, dns.rdatatype.CNAME))
        if cname is None:
            break
        name = cname[0].target
    return []


def _ttl(msg: dns.message.Message) -> float:
    ttls = [rrset.ttl for section in (msg.answer, msg.authority) for rrset in section]
    return min(max(float(min(ttls, default=60)), _MIN_TTL), _MAX_TTL)


def _dns_error(exc: dns.exception.DNSException, name: str, rdtype: str, within: float) -> DnsError:
    """The library's error for a failed dnspython look-up."""
    if isinstance(exc, dns.resolver.LifetimeTimeout):
        return DnsTimeout(f"no DNS answer for {name} {rdtype} within {within:.1f} s", host=name)
    if isinstance(exc, dns.resolver.NoNameservers):
        return DnsError(
            f"DNS servers failed for {name} {rdtype}: {exc}",
            kind=DnsFailure.SERVFAIL,
            host=name,
        )
    return DnsError(f"DNS error for {name} {rdtype}: {exc}", host=name)


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


def _judged_codec(rdtype: str) -> Codec[tuple[list[Any], DnssecStatus]]:
    """Records with their DNSSEC status (the key names the mode and the trust anchors)."""
    records = _records_codec(rdtype)

    def decode(plain: Any) -> tuple[list[Any], DnssecStatus]:
        if not isinstance(plain, list) or len(plain) != 2:
            raise ValueError("not a judged answer")
        return records.decode(plain[0]), DnssecStatus(plain[1])

    return Codec(
        f"dnssec-{rdtype.lower()}",
        encode=lambda judged: [records.encode(judged[0]), judged[1].value],
        decode=decode,
    )


def _message(plain: Any) -> dns.message.Message:
    if not isinstance(plain, str):
        raise ValueError("not a stored DNS message")
    try:
        return dns.message.from_wire(base64.b64decode(plain, validate=True))
    except dns.exception.DNSException as exc:
        raise ValueError(str(exc)) from exc


def _wire(msg: dns.message.Message) -> str:
    try:
        return base64.b64encode(msg.to_wire()).decode("ascii")
    except dns.exception.DNSException as exc:  # cannot be rendered again: kept in the process
        raise ValueError(str(exc)) from exc


# A whole response (the links of a chain of trust), in wire format.
_MESSAGE: Codec[dns.message.Message] = Codec("dns-msg", encode=_wire, decode=_message)


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
