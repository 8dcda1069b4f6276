"""The recommendation's rules (autoconf.recommend), decided from a result's fields alone."""

from __future__ import annotations

from autoconf.models import (
    AuthMethod,
    Certificate,
    CertificateKind,
    DaneStatus,
    DiscoveryResult,
    DomainStatus,
    EnableInstructions,
    FailureKind,
    LoginStatus,
    OAuth2Info,
    Protocol,
    ProviderInfo,
    ProviderStatus,
    ReasonCode,
    Security,
    ServerSettings,
    SignIn,
    SourceName,
    TlsStatus,
    Trust,
    Verdict,
    Verification,
)
from autoconf.recommend import REASONS, recommend, recommendation_of

from ..fakes import server

WORKS = Verification(reachable=True, tls=TlsStatus.OK)
DEAD = Verification(reachable=False, error="timed out", failure=FailureKind.TIMEOUT)
REFUSED = Verification(
    reachable=True, tls=TlsStatus.OK, login=LoginStatus.FAILED, failure=FailureKind.AUTH_REFUSED
)
BAD_CERT = Verification(
    reachable=True,
    tls=TlsStatus.FAILED,
    certificate=Certificate(valid=False),
    failure=FailureKind.CERTIFICATE,
)


def _smtp(**extra: object) -> ServerSettings:
    return server(Protocol.SMTP, "smtp.example.com", 465, **extra)


def _result(
    incoming: list[ServerSettings],
    outgoing: list[ServerSettings],
    provider: ProviderInfo | None = None,
    **extra: object,
) -> DiscoveryResult:
    return DiscoveryResult(
        address="jane@example.com",
        domain="example.com",
        incoming=incoming,
        outgoing=outgoing,
        provider=provider,
        **extra,  # type: ignore[arg-type]
    )


def _codes(result: DiscoveryResult) -> list[ReasonCode]:
    return [reason.code for reason in recommend(result).reasons]


def test_the_best_ranked_server_that_was_not_rejected_is_chosen():
    """A failed first server is passed over for the next one; both checked: verified."""
    first = server(host="dead.example.com", verification=DEAD)
    second = server(host="imap.example.com", verification=WORKS)
    rec = recommend(_result([first, second], [_smtp(verification=WORKS)]))
    assert rec.incoming == second
    assert rec.verdict is Verdict.VERIFIED
    assert ReasonCode.CHECKED in _codes(_result([first, second], [_smtp(verification=WORKS)]))


def test_a_refused_sign_in_does_not_reject_a_server():
    """A server that refused the password answered, encrypted: it stays chosen, the verdict is
    verified, and the reasons say the sign-in was refused."""
    refused = server(verification=REFUSED)
    result = _result([refused, server(host="other.example.com")], [_smtp(verification=WORKS)])
    rec = recommend(result)
    assert rec.incoming == refused
    assert rec.verdict is Verdict.VERIFIED
    assert ReasonCode.SIGN_IN_REFUSED in _codes(result)


def test_never_an_unencrypted_server_while_an_encrypted_one_exists():
    """Plain ranked first (as a caller's source may do): the encrypted one is chosen anyway."""
    plain = server(host="plain.example.com", port=143, security=Security.PLAIN)
    tls = server(host="tls.example.com")
    assert recommend(_result([plain, tls], [_smtp()])).incoming == tls


def test_only_unencrypted_servers_are_chosen_but_insecure():
    """Only plain servers: chosen (there is nothing else) with the verdict insecure."""
    plain = server(port=143, security=Security.PLAIN)
    result = _result([plain], [_smtp()])
    assert recommend(result).incoming == plain
    assert recommend(result).verdict is Verdict.INSECURE
    assert ReasonCode.PLAINTEXT in _codes(result)


def test_servers_only_from_plain_http_are_insecure():
    """A chosen server whose only source is autoconfig over plain HTTP: insecure."""
    http = server(sources=[SourceName.AUTOCONFIG_HTTP], trust=Trust.LOW)
    result = _result([http], [_smtp()])
    assert recommend(result).verdict is Verdict.INSECURE
    assert ReasonCode.INSECURE_SOURCE in _codes(result)


def test_not_checked_is_unverified_and_one_checked_is_still_unverified():
    """No live check at all: unverified (not-checked); one of the two checked: unverified
    (partly-checked)."""
    assert recommend(_result([server()], [_smtp()])).verdict is Verdict.UNVERIFIED
    partly = _result([server(verification=WORKS)], [_smtp()])
    assert recommend(partly).verdict is Verdict.UNVERIFIED
    assert ReasonCode.PARTLY_CHECKED in _codes(partly)


