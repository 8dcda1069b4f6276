"""The admin's report on a domain: what each mechanism publishes, what each server does, findings.

Field names and finding codes are a public contract, like :mod:`autoconf.models`: the CLI's
``--check --json`` output is ``report.model_dump(mode="json")`` and monitoring reads the codes.
Codes and fields may be added; none may be renamed without a deprecation.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from ..models import (
    DiscoveryWarning,
    DnssecStatus,
    OAuthMetadataStatus,
    PaccRecordProblem,
    Protocol,
    ProviderInfo,
    Security,
    ServerSettings,
    ServiceKind,
    SourceAttempt,
    SourceName,
    Verification,
)

__all__ = [
    "LOCAL_CODES",
    "SERVER_CODES",
    "TRANSPORT_CODES",
    "DnsRecord",
    "DomainReport",
    "Finding",
    "FindingCode",
    "HttpLookup",
    "LegacyTls",
    "LocalProblem",
    "LookupOutcome",
    "Mechanism",
    "MechanismReport",
    "MtaStsDetails",
    "MxHostReport",
    "OAuthCheck",
    "PaccDetails",
    "PaccRecord",
    "ServerReport",
    "ServiceCheck",
    "Severity",
    "TlsaCheck",
    "TransportReport",
]


class Severity(StrEnum):
    """How bad a finding is. The report's exit status is decided by the worst one."""

    ERROR = "error"  # clients will fail, or a password is at risk
    WARNING = "warning"  # works, but wrongly, fragile, or against an RFC's advice
    INFO = "info"  # worth knowing; nothing to fix


class Mechanism(StrEnum):
    """Where a client learns its settings (and the servers themselves)."""

    AUTOCONFIG = "autoconfig"  # https://autoconfig.{domain}/... and /.well-known/autoconfig/
    SRV = "srv"  # RFC 6186 / RFC 8314 SRV records
    AUTODISCOVER = "autodiscover"  # Autodiscover POX
    ISPDB = "ispdb"  # the bundled and the online ISPDB entry for the domain
    MX = "mx"  # the domain's MX records
    SERVER = "server"  # a mail server that a mechanism names
    PACC = "pacc"  # draft-ietf-mailmaint-pacc: the JSON document and its TXT digest
    MTA_STS = "mta-sts"  # RFC 8461: the _mta-sts TXT record and the policy file
    TLS_RPT = "tls-rpt"  # RFC 8460: the _smtp._tls TXT record
    DANE = "dane"  # RFC 6698/7672/7673: the TLSA records of the MX hosts and servers


