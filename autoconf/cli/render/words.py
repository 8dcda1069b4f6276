"""Plain words for what a discovery found: pure functions, no terminal library.

A person who knows nothing of mail protocols reads these. Each function turns one piece of a
:class:`~autoconf.models.DiscoveryResult` into a short phrase or sentence; the renderers decide
where and how it is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ...hints import general_hints
from ...models import (
    AuthMethod,
    Certificate,
    CertificateKind,
    DiscoveryResult,
    DiscoveryWarning,
    DomainStatus,
    FailureKind,
    LocalizedText,
    LoginStatus,
    NotProbed,
    ProviderDatabase,
    ProviderInfo,
    ProviderStatus,
    ReasonCode,
    Security,
    ServerSettings,
    ServiceKind,
    SignIn,
    SourceName,
    TlsStatus,
    Verdict,
    Verification,
    WarningCode,
)
from ...recommend import REASONS, recommendation_of

__all__ = [
    "Check",
    "auth_words",
    "certificate_words",
    "check",
    "domain_sentence",
    "english",
    "found_by",
    "no_imap_sentence",
    "nothing_checked",
    "provider_notes",
    "recommended",
    "safety",
    "security_words",
    "sign_in_words",
    "source_words",
    "unicode_address",
    "unicode_domain",
    "warning_words",
]

# What mail apps call each setting (Thunderbird, Apple Mail and Outlook use these words).
SECURITY = {
    Security.TLS: "SSL/TLS",
    Security.STARTTLS: "STARTTLS",
    Security.PLAIN: "none (unencrypted)",
}

AUTH = {
    AuthMethod.PASSWORD_CLEARTEXT: "password",
    AuthMethod.PASSWORD_ENCRYPTED: "encrypted password",
    AuthMethod.OAUTH2: "OAuth2",
    AuthMethod.NTLM: "NTLM",
    AuthMethod.GSSAPI: "Kerberos",
    AuthMethod.CLIENT_CERT: "TLS certificate",
    AuthMethod.NONE: "no sign-in",
}

SERVICE_KINDS = {
    ServiceKind.JMAP: "JMAP (mail, calendars and contacts)",
    ServiceKind.CALDAV: "Calendars (CalDAV)",
    ServiceKind.CARDDAV: "Contacts (CardDAV)",
}
# What the live check of a service URL found (Service.answered; nothing when not asked).
SERVICE_ANSWERED: dict[bool | None, str] = {True: ", answers", False: ", does not answer"}

SOURCES = {
    SourceName.LOCAL: "your local configuration files",
    SourceName.PACC: "the provider's PACC document (HTTPS, vouched for by its DNS)",
    SourceName.AUTOCONFIG: "the provider's own configuration file (HTTPS)",
    SourceName.SRV: "the domain's DNS service records",
    SourceName.ISPDB_BUNDLED: "Mozilla's provider database (bundled)",
    SourceName.ISPDB: "Mozilla's provider database (online)",
    SourceName.MX: "the domain's mail exchanger (MX) records",
    SourceName.AUTODISCOVER: "Microsoft Autodiscover",
    SourceName.AUTOCONFIG_HTTP: "the provider's configuration file over unencrypted HTTP",
    SourceName.GUESS: "a guess confirmed by connecting",
}

# Where the bundled index's servers and hints came from (``ServerSettings.database``).
DATABASES = {
    ProviderDatabase.ISPDB: "Mozilla's provider database (bundled)",
    ProviderDatabase.DELTACHAT: "Delta Chat's provider database (bundled)",
    ProviderDatabase.K9: "K-9 Mail's provider list (bundled, last updated 2023)",
    ProviderDatabase.MAILCORE2: "mailcore2's provider list (bundled, last updated 2020)",
}

STATUS = {
    ProviderStatus.OK: None,
    ProviderStatus.PREPARATION: "This provider needs a step from you before a mail app may "
    "sign in.",
    ProviderStatus.BROKEN: "Delta Chat's provider database marks this provider as not working "
    "with ordinary sign-in; some apps manage through OAuth2 or another route.",
}

# One plain sentence per warning code; the library's own message follows as the detail.
WARNINGS = {
    WarningCode.INSECURE_SOURCE: (
        "This setting came over unencrypted HTTP, so someone on the network could have changed it."
    ),
    WarningCode.HOST_OUTSIDE_DOMAIN: (
        "A server is outside your mail domain; check that it really belongs to your provider."
    ),
    WarningCode.CERTIFICATE_INVALID: (
        "The server's certificate does not prove who it is (for example it is for another "
        "name, or expired); do not send your password there."
    ),
    WarningCode.PLAINTEXT_ONLY: (
        "Only unencrypted servers were found: your password would travel in clear text."
    ),
    WarningCode.SOURCES_DISAGREE: (
        "The places we looked name different servers; the one shown first is the most trustworthy."
    ),
    WarningCode.SKIPPED_SERVER: "A server was left out because it could not be used.",
    WarningCode.BAD_DOCUMENT: "A configuration file was unreadable and was ignored.",
    WarningCode.STARTTLS_NOT_OFFERED: (
        "A server promised encryption (STARTTLS) but did not offer it when asked."
    ),
    WarningCode.REDIRECTED: "The provider sent us on to another address for its settings.",
    WarningCode.SECURITY_FROM_PORT: (
        "A file's encryption setting did not fit its port; we went by the port."
    ),
    WarningCode.INCOMPLETE_DOCUMENT: (
        "A provider's file names no server for sending or for receiving mail."
    ),
    WarningCode.PACC_DIGEST_MISMATCH: (
        "The provider's PACC file does not match the fingerprint its DNS publishes, so it was "
        "changed on the way or is out of date; it was not used."
    ),
    WarningCode.OAUTH_METADATA: (
        "The provider's sign-in service (OAuth) does not describe itself as it should, so "
        "signing in through it may not work."
    ),
    WarningCode.DNSSEC_BOGUS: (
        "A DNS answer carried DNSSEC signatures that do not check out, so it may have been "
        "forged; it was not used."
    ),
}


def unicode_domain(domain: str) -> str:
    """``xn--bcher-kva.example`` → ``bücher.example``: the form a person wrote (labels that do
    not decode stay as they are)."""
    import idna

    labels = []
    for label in domain.split("."):
        try:
            labels.append(idna.decode(label) if label else label)
        except (idna.IDNAError, UnicodeError):
            labels.append(label)
    return ".".join(labels)


def unicode_address(address: str) -> str:
    """The address with its domain in Unicode form (see :func:`unicode_domain`)."""
    local, at, domain = address.rpartition("@")
    return f"{local}{at}{unicode_domain(domain)}" if at else address


def security_words(security: Security) -> str:
    return SECURITY[security]


def auth_words(methods: Sequence[AuthMethod]) -> str:
    """``[oauth2, password-cleartext]`` → ``OAuth2 or normal password``."""
    if not methods:
        return "-"
    return " or ".join(AUTH[m] for m in methods)


def source_words(source: SourceName, database: ProviderDatabase | None = None) -> str:
    """Where a server came from; for the bundled index, which of its databases."""
    if database is not None and source in (SourceName.ISPDB_BUNDLED, SourceName.MX):
        return DATABASES[database] if source is SourceName.ISPDB_BUNDLED else SOURCES[source]
    return SOURCES[source]


def found_by(server: ServerSettings) -> str:
    """The sources of a server; a secondary bundled database is named after the source."""
    names = ", ".join(source.value for source in server.sources) or "-"
    if server.database not in (None, ProviderDatabase.ISPDB):
        names += f" ({server.database.value})"
    return names


def provider_notes(provider: ProviderInfo) -> list[str]:
    """What a person must know before and after signing in, beyond the recommended sign-in
    (which already says "app password" or "enable IMAP"): the provider's status and the
    databases' hints fit for every mail app, marked with their language; one a line."""
    notes: list[str] = []
    status = STATUS[provider.status] if provider.status is not None else None
    if status is not None and not provider.no_imap:
        notes.append(status)
    for hint in general_hints(provider):
        when = "Before you sign in" if hint.when == "before" else "After you sign in"
        language = f" (in {hint.language})" if hint.language else ""
        notes.append(f"{when}{language}: {hint.text}")
    if notes and provider.hints_database is not None:
        notes.append(f"Source of these notes: {DATABASES[provider.hints_database]}.")
    for label, url in (("More", provider.note_url), ("Website", provider.website)):
        if url and notes:
            notes.append(f"{label}: {url}")
    return notes


