"""The vocabulary every layer shares: frozen pydantic models and their enums.

Field names are the public contract: the CLI's ``--json`` output is
``result.model_dump(mode="json")`` and external tools read these names. Fields may be added;
none may be renamed without a deprecation.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AttemptStatus",
    "AuthMethod",
    "Certificate",
    "CertificateKind",
    "DiscoveryResult",
    "DiscoveryWarning",
    "Documentation",
    "DomainStatus",
    "EnableInstructions",
    "FailureKind",
    "LocalizedText",
    "LoginStatus",
    "OAuth2Info",
    "PaccRecordProblem",
    "Pop3Options",
    "Protocol",
    "ProviderDatabase",
    "ProviderInfo",
    "ProviderStatus",
    "Security",
    "ServerSettings",
    "Service",
    "ServiceKind",
    "SourceAttempt",
    "SourceName",
    "TlsStatus",
    "Trust",
    "Verification",
    "WarningCode",
]


class Protocol(StrEnum):
    IMAP = "imap"
    POP3 = "pop3"
    SMTP = "smtp"


class Security(StrEnum):
    TLS = "tls"  # implicit TLS from the first byte
    STARTTLS = "starttls"
    PLAIN = "plain"


class AuthMethod(StrEnum):
    """ISPDB's authentication vocabulary, lower-cased."""

    PASSWORD_CLEARTEXT = "password-cleartext"  # noqa: S105 - a method name, not a secret
    PASSWORD_ENCRYPTED = "password-encrypted"  # noqa: S105
    OAUTH2 = "oauth2"
    NTLM = "ntlm"
    GSSAPI = "gssapi"
    CLIENT_CERT = "client-cert"
    NONE = "none"


