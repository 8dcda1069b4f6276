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
    "SCHEMA_VERSION",
    "AttemptStatus",
    "AuthMethod",
    "Certificate",
    "CertificateKind",
    "DaneStatus",
    "DiscoveryResult",
    "DiscoveryWarning",
    "DnssecStatus",
    "Documentation",
    "DomainStatus",
    "EnableInstructions",
    "FailureKind",
    "LocalizedText",
    "LoginStatus",
    "NotProbed",
    "OAuth2Info",
    "OAuthMetadataStatus",
    "PaccRecordProblem",
    "Pop3Options",
    "Protocol",
    "ProviderDatabase",
    "ProviderInfo",
    "ProviderStatus",
    "ReasonCode",
    "Recommendation",
    "RecommendationReason",
    "Security",
    "ServerSettings",
    "Service",
    "ServiceKind",
    "SignIn",
    "SourceAttempt",
    "SourceName",
    "TlsStatus",
    "Trust",
    "Verdict",
    "Verification",
    "WarningCode",
    "json_schema",
]

SCHEMA_VERSION = 1
"""The version of the JSON output's schemas (``--schema``, ``--check --schema``).

It rises only when a field is removed or changes meaning; adding a field keeps it.
"""


class Protocol(StrEnum):
    """A mail protocol: IMAP and POP3 are incoming, SMTP (submission) is outgoing."""

    IMAP = "imap"
    POP3 = "pop3"
    SMTP = "smtp"


class Security(StrEnum):
    """How a connection is encrypted: implicit TLS, STARTTLS, or not at all (RFC 8314)."""

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
    """How far to trust a server's settings, from the sources that proposed it."""

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
    """How one look-up at one source ended (``SourceAttempt.status``)."""

    OK = "ok"
    EMPTY = "empty"
    ERROR = "error"
    TIMEOUT = "timeout"
    SKIPPED = "skipped"
    # Added for issue 12.11; set on attempts that would otherwise say ``empty``:
    NO_DOMAIN = "no-domain"  # nothing can be published there: the email domain does not exist
    UNRESOLVED = "unresolved"  # its host could not be resolved, nor could the online ISPDB's
    # Refused by the address policy (``Options.block_private_addresses``): the host resolves
    # only to private, loopback, link-local or special-purpose addresses, so nothing was sent.
    BLOCKED = "blocked"


class DomainStatus(StrEnum):
    """What the DNS said about the email domain itself (``DiscoveryResult.domain_status``)."""

    FOUND = "found"  # the domain exists (it has MX records, or a source found servers)
    NOT_FOUND = "not-found"  # NXDOMAIN for the domain's MX and A: the domain does not exist
    # Nothing resolved, not even the online ISPDB's host: this machine's DNS or network looks
    # down (``--offline`` still answers from the bundled data).
    DNS_DOWN = "dns-down"
    UNKNOWN = "unknown"  # not looked up (offline, fast mode) or the look-up failed otherwise


class TlsStatus(StrEnum):
    """Whether a probe established TLS (``Verification.tls``)."""

    OK = "ok"
    FAILED = "failed"
    NOT_OFFERED = "not-offered"
    NOT_TRIED = "not-tried"


class LoginStatus(StrEnum):
    """Whether a probe's login with the caller's credentials succeeded (``Verification.login``)."""

    OK = "ok"
    FAILED = "failed"
    NOT_TRIED = "not-tried"


class WarningCode(StrEnum):
    """What a :class:`DiscoveryWarning` is about, for code to decide on."""

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
    # The OAuth issuer a PACC document names has no usable metadata (RFC 8414), or metadata
    # for another issuer (then OAuth is not offered).
    OAUTH_METADATA = "oauth-metadata"
    # A DNS answer whose DNSSEC signatures do not validate: recorded, never used.
    DNSSEC_BOGUS = "dnssec-bogus"


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


class NotProbed(StrEnum):
    """Why a candidate among the top of its direction was not probed (``Verification.not_probed``).

    By default the best candidate of each direction is probed first and the others only if it
    fails (``Options.probe_all`` probes them all).
    """

    BEST_WORKS = "best-works"  # the best candidate of its direction was probed and works