class FindingCode(StrEnum):
    """Stable codes, one per kind of problem. Each has a world test that produces it."""

    # Across mechanisms
    NOTHING_PUBLISHED = "nothing-published"  # no mechanism publishes any settings
    MECHANISMS_BOGUS = "mechanisms-bogus"  # their DNS answers fail DNSSEC validation: unread
    MECHANISMS_DISAGREE = "mechanisms-disagree"  # same protocol, other host/port/security
    POP3_NOT_EVERYWHERE = "pop3-not-everywhere"  # one mechanism publishes POP3, another not
    ORDER_DIFFERS = "order-differs"  # SRV priority order differs from autoconfig's order
    # SRV
    SRV_TARGET_OUTSIDE_DOMAIN = "srv-target-outside-domain"
    SRV_TARGET_UNRESOLVED = "srv-target-unresolved"
    SRV_NOT_OFFERED = "srv-not-offered"  # target "." : the service is explicitly not offered
    SRV_STARTTLS_PREFERRED = "srv-starttls-preferred"  # RFC 8314 §5.1 preference not followed
    # autoconfig
    AUTOCONFIG_HTTP_ONLY = "autoconfig-http-only"
    AUTOCONFIG_ONE_URL = "autoconfig-one-url"  # only one of the two HTTPS URLs answers
    AUTOCONFIG_NEEDS_ADDRESS = "autoconfig-needs-address"  # breaks without ?emailaddress=
    AUTOCONFIG_DEPENDS_ON_ADDRESS = "autoconfig-depends-on-address"  # other servers with it
    AUTOCONFIG_CONTENT_TYPE = "autoconfig-content-type"  # not an XML content type
    AUTOCONFIG_NOT_XML = "autoconfig-not-xml"  # HTML (or other non-XML) instead of XML
    AUTOCONFIG_REDIRECT_ELSEWHERE = "autoconfig-redirect-elsewhere"  # to another domain
    AUTOCONFIG_CERTIFICATE = "autoconfig-certificate"  # the web host's certificate is refused
    SKIPPED_SERVER = "skipped-server"  # a published server entry the parser had to skip
    BAD_DOCUMENT = "bad-document"  # a published document that does not parse
    # ISPDB
    ISPDB_STALE = "ispdb-stale"  # the ISPDB entry differs from what the domain publishes
    # Servers
    SERVER_UNREACHABLE = "server-unreachable"
    CERTIFICATE_INVALID = "certificate-invalid"  # evidence names the CertificateKind
    CERTIFICATE_EXPIRING = "certificate-expiring"  # within 21 days
    CERTIFICATE_CHAIN_INCOMPLETE = "certificate-chain-incomplete"
    LEGACY_TLS_ACCEPTED = "legacy-tls-accepted"  # TLS 1.0 or 1.1 still accepted
    LEGACY_TLS_NOT_TESTED = "legacy-tls-not-tested"  # this machine's OpenSSL cannot offer them
    PLAINTEXT_LOGIN_BEFORE_TLS = "plaintext-login-before-tls"
    STARTTLS_MISSING = "starttls-missing"  # 143/587/110 without STARTTLS/STLS
    IMPLICIT_TLS_MISSING = "implicit-tls-missing"  # no 993/465/995 (RFC 8314 §3.3)
    SUBMISSION_MISSING = "submission-missing"  # SMTP on port 25 only
    SASL_MECHANISMS = "sasl-mechanisms"  # info: what the server offers
    CERTIFICATE_DANE_ONLY = "certificate-dane-only"  # only its TLSA records vouch for it
    # MX
    MX_NONE = "mx-none"
    MX_NULL = "mx-null"  # RFC 7505 "0 ." : the domain accepts no mail
    MX_UNRESOLVED = "mx-unresolved"  # an MX host resolves to nothing
    MX_PROVIDER = "mx-provider"  # info: the MX belongs to a provider the offline data knows
    MX_PROVIDER_MISMATCH = "mx-provider-mismatch"  # published config is not that provider's
    # PACC (draft-ietf-mailmaint-pacc)
    PACC_UNREACHABLE = "pacc-unreachable"  # TXT records published, the document not served
    PACC_CERTIFICATE = "pacc-certificate"  # ua-auto-config.DOMAIN's certificate is refused
    PACC_REDIRECT = "pacc-redirect"  # the document URL redirects: clients do not follow
    PACC_BAD_DOCUMENT = "pacc-bad-document"  # not JSON, or no ``protocols`` object
    PACC_NO_RECORD = "pacc-no-record"  # no _ua-auto-config TXT record: clients ignore it
    PACC_BAD_RECORD = "pacc-bad-record"  # a UAAC TXT record that does not parse
    PACC_DIGEST_MISMATCH = "pacc-digest-mismatch"  # no record's digest matches the document
    PACC_STALE_RECORD = "pacc-stale-record"  # records beside the matching one (a rollover)
    PACC_ONE_REVISION = "pacc-one-revision"  # ``smtp`` without ``submit`` (or the reverse)
    PACC_ENTRY_IGNORED = "pacc-entry-ignored"  # an entry clients must ignore (bad host, URL)
    # The zone's DNSSEC status (RFC 4033-4035): what DANE stands on
    ZONE_DNSSEC_BOGUS = "zone-dnssec-bogus"  # signed, but validation fails: resolvers SERVFAIL
    ZONE_UNSIGNED = "zone-unsigned"  # info: no chain of trust, so DANE cannot work
    # Mail between servers: the MX hosts on port 25 (RFC 3207, RFC 7672)
    MX_UNREACHABLE = "mx-unreachable"  # nothing answered SMTP on port 25
    MX_STARTTLS_MISSING = "mx-starttls-missing"  # no STARTTLS, or it failed
    MX_CERTIFICATE = "mx-certificate"  # the WebPKI refuses the MX's certificate
    MX_OLD_TLS = "mx-old-tls"  # the MX agreed to TLS older than 1.2
    # DANE (RFC 6698, RFC 7672 for SMTP, RFC 7673 for SRV-named servers)
    TLSA_MISMATCH = "tlsa-mismatch"  # no TLSA record matches what the server presents
    TLSA_NOT_SECURE = "tlsa-not-secure"  # TLSA records in a zone DNSSEC does not sign
    TLSA_BOGUS = "tlsa-bogus"  # the TLSA answer fails DNSSEC validation
    TLSA_USAGE_DISCOURAGED = "tlsa-usage-discouraged"  # usage 0/1 (PKIX-TA/EE) for mail
    TLSA_MISSING = "tlsa-missing"  # info: DNSSEC-signed, but no TLSA for the server
    # MTA-STS (RFC 8461)
    MTA_STS_BAD_RECORD = "mta-sts-bad-record"  # the _mta-sts TXT record does not parse
    MTA_STS_POLICY_UNREACHABLE = "mta-sts-policy-unreachable"  # record, but no policy served
    MTA_STS_BAD_POLICY = "mta-sts-bad-policy"  # the policy file does not parse
    MTA_STS_NO_RECORD = "mta-sts-no-record"  # a policy served without the TXT record
    MTA_STS_MX_MISMATCH = "mta-sts-mx-mismatch"  # an MX host matches no mx pattern
    MTA_STS_TESTING = "mta-sts-testing"  # info: mode testing (or none)
    MTA_STS_MISSING = "mta-sts-missing"  # info: neither MTA-STS nor DANE protects mail to it
    # TLS-RPT (RFC 8460)
    TLS_RPT_BAD_RECORD = "tls-rpt-bad-record"  # the _smtp._tls TXT record does not parse
    TLS_RPT_MISSING = "tls-rpt-missing"  # info: MTA-STS or DANE without reports
    PACC_OAUTH_METADATA = "pacc-oauth-metadata"  # the issuer's RFC 8414 metadata does not load
    PACC_OAUTH_MISMATCH = "pacc-oauth-mismatch"  # the metadata names another issuer
    PACC_OAUTH_PROFILE = "pacc-oauth-profile"  # no public client: PKCE S256, no secret, code
    # JMAP, CalDAV and CardDAV URLs (from PACC or SRV), asked without credentials
    SERVICE_UNREACHABLE = "service-unreachable"  # no 2xx or 401 at the end of the redirects
    SERVICE_NO_CHALLENGE = "service-no-challenge"  # 401 without WWW-Authenticate
    SERVICE_WELL_KNOWN = "service-well-known"  # /.well-known/caldav|carddav answers itself
    # Bounds: a domain that publishes more than a check looks at
    SRV_RECORDS_LEFT_OUT = "srv-records-left-out"  # over MAX_SRV_RECORDS for one service
    SERVERS_LEFT_OUT = "servers-left-out"  # over MAX_SERVERS named: the rest not probed
    # Any mechanism
    MECHANISM_TIMEOUT = "mechanism-timeout"  # a URL or DNS name asked did not answer in time
    # This machine, not the domain: then the only finding (DomainReport.local_problem)
    LOCAL_DNS_DOWN = "local-dns-down"  # this machine's DNS resolves nothing, not even the ISPDB
    LOCAL_NETWORK_DOWN = "local-network-down"  # names resolve, but nothing can be reached