class Trust(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class SourceName(StrEnum):
    """Every place settings can come from, in the contract's order of authority."""

    LOCAL = "local"
    PACC = "pacc"  # draft-ietf-mailmaint-pacc: HTTPS and the domain's DNS both vouch for it
    AUTOCONFIG = "autoconfig"
    SRV = "srv"
    ISPDB_BUNDLED = "ispdb-bundled"
    ISPDB = "ispdb"
    MX = "mx"
    AUTODISCOVER = "autodiscover"
    AUTOCONFIG_HTTP = "autoconfig-http"
    GUESS = "guess"

    @property
    def priority(self) -> int:
        """0 is the most authoritative."""
        return _SOURCE_PRIORITY[self]


_SOURCE_PRIORITY = {
    SourceName.LOCAL: 0,
    SourceName.PACC: 1,
    SourceName.AUTOCONFIG: 1,
    SourceName.SRV: 2,
    SourceName.ISPDB_BUNDLED: 3,
    SourceName.ISPDB: 3,
    SourceName.MX: 4,
    SourceName.AUTODISCOVER: 5,
    SourceName.AUTOCONFIG_HTTP: 6,
    SourceName.GUESS: 7,
}


class ProviderDatabase(StrEnum):
    """The provider database a bundled record came from (``ispdb-bundled`` results)."""

    ISPDB = "ispdb"  # Thunderbird's ISPDB: curated and current
    DELTACHAT = "deltachat"  # Delta Chat's provider database: maintained
    K9 = "k9"  # K-9 Mail's providers.xml: frozen in 2023
    MAILCORE2 = "mailcore2"  # mailcore2's providers.json: frozen in 2020


class ProviderStatus(StrEnum):
    """How well a provider works with ordinary mail clients (Delta Chat's ``status``)."""

    OK = "ok"
    PREPARATION = "preparation"  # works after a step the user takes first (see the hints)
    BROKEN = "broken"  # does not work with ordinary clients


class AttemptStatus(StrEnum):
    OK = "ok"
    EMPTY = "empty"
    ERROR = "error"
    TIMEOUT = "timeout"
    SKIPPED = "skipped"
    # Added for issue 12.11; set on attempts that would otherwise say ``empty``:
    NO_DOMAIN = "no-domain"  # nothing can be published there: the email domain does not exist
    UNRESOLVED = "unresolved"  # its host could not be resolved, nor could the online ISPDB's


class DomainStatus(StrEnum):
    """What the DNS said about the email domain itself (``DiscoveryResult.domain_status``)."""

    FOUND = "found"  # the domain exists (it has MX records, or a source found servers)
    NOT_FOUND = "not-found"  # NXDOMAIN for the domain's MX and A: the domain does not exist
    # Nothing resolved, not even the online ISPDB's host: this machine's DNS or network looks
    # down (``--offline`` still answers from the bundled data).
    DNS_DOWN = "dns-down"
    UNKNOWN = "unknown"  # not looked up (offline, fast mode) or the look-up failed otherwise


class TlsStatus(StrEnum):
    OK = "ok"
    FAILED = "failed"
    NOT_OFFERED = "not-offered"
    NOT_TRIED = "not-tried"


class LoginStatus(StrEnum):
    OK = "ok"
    FAILED = "failed"
    NOT_TRIED = "not-tried"


class WarningCode(StrEnum):
    INSECURE_SOURCE = "insecure-source"
    HOST_OUTSIDE_DOMAIN = "host-outside-domain"
    CERTIFICATE_INVALID = "certificate-invalid"
    PLAINTEXT_ONLY = "plaintext-only"
    SOURCES_DISAGREE = "sources-disagree"
    SKIPPED_SERVER = "skipped-server"
    BAD_DOCUMENT = "bad-document"
    STARTTLS_NOT_OFFERED = "starttls-not-offered"
    REDIRECTED = "redirected"
    SECURITY_FROM_PORT = "security-from-port"  # the port decided a document's security
    INCOMPLETE_DOCUMENT = "incomplete-document"  # no incoming or no outgoing server
    # A PACC document whose digest no _ua-auto-config TXT record vouches for: tampering or a
    # stale record. The document is not used.
    PACC_DIGEST_MISMATCH = "pacc-digest-mismatch"


class FailureKind(StrEnum):
    """Why a probe did not fully succeed: the first thing that went wrong, for code to decide on.

    ``auth-refused`` is the one failure that leaves the server usable: it answered, encrypted as
    asked, and refused only the caller's user name or password.
    """

    DNS = "dns"  # the host name did not resolve
    BLOCKED = "blocked"  # every address is private or local and block_private_addresses is on
    REFUSED = "refused"  # the TCP connection was refused
    UNREACHABLE = "unreachable"  # no route, network down, or another connect error
    TIMEOUT = "timeout"  # a phase limit passed (connect, TLS handshake, a reply)
    DEADLINE = "deadline"  # the discovery's deadline passed first: says nothing about the server
    TLS_HANDSHAKE = "tls-handshake"  # TLS failed for a reason other than the certificate
    CERTIFICATE = "certificate"  # the certificate was refused (see ``Certificate.kind``)
    STARTTLS_NOT_OFFERED = "starttls-not-offered"
    STARTTLS_REFUSED = "starttls-refused"  # offered, but the command was answered with an error
    SERVER_REFUSED = "server-refused"  # the greeting (or EHLO) turned the client away
    CLOSED = "closed"  # the server closed the connection in the middle of the conversation
    PROTOCOL = "protocol"  # the server broke the protocol (bad reply, too long, injection)
    AUTH_REFUSED = "auth-refused"  # the login was tried over TLS and refused


class CertificateKind(StrEnum):
    """Why a certificate was refused, from OpenSSL's verify code and the certificate itself."""

    HOSTNAME_MISMATCH = "hostname-mismatch"  # valid, but for other names (or IP addresses)
    EXPIRED = "expired"
    NOT_YET_VALID = "not-yet-valid"
    SELF_SIGNED = "self-signed"  # the server's own certificate signed itself
    UNTRUSTED = "untrusted"  # the chain does not end at a trusted CA
    OTHER = "other"  # revoked, wrong purpose, bad signature, ...


def _empty_list() -> list[Any]:
    """A new empty list, as ``list()``; the default factory of every list field.

    Pydantic inspects each factory's signature when it builds a model; for the builtin
    ``list`` that means parsing its text signature, 15 times over (about 20 ms of every
    start-up), for a Python function it is nearly free.
    """
    return []


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class Certificate(_Frozen):
    valid: bool
    error: str | None = None
    subject_names: list[str] = Field(default_factory=_empty_list)
    not_after: datetime | None = None
    issuer: str | None = None
    kind: CertificateKind | None = None  # why it was refused; None when valid or not judged


class Verification(_Frozen):
    """What a live probe of one server found."""

    reachable: bool
    tls: TlsStatus = TlsStatus.NOT_TRIED
    certificate: Certificate | None = None
    capabilities: list[str] = Field(default_factory=_empty_list)  # after TLS where TLS was used
    sasl_mechanisms: list[str] = Field(default_factory=_empty_list)
    login: LoginStatus = LoginStatus.NOT_TRIED
    elapsed_ms: float = 0.0
    error: str | None = None
    capabilities_before_tls: list[str] = Field(default_factory=_empty_list)  # STARTTLS servers only
    greeting: str | None = None
    login_detail: str | None = None  # the server's answer to the login, or why none was tried
    address: str | None = None  # the IP address the probe connected to
    failure: FailureKind | None = None  # what went wrong, for code; ``error`` says it in words
    # Not probed itself: learned from the probe of another candidate on the same host and port
    # (that endpoint did not answer, or it speaks TLS from the first byte and this one says not).
    inferred: bool = False

    @property
    def ok(self) -> bool:
        """Reachable, encrypted as asked (or plain as published) and without error."""
        return self.reachable and self.error is None and self.tls is not TlsStatus.FAILED

    @property
    def login_refused(self) -> bool:
        """The server worked, but refused the user name or password it was given."""
        return self.login is LoginStatus.FAILED or self.failure is FailureKind.AUTH_REFUSED


class Pop3Options(_Frozen):
    """ISPDB's legacy ``<pop3>`` hints for POP3 accounts."""

    leave_messages_on_server: bool | None = None
    days_to_leave_messages_on_server: int | None = None
    download_on_biff: bool | None = None
    check_interval_minutes: int | None = None


class ServerSettings(_Frozen):
    """One server a mail client can be configured with."""

    protocol: Protocol
    host: str  # IDNA-encoded ASCII, lower case, no trailing dot
    port: int = Field(ge=1, le=65535)
    security: Security
    username: str | None = None  # placeholders already filled in for this address
    auth: list[AuthMethod] = Field(
        default_factory=_empty_list
    )  # the provider's order of preference
    sources: list[SourceName] = Field(default_factory=_empty_list)
    trust: Trust = Trust.MEDIUM
    verification: Verification | None = None
    pop3: Pop3Options | None = None
    # Which bundled provider database proposed this server (``ispdb-bundled`` and ``mx``).
    database: ProviderDatabase | None = None
    redirected: bool = False
    """Every source named it only through a pointer to another domain (an HTTP redirect,
    Autodiscover's redirectUrl or redirectAddr, an _autodiscover._tcp record): a hint from
    elsewhere, which never makes the host trusted enough for the password, alone or agreeing
    with other such hints."""

    @property
    def endpoint(self) -> tuple[Protocol, str, int, Security]:
        """What identifies the same server across sources."""
        return (self.protocol, self.host, self.port, self.security)


class LocalizedText(_Frozen):
    text: str
    lang: str | None = None


class Documentation(_Frozen):
    url: str
    descriptions: list[LocalizedText] = Field(default_factory=_empty_list)


class OAuth2Info(_Frozen):
    issuer: str | None = None
    scopes: list[str] = Field(default_factory=_empty_list)
    auth_url: str | None = None
    token_url: str | None = None


class EnableInstructions(_Frozen):
    """A step the user must take at the provider before a client may connect."""

    visit_url: str | None = None
    instructions: list[LocalizedText] = Field(default_factory=_empty_list)


class ProviderInfo(_Frozen):
    id: str | None = None
    display_name: str | None = None
    display_short_name: str | None = None
    domains: list[str] = Field(default_factory=_empty_list)
    documentation: list[Documentation] = Field(default_factory=_empty_list)
    oauth2: OAuth2Info | None = None
    enable: EnableInstructions | None = None
    webmail_url: str | None = None
    # What users must know before and after signing in, from the bundled provider databases.
    status: ProviderStatus | None = None
    before_login_hint: str | None = None
    after_login_hint: str | None = None
    app_password_required: bool | None = None  # None: the databases do not say
    no_imap: bool | None = None  # True: the provider offers no IMAP at all
    no_imap_advice: str | None = None  # what to use instead (a bridge, the provider's app)
    website: str | None = None
    note_url: str | None = None  # a page with the provider's notes for mail clients
    # Provenance: the database of the servers and identity, the database of the hints above,
    # and each record used ("ispdb/gmx.net.xml", "deltachat/_providers/gmx.net.md").
    database: ProviderDatabase | None = None
    hints_database: ProviderDatabase | None = None
    records: list[str] = Field(default_factory=list)


class PaccRecordProblem(StrEnum):
    """Why a TXT record at ``_ua-auto-config.DOMAIN`` cannot vouch for a PACC document."""

    NOT_TEXT = "not-text"  # its strings are not UTF-8
    NOT_UAAC = "not-uaac"  # no ``v=UAAC…`` tag: another kind of record (ignored, no error)
    BAD_VERSION = "bad-version"  # ``v`` is not UAAC1
    BAD_ALGORITHM = "bad-algorithm"  # ``a`` is missing or not sha256
    NO_DIGEST = "no-digest"  # no ``d`` tag
    BAD_BASE64 = "bad-base64"  # ``d`` is not standard base64
    WRONG_LENGTH = "wrong-length"  # ``d`` decodes, but not to 32 bytes


class ServiceKind(StrEnum):
    """A service beside mail that an account can use (JMAP, calendars, contacts)."""

    JMAP = "jmap"  # a JMAP Session resource (RFC 8620)
    CALDAV = "caldav"  # a CalDAV context URL (RFC 4791, RFC 6764)
    CARDDAV = "carddav"  # a CardDAV context URL (RFC 6352, RFC 6764)


class Service(_Frozen):
    """A JMAP, CalDAV or CardDAV service found for the address, with where it came from."""

    kind: ServiceKind
    """What the URL serves."""
    url: str
    """The https URL a client starts from (a JMAP Session resource or a DAV context URL)."""
    sources: list[SourceName] = Field(default_factory=_empty_list)
    """Every source that named this URL."""
    trust: Trust = Trust.MEDIUM
    """How far the URL can be trusted, from its best source."""


class SourceAttempt(_Frozen):
    """How one look-up at one source ended."""

    source: SourceName
    target: str  # URL, DNS query or file
    status: AttemptStatus
    elapsed_ms: float = 0.0
    detail: str | None = None


class DiscoveryWarning(_Frozen):
    code: WarningCode
    message: str
    host: str | None = None


class DiscoveryResult(_Frozen):
    address: str
    domain: str
    provider: ProviderInfo | None = None
    incoming: list[ServerSettings] = Field(default_factory=_empty_list)  # ranked, best first
    outgoing: list[ServerSettings] = Field(default_factory=_empty_list)  # ranked, best first
    attempts: list[SourceAttempt] = Field(default_factory=_empty_list)
    warnings: list[DiscoveryWarning] = Field(default_factory=_empty_list)
    elapsed_ms: float = 0.0
    domain_status: DomainStatus = DomainStatus.UNKNOWN  # does the email domain exist?
    services: list[Service] = Field(default_factory=_empty_list)
    """JMAP, CalDAV and CardDAV services found beside the mail servers, best first."""

    @property
    def found(self) -> bool:
        """True when there is at least one incoming and one outgoing server."""
        return bool(self.incoming) and bool(self.outgoing)


def __getattr__(name: str) -> object:
    """``Warning``: the old name of :class:`DiscoveryWarning`, which shadowed the builtin."""
    if name == "Warning":
        import warnings

        warnings.warn(
            "autoconf.models.Warning is deprecated; use DiscoveryWarning (same model, same JSON)",
            DeprecationWarning,
            stacklevel=2,
        )
        return DiscoveryWarning
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
