"""The one answer of a discovery: which servers to configure, how far to rely on them and how
to sign in (:class:`~autoconf.models.Recommendation`). Pure: fields in, a model out.

This is the only place that decides "recommended". The engine calls :func:`recommend` once,
after ranking and verification, and stores the answer in ``result.recommendation``; the
human view, the exit status, ``--format``, ``--batch`` and library callers read it there. It
sits low in the layers (models only) so that the export writers can apply the same rule to
a result built by hand or loaded from older JSON (:func:`recommendation_of`).

The rule for each direction: the best-ranked server that a live check did not reject (a
refused sign-in does not reject a server: it answered, encrypted); never an unencrypted one
while an encrypted one exists. Ranking already put the best first.
"""

from __future__ import annotations

from collections.abc import Sequence

from .models import (
    AuthMethod,
    DiscoveryResult,
    DomainStatus,
    FailureKind,
    ProviderInfo,
    ProviderStatus,
    ReasonCode,
    Recommendation,
    RecommendationReason,
    Security,
    ServerSettings,
    SignIn,
    SourceName,
    TlsStatus,
    Trust,
    Verdict,
    Verification,
)

__all__ = ["REASONS", "passed", "recommend", "recommendation_of", "rejected", "sign_in_options"]

#: One English sentence per reason code.
REASONS: dict[ReasonCode, str] = {
    ReasonCode.CHECKED: "Both servers answered a live check, encrypted.",
    ReasonCode.NOT_CHECKED: "The servers were not contacted to check them.",
    ReasonCode.PARTLY_CHECKED: "Only one of the two servers was checked live.",
    ReasonCode.PLAINTEXT: (
        "A recommended server is unencrypted: the password would travel in clear text."
    ),
    ReasonCode.INSECURE_SOURCE: (
        "A recommended server came only over unencrypted HTTP, so someone on the network "
        "could have changed it."
    ),
    ReasonCode.LOW_TRUST: (
        "Little evidence backs a recommended server; check it with your provider."
    ),
    ReasonCode.NO_INCOMING: "No incoming (IMAP or POP3) server was found.",
    ReasonCode.NO_OUTGOING: "No outgoing (SMTP) server was found.",
    ReasonCode.INCOMING_FAILED: "Every incoming server found failed its live check.",
    ReasonCode.OUTGOING_FAILED: "Every outgoing server found failed its live check.",
    ReasonCode.NO_IMAP: "The provider offers no IMAP or POP3, so no mail app can sign in.",
    ReasonCode.LOCAL_DNS_DOWN: (
        "This machine could look nothing up (its DNS or network looks down), which says "
        "nothing about the provider."
    ),
    ReasonCode.SIGN_IN_REFUSED: "A recommended server refused the user name or password.",
}

_INSECURE_SOURCES = frozenset({SourceName.AUTOCONFIG_HTTP})
_PASSWORDS = frozenset({AuthMethod.PASSWORD_CLEARTEXT, AuthMethod.PASSWORD_ENCRYPTED})


def rejected(verification: Verification | None) -> bool:
    """A live check rejected the server: it was checked and did not work. A refused sign-in
    is not a rejection (the server answered, encrypted), nor is a probe cut short by the
    discovery's deadline (it counts as not checked)."""
    if verification is None or verification.login_refused:
        return False
    if verification.failure is FailureKind.DEADLINE:
        return False  # the discovery's deadline passed first: says nothing about the server
    v = verification
    if not v.reachable or v.failure is not None or not v.ok:
        return True
    if v.certificate is not None and not v.certificate.valid:
        return True
    return v.tls is TlsStatus.NOT_OFFERED


def passed(server: ServerSettings) -> bool:
    """The server was checked live and worked, encrypted (a refused sign-in included)."""
    v = server.verification
    if v is None or rejected(v):
        return False
    return server.security is not Security.PLAIN and (
        v.tls is TlsStatus.OK or v.failure is FailureKind.AUTH_REFUSED
    )


def _choose(servers: Sequence[ServerSettings]) -> ServerSettings | None:
    usable = [s for s in servers if not rejected(s.verification)]
    encrypted = [s for s in usable if s.security is not Security.PLAIN]
    best = encrypted or usable
    return best[0] if best else None


def recommend(result: DiscoveryResult) -> Recommendation:
    """The recommendation for ``result``, from its fields only."""
    incoming, outgoing = _choose(result.incoming), _choose(result.outgoing)
    chosen = [s for s in (incoming, outgoing) if s is not None]
    codes = _problems(result, incoming, outgoing)
    verdict = _verdict(result, codes, chosen)
    if verdict in (Verdict.VERIFIED, Verdict.UNVERIFIED, Verdict.INSECURE):
        codes += _standing(chosen)
    options = sign_in_options(result.provider, incoming or outgoing) if chosen else []
    if result.provider is not None and result.provider.no_imap and not result.incoming:
        options = [SignIn.UNSUPPORTED]
    first = options[0] if options else None
    return Recommendation(
        incoming=incoming,
        outgoing=outgoing,
        verdict=verdict,
        sign_in=first,
        sign_in_options=options,
        sign_in_url=next((url for o in options if (url := _sign_in_url(result.provider, o))), None),
        reasons=[RecommendationReason(code=c, message=REASONS[c]) for c in dict.fromkeys(codes)],
    )


