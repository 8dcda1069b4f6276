"""Options for one discovery, the one Deadline, and the injected I/O context."""

from __future__ import annotations

import ipaddress
import math
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from .errors import DeadlineExceeded, OptionsError
from .models import SourceName

if TYPE_CHECKING:
    import ssl

    import dns.asyncresolver
    import httpx

__all__ = [
    "DEFAULT_ISPDB_URL",
    "OFFLINE_SOURCES",
    "SESSION_FIELDS",
    "Credentials",
    "Deadline",
    "DnssecMode",
    "Mode",
    "Options",
    "checked_options",
    "for_session_call",
    "parse_nameserver",
    "path_kind",
    "split_sources",
]

DEFAULT_ISPDB_URL = "https://autoconfig.thunderbird.net/v1.1/"
OFFLINE_SOURCES = frozenset({SourceName.LOCAL, SourceName.ISPDB_BUNDLED})


class DnssecMode(StrEnum):
    """Whether and how DNS answers are checked with DNSSEC (``Options.dnssec``)."""

    OFF = "off"  # no DNSSEC: every attempt's ``dnssec`` is None
    RESOLVER = "resolver"  # trust the AD bit of the ``nameservers`` the caller names validating
    VALIDATE = "validate"  # validate in process from the trust anchors (root KSKs by default)


class Mode(StrEnum):
    """How long a discovery waits: for every source (thorough) or the best possible (fast)."""

    THOROUGH = "thorough"  # wait for every source, bounded by the deadline
    FAST = "fast"  # return once the best answer still possible is known


@dataclass(frozen=True, slots=True)
class Credentials:
    """A login to check over TLS. The password never appears in a repr or a log.

    ``password`` may be given as a plain ``str``: it is kept as a ``SecretStr``. Anything else
    is an :class:`~autoconf.errors.OptionsError` here, at construction, never later.
    """

    username: str
    password: SecretStr

    def __post_init__(self) -> None:
        if not isinstance(self.username, str):
            raise OptionsError(
                f"Credentials: the user name must be a str, not {_kind(self.username)}"
            )
        if isinstance(self.password, str):
            object.__setattr__(self, "password", SecretStr(self.password))
        elif not isinstance(self.password, SecretStr) or not isinstance(
            self.password.get_secret_value(), str
        ):
            raise OptionsError(
                f"Credentials: the password must be a str or a pydantic SecretStr holding one, "
                f"not {type(self.password).__name__}"  # its value may be the secret: not shown
            )

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r}, password=SecretStr('**********'))"


class Deadline:
    """One absolute point in time, passed from ``discover()`` into every network step.

    ``phase(limit)`` gives the seconds a single step may take: its own limit, cut short by
    what is left of the whole call.
    """

    __slots__ = ("_clock", "expires_at")

    def __init__(self, seconds: float, *, clock: Any = time.monotonic) -> None:
        if not seconds > 0 or math.isnan(seconds):
            raise OptionsError(f"a deadline must be a positive number of seconds, not {seconds}")
        self._clock = clock
        self.expires_at: float = clock() + seconds

    def remaining(self) -> float:
        """Seconds left before the deadline (0.0 once it has passed)."""
        now: float = self._clock()
        return max(0.0, self.expires_at - now)

    @property
    def expired(self) -> bool:
        """True once the deadline has passed."""
        return self.remaining() <= 0.0

    def phase(self, limit: float | None = None) -> float:
        """Seconds allowed for one step; raises :class:`DeadlineExceeded` when none are left."""
        left = self.remaining()
        if left <= 0.0:
            raise DeadlineExceeded("the discovery deadline has passed")
        return left if limit is None else min(limit, left)

    def narrowed(self, seconds: float) -> Deadline:
        """A Deadline on the same clock that ends after ``seconds`` or with this one, if sooner."""
        inner = Deadline(max(seconds, 1e-9), clock=self._clock)
        inner.expires_at = min(inner.expires_at, self.expires_at)
        return inner

    def __repr__(self) -> str:
        return f"Deadline(remaining={self.remaining():.3f}s)"