# The codes that are about one named server (produced by :mod:`autoconf.check.servers`); every
# other code is about what a mechanism publishes, or how mechanisms relate.
SERVER_CODES = frozenset(
    {
        FindingCode.SERVER_UNREACHABLE,
        FindingCode.CERTIFICATE_INVALID,
        FindingCode.CERTIFICATE_EXPIRING,
        FindingCode.CERTIFICATE_CHAIN_INCOMPLETE,
        FindingCode.LEGACY_TLS_ACCEPTED,
        FindingCode.LEGACY_TLS_NOT_TESTED,
        FindingCode.PLAINTEXT_LOGIN_BEFORE_TLS,
        FindingCode.STARTTLS_MISSING,
        FindingCode.IMPLICIT_TLS_MISSING,
        FindingCode.SUBMISSION_MISSING,
        FindingCode.SASL_MECHANISMS,
        FindingCode.CERTIFICATE_DANE_ONLY,
    }
)


# The codes about mail between servers (produced by :mod:`autoconf.check.transport_findings`):
# the MX hosts on port 25, TLSA records, MTA-STS and TLS-RPT.
TRANSPORT_CODES = frozenset(
    {
        FindingCode.ZONE_DNSSEC_BOGUS,
        FindingCode.ZONE_UNSIGNED,
        FindingCode.MX_UNREACHABLE,
        FindingCode.MX_STARTTLS_MISSING,
        FindingCode.MX_CERTIFICATE,
        FindingCode.MX_OLD_TLS,
        FindingCode.TLSA_MISMATCH,
        FindingCode.TLSA_NOT_SECURE,
        FindingCode.TLSA_BOGUS,
        FindingCode.TLSA_USAGE_DISCOURAGED,
        FindingCode.TLSA_MISSING,
        FindingCode.MTA_STS_BAD_RECORD,
        FindingCode.MTA_STS_POLICY_UNREACHABLE,
        FindingCode.MTA_STS_BAD_POLICY,
        FindingCode.MTA_STS_NO_RECORD,
        FindingCode.MTA_STS_MX_MISMATCH,
        FindingCode.MTA_STS_TESTING,
        FindingCode.MTA_STS_MISSING,
        FindingCode.TLS_RPT_BAD_RECORD,
        FindingCode.TLS_RPT_MISSING,
    }
)