def test_every_server_of_a_direction_failed_is_failed_with_none_chosen():
    """Servers found but every incoming one failed (a bad certificate counts): failed, no
    incoming server, and the reason names the direction."""
    result = _result([server(verification=DEAD), server(verification=BAD_CERT)], [_smtp()])
    rec = recommend(result)
    assert rec.incoming is None
    assert rec.outgoing is not None
    assert rec.verdict is Verdict.FAILED
    assert _codes(result)[0] is ReasonCode.INCOMING_FAILED


def test_nothing_found_is_none_and_dns_down_is_undetermined():
    """No servers: none (no-incoming, no-outgoing); with this machine's DNS down:
    undetermined, whatever was found, unless a server passed a live check."""
    empty = _result([], [])
    assert recommend(empty).verdict is Verdict.NONE
    assert _codes(empty) == [ReasonCode.NO_INCOMING, ReasonCode.NO_OUTGOING]
    down = _result([server(verification=DEAD)], [_smtp()], domain_status=DomainStatus.DNS_DOWN)
    assert recommend(down).verdict is Verdict.UNDETERMINED
    assert _codes(down)[0] is ReasonCode.LOCAL_DNS_DOWN


def test_every_reason_has_a_sentence():
    """Each reason code has one English sentence, and a reason carries it."""
    assert set(REASONS) == set(ReasonCode)
    reason = recommend(_result([], [])).reasons[0]
    assert reason.message == REASONS[reason.code]


def test_sign_in_follows_the_provider_data_in_its_order():
    """OAuth2 and a required app password are both offered, in the server's order; a
    provider that needs IMAP enabled first says so, with its page; none of that data: the
    normal password."""
    gmail = ProviderInfo(
        app_password_required=True,
        oauth2=OAuth2Info(issuer="accounts.example.com"),
        note_url="https://notes.example/gmail",
    )
    both = server(auth=[AuthMethod.OAUTH2, AuthMethod.PASSWORD_CLEARTEXT])
    rec = recommend(_result([both], [_smtp()], gmail))
    assert rec.sign_in_options == [SignIn.OAUTH2, SignIn.APP_PASSWORD]
    assert rec.sign_in is SignIn.OAUTH2
    assert rec.sign_in_url == "https://notes.example/gmail"  # where the app password is made
    enabling = ProviderInfo(
        status=ProviderStatus.PREPARATION,
        enable=EnableInstructions(visit_url="https://example.com/settings/imap"),
    )
    rec = recommend(_result([server()], [_smtp()], enabling))
    assert rec.sign_in is SignIn.PASSWORD_AFTER_ENABLING
    assert rec.sign_in_url == "https://example.com/settings/imap"
    assert recommend(_result([server()], [_smtp()])).sign_in_options == [SignIn.PASSWORD]


def test_a_provider_without_imap_is_unsupported():
    """No IMAP at all (the bridge/app advice): sign-in unsupported, verdict none."""
    proton = ProviderInfo(no_imap=True, no_imap_advice="Use the Bridge.")
    rec = recommend(_result([], [], proton))
    assert rec.sign_in is SignIn.UNSUPPORTED
    assert rec.verdict is Verdict.NONE
    assert ReasonCode.NO_IMAP in _codes(_result([], [], proton))


def test_a_result_built_by_hand_gets_the_same_rule():
    """recommendation_of: the stored recommendation, else the rule applied now."""
    result = _result([server()], [_smtp()])
    assert result.recommendation is None
    assert recommendation_of(result) == recommend(result)
    stored = result.model_copy(update={"recommendation": recommend(_result([], []))})
    assert recommendation_of(stored).verdict is Verdict.NONE


def test_a_probe_cut_short_by_the_deadline_is_not_a_rejection():
    """failure=deadline says nothing about the server: it stays chosen, unverified."""
    late = Verification(reachable=False, error="deadline", failure=FailureKind.DEADLINE)
    rec = recommend(_result([server(verification=late)], [_smtp()]))
    assert rec.incoming is not None
    assert rec.verdict is Verdict.UNVERIFIED


def test_a_certificate_dane_verified_counts_as_valid_and_a_dane_failure_rejects():
    """A certificate only DANE vouches for (no public CA) is chosen, verified; one whose secure
    TLSA records match nothing is a rejected server like any refused certificate."""
    pinned = Verification(
        reachable=True,
        tls=TlsStatus.OK,
        certificate=Certificate(valid=True, issuer="imap.example.com"),
        dane=DaneStatus.VERIFIED,
        dane_record="3 1 1 " + "ab" * 32,
    )
    mismatch = BAD_CERT.model_copy(
        update={
            "certificate": Certificate(valid=False, kind=CertificateKind.DANE_MISMATCH),
            "dane": DaneStatus.FAILED,
        }
    )
    first = server(host="mismatch.example.com", verification=mismatch)
    second = server(host="imap.example.com", verification=pinned)
    result = _result([first, second], [_smtp(verification=pinned)])
    rec = recommend(result)
    assert rec.incoming == second
    assert rec.verdict is Verdict.VERIFIED