@dataclass(frozen=True, kw_only=True)
class Options:
    """Everything one discovery may be told. Nothing is read from the environment."""

    mode: Mode = Mode.THOROUGH
    """``thorough`` asks every source and ranks everything; ``fast`` returns once a trusted
    source has answered (see :class:`Mode`)."""
    deadline: float = 10.0
    """Seconds for the whole call, every source and probe included (0 < deadline < 3600)."""
    sources: frozenset[SourceName] | None = None
    """The sources to ask (names or :class:`SourceName` members); ``None``: every source."""
    offline: bool = False
    """Only the ``local`` and ``ispdb-bundled`` sources: no network at all."""
    verify: bool = True
    """Probe the candidates (TLS, certificate, capabilities); network sources only."""
    probe_all: bool = False
    """Probe the top candidates of each direction all at once (``--check``'s completeness); by
    default the best of each direction is probed first, the others only if it fails."""
    credentials: Credentials | None = None
    """A username and password to check sign-in with (only on a verified TLS connection)."""
    nameservers: tuple[tuple[str, int], ...] = ()
    """``(host, port)`` pairs to ask instead of the system's resolver; empty: the system's."""
    ca_file: Path | None = None
    """A PEM file of CA certificates to trust instead of the system store."""
    ssl_context: ssl.SSLContext | None = None
    """An :class:`ssl.SSLContext` to verify servers with (overrides ``ca_file``)."""
    ispdb_url: str = DEFAULT_ISPDB_URL
    """The online ISPDB to ask (an ``https://`` URL ending in ``/``)."""
    allow_http: bool = True
    """Ask the ``autoconfig-http`` source (plain HTTP; its results are marked insecure)."""
    block_private_addresses: bool = False
    """Refuse private, loopback, link-local and special-purpose targets, checked on the
    resolved address at connect time (fetches and probes); refused work is ``blocked``."""
    allowed_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    """Networks (CIDR text or :mod:`ipaddress` networks) that ``block_private_addresses``
    still lets through: the few private ranges a deployment really needs."""
    config_dir: Path | None = None
    """A directory of ``*.xml`` clientConfig files for the ``local`` source."""
    local_documents: tuple[bytes, ...] = ()
    """clientConfig documents given in memory, for the ``local`` source."""
    real_name: str | None = None
    """The name that fills ``%REALNAME%`` in templates."""
    connect_timeout: float = 3.0
    """Seconds one TCP connection may take to open (within the deadline)."""
    tls_timeout: float = 3.0
    """Seconds one TLS handshake may take (within the deadline)."""
    first_byte_timeout: float = 4.0
    """Seconds a server may take to send each reply (within the deadline)."""
    probe_budget: float = 6.0
    """Seconds one mail probe may take in all (connect, TLS, every reply): a server that
    answers each reply just inside ``first_byte_timeout`` is given up on here, not at the
    deadline."""
    dnssec: DnssecMode = DnssecMode.OFF
    """DNSSEC: ``off``, ``resolver`` (trust the AD bit of the named ``nameservers``) or
    ``validate`` (in-process, from ``trust_anchors``); see :class:`DnssecMode`."""
    trust_anchors: Path | None = None
    """DS or DNSKEY records in zone-file form for ``DnssecMode.VALIDATE``; ``None``: the
    bundled IANA root KSKs."""
    http_client: httpx.AsyncClient | None = field(default=None, repr=False)
    """An :class:`httpx.AsyncClient` to fetch with (the caller owns and closes it)."""
    resolver: dns.asyncresolver.Resolver | None = field(default=None, repr=False)
    """A dnspython asynchronous resolver to ask (cannot be combined with ``nameservers``)."""
    # Session bounds (see SESSION_FIELDS): work beyond them waits, and the wait counts against
    # each call's own deadline; a call whose deadline passes while waiting ends as a timeout.
    max_discoveries: int = 32
    """Discoveries one :class:`~autoconf.Session` runs at once; more wait their turn (the
    wait counts against each call's deadline)."""
    max_http_requests: int = 48
    """HTTP requests one Session has in flight at once."""
    max_per_host: int | None = None
    """HTTP requests and probes one Session has in flight to one host at once (``None``: no
    bound), so that many domains pointing at one host cannot make the Session hammer it."""
    shared_dns_socket: bool = False
    """DNS over one UDP socket per nameserver for the whole Session rather than one per
    query: less CPU, but a nameserver that spreads clients over its threads by socket then
    serves the Session on one thread; off until that is measured to keep up."""

    def __post_init__(self) -> None:
        self._check_kinds()
        self._check_numbers()
        self._check_places()
        self._check_injected_client()
        if self.ca_file is not None:
            _check_ca_file(Path(self.ca_file))
        if self.resolver is not None and self.nameservers:
            raise OptionsError(
                "resolver and nameservers cannot be combined: an injected resolver asks its own "
                "nameservers, so nameservers would not apply"
            )

    def _check_kinds(self) -> None:
        """Each field holds a value of its kind: API misuse is an OptionsError here, never an
        AttributeError or TypeError later. Names given as text (``mode="fast"``,
        ``sources={"srv"}``) and paths given as ``str`` become their enums and ``Path``."""
        fix = object.__setattr__  # a frozen dataclass: normalised once, at construction
        fix(self, "mode", _mode(self.mode))
        fix(self, "sources", None if self.sources is None else split_sources(self.sources))
        fix(self, "nameservers", _nameservers(self.nameservers))
        fix(self, "allowed_networks", _networks(self.allowed_networks))
        for name in ("ca_file", "config_dir"):
            fix(self, name, _path(name, getattr(self, name)))
        for name in ("offline", "verify", "allow_http", "block_private_addresses"):
            if not isinstance(getattr(self, name), bool):
                raise OptionsError(
                    f"{name} must be True or False, not {_kind(getattr(self, name))}"
                )
        if self.credentials is not None and not isinstance(self.credentials, Credentials):
            raise OptionsError(
                "credentials must be autoconf.Credentials(username, password), "
                f"not {type(self.credentials).__name__}"  # it may hold the password: not shown
            )
        _check_instance("ssl_context", self.ssl_context, _ssl_context_type())
        _check_injected_types(self.http_client, self.resolver)
        if not isinstance(self.ispdb_url, str):
            raise OptionsError(
                f"ispdb_url must be a str (an https:// URL), not {_kind(self.ispdb_url)}"
            )
        _check_instance("real_name", self.real_name, str)
        if not isinstance(self.local_documents, tuple | list) or not all(
            isinstance(d, bytes) for d in self.local_documents
        ):
            raise OptionsError("local_documents must be a tuple of bytes (clientConfig documents)")
        fix(self, "local_documents", tuple(self.local_documents))

    def _check_numbers(self) -> None:
        """The deadline, phase limits and session bounds are in range."""
        if not (isinstance(self.deadline, int | float) and 0 < self.deadline < 3600):
            raise OptionsError(f"the deadline must be between 0 and 3600 s, not {self.deadline}")
        for name in ("connect_timeout", "tls_timeout", "first_byte_timeout", "probe_budget"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and value > 0):
                raise OptionsError(f"{name} must be a positive number of seconds, not {value}")
        for name in ("max_discoveries", "max_http_requests", "max_per_host"):
            value = getattr(self, name)
            if value is None and name == "max_per_host":
                continue
            if not (isinstance(value, int) and value >= 1):
                raise OptionsError(f"{name} must be a whole number of at least 1, not {value}")

    def _check_places(self) -> None:
        """The CA file, config directory, ISPDB URL and nameservers can be used."""
        if self.ca_file is not None and self.ssl_context is not None:
            raise OptionsError("give a CA file or an SSL context, not both")
        if self.config_dir is not None and not Path(self.config_dir).is_dir():
            raise OptionsError(
                f"the config directory {self.config_dir} {_not_a(Path(self.config_dir), 'folder')}"
            )
        # ISPDB answers are trusted highly (and feed the MX source), so they come over HTTPS only.
        if not self.ispdb_url.lower().startswith("https://"):
            raise OptionsError(f"the ISPDB URL must start with https://, not {self.ispdb_url!r}")

    def _check_injected_client(self) -> None:
        """An injected HTTP client makes its own connections: our network options can't apply."""
        if self.http_client is None:
            return
        bypassed = {
            "nameservers": bool(self.nameservers),
            "ca_file": self.ca_file is not None,
            "ssl_context": self.ssl_context is not None,
            "block_private_addresses": self.block_private_addresses,
        }
        if getattr(self.http_client, "follow_redirects", False):
            raise OptionsError(
                "an http_client with follow_redirects=True cannot be combined with the redirect "
                "rules (at most 5, never HTTPS to HTTP): give one with follow_redirects=False"
            )
        for name, given in bypassed.items():
            if given:
                raise OptionsError(
                    f"http_client and {name} cannot be combined: an injected HTTP client "
                    f"resolves, trusts and connects by itself, so {name} would not apply to it"
                )

    def enabled_sources(self) -> frozenset[SourceName]:
        """The sources this run may use, after ``offline``, ``sources`` and ``allow_http``."""
        chosen = frozenset(SourceName) if self.sources is None else frozenset(self.sources)
        if self.offline:
            chosen &= OFFLINE_SOURCES
        if not self.allow_http:
            chosen -= {SourceName.AUTOCONFIG_HTTP}
        if self.config_dir is None and not self.local_documents:
            chosen -= {SourceName.LOCAL}
        return chosen