class LocalProblem(StrEnum):
    """Why this machine could not check the domain at all (``DomainReport.local_problem``)."""

    DNS_DOWN = "dns-down"  # neither the domain nor a name that must exist could be looked up
    NETWORK_DOWN = "network-down"  # that name resolves, but neither it nor the domain answered


# The codes that are about this machine, not the domain: each is then a report's only finding
# (produced by :mod:`autoconf.check.local`).
LOCAL_CODES = frozenset({FindingCode.LOCAL_DNS_DOWN, FindingCode.LOCAL_NETWORK_DOWN})


class LegacyTls(StrEnum):
    """Whether a server still accepts TLS 1.0/1.1."""

    ACCEPTED = "accepted"
    REFUSED = "refused"
    NOT_TESTED = "not-tested"  # this machine's OpenSSL cannot offer them, or no TLS reached


class LookupOutcome(StrEnum):
    """How one HTTP look-up of a mechanism ended, for code to decide on."""

    OK = "ok"  # a document that parsed and names at least one server
    EMPTY = "empty"  # a document that parsed and names no usable server
    NOT_FOUND = "not-found"  # 404/410, or the host name does not exist: nothing published here
    UNREACHABLE = "unreachable"  # the connection was refused or failed
    HTTP_ERROR = "http-error"  # another HTTP status (see ``status``)
    NOT_XML = "not-xml"  # an HTML page or other non-XML answer
    BAD_DOCUMENT = "bad-document"  # XML that is not a valid clientConfig
    CERTIFICATE = "certificate"  # the web host's certificate was refused (see ``certificate``)
    TLS = "tls"  # TLS failed for another reason
    REDIRECT_REFUSED = "redirect-refused"  # a downgrade, a loop, too many hops
    TIMEOUT = "timeout"  # a phase limit or the deadline passed
    ERROR = "error"  # anything else


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)