def no_imap_sentence(provider: ProviderInfo | None, domain: str) -> str | None:
    """The answer for a provider that offers no IMAP at all, or None."""
    if provider is None or not provider.no_imap:
        return None
    name = provider.display_name or domain
    sentence = (
        f"{name} offers no IMAP, so no mail app can sign in to {domain} with server settings."
    )
    if provider.no_imap_advice:
        sentence += f" {provider.no_imap_advice}"
    if provider.hints_database is not None:
        sentence += f" Source: {DATABASES[provider.hints_database]}"
        sentence += f", {provider.note_url}." if provider.note_url else "."
    return sentence


def warning_words(warning: DiscoveryWarning) -> str:
    return WARNINGS.get(warning.code, warning.message)


def english(texts: Sequence[LocalizedText]) -> str | None:
    """The English text if there is one, else the first."""
    for text in texts:
        if text.lang in (None, "en") or (text.lang or "").startswith("en-"):
            return text.text
    return texts[0].text if texts else None


# Why a certificate was refused, by the kind the probe classified (never by its message).
CERTIFICATE = {
    CertificateKind.HOSTNAME_MISMATCH: "the certificate is for another name",
    CertificateKind.EXPIRED: "the certificate has expired",
    CertificateKind.NOT_YET_VALID: "the certificate is not valid yet",
    CertificateKind.SELF_SIGNED: "the certificate is self-signed",
    CertificateKind.UNTRUSTED: "the certificate is from an unknown authority",
}