def checked_options(options: object) -> Options:
    """``options`` if it is an :class:`Options` (None: the defaults), else OptionsError."""
    if options is None:
        return Options()
    if not isinstance(options, Options):
        raise OptionsError(f"options must be autoconf.Options(...), not {_kind(options)}")
    return options


def _kind(value: object) -> str:
    """What a wrong value is, for a message: its type and a short repr (never a secret's)."""
    if isinstance(value, SecretStr | Credentials):
        return type(value).__name__
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 40 else text[:39] + '…'}"


def _check_instance(name: str, value: object, kind: type) -> None:
    """None or an instance of ``kind``, else OptionsError naming the field."""
    if value is not None and not isinstance(value, kind):
        raise OptionsError(f"{name} must be a {kind.__name__} or None, not {_kind(value)}")


def _check_injected_types(http_client: object, resolver: object) -> None:
    """An injected client is an ``httpx.AsyncClient`` and a resolver a dnspython async
    ``Resolver`` (their modules are imported only when one is given: the caller has)."""
    if http_client is not None:
        import httpx

        _check_instance("http_client", http_client, httpx.AsyncClient)
    if resolver is not None:
        import dns.asyncresolver

        _check_instance("resolver", resolver, dns.asyncresolver.Resolver)


def _ssl_context_type() -> type:
    import ssl  # only here: the offline path never needs the ssl module

    return ssl.SSLContext