class HttpLookup(_Frozen):
    """One URL a mechanism fetched: what came back, and what the parser made of it."""

    url: str
    """The URL fetched."""
    with_address: bool = False  # the URL carried ``?emailaddress=``
    """True when the URL carried ?emailaddress=."""
    outcome: LookupOutcome
    """How the look-up ended, for code to decide on."""
    status: int | None = None  # HTTP status of the final answer, when one came
    """The HTTP status of the final answer, when one came."""
    content_type: str | None = None
    """The Content-Type of the final answer."""
    final_url: str | None = None  # after redirects
    """The URL that answered, after redirects."""
    redirects: list[str] = Field(default_factory=list)  # every URL visited before the final one
    """Every URL visited before the final one."""
    redirected_elsewhere: bool = False  # a redirect led to another registrable domain
    """True when a redirect led to another registrable domain."""
    certificate: str | None = None  # the CertificateKind value when the certificate was refused
    """The CertificateKind value when the web host's certificate was refused."""
    detail: str | None = None  # for people
    """What happened, in words, for people."""
    incoming: list[ServerSettings] = Field(default_factory=list)
    """The incoming servers the answer names."""
    outgoing: list[ServerSettings] = Field(default_factory=list)
    """The outgoing servers the answer names."""
    skipped: list[str] = Field(default_factory=list)  # server entries the parser left out, why
    """Server entries the parser left out, and why."""
    dnssec: DnssecStatus | None = None
    """What DNSSEC proved of the URL host's addresses (None with DNSSEC off or for an IP):
    ``bogus`` means the host could not be read, not that nothing is published there."""


class DnsRecord(_Frozen):
    """One SRV or MX record as published, and whether its target resolves."""

    name: str  # the owner name asked, e.g. ``_imaps._tcp.example.com``
    """The owner name asked, e.g. _imaps._tcp.example.com."""
    rtype: str  # "SRV" or "MX"
    """The record type: SRV or MX."""
    priority: int  # SRV priority, MX preference
    """The SRV priority or the MX preference."""
    weight: int | None = None
    """The SRV weight."""
    port: int | None = None
    """The SRV port."""
    target: str  # as published, without the trailing dot; "." or "" for "not offered"/null MX
    """The target as published, without the trailing dot; '.' or '' for not offered or a null MX."""
    resolves: bool | None = None  # None: not looked up (a "." target) or the look-up failed
    """Whether the target has an address; None when not looked up or the look-up failed."""
    dnssec: DnssecStatus | None = None
    """What DNSSEC proves about the answer the record came from (``secure``: signed with a
    chain of trust); None with ``--dnssec off``."""


class Finding(_Frozen):
    """One problem (or fact) with its evidence and, where there is one, the fix."""

    code: FindingCode
    """The kind of problem, stable, for code and monitoring to decide on."""
    severity: Severity
    """How bad it is: error, warning or info."""
    mechanisms: list[Mechanism]  # where it was seen; two or more for disagreements
    """Where it was seen; two or more for a disagreement."""
    message: str  # one plain sentence, for people; code decides on ``code`` only
    """The problem in one plain sentence, for people."""
    fix: str | None = None  # what to publish or change, for people
    """What to publish or change, for people, when there is a fix."""
    evidence: list[str] = Field(default_factory=list)  # URLs, records, replies, names
    """What shows it: URLs, records, server replies, names."""
    host: str | None = None
    """The server it concerns, when it concerns one."""
    port: int | None = None
    """That server's port."""