class DnssecStatus(StrEnum):
    """What DNSSEC proves about a DNS answer (RFC 4035 §4.3); ``None`` where not judged."""

    SECURE = "secure"  # signed, and the chain of trust from an anchor validates
    INSECURE = "insecure"  # provably unsigned: an insecure delegation above it
    BOGUS = "bogus"  # signed, but the signatures or the chain do not validate: never used
    UNKNOWN = "unknown"  # could not be decided (no signatures seen, a look-up failed)


class DaneStatus(StrEnum):
    """How a probed server's certificate compares with its TLSA records (RFC 6698/7671)."""

    VERIFIED = "verified"  # a DNSSEC-secure TLSA record matches the presented chain
    FAILED = "failed"  # secure TLSA records exist and none matches: a certificate failure
    NONE = "none"  # no secure TLSA record for the server (the normal checks alone decide)


class CertificateKind(StrEnum):
    """Why a certificate was refused, from OpenSSL's verify code and the certificate itself."""

    HOSTNAME_MISMATCH = "hostname-mismatch"  # valid, but for other names (or IP addresses)
    EXPIRED = "expired"
    NOT_YET_VALID = "not-yet-valid"
    SELF_SIGNED = "self-signed"  # the server's own certificate signed itself
    UNTRUSTED = "untrusted"  # the chain does not end at a trusted CA
    OTHER = "other"  # revoked, wrong purpose, bad signature, ...
    # The server has DNSSEC-secure TLSA records and its certificate matches none of them: DANE
    # alone decided, whatever a CA says (RFC 7671).
    DANE_MISMATCH = "dane-mismatch"
    # The server's TLSA records failed DNSSEC validation (bogus): they may be forged, and the
    # connection is refused rather than judged without them (RFC 6698 §4.1).
    DANE_BOGUS = "dane-bogus"


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
    """A server's TLS certificate as the probe saw it."""

    valid: bool
    """True when the certificate was verified against the trust store and the host name."""
    error: str | None = None
    """Why the certificate was refused, in words (None when valid)."""
    subject_names: list[str] = Field(default_factory=_empty_list)
    """The names the certificate is for (its subject alternative names)."""
    not_after: datetime | None = None
    """When the certificate expires (UTC), when it could be read."""
    issuer: str | None = None
    """Who issued the certificate (its issuer's common or organisation name)."""
    kind: CertificateKind | None = None  # why it was refused; None when valid or not judged
    """Why it was refused, for code to decide on; None when valid or not judged."""
    spki_sha256: str | None = None
    """The SHA-256 of the leaf's SubjectPublicKeyInfo, in lower-case hex: what a TLSA
    ``3 1 1`` record for this server holds. None when the certificate could not be read."""