def _problems(
    result: DiscoveryResult, incoming: ServerSettings | None, outgoing: ServerSettings | None
) -> list[ReasonCode]:
    """What keeps the result from a usable pair, in the order a person should read it."""
    codes: list[ReasonCode] = []
    if result.domain_status is DomainStatus.DNS_DOWN:
        codes.append(ReasonCode.LOCAL_DNS_DOWN)
    provider = result.provider
    if not result.incoming and provider is not None and provider.no_imap:
        codes.append(ReasonCode.NO_IMAP)
    for servers, chosen, missing, failed in (
        (result.incoming, incoming, ReasonCode.NO_INCOMING, ReasonCode.INCOMING_FAILED),
        (result.outgoing, outgoing, ReasonCode.NO_OUTGOING, ReasonCode.OUTGOING_FAILED),
    ):
        if not servers:
            codes.append(missing)
        elif chosen is None:
            codes.append(failed)
    return codes


def _verdict(
    result: DiscoveryResult, problems: list[ReasonCode], chosen: list[ServerSettings]
) -> Verdict:
    if result.domain_status is DomainStatus.DNS_DOWN and not any(passed(s) for s in chosen):
        return Verdict.UNDETERMINED
    if ReasonCode.INCOMING_FAILED in problems or ReasonCode.OUTGOING_FAILED in problems:
        return Verdict.FAILED
    if problems:
        return Verdict.NONE
    if any(_insecure(s) for s in chosen):
        return Verdict.INSECURE
    if all(passed(s) for s in chosen):
        return Verdict.VERIFIED
    return Verdict.UNVERIFIED


def _insecure(server: ServerSettings) -> bool:
    return server.security is Security.PLAIN or set(server.sources) <= _INSECURE_SOURCES


def _standing(chosen: list[ServerSettings]) -> list[ReasonCode]:
    """The reasons behind a usable pair's verdict."""
    codes: list[ReasonCode] = []
    if any(s.security is Security.PLAIN for s in chosen):
        codes.append(ReasonCode.PLAINTEXT)
    if any(set(s.sources) <= _INSECURE_SOURCES for s in chosen):
        codes.append(ReasonCode.INSECURE_SOURCE)
    if any(s.verification is not None and s.verification.login_refused for s in chosen):
        codes.append(ReasonCode.SIGN_IN_REFUSED)
    checked = [passed(s) for s in chosen]
    if all(checked):
        codes.append(ReasonCode.CHECKED)
    elif any(checked):
        codes.append(ReasonCode.PARTLY_CHECKED)
    else:
        codes.append(ReasonCode.NOT_CHECKED)
    if any(s.trust is Trust.LOW for s in chosen):
        codes.append(ReasonCode.LOW_TRUST)
    return codes


def sign_in_options(provider: ProviderInfo | None, server: ServerSettings | None) -> list[SignIn]:
    """Every way of signing in the provider allows, in the provider's order: the chosen
    server's authentication methods, read with the provider data (an app password required,
    IMAP to be enabled first)."""
    methods = list(server.auth) if server is not None else []
    if provider is not None and provider.oauth2 is not None and AuthMethod.OAUTH2 not in methods:
        methods.append(AuthMethod.OAUTH2)
    options: list[SignIn] = []
    for method in methods or [AuthMethod.PASSWORD_CLEARTEXT]:
        if method is AuthMethod.OAUTH2:
            options.append(SignIn.OAUTH2)
        elif method in _PASSWORDS:
            options.append(_password_kind(provider))
    if not options:  # only NTLM, Kerberos, a certificate or no sign-in: a password is asked
        options.append(_password_kind(provider))
    return list(dict.fromkeys(options))


def _password_kind(provider: ProviderInfo | None) -> SignIn:
    if provider is None:
        return SignIn.PASSWORD
    if provider.app_password_required:
        return SignIn.APP_PASSWORD
    if provider.enable is not None or provider.status is ProviderStatus.PREPARATION:
        return SignIn.PASSWORD_AFTER_ENABLING
    return SignIn.PASSWORD


def _sign_in_url(provider: ProviderInfo | None, sign_in: SignIn | None) -> str | None:
    """Where to make the app password or enable IMAP, where the databases give a page."""
    if provider is None:
        return None
    enable = provider.enable.visit_url if provider.enable is not None else None
    if sign_in is SignIn.APP_PASSWORD:
        return provider.note_url or enable
    if sign_in is SignIn.PASSWORD_AFTER_ENABLING:
        return enable or provider.note_url
    return None


def recommendation_of(result: DiscoveryResult) -> Recommendation:
    """``result.recommendation``; for a result built by hand (without one), the same rule
    applied now."""
    return result.recommendation if result.recommendation is not None else recommend(result)