class PaccRecord(_Frozen):
    """One TXT record at ``_ua-auto-config.DOMAIN``, as read."""

    text: str
    """The record's text (its strings joined)."""
    problem: PaccRecordProblem | None = None
    """Why it cannot vouch for a document; None when it is a usable UAAC1 record."""
    matches: bool = False
    """Its digest equals the SHA-256 of the document served."""


class OAuthCheck(_Frozen):
    """The OAuth issuer a PACC document names, and its metadata (RFC 8414) as read."""

    issuer: str
    """The issuer the document names."""
    status: OAuthMetadataStatus
    """How its metadata was read: ok only when its ``issuer`` is this one exactly."""
    url: str
    """The metadata URL that decided (RFC 8414's, or OpenID Connect's when that one failed)."""
    detail: str | None = None
    """What went wrong, for people."""
    authorization_endpoint: str | None = None
    """The authorization endpoint, from metadata that matched."""
    token_endpoint: str | None = None
    """The token endpoint, from metadata that matched."""
    registration_endpoint: str | None = None
    """The Dynamic Client Registration endpoint (RFC 7591), when the metadata names one."""
    grant_types: list[str] = Field(default_factory=list)
    """``grant_types_supported`` as published (empty: the RFC 8414 default)."""
    pkce_methods: list[str] = Field(default_factory=list)
    """``code_challenge_methods_supported`` as published."""
    token_auth_methods: list[str] = Field(default_factory=list)
    """``token_endpoint_auth_methods_supported`` as published."""
    public_client_ready: bool = False
    """The authorization code grant with PKCE S256 and no client secret is offered, as the
    OAuth profile for open public clients needs."""


class ServiceCheck(_Frozen):
    """A JMAP, CalDAV or CardDAV URL a mechanism names, asked once without credentials."""

    kind: ServiceKind
    """What the URL serves."""
    lookup: HttpLookup
    """The request: 2xx or 401 at the end of the redirects is an ``ok`` outcome."""
    challenges: list[str] = Field(default_factory=list)
    """The ``WWW-Authenticate`` challenges of a 401 answer."""


class PaccDetails(_Frozen):
    """What the PACC check read: the document's digest, the records and the document's keys."""

    digest: str | None = None
    """The base64 SHA-256 of the document served (None when none was fetched)."""
    record_to_publish: str | None = None
    """The TXT record text that would vouch for the document served."""
    records: list[PaccRecord] = Field(default_factory=list)
    """Every TXT record at the integrity name."""
    keys: list[str] = Field(default_factory=list)
    """The keys under ``protocols``, as published."""
    ignored: list[str] = Field(default_factory=list)
    """Entries of the document that clients must ignore, and why."""
    urls: list[str] = Field(default_factory=list)
    """The JMAP, CalDAV and CardDAV URLs the document names."""
    oauth: OAuthCheck | None = None
    """The OAuth issuer the document names and its metadata; None when it names none."""