class Verification(_Frozen):
    """What a live probe of one server found."""

    reachable: bool
    """True when the probe connected to the server."""
    tls: TlsStatus = TlsStatus.NOT_TRIED
    """Whether TLS was established: ok, failed, not-offered (STARTTLS missing) or not-tried."""
    certificate: Certificate | None = None
    """The server's certificate as verified, when TLS was attempted."""
    capabilities: list[str] = Field(default_factory=_empty_list)  # after TLS where TLS was used
    """IMAP CAPABILITY, POP3 CAPA or SMTP EHLO keywords, after TLS where TLS was used."""
    sasl_mechanisms: list[str] = Field(default_factory=_empty_list)
    """The SASL mechanisms the server offers (after TLS where TLS was used)."""
    login: LoginStatus = LoginStatus.NOT_TRIED
    """Whether a login with the caller's credentials succeeded: ok, failed or not-tried."""
    elapsed_ms: float = 0.0
    """How long the probe took, in milliseconds."""
    error: str | None = None
    """What went wrong, in words, for people (None when the probe succeeded)."""
    capabilities_before_tls: list[str] = Field(default_factory=_empty_list)  # STARTTLS servers only
    """The capabilities a STARTTLS server announced before TLS."""
    greeting: str | None = None
    """The server's greeting line, as received."""
    login_detail: str | None = None  # the server's answer to the login, or why none was tried
    """The server's answer to the login, or why no login was tried."""
    address: str | None = None  # the IP address the probe connected to
    """The IP address the probe connected to."""
    failure: FailureKind | None = None  # what went wrong, for code; ``error`` says it in words
    """The first thing that went wrong, for code to decide on (None when all went well)."""
    # Not probed itself: learned from the probe of another candidate on the same host and port
    # (that endpoint did not answer, or it speaks TLS from the first byte and this one says not).
    inferred: bool = False
    """True when not probed itself but judged from another probe of the same host and port."""
    not_probed: NotProbed | None = None
    """Set when this server was not probed at all, and why; ``reachable`` is then False only
    because nothing was tried, and the server ranks as unchecked, never as failed."""
    dane: DaneStatus | None = None
    """The server's certificate against its TLSA records (DANE); ``None`` when not looked up
    (DNSSEC off, or no TLS reached)."""
    dane_record: str | None = None
    """The TLSA record that matched (or, on failure, the first secure one), in zone-file form
    (``"3 1 1 ab12…"``)."""
    address_dnssec: DnssecStatus | None = None
    """What DNSSEC proves of the host's address records the probe used: the A (or AAAA)
    answer ``address`` came from, else the weakest of the two; ``None`` when DNSSEC is off or
    the host is an IP address."""

    @property
    def ok(self) -> bool:
        """Reachable, encrypted as asked (or plain as published) and without error."""
        return self.reachable and self.error is None and self.tls is not TlsStatus.FAILED

    @property
    def probed(self) -> bool:
        """A probe of this server (or of one on its host and port) said something."""
        return self.not_probed is None

    @property
    def login_refused(self) -> bool:
        """The server worked, but refused the user name or password it was given."""
        return self.login is LoginStatus.FAILED or self.failure is FailureKind.AUTH_REFUSED


class Pop3Options(_Frozen):
    """ISPDB's legacy ``<pop3>`` hints for POP3 accounts."""

    leave_messages_on_server: bool | None = None
    """Whether the provider wants POP3 clients to leave mail on the server."""
    days_to_leave_messages_on_server: int | None = None
    """How many days mail should stay on the server."""
    download_on_biff: bool | None = None
    """Whether to download mail as soon as new mail is announced."""
    check_interval_minutes: int | None = None
    """How often, in minutes, the provider allows a client to check for mail."""


class ServerSettings(_Frozen):
    """One server a mail client can be configured with."""

    protocol: Protocol
    """The mail protocol: imap, pop3 (incoming) or smtp (outgoing)."""
    host: str  # IDNA-encoded ASCII, lower case, no trailing dot
    """The server's host name: IDNA-encoded ASCII, lower case, no trailing dot."""
    port: int = Field(ge=1, le=65535)
    """The TCP port (1-65535)."""
    security: Security
    """How the connection is encrypted: tls (from the first byte), starttls or plain."""
    username: str | None = None  # placeholders already filled in for this address
    """The user name to sign in with, placeholders already filled in for this address."""
    auth: list[AuthMethod] = Field(
        default_factory=_empty_list
    )  # the provider's order of preference
    """The sign-in methods the provider names, in its order of preference."""
    sources: list[SourceName] = Field(default_factory=_empty_list)
    """Every source that proposed this server."""
    trust: Trust = Trust.MEDIUM
    """How far to trust these settings: high, medium or low, from their sources."""
    verification: Verification | None = None
    """What the live probe found; None when the server was not probed."""
    pop3: Pop3Options | None = None
    """The provider's POP3 hints (ISPDB's <pop3> element), for POP3 servers."""
    # Which bundled provider database proposed this server (``ispdb-bundled`` and ``mx``).
    database: ProviderDatabase | None = None
    """Which bundled provider database proposed this server (ispdb-bundled and mx)."""
    dnssec: DnssecStatus | None = None
    """What DNSSEC proves about the DNS facts this server came from (its SRV or MX records);
    ``None`` when DNSSEC is off or no DNS fact named it."""
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
    """A text with its language."""

    text: str
    """The text."""
    lang: str | None = None
    """Its language (a BCP 47 tag such as en or de), when given."""