def certificate_words(certificate: Certificate | None) -> str:
    """A refused certificate as a person understands it, from its kind; for another kind (or
    none) the probe's own message passes through."""
    if certificate is not None and certificate.kind in CERTIFICATE:
        return CERTIFICATE[certificate.kind]
    if certificate is not None and certificate.error:
        return f"the certificate was refused: {certificate.error}"
    return "the certificate was refused"


@dataclass(frozen=True, slots=True)
class Check:
    """The outcome of a live check of one server, for a table cell."""

    ok: bool | None  # None: not checked
    text: str
    login_refused: bool = False  # the server works; the user name or password did not


def check(verification: Verification | None, *, with_time: bool = True) -> Check:
    """Did a live check of the server work, and if not, why (in plain words)?

    Decided on the verification's fields and its :class:`FailureKind`; its messages are only
    shown.
    """
    if verification is None or not verification.probed:
        return _unchecked(verification)
    v = verification
    detail = f": {v.error}" if v.error else ""
    if not v.reachable:
        return Check(False, "unreachable" + detail)
    if v.failure is FailureKind.CERTIFICATE or (
        v.certificate is not None and not v.certificate.valid
    ):
        return Check(False, certificate_words(v.certificate))
    if v.tls is TlsStatus.FAILED:
        return Check(False, "encryption failed" + detail)
    if v.tls is TlsStatus.NOT_OFFERED or v.failure is FailureKind.STARTTLS_NOT_OFFERED:
        return Check(False, "the server offers no encryption")
    if v.login_refused:
        why = v.login_detail or v.error
        return Check(False, "sign-in refused" + (f": {why}" if why else ""), login_refused=True)
    if v.failure is not None or not v.ok:
        return Check(False, v.error or (v.failure.value if v.failure else "failed"))
    ms = f" ({v.elapsed_ms:.0f} ms)" if v.elapsed_ms and with_time else ""
    if v.login is LoginStatus.OK:
        return Check(True, f"works, sign-in ok{ms}")
    if v.tls is TlsStatus.OK:
        return Check(True, f"works, encrypted{ms}")
    return Check(True, f"reachable{ms}")


def _unchecked(verification: Verification | None) -> Check:
    if verification is not None and verification.not_probed is NotProbed.BEST_WORKS:
        return Check(None, "not checked: the first choice works")
    return Check(None, "not checked")


def _describe(server: ServerSettings) -> str:
    return (
        f"{server.protocol.value.upper()} {server.host} port {server.port}, "
        f"{security_words(server.security)}"
    )


# How to sign in, in the words of a person setting up a mail app.
SIGN_IN = {
    SignIn.OAUTH2: "OAuth2 (the provider's sign-in page)",
    SignIn.APP_PASSWORD: "an app password (not your normal one)",
    SignIn.PASSWORD: "your normal password",
    SignIn.PASSWORD_AFTER_ENABLING: (
        "your normal password, once IMAP is enabled in your account's settings"
    ),
    SignIn.UNSUPPORTED: "not possible with a mail app: the provider offers no IMAP",
}


def sign_in_words(options: Sequence[SignIn]) -> str:
    """``[oauth2, app-password]`` → ``OAuth2 (...) or an app password (...)``."""
    said = " or ".join(SIGN_IN[option] for option in options) or "-"
    return said[0].upper() + said[1:]