class MechanismReport(_Frozen):
    """What one mechanism publishes, looked at on its own."""

    mechanism: Mechanism
    """The mechanism looked at."""
    published: bool  # it gave at least one server (or, for MX, at least one record)
    """True when it gave at least one server (for MX, at least one record)."""
    where: list[str] = Field(default_factory=list)  # URLs / DNS names that were asked
    """The URLs and DNS names that were asked."""
    http_status: int | None = None  # for HTTP mechanisms, of the answer that counted
    """For HTTP mechanisms, the status of the answer that counted."""
    content_type: str | None = None
    """For HTTP mechanisms, the Content-Type of the answer that counted."""
    incoming: list[ServerSettings] = Field(default_factory=list)  # in the published order
    """The incoming servers it names, in the published order."""
    outgoing: list[ServerSettings] = Field(default_factory=list)
    """The outgoing servers it names, in the published order."""
    skipped: list[DiscoveryWarning] = Field(default_factory=list)  # entries skipped, and why
    """Entries skipped, and why."""
    attempts: list[SourceAttempt] = Field(default_factory=list)
    """Every look-up made for it, as in a discovery."""
    records: list[str] = Field(default_factory=list)  # DNS records as text (SRV, MX)
    """The DNS records as text (SRV, MX)."""
    source: SourceName | None = None  # which source, where one mechanism has two (ISPDB)
    """Which source, where one mechanism has two (the bundled and online ISPDB)."""
    lookups: list[HttpLookup] = Field(default_factory=list)  # every URL fetched, one by one
    """Every URL fetched, one by one."""
    dns: list[DnsRecord] = Field(default_factory=list)  # SRV / MX records, structured
    """The SRV or MX records, structured."""
    provider: ProviderInfo | None = None  # the provider the mechanism names (ISPDB, MX)
    """The provider the mechanism names (ISPDB, MX)."""
    reached: bool | None = None
    """For the online ISPDB: whether it answered at all (any HTTP answer, even 404); a
    ``False`` says nothing about the domain. ``None`` where this is not recorded."""
    pacc: PaccDetails | None = None
    """For the PACC mechanism: the digest, the TXT records and the document's entries."""
    services: list[ServiceCheck] = Field(default_factory=list)
    """The JMAP, CalDAV and CardDAV URLs it names (PACC, SRV), each asked once without
    credentials; empty with ``--no-verify``."""
    records_left_out: int = 0
    """DNS records published beyond what the check looks at (more than
    ``autoconf.check.findings.MAX_SRV_RECORDS`` for one SRV service): neither resolved,
    listed nor probed."""


class ServerReport(_Frozen):
    """One server that some mechanism names, probed."""

    protocol: Protocol
    """The mail protocol: imap, pop3 or smtp."""
    host: str
    """The server's host name."""
    port: int
    """The TCP port."""
    security: Security
    """How the connection is encrypted: tls, starttls or plain."""
    mechanisms: list[Mechanism] = Field(default_factory=list)  # who named it
    """The mechanisms that name this server."""
    verification: Verification | None = None
    """What the probe found; None when it was not probed (--no-verify)."""
    legacy_tls: LegacyTls = LegacyTls.NOT_TESTED
    """Whether the server still accepts TLS 1.0 or 1.1."""
    plaintext_login_before_tls: bool | None = None  # None: not applicable or not seen
    """True when a STARTTLS server offers a login before TLS; None when not applicable or not seen.
    """
    tlsa: TlsaCheck | None = None
    """Its TLSA records (RFC 7673), when they were looked up."""
    dane_only: bool = False
    """The certificate passed only by the server's DNSSEC-secure TLSA records (DANE): the CA
    store (the public CAs, or ``--ca-file``) refuses it, so clients without DANE reject it.
    Only ever true with ``--dnssec`` on."""


class TlsaCheck(_Frozen):
    """A server's TLSA records (``_PORT._tcp.HOST``) and how they compare with its key."""

    records: list[str] = Field(default_factory=list)
    """The TLSA records in zone-file form (``"3 1 1 ab12…"``)."""
    dnssec: DnssecStatus | None = None
    """What DNSSEC proves about the answer; None when DNSSEC was not asked (``--dnssec off``)."""
    matches: bool | None = None
    """A record matches what the server presented; None when it could not be compared (no
    key read, or only records this check does not compare: it compares ``x 1 1`` and
    ``x 0 1`` with the leaf; a probe with DNSSEC on compares them all)."""
    error: str | None = None
    """Why the look-up failed, for people."""


class MxHostReport(_Frozen):
    """One MX host, probed on port 25 as a sending server would (EHLO, STARTTLS)."""

    host: str
    """The MX host name."""
    preference: int
    """The MX preference."""
    verification: Verification | None = None
    """The SMTP probe on port 25 (STARTTLS, the WebPKI verdict on its certificate)."""
    tls_version: str | None = None
    """The TLS version the host agreed to (``"TLSv1.3"``); None when no TLS was reached."""
    spki_sha256: str | None = None
    """The SHA-256 of the presented leaf's SubjectPublicKeyInfo, whatever the WebPKI says."""
    tlsa: TlsaCheck | None = None
    """Its TLSA records at ``_25._tcp.HOST`` (RFC 7672)."""