class Documentation(_Frozen):
    """A page of the provider's documentation for mail clients."""

    url: str
    """The address of the provider's page."""
    descriptions: list[LocalizedText] = Field(default_factory=_empty_list)
    """What the page is about, in one or more languages."""


class OAuthMetadataStatus(StrEnum):
    """How an OAuth issuer's authorization-server metadata (RFC 8414) was read."""

    OK = "ok"  # loaded, and its ``issuer`` is the published issuer exactly
    MISSING = "missing"  # no metadata at either well-known URL (an HTTP error status)
    UNREACHABLE = "unreachable"  # no answer (DNS, connection, TLS, timeout)
    INVALID = "invalid"  # an answer, but not a JSON object with the required members
    MISMATCH = "mismatch"  # its ``issuer`` is another one: a client must not use it


class OAuth2Info(_Frozen):
    """How a mail client signs in to the provider with OAuth2."""

    issuer: str | None = None
    """The OAuth2 issuer, e.g. accounts.google.com."""
    scopes: list[str] = Field(default_factory=_empty_list)
    """The scopes a mail client asks for."""
    auth_url: str | None = None
    """The authorization endpoint (the provider's web sign-in page)."""
    token_url: str | None = None
    """The token endpoint."""
    registration_url: str | None = None
    """The Dynamic Client Registration endpoint (RFC 7591), from the issuer's metadata."""
    grant_types: list[str] = Field(default_factory=_empty_list)
    """The grant types the issuer's metadata lists (RFC 8414 ``grant_types_supported``)."""
    pkce_methods: list[str] = Field(default_factory=_empty_list)
    """The PKCE methods the issuer's metadata lists (``code_challenge_methods_supported``)."""
    metadata: OAuthMetadataStatus | None = None
    """How the issuer's metadata (RFC 8414) was read; None where it was not looked for."""


class EnableInstructions(_Frozen):
    """A step the user must take at the provider before a client may connect."""

    visit_url: str | None = None
    """The page where the user takes the step."""
    instructions: list[LocalizedText] = Field(default_factory=_empty_list)
    """What to do there, in one or more languages."""


class ProviderInfo(_Frozen):
    """The mail provider that serves a domain, and what users must know about it."""

    id: str | None = None
    """The provider's identifier in its database (usually its main domain)."""
    display_name: str | None = None
    """The provider's name, for people."""
    display_short_name: str | None = None
    """A short form of the name."""
    domains: list[str] = Field(default_factory=_empty_list)
    """Every email domain the provider serves."""
    mx_domains: list[str] = Field(default_factory=_empty_list)
    """Domains its MX hosts lie in (clientConfig ``<domain purpose="mx">``): the document
    applies to any address whose lowest-preference MX host is within one of them."""
    documentation: list[Documentation] = Field(default_factory=_empty_list)
    """The provider's pages about setting up a mail client."""
    oauth2: OAuth2Info | None = None
    """How to sign in with OAuth2, when the provider supports it."""
    enable: EnableInstructions | None = None
    """A step the user must take at the provider before a client may connect."""
    webmail_url: str | None = None
    """The provider's webmail address."""
    # What users must know before and after signing in, from the bundled provider databases.
    status: ProviderStatus | None = None
    """How well the provider works with ordinary clients: ok, preparation or broken."""
    before_login_hint: str | None = None
    """What the user must do before signing in, in words."""
    after_login_hint: str | None = None
    """What the user should know after signing in, in words."""
    app_password_required: bool | None = None  # None: the databases do not say
    """True when the provider needs an app password; None when the databases do not say."""
    app_password_url: str | None = None
    """Where the user makes the app password this provider's mail sign-in takes (from the
    reviewed overrides, data/overrides.yaml); None where the data do not say."""
    no_imap: bool | None = None  # True: the provider offers no IMAP at all
    """True when the provider offers no IMAP at all."""
    no_imap_advice: str | None = None  # what to use instead (a bridge, the provider's app)
    """What to use instead when there is no IMAP (a bridge, the provider's app)."""
    website: str | None = None
    """The provider's web site."""
    note_url: str | None = None  # a page with the provider's notes for mail clients
    """A page with the provider's notes for mail clients."""
    # Provenance: the database of the servers and identity, the database of the hints above,
    # and each record used ("ispdb/gmx.net.xml", "deltachat/_providers/gmx.net.md").
    database: ProviderDatabase | None = None
    """The database the provider record and its servers came from."""
    hints_database: ProviderDatabase | None = None
    """The database the hints above came from."""
    records: list[str] = Field(default_factory=list)
    """Each bundled record used, e.g. ispdb/gmx.net.xml."""


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
    answered: bool | None = None
    """With verification (``thorough`` mode): True when the URL, asked once without
    credentials and its redirects followed, answered 2xx or 401 (the service, asking for
    credentials); False when it did not; None when it was not asked or the deadline came
    first."""
    status: int | None = None
    """The HTTP status of that answer, when one came."""