def _mode(value: object) -> Mode:
    """A Mode, or its name; anything else is an OptionsError."""
    if isinstance(value, str) and value in Mode.__members__.values():
        return Mode(value)
    known = ", ".join(m.value for m in Mode)
    raise OptionsError(f"mode must be one of {known}, not {_kind(value)}")


def _path(name: str, value: object) -> Path | None:
    """None, or a path given as ``str`` or path-like, as a Path; anything else OptionsError."""
    if value is None:
        return None
    if not isinstance(value, str | os.PathLike) or not str(value):
        raise OptionsError(f"{name} must be a path (str or pathlib.Path), not {_kind(value)}")
    return Path(value)


def _networks(value: object) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """``allowed_networks`` as ipaddress networks (host bits allowed), else OptionsError."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise OptionsError(
            f"allowed_networks must be a tuple of networks such as '10.0.0.0/8', not {_kind(value)}"
        )
    networks = []
    for item in value:
        if isinstance(item, ipaddress.IPv4Network | ipaddress.IPv6Network):
            networks.append(item)
            continue
        try:
            networks.append(ipaddress.ip_network(str(item), strict=False))
        except ValueError as exc:
            raise OptionsError(f"{item!r} is not a network such as '10.0.0.0/8': {exc}") from exc
    return tuple(networks)


def _nameservers(value: object) -> tuple[tuple[str, int], ...]:
    """``((host, port), ...)`` with a host text and a port from 1 to 65535, else OptionsError.

    A bare string is refused rather than read one character at a time;
    :func:`parse_nameserver` turns ``"127.0.0.1:5353"`` into a pair.
    """
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise OptionsError(
            f"nameservers must be a tuple of (host, port) pairs, such as "
            f"(('127.0.0.1', 53),), not {_kind(value)}"
        )
    pairs: list[tuple[str, int]] = []
    for item in value:
        if not (isinstance(item, tuple | list) and len(item) == 2):
            raise OptionsError(
                f"each nameserver must be a (host, port) pair, such as ('127.0.0.1', 53), "
                f"not {_kind(item)} (parse_nameserver reads 'HOST:PORT')"
            )
        host, port = item
        if not isinstance(host, str) or not host:
            raise OptionsError(f"bad nameserver host {_kind(host)}: give an IP address as text")
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            raise OptionsError(f"bad nameserver port {_kind(port)}: give a number from 1 to 65535")
        pairs.append((host, port))
    return tuple(pairs)


def path_kind(path: Path) -> str:
    """What is at ``path``, as the end of a sentence: "does not exist", "is a folder", ..."""
    try:
        if not path.exists():
            return "does not exist"
        if path.is_dir():
            return "is a folder"
        if path.is_file():
            return "is a file"
        if path.is_fifo():
            return "is a named pipe"
        if path.is_socket():
            return "is a socket"
        if path.is_char_device() or path.is_block_device():
            return "is a device"
    except OSError as exc:
        return f"cannot be read ({(exc.strerror or str(exc)).lower()})"
    return "is not a regular file"


def _not_a(path: Path, wanted: str) -> str:
    """ "does not exist", or what the path is instead of ``wanted``: "is a folder, not a file"."""
    kind = path_kind(path)
    return kind if kind == "does not exist" else f"{kind}, not a {wanted}"


_NO_CERTIFICATE = "give a file of PEM certificates (-----BEGIN CERTIFICATE-----)"


def _check_ca_file(path: Path) -> None:
    """The CA file is a readable file that holds at least one certificate, or OptionsError."""
    if not path.is_file():
        raise OptionsError(f"the CA file {path} {_not_a(path, 'file of certificates')}")
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        context.load_verify_locations(cafile=str(path))
    except ssl.SSLError as exc:
        raise OptionsError(
            f"the CA file {path} holds no usable certificate; {_NO_CERTIFICATE}"
        ) from exc
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        raise OptionsError(f"cannot read the CA file {path}: {reason}") from exc
    if not context.cert_store_stats().get("x509"):
        raise OptionsError(f"the CA file {path} holds no certificate; {_NO_CERTIFICATE}")


# What a Session fixes for all its calls, since it builds the network from them once: how names
# are resolved, which certificates are trusted, which addresses may be reached, the injected
# clients, the session's bounds, and DNSSEC (the mode and the trust anchors its DNS client
# validates from, and whose verdicts it caches). Everything else (deadline, mode, sources, verify,
# credentials, phase limits, ISPDB URL, ...) may differ from call to call.
SESSION_FIELDS = (
    "nameservers",
    "ca_file",
    "ssl_context",
    "block_private_addresses",
    "allowed_networks",
    "http_client",
    "resolver",
    "max_discoveries",
    "max_http_requests",
    "max_per_host",
    "shared_dns_socket",
    "dnssec",
    "trust_anchors",
)
_BY_IDENTITY = frozenset({"ssl_context", "http_client", "resolver"})


def for_session_call(session: Options, call: Options | None) -> Options:
    """The options one call in a session runs with, or OptionsError if it cannot be honoured.

    A session field the call leaves at its default is the session's; one it sets to something
    else than the session's is a conflict, named on both sides (never silently ignored).
    """
    if call is None or call is session:
        return session
    call = checked_options(call)
    defaults = Options()
    inherited: dict[str, Any] = {}
    for name in SESSION_FIELDS:
        asked, fixed = getattr(call, name), getattr(session, name)
        if _same(name, asked, fixed):
            continue
        if _same(name, asked, getattr(defaults, name)):
            inherited[name] = fixed
            continue
        raise OptionsError(
            f"this call's {name}={_shown(name, asked)} differs from its Session's "
            f"{name}={_shown(name, fixed)}: a Session fixes {name} for every call it runs "
            "(open another Session for a different one)"
        )
    return replace(call, **inherited) if inherited else call


def _same(name: str, a: object, b: object) -> bool:
    return a is b if name in _BY_IDENTITY else a == b


def _shown(name: str, value: object) -> str:
    if name in _BY_IDENTITY and value is not None:
        return f"<{type(value).__name__} at {id(value):#x}>"
    return repr(value)


def parse_nameserver(text: str, *, default_port: int = 53) -> tuple[str, int]:
    """``HOST``, ``HOST:PORT``, ``[V6]:PORT`` or a bare IPv6 address → (host, port)."""
    import ipaddress

    value = text.strip()
    host, port = value, default_port
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            raise OptionsError(f"bad nameserver {text!r}: missing ']'")
        host = value[1:end]
        rest = value[end + 1 :]
        if rest:
            if not rest.startswith(":"):
                raise OptionsError(f"bad nameserver {text!r}")
            port = _port(rest[1:], text)
    elif value.count(":") == 1:
        host, _, port_text = value.partition(":")
        port = _port(port_text, text)
    try:
        ipaddress.ip_address(host)
    except ValueError as exc:
        raise OptionsError(
            f"bad nameserver {text!r}: give an IP address (a name would need a resolver)"
        ) from exc
    return host, port


def _port(text: str, original: str) -> int:
    try:
        port = int(text)
    except ValueError as exc:
        raise OptionsError(f"bad nameserver {original!r}: the port is not a number") from exc
    if not 0 < port < 65536:
        raise OptionsError(f"bad nameserver {original!r}: port {port} is out of range")
    return port


def split_sources(names: Iterable[str]) -> frozenset[SourceName]:
    """Source names as the CLI takes them (comma lists allowed) → a set, or OptionsError.

    A bare string is refused (``sources="srv"`` would be read letter by letter): give a set.
    """
    if isinstance(names, str | bytes) or not isinstance(names, Iterable):
        raise OptionsError(f"sources must be a set of source names, not {_kind(names)}")
    chosen: set[SourceName] = set()
    for item in names:
        if not isinstance(item, str):
            raise OptionsError(
                f"each of sources must be a source name (str or SourceName), not {_kind(item)}"
            )
        for name in item.split(","):
            name = name.strip()
            if not name:
                continue
            try:
                chosen.add(SourceName(name))
            except ValueError as exc:
                known = ", ".join(s.value for s in SourceName)
                raise OptionsError(f"unknown source {name!r}; known sources: {known}") from exc
    return frozenset(chosen)


# Named constants for guessing (the ``guess`` source), kept beside the options they go with.
GUESS_STAGGER = 0.05  # seconds between the starts of two guesses: the best-ranked try goes first
GUESS_GRACE = 1.0  # seconds guessing waits for the other sources, which usually answer sooner
GUESS_MAX_CONCURRENT = 32  # guesses probing at once: all of a direction's tries fit, no more