class MtaStsDetails(_Frozen):
    """What the MTA-STS check read (RFC 8461)."""

    record: str | None = None
    """The ``v=STSv1`` TXT record at ``_mta-sts.DOMAIN``, as published."""
    record_problem: str | None = None
    """Why that record (or the set of them) is unusable, for people."""
    policy: HttpLookup | None = None
    """The policy fetch (no redirects followed, certificate checked)."""
    policy_problem: str | None = None
    """Why the policy file does not parse, for people."""
    mode: str | None = None
    """The policy's mode: enforce, testing or none."""
    max_age: int | None = None
    """The policy's max_age in seconds."""
    mx: list[str] = Field(default_factory=list)
    """The policy's mx patterns."""


class TransportReport(_Frozen):
    """How other mail servers reach the domain: MX hosts on port 25, DANE, MTA-STS, TLS-RPT."""

    dnssec: DnssecStatus | None = None
    """The domain's zone: secure, insecure, bogus or unknown (validated from the trust
    anchors whatever ``--dnssec`` says)."""
    dnssec_detail: str | None = None
    """The link of the chain of trust that decided it (for bogus: the one that fails)."""
    mx: list[MxHostReport] = Field(default_factory=list)
    """Every MX host probed, in preference order."""
    mta_sts: MtaStsDetails = Field(default_factory=MtaStsDetails)
    """The MTA-STS record and policy."""
    tls_rpt: str | None = None
    """The ``v=TLSRPTv1`` TXT record at ``_smtp._tls.DOMAIN``."""
    tls_rpt_problem: str | None = None
    """Why it is unusable, for people."""


class DomainReport(_Frozen):
    """The check of one domain: every mechanism, every server they name, and the findings.

    The command line exits with 0 when no finding is a warning or an error, 4 with warnings
    only, 5 with at least one error, and 6 when ``local_problem`` is set: this machine could
    not check the domain at all (its DNS or network is down), and the one finding says so.
    """

    domain: str  # IDNA ASCII
    """The domain checked: IDNA-encoded ASCII."""
    address: str | None = None  # when the caller gave one (used for ?emailaddress=)
    """The address sent as ?emailaddress=, when the caller gave one."""
    checked_at: datetime
    """When the check ran (UTC)."""
    elapsed_ms: float = 0.0
    """How long the check took, in milliseconds."""
    mechanisms: list[MechanismReport] = Field(default_factory=list)
    """What each mechanism publishes, looked at on its own."""
    servers: list[ServerReport] = Field(default_factory=list)
    """Every server some mechanism names, probed."""
    findings: list[Finding] = Field(default_factory=list)
    """Every problem (or fact) found, with its evidence and fix."""
    local_problem: LocalProblem | None = None
    """Set when this machine's DNS or network is down, so nothing could be judged about the
    domain: then the findings are one ``local-dns-down`` or ``local-network-down`` and no
    other, and ``--check`` exits with 6 ("could not check from here")."""
    transport: TransportReport | None = None
    """Mail between servers: the MX hosts probed on port 25, DANE, MTA-STS and TLS-RPT; None
    when not checked (``--no-verify``, or this machine's network is down)."""
    servers_left_out: int = 0
    """Servers the mechanisms name beyond ``autoconf.check.findings.MAX_SERVERS``: not probed
    and not in ``servers`` (a ``servers-left-out`` finding says so)."""

    @property
    def worst(self) -> Severity | None:
        """The worst severity among the findings (None when there are none)."""
        for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO):
            if any(f.severity is severity for f in self.findings):
                return severity
        return None