class SourceAttempt(_Frozen):
    """How one look-up at one source ended."""

    source: SourceName
    """The source that made this attempt."""
    target: str  # URL, DNS query or file
    """What was asked: a URL, a DNS query or a file."""
    status: AttemptStatus
    """How the attempt ended: ok, empty, error, timeout, skipped, no-domain or unresolved."""
    elapsed_ms: float = 0.0
    """How long it took, in milliseconds."""
    detail: str | None = None
    """Why it failed or what it found, in words, for people."""
    dnssec: DnssecStatus | None = None
    """With ``Options.dnssec`` on: for a DNS look-up, what DNSSEC proves about the answer;
    for an HTTP fetch, what it proves of the A/AAAA answers of the URL's host (the weaker;
    a redirect's hosts are not included). ``None`` when DNSSEC is off or the attempt is
    neither (a file, bundled data, a skipped fetch)."""


class DiscoveryWarning(_Frozen):
    """Something the caller should know about the settings found."""

    code: WarningCode
    """What the warning is about, for code to decide on."""
    message: str
    """The warning in one sentence, for people."""
    host: str | None = None
    """The server it concerns, when it concerns one."""


class Verdict(StrEnum):
    """How far the recommended servers can be relied on (``Recommendation.verdict``)."""

    VERIFIED = "verified"  # both chosen servers passed a live check, encrypted
    UNVERIFIED = "unverified"  # not checked: offline, or verification was off
    # A chosen server is unencrypted, or came only from a source an attacker on the network
    # could change (plain HTTP).
    INSECURE = "insecure"
    FAILED = "failed"  # servers were found, but none passed a live check
    NONE = "none"  # nothing usable was found (no incoming or no outgoing server at all)
    # This machine's DNS or network is down: says nothing about the provider.
    UNDETERMINED = "undetermined"


class SignIn(StrEnum):
    """What the user must do to sign in (``Recommendation.sign_in``)."""

    OAUTH2 = "oauth2"  # the provider's web sign-in page (OAuth2)
    APP_PASSWORD = "app-password"  # noqa: S105 - a password made in the account's settings
    PASSWORD = "password"  # noqa: S105 - the account's normal password
    # The normal password, once IMAP (or POP3) access is enabled at the provider.
    PASSWORD_AFTER_ENABLING = "password-after-enabling"  # noqa: S105
    UNSUPPORTED = "unsupported"  # no IMAP or POP3 at all: the provider's app or bridge