def _chosen_row(
    label: str, server: ServerSettings | None, found: Sequence[ServerSettings]
) -> list[tuple[str, str]]:
    if server is not None:
        return [(label, _describe(server))]
    return [(label, "none of the servers found passed a live check")] if found else []


def recommended(result: DiscoveryResult) -> list[tuple[str, str]]:
    """What to type into a mail app: (label, value) pairs, from ``result.recommendation``."""
    rec = recommendation_of(result)
    incoming, outgoing = rec.incoming, rec.outgoing
    rows = _chosen_row("Incoming", incoming, result.incoming)
    rows += _chosen_row("Outgoing", outgoing, result.outgoing)
    names = [s.username for s in (incoming, outgoing) if s is not None and s.username]
    if names and len(set(names)) == 1:
        rows.append(("User name", names[0]))
    elif names:
        first = incoming.username if incoming is not None else None
        rows.append(("User name", f"{first or '-'} (outgoing: {names[-1]})"))
    elif incoming is not None or outgoing is not None:
        rows.append(("User name", "not published; usually your full email address"))
    if rec.sign_in_options and (incoming is not None or outgoing is not None):
        rows.append(("Sign-in", sign_in_words(rec.sign_in_options)))
        if rec.sign_in_url:
            rows.append(("Where", rec.sign_in_url))
    return rows


_FAILED = {ReasonCode.INCOMING_FAILED: "incoming", ReasonCode.OUTGOING_FAILED: "outgoing"}


def safety(result: DiscoveryResult) -> tuple[bool, str]:
    """(safe, one sentence): may a person use the recommended servers with a password?
    Said from the recommendation's verdict and reasons."""
    rec = recommendation_of(result)
    codes = {reason.code for reason in rec.reasons}
    picked = [s for s in (rec.incoming, rec.outgoing) if s is not None]
    if rec.verdict is Verdict.UNDETERMINED:
        return False, domain_sentence(result) or REASONS[ReasonCode.LOCAL_DNS_DOWN]
    if rec.verdict is Verdict.FAILED:
        failed = [_FAILED[r.code] for r in rec.reasons if r.code in _FAILED]
        return False, f"Not safe: no {' or '.join(failed)} server passed a live check."
    if rec.verdict is Verdict.NONE:
        return False, "No usable servers were found."
    if ReasonCode.PLAINTEXT in codes:
        return False, "Not safe: without encryption your password would travel in clear text."
    if ReasonCode.SIGN_IN_REFUSED in codes:
        return False, (
            "The servers work, but the sign-in was refused: check the user name and password."
        )
    if ReasonCode.INSECURE_SOURCE in codes:
        return False, (
            "Be careful: these settings came over unencrypted HTTP; check them with your provider."
        )
    if ReasonCode.LOW_TRUST in codes:
        databases = [DATABASES[s.database] for s in picked if s.database is not None]
        return (
            False,
            "Be careful: little evidence backs these settings; check them with your provider."
            + (f" They come from {databases[0]}." if databases else ""),
        )
    where = ", ".join(
        dict.fromkeys(source_words(src, s.database) for s in picked for src in s.sources[:1])
    )
    if rec.verdict is Verdict.VERIFIED:
        return True, f"Safe: encrypted, and the servers answered a live check. From {where}."
    return True, f"Encrypted connections. From {where}; not checked live."


def nothing_checked(result: DiscoveryResult) -> str | None:
    """One plain sentence when servers were checked live and not one check worked, else None.

    A refused sign-in counts as a server that answered. Candidates that were not probed
    themselves but sit on a host and port whose probe failed (``Verification.inferred``) count
    as checked and failed.
    """
    checked = [s.verification for s in result.incoming + result.outgoing if s.verification]
    if not checked:
        return None
    for verification in checked:
        outcome = check(verification)
        if outcome.ok or outcome.login_refused:
            return None
    return (
        "Nothing could be checked: not one of these servers answered a live check from here, "
        "so none of these settings is confirmed."
    )


def domain_sentence(result: DiscoveryResult) -> str | None:
    """One sentence when the DNS says the domain does not exist or does not work, else None."""
    if result.domain_status is DomainStatus.NOT_FOUND:
        return (
            f"The domain {result.domain} does not exist (the DNS has no such name): "
            "check its spelling."
        )
    if result.domain_status is DomainStatus.DNS_DOWN:
        return (
            "Nothing could be looked up, not even the online ISPDB: this machine's DNS or network "
            "looks down. --offline answers from the bundled data."
        )
    return None