class ReasonCode(StrEnum):
    """Why a recommendation's verdict is what it is (``RecommendationReason.code``)."""

    CHECKED = "checked"  # both chosen servers answered a live check, encrypted
    NOT_CHECKED = "not-checked"  # no live check was made (offline, or verification off)
    PARTLY_CHECKED = "partly-checked"  # one chosen server was checked, the other was not
    PLAINTEXT = "plaintext"  # a chosen server is unencrypted
    INSECURE_SOURCE = "insecure-source"  # a chosen server came only over plain HTTP
    LOW_TRUST = "low-trust"  # little evidence backs a chosen server
    NO_INCOMING = "no-incoming"  # no incoming (IMAP or POP3) server was found
    NO_OUTGOING = "no-outgoing"  # no outgoing (SMTP) server was found
    INCOMING_FAILED = "incoming-failed"  # every incoming server failed its live check
    OUTGOING_FAILED = "outgoing-failed"  # every outgoing server failed its live check
    NO_IMAP = "no-imap"  # the provider offers no IMAP or POP3 at all
    LOCAL_DNS_DOWN = "local-dns-down"  # this machine could resolve nothing
    SIGN_IN_REFUSED = "sign-in-refused"  # a chosen server refused the user name or password


class RecommendationReason(_Frozen):
    """One reason for a recommendation's verdict: a code for programs, a sentence for people."""

    code: ReasonCode
    """What the reason is, for code to decide on."""
    message: str
    """The same in one English sentence, for people."""


class Recommendation(_Frozen):
    """The one answer of a discovery: which servers to configure, how far to rely on them and
    how to sign in. Decided once, in the engine, from the result's fields."""

    incoming: ServerSettings | None = None
    """The incoming server to configure: the best-ranked one a live check did not reject."""
    outgoing: ServerSettings | None = None
    """The outgoing (SMTP) server to configure, chosen by the same rule."""
    verdict: Verdict = Verdict.NONE
    """How far the chosen servers can be relied on."""
    sign_in: SignIn | None = None
    """How to sign in: the provider's first choice (None when nothing was found)."""
    sign_in_options: list[SignIn] = Field(default_factory=_empty_list)
    """Every way of signing in the provider allows, in the provider's order (``sign_in`` first)."""
    sign_in_url: str | None = None
    """Where to make the app password or enable IMAP (for the first of ``sign_in_options``
    that needs a step), where the provider data gives a page."""
    reasons: list[RecommendationReason] = Field(default_factory=_empty_list)
    """Why the verdict is what it is, most important first."""


class DiscoveryResult(_Frozen):
    """Everything one discovery found: the ranked servers, where they came from, what to watch."""

    address: str
    """The email address as looked up (local part as typed, domain in IDNA ASCII)."""
    domain: str
    """The email domain: IDNA-encoded ASCII, lower case."""
    provider: ProviderInfo | None = None
    """Who provides mail for the domain, when a source knows."""
    incoming: list[ServerSettings] = Field(default_factory=_empty_list)  # ranked, best first
    """The IMAP and POP3 servers, ranked, best first."""
    outgoing: list[ServerSettings] = Field(default_factory=_empty_list)  # ranked, best first
    """The SMTP servers, ranked, best first."""
    attempts: list[SourceAttempt] = Field(default_factory=_empty_list)
    """Every look-up at every source, and how it ended."""
    warnings: list[DiscoveryWarning] = Field(default_factory=_empty_list)
    """What the caller should know about these settings, in codes and words."""
    elapsed_ms: float = 0.0
    """How long the whole discovery took, in milliseconds."""
    domain_status: DomainStatus = DomainStatus.UNKNOWN  # does the email domain exist?
    """What the DNS said about the email domain itself."""
    recommendation: Recommendation | None = None
    """The servers to configure, their verdict and how to sign in: use this for decisions.
    Set by every discovery; None only on a result built by hand."""
    services: list[Service] = Field(default_factory=_empty_list)
    """JMAP, CalDAV and CardDAV services found beside the mail servers, best first."""

    @property
    def found(self) -> bool:
        """True when there is at least one incoming and one outgoing server (checked or not:
        decide on :attr:`recommendation`)."""
        return bool(self.incoming) and bool(self.outgoing)


def json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``model``'s JSON schema with ``$schema``, ``$id`` and ``version``: what ``--schema`` prints.

    The ``$id`` names the model and :data:`SCHEMA_VERSION`, e.g.
    ``urn:mail-autoconf:schema:DiscoveryResult:1``.
    """
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:mail-autoconf:schema:{model.__name__}:{SCHEMA_VERSION}",
        "version": SCHEMA_VERSION,
        **model.model_json_schema(),
    }


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
